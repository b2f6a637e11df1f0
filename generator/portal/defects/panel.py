"""What the case page's "Type and fix" form shows (agent/_case_fix.html)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Row

from ..desk import Desk
from .actions import Defects
from .model import CASE_TYPES


@dataclass(frozen=True)
class FixPanel:
    """The types, the case's defect, and the versions a fix may target (product.yml's planned versions not
    yet published)."""

    types: dict[str, str]
    defect: Row | None
    targets: list[str]


def fix_panel(desk: Desk, row: Row) -> FixPanel:
    defects = Defects(desk)
    return FixPanel(CASE_TYPES, defects.for_case(row), defects.target_choices())
