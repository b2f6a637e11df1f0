"""The desk's words and shapes: severities, statuses, levels, case numbers, what its calls return and raise."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy.engine import Row

SEVERITIES = {
    "minor": "A question, or a problem with a workaround",
    "major": "It stops me or my team from our daily work",
    "catastrophic": "The system is down or data is lost for many users",
}
STATUSES = {"new": "New", "open": "In progress", "waiting": "Waiting on you", "resolved": "Resolved"}
LEVELS = {1: "Level 1 support", 2: "Level 2: senior product engineers", 3: "Level 3: rapid-response team"}
# The teams by name, for sentences ("with our Level 3 rapid-response team"): LEVELS' labels end in "team"
# or name people, and "our {LEVELS[3]} team" read "rapid-response team team".
TEAMS = {1: "Level 1 support team", 2: "Level 2 team of senior product engineers", 3: "Level 3 rapid-response team"}
OPEN = ("new", "open")  # the clocks run
ACTIVE = ("new", "open", "waiting")  # not resolved


@dataclass(frozen=True)
class NewCase:
    subject: str
    description: str
    customer_name: str
    customer_email: str
    severity: str
    company: str | None = None
    phone: str | None = None
    module: str | None = None
    page_id: str | None = None
    context_id: str | None = None
    last_search: str | None = None
    client: str | None = None  # the client build the customer came from


@dataclass(frozen=True)
class Submitted:
    number: str
    token: str
    created: bool  # False: the same form was submitted before, this is that case


@dataclass(frozen=True)
class Opened:
    row: Row
    token: str
    acknowledgement: int | None  # the queued acknowledgement's id; None when the hourly limit withheld it
    event_id: int


@dataclass(frozen=True)
class SweepReport:
    escalated: tuple[str, ...]
    updated: tuple[str, ...]
    mailed: int


class CaseNotFound(LookupError):
    """No such case for this caller: the same answer whether it does not exist or is not theirs."""


class NotAllowed(PermissionError):
    """The signed-in agent's level does not reach this case or action."""


class InvalidAction(ValueError):
    """An action that does not fit the case's state, with a message for the agent."""


class StaleCase(InvalidAction):
    """The case changed after the agent's page was drawn (its version moved on): nothing was saved."""

    def __init__(self, number: str, seen: int, current: int):
        super().__init__(
            f"{number} changed while you were working on it; nothing was saved. "
            "See what changed below, then send again."
        )
        self.number, self.seen, self.current = number, seen, current


def case_number(case_id: int) -> str:
    return f"CASE-{case_id:06d}"


# What `case_number` writes. A number from a URL is checked against it before it reaches the database:
# anything else is simply not a case, and PostgreSQL refuses text with NUL in it outright (a 500, not a 404).
NUMBER = re.compile(r"CASE-[0-9]{6,18}")


def due(row: Row) -> dt.datetime | None:
    """The next deadline on a case: first response, customer update or Level 1 resolution."""
    if row.status == "resolved":
        return None
    deadlines = [row.next_update_due]
    if row.first_responded_at is None:
        deadlines.append(row.first_response_due)
    if row.level == 1:
        deadlines.append(row.resolution_due)
    return min(d for d in deadlines if d is not None)
