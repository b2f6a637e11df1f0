"""Search clicks: which result a reader opened from the search page or the suggestions, for the report.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from generator.portal.db import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_clicks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("page_id", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer),
        sa.Column("source", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("search_clicks")
