"""One received message into the case store: claimed by its Message-ID and handled in one transaction.

The claim (a row in inbound_messages with a unique key) and the case event it causes commit together, so a
message is handled once however many workers, hosts or restarts see it, and whoever delivered it (the IMAP
poller moving it, the LMTP server answering 250) does so only after the commit: a crash in between means
the message comes again and is recognised as handled ("duplicate"). What comes of a message:

- new_case: a new conversation; the case gets the mail's text and sender and is acknowledged in its thread;
- reply: the customer's word on the case it answers (quoted text and signature trimmed);
- unverified: it answers a case but comes from an address not on it: held for an agent to accept or reject;
- bounce / dropped: automatic mail (classify.py), recorded; a bounce of our mail is shown on its case;
- rejected: too large or without a usable sender: refused, the sender told once an hour at most."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..attachments import AttachmentRejected, IncomingFile, save_files
from ..clients import client_of
from ..config import PortalConfig
from ..db import cases, events, inbound_messages, mail_queue, writing
from ..desk import Desk, NewCase
from ..mail import deliver_claimed, queue_mail
from .classify import automatic_reason, is_bounce
from .match import addresses_on_case, find_case
from .parse import ParsedMail, parse_mail
from .trim import trim_reply

DEFAULT_SEVERITY = "major"  # the case form's default; an agent changes it
NOTICES_PER_HOUR = 1  # "your message was too large" to one address


@dataclass(frozen=True)
class Outcome:
    state: str  # new_case, reply, unverified, bounce, dropped, rejected, duplicate
    number: str | None = None
    detail: str = ""
    code: int = 250  # what an SMTP/LMTP server answers for it
    acknowledgement: int | None = None  # a new case's acknowledgement, claimed, to send after the commit

    @property
    def refused(self) -> bool:
        return self.state == "rejected"


def receive(
    desk: Desk,
    raw: bytes,
    source: str,
    envelope_sender: str | None = None,
    recipients: Sequence[str] = (),
    tell_sender: bool = True,
) -> Outcome:
    """Handle the message `raw` (from `source`: imap, lmtp) once; what became of it. DatabaseBusy (or another
    database error) when nothing could be stored: the caller leaves the message to come again."""
    if len(raw) > desk.config.mail.max_message_bytes:
        return reject_too_large(desk, raw[:65536], len(raw), source, tell_sender)
    mail = parse_mail(raw)
    now = desk.now()
    recipients = tuple(r.lower() for r in recipients)
    try:
        with writing(desk.engine) as conn:
            if _handled(conn, mail.message_key):
                return Outcome("duplicate", detail=f"{mail.message_key} was handled before")
            inbound_id = conn.execute(
                inbound_messages.insert(),
                {
                    "message_key": mail.message_key,
                    "message_id": mail.message_id,
                    "received_at": now,
                    "source": source,
                    "state": "claimed",
                    "sender": mail.sender,
                    "subject": mail.subject[:300],
                    "raw": raw,
                },
            ).inserted_primary_key[0]
            outcome, case_id, event_id = _handle(desk, conn, mail, now, envelope_sender, recipients)
            conn.execute(
                inbound_messages.update()
                .where(inbound_messages.c.id == inbound_id)
                .values(state=outcome.state, case_id=case_id, event_id=event_id, reason=outcome.detail)
            )
    except sa.exc.IntegrityError:
        # Another worker claimed the same message at the same moment (PostgreSQL waits for its commit).
        return Outcome("duplicate", detail=f"{mail.message_key} was handled by another worker")
    if outcome.acknowledgement is not None and desk.sender is None:
        deliver_claimed(desk.engine, desk.config, desk.now(), [outcome.acknowledgement])
    if case_id is not None:
        desk.deliver(case_id)
    return outcome


def reject_too_large(desk: Desk, head: bytes, size: int, source: str, tell_sender: bool) -> Outcome:
    """Refuse a message over mail.max_message_bytes, from its headers alone; tell its sender once an hour."""
    limit = desk.config.mail.max_message_bytes
    mail = parse_mail(_headers_only(head))
    now = desk.now()
    detail = f"the message is {size} bytes; the limit is {limit} bytes (portal.yml mail: max_message_bytes)"
    key = mail.message_id or "sha256:" + hashlib.sha256(head).hexdigest()
    with writing(desk.engine) as conn:
        if _handled(conn, key):
            return Outcome("rejected", detail=detail, code=552)
        told_lately = (
            mail.sender
            and conn.execute(
                sa.select(sa.func.count())
                .select_from(inbound_messages)
                .where(
                    inbound_messages.c.sender == mail.sender,
                    inbound_messages.c.state == "rejected",
                    inbound_messages.c.received_at > now - dt.timedelta(hours=1),
                )
            ).scalar_one()
        )
        conn.execute(
            inbound_messages.insert(),
            {
                "message_key": key,
                "message_id": mail.message_id,
                "received_at": now,
                "source": source,
                "state": "rejected",
                "sender": mail.sender,
                "subject": mail.subject[:300],
                "reason": detail,
            },
        )
        if tell_sender and mail.sender and told_lately < NOTICES_PER_HOUR and automatic_reason(mail) is None:
            queue_mail(
                conn, now, mail.sender, "Your message to support was too large", _too_large_text(desk, size), None
            )
    desk.deliver()
    return Outcome("rejected", detail=detail, code=552)


def _handle(
    desk: Desk,
    conn: Connection,
    mail: ParsedMail,
    now: dt.datetime,
    envelope_sender: str | None,
    recipients: tuple[str, ...],
) -> tuple[Outcome, int | None, int | None]:
    """Decide and store, in the caller's transaction: (outcome, case id, event id)."""
    reason = automatic_reason(mail, envelope_sender)
    if reason is None and mail.message_id and _ours(conn, mail.message_id):
        reason = "our own mail came back"  # without our header: a gateway may strip X- headers
    if reason is not None:
        return _automatic(desk, conn, mail, now, reason)
    if mail.sender is None:
        return Outcome("rejected", detail="no usable sender address in From", code=550), None, None
    match = find_case(conn, desk.config, mail, recipients)
    if match is None:
        return _new_case(desk, conn, mail, now)
    row = desk.followed(conn, match.case)  # a reply to a merged duplicate joins the case it went into
    if mail.sender.lower() not in addresses_on_case(conn, row):
        event_id = desk.add_event(
            conn,
            row,
            "unverified_sender",
            "system",
            channel="email",
            body=f"Mail from {mail.sender_name} <{mail.sender}>, an address not on this case, held until an agent "
            f"accepts or rejects it.\n\nSubject: {mail.subject}\n\n{trim_reply(mail.text)}",
        )
        return Outcome("unverified", row.number, f"{mail.sender} is not on {row.number}"), row.id, event_id
    reopen_days = desk.config.mail.reopen_days
    if row.status == "resolved" and row.resolved_at and now - row.resolved_at > dt.timedelta(days=reopen_days):
        return _new_case(desk, conn, mail, now, follows=row)
    event_id = desk.add_customer_reply(conn, row, trim_reply(mail.text) or "(no text)", "email", now, tell_level=True)
    _store_files(conn, desk.config, row.id, event_id, mail.files)
    return Outcome("reply", row.number, f"matched by {match.how}"), row.id, event_id


