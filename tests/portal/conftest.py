"""Fixtures for the case portal: a migrated database on SQLite and on PostgreSQL (every test that touches
the database runs on both), the app with CSRF on, browser-like visitors, a settable clock, a real SMTP sink
and a real WSGI server; the knowledge loop, and the sample project to run `kb` on.

The servers (PostgreSQL, Redis, IMAP) are set up in server_fixtures.py and imported here. Redis (rate limits
shared between workers) comes from KB_TEST_REDIS_URL, such as redis://127.0.0.1:6379/0, skipped without it
unless KB_REQUIRE_REDIS=1, like PostgreSQL.

PostgreSQL comes from KB_TEST_POSTGRES_URL, a server URL whose role may CREATE DATABASE, such as
postgresql+psycopg://kb:kb@127.0.0.1:5432/postgres. Each xdist worker creates and migrates its own database
(named after the worker and the process) once, puts the support team in it, and empties it again before
every test; tests that need a database without a schema get a new one, dropped afterwards. Without the
variable the PostgreSQL half is skipped, unless KB_REQUIRE_POSTGRES=1 (as in CI): then it fails and says
what is missing. SQLite: a file migrated once per worker, copied for each test."""

from __future__ import annotations

import datetime as dt
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
from generator.portal.app import create_app
from generator.portal.config import MailSettings, PortalConfig, WorkingHours
from generator.portal.db import connect
from generator.portal.desk import Desk
from generator.portal.knowledge import Knowledge

from .knowledge_helpers import CLIENTS
from .portal_helpers import (
    GENEROUS_LIMITS,
    MONDAY_10AM,
    Clock,
    SmtpSink,
    Store,
    Visitor,
    outbox_messages,
    serving,
)
from .server_fixtures import (  # noqa: F401 - fixtures, found here by pytest
    PostgresDatabase,
    PostgresServer,
    imap_mailbox,
    postgres_database,
    postgres_server,
    redis_prefix,
    redis_url,
    seed,
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


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


# -- SQLite ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "portal.sqlite3"
    seed(f"sqlite:///{path}")  # closing the last connection checkpoints the WAL into the file
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
