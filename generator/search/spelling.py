"""Spelling: "did you mean", each word the index does not know replaced by the closest word it does."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from spellchecker import SpellChecker
from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.spelling import Corrector

from .documents import STEM

WORDS_FILE = "words.txt"  # in the index folder: the words its pages use, as written, one a line, sorted
_SURFACE = re.compile(r"[a-z]{3,}")
ENGLISH_MIN_COUNT = 100  # rarer entries of the word list are mostly misspellings ("calender", "dependancy")

_CONTRACTIONS = frozenset(
    "dont doesnt didnt cant cannot wont isnt arent wasnt werent hasnt havent hadnt shouldnt couldnt wouldnt "
    "im ive id youre theyre thats whats wheres theres lets".split()
)


@cache
def english_words() -> dict[str, int]:
    """A real English word list with each word's frequency (pyspellchecker's, offline), read once."""
    return SpellChecker().word_frequency.dictionary


def is_english(word: str) -> bool:
    """True for a real English word, so that a word the index lacks ("shop") is not "corrected" to one it
    has ("show")."""
    return english_words().get(word.lower(), 0) >= ENGLISH_MIN_COUNT


# The index's own words, as written, are what corrections are drawn from. Whoosh keeps them in a "spelling"
# field when asked (spelling=True), which analyzes every title and body a second time and took half the time
# of indexing; a sorted list made with one regular expression per page gives the same words for a fraction.


def page_words(title: str, body: str) -> set[str]:
    """The distinct words of one page's title and body, lowercased, as written."""
    return set(_SURFACE.findall(title.lower())) | set(_SURFACE.findall(body.lower()))


# Beside words.txt, how many pages use each word: an update subtracts the words of the pages it removes or
# replaces (read from the old index's stored text) and adds those of the new ones, so a word leaves the
# suggestions when its last published page does, without reading every page again (that took 2 s at 10,000).
WORD_COUNTS_FILE = "word-counts.tsv"


def count_words(pages: Iterable[tuple[str, str]]) -> Counter[str]:
    """How many of the (title, body) pages use each word."""
    counts: Counter[str] = Counter()
    for title, body in pages:
        counts.update(page_words(title, body))
    return counts


def write_words(counts: Counter[str], index_dir: Path) -> None:
    """words.txt (the words, sorted) and their page counts, for the next update."""
    words = sorted(word for word, count in counts.items() if count > 0)
    (index_dir / WORDS_FILE).write_text("\n".join(words), "utf-8")
    (index_dir / WORD_COUNTS_FILE).write_text("".join(f"{word}\t{counts[word]}\n" for word in words), "utf-8")


def load_word_counts(index_dir: Path) -> Counter[str] | None:
    """The page count of each word of the index at `index_dir`; None when it has none (an older index)."""
    path = index_dir / WORD_COUNTS_FILE
    if not path.is_file():
        return None
    counts: Counter[str] = Counter()
    for line in path.read_text("utf-8").splitlines():
        word, _, count = line.partition("\t")
        counts[word] = int(count)
    return counts


def load_words(index_dir: Path) -> list[str]:
    path = index_dir / WORDS_FILE
    return path.read_text("utf-8").split("\n") if path.is_file() else []


class _WordList(Corrector):
    """Whoosh's ListCorrector (a Levenshtein automaton walked over a sorted word list), with a skipper that
    stops at the end of the list (Whoosh's reads past it)."""

    def __init__(self, words: list[str]):
        self.words = words

    def _next_at_or_after(self, word: str) -> str | None:
        position = bisect_left(self.words, word)
        return self.words[position] if position < len(self.words) else None

    def _suggestions(self, text, maxdist, prefix):
        seen = set()
        for distance in range(1, maxdist + 1):
            dfa = levenshtein_automaton(text, distance, prefix).to_dfa()
            for suggestion in find_all_matches(dfa, self._next_at_or_after):
                if suggestion not in seen:
                    seen.add(suggestion)
                    yield 0 - distance, suggestion


class Speller:
    """An index's words as written, to tell known words and to find the closest ones."""

    def __init__(self, words: list[str]):
        self.known = frozenset(words)
        self.corrector = _WordList(words)


def suggest_spelling(searcher, speller: Speller, query: str, extra_words: frozenset[str] = frozenset()) -> str | None:
    """'Did you mean': each word that is neither in the index as written, nor a real English word, nor in
    `extra_words` (the index's synonyms) replaced by the closest word the index holds, unless that word is
    only another form of it (same stem)."""
    changed = query
    reader = searcher.reader()
    for word in re.findall(r"[A-Za-z]{3,}", query):
        lower = word.lower()
        if lower in _CONTRACTIONS:
            continue  # "dont" is "don't", a stop word, not a misspelling of "done"
        stems = [token.text for token in STEM(lower)]
        if not stems or lower in extra_words or lower in speller.known or is_english(lower):
            continue  # a stop word, or a word the index or the language knows
        # Short words get one edit, else "big" becomes "sign"; among the candidates, a swapped pair of
        # letters counts as one edit ("chrat" is "chart", not "what") and the more frequent word wins ties.
        candidates = speller.corrector.suggest(lower, limit=10, maxdist=1 if len(word) <= 4 else 2)
        if candidates:
            best = min(candidates, key=lambda c: (_edits(lower, c), -reader.frequency("body", c), c))
            if [token.text for token in STEM(best)] != stems:
                changed = re.sub(rf"\b{re.escape(word)}\b", best, changed, count=1)
    return changed if changed != query else None


def _edits(a: str, b: str) -> int:
    """Edit distance where swapping two neighbouring letters is one edit (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
