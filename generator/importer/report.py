"""What an import prints: what it did, then what needs a person, at file:line."""

from __future__ import annotations

from .run import ImportResult

_STATUS = {
    "new": "new",
    "updated": "updated",
    "unchanged": "unchanged",
    "kept": "kept (edited since the last import)",
}


def format_result(result: ImportResult) -> list[str]:
    counts = ", ".join(f"{len(result.written[s])} {label}" for s, label in _STATUS.items() if result.written.get(s))
    total = sum(len(files) for files in result.written.values())
    made = f"; {len(result.sections)} sections made" if result.sections else ""
    lines = [f"Imported {total} pages into {result.into}/: {counts or 'none'}{made}; {len(result.assets)} files copied"]
    lines += [f"  section: {name}" for name in result.sections]
    lines += [f"  {status}: {name}" for status in ("new", "updated", "kept") for name in result.written.get(status, ())]
    lines += [f"note: {note}" for note in result.notes]
    if result.problems:
        lines.append(f"Needs a person ({len(result.problems)}):")
        lines += [f"  {problem.path}:{problem.line}: {problem.message}" for problem in sorted(result.problems)]
    return lines
