"""How urgent a queue row is, in words: the time left on its next clock ("due in 40 min", "overdue 2 h")
and why it sits where it does in the queue ("catastrophic", "first response due")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Row


@dataclass(frozen=True)
class Urgency:
    time_left: str  # "due in 40 min", "overdue 2 h", "paused", "" when resolved
    overdue: bool
    reasons: tuple[str, ...]  # why it is where it is, most important first


def span(delta: dt.timedelta) -> str:
    """A duration as a person says it: minutes under an hour, hours under two days, then days."""
    minutes = max(1, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} d"


def time_left(due: dt.datetime | None, now: dt.datetime) -> tuple[str, bool]:
    """("due in 40 min", False) or ("overdue 2 h", True); ("", False) without a deadline."""
    if due is None:
        return "", False
    if due > now:
        return f"due in {span(due - now)}", False
    return f"overdue {span(now - due)}", True


def clock_of(row: Row) -> str:
    """Which clock `row.due_at` is: the words for it."""
    if row.first_responded_at is None and row.due_at == row.first_response_due:
        return "first response due"
    if row.level == 1 and row.due_at == row.resolution_due:
        return "Level 1 resolution due"
    return "customer update due"


def urgency(row: Row, now: dt.datetime) -> Urgency:
    """A queue row (listing.load_page's columns) in words, at `now`."""
    if row.status == "resolved":
        return Urgency("", False, ("resolved",))
    reasons = []
    if row.severity == "catastrophic":
        reasons.append("catastrophic")
    if row.level >= 3:
        reasons.append("Level 3")
    if row.status == "waiting":
        return Urgency("paused", False, (*reasons, "waiting on customer"))
    left, overdue = time_left(row.due_at, now)
    return Urgency(left, overdue, (*reasons, clock_of(row)))
