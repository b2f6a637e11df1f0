"""An SQLite database another process keeps locked past the busy timeout: the customer gets a 503 with
Retry-After and the case form back with everything they typed, not a bare 500; nothing is half-saved.
SQLite only: PostgreSQL has no database-wide write lock to wait on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from .portal_helpers import Visitor, case_fields, find_form, parse_page

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@contextmanager
def locked(database_url: str) -> Iterator[None]:
    """Another process's write transaction holding the database (BEGIN EXCLUSIVE) until the block ends."""
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.fixture
def busy_app(make_app):
    return make_app(busy_timeout_seconds=0.2)  # the default 30 s would hold the test up for as long


def test_a_case_sent_while_the_database_is_locked_is_a_503_with_the_form_and_what_was_typed(
    busy_app, database_url, store
):
    customer = Visitor(busy_app.test_client())
    typed = case_fields(subject="Budget totals are wrong", description="Since Monday.\nEvery project.")
    form = customer.form("/cases/new", "/cases/new")

    with locked(database_url):
        busy = customer.post("/cases/new", form.fields | typed)

    assert busy.status_code == 503
    assert int(busy.headers["Retry-After"]) > 0
    assert "the case database is busy" in busy.text and "everything you typed is still below" in busy.text
    again = find_form(busy.text, "/cases/new").fields
    assert {name: again[name] for name in typed} == typed
    assert again["idempotency_key"] == form.fields["idempotency_key"]
    assert not parse_page(busy.text).errors
    assert store.count_cases() == 0
    # Sent again once the lock is gone, as the page says: one case.
    assert customer.post("/cases/new", again).status_code == 303
    assert [case.subject for case in store.cases()] == ["Budget totals are wrong"]


def test_other_writes_while_the_database_is_locked_are_a_styled_503_or_json_under_api(busy_app, database_url, store):
    customer, agent = Visitor(busy_app.test_client()), Visitor(busy_app.test_client())
    number, _ = customer.log_case()
    agent.sign_in("ann")
    note = find_form(agent.get(f"/agent/cases/{number}").text, f"/agent/cases/{number}/note").fields
    token = customer.get("/api/csrf").get_json()["token"]
    events = len(store.events(number))

    with locked(database_url):
        page = agent.post(f"/agent/cases/{number}/note", note | {"text": "Waiting on the lock"})
        api = customer.client.post(
            "/api/feedback", json={"article": "KB-0001", "helpful": True}, headers={"X-CSRFToken": token}
        )

    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "Busy, please try again" in page.text and "nothing was saved" in page.text
    assert api.status_code == 503 and api.headers["Retry-After"]
    assert "busy" in api.get_json()["error"]
    assert len(store.events(number)) == events
