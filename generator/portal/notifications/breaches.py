"""The sweep's warning: a clock of an assigned case runs out within the hour. Once per agent, case, clock
and deadline (a clock that restarts and nears its end again warns again); any number of sweeps at once
raise it once (store.notify's dedupe key)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..db import agents, cases, notifications, reading, writing
from .store import Message, notify

WARN_BEFORE = dt.timedelta(hours=1)
OPEN = ("new", "open")  # the clocks run (the desk's model.OPEN; not imported: the desk imports this package)
CLOCKS = {
    "first_response": "first response",
    "next_update": "customer update",
    "resolution": "Level 1 resolution",
}


def _due_soon(now: dt.datetime):
    """One grouped query per clock: (case columns, the clock's name, its deadline) of every assigned running
    case whose clock ends in the next hour. Each is a range on one column, not a loop over cases."""
    end = now + WARN_BEFORE
    running = [cases.c.status.in_(OPEN), cases.c.assignee_id.is_not(None)]
    columns = (cases.c.id, cases.c.number, cases.c.subject, cases.c.assignee_id)
    per_clock = {
        "first_response": (cases.c.first_response_due, [cases.c.first_responded_at.is_(None)]),
        "next_update": (cases.c.next_update_due, []),
        "resolution": (cases.c.resolution_due, [cases.c.level == 1]),
    }
    return [
        sa.select(*columns, sa.literal(clock).label("clock"), due.label("due")).where(
            *running, *extra, due > now, due <= end
        )
        for clock, (due, extra) in per_clock.items()
    ]


def _key(row) -> str:
    """Once per case, clock and deadline (the agent is the other half of the unique constraint)."""
    return f"breach:{row.id}:{row.clock}:{row.due:%Y%m%dT%H%M%S}"


def warn_breaches(engine: Engine, base_url: str, now: dt.datetime) -> list[str]:
    """Warn each assignee of their cases' clocks that end within the hour; the numbers of the cases warned
    of this time (nothing for a warning raised before)."""
    with reading(engine) as conn:
        found = [row for query in _due_soon(now) for row in conn.execute(query)]
        if not found:
            return []
        assignees = {
            row.id: row
            for row in conn.execute(
                sa.select(agents).where(
                    agents.c.id.in_(sorted({r.assignee_id for r in found})), agents.c.active.is_(True)
                )
            )
        }
        # Performance: a sweep a minute finds the same clocks again until they run out; those warned of
        # already are left out here, so the write transaction (SQLite's one lock) holds only new ones. The
        # insert's dedupe key still decides between sweeps running at once.
        keys = [_key(row) for row in found]
        done: set[tuple[int, str]] = set()
        for first in range(0, len(keys), 500):
            query = sa.select(notifications.c.agent_id, notifications.c.dedupe_key).where(
                notifications.c.dedupe_key.in_(keys[first : first + 500])
            )
            done.update((agent_id, key) for agent_id, key in conn.execute(query))
    fresh = [
        (row, key)
        for row, key in zip(found, keys, strict=True)
        if row.assignee_id in assignees and (row.assignee_id, key) not in done
    ]
    if not fresh:
        return []
    warned = []
    with writing(engine) as conn:
        for row, key in sorted(fresh, key=lambda pair: (pair[0].due, pair[0].id)):
            minutes = max(1, round((row.due - now).total_seconds() / 60))
            summary = f"{row.number}: the {CLOCKS[row.clock]} is due in {minutes} min ({row.subject})"
            body = (
                f"The {CLOCKS[row.clock]} clock of {row.number} runs out in {minutes} minutes, at "
                f"{row.due:%Y-%m-%d %H:%M} UTC.\n\n{row.subject}\n\n{base_url}/agent/cases/{row.number}\n"
            )
            mail = Message(f"[{row.number}] Due in {minutes} min: {CLOCKS[row.clock]}", body)
            if notify(conn, now, assignees[row.assignee_id], "breach_soon", row, summary, mail, dedupe_key=key):
                warned.append(row.number)
    return warned
