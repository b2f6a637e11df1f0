"""Mail through a real SMTP server (aiosmtpd on a free port): the acknowledgement with the private link,
updates, the engineer's escalation notice; a queue that keeps mail while SMTP is down; the outbox without
SMTP."""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest

from generator.portal.config import MailSettings
from generator.portal.mail import queue_mail

from .portal_helpers import CUSTOMER_EMAIL, SmtpSink, Visitor

SENDER = "Sample Support <support@sample.example>"


def private_link(body: str) -> str:
    (link,) = re.findall(r"http://portal\.test(/cases/CASE-\d{6}/[0-9a-f]{40})", body)
    return link


@pytest.fixture
def mail_app(make_app, smtp_sink):
    return make_app(mail=MailSettings(sender=SENDER, smtp_host="127.0.0.1", smtp_port=smtp_sink.port))


def test_a_new_case_mails_the_customer_a_private_link_that_opens_the_case(mail_app, smtp_sink, outbox):
    number, _ = Visitor(mail_app.test_client()).log_case(subject="Budget is locked")

    (mail,) = smtp_sink.to(CUSTOMER_EMAIL)
    assert mail.rcpt_tos == (CUSTOMER_EMAIL,)
    assert mail.message["From"] == SENDER and mail.message["To"] == CUSTOMER_EMAIL
    assert mail.subject == f"[{number}] We have your case"
    assert "Budget is locked" not in mail.body  # nothing the customer typed: see test_portal_mail_forgery
    link = private_link(mail.body)
    page = Visitor(mail_app.test_client()).get(link)  # another browser: the mail's link is all it has
    assert page.status_code == 200
    assert f"{number}: Budget is locked" in page.text
    assert outbox() == []  # SMTP configured: nothing in the outbox


def test_an_agent_reply_mails_the_customer_an_update(mail_app, smtp_sink, store):
    number, path = Visitor(mail_app.test_client()).log_case()
    agent = Visitor(mail_app.test_client())
    agent.sign_in("ann")

    assert agent.act(number, "reply", {"text": "Press F9 to recalculate."}).status_code == 303

    acknowledgement, update = smtp_sink.to(CUSTOMER_EMAIL)
    assert update.subject == f"[{number}] Update: Gantt chart is empty after import"
    assert "Press F9 to recalculate." in update.body
    assert private_link(update.body) == path
    assert all(m.sent_at is not None for m in store.mail())


def test_escalation_mails_the_engineer_and_tells_the_customer(mail_app, smtp_sink, clock):
    desk = mail_app.extensions["kb_portal"].desk
    desk.now = clock  # the app's desk, on the test's clock
    number, _ = Visitor(mail_app.test_client()).log_case(subject="Escalate me")

    clock.advance(hours=24)
    assert desk.sweep().escalated == (number,)

    (engineer,) = smtp_sink.to("bob@example.com")  # Bob and Cat are both free: the first of them
    assert engineer.subject == f"[{number}] Escalated to you: Escalate me"
    assert f"http://portal.test/agent/cases/{number}" in engineer.body
    assert any(m.subject.startswith(f"[{number}] Escalated to Level 2") for m in smtp_sink.to(CUSTOMER_EMAIL))
    assert smtp_sink.to("cat@example.com") == []


def test_a_catastrophic_case_mails_every_active_level3_engineer(mail_app, smtp_sink):
    number, _ = Visitor(mail_app.test_client()).log_case(subject="Everything is down", severity="catastrophic")

    alerted = {r for m in smtp_sink if "RAPID RESPONSE" in m.subject for r in m.rcpt_tos}
    assert alerted == {"dan@example.com", "eve@example.com"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mail_waits_in_the_queue_while_smtp_is_down_and_the_sweep_delivers_it_once(make_app, store, outbox, clock):
    port = free_port()  # nothing listens there yet
    app = make_app(mail=MailSettings(sender=SENDER, smtp_host="127.0.0.1", smtp_port=port))
    desk = app.extensions["kb_portal"].desk
    desk.now = clock
    number, path = Visitor(app.test_client()).log_case()

    (queued,) = store.mail()
    assert (queued.to_addr, queued.sent_at, queued.claimed_at, queued.attempts) == (CUSTOMER_EMAIL, None, None, 1)
    assert queued.last_error and queued.next_attempt_at == clock() + dt.timedelta(minutes=1)
    assert outbox() == []
    assert desk.sweep().mailed == 0  # not due again yet
    clock.advance(minutes=1)
    assert desk.sweep().mailed == 0  # still down: still queued, for two minutes more
    assert store.mail()[0].sent_at is None

    sink = SmtpSink().start(port)
    try:
        clock.advance(minutes=2)
        assert desk.sweep().mailed == 1
        assert desk.sweep().mailed == 0
        (mail,) = sink.to(CUSTOMER_EMAIL)
    finally:
        sink.stop()
    assert mail.subject == f"[{number}] We have your case"
    assert private_link(mail.body) == path
    (sent,) = store.mail()
    assert sent.sent_at is not None and sent.attempts == 3


def test_without_an_smtp_host_mail_goes_to_the_outbox(visitor, outbox, store):
    number, path = visitor.log_case(subject="Outbox please")

    (mail,) = outbox()
    assert mail["To"] == CUSTOMER_EMAIL
    assert mail["Subject"] == f"[{number}] We have your case"
    assert private_link(mail.get_body(("plain",)).get_content()) == path
    assert store.mail()[0].sent_at is not None


def test_a_queued_message_with_a_line_break_in_an_address_is_given_up_at_once(mail_app, smtp_sink, engine, store):
    desk = mail_app.extensions["kb_portal"].desk
    with engine.begin() as conn:  # past the forms, straight into the queue: the last line of defence
        queue_mail(conn, desk.now(), "a@example.com\r\nBcc: evil@example.com", "Hello", "Body", None)

    assert desk.deliver() == 0
    assert desk.deliver() == 0  # not tried again: no attempt can fix an address
    assert list(smtp_sink) == []
    (refused,) = store.mail()
    assert refused.sent_at is None and refused.given_up_at is not None and refused.attempts == 1
    assert refused.last_error.startswith("not sendable:") and "@-sign" in refused.last_error
