"""Full-text search over cases: the agent's words to a condition on `cases`, on each database's own engine.

SQLite: the FTS5 table `case_search` (rowid = the case's id); PostgreSQL: `case_search`'s tsvectors under
a GIN index. Both are filled by triggers (migration 0013) in the transaction that writes the case or its
history, so a case is found by a word of its last message as soon as that message is committed.

What the agent types is never query syntax: only its words are searched, each as a quoted string on SQLite
(so `"`, `*`, `-`, `NEAR`, `AND` are words or nothing, never operators) and through plainto_tsquery on
PostgreSQL (which reads no operators at all). Every word must match (AND), whole words."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from ..db import cases

# Letters and digits, as FTS5's unicode61 tokenizer splits them (an underscore separates, as there).
_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 12  # a pasted paragraph is not a search; the first words narrow enough


def search_words(query: str) -> list[str]:
    """The words of an agent's search, in order, at most MAX_WORDS of them."""
    return _WORD.findall(query)[:MAX_WORDS]


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word as a string, implicitly AND-ed. A word holds no quote (only
    letters and digits), so the quoting cannot be broken out of."""
    return " ".join(f'"{word}"' for word in words)


def matching(dialect: str, query: str) -> ColumnElement[bool] | None:
    """A condition on `cases` that holds for the cases matching `query`; None when it has no words."""
    words = search_words(query)
    if not words:
        return None
    if dialect == "sqlite":
        found = sa.text("SELECT rowid FROM case_search WHERE case_search MATCH :fts").bindparams(fts=fts5_query(words))
        # `id + 0`: not the primary key's index for this test, so SQLite walks the queue's index in order and
        # checks each case against the matches (gathered once), stopping at a page, instead of reading
        # every matching case and sorting them: a word in a third of 100,000 cases took a third of a second.
        return (cases.c.id + 0).in_(found.columns(sa.column("rowid", sa.Integer)))
    # The expression the GIN index is built on, exactly, so PostgreSQL uses it.
    found = sa.text(
        "SELECT case_id FROM case_search WHERE (about || messages) @@ plainto_tsquery('simple', :words)"
    ).bindparams(words=" ".join(words))
    return cases.c.id.in_(found.columns(sa.column("case_id", sa.Integer)))


def is_search_table(name: str) -> bool:
    """A table of the search engine's own (FTS5's table and its shadow tables, PostgreSQL's case_search),
    made by migration 0013 and not declared in the db package's metadata."""
    return name == "case_search" or name.startswith("case_search_")
