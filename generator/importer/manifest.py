"""The import manifest: which source file became which page, so that a second import updates, never adds.

Kept in .kb-import.yml at the project root (a dot file: no build reads it), keyed by the source's site name
and the book (or kb/<module>) it went into, then by each file's path in the source's docs folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

MANIFEST = ".kb-import.yml"
_HEADER = "# Written by `kb import`: the pages and files it wrote, so that importing again updates them.\n"


def load_manifest(root: Path) -> dict:
    path = root / MANIFEST
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return data if isinstance(data, dict) else {}


def save_manifest(root: Path, data: dict) -> None:
    (root / MANIFEST).write_text(_HEADER + yaml.safe_dump(data, sort_keys=True, allow_unicode=True), encoding="utf-8")


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
