"""Hostile and odd input: stored exactly as typed, shown escaped, refused only where it could do harm outside
a page (line breaks in one-line fields, control characters, sizes), always with a message at the field and
the rest of the form kept."""

from __future__ import annotations

import pytest
from markupsafe import escape

from generator.portal.db import feedback

from .portal_helpers import CUSTOMER_EMAIL, Visitor, case_fields, find_form, parse_page

MARKUP = {
    "subject": '<script>alert("subject")</script> & <b>bold</b>',
    "description": "<img src=x onerror=alert(1)>\n</textarea><script>alert('description')</script>",
    "customer_name": "<svg onload=alert(3)>Zoe",
    "company": "\"><script>alert('company')</script>",
}
ODD_UNICODE = {
    # right-to-left override and embedding, emoji with a zero-width joiner and a skin tone, combining marks,
    # 4-byte (astral plane) letters, a byte-order mark and a non-breaking space inside the text
    "subject": "Gantt \u202eevil.exe\u202c 🚀 naïve cafe\u0301 𝕏𝕐 👩🏽\u200d💻 \ufeffend",
    "description": (
        "Z\u0351\u0352\u0353\u0354algo text\n\u05e9\u05dc\u05d5\u05dd \u202bembedded\u202c\n𐍈 𠜎 😀\u00a0done"
    ),
    "customer_name": "Zoë \u202eRTL\u202c O\u2019Brien 李小龍",
    "company": "Ünïcødé GmbH 🏗\ufe0f",
}


def test_markup_is_stored_as_typed_and_shown_escaped(visitor, store):
    number, path = visitor.log_case(**MARKUP)

    row = store.case(number)
    for name, value in MARKUP.items():
        assert getattr(row, name) == value, name
    visitor.sign_in("ann")
    pages = {  # each page, and the fields it shows
        "customer's case page": (visitor.get(path), ("subject", "description")),
        "agent's case page": (visitor.get(f"/agent/cases/{number}"), tuple(MARKUP)),
        "agent's queue": (visitor.get("/agent/"), ("subject", "customer_name", "company")),
    }
    for where, (page, shown) in pages.items():
        assert page.status_code == 200, where
        for name in shown:
            assert str(escape(MARKUP[name])) in page.text, f"{where}: {name} not shown escaped"
        for raw in ("<script>", "<img src=x", "<svg onload", "</textarea><script>"):
            assert raw not in page.text, f"{where}: {raw!r} sent unescaped"


def test_markup_in_a_form_sent_back_with_an_error_stays_escaped(visitor, store):
    response = visitor.submit("/cases/new", case_fields(**MARKUP, customer_email="not an address"))

    assert response.status_code == 400
    assert "<script>" not in response.text and "<svg onload" not in response.text
    fields = find_form(response.text, "/cases/new").fields
    for name, value in MARKUP.items():
        assert fields[name] == value, f"{name} not kept exactly"
    assert store.count_cases() == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("subject", "Help\r\nBcc: evil@example.com", "Use one line of plain text"),
        ("subject", "Gantt\x00chart", "Use one line of plain text"),
        ("subject", "", "Say in a few words what is wrong."),
        ("customer_email", "zoe@example.com\r\nBcc: evil@example.com", "Use one line of plain text"),
        ("customer_email", "zoe@example.com\nBcc: evil@example.com", "Use one line of plain text"),
        ("customer_email", "zoe at example dot com", "That does not look like an email address."),
        ("customer_name", "Zoe\x00", "Use one line of plain text"),
        ("customer_name", "Zoe\r\nX-Injected: yes", "Use one line of plain text"),
        ("company", "Acme\nBcc: evil@example.com", "Use one line of plain text"),
        ("phone", "555\r\nBcc: evil@example.com", "Digits, spaces and + ( ) - only."),
        ("description", "It broke\x00 badly", "control characters (such as NUL)"),
        ("description", "bell \x07 and escape \x1b[31m", "control characters (such as NUL)"),
        ("description", "x" * 20001, "Keep it under 20,000 characters"),
    ],
    ids=lambda v: repr(v)[:24] if isinstance(v, str) else None,
)
def test_a_bad_field_is_refused_at_the_field_and_the_rest_of_the_form_is_kept(visitor, store, name, value, message):
    typed = case_fields(
        severity="minor",  # not the default, so keeping it shows
        module="budgets",
        company="Acme Ltd",
        phone="+44 20 7946 0000",
        description="Line one\nLine two\n\twith a tab",
    )
    form = find_form(visitor.get("/cases/new").text, "/cases/new")

    response = visitor.post("/cases/new", form.fields | typed | {name: value})

    assert response.status_code == 400
    page = parse_page(response.text)
    assert any(message in error for error in page.errors.get(name, [])), page.errors
    assert set(page.errors) == {name}, f"only {name} is wrong, but errors shown for {sorted(page.errors)}"
    kept = find_form(response.text, "/cases/new").fields
    for other, expected in typed.items():
        if other != name:
            assert kept[other] == expected, f"{other} was not kept"
    assert kept["idempotency_key"] == form.fields["idempotency_key"]  # corrected and resent: still one case
    assert store.count_cases() == 0
    assert store.mail() == []


