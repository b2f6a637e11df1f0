"""The words of fixes from case to release: a case's types, a defect's states, which product versions a fix
may target or ship in, and what the defect calls raise."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Row

from ...versions import ProductVersion, VersionStatus
from ...versions.model import newest_first

CASE_TYPES = {
    "question": "Question",
    "problem": "Problem",
    "bug": "Bug",
    "enhancement": "Enhancement",
}
FIXED_TYPES = ("bug", "enhancement")  # the types that wait on a fix in a version: they have a defect
DEFECT_STATUSES = {"open": "Open", "shipped": "Shipped"}
REFERENCE_MAX = 100  # defects.reference


class DefectNotFound(LookupError):
    """No such defect."""


@dataclass(frozen=True)
class DefectCase:
    """A case of a defect as its page lists it."""

    number: str
    subject: str
    status: str
    level: int
    customer_name: str
    client: str | None


def open_versions(versions: tuple[ProductVersion, ...], published: set[str]) -> list[str]:
    """The versions a fix may target, newest first: product.yml's planned versions not yet published."""
    return [v.name for v in newest_first(versions) if v.status is VersionStatus.PLANNED and v.name not in published]


def shipped_versions(versions: tuple[ProductVersion, ...], published: set[str]) -> list[str]:
    """The versions a fix may be marked shipped in, newest first: released in product.yml (every version that
    is not planned) or published since."""
    return [v.name for v in newest_first(versions) if v.status is not VersionStatus.PLANNED or v.name in published]


def clean_reference(text: str) -> str:
    """A defect reference as stored: trimmed, inner runs of space made one (`ENG  42` is `ENG 42`)."""
    return " ".join(text.split())


def waiting(row: Row) -> bool:
    """Whether a case still waits on its fix: anything not resolved."""
    return row.status != "resolved"
