"""An incremental build compared with a clean full build of the same sources, file by file: what
tests/test_incremental.py and tests/test_engine_cache_trust.py hold every build to."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.build import build_target
from generator.model import Target


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file's content, and every folder (None): an empty folder a deleted page left is a difference."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def assert_same_as_full(root: Path, target: Target, tmp_path: Path, name: str):
    """Build `target` incrementally (into root/build) and from nothing (elsewhere); the two sites must match."""
    incremental = build_target(root, target, root / "build" / target.name)
    full = build_target(root, target, tmp_path / f"full-{name}" / target.name, full=True)
    built, clean = tree(incremental.out), tree(full.out)
    assert sorted(built) == sorted(clean), f"after {name}: different files"
    differ = [path for path in clean if built[path] != clean[path]]
    assert not differ, f"after {name}: these files differ from a full build: {differ}"
    assert incremental.warnings == full.warnings
    shutil.rmtree(tmp_path / f"full-{name}")
    return incremental


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")
