"""The agents' side of the desk: the queue, a case's history, and every action an agent takes on a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..attachments import IncomingFile, delete_files, save_files
from ..attachments.storage import remove_files
from ..csat.links import csat_invitation
from ..db import cases, due_at, events, queue_priority, reading
from ..mail import queue_mail, undelivered
from ..notifications import Message, notify
from . import texts
from .levels import Levels
from .model import ACTIVE, NUMBER, OPEN, STATUSES, CaseNotFound, InvalidAction, NotAllowed


class AgentSide(Levels):
    def queue(self, agent: Row, include_resolved: bool = False) -> list[Row]:
        """The cases this agent can work in the queue's order (db.queue_priority, db.due_at): catastrophic and
        Level 3 first, then what is due first; paused cases after running ones, resolved last."""
        statuses = tuple(STATUSES) if include_resolved else ACTIVE
        with reading(self.engine) as conn:
            return conn.execute(
                sa.select(cases, queue_priority.label("queue_priority"), due_at.label("due_at"))
                .where(cases.c.status.in_(statuses), cases.c.level <= agent.level)
                .order_by(queue_priority, due_at, cases.c.id)
            ).all()

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

    def reply(
        self, agent: Row, row: Row, text: str, files: Sequence[IncomingFile] = (), version: int | None = None
    ) -> None:
        """A reply to the customer: the first response, and an update that restarts the 24-hour clock."""

        def reply(conn: Connection, row: Row, now: dt.datetime) -> None:
            event = self._customer_update(conn, row, now, agent, text, "web")
            save_files(conn, self.config, row.id, event, files)

        self._act(agent, row, reply, version)

    def record_contact(
        self, agent: Row, row: Row, channel: str, direction: str, text: str, version: int | None = None
    ) -> None:
        """A phone call or an email, in or out. A contact out to the customer counts as an update."""
        if channel not in ("phone", "email") or direction not in ("in", "out"):
            raise InvalidAction("a contact is a phone call or an email, in or out")

        def record(conn: Connection, row: Row, now: dt.datetime) -> None:
            if direction == "out":
                self._customer_update(conn, row, now, agent, text, channel, mail=False, kind="contact_out")
            else:
                self._event(conn, row, "contact_in", agent.username, agent=agent, body=text, channel=channel)

        self._act(agent, row, record, version)

    def note(
        self, agent: Row, row: Row, text: str, files: Sequence[IncomingFile] = (), version: int | None = None
    ) -> None:
        def note(conn: Connection, row: Row, now: dt.datetime) -> None:
            event = self._event(conn, row, "note", agent.username, agent=agent, body=text)
            save_files(conn, self.config, row.id, event, files)

        self._act(agent, row, note, version)

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

    def assign(self, agent: Row, row: Row, assignee_id: int | None, version: int | None = None) -> None:
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
            if assignee and assignee.id != agent.id:
                mail = Message(
                    f"[{row.number}] Assigned to you: {row.subject}",
                    texts.agent_mail(self.config, row, assignee.display_name),
                )
                summary = f"{row.number} was assigned to you by {agent.display_name} ({row.subject})"
                notify(conn, now, assignee, "assigned", row, summary, mail)

        self._act(agent, row, assign, version)

    def escalate(self, agent: Row, row: Row, reason: str, version: int | None = None) -> None:
        def escalate(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.level >= 3:
                raise InvalidAction("the case is already with the Level 3 rapid-response team")
            self._raise_level(conn, row, now, row.level + 1, f"Escalated by {agent.display_name}: {reason}", agent)

        self._act(agent, row, escalate, version)

    def wait_on_customer(self, agent: Row, row: Row, text: str, version: int | None = None) -> None:
        """Ask the customer for something; the clocks stop until they answer (or an agent resumes)."""

        def wait(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.status not in OPEN:
                raise InvalidAction("only a running case can wait on the customer")
            self._customer_update(conn, row, now, agent, text, "web")
            conn.execute(cases.update().where(cases.c.id == row.id).values(status="waiting", paused_at=now))
            self._event(conn, row, "status", agent.username, agent=agent, body="Waiting on the customer; clocks paused")

        self._act(agent, row, wait, version)

    def resume(self, agent: Row, row: Row, version: int | None = None) -> None:
        def resume(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.status != "waiting":
                raise InvalidAction("the case is not waiting on the customer")
            self._resume(conn, row, now, agent)

        self._act(agent, row, resume, version)

    def resolve(self, agent: Row, row: Row, resolution: str, version: int | None = None) -> None:
        def resolve(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.status == "resolved":
                raise InvalidAction("the case is already resolved")
            subject = f"[{row.number}] Resolved: {row.subject}"
            self.mark_resolved(
                conn, row, now, agent, agent.username, resolution, subject, texts.resolved_text(resolution)
            )

        self._act(agent, row, resolve, version)

    def mark_resolved(
        self,
        conn: Connection,
        row: Row,
        now: dt.datetime,
        agent: Row | None,
        actor: str,
        resolution: str,
        subject: str,
        text: str,
    ) -> None:
        """Resolve `row` in the caller's transaction (an agent's resolution, a release that ships its fix):
        the case, the history's entry the customer sees, and the mail saying `text`, with the private link and
        the satisfaction question."""
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
        self._event(conn, row, "resolved", actor, agent=agent, body=resolution, visible=True)
        mail = self._update_mail(row, text, by_agent=agent is not None) + csat_invitation(conn, self.config, row)
        queue_mail(conn, now, row.customer_email, subject, mail, row.id)

    def reopen(self, agent: Row, row: Row, reason: str, version: int | None = None) -> None:
        def reopen(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.status != "resolved":
                raise InvalidAction("only a resolved case can be reopened")
            if row.merged_into_id is not None:
                raise InvalidAction("the case was merged into another one; work on that case instead")
            self._reopen(conn, row, now, agent, reason)

        self._act(agent, row, reopen, version)
