"""Fixes in the agent console (issue 19), through the pages as a browser posts them (CSRF on): the case's type
and defect on its page (a refused value draws the form again with the message, 400; a stale page is
refused like every case action), the defect's page with the cases that share it, its version moved for all
of them, and an admin publishing a release. On SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

import pytest

from generator.portal.accounts import add_agent
from generator.versions import ProductVersion, VersionStatus

from .portal_helpers import PASSWORD, find_form

VERSIONS = (
    ProductVersion("2026.5", VersionStatus.PLANNED),
    ProductVersion("2026.4", VersionStatus.PLANNED),
    ProductVersion("2026.3", VersionStatus.CURRENT),
)
FIX = {"case_type": "bug", "reference": "ENG-42", "summary": "Imported schedules keep their bars.", "target": "2026.4"}


@pytest.fixture
def app(make_app, clock):
    app = make_app(product_versions=VERSIONS)
    app.extensions["kb_portal"].desk.now = clock
    return app


@pytest.fixture
def agent(new_visitor):
    def sign_in(username: str):
        visitor = new_visitor()
        visitor.sign_in(username)
        return visitor

    return sign_in


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^<>]+>", " ", page)).split())


def test_an_agent_sets_a_cases_type_defect_and_target_on_its_page(visitor, agent, store):
    number, _ = visitor.log_case()
    ann = agent("ann")
    page = ann.get(f"/agent/cases/{number}").text
    form = find_form(page, f"/agent/cases/{number}/classify")
    assert 'id="case-type"' in page and '<option value="2026.4">2026.4</option>' in page
    assert "2026.3</option>" not in page.split('id="case-target"')[1].split("</select>")[0]  # released: no target
    assert form.fields["version"] == str(store.case(number).version)

    response = ann.act(number, "classify", FIX)

    assert response.status_code == 303
    shown = text_of(ann.get(response.headers["Location"]).text)
    assert "Type set to bug. Linked to ENG-42. The customer was told the fix is planned for 2026.4." in shown
    assert "Type Bug · ENG-42" in shown and "Waits on defect ENG-42 (planned for 2026.4)." in shown
    assert store.case(number).case_type == "bug"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"target": "2026.3"}, "Target version: '2026.3' is not a version planned and not yet released"),
        ({"summary": ""}, "ENG-42 is a new defect: write a summary customers may read"),
        ({"case_type": "question"}, "Only a bug or an enhancement waits on a fix"),
        ({"case_type": "<b>bug</b>"}, "Type: Not a valid choice."),
        ({"reference": "ENG\r\n42"}, "Defect reference: Use one line of plain text"),
    ],
)
def test_a_bad_value_draws_the_form_again_with_the_message_and_saves_nothing(visitor, agent, store, change, message):
    number, _ = visitor.log_case()
    ann = agent("ann")
    before = (store.case(number), len(store.events(number)))

    response = ann.act(number, "classify", FIX | change)

    assert response.status_code == 400
    error = re.search(r'<p class="error" role="alert" id="case-fix-error">(.*?)</p>', response.text).group(1)
    assert html.unescape(error).startswith(message)
    kept = find_form(response.text, f"/agent/cases/{number}/classify").fields
    assert kept["reference"] == (FIX | change)["reference"].strip() or "\r" in (FIX | change)["reference"]
    assert (store.case(number), len(store.events(number))) == before


def test_a_classify_from_a_stale_page_is_refused(visitor, agent, store):
    number, _ = visitor.log_case()
    ann, bob = agent("ann"), agent("bob")
    form = find_form(ann.get(f"/agent/cases/{number}").text, f"/agent/cases/{number}/classify")
    assert bob.act(number, "note", {"text": "Looked at it."}).status_code == 303

    response = ann.post(f"/agent/cases/{number}/classify", form.fields | FIX)

    assert response.status_code == 409 and store.case(number).case_type is None


def test_the_defect_page_lists_its_cases_and_moves_their_fix(visitor, agent, store):
    first, _ = visitor.log_case(subject="Bars vanish")
    second, _ = visitor.log_case(subject="Bars gone too", customer_email="yan@example.com")
    ann, bob = agent("ann"), agent("bob")
    assert ann.act(first, "classify", FIX).status_code == 303
    assert ann.act(second, "classify", {"case_type": "bug", "reference": "eng-42"}).status_code == 303
    listing = ann.get("/agent/defects").text
    defect_url = re.search(r'href="(/agent/defects/\d+)">ENG-42</a>', listing).group(1)
    assert "2 (2)" in text_of(listing)

    page = ann.get(defect_url).text
    assert first in page and second in page and "Bars gone too" in page
    assert "Level 2, Level 3 or an admin makes it" in page and f"{defect_url}/target" not in page
    refused = ann.post(f"{defect_url}/target", {"version": "2026.5", "csrf_token": _token(page)})
    assert refused.status_code == 403

    moved = bob.submit(defect_url, {"version": "2026.5"}, action=f"{defect_url}/target")
    assert moved.status_code == 303
    assert "The fix is planned for 2026.5 now; 2 waiting cases updated." in text_of(bob.get(defect_url).text)
    for number in (first, second):
        assert "planned for Sample Planner 2026.5" in store.events(number, "reply")[-1].body

    bad = bob.submit(defect_url, {"version": "9999"}, action=f"{defect_url}/target")
    assert bad.status_code == 400 and "&#39;9999&#39; is not a version planned" in bad.text
    assert bob.get("/agent/defects/999999").status_code == 404


def test_an_admin_publishes_a_release_from_the_console_once(visitor, agent, store):
    add_agent(store.engine, "root", "Ro Admin", "root@example.com", 1, True, PASSWORD)
    number, _ = visitor.log_case()
    dan, root = agent("dan"), agent("root")
    assert dan.act(number, "classify", FIX).status_code == 303
    assert 'id="publish-release"' not in dan.get("/agent/defects").text
    token = _token(dan.get("/agent/defects").text)
    assert dan.post("/agent/releases/publish", {"version": "2026.4", "csrf_token": token}).status_code == 403
    assert store.case(number).status == "open"

    published = root.submit("/agent/defects", {"version": "2026.4"}, action="/agent/releases/publish")

    assert published.status_code == 303
    shown = text_of(root.get("/agent/defects").text)
    assert "2026.4 published: 1 case resolved and told." in shown
    assert "2026.4: published 2026-11-23 15:00 UTC by root" in shown
    assert store.case(number).status == "resolved"
    assert store.mail("zoe@example.com")[-1].subject == f"[{number}] Fix available in version 2026.4"
    again = root.post("/agent/releases/publish", {"version": "2026.4", "csrf_token": _token(root.get("/agent/").text)})
    assert again.status_code == 303
    assert "was published on 2026-11-23 15:00 UTC by root; nothing changed." in text_of(root.get("/agent/defects").text)


def test_defect_actions_need_the_csrf_token(visitor, agent):
    number, _ = visitor.log_case()
    bob = agent("bob")
    assert bob.act(number, "classify", FIX).status_code == 303

    assert bob.post("/agent/defects/1/target", {"version": "2026.5"}).status_code == 400
    assert bob.post("/agent/releases/publish", {"version": "2026.4"}).status_code == 400


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_console_report_shows_the_fixes(visitor, agent):
    number, _ = visitor.log_case()
    ann = agent("ann")
    assert ann.act(number, "classify", FIX).status_code == 303

    shown = text_of(ann.get("/agent/report").text)

    assert "Fixes: defects and releases" in shown
    assert "From case to shipped fix, over 0 cases: median none yet" in shown
    assert "Open defects by target version Version Open defects Cases waiting 2026.4 1 1" in shown


def test_a_defects_summary_is_reworded_on_its_page(visitor, agent):
    number, _ = visitor.log_case()
    bob = agent("bob")
    assert bob.act(number, "classify", FIX).status_code == 303
    url = re.search(r'href="(/agent/defects/\d+)">ENG-42</a>', bob.get("/agent/defects").text).group(1)

    empty = bob.submit(url, {"summary": " "}, action=f"{url}/summary")
    saved = bob.submit(url, {"summary": "Bars stay after an import."}, action=f"{url}/summary")

    assert empty.status_code == 400 and "Summary for customers: Write one sentence" in text_of(empty.text)
    assert saved.status_code == 303
    assert "Summary for customers Bars stay after an import." in text_of(bob.get(url).text)
