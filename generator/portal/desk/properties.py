"""A case's properties changed by an agent, up or down, each with the reason in the history: its severity
and its level (escalating, and the new way back down)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..db import cases, reading
from . import texts
from .agents import AgentSide
from .model import LEVELS, SEVERITIES, InvalidAction


class PropertiesSide(AgentSide):
    def case_level(self, number: str) -> int | None:
        """The level a case is at now (for telling an agent where a case they can no longer see went)."""
        with reading(self.engine) as conn:
            return conn.execute(sa.select(cases.c.level).where(cases.c.number == number)).scalar()

    def change_severity(self, agent: Row, row: Row, severity: str, reason: str, version: int | None = None) -> None:
        """A new severity with its reason; catastrophic also takes the case straight to Level 3 (alerting
        the rapid-response team), as a catastrophic case logged so would be."""
        if severity not in SEVERITIES:
            raise InvalidAction(f"a severity is one of {', '.join(SEVERITIES)}")
        if not reason.strip():
            raise InvalidAction("Say why the severity changes; the reason goes into the history.")

        def change(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.status == "resolved":
                raise InvalidAction("the case is resolved; reopen it first")
            if row.severity == severity:
                raise InvalidAction(f"the case is already {severity}")
            conn.execute(cases.update().where(cases.c.id == row.id).values(severity=severity))
            body = f"Severity {row.severity} → {severity}: {texts.sentence(reason)}."
            self._event(conn, row, "severity", agent.username, agent=agent, body=body)
            if severity == "catastrophic" and row.level < 3:
                why = f"Severity raised to catastrophic by {agent.display_name}: {reason}"
                self._raise_level(conn, self._fresh(conn, row.id), now, 3, why, agent)

        self._act(agent, row, change, version)

    def change_level(self, agent: Row, row: Row, level: int, reason: str, version: int | None = None) -> None:
        """Up: an escalation (the customer told, Level 2's least busy engineer assigned, Level 3 alerted).
        Down: back to a lower team, internally, with a fresh Level 1 clock when it returns to Level 1."""
        if level not in LEVELS:
            raise InvalidAction(f"a level is one of {', '.join(map(str, LEVELS))}")
        if not reason.strip():
            raise InvalidAction("Say why the level changes; the reason goes into the history.")

        def change(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.status == "resolved":
                raise InvalidAction("the case is resolved; reopen it first")
            if row.level == level:
                raise InvalidAction(f"the case is already at Level {level}")
            if level > row.level:
                self._raise_level(conn, row, now, level, f"Escalated by {agent.display_name}: {reason}", agent)
                return
            values: dict = {"level": level}
            if level == 1:
                # Back at Level 1 its resolution clock starts again: the old one ran out long ago, and the
                # next sweep would send the case straight back up.
                values["resolution_due"] = now + dt.timedelta(hours=self.config.level1_hours)
            conn.execute(cases.update().where(cases.c.id == row.id).values(**values))
            body = f"Level {row.level} → Level {level} by {agent.display_name}: {texts.sentence(reason)}."
            self._event(conn, row, "level_lowered", agent.username, agent=agent, body=body)

        self._act(agent, row, change, version)
