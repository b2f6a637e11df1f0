"""Mail in by LMTP (`kb mail receive`): an MTA's delivery is answered 250 only once the case is stored, 552
for a message over the size limit, 550 for one without a usable sender, 451 while the database is busy."""

from __future__ import annotations

import base64
import os
import smtplib
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from generator.portal.config import MailSettings
from generator.portal.db import connect, writing
from generator.portal.desk import Desk
from generator.portal.inbound.lmtp import start_lmtp

from .mail_in_helpers import SUPPORT, compose

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def lmtp(portal_config, engine, clock):
    """start(**mail changes) -> the port of an LMTP server on the test database."""
    servers = []

    def start(**changes) -> int:
        mail = MailSettings(from_name="Sample Support", from_address=SUPPORT, **changes)
        desk = Desk(engine, portal_config.with_(mail=mail), now=clock)
        port = free_port()
        servers.append(start_lmtp(desk, "127.0.0.1", port))
        return port

    yield start
    for server in servers:
        server.stop()


def deliver(port: int, raw: bytes, sender: str = "zoe@example.com", to: tuple[str, ...] = (SUPPORT,)):
    with smtplib.LMTP("127.0.0.1", port) as client:
        try:
            return client.sendmail(sender, list(to), raw)
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            return exc.smtp_code, exc.smtp_error.decode()
        except smtplib.SMTPRecipientsRefused as exc:
            return exc.recipients


def test_a_delivered_message_is_answered_after_its_case_is_stored(lmtp, store):
    port = lmtp()

    refused = deliver(port, compose())

    assert refused == {}  # 250
    assert store.count_cases() == 1
    assert store.events("CASE-000001", "created")[0].channel == "email"


def test_a_message_over_the_limit_is_refused_with_552(lmtp, store):
    port = lmtp(max_message_bytes=10_000)

    code, text = deliver(port, compose(files=(("log.txt", "text/plain", b"x" * 30_000),)))

    assert code == 552
    assert store.count_cases() == 0


def test_a_message_without_a_usable_sender_is_refused_with_550(lmtp, store):
    port = lmtp()

    answer = deliver(port, compose(sender="not an address"))

    assert answer == (550, answer[1]) and "sender" in answer[1]
    assert store.count_cases() == 0


def test_a_busy_sqlite_database_answers_451_and_the_retry_is_stored(portal_config, clock, store, tmp_path):
    if not portal_config.database_url.startswith("sqlite"):
        pytest.skip("SQLite's lock; PostgreSQL has no database-wide write lock to hold")
    busy = connect(portal_config.database_url, busy_seconds=0.2)
    mail = MailSettings(from_address=SUPPORT)
    desk = Desk(busy, portal_config.with_(mail=mail), now=clock)
    port = free_port()
    server = start_lmtp(desk, "127.0.0.1", port)
    holder = connect(portal_config.database_url)
    raw = compose(message_id="<busy@example.com>")
    try:
        with writing(holder) as conn:  # another writer holds SQLite's lock
            conn.exec_driver_sql("UPDATE agents SET active = active")
            code, text = deliver(port, raw)
        assert code == 451 and store.count_cases() == 0
        assert deliver(port, raw) == {}  # the MTA tries again later
        assert store.count_cases() == 1
    finally:
        server.stop()
        holder.dispose()
        busy.dispose()


def test_kb_mail_receive_serves_lmtp_until_stopped(make_project, database_url, store):
    root = make_project("basic")
    (root / "portal.yml").write_text(f"mail:\n  from_address: {SUPPORT}\n", encoding="utf-8")
    port = free_port()
    command = [sys.executable, "-c", "from generator.cli import main; main()", "--root", str(root)]
    server = subprocess.Popen(
        [*command, "mail", "receive", "--port", str(port), "--database-url", database_url],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = server.stderr.readline()  # it says so once it listens (or dies, and this is empty)
        assert "Receiving mail over LMTP" in started, started + server.stderr.read()
        assert deliver(port, compose()) == {}
        assert store.count_cases() == 1
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_25_mb_message_is_refused_while_it_is_sent_even_without_a_declared_size(lmtp, store):
    port = lmtp()  # the default limit, 25 MB
    # ~26 MB, built by hand: the email package takes most of a minute to write one this big.
    line = base64.b64encode(os.urandom(57)) + b"\r\n"
    raw = compose("Here is the dump.", files=(("dump.bin", "application/octet-stream", b"placeholder"),))
    raw = raw.replace(base64.b64encode(b"placeholder"), line * (26 * 2**20 // len(line)))
    client = smtplib.LMTP("127.0.0.1", port)
    try:
        client.ehlo_or_helo_if_needed()
        assert client.mail("zoe@example.com")[0] == 250  # no SIZE= parameter: the limit holds during DATA
        assert client.rcpt(SUPPORT)[0] == 250
        code, _ = client.data(raw)
    finally:
        client.close()

    assert code == 552
    assert store.count_cases() == 0
