"""An agent's answer to mail held as "unverified sender": accept it (it becomes the customer's word, and
its address may write to the case from then on) or reject it (it stays on record, internal)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..db import inbound_messages
from ..desk import Desk, InvalidAction
from .parse import parse_mail
from .receive import _store_files
from .trim import trim_reply


def held_mail(desk: Desk, row: Row) -> set[int]:
    """The event ids of the case's mail still waiting for an agent's accept or reject."""
    with desk.engine.connect() as conn:
        return set(
            conn.execute(
                sa.select(inbound_messages.c.event_id).where(
                    inbound_messages.c.case_id == row.id, inbound_messages.c.state == "unverified"
                )
            ).scalars()
        )


def mail_events(desk: Desk, row: Row) -> set[int]:
    """The event ids of the case's events that came by mail: each has its original message for agents."""
    with desk.engine.connect() as conn:
        return set(
            conn.execute(
                sa.select(inbound_messages.c.event_id).where(
                    inbound_messages.c.case_id == row.id,
                    inbound_messages.c.event_id.is_not(None),
                    inbound_messages.c.raw.is_not(None),
                )
            ).scalars()
        )


def original_mail(desk: Desk, row: Row, event_id: int) -> bytes | None:
    """The untrimmed message behind event `event_id` of case `row`, as received; None if there is none."""
    with desk.engine.connect() as conn:
        return conn.execute(
            sa.select(inbound_messages.c.raw).where(
                inbound_messages.c.case_id == row.id, inbound_messages.c.event_id == event_id
            )
        ).scalar()


def accept_held(desk: Desk, agent: Row, row: Row, event_id: int, version: int | None = None) -> None:
    """Make held mail the customer's word (a reply by email), and its sender an address on the case."""

    def accept(conn: Connection, row: Row, now: dt.datetime) -> None:
        held = _held(conn, row, event_id)
        mail = parse_mail(held.raw)
        reply = desk.add_customer_reply(conn, row, trim_reply(mail.text) or "(no text)", "email", now)
        _store_files(conn, desk.config, row.id, reply, mail.files)
        _settle(conn, held, "accepted", agent)
        desk.add_event(
            conn, row, "sender_accepted", agent.username, agent=agent, body=f"Mail from {held.sender} accepted."
        )

    desk.change(agent, row, accept, version)


def reject_held(desk: Desk, agent: Row, row: Row, event_id: int, version: int | None = None) -> None:
    """Keep held mail out of the customer's word for good."""

    def reject(conn: Connection, row: Row, now: dt.datetime) -> None:
        held = _held(conn, row, event_id)
        _settle(conn, held, "rejected_sender", agent)
        desk.add_event(
            conn, row, "sender_rejected", agent.username, agent=agent, body=f"Mail from {held.sender} rejected."
        )

    desk.change(agent, row, reject, version)


def _held(conn: Connection, row: Row, event_id: int) -> Row:
    held = conn.execute(
        sa.select(inbound_messages)
        .where(
            inbound_messages.c.case_id == row.id,
            inbound_messages.c.event_id == event_id,
            inbound_messages.c.state == "unverified",
        )
        .with_for_update()
    ).first()
    if held is None:
        raise InvalidAction("That mail is not waiting any more: it was accepted or rejected already.")
    return held


def _settle(conn: Connection, held: Row, state: str, agent: Row) -> None:
    conn.execute(
        inbound_messages.update()
        .where(inbound_messages.c.id == held.id)
        .values(state=state, reason=f"{state.replace('_', ' ')} by {agent.username}")
    )
