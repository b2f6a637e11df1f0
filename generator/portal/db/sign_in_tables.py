"""Who is signed in: server-side sessions, the customers who signed in by a mailed link, and those links."""

from __future__ import annotations

import sqlalchemy as sa

from .metadata import UtcDateTime, metadata

# Server-side sessions (migration 0003): the cookie holds a random token, the row only its SHA-256, so a copy
# of the table signs nobody in, and ending a session is deleting its row. `kind` says whose (agent now,
# customers later), `subject_id` whom: the agents' or the customers' id.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("subject_id", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Index("ix_sessions_expires_at", "expires_at"),
)

# Customers who signed in by a mailed link (migration 0011). `email` is lower-cased: one address, one customer.
# The row is made on the first successful sign-in, never on a request for a link.
customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(200)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_signed_in_at", UtcDateTime),
)

# One-time sign-in links (0011): the mailed token and its 6-digit code are stored only as hashes (the code as an
# HMAC under the portal's key: a million codes are no work to hash, so a plain hash would give them away).
sign_in_links = sa.Table(
    "sign_in_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    sa.Column("used_at", UtcDateTime),
    sa.Column("code_attempts", sa.Integer, nullable=False, default=0),
)
