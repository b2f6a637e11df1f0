"""Reading defects and releases: a case's defect, a defect's cases, the versions published so far."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..db import case_defects, cases, defects, releases


def defect_of(conn: Connection, case_id: int) -> Row | None:
    """The defect a case waits on, or None."""
    return conn.execute(
        sa.select(defects)
        .join(case_defects, case_defects.c.defect_id == defects.c.id)
        .where(case_defects.c.case_id == case_id)
    ).first()


def defect_by_id(conn: Connection, defect_id: int, lock: bool = False) -> Row | None:
    query = sa.select(defects).where(defects.c.id == defect_id)
    return conn.execute(query.with_for_update() if lock else query).first()


def defect_by_reference(conn: Connection, reference: str) -> Row | None:
    """The defect with this reference, in any case of letters (ENG-42 and eng-42 are one defect)."""
    return conn.execute(sa.select(defects).where(sa.func.lower(defects.c.reference) == reference.lower())).first()


def cases_of(conn: Connection, defect_id: int) -> list[Row]:
    """The cases linked to a defect, oldest first."""
    return conn.execute(
        sa.select(cases)
        .join(case_defects, case_defects.c.case_id == cases.c.id)
        .where(case_defects.c.defect_id == defect_id)
        .order_by(cases.c.id)
    ).all()


def all_defects(conn: Connection) -> list[Row]:
    """Every defect with its number of cases and of cases still waiting: open first, by target version."""
    counts = (
        sa.select(
            case_defects.c.defect_id,
            sa.func.count().label("cases"),
            sa.func.count().filter(cases.c.status != "resolved").label("waiting"),
        )
        .join(cases, cases.c.id == case_defects.c.case_id)
        .group_by(case_defects.c.defect_id)
        .subquery()
    )
    return conn.execute(
        sa.select(
            defects,
            sa.func.coalesce(counts.c.cases, 0).label("cases"),
            sa.func.coalesce(counts.c.waiting, 0).label("waiting"),
        )
        .outerjoin(counts, counts.c.defect_id == defects.c.id)
        .order_by(defects.c.status, defects.c.target_version, defects.c.reference)
    ).all()


def published(conn: Connection) -> dict[str, Row]:
    """The releases published so far, by version."""
    return {row.version: row for row in conn.execute(sa.select(releases).order_by(releases.c.published_at))}


def release_defects(conn: Connection, version: str) -> list[tuple[Row, list[Row]]]:
    """The defects of a release with their cases: shipped in `version`, or still open and planned for it."""
    rows = conn.execute(
        sa.select(defects)
        .where(
            sa.or_(
                sa.and_(defects.c.status == "shipped", defects.c.shipped_in == version),
                sa.and_(defects.c.status == "open", defects.c.target_version == version),
            )
        )
        .order_by(defects.c.id)
    ).all()
    return [(row, cases_of(conn, row.id)) for row in rows]
