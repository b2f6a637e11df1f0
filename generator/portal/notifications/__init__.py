"""Notifications for agents: a customer replied, a case was assigned to them, a clock of their case breaches
within the hour, a catastrophic case. Each is a row for the console's count and list and/or a mail, as the
agent chose (catastrophic alerts cannot be turned off).

The desk raises them with `notify` inside the transaction of the change that caused them, so a rolled-back
change tells nobody; the sweep calls `warn_breaches`. views.py is the console's list, count and settings."""

from __future__ import annotations

from .breaches import warn_breaches
from .kinds import ALWAYS_ON, KINDS, OPTIONAL
from .store import Choice, Message, load_choices, mark_read, notify, recent, save_choices, unread_count

__all__ = [
    "ALWAYS_ON",
    "KINDS",
    "OPTIONAL",
    "Choice",
    "Message",
    "load_choices",
    "mark_read",
    "notify",
    "recent",
    "save_choices",
    "unread_count",
    "warn_breaches",
]