def test_a_corrected_form_is_accepted_as_one_case(visitor, store):
    form = find_form(visitor.get("/cases/new").text, "/cases/new")
    bad = visitor.post(
        "/cases/new", form.fields | case_fields(customer_email="zoe@example.com\r\nBcc: evil@example.com")
    )
    assert bad.status_code == 400

    kept = find_form(bad.text, "/cases/new").fields
    good = visitor.post("/cases/new", kept | {"customer_email": CUSTOMER_EMAIL})

    assert good.status_code == 303
    assert store.count_cases() == 1
    assert [m.to_addr for m in store.mail()] == [CUSTOMER_EMAIL]


def test_a_ten_megabyte_case_is_refused_with_413_and_nothing_is_stored(visitor, store):
    response = visitor.submit("/cases/new", case_fields(description="x" * (10 * 1024 * 1024)))

    assert response.status_code == 413
    assert "nothing was saved" in response.text
    assert store.count_cases() == 0
    assert store.mail() == []


def test_odd_unicode_is_stored_exactly_and_comes_back_the_same(visitor, store, outbox):
    number, path = visitor.log_case(**ODD_UNICODE)

    row = store.case(number)
    for name, value in ODD_UNICODE.items():
        assert getattr(row, name) == value, f"{name}: stored {getattr(row, name)!r}"
    page = visitor.get(path)
    for name in ("subject", "description"):
        assert str(escape(ODD_UNICODE[name])) in page.text, f"{name} not shown as typed"
    visitor.sign_in("ann")
    agent_page = visitor.get(f"/agent/cases/{number}").text
    for name, value in ODD_UNICODE.items():
        assert str(escape(value)) in agent_page, f"{name} not shown to the agent as typed"
    (mail,) = outbox()  # to an address nobody verified: nothing the customer typed goes back out
    assert mail["Subject"] == f"[{number}] We have your case"
    assert ODD_UNICODE["customer_name"] not in mail.get_body(("plain",)).get_content()


def test_control_characters_in_a_customer_reply_are_refused_and_nothing_is_added(visitor, store):
    number, path = visitor.log_case()
    before = len(store.events(number))

    response = visitor.submit(path, {"text": "More detail\x00here"}, action=f"{path}/reply")

    assert response.status_code == 400
    assert "control characters (such as NUL)" in " ".join(parse_page(response.text).errors["text"])
    assert len(store.events(number)) == before
    assert response.headers["Referrer-Policy"] == "same-origin"  # the error page is the private page too


def test_nul_bytes_in_addresses_and_queries_are_answered_not_crashed_on(visitor, store):
    number, path = visitor.log_case()
    missing = visitor.get("/cases/CASE-999999/x")
    token = path.rsplit("/", 1)[1]

    assert visitor.get(f"/cases/%00/{token}").text == missing.text
    assert visitor.get(f"/cases/{number}/{token}%00").text == missing.text
    reply = find_form(visitor.get(path).text, f"{path}/reply").fields | {"text": "hello"}
    assert visitor.post(f"/cases/{number}%00/{token}/reply", reply).text == missing.text
    for url in ("/search?q=%00", "/api/search?q=%00", "/api/suggest?q=%00", "/cases/new?page=%00&context=%00&q=%00"):
        assert visitor.get(url).status_code == 200, url

    visitor.sign_in("ann")
    assert visitor.get(f"/agent/cases/{number}%00").status_code == 404
    assert visitor.get(f"/agent/cases/{number}").status_code == 200


def test_a_nul_byte_in_a_search_is_answered_not_crashed_on(site_app):
    browser = Visitor(site_app.test_client())

    for url in ("/search?q=gantt%00chart", "/api/search?q=gantt%00chart", "/api/suggest?q=gan%00"):
        response = browser.get(url)
        assert response.status_code == 200, url
    assert browser.get("/api/search?q=gantt%00").get_json()["total"] >= 1


def test_a_nul_byte_in_article_feedback_is_refused_and_nothing_is_stored(client, store):
    token = client.get("/api/csrf").get_json()["token"]  # as the help centre's script gets it

    def send(comment: str):
        body = {"article": "KB-0001", "helpful": False, "comment": comment}
        return client.post("/api/feedback", json=body, headers={"X-CSRFToken": token})

    refused = send("Step 3 is wrong\x00")
    assert refused.status_code == 400 and "error" in refused.get_json()
    assert store.count(feedback) == 0
    assert send("Step 3 is wrong").status_code == 200
    assert store.count(feedback) == 1
