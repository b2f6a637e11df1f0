"""Schema changes through Alembic, so that an upgrade keeps every case."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from ..errors import KbError

_SCRIPTS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to the newest schema, or to `revision` (creating it when empty). On PostgreSQL an
    advisory lock makes several workers starting at once take turns; on SQLite the write lock does."""
    config = _config()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # A migration that rebuilds a table on SQLite (Alembic's batch mode: copy, drop, rename) must run with
            # foreign keys off, as SQLite's own ALTER TABLE procedure says: with them on, dropping `cases` while
            # events point at it fails. The pragma does nothing inside a transaction, so it is set before one
            # begins, on the driver's connection; the keys are checked before the commit and switched on after.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise KbError("the schema upgrade would leave rows pointing at missing rows; nothing was changed")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def require_current(engine: Engine) -> None:
    """Refuse to serve on a database whose schema is older (or newer) than this code."""
    found, wanted = current(engine), head()
    if found != wanted:
        raise KbError(
            f"the case database is at schema {found or 'none'}, this version needs {wanted}; "
            "run `kb db upgrade` (it keeps every case)"  # the command cli.py has (it once said `kb portal migrate`)
        )
