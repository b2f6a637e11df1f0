"""The support desk: the support policy applied to the case store.

Every change to a case is one transaction that writes the change, an event in the case's history and the
notifications it causes (queued mail), so the history and the mail can never disagree with the case.
Rules that run on a timer (escalation after 24 hours, the status update every 24 hours) are conditional
updates: running the sweep twice, or in two processes at once, changes nothing twice.

`Desk` is one service assembled from its sides, each building on the one before: core.py (the transaction,
the history, customer updates), levels.py (escalation, Level 3 alerts), then customers.py (new cases, private
links, the customer's replies), agents.py (the queue and agents' actions), properties.py (severity and
level, up or down, with a reason), merging.py (duplicates) and timer.py (the sweep). model.py
holds the vocabulary, texts.py the mail's words."""

from __future__ import annotations

from .customers import CustomerSide
from .merging import MergingSide
from .model import (
    ACTIVE,
    LEVELS,
    NUMBER,
    OPEN,
    SEVERITIES,
    STATUSES,
    TEAMS,
    CaseNotFound,
    InvalidAction,
    NewCase,
    NotAllowed,
    Opened,
    StaleCase,
    Submitted,
    SweepReport,
    case_number,
    due,
)
from .timer import Timer


class Desk(CustomerSide, MergingSide, Timer):
    """The desk every caller uses: the portal's views, the command line, mail in, the sweeper."""


__all__ = [
    "ACTIVE",
    "LEVELS",
    "NUMBER",
    "OPEN",
    "SEVERITIES",
    "STATUSES",
    "TEAMS",
    "CaseNotFound",
    "Desk",
    "InvalidAction",
    "NewCase",
    "NotAllowed",
    "Opened",
    "StaleCase",
    "Submitted",
    "SweepReport",
    "case_number",
    "due",
]
