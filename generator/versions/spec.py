"""Front matter `versions:`, the versions a page applies to.

    versions: ">=2026.2"               # 2026.2 and every later version
    versions: ">=2026.1, <2026.4"      # clauses separated by commas must all hold
    versions: ["2026.2", "2026.3"]     # a list: any of its items (each an exact version or a clause list)

A bare version means exactly that version. Operators: >=, >, <=, <, ==, !=. Versions are written in quotes:
YAML reads a bare 2026.10 as the number 2026.1."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from .model import VERSION_NAME, version_key

_OPERATORS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_CLAUSE = re.compile(r"\s*(>=|<=|==|!=|>|<)?\s*(\S+?)\s*")


class SpecError(ValueError):
    """A `versions:` value that is not an expression; the message says what was expected."""


@dataclass(frozen=True)
class Clause:
    op: str
    version: str

    def holds(self, version: str) -> bool:
        return _OPERATORS[self.op](version_key(version), version_key(self.version))


@dataclass(frozen=True)
class VersionSpec:
    """Any of `alternatives` holds; each alternative is clauses that must all hold."""

    alternatives: tuple[tuple[Clause, ...], ...]
    text: str

    def matches(self, version: str) -> bool:
        return any(all(clause.holds(version) for clause in clauses) for clauses in self.alternatives)

    def named_versions(self) -> set[str]:
        """Every version the expression names, for checking them against product.yml."""
        return {clause.version for clauses in self.alternatives for clause in clauses}

    def __str__(self) -> str:
        return self.text


def _clauses(text: str) -> tuple[Clause, ...]:
    clauses = []
    for piece in text.split(","):
        match = _CLAUSE.fullmatch(piece)
        if not piece.strip() or not match or not VERSION_NAME.fullmatch(match.group(2)):
            raise SpecError(
                "expected a version or a comparison such as '>=2026.2' (clauses joined by commas), "
                f"got {piece.strip()!r}"
            )
        clauses.append(Clause(match.group(1) or "==", match.group(2)))
    return tuple(clauses)


def parse_spec(value: object) -> VersionSpec:
    """`">=2026.2"`, `2026.2`, or a list of those -> VersionSpec; SpecError says what was expected."""
    if isinstance(value, float):  # 2026.10 written bare would become 2026.1
        raise SpecError(f'expected a version in quotes, got the number {value!r}; write "{value}"')
    items = value if isinstance(value, list) else [value]
    if not items:
        raise SpecError("expected a version expression such as '>=2026.2', got an empty list")
    alternatives = []
    for item in items:
        if isinstance(item, float):
            raise SpecError(f'expected a version in quotes, got the number {item!r}; write "{item}"')
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise SpecError(f"expected a version expression such as '>=2026.2', got {item!r}")
        alternatives.append(_clauses(str(item)))
    text = ", ".join(str(item) for item in items) if isinstance(value, list) else str(value)
    return VersionSpec(tuple(alternatives), text)
