"""The queue's order as SQL expressions on the `cases` table's own columns: its priority and next deadline."""

from __future__ import annotations

import sqlalchemy as sa

from .metadata import UtcDateTime

# The queue's order (migration 0013), computed from the case's own columns in every query, so it cannot go
# stale whoever writes the case: catastrophic and Level 3 first (0), the rest that runs (1), waiting on the
# customer (2), resolved (3); `due_at` the next deadline (first response until given, customer update,
# Level 1 resolution; NULL once resolved). Expressions, not stored or generated columns: SQLite's generated
# columns break Alembic's batch mode (it copies them into the rebuilt table), and triggers on `cases` are
# dropped when a migration rebuilds it. Migration 0013 indexes the same SQL (ix_cases_queue,
# ix_cases_assignee_queue); both databases match an indexed expression in a query.
QUEUE_PRIORITY_SQL = (
    "CASE WHEN {t}status = 'resolved' THEN 3 WHEN {t}status = 'waiting' THEN 2 "
    "WHEN {t}severity = 'catastrophic' OR {t}level >= 3 THEN 0 ELSE 1 END"
)
_FIRST = "CASE WHEN {t}first_responded_at IS NULL THEN {t}first_response_due END"
_UPDATE = "COALESCE({t}next_update_due, {t}first_response_due)"
_RESOLVE = "CASE WHEN {t}level = 1 THEN {t}resolution_due END"
_SOONER = f"CASE WHEN {_FIRST} < {_UPDATE} THEN {_FIRST} ELSE {_UPDATE} END"
DUE_AT_SQL = (
    f"CASE WHEN {{t}}status = 'resolved' THEN NULL WHEN {_RESOLVE} < {_SOONER} THEN {_RESOLVE} ELSE {_SOONER} END"
)
queue_priority = sa.type_coerce(sa.literal_column(QUEUE_PRIORITY_SQL.format(t="cases.")), sa.Integer)
due_at = sa.type_coerce(sa.literal_column(DUE_AT_SQL.format(t="cases.")), UtcDateTime)
QUEUE_INDEXES = ("ix_cases_queue", "ix_cases_assignee_queue")  # on expressions: made by 0013, not declared here
