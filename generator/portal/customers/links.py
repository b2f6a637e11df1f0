"""One-time sign-in links: a random token (mailed, stored as its SHA-256) and a 6-digit code for a customer
who reads the mail on another device (stored as an HMAC under the portal's key), valid 15 minutes, used once.

Nothing here looks at whether an address has a customer or cases: a link is made for any address, the same
way, so asking for one tells nobody whether the address is known."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..db import reading, sign_in_links, writing

VALID_FOR = dt.timedelta(minutes=15)
CODE_ATTEMPTS = 5  # wrong codes a link takes before its code stops working: 5 guesses in a million
CODE_DIGITS = 6


@dataclass(frozen=True)
class NewLink:
    id: int
    token: str  # for the mailed link; only its hash is stored
    code: str  # the 6 digits; only their HMAC is stored


class LinkRefused(Exception):
    """The link or code cannot sign anyone in; `reason` is what the customer is told (never the address)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


NOT_VALID = "This sign-in link is not valid. Check that you opened the whole link from the mail, or ask for a new one."
USED = "This sign-in link was used already: each link signs in once. Ask for a new one."
EXPIRED = "This sign-in link has expired (links are valid for 15 minutes). Ask for a new one."
CODE_WRONG = "That code is not right. Check the mail and type the 6 digits again."
CODE_DEAD = "This code no longer works (it was used, it expired, or it was typed wrong too often). Ask for a new link."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def code_hash(secret_key: str, link_id: int, code: str) -> str:
    return hmac.new(secret_key.encode(), f"sign-in-code:{link_id}:{code}".encode(), hashlib.sha256).hexdigest()


def new_link(conn: Connection, secret_key: str, email: str, now: dt.datetime) -> NewLink:
    """A link for `email` in the caller's transaction (the one that queues its mail)."""
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    link_id = conn.execute(
        sign_in_links.insert(),
        {
            "token_hash": token_hash(token),
            "code_hash": "",  # the HMAC takes the row's id, known only after the insert
            "email": email,
            "created_at": now,
            "expires_at": now + VALID_FOR,
            "code_attempts": 0,
        },
    ).inserted_primary_key[0]
    conn.execute(
        sign_in_links.update()
        .where(sign_in_links.c.id == link_id)
        .values(code_hash=code_hash(secret_key, link_id, code))
    )
    # Expired links are of no use to anyone: tidy while the write lock is held anyway.
    conn.execute(sign_in_links.delete().where(sign_in_links.c.expires_at < now - dt.timedelta(days=1)))
    return NewLink(link_id, token, code)


def check_link(engine: Engine, token: str, now: dt.datetime) -> None:
    """LinkRefused unless the link would sign in now (for the page that asks to confirm it)."""
    with reading(engine) as conn:
        row = conn.execute(sa.select(sign_in_links).where(sign_in_links.c.token_hash == token_hash(token))).first()
    _refuse_unless_live(row, now)


def use_link(conn: Connection, token: str, now: dt.datetime) -> str:
    """Mark the link used in the caller's transaction; its address. LinkRefused when it is wrong, used or
    expired. One conditional UPDATE, so two clicks at once sign in once."""
    used = conn.execute(
        sign_in_links.update()
        .where(
            sign_in_links.c.token_hash == token_hash(token),
            sign_in_links.c.used_at.is_(None),
            sign_in_links.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(sign_in_links.c.email)
    ).first()
    if used is None:
        row = conn.execute(sa.select(sign_in_links).where(sign_in_links.c.token_hash == token_hash(token))).first()
        _refuse_unless_live(row, now)
        raise LinkRefused(USED)  # taken between the two statements
    return used.email


def use_code(engine: Engine, secret_key: str, link_id: int, code: str, now: dt.datetime) -> str:
    """The address of link `link_id` if `code` is its code and the link is live; it is then used. Every
    attempt counts, in its own committed transaction, before the code is compared: attempts in parallel
    cannot get past CODE_ATTEMPTS."""
    with writing(engine) as conn:
        row = conn.execute(
            sign_in_links.update()
            .where(
                sign_in_links.c.id == link_id,
                sign_in_links.c.used_at.is_(None),
                sign_in_links.c.expires_at > now,
                sign_in_links.c.code_attempts < CODE_ATTEMPTS,
            )
            .values(code_attempts=sign_in_links.c.code_attempts + 1)
            .returning(sign_in_links.c.code_hash, sign_in_links.c.email)
        ).first()
    if row is None:
        raise LinkRefused(CODE_DEAD)
    if not (code.isdigit() and len(code) == CODE_DIGITS) or not hmac.compare_digest(
        row.code_hash, code_hash(secret_key, link_id, code)
    ):
        raise LinkRefused(CODE_WRONG)
    with writing(engine) as conn:
        done = conn.execute(
            sign_in_links.update()
            .where(sign_in_links.c.id == link_id, sign_in_links.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
    if not done:
        raise LinkRefused(CODE_DEAD)
    return row.email


def _refuse_unless_live(row, now: dt.datetime) -> None:
    if row is None:
        raise LinkRefused(NOT_VALID)
    if row.used_at is not None:
        raise LinkRefused(USED)
    if row.expires_at <= now:
        raise LinkRefused(EXPIRED)
