"""Agents: who may sign in to the console, at which support level. Passwords are hashed with Argon2id."""

from __future__ import annotations

import re

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine, Row

from ..errors import KbError
from .clock import utcnow
from .db import agents, reading, writing

_HASHER = PasswordHasher()
# Verifying against this when the name is unknown keeps a wrong name as slow as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password anyone has")
USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")
MIN_PASSWORD = 12


def add_agent(
    engine: Engine, username: str, display_name: str, email: str | None, level: int, admin: bool, password: str
) -> None:
    if not USERNAME.fullmatch(username):
        raise KbError(f"agent name {username!r}: expected lower-case letters, digits, '.', '_' or '-' (2-64)")
    if level not in (1, 2, 3):
        raise KbError(f"--level {level}: expected 1, 2 or 3")
    if len(password) < MIN_PASSWORD:
        raise KbError(f"the password is too short; expected at least {MIN_PASSWORD} characters")
    with writing(engine) as conn:
        if conn.execute(sa.select(agents.c.id).where(agents.c.username == username)).first():
            raise KbError(f"agent {username!r} exists already")
        conn.execute(
            agents.insert().values(
                username=username,
                display_name=display_name or username,
                email=email,
                level=level,
                is_admin=admin,
                password_hash=_HASHER.hash(password),
                active=True,
                created_at=utcnow(),
            )
        )


def authenticate(engine: Engine, username: str, password: str) -> Row | None:
    """The active agent with this name and password, else None (taking as long either way)."""
    with reading(engine) as conn:
        agent = conn.execute(sa.select(agents).where(agents.c.username == username, agents.c.active.is_(True))).first()
    try:
        _HASHER.verify(agent.password_hash if agent else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if agent is None:
        return None
    if _HASHER.check_needs_rehash(agent.password_hash):
        with writing(engine) as conn:
            conn.execute(agents.update().where(agents.c.id == agent.id).values(password_hash=_HASHER.hash(password)))
    return agent


def agent_by_id(engine: Engine, agent_id: int) -> Row | None:
    with reading(engine) as conn:
        return conn.execute(sa.select(agents).where(agents.c.id == agent_id, agents.c.active.is_(True))).first()


def all_agents(engine: Engine) -> list[Row]:
    with reading(engine) as conn:
        return conn.execute(sa.select(agents).order_by(agents.c.level, agents.c.username)).all()
