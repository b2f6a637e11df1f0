"""Benchmark: mail in, against the case form's own path, in the same run and on the same database.

Each phase stores --messages cases or replies through the support desk, acknowledgements written to the
outbox of a temporary instance folder as the portal writes them without an SMTP server:

- submit: Desk.submit of a new case, what the case form does after its checks (the baseline);
- mail new case: receive() of a fresh message (parse, classify, match, claim, store, acknowledge);
- mail reply: receive() of a reply to our acknowledgement, matched by its In-Reply-To;
- lmtp: the same new-case mail delivered over LMTP (`kb mail receive`'s server) with smtplib, one
  connection per message, as an MTA delivers;
- parse only: parse_mail of the same message, no database.

Prints a markdown table (phase, messages/s, ms per message, ratio to submit). SQLite always (a real file:
WAL, synchronous=FULL); PostgreSQL too with --postgres URL (the URL's user needs CREATEDB; the database is
made and dropped here).

    .venv/bin/python bench/mail_in.py [--messages 300] [--postgres URL]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import secrets
import smtplib
import socket
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import click
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.portal.config import MailSettings, PortalConfig  # noqa: E402
from generator.portal.db import connect  # noqa: E402
from generator.portal.desk import Desk, NewCase  # noqa: E402
from generator.portal.inbound import parse_mail, receive  # noqa: E402
from generator.portal.inbound.lmtp import start_lmtp  # noqa: E402
from generator.portal.migrate import upgrade  # noqa: E402

SUPPORT = "support@bench.example"


def message(n: int, **headers: str) -> bytes:
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = f"Customer {n} <customer{n}@example.com>"
    mail["To"] = headers.pop("To", SUPPORT)
    mail["Subject"] = headers.pop("Subject", f"The Gantt chart is empty ({n})")
    mail["Message-ID"] = f"<bench.{n}.{secrets.token_hex(6)}@example.com>"
    for name, value in headers.items():
        mail[name] = value
    mail.set_content("I imported a P6 file and the Gantt chart shows no bars.\n\nRegards,\nA customer\n" * 3)
    return mail.as_bytes()


def timed(count: int, step) -> float:
    start = time.perf_counter()
    for n in range(count):
        step(n)
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(database_url: str, folder: Path, count: int) -> list[tuple[str, float]]:
    engine = connect(database_url)
    upgrade(engine)
    config = PortalConfig(
        database_url=database_url,
        instance_dir=folder / "instance",
        secret_key=secrets.token_hex(16),
        mail=MailSettings(from_address=SUPPORT, acknowledgements_per_hour=10**6),
    )
    desk = Desk(engine, config)
    results = []
    results.append(
        (
            "submit (the case form's path)",
            timed(
                count,
                lambda n: desk.submit(
                    NewCase("Gantt chart is empty", "No bars.", "Web customer", f"web{n}@example.com", "major"),
                    secrets.token_hex(16),
                ),
            ),
        )
    )
    news = [message(count + n) for n in range(count)]
    results.append(("mail new case", timed(count, lambda n: receive(desk, news[n], "imap"))))
    acks = {}
    for path in sorted(config.outbox_dir.glob("*.eml")):
        ack = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        acks[str(ack["To"])] = ack
    replies = []
    for n in range(count):
        ack = acks[f"customer{count + n}@example.com"]
        replies.append(
            message(
                count + n,
                To=str(ack["Reply-To"]),
                Subject=f"Re: {ack['Subject']}",
                **{"In-Reply-To": ack["Message-ID"]},
            )
        )
    results.append(("mail reply", timed(count, lambda n: receive(desk, replies[n], "imap"))))
    port = free_port()
    server = start_lmtp(desk, "127.0.0.1", port)
    lmtps = [message(3 * count + n) for n in range(count)]

    def deliver(n: int) -> None:
        with smtplib.LMTP("127.0.0.1", port) as client:
            client.sendmail(f"customer{3 * count + n}@example.com", [SUPPORT], lmtps[n])

    try:
        results.append(("lmtp new case (one connection each)", timed(count, deliver)))
    finally:
        server.stop()
    results.append(("parse only", timed(count, lambda n: parse_mail(news[n]))))
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
    engine.dispose()
    assert stored == 3 * count, f"{stored} cases stored, expected {3 * count}"
    return results


def report(backend: str, count: int, results: list[tuple[str, float]]) -> None:
    baseline = results[0][1]
    click.echo(f"\n{backend}, {count} messages a phase\n")
    click.echo("| phase | messages/s | ms per message | time vs submit |")
    click.echo("|---|---:|---:|---:|")
    for name, seconds in results:
        click.echo(f"| {name} | {count / seconds:.0f} | {1000 * seconds / count:.2f} | {seconds / baseline:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--postgres", default=os.environ.get("KB_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    click.echo(f"load average: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="kb-bench-mail-") as tmp:
        folder = Path(tmp)
        report("SQLite", args.messages, run(f"sqlite:///{folder / 'portal.sqlite3'}", folder / "sqlite", args.messages))
        if args.postgres:
            admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
            name = f"kb_bench_mail_{secrets.token_hex(4)}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            try:
                url = sa.engine.make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
                report("PostgreSQL", args.messages, run(url, folder / "postgres", args.messages))
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()


if __name__ == "__main__":
    main()
