"""The resolution mail's CSAT link: the case number and an HMAC of the case under the portal's key, for a
purpose of its own, so it is not the private case link and cannot be turned into one."""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..config import PortalConfig
from ..db import csat


def csat_token(config: PortalConfig, row: Row) -> str:
    message = f"csat:{row.id}:{row.link_salt}".encode()
    return hmac.new(config.secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def csat_link(config: PortalConfig, row: Row) -> str:
    return f"{config.base_url}/csat/{row.number}/{csat_token(config, row)}"


def csat_invitation(conn: Connection, config: PortalConfig, row: Row) -> str:
    """The lines the resolution mail ends with; none when the customer answered already (a case resolved
    again after reopening): they are asked once."""
    if conn.execute(sa.select(csat.c.id).where(csat.c.case_id == row.id)).first() is not None:
        return ""
    return (
        "\nDid this solve your problem? Tell us, and how satisfied you are (1 to 5), in one click:\n"
        f"{csat_link(config, row)}\n"
    )
