"""Agents' sessions live in the database: signing out ends them for every copy of the cookie, signing in
starts a new one, and they end by themselves when idle too long and after their lifetime."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from generator.portal.console import AGENT_COOKIE
from generator.portal.db import sessions
from generator.portal.sessions import _hash

from .portal_helpers import PASSWORD, Visitor, find_form


@pytest.fixture
def timed_app(make_app, clock):
    """The portal on the test's clock (sessions use the desk's), 8 hours idle, 7 days at most."""
    app = make_app(session_idle_hours=8, session_lifetime_days=7)
    app.extensions["kb_portal"].desk.now = clock
    return app


def signed_in(app, username: str = "ann") -> Visitor:
    agent = Visitor(app.test_client())
    agent.sign_in(username)
    assert agent.get("/agent/").status_code == 200
    return agent


def copy_of(visitor: Visitor, app) -> Visitor:
    """Another browser holding a copy of `visitor`'s cookies (as someone who took them would)."""
    thief = Visitor(app.test_client())
    for name in ("kb_session", AGENT_COOKIE):
        cookie = visitor.client.get_cookie(name)
        if cookie is not None:
            thief.client.set_cookie(name, cookie.value)
    return thief


def session_rows(store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sessions)).all()


def test_a_copy_of_the_cookie_taken_before_sign_out_does_not_open_the_console(timed_app, store):
    agent = signed_in(timed_app)
    thief = copy_of(agent, timed_app)
    assert thief.get("/agent/").status_code == 200  # the copy works while the agent is signed in

    token = find_form(agent.get("/agent/").text, "/agent/sign-out").fields["csrf_token"]
    assert agent.post("/agent/sign-out", {"csrf_token": token}).status_code == 303

    assert agent.get("/agent/").status_code == 302
    refused = thief.get("/agent/")
    assert refused.status_code == 302 and "/agent/sign-in" in refused.headers["Location"]
    assert session_rows(store) == []


def test_the_database_holds_only_a_hash_of_the_session_token(timed_app, store):
    agent = signed_in(timed_app)
    token = agent.client.get_cookie(AGENT_COOKIE).value

    (row,) = session_rows(store)
    assert row.token_hash == _hash(token) and token not in row.token_hash
    assert (row.kind, row.subject_id) == ("agent", store.agent("ann").id)


def test_signing_in_again_rotates_the_token_and_ends_the_old_session(timed_app, store):
    agent = signed_in(timed_app)
    before = copy_of(agent, timed_app)
    old = agent.client.get_cookie(AGENT_COOKIE).value

    agent.sign_in("ann")

    new = agent.client.get_cookie(AGENT_COOKIE).value
    assert new != old
    assert agent.get("/agent/").status_code == 200
    assert before.get("/agent/").status_code == 302
    assert len(session_rows(store)) == 1


def test_a_token_planted_before_sign_in_is_not_the_signed_in_one(timed_app):
    visitor = Visitor(timed_app.test_client())
    visitor.client.set_cookie(AGENT_COOKIE, "planted-by-someone-else")

    visitor.sign_in("ann")

    assert visitor.client.get_cookie(AGENT_COOKIE).value != "planted-by-someone-else"


def test_a_session_idle_for_longer_than_the_idle_timeout_ends(timed_app, clock):
    agent = signed_in(timed_app)

    clock.advance(hours=7, minutes=59)
    assert agent.get("/agent/").status_code == 200  # and the idle clock starts again
    clock.advance(hours=7, minutes=59)
    assert agent.get("/agent/").status_code == 200
    clock.advance(hours=8)

    assert agent.get("/agent/").status_code == 302


def test_a_session_ends_after_its_lifetime_however_busy_the_agent(timed_app, clock):
    agent = signed_in(timed_app)

    for _ in range(41):  # a request every 4 hours: 6 days and 20 hours
        clock.advance(hours=4)
        assert agent.get("/agent/").status_code == 200
    clock.advance(hours=3, minutes=59)
    assert agent.get("/agent/").status_code == 200
    clock.advance(minutes=1)  # 7 days since signing in

    assert agent.get("/agent/").status_code == 302


def test_the_sweep_deletes_sessions_that_ended_by_themselves(timed_app, clock, store):
    signed_in(timed_app, "ann")
    clock.advance(hours=7)
    signed_in(timed_app, "bob")
    clock.advance(hours=2)  # ann's session is 9 hours idle, bob's 2

    timed_app.extensions["kb_portal"].desk.sweep()

    assert [row.subject_id for row in session_rows(store)] == [store.agent("bob").id]


def test_a_sign_in_tidies_away_sessions_that_ended(timed_app, clock, store):
    signed_in(timed_app, "ann")
    clock.advance(days=8)

    signed_in(timed_app, "bob")

    assert [row.subject_id for row in session_rows(store)] == [store.agent("bob").id]


def test_the_agent_cookie_is_httponly_samesite_and_secure_behind_https(make_app):
    for secure in (False, True):
        app = make_app(secure_cookies=secure)
        response = Visitor(app.test_client()).submit("/agent/sign-in", {"username": "ann", "password": PASSWORD})
        (cookie,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{AGENT_COOKIE}=")]
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "samesite", "path", "max-age"} <= attributes
        assert ("secure" in attributes) == secure
