"""The errors a user can fix, and the problems `kb check` gathers before failing once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


class KbError(click.ClickException):
    """Anything the user can fix: printed as one clear message, exit code 1, no traceback."""

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a source file, at a line; `warning` problems fail only with --strict."""

    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        tag = "" if self.severity == "error" else f" ({self.severity})"
        return f"{where}: {self.message}{tag}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class SourceError(KbError):
    """A set of problems in the sources: '3 problems in 2 files', then one line each."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        files = len({p.path for p in self.problems})
        count = len(self.problems)
        summary = f"{count} problem{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}"
        super().__init__("\n".join([summary, *(f"  {p}" for p in self.problems)]))


def rel(path: Path, root: Path) -> str:
    """A path as the user knows it: relative to the project root, with forward slashes."""
    text, base = str(path), str(root)
    if text.startswith(base) and text[len(base) : len(base) + 1] == "/":  # Path.relative_to, a tenth of the time
        return text[len(base) + 1 :]
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
