"""The attachments table: which files an event carries, who may see them, deleting them, and the files in
the folder that no row claims."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from ..config import PortalConfig
from ..db import attachments, events, reading
from .storage import stored_files

_COLUMNS = (*attachments.c, events.c.visibility)
ORPHAN_SWEEP_EVERY = 600.0  # seconds
_last_sweep: dict[Path, float] = {}  # folder -> when this process last swept it (time.monotonic)


def _query(case_id: int, customer_only: bool) -> sa.Select:
    query = (
        sa.select(*_COLUMNS)
        .join(events, events.c.id == attachments.c.event_id)
        .where(attachments.c.case_id == case_id)
        .order_by(attachments.c.id)
    )
    # The customer sees files only on events they see: never those of internal notes.
    return query.where(events.c.visibility == "customer") if customer_only else query


def files_by_event(engine: Engine, case_id: int, customer_only: bool) -> dict[int, list[Row]]:
    """The case's files, by the id of the history event they came with."""
    found: dict[int, list[Row]] = {}
    with reading(engine) as conn:
        for row in conn.execute(_query(case_id, customer_only)):
            found.setdefault(row.event_id, []).append(row)
    return found


def file_for_case(engine: Engine, case_id: int, file_id: int, customer_only: bool) -> Row | None:
    """One file of the case, if the caller may see it; None for another case's file or a missing one alike."""
    with reading(engine) as conn:
        return conn.execute(_query(case_id, customer_only).where(attachments.c.id == file_id)).first()


def delete_files(conn: Connection, case_id: int, file_ids: Iterable[int]) -> list[Row]:
    """Remove the rows of these files of the case (others' ids are ignored): the rows removed. The caller
    removes the bytes after its commit; if it dies first, the orphan sweep does."""
    ids = list(file_ids)
    if not ids:
        return []
    where = sa.and_(attachments.c.case_id == case_id, attachments.c.id.in_(ids))
    rows = conn.execute(sa.select(attachments).where(where).order_by(attachments.c.id)).all()
    conn.execute(attachments.delete().where(where))
    return rows


def sweep_orphans(engine: Engine, config: PortalConfig) -> int:
    """Remove files older than an hour that no row claims (written by a transaction that then failed, or
    left by a deletion that stopped half-way) and partial writes: how many went. At most once every ten
    minutes per folder in a process: the sweep runs every minute in every worker, and listing a folder of
    many files is not free, while an orphan only takes some room until it goes."""
    folder = config.attachments_dir
    now = time.monotonic()
    if now - _last_sweep.get(folder, -ORPHAN_SWEEP_EVERY) < ORPHAN_SWEEP_EVERY:
        return 0
    _last_sweep[folder] = now
    candidates = stored_files(folder)
    names = list(candidates)
    claimed: set[str] = set()
    with reading(engine) as conn:
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            query = sa.select(attachments.c.storage_name).where(attachments.c.storage_name.in_(chunk))
            claimed.update(conn.execute(query).scalars())
    orphans = [name for name in names if name not in claimed]
    for name in orphans:
        candidates[name].unlink(missing_ok=True)
    return len(orphans)
