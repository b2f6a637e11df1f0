"""What customers are told about their case's fix: when it is planned for, and that it shipped. Plain text
that names the case and the version; nothing the customer or an agent typed, and no defect reference (the
engineering tracker's key is the team's, not the customer's)."""

from __future__ import annotations

from sqlalchemy.engine import Row


def planned_text(product: str, version: str) -> str:
    """A customer update: the fix has a version."""
    return (
        f"We have found the cause of this problem. The fix is planned for {product} {version}; "
        "we will write when it is available."
    )


def unplanned_text() -> str:
    """A customer update: the version that was to carry the fix no longer does."""
    return (
        "The fix for this problem is no longer planned for the version we told you about. "
        "We will write when it has a new one."
    )


def shipped_resolution(product: str, version: str, notes_url: str | None) -> str:
    """The case's resolution when its fix ships: the history's entry and the mail's text."""
    notes = f"\n\nWhat is new in {version}: {notes_url}" if notes_url else ""
    return (
        f"The fix for your case is available in {product} {version}.{notes}\n\n"
        "We have marked your case resolved. If the problem is still there once you run this version, reply to "
        "this mail and the case opens again."
    )


def shipped_subject(row: Row, version: str) -> str:
    return f"[{row.number}] Fix available in version {version}"
