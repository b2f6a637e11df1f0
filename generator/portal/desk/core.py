"""What every part of the desk builds on: one transaction per change, the case's history, the customer's
updates, mail sent after the commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from ..clients import profile_of, support_hours
from ..clock import utcnow
from ..config import PortalConfig
from ..db import agents, cases, events, writing
from ..mail import MailSender, deliver_pending, queue_mail
from . import texts
from .model import NotAllowed, StaleCase


class DeskCore:
    def __init__(
        self,
        engine: Engine,
        config: PortalConfig,
        now: Callable[[], dt.datetime] = utcnow,
        sender: MailSender | None = None,
    ):
        """`sender`: mail goes out on that thread, requests only queue it; without one (the command line,
        tests), each change sends its mail before returning."""
        self.engine, self.config, self.now, self.sender = engine, config, now, sender

    # -- for other services (mail in) ------------------------------------------------------------------------

    def change(
        self,
        agent: Row | None,
        row: Row,
        change: Callable[[Connection, Row, dt.datetime], None],
        version: int | None = None,
    ) -> None:
        """An agent's change to a case: their level checked, one transaction, its mail sent after; with
        `version`, refused (StaleCase) when the case has changed since the agent saw that version. Agent
        None: the system's own change (a release published from the command line), no level to check."""
        self._act(agent, row, change, version)

    def customer_update(
        self, conn: Connection, row: Row, now: dt.datetime, agent: Row | None, text: str, mail: bool = True
    ) -> int:
        """Something the customer hears from us, in the caller's transaction (see _customer_update)."""
        return self._customer_update(conn, row, now, agent, text, "web", mail=mail)

    def followed(self, conn: Connection, row: Row) -> Row:
        """`row`, or for a merged duplicate the case it was merged into (locked, as `_fresh` reads it):
        where the customer's word on it goes now."""
        seen = {row.id}
        while row.merged_into_id is not None and row.merged_into_id not in seen:
            seen.add(row.merged_into_id)
            row = self._fresh(conn, row.merged_into_id)
        return row

    def add_event(self, conn: Connection, row: Row, kind: str, actor: str, **details) -> int:
        """An event in the case's history, in the caller's transaction; its id."""
        return self._event(conn, row, kind, actor, **details)

    # -- a client's contract hours ----------------------------------------------------------------------------

    def update_hours(self, row: Row) -> int:
        """How often the customer of `row` hears from us: their client's contract hours, else portal.yml's."""
        return support_hours(profile_of(self.config, row.client)).updates or self.config.update_every_hours

    def level1_hours(self, row: Row) -> int:
        """How long `row` may stay at Level 1: their client's contract hours, else portal.yml's."""
        return support_hours(profile_of(self.config, row.client)).resolution or self.config.level1_hours

    # -- the pieces -----------------------------------------------------------------------------------------

    def _act(
        self,
        agent: Row | None,
        row: Row,
        change: Callable[[Connection, Row, dt.datetime], None],
        version: int | None = None,
    ) -> None:
        now = self.now()
        with writing(self.engine) as conn:
            row = self._fresh(conn, row.id)
            if agent is not None and row.level > agent.level and not agent.is_admin:
                raise NotAllowed(f"{row.number} is at Level {row.level}; your level is {agent.level}")
            # Checked on the locked row, in the change's own transaction: two agents sending at once from
            # the same version, the second waits for the first and then finds the version moved on.
            if version is not None and version != row.version:
                raise StaleCase(row.number, version, row.version)
            change(conn, row, now)
            conn.execute(cases.update().where(cases.c.id == row.id).values(updated_at=now, version=cases.c.version + 1))
        self.deliver(row.id)

    def _bump(self, conn: Connection, row: Row) -> None:
        """The case changed outside an agent's action (the customer wrote, the timer acted): a new version,
        so a page drawn before it cannot act on the case as it was."""
        conn.execute(cases.update().where(cases.c.id == row.id).values(version=cases.c.version + 1))

    def _fresh(self, conn: Connection, case_id: int) -> Row:
        # FOR UPDATE: every change is "read the case, decide, write". On PostgreSQL (READ COMMITTED) two
        # transactions could otherwise both read the old row and both act -- two sweeps escalating the same
        # case twice. The lock makes the second wait and then read what the first wrote. SQLite needs no
        # row lock (BEGIN IMMEDIATE already serialises writers) and SQLAlchemy leaves the clause out there.
        return conn.execute(sa.select(cases).where(cases.c.id == case_id).with_for_update()).one()

    def _agent(self, conn: Connection, agent_id: int) -> Row | None:
        return conn.execute(sa.select(agents).where(agents.c.id == agent_id)).first()

    def _event(
        self,
        conn: Connection,
        row: Row,
        kind: str,
        actor: str,
        *,
        agent: Row | None = None,
        body: str = "",
        channel: str = "system",
        visible: bool = False,
    ) -> int:
        """Add an event to the case's history: its id."""
        return conn.execute(
            events.insert(),  # values as parameters: cheaper than .values(), which rebuilds the statement each time
            {
                "case_id": row.id,
                "at": self.now(),
                "kind": kind,
                "channel": channel,
                "actor": actor,
                "agent_id": agent.id if agent else None,
                "body": body,
                "visibility": "customer" if visible else "internal",
            },
        ).inserted_primary_key[0]

    def _customer_update(
        self,
        conn: Connection,
        row: Row,
        now: dt.datetime,
        agent: Row | None,
        text: str,
        channel: str,
        mail: bool = True,
        kind: str = "reply",
    ) -> int:
        """Anything the customer hears from us: it answers the first-response clock and restarts the
        24-hour update clock. The id of its history event."""
        actor = agent.username if agent else "system"
        event = self._event(conn, row, kind, actor, agent=agent, body=text, channel=channel, visible=True)
        values = {"next_update_due": now + dt.timedelta(hours=self.update_hours(row))}
        if agent is not None:
            values["first_responded_at"] = row.first_responded_at or now
            if row.status == "new":
                values["status"] = "open"
        conn.execute(cases.update().where(cases.c.id == row.id).values(**values))
        if mail:
            # The automatic status update repeats nothing the customer typed: the address is unverified.
            about = row.subject if agent else "we are working on your case"
            subject = f"[{row.number}] Update: {about}"
            queue_mail(conn, now, row.customer_email, subject, self._update_mail(row, text, agent is not None), row.id)
        return event

    def _resume(self, conn: Connection, row: Row, now: dt.datetime, agent: Row | None = None) -> None:
        """Restart paused clocks where they stopped: the time spent waiting on the customer is added."""
        paused = now - row.paused_at if row.paused_at else dt.timedelta(0)
        values = {"status": "open", "paused_at": None, "next_update_due": (row.next_update_due or now) + paused}
        if row.resolution_due:
            values["resolution_due"] = row.resolution_due + paused
        conn.execute(cases.update().where(cases.c.id == row.id).values(**values))
        actor = agent.username if agent else "customer"
        self._event(conn, row, "status", actor, agent=agent, body="No longer waiting on the customer; clocks resumed")

    def _reopen(self, conn: Connection, row: Row, now: dt.datetime, agent: Row | None = None, why: str = "") -> None:
        values = {
            "status": "open",
            "resolved_at": None,
            "paused_at": None,
            "next_update_due": now + dt.timedelta(hours=self.update_hours(row)),
        }
        if row.level == 1:
            values["resolution_due"] = now + dt.timedelta(hours=self.level1_hours(row))
        conn.execute(cases.update().where(cases.c.id == row.id).values(**values))
        actor = agent.username if agent else "customer"
        self._event(
            conn, row, "reopened", actor, agent=agent, body=why or "Reopened by the customer's reply", visible=True
        )

    def token_for(self, row: Row) -> str:
        """The private link's secret: an HMAC of the case under the portal's key, never stored."""
        message = f"case-link:{row.id}:{row.link_salt}".encode()
        return hmac.new(self.config.secret_key.encode(), message, hashlib.sha256).hexdigest()[:40]

    def case_link(self, row: Row, token: str) -> str:
        return f"{self.config.base_url}/cases/{row.number}/{token}"

    def deliver(self, case_id: int | None = None) -> int:
        """Send queued mail: the one case's after a change to it (what that change queued, and any of its
        earlier mail still unsent), everyone's from the sweep. Performance: when every request sent every
        case's pending mail, concurrent requests all raced to claim the same messages, each failed claim a
        write transaction of its own; under 32 concurrent submissions that cost grew with the backlog and
        held the portal to 55-80 cases/s. Mail of other cases that failed to go out is retried by the
        sweep, as before."""
        if self.sender is not None:
            self.sender.notify()
            return 0
        return deliver_pending(self.engine, self.config, self.now(), case_id)

    def _update_mail(self, row: Row, text: str, by_agent: bool) -> str:
        return texts.update_mail(row, text, self.case_link(row, self.token_for(row)), by_agent)
