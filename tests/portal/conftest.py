"""Fixtures for the case portal: a migrated database on SQLite and on PostgreSQL (every test that touches
the database runs on both), the app with CSRF on, browser-like visitors, a settable clock, a real SMTP sink
and a real WSGI server; the knowledge loop, and the sample project to run `kb` on.

Redis (rate limits shared between workers) comes from KB_TEST_REDIS_URL, such as redis://127.0.0.1:6379/0,
skipped without it unless KB_REQUIRE_REDIS=1, like PostgreSQL.

PostgreSQL comes from KB_TEST_POSTGRES_URL, a server URL whose role may CREATE DATABASE, such as
postgresql+psycopg://kb:kb@127.0.0.1:5432/postgres. Each xdist worker creates and migrates its own database
(named after the worker and the process) once, puts the support team in it, and empties it again before
every test; tests that need a database without a schema get a new one, dropped afterwards. Without the
variable the PostgreSQL half is skipped, unless KB_REQUIRE_POSTGRES=1 (as in CI): then it fails and says
what is missing. SQLite: a file migrated once per worker, copied for each test."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask

from generator.build import index_beside
from generator.portal import accounts
from generator.portal.accounts import add_agent
from generator.portal.app import create_app
from generator.portal.config import MailSettings, PortalConfig, WorkingHours
from generator.portal.db import agents, connect, metadata, writing
from generator.portal.desk import Desk
from generator.portal.knowledge import Knowledge
from generator.portal.migrate import upgrade

from .knowledge_helpers import CLIENTS
from .portal_helpers import (
    GENEROUS_LIMITS,
    MONDAY_10AM,
    PASSWORD,
    STAFF,
    Clock,
    SmtpSink,
    Store,
    Visitor,
    outbox_messages,
    serving,
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


# Argon2 at the portal's own cost (64 MiB, 3 passes, 4 lanes) takes most of a second per sign-in on a
# small CI machine, and each xdist worker would spend it dozens of times. The tests hash with the same
# algorithm and code at the lowest cost instead; test_portal_cli checks the real cost once.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_HASHER", FAST_HASHER)
        patch.setattr(accounts, "_DUMMY_HASH", FAST_HASHER.hash("not a password anyone has"))
        yield


def _seed(database_url: str) -> None:
    """Migrate, then add the support team (STAFF) with PASSWORD."""
    engine = connect(database_url)
    try:
        upgrade(engine)
        for username, (level, name, address, _active) in STAFF.items():
            add_agent(engine, username, name, address, level, False, PASSWORD)
        gone = [username for username, (*_, active) in STAFF.items() if not active]
        with writing(engine) as conn:
            conn.execute(agents.update().where(agents.c.username.in_(gone)).values(active=False))
    finally:
        engine.dispose()


# -- PostgreSQL -----------------------------------------------------------------------------------------


class PostgresServer:
    """Makes and drops databases on the test server; names are unique per worker and process."""

    def __init__(self, url: str) -> None:
        self.url = sa.engine.make_url(url)
        self.admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self._names = (f"kbtest_{_WORKER}_{os.getpid()}_{secrets.token_hex(3)}_{n}" for n in itertools.count())

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self) -> str:
        name = next(self._names)
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return name

    def drop(self, name: str) -> None:
        # FORCE: a connection a test left open (a pool not disposed, a thread) must not keep the database.
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    url = os.environ.get("KB_TEST_POSTGRES_URL")
    if not url:
        reason = (
            "KB_TEST_POSTGRES_URL is not set (a server URL such as postgresql+psycopg://kb:kb@127.0.0.1:5432/postgres)"
        )
        if os.environ.get("KB_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}; KB_REQUIRE_POSTGRES=1 requires the PostgreSQL tests to run", pytrace=False)
        pytest.skip(f"{reason}; set it to run the PostgreSQL half of the portal tests")
    server = PostgresServer(url)
    try:
        with server.admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        pytest.fail(f"KB_TEST_POSTGRES_URL: cannot connect to {server.url!r}: {exc}", pytrace=False)
    yield server
    server.admin.dispose()


class PostgresDatabase:
    """This worker's migrated database, emptied before each test: TRUNCATE every table (RESTART IDENTITY, so
    case numbers start at CASE-000001 again), then the support team put back with the same ids. An order
    of magnitude faster than CREATE DATABASE ... TEMPLATE and DROP DATABASE for each test."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.name = server.create()
        self.url = server.url_of(self.name)
        _seed(self.url)
        self.engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        with self.engine.connect() as conn:
            self.staff = [dict(row._mapping) for row in conn.execute(sa.select(agents).order_by(agents.c.id))]

    def reset(self) -> None:
        tables = ", ".join(f'"{name}"' for name in metadata.tables)
        with self.engine.begin() as conn:
            # A connection the last test left behind (a thread, a pool not disposed) would hold TRUNCATE up.
            # Only our own role's sessions: an autovacuum worker shows up here too, runs as the superuser,
            # and a role that is not one may not terminate it (nor needs to: it yields to TRUNCATE).
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND usename = current_user AND backend_type = 'client backend'"
            )
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            conn.execute(agents.insert(), [{k: v for k, v in row.items() if k != "id"} for row in self.staff])
            restored = conn.execute(sa.select(agents.c.id).order_by(agents.c.id)).scalars().all()
        assert restored == [row["id"] for row in self.staff]

    def close(self) -> None:
        self.engine.dispose()
        self.server.drop(self.name)


