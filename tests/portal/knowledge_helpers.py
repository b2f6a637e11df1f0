"""Helpers of the knowledge loop's tests (test_knowledge_*.py): the sample clients, a case as the desk stores
it, a draft's input, rows of a table, and the line a `kb` error prints."""

from __future__ import annotations

import itertools

from sqlalchemy.engine import Row

from generator.portal.desk import Desk, NewCase
from generator.portal.knowledge import DraftInput

CLIENTS = {"acme": "Acme Corporation", "northwind": "Northwind Traders"}


class _Everyone:
    """The terminal's view of the desk: every level."""

    level, is_admin = 3, True


_keys = itertools.count()


def log(desk: Desk, **changes) -> Row:
    """A case, as the desk stores it (Zoe Customer, major, unless changed)."""
    values = {
        "subject": "Gantt chart is empty",
        "description": "The Gantt chart shows no bars after the import.",
        "customer_name": "Zoe Customer",
        "customer_email": "zoe@example.com",
        "severity": "major",
    }
    number = desk.submit(NewCase(**(values | changes)), f"{next(_keys):032x}").number
    return fresh(desk, number)


def fresh(desk: Desk, number: str) -> Row:
    return desk.case_for_agent(_Everyone(), number)


def draft_input(**changes: str) -> DraftInput:
    values = {
        "title": "Gantt chart shows no bars after a P6 import",
        "module": "scheduling",
        "issue": "After importing a P6 file the Gantt chart shows the activities but no bars.",
        "environment": "Sample Planner 1.0, Scheduling",
        "resolution": "Set the data date under Project > Settings and press F9.",
        "cause": "The import leaves the data date empty.",
    }
    return DraftInput(**(values | changes))


def rows(store, query) -> list[Row]:
    with store.engine.connect() as conn:
        return conn.execute(query).all()


def error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]