def _client_slug(desk: Desk, sender: str) -> str | None:
    """Mail from one of a client's domains (or admins) is that client's case."""
    profile = client_of(desk.config, sender)
    return profile.slug if profile else None


def _new_case(
    desk: Desk, conn: Connection, mail: ParsedMail, now: dt.datetime, follows: Row | None = None
) -> tuple[Outcome, int | None, int | None]:
    text = trim_reply(mail.text) if follows else mail.text
    new = NewCase(
        subject=mail.subject or "(no subject)",
        description=text or "(no text)",
        customer_name=mail.sender_name or mail.sender,
        customer_email=mail.sender,
        severity=DEFAULT_SEVERITY,
        client=_client_slug(desk, mail.sender),
    )
    key = "mail:" + hashlib.sha256(mail.message_key.encode()).hexdigest()[:59]
    opened = desk.open_case(conn, desk.case_values(new, key, now), now, "email")
    if opened is None:  # the same message under another key was made a case already: nothing to do twice
        return Outcome("duplicate", detail="a case was made from this message before"), None, None
    row = opened.row
    if follows is not None:
        days = desk.config.mail.reopen_days
        desk.add_event(
            conn, row, "follows", "system", body=f"Follows {follows.number}, resolved more than {days} days ago."
        )
        desk.add_event(conn, follows, "followed_up", "system", body=f"The customer wrote again; new case {row.number}.")
    _store_files(conn, desk.config, row.id, opened.event_id, mail.files)
    detail = f"follows {follows.number}" if follows else "new conversation"
    return Outcome("new_case", row.number, detail, acknowledgement=opened.acknowledgement), row.id, opened.event_id


