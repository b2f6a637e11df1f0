"""Notifications: queued in the same transaction as the change they report, delivered after it commits.

A message is a row in `mail_queue` first, so a crash or a down SMTP server loses nothing: the sweep retries
what was not sent. Delivery goes to the configured SMTP server, or, without one, to .eml files in the outbox
folder. Headers are built with the `email` package's strict policy, which refuses CR and LF in a header,
so a subject typed as "x\\r\\nBcc: ..." cannot add a recipient."""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import tempfile
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .config import PortalConfig
from .db import mail_queue, writing

CLAIM_TIMEOUT = dt.timedelta(minutes=5)  # a claim older than this was left by a process that died
MAX_ATTEMPTS = 20


def queue_mail(
    conn: Connection,
    now: dt.datetime,
    to: str,
    subject: str,
    body: str,
    case_id: int | None,
    *,
    claim: bool = False,
) -> int:
    """Queue a message in the caller's transaction; returns its id.

    claim=True also claims it in that transaction, for the caller to send with `deliver_claimed` once it has
    committed. Performance: that is one write transaction fewer per message than claiming it after the
    commit, and a new case's acknowledgement is the portal's busiest path. Nothing is lost: should the
    process die before sending, the claim times out (CLAIM_TIMEOUT) and the sweep sends the message."""
    return conn.execute(
        mail_queue.insert(),  # values as parameters: cheaper than .values(), which rebuilds the statement each time
        {
            "case_id": case_id,
            "created_at": now,
            "to_addr": to,
            "subject": _one_line(subject)[:300],
            "body": body,
            "claimed_at": now if claim else None,
            "attempts": 1 if claim else 0,
        },
    ).inserted_primary_key[0]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def build_message(config: PortalConfig, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.mail.sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="kb.localhost")
    message["Date"] = dt.datetime.now(dt.UTC)
    message.set_content(body)
    return message


def deliver_pending(engine: Engine, config: PortalConfig, now: dt.datetime, case_id: int | None = None) -> int:
    """Send every queued message nobody else is sending (only case `case_id`'s when given); each is claimed
    first, so two processes never send the same message. Returns how many went out."""
    query = sa.select(mail_queue).where(
        mail_queue.c.sent_at.is_(None),
        mail_queue.c.attempts < MAX_ATTEMPTS,
        sa.or_(mail_queue.c.claimed_at.is_(None), mail_queue.c.claimed_at < now - CLAIM_TIMEOUT),
    )
    if case_id is not None:
        query = query.where(mail_queue.c.case_id == case_id)
    with engine.connect() as conn:
        pending = conn.execute(query).all()
    sent = 0
    for row in pending:
        with writing(engine) as conn:
            claimed = conn.execute(
                mail_queue.update()
                .where(
                    mail_queue.c.id == row.id,
                    mail_queue.c.sent_at.is_(None),
                    sa.or_(mail_queue.c.claimed_at.is_(None), mail_queue.c.claimed_at < now - CLAIM_TIMEOUT),
                )
                .values(claimed_at=now, attempts=mail_queue.c.attempts + 1)
            ).rowcount
        if claimed:
            sent += _send_claimed(engine, config, now, row)
    return sent


def deliver_claimed(engine: Engine, config: PortalConfig, now: dt.datetime, ids: list[int]) -> int:
    """Send the messages the caller queued with claim=True, after its transaction committed."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(mail_queue).where(mail_queue.c.id.in_(ids), mail_queue.c.sent_at.is_(None))).all()
    return sum(_send_claimed(engine, config, now, row) for row in rows)


def _send_claimed(engine: Engine, config: PortalConfig, now: dt.datetime, row) -> bool:
    """Send one claimed message; record it sent, or release the claim with the error for the next try."""
    try:
        _send(config, build_message(config, row.to_addr, row.subject, row.body))
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        with writing(engine) as conn:
            conn.execute(
                mail_queue.update().where(mail_queue.c.id == row.id).values(claimed_at=None, last_error=str(exc))
            )
        return False
    with writing(engine) as conn:
        conn.execute(mail_queue.update().where(mail_queue.c.id == row.id).values(sent_at=now))
    return True


def _send(config: PortalConfig, message: EmailMessage) -> None:
    mail = config.mail
    if not mail.smtp_host:
        _write_outbox(config, message)
        return
    with smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=30) as smtp:
        if mail.starttls:
            smtp.starttls()
        if mail.username:
            smtp.login(mail.username, os.environ.get(mail.password_env or "", ""))
        smtp.send_message(message)


def _write_outbox(config: PortalConfig, message: EmailMessage) -> None:
    """One .eml file per message, written whole (temporary name, then renamed)."""
    outbox = config.outbox_dir
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    fd, scratch = tempfile.mkstemp(prefix=".mail-", dir=outbox)
    with os.fdopen(fd, "wb") as out:
        out.write(message.as_bytes())
    # The scratch name is unique (mkstemp): it keeps two threads writing in the same microsecond apart.
    os.replace(scratch, outbox / f"{stamp}-{Path(scratch).name.removeprefix('.mail-')}.eml")
