"""Synonyms: the groups of words an index treats as one (product.yml's synonyms and abbreviations, a client's own
terms in that client's index), kept in the index folder and expanded into a query's words at search time."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..model import ClientProfile, Product
from .documents import STEM

SYNONYMS_FILE = "synonyms.json"  # in the index folder: an index carries its own groups, so a client's stay in it
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")

Group = tuple[str, ...]


def synonym_groups(product: Product, client: ClientProfile | None = None) -> tuple[Group, ...]:
    """The synonym groups of one index: the product's groups and abbreviations, and for a client's index the
    client's word for each product term it renames, with the product's word ("capital job" = "project")."""
    groups = [tuple(group) for group in product.synonyms]
    groups += [(short, long) for short, long in product.abbreviations.items()]
    if client is not None:
        for term, word in client.terms.items():
            default = product.terms.get(term, term)
            if word.lower() != default.lower():
                groups.append((default, word))
    return tuple(groups)


def write_synonyms(groups: tuple[Group, ...], index_dir: Path) -> None:
    (index_dir / SYNONYMS_FILE).write_text(json.dumps([list(group) for group in groups], indent=1), "utf-8")


def load_synonyms(index_dir: Path) -> tuple[Group, ...]:
    """The groups an index was written with; none for an index written before they existed."""
    path = index_dir / SYNONYMS_FILE
    if not path.is_file():
        return ()
    return tuple(tuple(group) for group in json.loads(path.read_text("utf-8")))


def _stems(phrase: str) -> tuple[str, ...]:
    """A phrase as the text fields index it: stop words out, words stemmed."""
    return tuple(token.text for token in STEM(phrase))


def _alternative(phrase: str) -> str:
    """One member of a group as query syntax: a word, or the words of a phrase all required."""
    words = [word for word in _WORD.findall(phrase) if _stems(word)]
    return words[0] if len(words) == 1 else "(" + " AND ".join(words) + ")"


class Synonyms:
    """An index's groups, ready to expand queries: a word or phrase of a group becomes "(a OR b OR (c AND d))"."""

    def __init__(self, groups: tuple[Group, ...]):
        self.groups = groups
        self._by_stems: dict[tuple[str, ...], str] = {}
        for group in groups:
            expression = "(" + " OR ".join(_alternative(member) for member in group) + ")"
            for member in group:
                stems = _stems(member)
                if stems:
                    self._by_stems.setdefault(stems, expression)
        self._longest = max((len(stems) for stems in self._by_stems), default=0)
        self.words = frozenset(word.lower() for group in groups for member in group for word in _WORD.findall(member))

    def expand(self, text: str) -> str:
        """`text` (words already free of stop words) with each member of a group replaced by its whole group;
        the longest member wins where members overlap ("keyboard shortcut" before "shortcut"). Words in
        quotes or with query syntax are left as they are."""
        if not self._by_stems:
            return text
        parts = re.split(r'("[^"]*")', text)
        return "".join(part if part.startswith('"') else self._expand_words(part) for part in parts)

    def _expand_words(self, text: str) -> str:
        words = text.split(" ")
        stems = [_stems(word) if _WORD.fullmatch(word) else None for word in words]
        out, position = [], 0
        while position < len(words):
            for size in range(min(self._longest, len(words) - position), 0, -1):
                span = stems[position : position + size]
                if all(span) and (key := tuple(s for stem in span for s in stem)) in self._by_stems:
                    out.append(self._by_stems[key])
                    position += size
                    break
            else:
                out.append(words[position])
                position += 1
        return " ".join(out)
