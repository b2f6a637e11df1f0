"""Notifications: queued in the same transaction as the change they report, delivered after it commits.

A message is a row in `mail_queue` first, so a crash or a down SMTP server loses nothing: the sweep retries
what was not sent. Delivery goes to the configured SMTP server, or, without one, to .eml files in the outbox
folder. Headers are built with the `email` package's strict policy, which refuses CR and LF in a header,
so a subject typed as "x\\r\\nBcc: ..." cannot add a recipient."""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import tempfile
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .config import PortalConfig
from .db import mail_queue, writing

log = logging.getLogger(__name__)
GATHER_SECONDS = 0.25
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
    """Send every queued message nobody else is sending (only case `case_id`'s when given). They are claimed
    in one statement first, so two processes never send the same message, and marked sent in one more.
    Returns how many went out."""
    claimable = sa.and_(
        mail_queue.c.sent_at.is_(None),
        mail_queue.c.attempts < MAX_ATTEMPTS,
        sa.or_(mail_queue.c.claimed_at.is_(None), mail_queue.c.claimed_at < now - CLAIM_TIMEOUT),
        *([mail_queue.c.case_id == case_id] if case_id is not None else []),
    )
    with writing(engine) as conn:  # UPDATE ... RETURNING: SQLite 3.35 or later, PostgreSQL
        claimed = conn.execute(
            mail_queue.update()
            .where(claimable)
            .values(claimed_at=now, attempts=mail_queue.c.attempts + 1)
            .returning(*mail_queue.c)
        ).all()
    return _send_all(engine, config, now, claimed)


def deliver_claimed(engine: Engine, config: PortalConfig, now: dt.datetime, ids: list[int]) -> int:
    """Send the messages the caller queued with claim=True, after its transaction committed."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(mail_queue).where(mail_queue.c.id.in_(ids), mail_queue.c.sent_at.is_(None))).all()
    return _send_all(engine, config, now, rows)


def _send_all(engine: Engine, config: PortalConfig, now: dt.datetime, rows) -> int:
    """Send claimed messages; mark the sent ones in one transaction, release each failure with its error."""
    sent, failed = [], []
    for row in rows:
        try:
            _send(config, build_message(config, row.to_addr, row.subject, row.body))
            sent.append(row.id)
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            failed.append((row.id, str(exc)))
    if sent or failed:
        with writing(engine) as conn:
            if sent:
                conn.execute(mail_queue.update().where(mail_queue.c.id.in_(sent)).values(sent_at=now))
            for message_id, error in failed:
                conn.execute(
                    mail_queue.update().where(mail_queue.c.id == message_id).values(claimed_at=None, last_error=error)
                )
    return len(sent)


class MailSender:
    """Sends queued mail on a thread of its own, so a request only queues it (in the transaction that
    stores the change) and answers: building and writing a message was a third of a submission's time.
    `kb portal` runs one per process; a request wakes it, and it also looks every minute."""

    def __init__(self, engine: Engine, config: PortalConfig, now):
        self._engine, self._config, self._now = engine, config, now
        self._wake = threading.Event()
        threading.Thread(target=self._run, name="kb-mail", daemon=True).start()

    def notify(self) -> None:
        self._wake.set()

    def flush(self) -> None:
        """Send what is queued, on the caller's thread: the mail thread's, or a process's about to exit, whose
        mail thread (a daemon) dies with it, maybe just before sending a new case's acknowledgement. Claims
        keep the two from sending a message twice."""
        try:
            while deliver_pending(self._engine, self._config, self._now()):
                pass  # more may have been queued while these went out
        except Exception:  # noqa: BLE001 - it stays queued: the next wake-up or the sweep tries again
            log.exception("sending mail failed")

    def _run(self) -> None:
        while True:
            self._wake.wait(timeout=60)
            # Gather for a moment: under load, one claim and one "sent" transaction then cover dozens of
            # messages instead of one each, and those transactions queue for the same write lock as the
            # submissions. A quarter of a second is nothing to someone waiting for an email.
            time.sleep(GATHER_SECONDS)
            self._wake.clear()
            self.flush()


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