@pytest.fixture(scope="session")
def postgres_database(postgres_server: PostgresServer) -> Iterator[PostgresDatabase]:
    database = PostgresDatabase(postgres_server)
    yield database
    database.close()


# -- Redis (shared rate limits) -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    """KB_TEST_REDIS_URL (redis://127.0.0.1:6379/0); skipped without it, failed with KB_REQUIRE_REDIS=1 (CI)."""
    url = os.environ.get("KB_TEST_REDIS_URL")
    if not url:
        reason = "KB_TEST_REDIS_URL is not set (a server URL such as redis://127.0.0.1:6379/0)"
        if os.environ.get("KB_REQUIRE_REDIS") == "1":
            pytest.fail(f"{reason}; KB_REQUIRE_REDIS=1 requires the Redis tests to run", pytrace=False)
        pytest.skip(f"{reason}; set it to run the shared rate-limit tests")
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        pytest.fail(f"KB_TEST_REDIS_URL: cannot reach {url!r}: {exc}", pytrace=False)
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own, its keys deleted afterwards: tests sharing one Redis never collide."""
    import redis

    prefix = f"kbtest-{_WORKER}-{os.getpid()}-{secrets.token_hex(4)}"
    yield prefix
    server = redis.Redis.from_url(redis_url)
    for key in server.scan_iter(f"*{prefix}*"):
        server.delete(key)
    server.close()


# -- SQLite ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "portal.sqlite3"
    _seed(f"sqlite:///{path}")  # closing the last connection checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return path


# -- the database every test gets ---------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database holding the support team (STAFF) and nothing else."""
    if request.param == "sqlite":
        path = tmp_path / "portal.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    database.reset()
    yield database.url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even the schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create()
    try:
        yield server.url_of(name)
    finally:
        server.drop(name)


@pytest.fixture
def make_engine(database_url: str) -> Iterator[Callable[[], sa.Engine]]:
    """Engines on the test database, each like a separate process's, disposed after the test."""
    made: list[sa.Engine] = []

    def make() -> sa.Engine:
        made.append(connect(database_url))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


@pytest.fixture
def engine(make_engine) -> sa.Engine:
    return make_engine()


@pytest.fixture
def store(engine: sa.Engine) -> Store:
    return Store(engine)


@pytest.fixture
def staff(store: Store) -> dict:
    """username -> agents row."""
    return store.staff()


# -- the portal -----------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10AM)


@pytest.fixture
def portal_config(database_url: str, tmp_path: Path) -> PortalConfig:
    """A support desk in New York: 08:00-18:00 on weekdays, Thanksgiving (26 November 2026) off."""
    return PortalConfig(
        database_url=database_url,
        product_name="Sample Planner",
        modules={"scheduling": "Scheduling", "budgets": "Budgets"},
        instance_dir=tmp_path / "instance",
        secret_key=f"portal-tests-{secrets.token_hex(16)}",
        timezone="America/New_York",
        working_hours=WorkingHours(dt.time(8), dt.time(18)),
        holidays=(dt.date(2026, 11, 26),),
        rate_limits=dict(GENEROUS_LIMITS),
        sweep_every_seconds=0,  # the tests run the sweep themselves
        base_url="http://portal.test",
    )


@pytest.fixture
def desk(portal_config: PortalConfig, engine: sa.Engine, clock: Clock) -> Desk:
    """The support desk on the test database, its time the `clock`."""
    return Desk(engine, portal_config, now=clock)


@pytest.fixture
def knowledge(portal_config: PortalConfig, engine: sa.Engine, clock: Clock) -> Knowledge:
    """The knowledge loop (drafts, links, flags) on the test database, with the sample clients."""
    return Knowledge(engine, portal_config.with_(clients=CLIENTS), now=clock)


@pytest.fixture
def project(make_project) -> Path:
    """A copy of tests/roots/basic to run `kb` on."""
    return make_project("basic")


@pytest.fixture
def make_app(portal_config: PortalConfig) -> Iterator[Callable[..., Flask]]:
    """make_app(**changes) -> create_app(portal_config with the changes); CSRF stays on."""
    apps: list[Flask] = []

    def make(**changes) -> Flask:
        app = create_app(portal_config.with_(**changes))
        assert app.config.get("WTF_CSRF_ENABLED", True) and not app.testing, "CSRF must stay on in these tests"
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["kb_portal"].desk.engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def visitor(app: Flask) -> Visitor:
    """A browser with its own cookies on `app`."""
    return Visitor(app.test_client())


@pytest.fixture
def new_visitor(app: Flask) -> Callable[[], Visitor]:
    """Another browser, with no cookies yet."""
    return lambda: Visitor(app.test_client())


@pytest.fixture
def outbox(portal_config: PortalConfig) -> Callable[[], list]:
    """outbox() -> the mail written to the instance's outbox folder so far."""
    return lambda: outbox_messages(portal_config.outbox_dir)


