"""Every error a visitor can meet (403, 404, 405, 413, 429, 500) is a page of the portal: its layout, what
happened and what to do next, no traceback; under /api/ the same status as JSON."""

from __future__ import annotations

import re

import pytest

from .portal_helpers import GENEROUS_LIMITS, Visitor, case_fields


def assert_styled(response, status: int, *words: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    text = response.text
    assert '<header class="top">' in text and re.search(r"/_portal/static/portal\.[0-9a-f]+\.css", text), "layout"
    assert f"Error {status}" in text and "What to do next:" in text
    assert 'href="/search"' in text, "a way on from the error"
    assert "Traceback" not in text
    for word in words:
        assert word in text, word


def test_403_a_case_above_the_agents_level_says_why_and_leads_back_to_the_queue(visitor, new_visitor):
    number, _ = new_visitor().log_case(severity="catastrophic")  # Level 3 at once
    visitor.sign_in("ann")  # Level 1
    response = visitor.get(f"/agent/cases/{number}")
    assert_styled(response, 403, "Not allowed", f"{number} is at Level 3; your level is 1", "Back to the queue")


def test_403_an_agents_action_without_a_session(visitor):
    token = visitor.form("/cases/new").fields["csrf_token"]
    response = visitor.post("/agent/notifications/read", {"csrf_token": token})
    assert_styled(response, 403, "Not allowed", "sign in")


def test_404_and_its_json(visitor):
    assert_styled(visitor.get("/no/such/page"), 404, "Not found", "search the help centre")
    api = visitor.get("/api/no-such-thing")
    assert api.status_code == 404 and api.json == {"error": "not found"}


def test_405_says_how_the_address_is_used(visitor):
    response = visitor.post("/search", {"q": "x"})
    assert_styled(response, 405, "Not like that", "it takes GET, HEAD, OPTIONS")
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    api = visitor.client.delete("/api/search?q=x")
    assert api.status_code == 405 and "error" in api.json


def test_413_says_how_much_is_accepted(visitor, store):
    response = visitor.submit("/cases/new", case_fields(description="x" * (2 * 1024 * 1024)))
    assert_styled(response, 413, "Too large", "(1 MB)", "Shorten the text")
    assert store.count_cases() == 0


def test_429_says_to_wait_and_the_api_answers_json(make_app):
    app = make_app(rate_limits=GENEROUS_LIMITS | {"public": "2 per minute"})
    browser = Visitor(app.test_client())
    statuses = [browser.get("/search?q=gantt").status_code for _ in range(3)]
    assert statuses[-1] == 429
    assert_styled(browser.get("/search?q=gantt"), 429, "Slow down", "Wait a minute")
    api = [browser.get("/api/search?q=gantt") for _ in range(3)][-1]  # each endpoint counts on its own
    assert api.status_code == 429 and api.json == {"error": "too many requests; slow down"}


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "agent"])
def test_500_is_a_page_without_the_error_and_json_under_api(make_app, signed_in, caplog):
    app = make_app()

    def boom():
        raise RuntimeError("secret detail of the failure")

    app.add_url_rule("/agent/boom", "boom", boom)
    app.add_url_rule("/api/boom", "api_boom", boom)
    browser = Visitor(app.test_client())
    if signed_in:
        browser.sign_in("ann")
    response = browser.get("/agent/boom")
    assert_styled(response, 500, "Something went wrong on our side", "Try again in a minute")
    assert "secret detail" not in response.text
    api = browser.get("/api/boom")
    assert api.status_code == 500 and "secret detail" not in api.text and "error" in api.json
    assert "secret detail of the failure" in caplog.text, "logged for us, with the traceback"


def test_unknown_portal_addresses_get_the_portals_404_even_with_a_site(site_app):
    browser = Visitor(site_app.test_client())
    browser.sign_in("ann")
    assert_styled(browser.get("/agent/no-such-page"), 404, "Not found", "Back to the queue")
    api = browser.get("/api/no-such-thing")
    assert api.status_code == 404 and api.json == {"error": "not found"}
    site = browser.get("/no/such/help/page/")
    assert site.status_code == 404 and "Error 404" not in site.text, "the help centre keeps its own 404 page"


def test_400_an_expired_or_missing_form_token_says_to_reload_and_send_again(visitor, store):
    response = visitor.post("/cases/new", case_fields())  # no CSRF token
    assert_styled(response, 400, "Please try again", "nothing was saved", "reload the page")
    assert store.count_cases() == 0
    api = visitor.post("/api/feedback", {"article": "KB-0001", "helpful": "y"})
    assert api.status_code == 400 and "nothing was saved" in api.json["error"]
