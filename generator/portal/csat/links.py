"""The resolution mail's CSAT link: the case number and an HMAC of the case under the portal's key, for a
purpose of its own, so it is not the private case link and cannot be turned into one."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.engine import Row

from ..config import PortalConfig


def csat_token(config: PortalConfig, row: Row) -> str:
    message = f"csat:{row.id}:{row.link_salt}".encode()
    return hmac.new(config.secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def csat_link(config: PortalConfig, row: Row) -> str:
    return f"{config.base_url}/csat/{row.number}/{csat_token(config, row)}"


def csat_invitation(config: PortalConfig, row: Row) -> str:
    """The lines the resolution mail ends with."""
    return (
        "\nDid this solve your problem? Tell us, and how satisfied you are (1 to 5), in one click:\n"
        f"{csat_link(config, row)}\n"
    )
