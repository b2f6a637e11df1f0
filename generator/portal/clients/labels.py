"""What agents see of a case's client: its name, plan, contract dates and whether the contract is in force
today, and whether the case came in outside it (flagged when logged, never refused)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Row

from ..config import PortalConfig
from .people import ENDED, IN_FORCE, contract_state, profile_of


@dataclass(frozen=True)
class ClientLabel:
    slug: str
    name: str  # the profile's name; the slug when the profile is gone from clients/
    plan: str | None
    start: dt.date | None
    end: dt.date | None
    state: str | None  # in force, ended, not started; None without a contract on file
    outside_contract: bool  # the case came in when the contract was not in force

    @property
    def state_class(self) -> str:
        """A CSS class word for the state: in-force, ended, not-started, none."""
        return (self.state or "none").replace(" ", "-")

    @property
    def in_force(self) -> bool:
        return self.state == IN_FORCE

    @property
    def ended(self) -> bool:
        return self.state == ENDED


def case_client(config: PortalConfig, row: Row, today: dt.date) -> ClientLabel | None:
    """The label of `row`'s client on `today`, or None for a case of no client."""
    if not row.client:
        return None
    profile = profile_of(config, row.client)
    contract = profile.support if profile else None
    return ClientLabel(
        row.client,
        profile.name if profile else config.clients.get(row.client, row.client),
        contract.plan if contract else None,
        contract.start if contract else None,
        contract.end if contract else None,
        contract_state(profile, today),
        bool(row.contract_ended),
    )
