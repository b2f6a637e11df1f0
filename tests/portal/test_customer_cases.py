"""A signed-in customer's "My cases": every case they are a contact on (its customer_email, case-insensitively,
or case_contacts), open first; open, reply with files, close as solved, reopen. Another customer's case in
every URL and form is the same 404 as a case that does not exist. The private case links keep working."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from generator.portal.attachments import IncomingFile
from generator.portal.db import case_contacts, writing
from generator.portal.desk import NewCase

from .portal_helpers import Visitor, find_form, sign_in_customer

PAT, KIM = "pat@example.com", "kim@example.com"


@pytest.fixture
def app(mailing_app, clock):
    mailing_app.extensions["kb_portal"].desk.now = clock
    return mailing_app


def log(desk, subject: str, email: str, key: str, files=()) -> str:
    return desk.submit(NewCase(subject, f"{subject}: details", "Some One", email, "major"), key * 32, files).number


def resolve(desk, staff, number: str, text: str = "Fixed in settings.") -> None:
    desk.resolve(staff["ann"], desk.case_for_agent(staff["ann"], number), text)


def add_contact(engine, number: str, email: str, clock) -> None:
    with writing(engine) as conn:
        case_id = conn.execute(sa.text("SELECT id FROM cases WHERE number = :n"), {"n": number}).scalar_one()
        conn.execute(case_contacts.insert().values(case_id=case_id, email=email, name="Pat", added_at=clock()))


@pytest.fixture
def pat(app, smtp_sink) -> Visitor:
    visitor = Visitor(app.test_client())
    sign_in_customer(visitor, PAT, smtp_sink)
    return visitor


def listed(page: str) -> list[str]:
    return re.findall(r'href="/my/cases/(CASE-[0-9]+)"', page)


def test_my_cases_lists_every_case_pat_is_a_contact_on_open_first(app, desk, staff, engine, clock, smtp_sink):
    resolved = log(desk, "Old import", PAT, "1")
    clock.advance(minutes=5)
    own = log(desk, "Gantt empty", "Pat@Example.COM", "2")  # the same address, as typed another day
    clock.advance(minutes=5)
    theirs = log(desk, "Budget totals", KIM, "3")
    contact = log(desk, "Shared report", KIM, "4")
    add_contact(engine, contact, "PAT@example.com", clock)
    clock.advance(minutes=5)
    resolve(desk, staff, resolved)

    pat = Visitor(app.test_client())
    sign_in_customer(pat, PAT, smtp_sink)
    page = pat.get("/my/cases")

    assert page.status_code == 200
    assert listed(page.text) == [contact, own, resolved]  # open (latest change first), then resolved
    assert theirs not in page.text and "Budget totals" not in page.text


def test_another_customers_case_is_404_in_every_url_and_form(app, pat, desk, staff, clock):
    mine = log(desk, "Mine", PAT, "1", [IncomingFile("mine.txt", "text/plain", b"mine")])
    other = log(desk, "Kim's secret", KIM, "2", [IncomingFile("kims.txt", "text/plain", b"kim's secret file")])
    resolve(desk, staff, other)
    with desk.engine.connect() as conn:
        files = dict(conn.execute(sa.text("SELECT name, id FROM attachments")).all())
    token = find_form(pat.get(f"/my/cases/{mine}").text, f"/my/cases/{mine}/reply").fields["csrf_token"]
    form = {"csrf_token": token, "text": "let me in", "solved": "yes", "score": "5"}

    for number in (other, "CASE-999999", "CASE-00000x", "nonsense"):
        assert pat.get(f"/my/cases/{number}").status_code == 404
        for action in ("reply", "close", "reopen", "csat"):
            assert pat.post(f"/my/cases/{number}/{action}", form).status_code == 404, (number, action)
        assert pat.get(f"/my/cases/{number}/files/{files['kims.txt']}").status_code == 404
    # Kim's file through Pat's own case number: still nothing.
    assert pat.get(f"/my/cases/{mine}/files/{files['kims.txt']}").status_code == 404
    assert pat.get(f"/my/cases/{mine}/files/{files['mine.txt']}").data == b"mine"
    # Nothing of Kim's case changed.
    assert [e.kind for e in desk.customer_history(desk.case_for_agent(staff["ann"], other))] == ["created", "resolved"]
    not_found = pat.get(f"/my/cases/{other}").text
    assert "Kim" not in not_found
    # The same page as for a case that does not exist, but for the form tokens, signed with the second they
    # were made in: two requests a second apart differ there and nowhere else.
    assert without_tokens(not_found) == without_tokens(pat.get("/my/cases/CASE-999999").text)


def without_tokens(page: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)


def test_strangers_are_sent_to_sign_in_and_refused_on_post(app, desk):
    number = log(desk, "Mine", PAT, "1")
    stranger = Visitor(app.test_client())
    assert stranger.get(f"/my/cases/{number}").headers["Location"].endswith("/sign-in")
    assert stranger.get("/my/cases").status_code == 303
    token = find_form(stranger.get("/sign-in").text, "/sign-in").fields["csrf_token"]
    assert stranger.post(f"/my/cases/{number}/close", {"csrf_token": token}).status_code == 403


def test_pat_replies_with_a_file_closes_and_reopens_from_my_cases(app, pat, desk, store, staff):
    number = log(desk, "Gantt empty", PAT, "1")
    page = f"/my/cases/{number}"

    replied = pat.client.post(
        f"{page}/reply",
        data={
            **find_form(pat.get(page).text, f"{page}/reply").fields,
            "text": "Here is the log",
            "files": [(io.BytesIO(b"log line"), "gantt.log")],
        },
        content_type="multipart/form-data",
    )
    assert replied.status_code == 303 and replied.headers["Location"].endswith(page)
    shown = pat.get(page).text
    assert "Here is the log" in shown and "gantt.log" in shown
    file_link = re.search(rf'href="({page}/files/[0-9]+)"', shown).group(1)
    assert pat.get(file_link).data == b"log line"

    closed = pat.submit(page, {}, action=f"{page}/close")
    assert closed.status_code == 303
    assert store.case(number).status == "resolved"
    assert "Closed by the customer as solved." in pat.get(page).text

    reopened = pat.submit(page, {"text": "It came back"}, action=f"{page}/reopen")
    assert reopened.status_code == 303
    row = store.case(number)
    assert row.status == "open" and row.resolved_at is None
    kinds = [e.kind for e in store.events(number)]
    assert kinds[-4:] == ["customer_reply", "closed", "customer_reply", "reopened"]


def test_reopening_needs_a_reason_and_a_resolved_case(app, pat, desk, store, staff):
    number = log(desk, "Gantt empty", PAT, "1")
    page = f"/my/cases/{number}"
    token = find_form(pat.get(page).text, f"{page}/reply").fields["csrf_token"]

    early = pat.post(f"{page}/reopen", {"csrf_token": token, "text": "again"})
    assert early.status_code == 303 and "open already" in pat.get(page).text
    resolve(desk, staff, number)
    empty = pat.post(f"{page}/reopen", {"csrf_token": token, "text": ""})
    assert empty.status_code == 400 and store.case(number).status == "resolved"
    twice = pat.post(f"{page}/close", {"csrf_token": token})
    assert twice.status_code == 303 and "already resolved" in pat.get(page).text


def test_the_private_link_still_works_without_signing_in(app, desk, store):
    visitor = Visitor(app.test_client())
    number, path = visitor.log_case(customer_email=PAT)
    assert visitor.get(path).status_code == 200

    assert visitor.submit(path, {"text": "More detail"}, action=f"{path}/reply").status_code == 303
    assert visitor.submit(path, {}, action=f"{path}/close").status_code == 303
    assert store.case(number).status == "resolved"
    assert visitor.submit(path, {"text": "Broken again"}, action=f"{path}/reopen").status_code == 303
    assert store.case(number).status == "open"
    # A wrong token is still the same 404, for the new actions too.
    token = find_form(visitor.get(path).text, f"{path}/reply").fields["csrf_token"]
    wrong = path[:-4] + "0000"
    for action in ("close", "reopen", "csat"):
        assert visitor.post(f"{wrong}/{action}", {"csrf_token": token, "text": "x"}).status_code == 404


def test_a_customers_cases_are_found_through_lower_case_indexes(engine):
    """My cases looks cases up by lower(address): without these, every page view read the whole cases table.
    (SQLite cannot reflect expression indexes, so the schema comparison skips them there: asked directly.)"""
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    with engine.connect() as conn:
        names = set(conn.exec_driver_sql(query).scalars())
    assert {"ix_cases_lower_customer_email", "ix_case_contacts_lower_email"} <= names
