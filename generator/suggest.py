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
    """The closest of `paths` to a missing one: the same name (order prefix and case aside) in the same folder,
    then a close name there (a typo), then the same or a close name anywhere (a moved file). Names are only
    compared with names of about their length that start or end like them (a typo keeps one end), so a
    project of 10,000 pages never compares a missing name with every page."""

    def __init__(self, paths: Iterable[str]):
        self._in_folder: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self._anywhere: dict[str, list[str]] = defaultdict(list)
        self._ends: dict[tuple[str | None, str], set[str]] = defaultdict(set)  # (folder or None, end) -> keys
        for path in sorted(paths):
            folder, name = posixpath.split(path)
            key = _key(name)
            self._in_folder[folder][key].append(path)
            self._anywhere[key].append(path)
            for end in _ends(key):
                self._ends[(folder, end)].add(key)
                self._ends[(None, end)].add(key)
        self._cache: dict[str, str | None] = {}

    def closest(self, missing: str) -> str | None:
        """The existing path most like `missing`, or None when nothing is close."""
        if missing not in self._cache:
            self._cache[missing] = self._closest(missing)
        return self._cache[missing]

    def _closest(self, missing: str) -> str | None:
        folder, name = posixpath.split(missing)
        key = _key(name)
        for scope, paths in ((folder, self._in_folder.get(folder, {})), (None, self._anywhere)):
            if key in paths:
                return self._best(missing, paths[key])
            near = set().union(*(self._ends.get((scope, end), ()) for end in _ends(key)))
            slack = max(3, len(key) // 4)  # a typo changes a name's length by a letter or two, not by a quarter
            near = sorted(other for other in near if abs(len(other) - len(key)) <= slack)
            found = difflib.get_close_matches(key, near, n=1, cutoff=CUTOFF)
            if found:
                return self._best(missing, paths[found[0]])
        return None

    @staticmethod
    def _best(missing: str, paths: list[str]) -> str:
        return max(paths, key=lambda path: difflib.SequenceMatcher(None, missing, path).ratio())


def _ends(key: str) -> tuple[str, ...]:
    return (f"^{key[:3]}", f"{key[-3:]}$")
