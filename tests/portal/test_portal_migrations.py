"""The schema belongs to the Alembic migrations: `kb db upgrade` creates it and is a no-op after that, what
it creates is what the code declares, and the portal refuses to start on a database it has not migrated."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from generator.errors import KbError
from generator.portal.app import create_app
from generator.portal.config import PortalConfig
from generator.portal.db import QUEUE_INDEXES, cases, connect, metadata
from generator.portal.migrate import head, upgrade
from generator.portal.queue.search import is_search_table


def tables(engine: sa.Engine) -> set[str]:
    """The tables of the schema, but the full-text search's own (FTS5's virtual table and its shadow tables,
    PostgreSQL's tsvectors): the migration makes them in each database's own terms, the db package does
    not declare them."""
    return {name for name in sa.inspect(engine).get_table_names() if not is_search_table(name)}


def test_db_upgrade_creates_the_schema_then_has_nothing_to_do(run_kb, make_project, empty_database_url):
    root = make_project("basic")
    engine = connect(empty_database_url)
    try:
        assert tables(engine) == set()

        first = run_kb(root, "db", "upgrade", "--database-url", empty_database_url)
        assert first.exit_code == 0, first.output
        assert first.output.strip() == f"Schema {head()} (was empty)"
        assert tables(engine) == set(metadata.tables) | {"alembic_version"}
        with engine.begin() as conn:  # a case in between: an upgrade keeps every case
            conn.execute(
                sa.text(
                    "INSERT INTO cases (idempotency_key, link_salt, subject, description, customer_name, "
                    "customer_email, severity, status, level, created_at, updated_at, first_response_due) VALUES "
                    "('k', 's', 'kept', 'd', 'n', 'e@example.com', 'minor', 'new', 1, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )

        second = run_kb(root, "db", "upgrade", "--database-url", empty_database_url)
        assert second.exit_code == 0, second.output
        assert second.output.strip() == f"Schema {head()} (up to date)"
        with engine.connect() as conn:
            assert conn.execute(sa.select(cases.c.subject)).scalars().all() == ["kept"]
    finally:
        engine.dispose()


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_the_migrated_schema_is_the_schema_the_code_declares(empty_database_url):
    engine = connect(empty_database_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            # The queue's indexes are on expressions (migration 0013), which Alembic does not compare.
            ignored = lambda name, kind, _parent: is_search_table(name or "") or name in QUEUE_INDEXES  # noqa: E731
            context = MigrationContext.configure(conn, opts={"include_name": lambda *n: not ignored(*n)})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()

    assert differences == []


def test_the_portal_refuses_a_database_that_was_not_migrated(empty_database_url, tmp_path):
    config = PortalConfig(database_url=empty_database_url, instance_dir=tmp_path, secret_key="k", sweep_every_seconds=0)

    with pytest.raises(KbError) as refused:
        create_app(config)

    message = refused.value.format_message()
    assert "schema none" in message and head() in message
    assert "`kb db upgrade`" in message  # the command that exists, so the user can run it


def test_the_portal_refuses_a_database_from_a_newer_version(empty_database_url, tmp_path):
    engine = connect(empty_database_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    config = PortalConfig(database_url=empty_database_url, instance_dir=tmp_path, secret_key="k", sweep_every_seconds=0)

    with pytest.raises(KbError, match=f"at schema 9999, this version needs {head()}"):
        create_app(config)
