"""The mail queue: messages are rows in `mail_queue`, queued in the same transaction as the change they
report, claimed by one process at a time, and retried on a schedule until sent or given up.

A crash or a down SMTP server loses nothing: a failed message waits for its next attempt (schedule.py), a
claim whose process on this host is gone is released at once, one from another host after CLAIM_TIMEOUT.
A message given up (three days of failures, or an address that can never work) says so in its case's
history. Delivery goes to the configured SMTP server, or, without one, to .eml files in the outbox folder."""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import tempfile
import threading
import time
from email.errors import MessageError
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from ..config import PortalConfig
from ..db import cases, events, mail_queue, writing
from .claims import is_alive, parse_claimant, this_process
from .message import Thread, build_message, clean_subject
from .schedule import next_attempt
from .thread import thread_for

log = logging.getLogger(__name__)
GATHER_SECONDS = 0.25
CLAIM_TIMEOUT = dt.timedelta(minutes=5)  # a claim older than this from another host was left by a dead process


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
    process die before sending, the next sweep or starting worker sees it is gone and sends the message."""
    return conn.execute(
        mail_queue.insert(),  # values as parameters: cheaper than .values(), which rebuilds the statement each time
        {
            "case_id": case_id,
            "created_at": now,
            "to_addr": to,
            "subject": clean_subject(subject),
            "body": body,
            "claimed_at": now if claim else None,
            "claimed_by": str(this_process()) if claim else None,
            "attempts": 1 if claim else 0,
        },
    ).inserted_primary_key[0]


def claim_pending(engine: Engine, now: dt.datetime, case_id: int | None = None) -> list[Row]:
    """Claim every message that is due and nobody else is sending (only case `case_id`'s when given), in one
    statement, so two processes never send the same message."""
    claimable = sa.and_(
        mail_queue.c.sent_at.is_(None),
        mail_queue.c.given_up_at.is_(None),
        sa.or_(mail_queue.c.next_attempt_at.is_(None), mail_queue.c.next_attempt_at <= now),
        sa.or_(mail_queue.c.claimed_at.is_(None), mail_queue.c.claimed_at < now - CLAIM_TIMEOUT),
        *([mail_queue.c.case_id == case_id] if case_id is not None else []),
    )
    with writing(engine) as conn:  # UPDATE ... RETURNING: SQLite 3.35 or later, PostgreSQL
        return conn.execute(
            mail_queue.update()
            .where(claimable)
            .values(claimed_at=now, claimed_by=str(this_process()), attempts=mail_queue.c.attempts + 1)
            .returning(*mail_queue.c)
        ).all()


def deliver_pending(engine: Engine, config: PortalConfig, now: dt.datetime, case_id: int | None = None) -> int:
    """Send every message that is due and unclaimed (only case `case_id`'s when given); how many went out."""
    return _send_all(engine, config, now, claim_pending(engine, now, case_id))


def deliver_claimed(engine: Engine, config: PortalConfig, now: dt.datetime, ids: list[int]) -> int:
    """Send the messages the caller queued with claim=True, after its transaction committed."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(mail_queue).where(mail_queue.c.id.in_(ids), mail_queue.c.sent_at.is_(None))).all()
    return _send_all(engine, config, now, rows)


def release_dead_claims(engine: Engine) -> int:
    """Release the claims of processes on this host that no longer run, so their mail goes now rather than
    after CLAIM_TIMEOUT; returns how many messages were released. Claims from other hosts are left alone."""
    me = this_process()
    with engine.connect() as conn:
        claimants = (
            conn.execute(
                sa.select(mail_queue.c.claimed_by)
                .where(mail_queue.c.sent_at.is_(None), mail_queue.c.claimed_by.is_not(None))
                .distinct()
            )
            .scalars()
            .all()
        )
    dead = []
    for text in claimants:
        claimant = parse_claimant(text)
        if claimant and claimant.host == me.host and claimant != me and not is_alive(claimant):
            dead.append(text)
    if not dead:
        return 0
    with writing(engine) as conn:
        return conn.execute(
            mail_queue.update()
            .where(mail_queue.c.sent_at.is_(None), mail_queue.c.claimed_by.in_(dead))
            .values(claimed_at=None, claimed_by=None)
        ).rowcount


def undelivered(conn: Connection, case_id: int) -> list[Row]:
    """The case's mail that has not gone out: waiting for its next attempt, or given up."""
    return conn.execute(
        sa.select(mail_queue)
        .where(
            mail_queue.c.case_id == case_id,
            # given up: never sent, or sent and bounced (issue 14: a bounce that names our Message-ID)
            sa.or_(
                sa.and_(mail_queue.c.sent_at.is_(None), mail_queue.c.attempts > 0),
                mail_queue.c.given_up_at.is_not(None),
            ),
        )
        .order_by(mail_queue.c.id)
    ).all()


def _send_all(engine: Engine, config: PortalConfig, now: dt.datetime, rows) -> int:
    """Send claimed messages; mark the sent ones in one transaction, and schedule or give up each failure."""
    sent, failed = [], []
    threads = _threads(engine, config, rows)
    for row in rows:
        try:
            _send(config, build_message(config, row.to_addr, row.subject, row.body, threads[row.id]))
            sent.append(row.id)
        except (ValueError, MessageError) as exc:  # InvalidAddress, or a header the email package refused
            failed.append((row, f"not sendable: {exc}", None))  # no later attempt can fix it
        except (OSError, smtplib.SMTPException) as exc:
            failed.append((row, str(exc) or type(exc).__name__, next_attempt(row.created_at, now, row.attempts)))
    if sent or failed:
        with writing(engine) as conn:
            if sent:
                conn.execute(
                    mail_queue.update()
                    .where(mail_queue.c.id == sa.bindparam("sent_id"))
                    .values(sent_at=now, claimed_at=None, claimed_by=None, message_id=sa.bindparam("sent_message_id")),
                    [{"sent_id": id_, "sent_message_id": threads[id_].message_id} for id_ in sent],
                )
            for row, error, retry in failed:
                _failed(conn, row, now, error, retry)
    return len(sent)


def _threads(engine: Engine, config: PortalConfig, rows) -> dict[int, Thread]:
    """Each message's threading headers, read in one transaction."""
    if not rows:
        return {}
    with engine.connect() as conn:
        case_ids = {row.case_id for row in rows if row.case_id is not None}
        numbers = dict(conn.execute(sa.select(cases.c.id, cases.c.number).where(cases.c.id.in_(case_ids))).all())
        return {row.id: thread_for(conn, config, row, numbers.get(row.case_id)) for row in rows}


def _failed(conn: Connection, row: Row, now: dt.datetime, error: str, retry: dt.datetime | None) -> None:
    """Release a message that did not go out: to wait for `retry`, or given up (None) and said so on its case."""
    values = {"claimed_at": None, "claimed_by": None, "last_error": error, "next_attempt_at": retry}
    if retry is None:
        values["given_up_at"] = now
    conn.execute(mail_queue.update().where(mail_queue.c.id == row.id).values(**values))
    if retry is None and row.case_id is not None:
        conn.execute(
            events.insert(),
            {
                "case_id": row.case_id,
                "at": now,
                "kind": "mail_given_up",
                "channel": "system",
                "actor": "system",
                "agent_id": None,
                "body": f"Mail to {row.to_addr} ({row.subject}) given up after {row.attempts} attempts "
                f"since {row.created_at:%Y-%m-%d %H:%M} UTC. Last error: {error}",
                "visibility": "internal",
            },
        )


class MailSender:
    """Sends queued mail on a thread of its own, so a request only queues it (in the transaction that
    stores the change) and answers: building and writing a message was a third of a submission's time.
    `kb portal` runs one per process; a request wakes it, and it also looks every minute. Starting, it
    first takes over the mail of processes on this host that died holding claims."""

    def __init__(self, engine: Engine, config: PortalConfig, now):
        self._engine, self._config, self._now = engine, config, now
        self._wake, self._stop = threading.Event(), threading.Event()
        self._wake.set()  # the first round runs at once
        self._thread = threading.Thread(target=self._run, name="kb-mail", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """End the thread after the round it is in (what is queued stays queued)."""
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def flush(self) -> None:
        """Send what is due, on the caller's thread: the mail thread's, or a process's about to exit, whose
        mail thread (a daemon) dies with it, maybe just before sending a new case's acknowledgement. Claims
        keep the two from sending a message twice."""
        try:
            while deliver_pending(self._engine, self._config, self._now()):
                pass  # more may have been queued while these went out
        except Exception:  # noqa: BLE001 - it stays queued: the next wake-up or the sweep tries again
            log.exception("sending mail failed")

    def _run(self) -> None:
        try:
            release_dead_claims(self._engine)
        except Exception:  # noqa: BLE001 - the sweep releases them instead
            log.exception("releasing the claims of dead processes failed")
        while not self._stop.is_set():
            self._wake.wait(timeout=60)
            # Gather for a moment: under load, one claim and one "sent" transaction then cover dozens of
            # messages instead of one each, and those transactions queue for the same write lock as the
            # submissions. A quarter of a second is nothing to someone waiting for an email.
            time.sleep(GATHER_SECONDS)
            self._wake.clear()
            if not self._stop.is_set():
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
