"""Benchmark: publishing a release that resolves many waiting cases, as `kb release publish` does.

--cases cases (500 by default) are logged through the desk, each given the type bug and the one defect
ENG-1 whose fix is planned for 2026.4 (the customer told, as the console does); then publish_release ships
it: every case resolved in its own transaction, its customer mailed (written to the outbox of a temporary
instance folder, as `kb release publish` sends without an SMTP server). The baseline, in the same run
on the same database: as many other cases resolved one by one by an agent (Desk.resolve, the same
resolution mail). Printed: wall-clock and CPU seconds of each, cases per second, the ratio publish /
baseline per case, the mail written, and a second publish (nothing to do). The target: publishing costs
at most twice the agent's own resolution per case, and the second run changes nothing.

SQLite is a real file (WAL, synchronous=FULL, BEGIN IMMEDIATE); PostgreSQL too when --postgres URL or env
KB_BENCH_POSTGRES_URL names a server whose user may CREATE DATABASE (a database of its own, dropped after).
Figures from a busy machine are worth little: the load average is printed first.

    .venv/bin/python bench/releases.py [--cases 500] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from generator.portal.accounts import add_agent
from generator.portal.config import PortalConfig
from generator.portal.db import agents, connect, reading
from generator.portal.defects import Defects, publish_release
from generator.portal.desk import Desk, NewCase
from generator.portal.migrate import upgrade
from generator.versions import ProductVersion, VersionStatus

VERSIONS = (ProductVersion("2026.4", VersionStatus.PLANNED), ProductVersion("2026.3", VersionStatus.CURRENT))


def run(database_url: str, instance: Path, count: int) -> dict:
    engine = connect(database_url)
    upgrade(engine)
    add_agent(engine, "lead", "Lead Engineer", "lead@example.com", 3, True, "a password long enough")
    with reading(engine) as conn:
        lead = conn.execute(sa.select(agents).where(agents.c.username == "lead")).one()
    config = PortalConfig(
        database_url=database_url,
        product_name="Sample Planner",
        instance_dir=instance,
        secret_key=secrets.token_hex(16),
        sweep_every_seconds=0,
        product_versions=VERSIONS,
        rate_limits_enabled=False,
    )
    desk = Desk(engine, config)
    defects = Defects(desk)
    others = []
    for index in range(2 * count):
        number = desk.submit(
            NewCase(f"Bars vanish {index}", "Broken.", "Zoe Customer", f"zoe{index}@example.com", "major"),
            uuid.uuid4().hex,
        ).number
        row = desk.case_for_agent(lead, number)
        if index % 2:
            others.append(number)
            continue
        defects.classify(lead, row, "bug", "ENG-1", "Imported schedules keep their bars.", "2026.4")
    base_wall = time.perf_counter()
    for number in others:
        desk.resolve(lead, desk.case_for_agent(lead, number), "Fixed in 2026.4.")
    base_wall = time.perf_counter() - base_wall
    mail_before = len(list(config.outbox_dir.glob("*.eml")))
    wall, cpu = time.perf_counter(), time.process_time()
    published = publish_release(defects, "2026.4", "bench")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    again_wall = time.perf_counter()
    again = publish_release(defects, "2026.4", "bench")
    again_wall = time.perf_counter() - again_wall
    engine.dispose()
    return {
        "resolved": len(published.resolved),
        "wall": wall,
        "cpu": cpu,
        "mail": len(list(config.outbox_dir.glob("*.eml"))) - mail_before,
        "again": again.already and not again.resolved,
        "again_wall": again_wall,
        "base_wall": base_wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("KB_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # noqa: T201
    print(  # noqa: T201
        "| backend | cases | publish s (wall) | CPU s | cases/s | agent resolving, cases/s | ratio per case | mail "
        "| second run |"
    )
    print("|---|---|---|---|---|---|---|---|---|")  # noqa: T201
    with tempfile.TemporaryDirectory() as folder:
        backends = [("SQLite", f"sqlite:///{folder}/bench.sqlite3", None)]
        if args.postgres:
            name = f"kbbench_releases_{secrets.token_hex(3)}"
            admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            url = sa.engine.make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            backends.append(("PostgreSQL", url, (admin, name)))
        for label, url, cleanup in backends:
            try:
                figures = run(url, Path(folder) / label, args.cases)
            finally:
                if cleanup:
                    admin, name = cleanup
                    with admin.connect() as conn:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    admin.dispose()
            rate = figures["resolved"] / figures["wall"] if figures["wall"] else 0.0
            base = args.cases / figures["base_wall"] if figures["base_wall"] else 0.0
            again = f"nothing changed ({figures['again_wall'] * 1000:.0f} ms)" if figures["again"] else "CHANGED"
            print(  # noqa: T201
                f"| {label} | {figures['resolved']} | {figures['wall']:.2f} | {figures['cpu']:.2f} | {rate:.0f} | "
                f"{base:.0f} | {base / rate if rate else 0:.2f} | {figures['mail']} | {again} |"
            )


if __name__ == "__main__":
    main()
