"""Suggestions for broken links ("did you mean"): the existing source closest to a path that does not exist."""

from __future__ import annotations

import difflib
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable

_ORDER_PREFIX = re.compile(r"^\d+-")  # as in a chapter's file name: 04-gantt.md is published as gantt
CUTOFF = 0.7  # 'gant' finds 'gantt', 'budget' does not find 'gantt'


def _key(name: str) -> str:
    """What a writer remembers of a file name: no order prefix, no extension, no case."""
    return _ORDER_PREFIX.sub("", name.rsplit(".", 1)[0]).casefold()


class Suggestions:
    """The closest of `paths` to a missing one: first within the same folder (a typo, a changed order
    prefix), then by file name anywhere (a moved file). Only file names are compared, so a project of
    10,000 pages costs one pass over its distinct names per distinct missing name."""

    def __init__(self, paths: Iterable[str]):
        self._by_folder: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self._by_key: dict[str, list[str]] = defaultdict(list)
        for path in sorted(paths):
            folder, name = posixpath.split(path)
            self._by_folder[folder][_key(name)].append(path)
            self._by_key[_key(name)].append(path)
        self._cache: dict[str, str | None] = {}

    def closest(self, missing: str) -> str | None:
        """The existing path most like `missing`, or None when nothing is close."""
        if missing not in self._cache:
            self._cache[missing] = self._closest(missing)
        return self._cache[missing]

    def _closest(self, missing: str) -> str | None:
        folder, name = posixpath.split(missing)
        key = _key(name)
        for candidates in (self._by_folder.get(folder, {}), self._by_key):
            found = difflib.get_close_matches(key, candidates, n=1, cutoff=CUTOFF)
            if found:
                paths = candidates[found[0]]
                return max(paths, key=lambda path: difflib.SequenceMatcher(None, missing, path).ratio())
        return None
