"""Polling an IMAP mailbox: each message is received (claimed and stored in one transaction), and moved to
the done folder (or the rejected one) only after that transaction committed. A crash in between leaves it
in the inbox; the next poll finds its claim and only moves it. Each poll handles at most
mail.messages_per_poll messages, so a flood is worked off in bounded rounds while the portal serves."""

from __future__ import annotations

import imaplib
import logging
import os
import re
import ssl
import threading
from dataclasses import dataclass

import sqlalchemy as sa

from ...errors import KbError
from ..config import ImapSettings
from ..db import DatabaseBusy
from ..desk import Desk
from .receive import Outcome, receive, reject_too_large

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchReport:
    handled: int  # stored or recognised as handled before, and moved to the done folder
    refused: int  # moved to the rejected folder
    failed: int  # left in the mailbox for the next poll (database busy or down)
    waiting: int  # beyond this poll's bound: for the next one


def fetch_mail(desk: Desk) -> FetchReport:
    """Poll the configured mailbox once; KbError when it is not configured or cannot be reached."""
    settings = desk.config.mail.imap
    if settings is None:
        raise KbError("portal.yml has no mail: imap: settings; nothing to fetch")
    password = os.environ.get(settings.password_env)
    if password is None:
        raise KbError(
            f"portal.yml mail: imap: password_env: the environment variable {settings.password_env} is not set"
        )
    try:
        imap = _connect(settings)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise KbError(f"IMAP {settings.host}:{settings.port_or_default}: cannot connect: {exc}") from None
    try:
        try:
            imap.login(settings.user, password)
        except imaplib.IMAP4.error as exc:
            raise KbError(f"IMAP {settings.host}: login as {settings.user} failed: {exc}") from None
        return _poll(desk, imap, settings)
    except (OSError, imaplib.IMAP4.error) as exc:  # what was stored stays stored; the rest comes next poll
        raise KbError(f"IMAP {settings.host}: {exc}") from None
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass  # the connection is gone already; nothing was left half-done on it


def _poll(desk: Desk, imap: imaplib.IMAP4, settings: ImapSettings) -> FetchReport:
    capabilities = imap.capability()[1][0].decode().upper().split()
    for folder in (settings.done_folder, settings.rejected_folder):
        imap.create(quote(folder))  # NO when it exists: fine
    _ok(imap.select(quote(settings.folder)), f"select {settings.folder}")
    uids = _ok(imap.uid("SEARCH", None, "UNDELETED"), "search")[0].split()
    batch = uids[: desk.config.mail.messages_per_poll]
    handled = refused = failed = 0
    deleted = False
    for uid in batch:
        outcome = _receive_one(desk, imap, uid)
        if outcome is None:
            failed += 1
            continue
        target = settings.rejected_folder if outcome.refused else settings.done_folder
        deleted |= move(imap, uid, target, "MOVE" in capabilities)
        refused += outcome.refused
        handled += not outcome.refused
    if deleted:
        imap.expunge()
    return FetchReport(handled, refused, failed, len(uids) - len(batch))


def _receive_one(desk: Desk, imap: imaplib.IMAP4, uid: bytes) -> Outcome | None:
    """The message's outcome once stored; None when it must stay for the next poll."""
    try:
        size = int(re.search(rb"RFC822\.SIZE (\d+)", _fetched(imap, uid, "(RFC822.SIZE)", header=True)).group(1))
        if size > desk.config.mail.max_message_bytes:
            head = _fetched(imap, uid, "(BODY.PEEK[HEADER])")
            return reject_too_large(desk, head, size, "imap", tell_sender=True)
        return receive(desk, _fetched(imap, uid, "(BODY.PEEK[])"), "imap")
    except (DatabaseBusy, sa.exc.OperationalError) as exc:
        log.warning("mail %s left for the next poll: %s", uid.decode(), exc)
        return None
    except Exception:  # noqa: BLE001 - a bug on one message must not stop the others; it stays in the mailbox
        log.exception("mail %s could not be handled; left in the mailbox", uid.decode())
        return None


def move(imap: imaplib.IMAP4, uid: bytes, folder: str, can_move: bool) -> bool:
    """Move one message; True when it was only flagged deleted (an EXPUNGE must follow)."""
    if can_move:
        _ok(imap.uid("MOVE", uid, quote(folder)), f"move to {folder}")
        return False
    _ok(imap.uid("COPY", uid, quote(folder)), f"copy to {folder}")
    _ok(imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"), "flag deleted")
    return True


def quote(name: str) -> str:
    """A mailbox name as an IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    port = settings.port_or_default
    if settings.tls == "ssl":
        return imaplib.IMAP4_SSL(settings.host, port, ssl_context=ssl.create_default_context(), timeout=60)
    imap = imaplib.IMAP4(settings.host, port, timeout=60)
    if settings.tls == "starttls":
        imap.starttls(ssl.create_default_context())
    return imap


def _fetched(imap: imaplib.IMAP4, uid: bytes, what: str, header: bool = False) -> bytes:
    data = _ok(imap.uid("FETCH", uid, what), f"fetch {what}")
    for item in data:
        if isinstance(item, tuple):
            return item[1]
        if header and isinstance(item, bytes) and b"RFC822.SIZE" in item:
            return item
    raise imaplib.IMAP4.error(f"no {what} in the answer for message {uid.decode()}")


def _ok(answer, what: str) -> list:
    typ, data = answer
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what}: {typ} {data}")
    return data


class MailPoller:
    """`kb portal`'s thread that polls the mailbox every mail.poll_seconds. Several workers or hosts may all
    poll: the claims keep each message to one of them."""

    def __init__(self, desk: Desk):
        self._desk, self._stop = desk, threading.Event()
        self._thread = threading.Thread(target=self._run, name="kb-mail-in", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            try:
                report = fetch_mail(self._desk)
                if report.waiting and not self._stop.is_set():
                    continue  # a backlog: the next round at once
            except KbError as exc:
                log.warning("mail in: %s", exc.message)
            except Exception:  # noqa: BLE001 - the thread must outlive a bad round; the next one tries again
                log.exception("mail in: polling failed")
            if self._stop.wait(self._desk.config.mail.poll_seconds):
                return
