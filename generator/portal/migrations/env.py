"""Alembic's entry point: migrations run on the connection `generator.portal.migrate` hands over."""

from alembic import context

from generator.portal.db import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
