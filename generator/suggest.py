"""Suggestions for broken links ("did you mean"): the existing source closest to a path that does not exist."""

from __future__ import annotations

import difflib
import posixpath
from collections import defaultdict
from collections.abc import Iterable


class Suggestions:
    """The closest of `paths` to a missing one: first by file name within the same folder (a typo, a changed
    order prefix), then by file name anywhere (a moved file). Each comparison is of file names only, so a
    project of 10,000 pages costs one pass over its distinct names per distinct missing name."""

    def __init__(self, paths: Iterable[str]):
        self._by_folder: dict[str, list[str]] = defaultdict(list)
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for path in sorted(paths):
            folder, name = posixpath.split(path)
            self._by_folder[folder].append(name)
            self._by_name[name].append(path)
        self._names = sorted(self._by_name)
        self._cache: dict[str, str | None] = {}

    def closest(self, missing: str) -> str | None:
        """The existing path most like `missing`, or None when nothing is close."""
        if missing not in self._cache:
            self._cache[missing] = self._closest(missing)
        return self._cache[missing]

    def _closest(self, missing: str) -> str | None:
        folder, name = posixpath.split(missing)
        here = difflib.get_close_matches(name, self._by_folder.get(folder, ()), n=1, cutoff=0.6)
        if here:
            return posixpath.join(folder, here[0])
        elsewhere = difflib.get_close_matches(name, self._names, n=1, cutoff=0.75)
        if not elsewhere:
            return None
        candidates = self._by_name[elsewhere[0]]
        return max(candidates, key=lambda path: difflib.SequenceMatcher(None, missing, path).ratio())
