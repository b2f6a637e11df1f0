"""Notifications in the database: raising one (in the caller's transaction, with its mail), an agent's
unread count and list, marking read, and each agent's settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row

from ..db import cases, notification_settings, notifications, reading, writing
from ..mail import queue_mail
from .kinds import ALWAYS_ON, KINDS, OPTIONAL

# A notification unless the agent has one with this dedupe key already (then no row comes back): two sweeps
# at once, or a sweep run again, warn of a clock once. SQLite >= 3.35 and PostgreSQL.
_INSERT_ONCE = {
    module.dialect.name: module.insert(notifications)
    .on_conflict_do_nothing(index_elements=[notifications.c.agent_id, notifications.c.dedupe_key])
    .returning(notifications.c.id)
    for module in (sqlite, postgresql)
}
LIST_LIMIT = 100  # the list page shows the newest this many


@dataclass(frozen=True)
class Choice:
    """Where an agent gets one kind of notification."""

    by_mail: bool = True
    on_screen: bool = True


@dataclass(frozen=True)
class Message:
    """The mail version of a notification."""

    subject: str
    body: str


def choice_for(conn: Connection, agent_id: int, kind: str) -> Choice:
    """The agent's choice for `kind` (everything on unless they turned it off; always on for critical kinds)."""
    if kind in ALWAYS_ON:
        return Choice()
    row = conn.execute(
        sa.select(notification_settings).where(
            notification_settings.c.agent_id == agent_id, notification_settings.c.kind == kind
        )
    ).first()
    return Choice(row.by_mail, row.on_screen) if row else Choice()


def notify(
    conn: Connection,
    now: dt.datetime,
    agent: Row,
    kind: str,
    case: Row | None,
    summary: str,
    mail: Message | None,
    dedupe_key: str | None = None,
) -> bool:
    """Tell `agent` about `case` in the caller's transaction: a row for the console (unless they turned the
    screen off) and queued mail (unless turned off, or they have no address). With `dedupe_key`, only once per
    agent and key. True when something was raised."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    choice = choice_for(conn, agent.id, kind)
    mailed = choice.by_mail and mail is not None and bool(agent.email)
    if not (choice.on_screen or mailed):
        return False
    values = {
        "agent_id": agent.id,
        "case_id": case.id if case is not None else None,
        "kind": kind,
        "summary": summary[:300],
        "created_at": now,
        "on_screen": choice.on_screen,
        "read_at": None,
        "dedupe_key": dedupe_key,
    }
    if dedupe_key is not None:
        if conn.execute(_INSERT_ONCE[conn.dialect.name], values).scalar() is None:
            return False
    elif choice.on_screen:
        conn.execute(notifications.insert(), values)
    if mailed:
        queue_mail(conn, now, agent.email, mail.subject, mail.body, case.id if case is not None else None)
    return True


def _mine(agent_id: int):
    return [notifications.c.agent_id == agent_id, notifications.c.on_screen.is_(True)]


def unread_count(engine: Engine, agent_id: int) -> int:
    with reading(engine) as conn:
        return conn.execute(
            sa.select(sa.func.count())
            .select_from(notifications)
            .where(*_mine(agent_id), notifications.c.read_at.is_(None))
        ).scalar_one()


def recent(engine: Engine, agent_id: int, limit: int = LIST_LIMIT) -> list[Row]:
    """The agent's newest on-screen notifications, with their case's number (None for a case-less one)."""
    with reading(engine) as conn:
        return conn.execute(
            sa.select(notifications, cases.c.number)
            .outerjoin(cases, cases.c.id == notifications.c.case_id)
            .where(*_mine(agent_id))
            .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
            .limit(limit)
        ).all()


def mark_read(engine: Engine, agent_id: int, now: dt.datetime, notification_id: int | None = None) -> int:
    """Mark one of the agent's notifications read, or all of them (None); how many changed. Another agent's
    id changes nothing."""
    where = [*_mine(agent_id), notifications.c.read_at.is_(None)]
    if notification_id is not None:
        where.append(notifications.c.id == notification_id)
    with writing(engine) as conn:
        return conn.execute(notifications.update().where(*where).values(read_at=now)).rowcount


def load_choices(engine: Engine, agent_id: int) -> dict[str, Choice]:
    """The agent's choice for every kind."""
    with reading(engine) as conn:
        rows = conn.execute(sa.select(notification_settings).where(notification_settings.c.agent_id == agent_id))
        saved = {row.kind: Choice(row.by_mail, row.on_screen) for row in rows}
    return {kind: Choice() if kind in ALWAYS_ON else saved.get(kind, Choice()) for kind in KINDS}


def save_choices(engine: Engine, agent_id: int, choices: dict[str, Choice]) -> None:
    """Replace the agent's choices for the kinds they may turn off; critical kinds are never stored."""
    with writing(engine) as conn:
        conn.execute(notification_settings.delete().where(notification_settings.c.agent_id == agent_id))
        rows = [
            {"agent_id": agent_id, "kind": kind, "by_mail": choice.by_mail, "on_screen": choice.on_screen}
            for kind, choice in choices.items()
            if kind in OPTIONAL and choice != Choice()
        ]
        if rows:
            conn.execute(notification_settings.insert(), rows)
