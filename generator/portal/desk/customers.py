"""The customer's side of the desk: a new case (by form or mail), its private link, the customer's replies."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from ..attachments import IncomingFile, save_files
from ..clients import local_day, outside_contract, profile_of, support_hours
from ..clock import clocks_for
from ..db import agents, cases, deflections, events, reading, writing
from ..mail import deliver_claimed, queue_mail
from ..notifications import Message, notify
from . import texts
from .levels import Levels
from .model import NUMBER, CaseNotFound, InvalidAction, NewCase, Opened, Submitted, case_number

# A new case, unless its idempotency key is taken (then no row comes back); SQLite >= 3.35 and PostgreSQL.
# On PostgreSQL a form sent again still draws an id from the sequence, so case numbers can skip one, as they
# do after any rolled-back insert there: numbers are unique, not gapless.
_INSERT_NEW = {
    module.dialect.name: module.insert(cases)
    .on_conflict_do_nothing(index_elements=[cases.c.idempotency_key])
    .returning(cases.c.id)
    for module in (sqlite, postgresql)
}
_NUMBERED = (
    cases.update()
    .where(cases.c.id == sa.bindparam("case_id"))
    .values(number=sa.bindparam("case_number"))
    .returning(*cases.c)
)
_BY_KEY = sa.select(cases).where(cases.c.idempotency_key == sa.bindparam("key"))
# Cases logged for one address in the last hour (this one included): the acknowledgements' rate limit.
_RECENT_FOR_ADDRESS = (
    sa.select(sa.func.count())
    .select_from(cases)
    .where(cases.c.customer_email == sa.bindparam("address"), cases.c.created_at > sa.bindparam("since"))
)


class CustomerSide(Levels):
    def submit(self, new: NewCase, idempotency_key: str, files: Sequence[IncomingFile] = ()) -> Submitted:
        """Store a new case (and its files) and acknowledge it; the same idempotency key again returns the
        same case."""
        now = self.now()
        catastrophic = new.severity == "catastrophic"
        values = self.case_values(new, idempotency_key, now)
        # Performance: three statements while SQLite's write lock is held, which every other submission is
        # queueing for, and everything that need not be inside the transaction done before it.
        with writing(self.engine) as conn:
            opened = self.open_case(conn, values, now, "web")
            if opened is None:
                # The key is taken: the same form sent again, or twice at once (a double click, a retrying
                # proxy). On PostgreSQL the second insert waits for the first transaction and then does
                # nothing; this statement, a new snapshot, sees what the first committed.
                existing = conn.execute(_BY_KEY, {"key": idempotency_key}).one()
                return Submitted(existing.number, self.token_for(existing), created=False)
            row, token, acknowledgement = opened.row, opened.token, opened.acknowledgement
            case_id = row.id
            save_files(conn, self.config, case_id, opened.event_id, files)
        if acknowledgement is not None and self.sender is None:
            deliver_claimed(self.engine, self.config, self.now(), [acknowledgement])
        if catastrophic or self.sender is not None:
            self.deliver(case_id)  # the Level 3 alerts; with a sender thread, all of it
        return Submitted(row.number, token, created=True)

    def open_case(self, conn: Connection, values: dict, now: dt.datetime, channel: str) -> Opened | None:
        """Insert a case (`values`: the cases row but its number) in the caller's transaction, with its
        "created" event, acknowledgement and Level 3 alert; None when its idempotency key is taken."""
        case_id = conn.execute(_INSERT_NEW[conn.dialect.name], values).scalar()
        if case_id is None:
            return None
        row = conn.execute(_NUMBERED, {"case_id": case_id, "case_number": case_number(case_id)}).one()
        event_id = self._event(conn, row, "created", "customer", body=row.description, channel=channel, visible=True)
        token = self.token_for(row)
        acknowledgement = self._acknowledge(conn, row, token, now)
        if row.severity == "catastrophic":
            self._alert_level3(conn, row, "Reported as catastrophic")
        return Opened(row, token, acknowledgement, event_id)

    def case_values(self, new: NewCase, idempotency_key: str, now: dt.datetime) -> dict:
        """The cases row of a new case (but its number): clocks started (on its client's contract hours, where
        it sets them), Level 3 if catastrophic, flagged when its client's contract is not in force."""
        client = profile_of(self.config, new.client)
        clocks = clocks_for(now, self.config, support_hours(client))
        catastrophic = new.severity == "catastrophic"
        return {
            "idempotency_key": idempotency_key,
            "link_salt": secrets.token_hex(16),
            "status": "new",
            "level": 3 if catastrophic else 1,
            "created_at": now,
            "updated_at": now,
            "first_response_due": clocks.first_response_due,
            "next_update_due": clocks.next_update_due,
            "resolution_due": None if catastrophic else clocks.resolution_due,
            "contract_ended": outside_contract(client, local_day(self.config, now)),
            **new.__dict__,
        }

    def _acknowledge(self, conn: Connection, row: Row, token: str, now: dt.datetime) -> int | None:
        """Queue the new case's acknowledgement (its id), or, past the address's hourly limit, record on the
        case that none was sent (None). Nobody has verified the address the customer typed, so the mail
        says only that a case was logged and where to follow it: no subject, name or description that
        could turn it into someone else's message sent through our domain."""
        limit = self.config.mail.acknowledgements_per_hour
        since = now - dt.timedelta(hours=1)
        recent = conn.execute(_RECENT_FOR_ADDRESS, {"address": row.customer_email, "since": since}).scalar_one()
        if recent > limit:
            self._event(
                conn,
                row,
                "mail_withheld",
                "system",
                body=f"No acknowledgement mailed to {row.customer_email}: {recent} cases for that address in the "
                f"last hour, more than the {limit} acknowledgements an hour portal.yml allows "
                "(mail: acknowledgements_per_hour).",
            )
            return None
        return queue_mail(
            conn,
            now,
            row.customer_email,
            f"[{row.number}] We have your case",
            texts.received_mail(self.config, row, self.case_link(row, token)),
            row.id,
            # Without a sender thread it is sent just after the commit: claimed here, that is one write
            # transaction fewer per case.
            claim=self.sender is None,
        )

    def case_for_customer(self, number: str, token: str) -> Row:
        """The case behind a private link; CaseNotFound for a wrong number or a wrong token alike."""
        if not NUMBER.fullmatch(number):
            raise CaseNotFound(number)
        with reading(self.engine) as conn:
            row = conn.execute(sa.select(cases).where(cases.c.number == number)).first()
        if row is None or not hmac.compare_digest(self.token_for(row), token):
            raise CaseNotFound(number)
        return row

    def customer_history(self, row: Row) -> list[Row]:
        with reading(self.engine) as conn:
            return conn.execute(
                sa.select(events)
                .where(events.c.case_id == row.id, events.c.visibility == "customer")
                .order_by(events.c.at, events.c.id)
            ).all()

    def customer_reply(self, row: Row, text: str, files: Sequence[IncomingFile] = ()) -> None:
        """The customer adds information (and files): waiting cases resume, resolved cases reopen."""
        with writing(self.engine) as conn:
            row = self.followed(conn, self._fresh(conn, row.id))  # a merged duplicate's page writes to its target
            event = self.add_customer_reply(conn, row, text, "web", self.now())
            save_files(conn, self.config, row.id, event, files)
        self.deliver(row.id)

    def add_customer_reply(
        self, conn: Connection, row: Row, text: str, channel: str, now: dt.datetime, tell_level: bool = False
    ) -> int:
        """The customer's word in the caller's transaction (`row` read with _fresh); its event id. Waiting
        cases resume, resolved ones reopen; the assignee is told, or with `tell_level` and nobody assigned,
        every active agent of the case's level."""
        event_id = self._event(conn, row, "customer_reply", "customer", body=text, channel=channel, visible=True)
        self._bump(conn, row)
        if row.status == "waiting":
            self._resume(conn, row, now)
        elif row.status == "resolved":
            self._reopen(conn, row, now)
        assignee = self._agent(conn, row.assignee_id) if row.assignee_id else None
        if assignee:
            told = [assignee]
        elif tell_level:
            told = conn.execute(sa.select(agents).where(agents.c.level == row.level, agents.c.active.is_(True))).all()
        else:
            told = []
        link = f"{self.config.base_url}/agent/cases/{row.number}"
        for agent in told:
            mail = Message(
                f"[{row.number}] The customer replied", texts.replied_mail(row, text, link, agent.display_name)
            )
            notify(
                conn, now, agent, "customer_replied", row, f"{row.number}: the customer replied ({row.subject})", mail
            )
        return event_id

    def case_avoided(self, article_id: str, query: str | None, page_id: str | None, context_id: str | None) -> None:
        with writing(self.engine) as conn:
            conn.execute(
                deflections.insert().values(
                    at=self.now(), article_id=article_id, query=query, page_id=page_id, context_id=context_id
                )
            )

    # -- a signed-in customer (or the private link) closes or reopens the case (issue 15) ----------------------

    def customer_close(self, row: Row) -> None:
        """The customer says the case is solved: it is resolved in their name, the assignee told."""
        now = self.now()
        with writing(self.engine) as conn:
            row = self._fresh(conn, row.id)
            if row.status == "resolved":
                raise InvalidAction("The case is already resolved.")
            words = "Closed by the customer as solved."
            conn.execute(
                cases.update()
                .where(cases.c.id == row.id)
                .values(status="resolved", resolved_at=now, resolution=words, paused_at=None, updated_at=now)
            )
            self._event(conn, row, "closed", "customer", body=words, channel="web", visible=True)
            assignee = self._agent(conn, row.assignee_id) if row.assignee_id else None
            if assignee and assignee.email:
                link = f"{self.config.base_url}/agent/cases/{row.number}"
                queue_mail(
                    conn, now, assignee.email, f"[{row.number}] Closed by the customer", f"{words}\n\n{link}\n", row.id
                )
        self.deliver(row.id)

    def customer_reopen(self, row: Row, text: str, files: Sequence[IncomingFile] = ()) -> None:
        """The customer reopens a resolved case, saying why: their reply, which reopens it and tells the
        assignee, or with nobody assigned every agent of its level."""
        now = self.now()
        with writing(self.engine) as conn:
            row = self._fresh(conn, row.id)
            if row.status != "resolved":
                raise InvalidAction("Only a resolved case can be reopened; it is open already.")
            event = self.add_customer_reply(conn, row, text, "web", now, tell_level=True)
            conn.execute(cases.update().where(cases.c.id == row.id).values(updated_at=now))
            save_files(conn, self.config, row.id, event, files)
        self.deliver(row.id)
