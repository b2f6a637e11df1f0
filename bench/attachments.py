"""Benchmark: what attachments cost a new case, against the same desk storing cases without files.

In one process, on a real SQLite file (WAL, synchronous=FULL, as deployed) in a temporary folder, and on
PostgreSQL when --postgres URL or env KB_BENCH_POSTGRES_URL gives a server (a database of its own, created
and dropped): `Desk.submit` --cases times in a row for each phase, mail written to the outbox as without an
SMTP server:

- plain: cases without files, the baseline;
- 1 x SIZE: each case with one file of --size KB (written, fsynced and renamed into the attachments folder,
  its row in the case's transaction);
- N x SIZE: each case with --files files of --size KB.

Prints a markdown table (backend, phase, cases/s, ms per case, ratio vs plain) and checks that every file
is in the folder under its row's name. Figures from a busy machine are not worth much: the load average is
printed first.

    .venv/bin/python bench/attachments.py [--cases 200] [--size 200] [--files 5] [--postgres URL]
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import click
import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.portal.attachments import IncomingFile  # noqa: E402
from generator.portal.attachments.storage import path_of  # noqa: E402
from generator.portal.config import PortalConfig  # noqa: E402
from generator.portal.db import attachments, connect  # noqa: E402
from generator.portal.desk import Desk, NewCase  # noqa: E402
from generator.portal.migrate import upgrade  # noqa: E402

CASE = NewCase("Gantt chart is empty", "Imported a P6 file; no bars.", "Zoe", "zoe@example.com", "major")


def run_phase(desk: Desk, cases: int, files: list[IncomingFile]) -> float:
    """Seconds for `cases` submissions with `files` each."""
    start = time.perf_counter()
    for _ in range(cases):
        desk.submit(CASE, secrets.token_hex(16), files)
    return time.perf_counter() - start


def bench_backend(name: str, url: str, folder: Path, cases: int, size_kb: int, count: int) -> list[tuple]:
    engine = connect(url)
    upgrade(engine)
    config = PortalConfig(database_url=url, instance_dir=folder / "instance", secret_key="bench", sweep_every_seconds=0)
    desk = Desk(engine, config)
    one = IncomingFile("screenshot.png", "image/png", os.urandom(size_kb * 1024))
    phases = {"plain": [], f"1 x {size_kb} KB": [one], f"{count} x {size_kb} KB": [one] * count}
    run_phase(desk, 10, [])  # warm-up: connections, statements
    rows = []
    baseline = None
    for phase, files in phases.items():
        seconds = run_phase(desk, cases, files)
        rate = cases / seconds
        baseline = baseline or rate
        rows.append((name, phase, f"{rate:.0f}", f"{1000 * seconds / cases:.2f}", f"{rate / baseline:.2f}"))
    with engine.connect() as conn:
        names = conn.execute(sa.select(attachments.c.storage_name)).scalars().all()
    missing = [n for n in names if not path_of(config.attachments_dir, n).is_file()]
    assert not missing, f"{len(missing)} files without their bytes"
    engine.dispose()
    return rows


@click.command()
@click.option("--cases", default=200, show_default=True, help="Cases per phase.")
@click.option("--size", "size_kb", default=200, show_default=True, help="KB per file.")
@click.option("--files", "count", default=5, show_default=True, help="Files per case in the last phase.")
@click.option("--postgres", envvar="KB_BENCH_POSTGRES_URL", help="A PostgreSQL server URL (user with CREATEDB).")
def main(cases: int, size_kb: int, count: int, postgres: str | None) -> None:
    click.echo(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-attachments-") as tmp:
        folder = Path(tmp)
        rows += bench_backend("sqlite", f"sqlite:///{folder / 'portal.sqlite3'}", folder, cases, size_kb, count)
        if postgres:
            admin = sa.create_engine(postgres, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
            database = f"kb_bench_attachments_{secrets.token_hex(4)}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
            try:
                url = sa.engine.make_url(postgres).set(database=database).render_as_string(hide_password=False)
                rows += bench_backend("postgresql", url, folder / "pg", cases, size_kb, count)
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                admin.dispose()
    click.echo("\n| backend | phase | cases/s | ms per case | ratio vs plain |")
    click.echo("| --- | --- | ---: | ---: | ---: |")
    for row in rows:
        click.echo("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
