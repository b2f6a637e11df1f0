"""Who may see a client's own help centre and cases: the client's signed-in people (an admin, or an address
at one of its domains) and agents. Everyone else, signed in or not, is answered as if the client did not
exist."""

from __future__ import annotations

from flask import g

from ...model import ClientProfile
from ..app import current_portal
from ..console import signed_in_agent
from ..customers import signed_in_customer


def visible_client(slug: str) -> ClientProfile | None:
    """The client `slug` if this request may see it, else None: unknown and not yours look the same."""
    profile = current_portal().config.client_profiles.get(slug)
    if profile is None:
        return None
    if g.get("agent") is None:
        g.agent = signed_in_agent()  # the page header shows the agent's links too
    if g.agent is not None:
        return profile
    customer = signed_in_customer()
    return profile if customer is not None and profile.has_person(customer.email) else None
