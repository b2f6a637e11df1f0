"""What the desk's mail says. Kept apart from the rules that send it, so the words can be read (and tested)
together: every mail has exactly one greeting, no word twice in a row and no doubled full stop
(tests/portal/test_mail_texts.py sends each one). `link` is always the customer's private case link."""

from __future__ import annotations

import re

from sqlalchemy.engine import Row

from ..config import PortalConfig
from .model import TEAMS

# How an agent's own text may open: then it is the mail's greeting, and ours would be a second one
# ("Hello," above their "Hello Pat,").
_GREETING = re.compile(r"\s*(hello|hi|hey|dear|good (morning|afternoon|evening)|greetings)\b", re.IGNORECASE)


def greets(text: str) -> bool:
    """Whether `text` opens with a greeting of its own."""
    return bool(_GREETING.match(text))


def sentence(text: str) -> str:
    """`text` as one sentence inside ours: without its own closing full stop (an agent's reason "XER
    parser." followed by our ". Now at Level 2" read "XER parser.. Now at Level 2")."""
    return text.strip().rstrip(".").rstrip()


def _greeted(text: str, name: str | None = None) -> str:
    if greets(text):
        return text
    return f"Hello {name},\n\n{text}" if name else f"Hello,\n\n{text}"


def received_mail(config: PortalConfig, row: Row, link: str) -> str:
    # The case's own update clock: a client's contract may set it shorter than portal.yml's.
    hours = config.update_every_hours
    if row.next_update_due and row.created_at:
        hours = round((row.next_update_due - row.created_at).total_seconds() / 3600)
    return (
        f"Hello,\n\nWe have logged your case {row.number}.\n\n"
        "Reply to this mail to add information, or follow the case here (keep this link private):\n"
        f"{link}\n\n"
        f"It is with our {TEAMS[row.level]}. You will hear from us within "
        f"{hours} hours.\n\n"
        "If you did not log this case, someone else gave your address; you need not do anything.\n"
    )


def update_mail(row: Row, text: str, link: str, by_agent: bool) -> str:
    """An update for the customer. What an agent wrote goes as they wrote it, their greeting included; only
    a text without one (every automatic text, and an agent's that starts with the matter) gets ours."""
    return (
        f"{_greeted(text)}\n\nReply to this mail, or follow your case {row.number} here "
        f"(keep this link private):\n{link}\n"
    )


def escalated_text(level: int) -> str:
    """The customer's word that their case went up a level (history and mail)."""
    return f"Your case is now with our {TEAMS[level]}."


def status_update_text(row: Row, hours: int) -> str:
    """The automatic status update; `hours`: the case's own update clock (a client's contract may set it)."""
    return (
        f"Your case is with our {TEAMS[row.level]} and is being worked on. "
        "We will write again as soon as we know more, and within "
        f"{hours} hours at the latest."
    )


def resolved_text(resolution: str) -> str:
    """The resolution mail's text: ours first, unless the agent's resolution opens with its own greeting."""
    if greets(resolution):
        return f"{resolution}\n\nWe have marked your case resolved."
    return f"Your case is resolved.\n\n{resolution}"


def merged_text(source: Row, target: Row) -> str:
    """For the customers of a duplicate merged into another case: where it is followed from now on."""
    return (
        f"Your case {source.number} is about the same matter as case {target.number}, so we have joined "
        f"them: {target.number} holds everything from now on, and {source.number} is closed."
    )


def _case_summary(config: PortalConfig, row: Row) -> str:
    return (
        f"{row.number}: {row.subject}\nSeverity: {row.severity}, Level {row.level}\n"
        f"Customer: {row.customer_name} ({row.company or 'no company given'})\n\n"
        f"{config.base_url}/agent/cases/{row.number}\n"
    )


def agent_mail(config: PortalConfig, row: Row, name: str | None = None) -> str:
    """What an agent is told about a case (assigned, escalated to them): its summary and the console's link,
    greeting `name`."""
    return _greeted(_case_summary(config, row), name)


def alert_mail(config: PortalConfig, row: Row, why: str, name: str | None = None) -> str:
    """The Level 3 rapid-response alert: why, then the case."""
    return _greeted(f"{sentence(why)}.\n\n{_case_summary(config, row)}", name)


def replied_mail(row: Row, text: str, link: str, name: str | None = None) -> str:
    """For the agent of a case the customer wrote to: what they wrote, quoted (their own greeting is
    theirs, not the mail's), and the console's link."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
    return f"{_greeted(f'The customer wrote on {row.number}:', name)}\n\n{quoted}\n\n{link}\n"
