"""Nothing lost when SMTP or a process dies: mail is retried on a schedule for three days (then given up, and
the case says so), agents see undelivered mail on the case, the claims of a killed process are taken over at
once, and mail queued before migration 0004 still goes out."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator.portal.config import MailSettings, PortalConfig
from generator.portal.db import connect, mail_queue
from generator.portal.desk import Desk
from generator.portal.mail import CLAIM_TIMEOUT, MailSender, deliver_pending, next_attempt, queue_mail
from generator.portal.migrate import upgrade

from .portal_helpers import CUSTOMER_EMAIL, MONDAY_10AM, SmtpSink, Visitor

SENDER = "Sample Support <support@sample.example>"
REPO = Path(__file__).resolve().parents[2]
MINUTE, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_retry_schedule_doubles_from_a_minute_to_an_hour_and_ends_three_days_after_the_first_attempt():
    first = MONDAY_10AM
    failed, delays = first, []
    for attempts in range(1, 200):
        retry = next_attempt(first, failed, attempts)
        if retry is None:
            break
        delays.append(retry - failed)
        failed = retry

    assert delays[:8] == [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 16 * MINUTE, 32 * MINUTE, HOUR, HOUR]
    assert max(delays) == HOUR
    assert failed == first + 3 * DAY  # the last attempt is at the three-day mark, and none after it
    assert next_attempt(first, first + 3 * DAY - MINUTE, 80) == first + 3 * DAY
    assert next_attempt(first, first + 3 * DAY + MINUTE, 80) is None


@pytest.fixture
def down_port() -> int:
    return free_port()  # nothing listens there until a test starts a sink on it


@pytest.fixture
def down_app(make_app, clock, down_port):
    """The portal mailing through an SMTP server that is down, on the test's clock; no escalation or status
    update within the tests' days, so the acknowledgements are the only mail."""
    app = make_app(
        mail=MailSettings(sender=SENDER, smtp_host="127.0.0.1", smtp_port=down_port),
        level1_hours=1000,
        update_every_hours=1000,
    )
    app.extensions["kb_portal"].desk.now = clock
    return app


def test_mail_queued_while_smtp_is_down_for_almost_three_days_all_arrives_once_it_is_back(
    down_app, down_port, clock, store
):
    desk = down_app.extensions["kb_portal"].desk
    numbers = []
    for n in range(12):
        numbers.append(Visitor(down_app.test_client()).log_case(customer_email=f"customer{n}@example.com")[0])
    for _ in range(35):  # 70 hours of an outage, the sweep running every two hours of it
        clock.advance(hours=2)
        assert desk.sweep().mailed == 0
    assert len(store.mail()) == 12
    assert all(m.given_up_at is None and m.sent_at is None for m in store.mail())
    assert min(m.attempts for m in store.mail()) > 20  # more than the old limit of quick attempts

    sink = SmtpSink().start(down_port)
    try:
        clock.advance(hours=1)  # no message waits longer than an hour between attempts
        assert desk.sweep().mailed == 12
        assert desk.sweep().mailed == 0
        received = sorted(m.subject for m in sink)
    finally:
        sink.stop()
    assert received == sorted(f"[{number}] We have your case" for number in numbers)
    assert all(m.sent_at == clock() and m.given_up_at is None for m in store.mail())
    assert all(store.events(number, "mail_given_up") == [] for number in numbers)


def test_an_agent_sees_mail_not_delivered_yet_and_then_given_up_in_the_case(down_app, clock, store):
    desk = down_app.extensions["kb_portal"].desk
    number, _ = Visitor(down_app.test_client()).log_case()
    agent = Visitor(down_app.test_client())
    agent.sign_in("ann")

    page = agent.get(f"/agent/cases/{number}").text
    assert "not delivered yet" in page and "Connection refused" in page
    assert f"next attempt {(clock() + MINUTE):%Y-%m-%d %H:%M} UTC" in page

    while clock() <= MONDAY_10AM + 3 * DAY:
        clock.advance(hours=1)
        desk.sweep()

    (mail,) = store.mail()
    assert mail.given_up_at is not None and mail.sent_at is None and mail.next_attempt_at is None
    (given_up,) = store.events(number, "mail_given_up")
    assert CUSTOMER_EMAIL in given_up.body and "Connection refused" in given_up.body
    agent.sign_in("ann")  # three days on, the first session has timed out
    page = agent.get(f"/agent/cases/{number}").text
    assert "given up" in page and "Connection refused" in page and "not delivered yet" not in page
    assert "Mail given up" in page  # the thread's entry
    attempts = mail.attempts
    clock.advance(days=1)
    desk.sweep()
    assert store.mail()[0].attempts == attempts  # given up means no more attempts


