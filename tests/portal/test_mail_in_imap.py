"""Mail in by IMAP against a real server (Dovecot): messages become cases and move to the done folder only
after their event is stored, a poll does bounded work, oversized mail goes to the rejected folder, and a
poller killed between storing and moving is restarted (`kb mail fetch`) without a duplicate."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.portal.config import MailSettings
from generator.portal.desk import Desk
from generator.portal.inbound.imap import fetch_mail

from .mail_in_helpers import SUPPORT, compose

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def imap_desk(portal_config, engine, clock, imap_mailbox) -> Desk:
    mail = MailSettings(from_name="Sample Support", from_address=SUPPORT, imap=imap_mailbox.settings())
    return Desk(engine, portal_config.with_(mail=mail), now=clock)


def test_polled_mail_becomes_cases_and_moves_to_the_done_folder(imap_desk, imap_mailbox, store, outbox):
    imap_mailbox.append(compose(), compose("Out of office", headers={"Auto-Submitted": "auto-replied"}))

    report = fetch_mail(imap_desk)

    assert (report.handled, report.refused, report.failed, report.waiting) == (2, 0, 0, 0)
    assert store.count_cases() == 1
    assert (imap_mailbox.count(imap_mailbox.folder), imap_mailbox.count(imap_mailbox.done)) == (0, 2)
    assert [m["To"] for m in outbox()] == ["zoe@example.com"]


def test_a_poll_handles_at_most_messages_per_poll(imap_desk, imap_mailbox, store):
    desk = Desk(imap_desk.engine, imap_desk.config.with_(mail=_with(imap_desk, messages_per_poll=3)), now=imap_desk.now)
    imap_mailbox.append(*(compose(f"Flood {n}", subject=f"flood {n}") for n in range(5)))

    first = fetch_mail(desk)
    assert (first.handled, first.waiting, store.count_cases()) == (3, 2, 3)
    second = fetch_mail(desk)
    assert (second.handled, second.waiting, store.count_cases()) == (2, 0, 5)


def test_an_oversized_message_goes_to_the_rejected_folder_unread(imap_desk, imap_mailbox, store, outbox):
    desk = Desk(
        imap_desk.engine, imap_desk.config.with_(mail=_with(imap_desk, max_message_bytes=20_000)), now=imap_desk.now
    )
    imap_mailbox.append(compose(files=(("dump.bin", "application/octet-stream", os.urandom(40_000)),)))

    report = fetch_mail(desk)

    assert (report.handled, report.refused) == (0, 1)
    assert store.count_cases() == 0
    assert (imap_mailbox.count(imap_mailbox.folder), imap_mailbox.count(imap_mailbox.rejected)) == (0, 1)
    assert ["too large" in m["Subject"] for m in outbox()] == [True]


KILLED_POLLER = """
import os, signal, sys
from pathlib import Path
from generator.portal.config import load_portal_config
from generator.portal.db import connect
from generator.portal.desk import Desk
from generator.portal.inbound import imap

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # stored and committed, not yet moved

imap.move = killed
config = load_portal_config(Path(sys.argv[1]), sys.argv[2])
imap.fetch_mail(Desk(connect(config.database_url), config))
"""


def test_a_poller_killed_before_moving_a_stored_message_reprocesses_it_without_a_duplicate(
    imap_mailbox, make_project, database_url, store
):
    root = make_project("basic")
    (root / "portal.yml").write_text(
        "mail:\n"
        f"  from_address: {SUPPORT}\n"
        "  imap:\n"
        f"    host: {imap_mailbox.host}\n    port: {imap_mailbox.port}\n    tls: none\n"
        f"    user: {imap_mailbox.user}\n    password_env: KB_TEST_IMAP_PASSWORD\n"
        f"    folder: {imap_mailbox.folder}\n    done_folder: {imap_mailbox.done}\n"
        f"    rejected_folder: {imap_mailbox.rejected}\n",
        encoding="utf-8",
    )
    imap_mailbox.append(compose(message_id="<killed@example.com>"))
    env = os.environ | {"KB_PORTAL_SECRET_KEY": "kill-test"}

    killed = subprocess.run([sys.executable, "-c", KILLED_POLLER, str(root), database_url], cwd=REPO, env=env)
    assert killed.returncode == -9
    assert store.count_cases() == 1 and imap_mailbox.count(imap_mailbox.folder) == 1  # stored, not moved

    again = subprocess.run(
        [
            sys.executable,
            "-c",
            "from generator.cli import main; main()",
            "--root",
            str(root),
            "mail",
            "fetch",
            "--database-url",
            database_url,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )

    assert again.returncode == 0, again.stderr
    assert "Handled 1" in again.stdout
    assert store.count_cases() == 1
    assert (imap_mailbox.count(imap_mailbox.folder), imap_mailbox.count(imap_mailbox.done)) == (0, 1)


def _with(desk: Desk, **changes) -> MailSettings:
    from dataclasses import replace

    return replace(desk.config.mail, **changes)


def test_the_portal_polls_the_mailbox_in_the_background(make_app, imap_mailbox, store):
    imap_mailbox.append(compose())
    mail = MailSettings(from_address=SUPPORT, imap=imap_mailbox.settings(), poll_seconds=1)
    app = make_app(mail=mail, mail_in_background=True)
    try:
        for _ in range(600):  # waiting for the thread, not timing it
            if imap_mailbox.count(imap_mailbox.done) == 1:
                break
            time.sleep(0.1)
        assert store.count_cases() == 1 and imap_mailbox.count(imap_mailbox.folder) == 0
    finally:
        app.extensions["kb_mail_in"].stop()
        app.extensions["kb_portal"].desk.sender.stop()
