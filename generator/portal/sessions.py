"""Server-side sessions: who a browser is signed in as, kept in the database every worker shares.

The cookie holds a random token; the database holds only its SHA-256, so reading the table signs nobody in.
Signing out deletes the row, so a copy of the cookie taken before is worth nothing after. A session ends
after `idle` without a request and after `lifetime` whatever happens; signing in always starts a new one
(a token planted before sign-in never becomes a signed-in one). `kind` keeps agents' and (later)
customers' sessions apart in one table."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from .db import reading, sessions, writing

# last_seen_at is written at most this often: an agent's every page view would otherwise be a write.
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    idle: dt.timedelta = dt.timedelta(hours=8)
    lifetime: dt.timedelta = dt.timedelta(days=7)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Start, find and end sessions on `engine`; `now` is the clock (the desk's, which tests set)."""

    def __init__(self, engine: Engine, policy: SessionPolicy, now: Callable[[], dt.datetime]):
        self.engine, self.policy, self.now = engine, policy, now

    def start(self, kind: str, subject_id: int, replacing: str | None = None) -> str:
        """A new session for `subject_id`, its token for the cookie; the session `replacing` ends, and so do
        expired sessions of anyone (a sign-in is a good moment to tidy, the sweep does it too)."""
        token = secrets.token_urlsafe(32)
        now = self.now()
        with writing(self.engine) as conn:
            if replacing:
                conn.execute(sessions.delete().where(sessions.c.token_hash == _hash(replacing)))
            conn.execute(sessions.delete().where(self._expired(now)))
            conn.execute(
                sessions.insert().values(
                    token_hash=_hash(token),
                    kind=kind,
                    subject_id=subject_id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + self.policy.lifetime,
                )
            )
        return token

    def find(self, kind: str, token: str | None, touch: bool = True) -> Row | None:
        """The live session of `kind` with this token, else None; its idle clock starts again, unless not
        `touch` (a page polling by itself is not someone at the keyboard)."""
        if not token or len(token) > 100:
            return None
        now = self.now()
        with reading(self.engine) as conn:
            row = conn.execute(
                sa.select(sessions).where(sessions.c.token_hash == _hash(token), sessions.c.kind == kind)
            ).first()
        if row is None or now >= row.expires_at or now >= row.last_seen_at + self.policy.idle:
            return None
        if touch and now - row.last_seen_at >= TOUCH_EVERY:
            with writing(self.engine) as conn:
                conn.execute(sessions.update().where(sessions.c.id == row.id).values(last_seen_at=now))
        return row

    def end(self, token: str | None) -> None:
        if token:
            with writing(self.engine) as conn:
                conn.execute(sessions.delete().where(sessions.c.token_hash == _hash(token)))

    def delete_expired(self) -> int:
        """Delete the sessions that ended by themselves; how many."""
        with writing(self.engine) as conn:
            return conn.execute(sessions.delete().where(self._expired(self.now()))).rowcount

    def _expired(self, now: dt.datetime):
        return sa.or_(sessions.c.expires_at <= now, sessions.c.last_seen_at <= now - self.policy.idle)
