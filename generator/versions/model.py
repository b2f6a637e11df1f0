"""product.yml's `versions:`: each version of the product, where its sources are, and whether it is supported.

    version: "2026.3"          # the current version: the working tree's sources, published at the site's root
    versions:
      "2026.3": {}             # the current one may be listed without a ref (or with one, for release notes)
      "2026.2": {ref: 3f2a9c1, released: 2026-06-01}
      "2026.1": {ref: 9b1e004, status: unsupported}
      "2026.4": {status: planned}   # not released yet: fixes can target it; no sources to build

A version's `ref` is a commit id, tag or branch of the project's own git repository (a commit id travels with
every clone; a tag may not). Versions compare as their dotted parts, numbers as numbers: 2026.10 > 2026.9."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum


class VersionStatus(StrEnum):
    CURRENT = "current"  # product.yml's `version`: the working tree, at the site's root
    SUPPORTED = "supported"  # an older version clients still run: built under /v/<version>/
    UNSUPPORTED = "unsupported"  # still built, marked as no longer supported
    PLANNED = "planned"  # not released: a fix's target; nothing to build


# The statuses a product.yml entry may say; `current` is never written, it comes from `version:`.
WRITABLE_STATUSES = (VersionStatus.SUPPORTED.value, VersionStatus.UNSUPPORTED.value, VersionStatus.PLANNED.value)

VERSION_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}")  # names a folder: /v/<version>/


@dataclass(frozen=True)
class ProductVersion:
    name: str
    status: VersionStatus
    ref: str | None = None  # None: the working tree (current) or no sources yet (planned)
    released: dt.date | None = None

    @property
    def is_current(self) -> bool:
        return self.status is VersionStatus.CURRENT

    @property
    def is_built(self) -> bool:
        """A version with sources to publish: the current one and every released one with a ref."""
        return self.status is not VersionStatus.PLANNED

    @property
    def supported(self) -> bool:
        return self.status in (VersionStatus.CURRENT, VersionStatus.SUPPORTED)


def version_key(name: str) -> tuple:
    """Sort key: dotted parts, numbers as numbers, before letters (2026.3 < 2026.3.1 < 2026.10; 2026.3 < 2026.3b)."""
    parts = []
    for part in re.split(r"[.+_-]", name):
        for chunk in re.findall(r"\d+|\D+", part) or [""]:
            parts.append((0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk.lower()))
    return tuple(parts)


def newest_first(versions: tuple[ProductVersion, ...] | list[ProductVersion]) -> list[ProductVersion]:
    return sorted(versions, key=lambda version: version_key(version.name), reverse=True)
