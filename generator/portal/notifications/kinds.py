"""What an agent can be told, and which of it they may turn off."""

from __future__ import annotations

# kind -> what the settings page calls it. Order: the settings page's.
KINDS = {
    "customer_replied": "A customer replied on a case of mine",
    "assigned": "A case was assigned to me",
    "breach_soon": "A clock of one of my cases breaches within an hour",
    "catastrophic": "A catastrophic case or a Level 3 rapid-response alert",
}
# Alerts nobody may turn off: the rapid-response team must hear of a system down, whatever they chose.
ALWAYS_ON = frozenset({"catastrophic"})
OPTIONAL = tuple(kind for kind in KINDS if kind not in ALWAYS_ON)
