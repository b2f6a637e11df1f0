"""Customers who sign in by mail, their one-time links, a case's contacts and the customers' satisfaction.

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-07

Nothing existing changes: a case's customer_email stays its first contact, private case links keep working."""

import sqlalchemy as sa
from alembic import op

from generator.portal.db import UtcDateTime

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(200)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_signed_in_at", UtcDateTime),
    )
    op.create_table(
        "sign_in_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime),
        sa.Column("code_attempts", sa.Integer, nullable=False),
    )
    op.create_index("ix_sign_in_links_expires_at", "sign_in_links", ["expires_at"])
    op.create_table(
        "case_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("added_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("case_id", "email", name="uq_case_contacts_case_email"),
    )
    op.create_index("ix_case_contacts_case_id", "case_contacts", ["case_id"])
    # My cases looks a customer up by address in any case of letters: lower() indexes for both ways in.
    op.create_index("ix_case_contacts_lower_email", "case_contacts", [sa.text("lower(email)")])
    op.create_index("ix_cases_lower_customer_email", "cases", [sa.text("lower(customer_email)")])
    op.create_table(
        "csat",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("solved", sa.Boolean, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("answered_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_csat_score"),
    )


def downgrade() -> None:
    op.drop_table("csat")
    op.drop_index("ix_cases_lower_customer_email", "cases")
    op.drop_index("ix_case_contacts_lower_email", "case_contacts")
    op.drop_index("ix_case_contacts_case_id", "case_contacts")
    op.drop_table("case_contacts")
    op.drop_index("ix_sign_in_links_expires_at", "sign_in_links")
    op.drop_table("sign_in_links")
    op.drop_table("customers")
