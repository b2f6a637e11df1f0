"""Customers sign in by a one-time mailed link (or its 6-digit code): random, stored hashed, valid 15
minutes, used once; refusals that never say whether an address is known; rate limits per address and per
client address; sessions that rotate, expire and end on the server. Mail goes to a real SMTP sink."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from generator.portal.config import MailSettings
from generator.portal.customers import CUSTOMER_COOKIE
from generator.portal.customers.links import CODE_ATTEMPTS
from generator.portal.db import customers, sessions, sign_in_links
from generator.portal.sessions import _hash

from .portal_helpers import (
    GENEROUS_LIMITS,
    SIGN_IN_CODE,
    SIGN_IN_LINK,
    Visitor,
    find_form,
    sign_in_customer,
    sign_in_mail,
)

PAT = "pat@example.com"


@pytest.fixture
def app(mailing_app, clock):
    """The portal mailing to the sink, on the test's clock (sessions and links use the desk's)."""
    mailing_app.extensions["kb_portal"].desk.now = clock
    return mailing_app


@pytest.fixture
def browser(app) -> Visitor:
    return Visitor(app.test_client())


def ask_for_link(visitor: Visitor, email: str):
    return visitor.submit("/sign-in", {"email": email}, action="/sign-in")


def rows(store, table) -> list:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(table).order_by(table.c.id)).all()


def csrf_of(visitor: Visitor) -> str:
    return find_form(visitor.get("/sign-in").text, "/sign-in").fields["csrf_token"]


def mailing(smtp_sink, **limits) -> dict:
    """make_app's settings for a portal mailing to the sink with these rate limits."""
    return {
        "mail": MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_sink.port),
        "rate_limits": GENEROUS_LIMITS | limits,
    }


def press_sign_in(visitor: Visitor, path: str):
    """Open the mailed link's page and press its button."""
    page = visitor.get(path)
    assert page.status_code == 200, page.text
    return visitor.post(path, find_form(page.text, path).fields)


def test_the_mailed_link_signs_in_once_and_opens_my_cases(browser, smtp_sink, store, clock):
    asked = ask_for_link(browser, "Pat@Example.com")
    assert asked.status_code == 303 and asked.headers["Location"].endswith("/sign-in/code")
    assert rows(store, customers) == []  # nobody is made a customer by asking

    path, code = sign_in_mail(smtp_sink, "Pat@example.com")
    signed_in = press_sign_in(browser, path)

    assert signed_in.status_code == 303 and signed_in.headers["Location"].endswith("/my/cases")
    page = browser.get("/my/cases")
    assert page.status_code == 200 and "Signed in as pat@example.com" in page.text
    (customer,) = rows(store, customers)
    assert (customer.email, customer.last_signed_in_at) == (PAT, clock())

    again = Visitor(browser.client.application.test_client())
    used = again.get(path)
    assert used.status_code == 400 and "was used already" in used.text
    assert again.post(path, {"csrf_token": csrf_of(again)}).status_code == 400
    assert again.get("/my/cases").status_code == 303  # not signed in