@pytest.fixture(scope="session")
def built_site(built_basic) -> tuple[Path, Path]:
    """(site folder, its search index) of tests/roots/basic's public help centre, built once per worker."""
    out = built_basic("site")
    return out, index_beside(out)


@pytest.fixture
def site_app(make_app, built_site) -> Flask:
    """The portal serving the built help centre at / and searching its index."""
    site_dir, index_dir = built_site
    return make_app(site_dir=site_dir, index_dir=index_dir)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, keeping what it receives."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mailing_app(make_app, smtp_sink: SmtpSink) -> Flask:
    """The portal sending its mail to the `smtp_sink` (sign-in links are read from there)."""
    return make_app(mail=MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_sink.port))


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """`app` behind a real threaded WSGI server on a free port: 'http://127.0.0.1:PORT'."""
    with serving(app) as url:
        yield url


# -- IMAP (mail in, issue 14) -----------------------------------------------------------------------------


class ImapMailbox:
    """Folders of this test's own on the test IMAP server (Dovecot in CI), deleted afterwards."""

    def __init__(self, url: str) -> None:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 143
        self.user, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        stem = f"kbtest-{_WORKER}-{secrets.token_hex(4)}"
        self.folder, self.done, self.rejected = stem, f"{stem}-done", f"{stem}-rejected"

    def connect(self):
        import imaplib

        imap = imaplib.IMAP4(self.host, self.port, timeout=30)
        imap.login(self.user, self.password)
        return imap

    def settings(self):
        from generator.portal.config import ImapSettings

        return ImapSettings(
            host=self.host,
            port=self.port,
            tls="none",
            user=self.user,
            password_env="KB_TEST_IMAP_PASSWORD",
            folder=self.folder,
            done_folder=self.done,
            rejected_folder=self.rejected,
        )

    def append(self, *messages: bytes) -> None:
        imap = self.connect()
        try:
            imap.create(f'"{self.folder}"')
            for raw in messages:
                assert imap.append(f'"{self.folder}"', None, None, raw)[0] == "OK"
        finally:
            imap.logout()

    def count(self, folder: str) -> int:
        imap = self.connect()
        try:
            typ, data = imap.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return 0
            return len(imap.search(None, "UNDELETED")[1][0].split())
        finally:
            imap.logout()

    def delete_folders(self) -> None:
        imap = self.connect()
        try:
            for folder in (self.folder, self.done, self.rejected):
                imap.delete(f'"{folder}"')
        finally:
            imap.logout()


@pytest.fixture
def imap_mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[ImapMailbox]:
    """Folders on KB_TEST_IMAP_URL (imap://USER:PASSWORD@HOST:PORT); skipped without it unless
    KB_REQUIRE_IMAP=1 (CI: .ci/start-dovecot), like PostgreSQL. The password is in KB_TEST_IMAP_PASSWORD."""
    url = os.environ.get("KB_TEST_IMAP_URL")
    if not url:
        reason = "KB_TEST_IMAP_URL is not set (a server URL such as imap://support:secret@127.0.0.1:10143)"
        if os.environ.get("KB_REQUIRE_IMAP") == "1":
            pytest.fail(f"{reason}; KB_REQUIRE_IMAP=1 requires the IMAP tests to run", pytrace=False)
        pytest.skip(f"{reason}; run .ci/start-dovecot and set it to run the IMAP tests")
    mailbox = ImapMailbox(url)
    try:
        mailbox.connect().logout()
    except OSError as exc:
        pytest.fail(f"KB_TEST_IMAP_URL: cannot reach {mailbox.host}:{mailbox.port}: {exc}", pytrace=False)
    monkeypatch.setenv("KB_TEST_IMAP_PASSWORD", mailbox.password)
    yield mailbox
    mailbox.delete_folders()


# -- clients' own help centres (issue 15) ---------------------------------------------------------------


@pytest.fixture(scope="session")
def client_builds(tmp_path_factory: pytest.TempPathFactory):
    """tests/roots/clients with each client's site built for real (build/client-<slug> and its index beside
    it), once per worker: (project root, the catalog's client profiles)."""
    from conftest import copy_root

    from generator.build import build_target
    from generator.catalog import load_catalog
    from generator.model import client_target

    root = copy_root("clients", tmp_path_factory.mktemp("client-centres") / "project")
    catalog = load_catalog(root)
    for profile in catalog.clients.values():
        build_target(root, client_target(profile), root / "build" / f"client-{profile.slug}")
    return root, catalog.clients


@pytest.fixture
def centre_app(make_app, client_builds, smtp_sink: SmtpSink) -> Flask:
    """The portal serving every client's own help centre at /c/<slug>/ (and no public site), its mail (sign-in
    links) going to the `smtp_sink`."""
    root, profiles = client_builds
    return make_app(
        mail=MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_sink.port),
        modules={"scheduling": "Scheduling", "budgets": "Budgets", "documents": "Documents"},
        clients={slug: profile.name for slug, profile in profiles.items()},
        client_profiles=profiles,
        client_builds_dir=root / "build",
    )
