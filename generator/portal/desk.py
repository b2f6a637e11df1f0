"""The support desk: the support policy applied to the case store.

Every change to a case is one transaction that writes the change, an event in the case's history and the
notifications it causes (queued mail), so the history and the mail can never disagree with the case.
Rules that run on a timer (escalation after 24 hours, the status update every 24 hours) are conditional
updates: running the sweep twice, or in two processes at once, changes nothing twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row

from .attachments import IncomingFile, delete_files, save_files, sweep_orphans
from .attachments.storage import remove_files
from .clock import clocks_for, utcnow
from .config import PortalConfig
from .db import agents, cases, deflections, events, reading, writing
from .mail import MailSender, deliver_claimed, deliver_pending, queue_mail, release_dead_claims, undelivered
from .sessions import Sessions

SEVERITIES = {
    "minor": "A question, or a problem with a workaround",
    "major": "It stops me or my team from our daily work",
    "catastrophic": "The system is down or data is lost for many users",
}
STATUSES = {"new": "New", "open": "In progress", "waiting": "Waiting on you", "resolved": "Resolved"}
LEVELS = {1: "Level 1 support", 2: "Level 2: senior product engineers", 3: "Level 3: rapid-response team"}
OPEN = ("new", "open")  # the clocks run
ACTIVE = ("new", "open", "waiting")  # not resolved


@dataclass(frozen=True)
class NewCase:
    subject: str
    description: str
    customer_name: str
    customer_email: str
    severity: str
    company: str | None = None
    phone: str | None = None
    module: str | None = None
    page_id: str | None = None
    context_id: str | None = None
    last_search: str | None = None
    client: str | None = None  # the client build the customer came from


@dataclass(frozen=True)
class Submitted:
    number: str
    token: str
    created: bool  # False: the same form was submitted before, this is that case


@dataclass(frozen=True)
class Opened:
    row: Row
    token: str
    acknowledgement: int | None  # the queued acknowledgement's id; None when the hourly limit withheld it
    event_id: int


@dataclass(frozen=True)
class SweepReport:
    escalated: tuple[str, ...]
    updated: tuple[str, ...]
    mailed: int


class CaseNotFound(LookupError):
    """No such case for this caller: the same answer whether it does not exist or is not theirs."""


class NotAllowed(PermissionError):
    """The signed-in agent's level does not reach this case or action."""


class InvalidAction(ValueError):
    """An action that does not fit the case's state, with a message for the agent."""


def case_number(case_id: int) -> str:
    return f"CASE-{case_id:06d}"


# What `case_number` writes. A number from a URL is checked against it before it reaches the database:
# anything else is simply not a case, and PostgreSQL refuses text with NUL in it outright (a 500, not a 404).
NUMBER = re.compile(r"CASE-[0-9]{6,18}")


# The statements of the portal's busiest path, built once: building one costs about what running it does.
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


