"""The servers the portal tests share: PostgreSQL (a migrated database per xdist worker, emptied before
each test), Redis (a key prefix per test) and IMAP (Dovecot: folders per test). Each fixture skips its tests
when its server is not named, and fails them when the matching KB_REQUIRE_* is 1 (CI); see conftest.py.

conftest.py imports the fixtures from here, so every portal test module sees them as before."""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from generator.portal.accounts import add_agent
from generator.portal.db import agents, connect, metadata, writing
from generator.portal.migrate import upgrade

from .portal_helpers import PASSWORD, STAFF

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def server_url(variable: str, example: str, require: str, name: str, to_run: str) -> str:
    """The server URL in the environment's `variable`; without it the test is skipped (saying `to_run`), or
    failed when `require` is 1, as in CI."""
    url = os.environ.get(variable)
    if url:
        return url
    reason = f"{variable} is not set (a server URL such as {example})"
    if os.environ.get(require) == "1":
        pytest.fail(f"{reason}; {require}=1 requires the {name} tests to run", pytrace=False)
    pytest.skip(f"{reason}; {to_run}")


def seed(database_url: str) -> None:
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
        self._names = (f"kbtest_{WORKER}_{os.getpid()}_{secrets.token_hex(3)}_{n}" for n in itertools.count())

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
    url = server_url(
        "KB_TEST_POSTGRES_URL",
        "postgresql+psycopg://kb:kb@127.0.0.1:5432/postgres",
        "KB_REQUIRE_POSTGRES",
        "PostgreSQL",
        "set it to run the PostgreSQL half of the portal tests",
    )
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
        seed(self.url)
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
    url = server_url(
        "KB_TEST_REDIS_URL",
        "redis://127.0.0.1:6379/0",
        "KB_REQUIRE_REDIS",
        "Redis",
        "set it to run the shared rate-limit tests",
    )
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

    prefix = f"kbtest-{WORKER}-{os.getpid()}-{secrets.token_hex(4)}"
    yield prefix
    server = redis.Redis.from_url(redis_url)
    for key in server.scan_iter(f"*{prefix}*"):
        server.delete(key)
    server.close()


# -- IMAP (mail in, issue 14) -----------------------------------------------------------------------------


class ImapMailbox:
    """Folders of this test's own on the test IMAP server (Dovecot in CI), deleted afterwards."""

    def __init__(self, url: str) -> None:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 143
        self.user, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        stem = f"kbtest-{WORKER}-{secrets.token_hex(4)}"
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
    url = server_url(
        "KB_TEST_IMAP_URL",
        "imap://support:secret@127.0.0.1:10143",
        "KB_REQUIRE_IMAP",
        "IMAP",
        "run .ci/start-dovecot and set it to run the IMAP tests",
    )
    mailbox = ImapMailbox(url)
    try:
        mailbox.connect().logout()
    except OSError as exc:
        pytest.fail(f"KB_TEST_IMAP_URL: cannot reach {mailbox.host}:{mailbox.port}: {exc}", pytrace=False)
    monkeypatch.setenv("KB_TEST_IMAP_PASSWORD", mailbox.password)
    yield mailbox
    mailbox.delete_folders()
