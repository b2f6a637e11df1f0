"""The support policy's timer: escalation after the Level 1 clock, the status update every
`update_every_hours`, mail retried, expired sessions and orphaned files cleaned up."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..attachments import sweep_orphans
from ..db import cases, reading, writing
from ..mail import release_dead_claims
from ..notifications import warn_breaches
from ..presence import forget_presence
from ..sessions import Sessions
from . import texts
from .levels import Levels
from .model import OPEN, SweepReport


class Timer(Levels):
    def sweep(self) -> SweepReport:
        """Escalate Level 1 cases past their resolution clock; send the status update of every case whose
        update clock ran out; retry mail; delete sessions that ended by themselves. Safe to run any number of
        times, anywhere, at once."""
        now = self.now()
        escalated, updated = [], []
        Sessions(self.engine, self.config.session_policy, self.now).delete_expired()
        forget_presence(self.engine, now - dt.timedelta(hours=1))
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
                hours = self.level1_hours(row)
                if row.level == 1 and row.status in OPEN and row.resolution_due <= now:
                    self._raise_level(conn, row, now, 2, f"Not resolved at Level 1 within {hours} hours", None)
                    self._bump(conn, row)
                    escalated.append(row.number)
        for case_id in stale:
            with writing(self.engine) as conn:
                row = self._fresh(conn, case_id)
                if row.status in OPEN and row.next_update_due <= now:
                    text = texts.status_update_text(row, self.update_hours(row))
                    self._customer_update(conn, row, now, None, text, "system", kind="status_update")
                    self._bump(conn, row)
                    updated.append(row.number)
        warn_breaches(self.engine, self.config.base_url, now)  # before the mail goes: the warnings go with it
        release_dead_claims(self.engine)  # mail a killed process had claimed goes now, not in five minutes
        sweep_orphans(self.engine, self.config)
        return SweepReport(tuple(escalated), tuple(updated), self.deliver())
