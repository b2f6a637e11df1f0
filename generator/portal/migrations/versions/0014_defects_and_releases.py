"""Fixes from case to release: a case's type, defects that cases share, and the product versions published
as released.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

`cases.case_type` is added in place (ALTER TABLE ADD COLUMN, also on SQLite): a rebuild of `cases` in
batch mode would drop 0013's indexes on expressions and its search triggers. The link from a case to its
defect is a table of its own for the same reason (a foreign key on `cases` needs the rebuild on SQLite).
Existing cases keep no type: nobody said what they were."""

import sqlalchemy as sa
from alembic import op

from generator.portal.db import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch:
        batch.add_column(sa.Column("case_type", sa.String(20)))
    op.create_table(
        "defects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("target_version", sa.String(40)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("shipped_in", sa.String(40)),
        sa.Column("shipped_at", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_defects_status_target_version", "defects", ["status", "target_version"])
    op.create_index("ux_defects_lower_reference", "defects", [sa.text("lower(reference)")], unique=True)
    op.create_table(
        "case_defects",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("defect_id", sa.Integer, sa.ForeignKey("defects.id"), nullable=False),
        sa.Column("linked_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_case_defects_defect_id", "case_defects", ["defect_id"])
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.String(40), nullable=False, unique=True),
        sa.Column("published_at", UtcDateTime, nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("notes_url", sa.String(500)),
    )


def downgrade() -> None:
    op.drop_table("releases")
    op.drop_index("ix_case_defects_defect_id", "case_defects")
    op.drop_table("case_defects")
    op.drop_index("ux_defects_lower_reference", "defects")
    op.drop_index("ix_defects_status_target_version", "defects")
    op.drop_table("defects")
    with op.batch_alter_table("cases", recreate="never") as batch:
        batch.drop_column("case_type")
