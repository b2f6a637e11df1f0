"""The portal under test: served as `kb portal --workers W --threads T` serves it, in a child process, with the
benchmark's own settings and database (a PostgreSQL one made for the run and dropped after it)."""

from __future__ import annotations

import multiprocessing
import os
import secrets
from pathlib import Path

import click

from .profiling import profiled, save_profiles

REPO = Path(__file__).resolve().parents[2]


def serve(config, workers: int, threads: int, pipe, profile: str | None) -> None:
    """Run the portal as `kb portal` does (generator.portal.server: gunicorn, `workers` processes of `threads`
    threads) on a free loopback port; send the port back once it listens; stop on SIGTERM. With `profile`,
    each worker saves its profile to PROFILE.<pid> as it exits."""
    from generator.portal.server import PortalServer

    hooks = {"when_ready": lambda arbiter: pipe.send(arbiter.LISTENERS[0].sock.getsockname()[1])}
    wrap = None
    if profile:
        profiles: list = []
        wrap = lambda app: profiled(app, profiles)  # noqa: E731
        hooks["worker_exit"] = lambda _arbiter, _worker: save_profiles(profiles, f"{profile}.{os.getpid()}")
    PortalServer(config, host="127.0.0.1", port=0, workers=workers, threads=threads, wrap=wrap, hooks=hooks).run()


class Server:
    """The portal as `kb portal --workers W --threads T` serves it, in a child process."""

    def __init__(self, config, threads: int, workers: int = 1, profile: Path | None = None):
        spawn = multiprocessing.get_context("spawn")  # a clean process, as `kb portal` would be
        receive, send = spawn.Pipe(duplex=False)
        profile_path = str(profile) if profile else None
        self.process = spawn.Process(target=serve, args=(config, workers, threads, send, profile_path))
        self.process.start()
        if not receive.poll(120):
            self.stop()
            raise click.ClickException("the portal did not start within 120 s")
        self.port = receive.recv()

    def cpu_seconds(self) -> float:
        """CPU time of gunicorn's arbiter and its workers."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids += [int(pid) for pid in children.read_text().split()]
        total = 0.0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        return total

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()  # gunicorn stops its workers gracefully on SIGTERM
        self.process.join(60)


def prepare(database_url: str, instance: Path):
    """The settings the benchmark serves the sample project with (rate limits off, no background sweep, mail to
    the outbox in `instance`), and an engine on `database_url` with the schema migrated."""
    from generator.portal.config import MailSettings, load_portal_config
    from generator.portal.db import connect
    from generator.portal.migrate import upgrade

    config = load_portal_config(
        REPO,
        database_url,
        instance_dir=instance,
        site_dir=None,
        index_dir=None,
        sweep_every_seconds=0,
        rate_limits_enabled=False,
        mail=MailSettings(),  # no SMTP: mail goes to the outbox in the temporary folder
        base_url="http://127.0.0.1",
        mail_in_background=True,  # as `kb portal` runs: requests queue mail, a thread sends it
    )
    engine = connect(database_url)
    upgrade(engine)
    return config, engine


class PostgresDatabase:
    """A database of the benchmark's own on the server at `url`: created on entry, dropped on exit."""

    def __init__(self, url: str):
        import sqlalchemy as sa

        self.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.name = f"kb_bench_{os.getpid()}_{secrets.token_hex(4)}"
        self.url = sa.engine.make_url(url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *exc) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()
