"""Fixes from case to release: defects, which case waits on which, and the released versions."""

from __future__ import annotations

import sqlalchemy as sa

from .metadata import UtcDateTime, metadata

# Fixes from case to release (migration 0014, generator/portal/defects/). A defect is the fault or
# enhancement several cases share, named by a reference of the team's choosing (the engineering tracker's
# key); `summary` is what customers may read (the release notes quote it), `target_version` the product
# version that will carry the fix (product.yml's versions), `shipped_in` the one that did.
defects = sa.Table(
    "defects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(100), nullable=False),
    sa.Column("summary", sa.Text, nullable=False, default=""),
    sa.Column("target_version", sa.String(40)),
    sa.Column("status", sa.String(10), nullable=False),  # open, shipped
    sa.Column("shipped_in", sa.String(40)),
    sa.Column("shipped_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_defects_status_target_version", "status", "target_version"),
)
# One defect per reference in any case of letters: ENG-42 and eng-42 are the same tracker's key.
sa.Index("ux_defects_lower_reference", sa.func.lower(defects.c.reference), unique=True)

# A case waits on at most one defect (0014); a defect has any number of cases.
case_defects = sa.Table(
    "case_defects",
    metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("defect_id", sa.Integer, sa.ForeignKey("defects.id"), nullable=False, index=True),
    sa.Column("linked_at", UtcDateTime, nullable=False),
)

# A product version published as released (0014): once per version, whoever publishes it (the console's
# admin, `kb release publish`), with the address of its release notes.
releases = sa.Table(
    "releases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.String(40), nullable=False, unique=True),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("published_by", sa.String(200), nullable=False),
    sa.Column("notes_url", sa.String(500)),
)