def test_links_are_random_and_stored_only_as_hashes(browser, smtp_sink, store):
    ask_for_link(browser, PAT)
    ask_for_link(browser, PAT)
    (first, first_code), (second, second_code) = [sign_in_mail_at(smtp_sink, PAT, index) for index in (0, 1)]
    assert first != second  # not derived from the address
    tokens = [path.rsplit("/", 1)[1] for path in (first, second)]
    assert all(len(token) >= 40 for token in tokens)
    stored = rows(store, sign_in_links)
    assert [row.token_hash for row in stored] == [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    for row, token, code in zip(stored, tokens, (first_code, second_code), strict=True):
        assert token not in repr(tuple(row)) and code not in row.code_hash
        assert row.code_hash != hashlib.sha256(code.encode()).hexdigest()  # keyed: the table alone gives nothing


def sign_in_mail_at(smtp_sink, email: str, index: int) -> tuple[str, str]:
    body = [m for m in smtp_sink.to(email) if "sign-in link" in m.subject][index].body
    return SIGN_IN_LINK.search(body).group(1), SIGN_IN_CODE.search(body).group(1)


def test_a_link_expires_after_15_minutes(browser, smtp_sink, clock, store):
    ask_for_link(browser, PAT)
    path, _ = sign_in_mail(smtp_sink, PAT)
    clock.advance(minutes=15, seconds=1)

    page = browser.get(path)
    assert page.status_code == 400 and "expired" in page.text
    assert browser.post(path, {"csrf_token": csrf_of(browser)}).status_code == 400
    assert rows(store, customers) == [] and rows(store, sessions) == []


def test_a_wrong_or_used_link_says_so_without_naming_the_address(browser, smtp_sink, app):
    ask_for_link(browser, PAT)
    path, _ = sign_in_mail(smtp_sink, PAT)
    wrong = browser.get(path[:-4] + "AAAA")
    assert wrong.status_code == 400 and "not valid" in wrong.text
    assert press_sign_in(browser, path).status_code == 303
    used = Visitor(app.test_client()).get(path)
    assert used.status_code == 400 and "used already" in used.text
    for page in (wrong, used):
        assert "pat" not in page.text.lower() and "example.com" not in page.text


def test_asking_for_a_link_looks_the_same_for_a_known_and_an_unknown_address(app, smtp_sink, desk, store):
    from generator.portal.desk import NewCase

    desk.submit(NewCase("Gantt empty", "No bars", "Pat", PAT, "major"), "1" * 32)
    known, unknown = Visitor(app.test_client()), Visitor(app.test_client())

    answers = [ask_for_link(known, PAT), ask_for_link(unknown, "nobody@example.net")]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    pages = [known.get("/sign-in/code"), unknown.get("/sign-in/code")]
    strip = [p.text.replace(p.text.split('name="csrf_token" value="')[1].split('"')[0], "") for p in pages]
    assert strip[0] == strip[1]
    # Both got a mail, saying nothing but the link and code: no case, no name.
    for address in (PAT, "nobody@example.net"):
        (mail,) = [m for m in smtp_sink.to(address) if "sign-in link" in m.subject]
        assert "CASE-" not in mail.body and "Pat" not in mail.body and "Gantt" not in mail.body
        assert "CASE-" not in mail.subject
    assert rows(store, customers) == []


def test_the_code_signs_in_the_browser_that_asked(browser, smtp_sink, store):
    ask_for_link(browser, PAT)
    _, code = sign_in_mail(smtp_sink, PAT)

    done = browser.submit("/sign-in/code", {"code": code}, action="/sign-in/code")

    assert done.status_code == 303 and done.headers["Location"].endswith("/my/cases")
    assert browser.get("/my/cases").status_code == 200
    assert [c.email for c in rows(store, customers)] == [PAT]
    # Used once: the link from the same mail no longer works either.
    path, _ = sign_in_mail(smtp_sink, PAT)
    assert Visitor(browser.client.application.test_client()).get(path).status_code == 400


def test_a_code_takes_only_a_few_wrong_tries(browser, smtp_sink):
    ask_for_link(browser, PAT)
    _, code = sign_in_mail(smtp_sink, PAT)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    for _ in range(CODE_ATTEMPTS):
        refused = browser.submit("/sign-in/code", {"code": wrong}, action="/sign-in/code")
        assert refused.status_code == 400 and "not right" in refused.text

    late = browser.submit("/sign-in/code", {"code": code}, action="/sign-in/code")  # the right one, too late
    assert late.status_code == 400 and "no longer works" in late.text
    assert browser.get("/my/cases").status_code == 303


def test_a_code_works_only_in_the_browser_that_asked(app, smtp_sink):
    asker, other = Visitor(app.test_client()), Visitor(app.test_client())
    ask_for_link(asker, PAT)
    _, code = sign_in_mail(smtp_sink, PAT)

    refused = other.submit("/sign-in/code", {"code": code}, action="/sign-in/code")

    assert refused.status_code == 400 and other.get("/my/cases").status_code == 303


def test_asking_for_links_is_rate_limited_per_address(make_app, smtp_sink):
    app = make_app(**mailing(smtp_sink, sign_in_address="2 per hour"))
    first, second, third = (Visitor(app.test_client()) for _ in range(3))  # as if from three browsers
    assert ask_for_link(first, PAT).status_code == 303
    assert ask_for_link(second, "PAT@example.com").status_code == 303
    assert ask_for_link(third, PAT).status_code == 429
    assert ask_for_link(third, "someone.else@example.com").status_code == 303  # other addresses still work
    assert len(smtp_sink.to(PAT)) + len(smtp_sink.to("PAT@example.com")) == 2


def test_asking_for_links_is_rate_limited_per_client_address(make_app, smtp_sink):
    app = make_app(**mailing(smtp_sink, sign_in_link="2 per minute"))
    visitor = Visitor(app.test_client())
    assert ask_for_link(visitor, "a@example.com").status_code == 303
    assert ask_for_link(visitor, "b@example.com").status_code == 303
    assert ask_for_link(visitor, "c@example.com").status_code == 429
    assert smtp_sink.to("c@example.com") == []


def test_signing_in_rotates_the_session_a_planted_cookie_never_becomes_signed_in(app, browser, smtp_sink, store):
    browser.client.set_cookie(CUSTOMER_COOKIE, "planted-by-someone-else")
    sign_in_customer(browser, PAT, smtp_sink)

    token = browser.client.get_cookie(CUSTOMER_COOKIE).value
    assert token != "planted-by-someone-else"
    (row,) = rows(store, sessions)
    assert row.kind == "customer" and row.token_hash == _hash(token)
    planted = Visitor(app.test_client())
    planted.client.set_cookie(CUSTOMER_COOKIE, "planted-by-someone-else")
    assert planted.get("/my/cases").status_code == 303

    first = token
    sign_in_customer(browser, PAT, smtp_sink)  # signing in again: a new token, the old session gone
    assert browser.client.get_cookie(CUSTOMER_COOKIE).value != first
    assert len(rows(store, sessions)) == 1


def test_sign_out_ends_the_session_on_the_server(app, browser, smtp_sink, store):
    sign_in_customer(browser, PAT, smtp_sink)
    thief = Visitor(app.test_client())
    thief.client.set_cookie(CUSTOMER_COOKIE, browser.client.get_cookie(CUSTOMER_COOKIE).value)
    assert thief.get("/my/cases").status_code == 200

    page = browser.get("/my/cases")
    out = browser.post("/sign-out", find_form(page.text, "/sign-out").fields)

    assert out.status_code == 303
    assert thief.get("/my/cases").status_code == 303 and browser.get("/my/cases").status_code == 303
    assert rows(store, sessions) == []


def test_a_customer_session_expires_when_idle(app, browser, smtp_sink, clock):
    sign_in_customer(browser, PAT, smtp_sink)
    clock.advance(hours=8, seconds=1)  # the default idle time
    assert browser.get("/my/cases").status_code == 303


def test_a_customer_session_ends_after_its_lifetime_however_busy(make_app, smtp_sink, clock):
    app = make_app(**mailing(smtp_sink), session_idle_hours=8, session_lifetime_days=1)
    app.extensions["kb_portal"].desk.now = clock
    browser = Visitor(app.test_client())
    sign_in_customer(browser, PAT, smtp_sink)
    for _ in range(3):  # busy: never idle for 8 hours
        clock.advance(hours=7)
        assert browser.get("/my/cases").status_code == 200
    clock.advance(hours=3, seconds=1)  # 24 hours after signing in
    assert browser.get("/my/cases").status_code == 303


def test_sign_in_forms_need_their_csrf_token(browser, smtp_sink):
    refused = browser.post("/sign-in", {"email": PAT})
    assert refused.status_code == 400 and smtp_sink.to(PAT) == []


def test_the_header_offers_sign_in_and_then_my_cases(browser, smtp_sink):
    assert 'href="/sign-in"' in browser.get("/cases/new").text
    sign_in_customer(browser, PAT, smtp_sink)
    page = browser.get("/cases/new").text
    assert 'href="/my/cases"' in page and 'action="/sign-out"' in page and 'href="/sign-in"' not in page


def test_two_workers_sharing_redis_count_one_address_once_and_store_no_address(
    make_app, smtp_sink, redis_url, redis_prefix
):
    import redis

    settings = mailing(smtp_sink, sign_in_address="2 per hour") | {
        "rate_limit_storage": redis_url,
        "rate_limit_prefix": redis_prefix,
    }
    workers = [make_app(**settings) for _ in range(2)]

    answers = [ask_for_link(Visitor(workers[i % 2].test_client()), PAT).status_code for i in range(3)]

    assert answers == [303, 303, 429]
    keys = [key.decode() for key in redis.Redis.from_url(redis_url).scan_iter(f"*{redis_prefix}*")]
    assert any("sign-in-address" in key for key in keys) and not any("pat" in key.lower() for key in keys)