def _automatic(
    desk: Desk, conn: Connection, mail: ParsedMail, now: dt.datetime, reason: str
) -> tuple[Outcome, int | None, int | None]:
    """Automatic mail: a bounce of one of our messages goes on its case (and marks that mail undelivered);
    anything else is recorded and dropped."""
    ours = None
    if is_bounce(reason) or mail.returned_ids:
        ids = [*mail.returned_ids, *mail.references]
        ours = (
            ids
            and conn.execute(
                sa.select(mail_queue)
                .where(mail_queue.c.message_id.in_(ids), mail_queue.c.case_id.is_not(None))
                .limit(1)
            ).first()
        )
    if not ours:
        return Outcome("dropped", detail=reason), None, None
    conn.execute(
        mail_queue.update()
        .where(mail_queue.c.id == ours.id)
        .values(given_up_at=now, last_error=f"bounced: {mail.subject[:200]}")
    )
    row = find_case_row(conn, ours.case_id)
    event_id = desk.add_event(
        conn,
        row,
        "mail_bounced",
        "system",
        channel="email",
        body=f"Mail to {ours.to_addr} ({ours.subject}) came back undelivered: {mail.subject}\n\n{mail.text[:2000]}",
    )
    return Outcome("bounce", row.number, reason), row.id, event_id


def find_case_row(conn: Connection, case_id: int) -> Row:
    return conn.execute(sa.select(cases).where(cases.c.id == case_id)).one()


def _store_files(
    conn: Connection, config: PortalConfig, case_id: int, event_id: int, files: Sequence[IncomingFile]
) -> None:
    """The files of one incoming mail's event, stored in its transaction. Files over portal.yml's limits are
    not kept, but the mail is: its text is the customer's word, and the case says which files were refused."""
    try:
        save_files(conn, config, case_id, event_id, files)
    except AttachmentRejected as refused:
        at = conn.execute(sa.select(events.c.at).where(events.c.id == event_id)).scalar_one()
        listing = "\n".join(f"- {f.name} ({f.content_type}, {len(f.data):,} bytes)" for f in files)
        conn.execute(
            events.insert(),
            {
                "case_id": case_id,
                "at": at,
                "kind": "mail_files_refused",
                "channel": "email",
                "actor": "system",
                "agent_id": None,
                "body": f"The mail's files were not kept: {refused}\n{listing}",
                "visibility": "internal",
            },
        )


def _ours(conn: Connection, message_id: str) -> bool:
    return conn.execute(sa.select(mail_queue.c.id).where(mail_queue.c.message_id == message_id)).first() is not None


def _handled(conn: Connection, key: str) -> bool:
    return (
        conn.execute(sa.select(inbound_messages.c.id).where(inbound_messages.c.message_key == key)).first() is not None
    )


def _headers_only(head: bytes) -> bytes:
    """The header block of a message's first bytes (what IMAP's BODY.PEEK[HEADER] gives)."""
    end = head.find(b"\r\n\r\n")
    end = head.find(b"\n\n") if end < 0 else end
    return (head if end < 0 else head[:end]) + b"\r\n\r\n"


def _too_large_text(desk: Desk, size: int) -> str:
    limit_mb = desk.config.mail.max_message_bytes / 1024 / 1024
    return (
        "Hello,\n\nYour message to support was not taken in: it is "
        f"{size / 1024 / 1024:.1f} MB, and messages may be at most {limit_mb:.0f} MB with their attachments.\n\n"
        "Please send it again with smaller or fewer files.\n"
    )
