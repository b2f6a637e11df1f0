"""Clients as organisations in the desk: whose person an address is, and whether a contract is in force.

The profiles come from clients/<slug>.yml through the portal's settings (`config.client_profiles`); an
address belongs to a client when it is one of the client's admins or at one of its domains (the catalog
makes sure no domain or admin is two clients')."""

from __future__ import annotations

import datetime as dt

from ...model import ClientProfile, SupportHours
from ..config import PortalConfig

IN_FORCE, ENDED, NOT_STARTED = "in force", "ended", "not started"


def client_of(config: PortalConfig, address: str | None) -> ClientProfile | None:
    """The client whose person `address` is, or None (a customer of no client)."""
    if not address:
        return None
    return next((p for p in config.client_profiles.values() if p.has_person(address)), None)


def admin_of(config: PortalConfig, address: str | None) -> ClientProfile | None:
    """The client `address` is an admin of (it sees all that client's cases), or None."""
    if not address:
        return None
    return next((p for p in config.client_profiles.values() if p.is_admin(address)), None)


def profile_of(config: PortalConfig, slug: str | None) -> ClientProfile | None:
    """The profile of a case's client (`cases.client`), or None: no client, or one no longer registered."""
    return config.client_profiles.get(slug) if slug else None


def contract_state(profile: ClientProfile | None, day: dt.date) -> str | None:
    """'in force', 'ended' or 'not started' on `day`; None without a client or a contract."""
    if profile is None or profile.support is None:
        return None
    if day < profile.support.start:
        return NOT_STARTED
    return IN_FORCE if day <= profile.support.end else ENDED


def outside_contract(profile: ClientProfile | None, day: dt.date) -> bool | None:
    """Whether a case from this client on `day` is outside its contract (flagged, never refused); None when
    there is no contract to be outside of."""
    state = contract_state(profile, day)
    return None if state is None else state != IN_FORCE


def support_hours(profile: ClientProfile | None) -> SupportHours:
    """The contract's own clocks, or none (the portal's defaults)."""
    return profile.support.hours if profile and profile.support else SupportHours()


def local_day(config: PortalConfig, moment: dt.datetime) -> dt.date:
    """The support team's calendar day at `moment`: contracts run in the team's days."""
    return moment.astimezone(config.zone).date()
