"""The support levels: moving a case up (Level 2 gets the least busy engineer), alerting the Level 3
rapid-response team."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..db import agents, cases
from ..mail import queue_mail
from ..notifications import Message, notify
from . import texts
from .core import DeskCore
from .model import ACTIVE, LEVELS


class Levels(DeskCore):
    def _raise_level(
        self, conn: Connection, row: Row, now: dt.datetime, level: int, why: str, agent: Row | None
    ) -> None:
        """Move a case up; Level 2 gets the least busy engineer assigned, Level 3 alerts the whole team."""
        # The escalation notice is a customer update: it restarts the update clock, so one sweep does not
        # send an escalation and a status update together.
        values: dict = {
            "level": level,
            "updated_at": now,
            "next_update_due": now + dt.timedelta(hours=self.update_hours(row)),
        }
        assignee = self._least_busy(conn, level) if level == 2 else None
        values["assignee_id"] = assignee.id if assignee else None
        conn.execute(cases.update().where(cases.c.id == row.id).values(**values))
        actor = agent.username if agent else "system"
        who = f"; assigned to {assignee.display_name}" if assignee else ""
        body = f"{texts.sentence(why)}. Now at Level {level}{who}."
        self._event(conn, row, "escalated", actor, agent=agent, body=body)
        self._event(conn, row, "level", actor, agent=agent, visible=True, body=texts.escalated_text(level))
        queue_mail(
            conn,
            now,
            row.customer_email,
            f"[{row.number}] Escalated to {LEVELS[level]}",
            self._update_mail(row, texts.escalated_text(level), agent is not None),
            row.id,
        )
        if assignee:
            mail = Message(
                f"[{row.number}] Escalated to you: {row.subject}",
                texts.agent_mail(self.config, row, assignee.display_name),
            )
            summary = f"{row.number} was escalated to you at Level {level} ({row.subject})"
            notify(conn, now, assignee, "assigned", row, summary, mail)
        if level == 3:
            self._alert_level3(conn, row, why)

    def _alert_level3(self, conn: Connection, row: Row, why: str) -> None:
        team = conn.execute(sa.select(agents).where(agents.c.level == 3, agents.c.active.is_(True))).all()
        for engineer in team:
            # Always on screen and by mail: notifications.ALWAYS_ON; nobody can turn these off.
            mail = Message(
                f"[{row.number}] RAPID RESPONSE: {row.subject}",
                texts.alert_mail(self.config, row, why, engineer.display_name),
            )
            summary = f"Rapid response: {row.number} ({row.severity}): {row.subject}. {why}."
            notify(conn, self.now(), engineer, "catastrophic", row, summary, mail)
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
