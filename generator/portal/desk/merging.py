"""Merging a duplicate into the case that stays: its history (events, files, mail received, linked
articles) and its people (contacts) move to the target, the duplicate is resolved as merged and points
there, and its customers are told by mail where their case is followed from now on."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..db import article_links, attachments, case_contacts, cases, events, inbound_messages, reading
from ..mail import queue_mail
from . import texts
from .model import NUMBER, InvalidAction, NotAllowed
from .properties import PropertiesSide


class _Moved(NamedTuple):
    count: int  # events moved
    hidden: bool  # their customer-visible ones became internal


def contacts_of(conn: Connection, row: Row) -> list[tuple[str, str | None]]:
    """(email, name) of everyone on the case: its customer first, then its other contacts."""
    others = conn.execute(
        sa.select(case_contacts.c.email, case_contacts.c.name)
        .where(case_contacts.c.case_id == row.id)
        .order_by(case_contacts.c.id)
    ).all()
    return [(row.customer_email, row.customer_name), *((c.email, c.name) for c in others)]


class MergingSide(PropertiesSide):
    def contacts(self, row: Row) -> list[tuple[str, str | None]]:
        """(email, name) of everyone on the case, its customer first."""
        with reading(self.engine) as conn:
            return contacts_of(conn, row)

    def merged_into(self, row: Row) -> Row | None:
        """The case a merged duplicate went into; None for a case that was not merged."""
        if row.merged_into_id is None:
            return None
        with reading(self.engine) as conn:
            return conn.execute(sa.select(cases).where(cases.c.id == row.merged_into_id)).first()

    def merge(self, agent: Row, row: Row, target_number: str, reason: str, version: int | None = None) -> Row:
        """Merge the case `row` into `target_number`; the target as it is afterwards. The agent's level must
        reach both cases; neither may be merged already, and they must differ."""
        target_number = target_number.strip().upper()
        if not NUMBER.fullmatch(target_number):
            raise InvalidAction("Give the number of the case to merge into, such as CASE-000123.")
        merged: list[Row] = []

        def merge(conn: Connection, source: Row, now: dt.datetime) -> None:
            target = conn.execute(sa.select(cases).where(cases.c.number == target_number).with_for_update()).first()
            if target is None:
                raise InvalidAction(f"There is no case {target_number}.")
            if target.level > agent.level and not agent.is_admin:
                raise NotAllowed(f"{target.number} is at Level {target.level}; your level is {agent.level}")
            if target.id == source.id:
                raise InvalidAction("A case cannot be merged into itself.")
            if source.merged_into_id is not None:
                raise InvalidAction(f"{source.number} was already merged into another case.")
            if target.merged_into_id is not None or target.status == "resolved":
                raise InvalidAction(f"{target.number} is resolved; reopen it first, or merge into another case.")
            moved = self._move_history(conn, source, target)
            self._move_contacts(conn, source, target, now)
            conn.execute(
                cases.update()
                .where(cases.c.id == source.id)
                .values(
                    status="resolved",
                    resolved_at=now,
                    paused_at=None,
                    resolution=f"Merged into {target.number}.",
                    merged_into_id=target.id,
                    first_responded_at=source.first_responded_at or now,
                )
            )
            private = " (its customer's messages are internal here: the customers differ)" if moved.hidden else ""
            why = f" {texts.sentence(reason)}." if reason.strip() else ""
            self._event(
                conn,
                target,
                "merged",
                agent.username,
                agent=agent,
                body=f"{source.number} merged into this case by {agent.display_name}: {moved.count} events "
                f"moved{private}.{why}",
            )
            self._event(
                conn,
                source,
                "merged",
                agent.username,
                agent=agent,
                visible=True,
                body=f"Merged into {target.number}.",
            )
            self._bump(conn, target)
            link = self.case_link(target, self.token_for(target))
            for address, _name in contacts_of(conn, source):
                queue_mail(
                    conn,
                    now,
                    address,
                    f"[{source.number}] Merged into {target.number}",
                    texts.update_mail(target, texts.merged_text(source, target), link, by_agent=False),
                    source.id,
                )
            merged.append(target)

        self._act(agent, row, merge, version)
        return merged[0]

    def _move_history(self, conn: Connection, source: Row, target: Row) -> _Moved:
        """Events, their files and the mail they came from go to the target. When the two cases' customers
        differ, the duplicate's customer-visible events become internal on the target: one customer never
        reads another's words on their case page."""
        count = conn.execute(sa.select(sa.func.count()).where(events.c.case_id == source.id)).scalar_one()
        hidden = source.customer_email.lower() != target.customer_email.lower()
        values: dict = {"case_id": target.id}
        if hidden:
            values["visibility"] = "internal"
        conn.execute(events.update().where(events.c.case_id == source.id).values(**values))
        conn.execute(attachments.update().where(attachments.c.case_id == source.id).values(case_id=target.id))
        conn.execute(inbound_messages.update().where(inbound_messages.c.case_id == source.id).values(case_id=target.id))
        on_target = sa.select(article_links.c.article_id).where(article_links.c.case_id == target.id)
        conn.execute(
            article_links.update()
            .where(article_links.c.case_id == source.id, article_links.c.article_id.not_in(on_target))
            .values(case_id=target.id)
        )
        return _Moved(count, hidden)

    def _move_contacts(self, conn: Connection, source: Row, target: Row, now: dt.datetime) -> None:
        """The duplicate's customer and contacts become the target's contacts (once each; the target's own
        customer is never copied into the table)."""
        have = {email.lower() for email, _ in contacts_of(conn, target)}
        for address, name in contacts_of(conn, source):
            if address.lower() in have:
                continue
            have.add(address.lower())
            conn.execute(
                case_contacts.insert(), {"case_id": target.id, "email": address, "name": name, "added_at": now}
            )
