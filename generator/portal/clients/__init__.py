"""Clients as organisations: their people and contracts (people.py), their own help centres at /c/<slug>/
(centre.py, a blueprint the app registers), who may see them (access.py) and their figures (figures.py).

Only people.py is imported here: the desk uses it, and the blueprint imports the desk."""

from __future__ import annotations

from .people import (
    ENDED,
    IN_FORCE,
    NOT_STARTED,
    admin_of,
    client_of,
    contract_state,
    local_day,
    outside_contract,
    profile_of,
    support_hours,
)

__all__ = [
    "ENDED",
    "IN_FORCE",
    "NOT_STARTED",
    "admin_of",
    "client_of",
    "contract_state",
    "local_day",
    "outside_contract",
    "profile_of",
    "support_hours",
]
