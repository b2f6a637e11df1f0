"""Spelling: "did you mean", each word the index does not know replaced by the closest word it does."""

from __future__ import annotations

import re

from .documents import STEM

_CONTRACTIONS = frozenset(
    "dont doesnt didnt cant cannot wont isnt arent wasnt werent hasnt havent hadnt shouldnt couldnt wouldnt "
    "im ive id youre theyre thats whats wheres theres lets".split()
)


def suggest_spelling(searcher, query: str) -> str | None:
    """'Did you mean': each word the index does not know, replaced by the closest word it does."""
    changed = query
    for word in re.findall(r"[A-Za-z]{3,}", query):
        if word.lower() in _CONTRACTIONS:
            continue  # "dont" is "don't", a stop word, not a misspelling of "done"
        tokens = [token.text for token in STEM(word.lower())]
        if not tokens or any(searcher.reader().frequency(name, t) for name in ("title", "body") for t in tokens):
            continue  # a stop word, or a word the index knows
        # Short words get one edit, else "big" becomes "sign"; among the candidates, a swapped pair of
        # letters counts as one edit ("chrat" is "chart", not "what") and the more frequent word wins ties.
        candidates = searcher.corrector("body").suggest(word.lower(), limit=5, maxdist=1 if len(word) <= 4 else 2)
        if candidates:
            body = searcher.reader()
            best = min(candidates, key=lambda c: (_edits(word.lower(), c), -body.frequency("body", c), c))
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
