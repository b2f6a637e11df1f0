"""`kb cases pull-drafts`: the portal's article drafts and flags into the git-managed knowledge base.

Drafts become files in kb/<module>/ (confidence not_validated, source_cases naming the case), flags are
added to review/flags.yml; writers review both in git like any change. Each draft and flag is claimed in
the database before its file is written, so pulling twice (or twice at once) writes nothing twice, and a
draft never overwrites a file that exists."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..catalog import load_catalog
from ..model import Catalog
from ..review import read_flags, write_flags
from ..scaffold import next_article_id
from .db import agents, article_flags, cases, drafts, reading, writing
from .drafts import Draft, write_draft

try:
    import fcntl
except ImportError:  # Windows: pulls into one checkout are not serialised there
    fcntl = None


@dataclass(frozen=True)
class Pulled:
    drafts: tuple[tuple[str, str, Path], ...]  # (case number, article ID, file)
    flags: int


@contextmanager
def _one_pull_at_a_time(root: Path) -> Iterator[None]:
    """An exclusive lock on the checkout's kb/ folder for the whole pull. Article IDs are counted from the
    files in kb/: two pulls at once both counted before either wrote, and gave two drafts the same ID."""
    if fcntl is None:
        yield
        return
    (root / "kb").mkdir(exist_ok=True)
    fd = os.open(root / "kb", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _next_number(engine: Engine, catalog: Catalog) -> int:
    """One past the highest article ID in kb/ and among the drafts already pulled (into any checkout: a
    writer who has not merged another's pull yet must not hand out the same IDs again)."""
    with reading(engine) as conn:
        pulled = conn.execute(sa.select(drafts.c.article_id).where(drafts.c.article_id.is_not(None))).scalars()
        highest = max((int(m.group(1)) for a in pulled if (m := re.fullmatch(r"KB-(\d+)", a))), default=0)
    return max(int(next_article_id(catalog).removeprefix("KB-")), highest + 1)


def pull_drafts(engine: Engine, root: Path, since: dt.datetime | None, now: dt.datetime) -> Pulled:
    with _one_pull_at_a_time(root):
        return _pull(engine, root, since, now)


def _pull(engine: Engine, root: Path, since: dt.datetime | None, now: dt.datetime) -> Pulled:
    catalog = load_catalog(root)
    next_number = _next_number(engine, catalog)
    written = []
    query = (
        sa.select(drafts, cases.c.number)
        .join(cases, cases.c.id == drafts.c.case_id)
        .where(drafts.c.pulled_at.is_(None))
        .order_by(drafts.c.created_at, drafts.c.id)
    )
    if since:
        query = query.where(drafts.c.updated_at >= since)
    with reading(engine) as conn:
        pending = conn.execute(query).all()
    for row in pending:
        with writing(engine) as conn:
            claimed = conn.execute(
                drafts.update().where(drafts.c.id == row.id, drafts.c.pulled_at.is_(None)).values(pulled_at=now)
            ).rowcount
        if not claimed:
            continue  # another pull took it
        article = f"KB-{next_number:04d}"
        draft = Draft(
            row.id,
            row.number,
            row.title,
            row.module,
            row.issue,
            row.environment,
            row.resolution,
            row.cause,
            row.context_id if row.context_id in catalog.contexts else None,
        )
        try:
            path = write_draft(root, draft, article, now.date())
        except BaseException:
            with writing(engine) as conn:  # give the claim back: the next pull tries again
                conn.execute(drafts.update().where(drafts.c.id == row.id).values(pulled_at=None))
            raise
        next_number += 1
        relative = path.relative_to(root)
        with writing(engine) as conn:
            conn.execute(drafts.update().where(drafts.c.id == row.id).values(article_id=article, path=str(relative)))
        written.append((row.number, article, relative))
    return Pulled(tuple(written), _pull_flags(engine, root, since, now))


def _pull_flags(engine: Engine, root: Path, since: dt.datetime | None, now: dt.datetime) -> int:
    query = (
        sa.select(article_flags, cases.c.number, agents.c.username)
        .outerjoin(cases, cases.c.id == article_flags.c.case_id)
        .outerjoin(agents, agents.c.id == article_flags.c.agent_id)
        .where(article_flags.c.pulled_at.is_(None), article_flags.c.closed_at.is_(None))
        .order_by(article_flags.c.at, article_flags.c.id)
    )
    if since:
        query = query.where(article_flags.c.at >= since)
    # The flags `kb review validate` closed in review/flags.yml are closed here too: the portal showed them
    # as open (the internal build's badges, /api/articles/<id>/stats) for ever after.
    closed = [e["flag"] for e in read_flags(root) if e.get("closed") and isinstance(e.get("flag"), int)]
    with writing(engine) as conn:
        if closed:
            conn.execute(
                article_flags.update()
                .where(article_flags.c.id.in_(closed), article_flags.c.closed_at.is_(None))
                .values(closed_at=now)
            )
        rows = conn.execute(query).all()
        if not rows:
            return 0
        conn.execute(article_flags.update().where(article_flags.c.id.in_([r.id for r in rows])).values(pulled_at=now))
        entries = read_flags(root)
        known = {entry.get("flag") for entry in entries}
        entries += [
            {
                "flag": row.id,
                "article": row.article_id,
                "kind": row.kind,
                "comment": row.comment,
                "case": row.number,
                "agent": row.username,
                "at": row.at.replace(microsecond=0).isoformat(),
            }
            for row in rows
            if row.id not in known
        ]
        write_flags(root, entries)  # inside the transaction: a failed write leaves the flags unpulled
    return len(rows)
