"""What the desk's mail says. Kept apart from the rules that send it, so the words can be read (and tested)
together. `link` is always the customer's private case link."""

from __future__ import annotations

from sqlalchemy.engine import Row

from ..config import PortalConfig
from .model import LEVELS


def received_mail(config: PortalConfig, row: Row, link: str) -> str:
    # The case's own update clock: a client's contract may set it shorter than portal.yml's.
    hours = config.update_every_hours
    if row.next_update_due and row.created_at:
        hours = round((row.next_update_due - row.created_at).total_seconds() / 3600)
    return (
        f"Hello,\n\nWe have logged your case {row.number}.\n\n"
        "Reply to this mail to add information, or follow the case here (keep this link private):\n"
        f"{link}\n\n"
        f"It is with our {LEVELS[row.level]} team. You will hear from us within "
        f"{hours} hours.\n\n"
        "If you did not log this case, someone else gave your address; you need not do anything.\n"
    )


def update_mail(row: Row, text: str, link: str, by_agent: bool) -> str:
    """An update for the customer. What an agent wrote goes as they wrote it, greeting included (a second
    "Hello <name>," above their own "Hello Pat" read as a fault); our automatic texts greet plainly."""
    greeting = "" if by_agent else "Hello,\n\n"
    return (
        f"{greeting}{text}\n\nReply to this mail, or follow your case {row.number} here "
        f"(keep this link private):\n{link}\n"
    )


def agent_mail(config: PortalConfig, row: Row) -> str:
    return (
        f"{row.number}: {row.subject}\nSeverity: {row.severity}, Level {row.level}\n"
        f"Customer: {row.customer_name} ({row.company or 'no company given'})\n\n"
        f"{config.base_url}/agent/cases/{row.number}\n"
    )