class Desk:
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

    # -- customers --------------------------------------------------------------------------------------

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
        """The cases row of a new case (but its number): clocks started, Level 3 if catastrophic."""
        clocks = clocks_for(now, self.config)
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
            self._received_mail(row, token),
            row.id,
            # Without a sender thread it is sent just after the commit: claimed here, that is one write
            # transaction fewer per case.
            claim=self.sender is None,
        )

    def token_for(self, row: Row) -> str:
        """The private link's secret: an HMAC of the case under the portal's key, never stored."""
        message = f"case-link:{row.id}:{row.link_salt}".encode()
        return hmac.new(self.config.secret_key.encode(), message, hashlib.sha256).hexdigest()[:40]

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
            event = self.add_customer_reply(conn, self._fresh(conn, row.id), text, "web", self.now())
            save_files(conn, self.config, row.id, event, files)
        self.deliver(row.id)

    def add_customer_reply(
        self, conn: Connection, row: Row, text: str, channel: str, now: dt.datetime, tell_level: bool = False
    ) -> int:
        """The customer's word in the caller's transaction (`row` read with _fresh); its event id. Waiting
        cases resume, resolved ones reopen; the assignee is told, or with `tell_level` and nobody assigned,
        every active agent of the case's level."""
        event_id = self._event(conn, row, "customer_reply", "customer", body=text, channel=channel, visible=True)
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
        for agent in told:
            if agent.email:
                link = f"{self.config.base_url}/agent/cases/{row.number}"
                queue_mail(
                    conn, now, agent.email, f"[{row.number}] The customer replied", f"{text}\n\n{link}\n", row.id
                )
        return event_id

    def case_avoided(self, article_id: str, query: str | None, page_id: str | None, context_id: str | None) -> None:
        with writing(self.engine) as conn:
            conn.execute(
                deflections.insert().values(
                    at=self.now(), article_id=article_id, query=query, page_id=page_id, context_id=context_id
                )
            )

    # -- agents -----------------------------------------------------------------------------------------

    def queue(self, agent: Row, include_resolved: bool = False) -> list[Row]:
        """The cases this agent can work, what is due first at the top; paused cases after running ones."""
        statuses = tuple(STATUSES) if include_resolved else ACTIVE
        with reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(cases).where(cases.c.status.in_(statuses), cases.c.level <= agent.level)
            ).all()
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        return sorted(rows, key=lambda row: (row.status == "resolved", row.paused_at is not None, due(row) or far))

    def case_for_agent(self, agent: Row, number: str) -> Row:
        if not NUMBER.fullmatch(number):
            raise CaseNotFound(number)
        with reading(self.engine) as conn:
            row = conn.execute(sa.select(cases).where(cases.c.number == number)).first()
        if row is None:
            raise CaseNotFound(number)
        if row.level > agent.level and not agent.is_admin:
            raise NotAllowed(f"{number} is at Level {row.level}; your level is {agent.level}")
        return row

    def undelivered_mail(self, row: Row) -> list[Row]:
        """The case's mail that has not gone out yet, or was given up: for the agent's case page."""
        with reading(self.engine) as conn:
            return undelivered(conn, row.id)

    def history(self, row: Row) -> list[Row]:
        with reading(self.engine) as conn:
            return conn.execute(
                sa.select(events).where(events.c.case_id == row.id).order_by(events.c.at, events.c.id)
            ).all()

    def reply(self, agent: Row, row: Row, text: str, files: Sequence[IncomingFile] = ()) -> None:
        """A reply to the customer: the first response, and an update that restarts the 24-hour clock."""

        def reply(conn: Connection, row: Row, now: dt.datetime) -> None:
            event = self._customer_update(conn, row, now, agent, text, "web")
            save_files(conn, self.config, row.id, event, files)

        self._act(agent, row, reply)

    def record_contact(self, agent: Row, row: Row, channel: str, direction: str, text: str) -> None:
        """A phone call or an email, in or out. A contact out to the customer counts as an update."""
        if channel not in ("phone", "email") or direction not in ("in", "out"):
            raise InvalidAction("a contact is a phone call or an email, in or out")

        def record(conn: Connection, row: Row, now: dt.datetime) -> None:
            if direction == "out":
                self._customer_update(conn, row, now, agent, text, channel, mail=False, kind="contact_out")
            else:
                self._event(conn, row, "contact_in", agent.username, agent=agent, body=text, channel=channel)

        self._act(agent, row, record)

    def note(self, agent: Row, row: Row, text: str, files: Sequence[IncomingFile] = ()) -> None:
        def note(conn: Connection, row: Row, now: dt.datetime) -> None:
            event = self._event(conn, row, "note", agent.username, agent=agent, body=text)
            save_files(conn, self.config, row.id, event, files)

        self._act(agent, row, note)

    def delete_attachments(self, agent: Row, row: Row, file_ids: Sequence[int]) -> None:
        """An admin removes files of the case: the rows and a history event saying which, then the bytes."""
        if not agent.is_admin:
            raise NotAllowed("Only an admin can delete attachments.")
        removed: list[Row] = []

        def delete(conn: Connection, row: Row, now: dt.datetime) -> None:
            removed[:] = delete_files(conn, row.id, file_ids)
            if not removed:
                raise InvalidAction("Choose the files to delete.")
            names = "\n".join(f"- {file.name} ({file.size} bytes, {file.content_type})" for file in removed)
            body = f"Deleted {len(removed)} attachment{'s' if len(removed) > 1 else ''}:\n{names}"
            self._event(conn, row, "attachments_deleted", agent.username, agent=agent, body=body)

        self._act(agent, row, delete)
        remove_files(self.config.attachments_dir, [file.storage_name for file in removed])

    def assign(self, agent: Row, row: Row, assignee_id: int | None) -> None:
        def assign(conn: Connection, row: Row, now: dt.datetime) -> None:
            assignee = self._agent(conn, assignee_id) if assignee_id else None
            if assignee_id and (assignee is None or not assignee.active):
                raise InvalidAction("no such active agent")
            if assignee and assignee.level < row.level:
                raise InvalidAction(
                    f"{assignee.display_name} works Level {assignee.level}; this case is Level {row.level}"
                )
            conn.execute(cases.update().where(cases.c.id == row.id).values(assignee_id=assignee_id, updated_at=now))
            who = assignee.display_name if assignee else "nobody"
            self._event(conn, row, "assigned", agent.username, agent=agent, body=f"Assigned to {who}")
            if assignee and assignee.email and assignee.id != agent.id:
                queue_mail(
                    conn,
                    now,
                    assignee.email,
                    f"[{row.number}] Assigned to you: {row.subject}",
                    self._agent_mail(row),
                    row.id,
                )

        self._act(agent, row, assign)

    def escalate(self, agent: Row, row: Row, reason: str) -> None:
        def escalate(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.level >= 3:
                raise InvalidAction("the case is already with the Level 3 rapid-response team")
            self._raise_level(conn, row, now, row.level + 1, f"Escalated by {agent.display_name}: {reason}", agent)

        self._act(agent, row, escalate)

    def wait_on_customer(self, agent: Row, row: Row, text: str) -> None:
        """Ask the customer for something; the clocks stop until they answer (or an agent resumes)."""

        def wait(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.status not in OPEN:
                raise InvalidAction("only a running case can wait on the customer")
            self._customer_update(conn, row, now, agent, text, "web")
            conn.execute(cases.update().where(cases.c.id == row.id).values(status="waiting", paused_at=now))
            self._event(conn, row, "status", agent.username, agent=agent, body="Waiting on the customer; clocks paused")

        self._act(agent, row, wait)

    def resume(self, agent: Row, row: Row) -> None:
        def resume(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.status != "waiting":
                raise InvalidAction("the case is not waiting on the customer")
            self._resume(conn, row, now, agent)

        self._act(agent, row, resume)

    def resolve(self, agent: Row, row: Row, resolution: str) -> None:
        def resolve(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.status == "resolved":
                raise InvalidAction("the case is already resolved")
            conn.execute(
                cases.update()
                .where(cases.c.id == row.id)
                .values(
                    status="resolved",
                    resolved_at=now,
                    resolution=resolution,
                    paused_at=None,
                    updated_at=now,
                    first_responded_at=row.first_responded_at or now,
                )
            )
            self._event(conn, row, "resolved", agent.username, agent=agent, body=resolution, visible=True)
            queue_mail(
                conn,
                now,
                row.customer_email,
                f"[{row.number}] Resolved: {row.subject}",
                self._update_mail(row, f"Your case is resolved.\n\n{resolution}", by_agent=True),
                row.id,
            )

        self._act(agent, row, resolve)

    def reopen(self, agent: Row, row: Row, reason: str) -> None:
        def reopen(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.status != "resolved":
                raise InvalidAction("only a resolved case can be reopened")
            self._reopen(conn, row, now, agent, reason)

        self._act(agent, row, reopen)

    # -- the timer ----------------------------------------------------------------------------------------

    def sweep(self) -> SweepReport:
        """Escalate Level 1 cases past their resolution clock; send the status update of every case whose
        update clock ran out; retry mail; delete sessions that ended by themselves. Safe to run any number of
        times, anywhere, at once."""
        now = self.now()
        escalated, updated = [], []
        Sessions(self.engine, self.config.session_policy, self.now).delete_expired()
        with reading(self.engine) as conn:
            overdue = (
                conn.execute(
                    sa.select(cases.c.id).where(
                        cases.c.level == 1, cases.c.status.in_(OPEN), cases.c.resolution_due <= now
                    )
                )
                .scalars()
                .all()
            )
            stale = (
                conn.execute(sa.select(cases.c.id).where(cases.c.status.in_(OPEN), cases.c.next_update_due <= now))
                .scalars()
                .all()
            )
        for case_id in overdue:
            with writing(self.engine) as conn:
                row = self._fresh(conn, case_id)
                hours = self.config.level1_hours
                if row.level == 1 and row.status in OPEN and row.resolution_due <= now:
                    self._raise_level(conn, row, now, 2, f"Not resolved at Level 1 within {hours} hours", None)
                    escalated.append(row.number)
        for case_id in stale:
            with writing(self.engine) as conn:
                row = self._fresh(conn, case_id)
                if row.status in OPEN and row.next_update_due <= now:
                    text = (
                        f"Your case is with our {LEVELS[row.level]} team and is being worked on. "
                        "We will write again as soon as we know more, and within "
                        f"{self.config.update_every_hours} hours at the latest."
                    )
                    self._customer_update(conn, row, now, None, text, "system", kind="status_update")
                    updated.append(row.number)
        release_dead_claims(self.engine)  # mail a killed process had claimed goes now, not in five minutes
        sweep_orphans(self.engine, self.config)
        return SweepReport(tuple(escalated), tuple(updated), self.deliver())

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

    # -- for other services (mail in) ------------------------------------------------------------------------

    def change(self, agent: Row, row: Row, change: Callable[[Connection, Row, dt.datetime], None]) -> None:
        """An agent's change to a case: their level checked, one transaction, its mail sent after."""
        self._act(agent, row, change)

    def add_event(self, conn: Connection, row: Row, kind: str, actor: str, **details) -> int:
        """An event in the case's history, in the caller's transaction; its id."""
        return self._event(conn, row, kind, actor, **details)

    # -- the pieces -----------------------------------------------------------------------------------------

    def _act(self, agent: Row, row: Row, change: Callable[[Connection, Row, dt.datetime], None]) -> None:
        now = self.now()
        with writing(self.engine) as conn:
            row = self._fresh(conn, row.id)
            if row.level > agent.level and not agent.is_admin:
                raise NotAllowed(f"{row.number} is at Level {row.level}; your level is {agent.level}")
            change(conn, row, now)
            conn.execute(cases.update().where(cases.c.id == row.id).values(updated_at=now))
        self.deliver(row.id)

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
        values = {"next_update_due": now + dt.timedelta(hours=self.config.update_every_hours)}
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

    def _raise_level(
        self, conn: Connection, row: Row, now: dt.datetime, level: int, why: str, agent: Row | None
    ) -> None:
        """Move a case up; Level 2 gets the least busy engineer assigned, Level 3 alerts the whole team."""
        # The escalation notice is a customer update: it restarts the update clock, so one sweep does not
        # send an escalation and a status update together.
        values: dict = {
            "level": level,
            "updated_at": now,
            "next_update_due": now + dt.timedelta(hours=self.config.update_every_hours),
        }
        assignee = self._least_busy(conn, level) if level == 2 else None
        values["assignee_id"] = assignee.id if assignee else None
        conn.execute(cases.update().where(cases.c.id == row.id).values(**values))
        actor = agent.username if agent else "system"
        who = f"; assigned to {assignee.display_name}" if assignee else ""
        self._event(conn, row, "escalated", actor, agent=agent, body=f"{why}. Now at Level {level}{who}.")
        self._event(
            conn,
            row,
            "level",
            actor,
            agent=agent,
            visible=True,
            body=f"Your case is now with our {LEVELS[level]} team.",
        )
        queue_mail(
            conn,
            now,
            row.customer_email,
            f"[{row.number}] Escalated to {LEVELS[level]}",
            self._update_mail(row, f"Your case is now with our {LEVELS[level]} team.", agent is not None),
            row.id,
        )
        if assignee and assignee.email:
            queue_mail(
                conn,
                now,
                assignee.email,
                f"[{row.number}] Escalated to you: {row.subject}",
                self._agent_mail(row),
                row.id,
            )
        if level == 3:
            self._alert_level3(conn, row, why)

    def _alert_level3(self, conn: Connection, row: Row, why: str) -> None:
        team = conn.execute(sa.select(agents).where(agents.c.level == 3, agents.c.active.is_(True))).all()
        for engineer in team:
            if engineer.email:
                queue_mail(
                    conn,
                    self.now(),
                    engineer.email,
                    f"[{row.number}] RAPID RESPONSE: {row.subject}",
                    f"{why}.\n\n{self._agent_mail(row)}",
                    row.id,
                )
        names = ", ".join(e.display_name for e in team) or "nobody (no Level 3 engineers are set up)"
        self._event(conn, row, "alerted", "system", body=f"Level 3 rapid-response team alerted: {names}")

    def _least_busy(self, conn: Connection, level: int) -> Row | None:
        load = (
            sa.select(cases.c.assignee_id, sa.func.count().label("n"))
            .where(cases.c.status.in_(ACTIVE))
            .group_by(cases.c.assignee_id)
            .subquery()
        )
        return conn.execute(
            sa.select(agents)
            .outerjoin(load, load.c.assignee_id == agents.c.id)
            .where(agents.c.level == level, agents.c.active.is_(True))
            .order_by(sa.func.coalesce(load.c.n, 0), agents.c.id)
            .limit(1)
        ).first()

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
            "next_update_due": now + dt.timedelta(hours=self.config.update_every_hours),
        }
        if row.level == 1:
            values["resolution_due"] = now + dt.timedelta(hours=self.config.level1_hours)
        conn.execute(cases.update().where(cases.c.id == row.id).values(**values))
        actor = agent.username if agent else "customer"
        self._event(
            conn, row, "reopened", actor, agent=agent, body=why or "Reopened by the customer's reply", visible=True
        )

    def case_link(self, row: Row, token: str) -> str:
        return f"{self.config.base_url}/cases/{row.number}/{token}"

    def _received_mail(self, row: Row, token: str) -> str:
        return (
            f"Hello,\n\nWe have logged your case {row.number}.\n\n"
            "Reply to this mail to add information, or follow the case here (keep this link private):\n"
            f"{self.case_link(row, token)}\n\n"
            f"It is with our {LEVELS[row.level]} team. You will hear from us within "
            f"{self.config.update_every_hours} hours.\n\n"
            "If you did not log this case, someone else gave your address; you need not do anything.\n"
        )

    def _update_mail(self, row: Row, text: str, by_agent: bool) -> str:
        """An update for the customer. What an agent wrote goes as they wrote it, greeting included (a second
        "Hello <name>," above their own "Hello Pat" read as a fault); our automatic texts greet plainly."""
        link = self.case_link(row, self.token_for(row))
        greeting = "" if by_agent else "Hello,\n\n"
        return (
            f"{greeting}{text}\n\nReply to this mail, or follow your case {row.number} here "
            f"(keep this link private):\n{link}\n"
        )

    def _agent_mail(self, row: Row) -> str:
        return (
            f"{row.number}: {row.subject}\nSeverity: {row.severity}, Level {row.level}\n"
            f"Customer: {row.customer_name} ({row.company or 'no company given'})\n\n"
            f"{self.config.base_url}/agent/cases/{row.number}\n"
        )


def due(row: Row) -> dt.datetime | None:
    """The next deadline on a case: first response, customer update or Level 1 resolution."""
    if row.status == "resolved":
        return None
    deadlines = [row.next_update_due]
    if row.first_responded_at is None:
        deadlines.append(row.first_response_due)
    if row.level == 1:
        deadlines.append(row.resolution_due)
    return min(d for d in deadlines if d is not None)
