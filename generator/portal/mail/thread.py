"""Threads: the headers that keep a case's mail together, and the case reply address that names a case.

Each queued message's Message-ID is made from its row id and an HMAC under the portal's key, so sending it
again after a crash gives it the same one, and it is stored with the message when sent, for replies to be
matched by In-Reply-To and References. The Reply-To of case mail is `support+CASE-000123-<token>@domain`,
the token an HMAC of the case number: a case cannot be reached by guessing its address."""

from __future__ import annotations

import hashlib
import hmac
import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..config import PortalConfig
from ..db import inbound_messages, mail_queue
from .message import Thread

TOKEN_LENGTH = 12
REFERENCES_KEPT = 20  # the newest; a long case's References header would otherwise grow without end
_PLUS = re.compile(r"\+(CASE-[0-9]{6,18})-([0-9a-f]{" + str(TOKEN_LENGTH) + "})$", re.IGNORECASE)


def _mac(config: PortalConfig, purpose: str, value: str) -> str:
    return hmac.new(config.secret_key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def domain_of(config: PortalConfig) -> str:
    return config.mail.support_address.rpartition("@")[2]


def message_id_for(config: PortalConfig, mail_id: int) -> str:
    """The Message-ID of queued message `mail_id`: the same on every attempt."""
    return f"<kb.{mail_id}.{_mac(config, 'message-id', str(mail_id))[:16]}@{domain_of(config)}>"


def reply_address(config: PortalConfig, number: str) -> str:
    """The address that names case `number`: support+CASE-000123-<token>@example.com."""
    local, _, domain = config.mail.support_address.rpartition("@")
    return f"{local}+{number}-{_mac(config, 'reply-to', number)[:TOKEN_LENGTH]}@{domain}"


def case_in_address(config: PortalConfig, address: str) -> str | None:
    """The case number a reply address names, if its token is right; None for anything else."""
    local, _, domain = address.rpartition("@")
    base_local, _, base_domain = config.mail.support_address.rpartition("@")
    match = _PLUS.search(local)
    if not match or domain.lower() != base_domain.lower() or local[: match.start()].lower() != base_local.lower():
        return None
    number = match.group(1).upper()
    expected = _mac(config, "reply-to", number)[:TOKEN_LENGTH]
    return number if hmac.compare_digest(expected, match.group(2).lower()) else None


def thread_for(conn: Connection, config: PortalConfig, row: Row, number: str | None) -> Thread:
    """The threading headers of queued message `row` (of case `number`, or of no case)."""
    message_id = message_id_for(config, row.id)
    if row.case_id is None or number is None:
        return Thread(message_id)
    ours = conn.execute(
        sa.select(mail_queue.c.created_at.label("at"), mail_queue.c.message_id).where(
            mail_queue.c.case_id == row.case_id,
            mail_queue.c.to_addr == row.to_addr,
            mail_queue.c.message_id.is_not(None),
            mail_queue.c.id < row.id,
        )
    ).all()
    theirs = conn.execute(
        sa.select(inbound_messages.c.received_at.label("at"), inbound_messages.c.message_id).where(
            inbound_messages.c.case_id == row.case_id,
            inbound_messages.c.sender == row.to_addr,
            inbound_messages.c.message_id.is_not(None),
        )
    ).all()
    references = tuple(r.message_id for r in sorted([*ours, *theirs], key=lambda r: r.at))[-REFERENCES_KEPT:]
    return Thread(
        message_id,
        in_reply_to=references[-1] if references else None,
        references=references,
        reply_to=reply_address(config, number),
    )