def test_the_case_page_shows_no_mail_box_when_everything_went_out(make_app, smtp_sink, clock):
    app = make_app(mail=MailSettings(sender=SENDER, smtp_host="127.0.0.1", smtp_port=smtp_sink.port))
    number, _ = Visitor(app.test_client()).log_case()
    agent = Visitor(app.test_client())
    agent.sign_in("ann")

    page = agent.get(f"/agent/cases/{number}").text
    assert "Mail not delivered" not in page and len(smtp_sink.to(CUSTOMER_EMAIL)) == 1


# A process that claims every due message, says so, and then hangs (as one stuck in an SMTP conversation).
CLAIMER = """
import datetime as dt, sys, time
from generator.portal.db import connect
from generator.portal.mail import claim_pending
claimed = claim_pending(connect(sys.argv[1]), dt.datetime.fromisoformat(sys.argv[2]))
print(len(claimed), flush=True)
time.sleep(600)
"""


@pytest.fixture
def queued_three(engine, clock):
    with engine.begin() as conn:
        for n in range(3):
            queue_mail(conn, clock(), CUSTOMER_EMAIL, f"Message {n}", "Body", None)


@pytest.fixture
def killed_claimer(database_url, clock, queued_three):
    """Start a process that claims the three queued messages; kill_it() sends it SIGKILL."""
    claimer = subprocess.Popen(
        [sys.executable, "-c", CLAIMER, database_url, clock().isoformat()],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert claimer.stdout.readline().strip() == "3"

        def kill_it() -> None:
            os.kill(claimer.pid, signal.SIGKILL)
            claimer.wait(timeout=30)

        yield kill_it
    finally:
        if claimer.poll() is None:
            claimer.kill()
            claimer.wait(timeout=30)
        claimer.stdout.close()


def test_a_sweep_takes_over_at_once_the_mail_a_killed_process_had_claimed(mail_desk, smtp_sink, killed_claimer, store):
    assert mail_desk.sweep().mailed == 0  # the claimant is alive: its claims stand
    claims = {m.claimed_by for m in store.mail()}
    assert len(claims) == 1 and claims != {None}

    killed_claimer()

    assert mail_desk.sweep().mailed == 3  # the clock has not moved: no claim timed out
    assert sorted(m.subject for m in smtp_sink.to(CUSTOMER_EMAIL)) == ["Message 0", "Message 1", "Message 2"]


def test_a_mail_worker_that_starts_sends_at_once_what_a_killed_process_had_claimed(
    engine, mail_config, smtp_sink, killed_claimer, clock, store
):
    killed_claimer()

    sender = MailSender(engine, mail_config, clock)
    try:
        arrived = threading.Event()
        for _ in range(300):  # a bound, not a timing assertion: the worker's first round runs at once
            if len(smtp_sink.to(CUSTOMER_EMAIL)) == 3:
                arrived.set()
                break
            time.sleep(0.1)
    finally:
        sender.stop()
    assert arrived.is_set(), store.mail()
    assert all(m.sent_at == clock() for m in store.mail())


def test_claims_from_another_host_are_left_until_they_time_out(mail_desk, smtp_sink, engine, clock, queued_three):
    with engine.begin() as conn:
        conn.execute(mail_queue.update().values(claimed_at=clock(), claimed_by="another-host 12345 678", attempts=1))

    assert mail_desk.sweep().mailed == 0
    clock.advance(seconds=CLAIM_TIMEOUT.total_seconds() + 1)
    assert mail_desk.sweep().mailed == 3


@pytest.fixture
def mail_config(portal_config, smtp_sink) -> PortalConfig:
    return portal_config.with_(mail=MailSettings(sender=SENDER, smtp_host="127.0.0.1", smtp_port=smtp_sink.port))


@pytest.fixture
def mail_desk(mail_config, engine, clock):
    return Desk(engine, mail_config, now=clock)


def test_mail_queued_before_migration_0004_goes_out_after_it(empty_database_url, smtp_sink, tmp_path):
    engine = connect(empty_database_url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as conn:  # as the portal of revision 0002 queued it
            conn.execute(  # only the columns 0002 has: the new ones have no defaults, so none is written
                mail_queue.insert(),
                {"created_at": MONDAY_10AM, "to_addr": CUSTOMER_EMAIL, "subject": "Queued before", "body": "Body"},
            )
        upgrade(engine)
        config = PortalConfig(
            database_url=empty_database_url,
            instance_dir=tmp_path,
            secret_key="k",
            sweep_every_seconds=0,
            mail=MailSettings(sender=SENDER, smtp_host="127.0.0.1", smtp_port=smtp_sink.port),
        )
        assert deliver_pending(engine, config, MONDAY_10AM + MINUTE) == 1
    finally:
        engine.dispose()
    assert [m.subject for m in smtp_sink.to(CUSTOMER_EMAIL)] == ["Queued before"]
