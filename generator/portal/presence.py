"""Who else has a case open, and who is typing in its composer: a row per agent and case, written by the
case page's heartbeat (every few seconds) and read back by the other agents' pages. No websockets: a poll
every few seconds is plenty for "Bob is typing", and it works through every proxy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from .db import agents, case_presence, reading, writing

HEARTBEAT_SECONDS = 5  # how often an open case page reports (static/case-page.js polls at this pace)
GONE_AFTER = dt.timedelta(seconds=HEARTBEAT_SECONDS * 4)  # a few missed heartbeats: the page was closed
TYPING_FOR = dt.timedelta(seconds=HEARTBEAT_SECONDS * 2)  # "is typing" lasts until two quiet heartbeats


@dataclass(frozen=True)
class Present:
    name: str
    typing: bool


def _upsert(dialect: str):
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(case_presence)
    return statement.on_conflict_do_update(
        index_elements=[case_presence.c.case_id, case_presence.c.agent_id],
        set_={
            "seen_at": statement.excluded.seen_at,
            # Typing stays on record until it is older than TYPING_FOR; a heartbeat without typing keeps it.
            "typing_at": sa.func.coalesce(statement.excluded.typing_at, case_presence.c.typing_at),
        },
    )


def record_presence(engine: Engine, case_id: int, agent_id: int, now: dt.datetime, typing: bool) -> None:
    """This agent has the case open now (and is typing in it)."""
    with writing(engine) as conn:
        conn.execute(
            _upsert(conn.dialect.name),
            {"case_id": case_id, "agent_id": agent_id, "seen_at": now, "typing_at": now if typing else None},
        )


def others_present(engine: Engine, case_id: int, agent_id: int, now: dt.datetime) -> list[Present]:
    """The other agents with the case open now, by name; whether each typed in the last few seconds."""
    with reading(engine) as conn:
        rows = conn.execute(
            sa.select(agents.c.display_name, case_presence.c.typing_at)
            .join(agents, agents.c.id == case_presence.c.agent_id)
            .where(
                case_presence.c.case_id == case_id,
                case_presence.c.agent_id != agent_id,
                case_presence.c.seen_at > now - GONE_AFTER,
            )
            .order_by(agents.c.display_name)
        ).all()
    return [Present(row.display_name, row.typing_at is not None and row.typing_at > now - TYPING_FOR) for row in rows]


def forget_presence(engine: Engine, before: dt.datetime) -> None:
    """Rows of pages closed before `before`: the sweep keeps the table to the cases open lately."""
    with writing(engine) as conn:
        conn.execute(case_presence.delete().where(case_presence.c.seen_at < before))
