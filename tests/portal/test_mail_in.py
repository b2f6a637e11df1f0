"""Mail in (issue 14): a mail opens a case and is acknowledged in its thread, replies join their case by
headers, case address or subject (never the number alone), strangers are held for an agent, automatic mail
never opens a case, and hostile mail ends as a case or a clear rejection. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from generator.portal.config import AttachmentSettings
from generator.portal.db import attachments, events
from generator.portal.desk import Desk
from generator.portal.inbound import receive

from .mail_in_helpers import MAIL_SETTINGS, SUPPORT, compose, reply_to
from .portal_helpers import Visitor


@pytest.fixture
def mail_desk(portal_config, engine, clock) -> Desk:
    return Desk(engine, portal_config.with_(mail=MAIL_SETTINGS), now=clock)


def customer_mail(outbox, address="zoe@example.com"):
    return [m for m in outbox() if m["To"] == address]


def test_a_mail_to_support_opens_a_level1_case_acknowledged_in_its_thread(mail_desk, store, outbox):
    raw = compose(message_id="<first@example.com>")

    outcome = receive(mail_desk, raw, "imap")

    assert (outcome.state, outcome.number) == ("new_case", "CASE-000001")
    case = store.case("CASE-000001")
    assert (case.level, case.status, case.severity) == (1, "new", "major")
    assert (case.customer_name, case.customer_email, case.subject) == (
        "Zoe Customer",
        "zoe@example.com",
        "Gantt chart is empty",
    )
    assert case.first_response_due is not None and case.resolution_due is not None
    [created] = store.events("CASE-000001", "created")
    assert created.channel == "email" and "P6 file" in created.body
    [ack] = customer_mail(outbox)
    assert "CASE-000001" in ack["Subject"]
    assert ack["In-Reply-To"] == "<first@example.com>"
    assert re.fullmatch(r"support\+CASE-000001-[0-9a-f]{12}@sample\.example", ack["Reply-To"])
    assert ack["From"] == "Sample Support <support@sample.example>"
    assert "http://portal.test/cases/CASE-000001/" in ack.get_body(("plain",)).get_content()


def test_a_reply_to_our_mail_joins_the_case_trimmed_and_tells_the_level_queue(mail_desk, store, outbox):
    receive(mail_desk, compose(), "imap")
    [ack] = customer_mail(outbox)

    outcome = receive(mail_desk, reply_to(ack, "It happens with every file.\n\n-- \nZoe, Acme Ltd"), "imap")

    assert (outcome.state, outcome.number, outcome.detail) == ("reply", "CASE-000001", "matched by headers")
    [reply] = store.events("CASE-000001", "customer_reply")
    assert (reply.body, reply.channel, reply.visibility) == ("It happens with every file.", "email", "customer")
    told = [m for m in outbox() if "The customer replied" in m["Subject"]]
    assert [m["To"] for m in told] == ["ann@example.com"]  # nobody assigned: Level 1's agents
    assert store.count_cases() == 1


def test_the_case_address_alone_finds_the_case_but_a_forged_token_does_not(mail_desk, store, outbox):
    receive(mail_desk, compose(), "imap")
    [ack] = customer_mail(outbox)
    address = ack["Reply-To"]

    by_address = receive(mail_desk, compose("More detail.", to=address, subject="no number here"), "imap")
    forged = address.replace(address[-25:-20], "00000")
    by_forgery = receive(mail_desk, compose("Let me in.", to=forged, subject="hello"), "imap")

    assert (by_address.state, by_address.detail) == ("reply", "matched by address")
    assert by_forgery.state == "new_case" and by_forgery.number == "CASE-000002"


def test_a_case_number_in_the_subject_counts_only_from_an_address_already_on_the_case(mail_desk, store):
    receive(mail_desk, compose(), "imap")

    ours = receive(mail_desk, compose("Still broken.", subject="Re: [CASE-000001] Gantt"), "imap")
    stranger = receive(
        mail_desk, compose("Show me.", sender="Mallory <mallory@evil.example>", subject="[CASE-000001]"), "imap"
    )

    assert (ours.state, ours.number, ours.detail) == ("reply", "CASE-000001", "matched by subject")
    assert (stranger.state, stranger.number) == ("new_case", "CASE-000002")
    assert store.case("CASE-000002").customer_email == "mallory@evil.example"


def test_a_reply_from_an_address_not_on_the_case_is_held_as_unverified(mail_desk, store, outbox):
    receive(mail_desk, compose(), "imap")
    [ack] = customer_mail(outbox)

    outcome = receive(mail_desk, reply_to(ack, "Change the address to mine.", sender="mallory@evil.example"), "imap")

    assert outcome.state == "unverified"
    assert store.events("CASE-000001", "customer_reply") == []
    [held] = store.events("CASE-000001", "unverified_sender")
    assert held.visibility == "internal" and "mallory@evil.example" in held.body
    assert customer_mail(outbox, "mallory@evil.example") == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"List-Id": "<users.lists.example.com>"},
        {"List-Unsubscribe": "<mailto:leave@lists.example.com>"},
        {"Return-Path": "<>"},
        {"X-Autoreply": "yes"},
        {"X-Auto-Response-Suppress": "All"},
        {"X-KB-Portal": "1"},
    ],
    ids=lambda h: next(iter(h.items()))[0] + "=" + next(iter(h.values())),
)
def test_automatic_mail_opens_no_case_and_gets_no_acknowledgement(mail_desk, store, outbox, headers):
    outcome = receive(mail_desk, compose("I am out of office.", headers=headers), "imap")

    assert outcome.state == "dropped"
    assert store.count_cases() == 0 and outbox() == []


def test_auto_submitted_no_is_a_person(mail_desk, store):
    assert receive(mail_desk, compose(headers={"Auto-Submitted": "no"}), "imap").state == "new_case"


def test_mail_from_mailer_daemon_opens_no_case(mail_desk, store):
    outcome = receive(mail_desk, compose("Undeliverable", sender="MAILER-DAEMON@mx.example.com"), "imap")

    assert outcome.state == "dropped" and store.count_cases() == 0


def test_a_bounce_of_our_mail_is_shown_on_its_case_as_undelivered(mail_desk, store, outbox):
    receive(mail_desk, compose(), "imap")
    [ack] = customer_mail(outbox)
    bounce = compose(
        "Delivery to zoe@example.com failed: mailbox full.",
        sender="Mail Delivery System <MAILER-DAEMON@mx.example.com>",
        subject="Undelivered Mail Returned to Sender",
        headers={"In-Reply-To": ack["Message-ID"]},
    )

    outcome = receive(mail_desk, bounce, "imap")

    assert (outcome.state, outcome.number) == ("bounce", "CASE-000001")
    [event] = store.events("CASE-000001", "mail_bounced")
    assert "mailbox full" in event.body
    assert [row.last_error for row in mail_desk.undelivered_mail(store.case("CASE-000001"))] == [
        "bounced: Undelivered Mail Returned to Sender"
    ]


def test_one_sender_gets_at_most_the_hourly_acknowledgements_from_a_mail_bomb(mail_desk, store, outbox):
    for n in range(500):
        receive(mail_desk, compose(f"Flood {n}", subject=f"flood {n}"), "lmtp")

    assert store.count_cases() == 500  # nothing lost
    assert len(customer_mail(outbox)) == mail_desk.config.mail.acknowledgements_per_hour


def test_the_same_message_twice_is_handled_once(mail_desk, store):
    raw = compose(message_id="<twice@example.com>")

    first, second = receive(mail_desk, raw, "imap"), receive(mail_desk, raw, "lmtp")

    assert (first.state, second.state) == ("new_case", "duplicate")
    assert store.count_cases() == 1


def test_a_reply_within_the_reopen_days_reopens_and_after_them_opens_a_linked_case(
    mail_desk, store, outbox, clock, staff
):
    receive(mail_desk, compose(), "imap")
    [ack] = customer_mail(outbox)
    case = store.case("CASE-000001")
    mail_desk.resolve(staff["ann"], case, "Reimport with the new option.")
    clock.advance(days=3)

    receive(mail_desk, reply_to(ack, "It came back."), "imap")
    assert store.case("CASE-000001").status == "open"

    mail_desk.resolve(staff["ann"], store.case("CASE-000001"), "Fixed for good.")
    clock.advance(days=15)
    later = receive(mail_desk, reply_to(ack, "A new problem now."), "imap")

    assert (later.state, later.number) == ("new_case", "CASE-000002")
    assert store.case("CASE-000001").status == "resolved"
    assert "Follows CASE-000001" in store.events("CASE-000002", "follows")[0].body
    assert store.case("CASE-000002").description == "A new problem now."


def test_a_message_over_the_size_limit_is_refused_and_the_sender_told_once(mail_desk, store, outbox):
    desk = Desk(
        mail_desk.engine,
        mail_desk.config.with_(mail=MAIL_SETTINGS.__class__(from_address=SUPPORT, max_message_bytes=10_000)),
        now=mail_desk.now,
    )
    big = compose(files=(("log.txt", "text/plain", b"x" * 20_000),))

    first = receive(desk, big, "imap")
    second = receive(desk, compose(files=(("log.txt", "text/plain", b"y" * 20_000),)), "imap")

    assert (first.state, first.code, second.state) == ("rejected", 552, "rejected")
    assert store.count_cases() == 0
    [notice] = customer_mail(outbox)
    assert "too large" in notice["Subject"]


def test_our_own_mail_coming_back_is_recognised(mail_desk, store, outbox):
    receive(mail_desk, compose(), "imap")
    [ack] = customer_mail(outbox)

    outcome = receive(mail_desk, ack.as_bytes(), "imap")

    assert (outcome.state, outcome.detail) == ("dropped", "our own mail came back")
    assert store.count_cases() == 1


def test_a_mail_case_grants_no_access_to_another_case(mail_desk, app, store, outbox):
    number, _ = Visitor(app.test_client()).log_case()
    receive(mail_desk, compose(f"About {number}", sender="mallory@evil.example", subject=f"[{number}]"), "imap")

    [ack] = customer_mail(outbox, "mallory@evil.example")
    links = re.findall(r"http://portal\.test/cases/(CASE-\d+)/\w+", ack.get_body(("plain",)).get_content())
    assert links and all(found == "CASE-000002" for found in links)
    assert store.events(number, "customer_reply") == []


@pytest.fixture
def mail_app(make_app, clock):
    app = make_app(mail=MAIL_SETTINGS)
    app.extensions["kb_portal"].desk.now = clock
    return app


def test_a_case_mailed_in_and_answered_by_mail_reads_as_one_thread_in_the_console(mail_app, outbox):
    desk = mail_app.extensions["kb_portal"].desk
    receive(desk, compose("The Gantt chart is empty.", message_id="<one@example.com>"), "imap")
    [ack] = customer_mail(outbox)
    agent = Visitor(mail_app.test_client())
    agent.sign_in("ann")
    assert agent.act("CASE-000001", "reply", {"text": "Hello Zoe,\n\nWhich version do you run?"}).status_code == 303
    [answer] = [m for m in customer_mail(outbox) if "Update" in m["Subject"]]
    receive(desk, reply_to(answer, "Version 7.2, thanks."), "imap")

    page = agent.get("/agent/cases/CASE-000001").text

    assert page.index("The Gantt chart is empty.") < page.index("Which version do you run?")
    assert page.index("Which version do you run?") < page.index("Version 7.2, thanks.")
    assert "Sample Support wrote" not in page  # the quoted part was trimmed
    body = answer.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body.startswith("Hello Zoe,\n\nWhich version") and body.count("Hello") == 1  # no second greeting
    assert answer["In-Reply-To"] in (ack["Message-ID"], "<one@example.com>")
    assert ack["Message-ID"] in answer["References"] and "<one@example.com>" in answer["References"]


def test_an_agent_accepts_held_mail_with_a_csrf_protected_post(mail_app, store, outbox):
    desk = mail_app.extensions["kb_portal"].desk
    receive(desk, compose(), "imap")
    [ack] = customer_mail(outbox)
    receive(desk, reply_to(ack, "I am Zoe's colleague: same problem.", sender="Sam <sam@example.com>"), "imap")
    [held] = store.events("CASE-000001", "unverified_sender")
    agent = Visitor(mail_app.test_client())
    agent.sign_in("ann")

    forged = agent.post("/agent/cases/CASE-000001/accept-mail", {"event": str(held.id)})
    assert forged.status_code == 400 and store.events("CASE-000001", "customer_reply") == []

    accepted = agent.act("CASE-000001", "accept-mail", {"event": str(held.id)})
    assert accepted.status_code == 303, accepted.text
    [reply] = store.events("CASE-000001", "customer_reply")
    assert reply.body == "I am Zoe's colleague: same problem." and reply.visibility == "customer"
    assert "accept-mail" not in agent.get("/agent/cases/CASE-000001").text
    later = receive(desk, compose("Any news?", sender="sam@example.com", subject="Re: [CASE-000001] x"), "imap")
    assert later.state == "reply"  # an accepted address is on the case now


def test_an_agent_rejects_held_mail_and_it_never_becomes_the_customers_word(mail_app, store, outbox):
    desk = mail_app.extensions["kb_portal"].desk
    receive(desk, compose(), "imap")
    [ack] = customer_mail(outbox)
    receive(desk, reply_to(ack, "Send me the data.", sender="mallory@evil.example"), "imap")
    [held] = store.events("CASE-000001", "unverified_sender")
    agent = Visitor(mail_app.test_client())
    agent.sign_in("ann")

    assert agent.act("CASE-000001", "reject-mail", {"event": str(held.id)}).status_code == 303

    assert store.events("CASE-000001", "customer_reply") == []
    assert len(store.events("CASE-000001", "sender_rejected")) == 1
    customer_page = [e for e in store.events("CASE-000001") if e.visibility == "customer"]
    assert all("Send me the data" not in e.body for e in customer_page)


def delivery_report(original: bytes, sender: str = "postmaster@mx.example.com") -> bytes:
    return (
        (
            f"From: Mail Delivery System <{sender}>\r\nTo: {SUPPORT}\r\n"
            "Subject: Delivery Status Notification (Failure)\r\nMessage-ID: <dsn.1@mx.example.com>\r\n"
            'Content-Type: multipart/report; report-type="delivery-status"; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain\r\n\r\nDelivery to zoe@example.com failed permanently.\r\n"
            "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
            "Final-Recipient: rfc822; zoe@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "--b\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + original
        + b"\r\n--b--\r\n"
    )


def test_a_delivery_report_carrying_our_message_is_shown_on_its_case(mail_desk, store, outbox):
    receive(mail_desk, compose(), "imap")
    [ack] = customer_mail(outbox)

    outcome = receive(mail_desk, delivery_report(ack.as_bytes()), "lmtp", envelope_sender="")

    assert (outcome.state, outcome.number) == ("bounce", "CASE-000001")
    assert "failed permanently" in store.events("CASE-000001", "mail_bounced")[0].body
    assert store.count_cases() == 1 and len(outbox()) == 1


def test_a_customer_forwarding_a_message_as_an_attachment_is_not_a_bounce(mail_desk, store):
    forwarded = compose("See the message below.", files=(("fwd.eml", "message/rfc822", compose("Original")),))

    assert receive(mail_desk, forwarded, "imap").state == "new_case"


def test_agents_download_the_untrimmed_original_of_a_mailed_reply(mail_app, store, outbox):
    desk = mail_app.extensions["kb_portal"].desk
    receive(desk, compose(), "imap")
    [ack] = customer_mail(outbox)
    raw = reply_to(ack, "Short answer.")
    receive(desk, raw, "imap")
    [reply] = store.events("CASE-000001", "customer_reply")
    agent = Visitor(mail_app.test_client())
    assert agent.get(f"/agent/cases/CASE-000001/mail/{reply.id}").status_code in (302, 303)  # signed out
    agent.sign_in("ann")

    page = agent.get("/agent/cases/CASE-000001").text
    original = agent.get(f"/agent/cases/CASE-000001/mail/{reply.id}")

    assert f"/agent/cases/CASE-000001/mail/{reply.id}" in page
    assert original.status_code == 200 and original.data == raw
    assert original.headers["Content-Disposition"].startswith("attachment;")
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    assert agent.get("/agent/cases/CASE-000001/mail/999").status_code == 404


def test_our_own_mail_without_our_header_is_still_recognised_by_its_message_id(mail_desk, store, outbox):
    receive(mail_desk, compose(), "imap")
    [ack] = customer_mail(outbox)
    del ack["X-KB-Portal"]

    assert receive(mail_desk, ack.as_bytes(), "imap").detail == "our own mail came back"
    assert store.count_cases() == 1


def test_nuls_and_line_breaks_in_a_mail_end_as_a_stored_case(mail_desk, store, outbox):
    raw = (
        b"From: =?utf-8?q?Zoe=00=0D=0ABcc:_x?= <zoe@example.com>\r\nTo: support@sample.example\r\n"
        b"Subject: =?utf-8?q?Broken=00=0D=0ABcc:_evil=40example.com?= export\x00\r\nMessage-ID: <nul\x00@x>\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nText\x00 here\r\n"
        b'--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="a\x00b.txt"\r\n\r\n'
        b"x\r\n--b--\r\n"
    )

    outcome = receive(mail_desk, raw, "lmtp")

    assert outcome.state == "new_case"
    case = store.case(outcome.number)
    assert "\x00" not in case.subject + case.customer_name + case.description
    assert case.description == "Text here"
    [ack] = customer_mail(outbox)
    assert ack["Bcc"] is None and ack.get_all("To") == ["zoe@example.com"]


def attachments_of(store, number: str) -> list:
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(attachments.c.name, attachments.c.content_type, attachments.c.size, events.c.kind)
            .join(events, events.c.id == attachments.c.event_id)
            .where(attachments.c.case_id == store.case(number).id)
            .order_by(attachments.c.id)
        ).all()


def test_a_mails_files_are_stored_as_attachments_of_its_event(mail_desk, store):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 10
    outcome = receive(
        mail_desk, compose(files=(("screen shot.png", "image/png", png), ("app.log", "text/plain", b"ok"))), "imap"
    )

    assert [tuple(a) for a in attachments_of(store, outcome.number)] == [
        ("screen shot.png", "image/png", 18, "created"),
        ("app.log", "text/plain", 2, "created"),
    ]
    assert store.case(outcome.number).description == "The Gantt chart is empty after I imported a P6 file."


def test_a_mails_files_over_the_limits_are_refused_on_the_case_and_its_text_is_kept(mail_desk, store):
    desk = Desk(
        mail_desk.engine, mail_desk.config.with_(attachments=AttachmentSettings(max_files=1)), now=mail_desk.now
    )
    outcome = receive(desk, compose(files=(("a.txt", "text/plain", b"a"), ("b.txt", "text/plain", b"b"))), "imap")

    assert outcome.state == "new_case" and attachments_of(store, outcome.number) == []
    [refused] = store.events(outcome.number, "mail_files_refused")
    assert "- a.txt (text/plain, 1 bytes)" in refused.body and "- b.txt" in refused.body
    assert store.case(outcome.number).description == "The Gantt chart is empty after I imported a P6 file."
