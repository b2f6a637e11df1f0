"""The report's figures on fixes (`kb report`, the console's report page): open defects by the version that
will carry their fix, cases per defect, and how long a case waited from being logged to its fix shipping
(median and 90th percentile, over cases whose defect shipped)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...versions import version_key
from ..db import case_defects, cases, defects, reading

NO_VERSION = "(no version yet)"


@dataclass(frozen=True)
class FixFigures:
    open_by_version: list[tuple[str, int, int]]  # version, open defects, cases waiting on them
    cases_per_defect: list[tuple[str, int]]  # defect reference, its cases; most first
    shipped_cases: int  # cases whose defect shipped, the waits below are over these
    median_wait: dt.timedelta | None
    p90_wait: dt.timedelta | None


def percentile(values: list[dt.timedelta], share: float) -> dt.timedelta | None:
    """The nearest-rank percentile (share 0.5: the median), None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def fix_figures(engine: Engine, since: dt.datetime | None = None, client: str | None = None) -> FixFigures:
    """The figures over cases created since `since` (all when None), of one client when `client`."""
    query = sa.select(
        defects.c.reference,
        defects.c.status,
        defects.c.target_version,
        defects.c.shipped_at,
        cases.c.status.label("case_status"),
        cases.c.created_at,
    ).select_from(defects.join(case_defects, case_defects.c.defect_id == defects.c.id).join(cases))
    if since is not None:
        query = query.where(cases.c.created_at >= since)
    if client is not None:
        query = query.where(cases.c.client == client)
    with reading(engine) as conn:
        rows = conn.execute(query).all()
    by_version: dict[str, tuple[set[str], int]] = {}
    per_defect: dict[str, int] = {}
    waits = []
    for row in rows:
        per_defect[row.reference] = per_defect.get(row.reference, 0) + 1
        if row.status == "open":
            version = row.target_version or NO_VERSION
            references, waiting = by_version.get(version, (set(), 0))
            references.add(row.reference)
            by_version[version] = (references, waiting + (row.case_status != "resolved"))
        elif row.shipped_at is not None:
            waits.append(max(row.shipped_at - row.created_at, dt.timedelta(0)))
    versions = sorted(by_version, key=lambda v: (v == NO_VERSION, version_key(v)))
    return FixFigures(
        [(version, len(by_version[version][0]), by_version[version][1]) for version in versions],
        sorted(per_defect.items(), key=lambda pair: (-pair[1], pair[0])),
        len(waits),
        percentile(waits, 0.5),
        percentile(waits, 0.9),
    )


def wait_words(wait: dt.timedelta | None) -> str:
    """3 days 4 hours; 5 hours; 'none yet'."""
    if wait is None:
        return "none yet"
    days, hours = wait.days, wait.seconds // 3600
    parts = [
        f"{days} day{'s' if days != 1 else ''}" if days else "",
        f"{hours} hour{'s' if hours != 1 else ''}" if hours else "",
    ]
    return " ".join(part for part in parts if part) or "under an hour"


def fix_lines(figures: FixFigures) -> list[str]:
    """The figures for the terminal."""
    lines = ["Fixes (defects shared by cases)", "  Open defects by target version (defects, cases waiting):"]
    lines += [f"    {version}: {count}, {waiting}" for version, count, waiting in figures.open_by_version] or [
        "    (none)"
    ]
    lines.append("  Cases per defect:")
    lines += [f"    {reference}: {count}" for reference, count in figures.cases_per_defect] or ["    (none)"]
    lines.append(
        f"  From case to shipped fix, over {figures.shipped_cases} case(s): median {wait_words(figures.median_wait)}, "
        f"90th percentile {wait_words(figures.p90_wait)}"
    )
    return lines
