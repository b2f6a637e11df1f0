"""The queue as SQL: which cases a view holds, filtered and searched, in the queue's order, a page at a time;
the views' counts. Plain functions on a connection: the web pages and the benchmark call them.

The order is the database's: `queue_priority` (catastrophic and Level 3 first, then the rest that runs,
then waiting on the customer) and `due_at` (the next deadline) are SQL expressions on the case's columns
(db/queue_order.py) with indexes on them (migration 0013), so a page is an index range scan that stops at the
page's size, whatever the number of cases. Resolved cases list newest first.

Paging is by key, not by offset: the next page starts after the last case of this one, in the queue's order.
The queue changes while an agent reads it (a catastrophic case arrives, a case is answered); with an offset
every arrival would shift the pages and show a case twice or skip one, and page 200 would cost 200 pages'
reading. The cost: there is a "next page" and a "first page", no page numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from ..db import agents, cases, due_at, events, queue_priority
from ..desk import SEVERITIES, STATUSES
from .search import matching

PAGE_SIZE = 50
BREACHING_WITHIN = dt.timedelta(hours=2)

# The views, in the order the console lists them: key -> label.
VIEWS = {
    "mine": "Mine",
    "unassigned": "Unassigned",
    "level": "My level",
    "escalated": "Escalated",
    "waiting": "Waiting on customer",
    "breaching": "Breaching within 2 hours",
    "open": "All open",
    "resolved": "Resolved",
}
DEFAULT_VIEW = "open"
RUNNING, WAITING, RESOLVED = (0, 1), 2, 3  # queue_priority values: see db.QUEUE_PRIORITY_SQL

assignee = agents.alias("assignee")
# What a queue row shows; the assignee's name comes in the same query (no query per row).
_COLUMNS = (
    cases.c.id,
    cases.c.number,
    cases.c.subject,
    cases.c.customer_name,
    cases.c.customer_email,
    cases.c.company,
    cases.c.client,
    cases.c.module,
    cases.c.severity,
    cases.c.status,
    cases.c.level,
    cases.c.assignee_id,
    cases.c.created_at,
    cases.c.first_response_due,
    cases.c.first_responded_at,
    cases.c.next_update_due,
    cases.c.resolution_due,
    cases.c.paused_at,
    cases.c.resolved_at,
    cases.c.contract_ended,  # the client badge flags a case logged outside its contract
    queue_priority.label("queue_priority"),
    due_at.label("due_at"),
    assignee.c.display_name.label("assignee_name"),
)


@dataclass(frozen=True)
class QueueQuery:
    """What the agent asked for: a view, filters, words to search, and where the page starts."""

    view: str = DEFAULT_VIEW
    client: str | None = None
    module: str | None = None
    severity: str | None = None
    status: str | None = None
    assignee: int | None = None  # an agent's id; 0: nobody
    words: str = ""
    after: int | None = None  # the id of the last case of the page before

    def args(self, **changes) -> dict[str, str]:
        """This query as URL parameters (empty ones left out), with `changes`."""
        values = {
            "view": self.view,
            "client": self.client,
            "module": self.module,
            "severity": self.severity,
            "status": self.status,
            "assignee": self.assignee,
            "q": self.words,
            "after": self.after,
        } | changes
        return {key: str(value) for key, value in values.items() if value not in (None, "")}

    @property
    def filtered(self) -> bool:
        return any(v not in (None, "") for v in (self.client, self.module, self.severity, self.status, self.words)) or (
            self.assignee is not None
        )


def parse_query(args: Mapping[str, str], clients: Mapping[str, str], modules: Mapping[str, str]) -> QueueQuery:
    """The queue's URL parameters to a QueueQuery. A value the queue does not know means no such filter
    (a view or a filter from an old bookmark is not an error); words are kept as typed, up to 200 characters."""

    def known(name: str, allowed) -> str | None:
        value = args.get(name) or None
        return value if value in allowed else None

    def number(name: str) -> int | None:
        raw = args.get(name, "")
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None

    old_resolved = "resolved" if args.get("resolved") == "1" else None  # the queue's link before the views
    return QueueQuery(
        view=known("view", VIEWS) or old_resolved or DEFAULT_VIEW,
        client=known("client", clients),
        module=known("module", modules),
        severity=known("severity", SEVERITIES),
        status=known("status", STATUSES),
        assignee=number("assignee"),
        words=(args.get("q") or "").strip()[:200],
        after=number("after"),
    )


def visible_to(agent: Row) -> ColumnElement[bool]:
    """The cases an agent works: at or below their level; an admin, every case."""
    # `level + 0`: a test on each case (read from the queue's indexes, where level rides along), not a range
    # of ix_cases_status_level, which SQLite would otherwise pick for the resolved view and then sort it all.
    return sa.true() if agent.is_admin else (cases.c.level + 0) <= agent.level


_VIEW_CONDITIONS = {
    "mine": lambda agent, now: sa.and_(cases.c.assignee_id == agent.id, queue_priority < RESOLVED),
    "unassigned": lambda agent, now: sa.and_(cases.c.assignee_id.is_(None), queue_priority < RESOLVED),
    "level": lambda agent, now: sa.and_(cases.c.level == agent.level, queue_priority < RESOLVED),
    "escalated": lambda agent, now: sa.and_(cases.c.level >= 2, queue_priority < RESOLVED),
    "waiting": lambda agent, now: queue_priority == WAITING,
    "breaching": lambda agent, now: sa.and_(queue_priority.in_(RUNNING), due_at <= now + BREACHING_WITHIN),
    "open": lambda agent, now: queue_priority < RESOLVED,
    # status, not queue_priority: the resolved list is ordered by when, on the index that starts with status.
    "resolved": lambda agent, now: cases.c.status == "resolved",
}


def view_condition(view: str, agent: Row, now: dt.datetime) -> ColumnElement[bool]:
    """Which cases `view` holds, for `agent` at `now`."""
    return _VIEW_CONDITIONS[view](agent, now)


def _filters(query: QueueQuery, dialect: str) -> list[ColumnElement[bool]]:
    conditions = []
    for name in ("client", "module", "severity", "status"):
        if getattr(query, name):
            conditions.append(cases.c[name] == getattr(query, name))
    if query.assignee is not None:
        conditions.append(
            cases.c.assignee_id.is_(None) if query.assignee == 0 else cases.c.assignee_id == query.assignee
        )
    found = matching(dialect, query.words)
    if found is not None:
        conditions.append(found)
    return conditions


def _order(view: str) -> tuple:
    if view == "resolved":
        return (cases.c.resolved_at.desc(), cases.c.id.desc())
    return (queue_priority, due_at, cases.c.id)


def _after(conn: Connection, agent: Row, view: str, case_id: int) -> ColumnElement[bool] | None:
    """Cases after `case_id` in `view`'s order (where that case is now); None when it is gone or not the
    agent's to see (its place in the queue is not theirs to learn either)."""
    keys = (cases.c.resolved_at, cases.c.id) if view == "resolved" else (queue_priority, due_at, cases.c.id)
    last = conn.execute(sa.select(*keys).where(cases.c.id == case_id, visible_to(agent))).first()
    if last is None or any(value is None for value in last):
        return None
    if view == "resolved":
        return sa.tuple_(*keys) < tuple(last)
    return sa.tuple_(*keys) > tuple(last)


@dataclass(frozen=True)
class QueuePage:
    rows: list[Row]
    next_after: int | None  # the `after` of the next page; None on the last page
    query: QueueQuery = field(default_factory=QueueQuery)


def load_page(
    conn: Connection, agent: Row, query: QueueQuery, now: dt.datetime, page_size: int = PAGE_SIZE
) -> QueuePage:
    """One page of the agent's queue: the view's cases that pass the filters and the search, in order."""
    conditions = [visible_to(agent), view_condition(query.view, agent, now), *_filters(query, conn.dialect.name)]
    if query.after is not None:
        after = _after(conn, agent, query.view, query.after)
        if after is not None:
            conditions.append(after)
    rows = conn.execute(
        sa.select(*_COLUMNS)
        .select_from(cases.outerjoin(assignee, assignee.c.id == cases.c.assignee_id))
        .where(*conditions)
        .order_by(*_order(query.view))
        .limit(page_size + 1)  # one more than shown: whether there is a next page
    ).all()
    more = len(rows) > page_size
    rows = rows[:page_size]
    return QueuePage(rows, rows[-1].id if more else None, query)


COUNT_CAP = 999  # a view's count stops here ("999+"): past it the number tells an agent nothing more


def count_views(conn: Connection, agent: Row, now: dt.datetime) -> dict[str, int]:
    """How many cases each view holds for `agent` (filters and search aside), each counted up to
    COUNT_CAP + 1. Capped, so a count costs at most that many index entries whatever the number of cases:
    counting every resolved case of 100,000 took longer than the rest of the page. One statement (a
    subquery a view), so one round trip to the database."""

    def counted(view: str):
        found = (
            sa.select(sa.literal(1))
            .select_from(cases)
            .where(visible_to(agent), view_condition(view, agent, now))
            .limit(COUNT_CAP + 1)
            .subquery()
        )
        return sa.select(sa.func.count()).select_from(found).scalar_subquery().label(view)

    return conn.execute(sa.select(*(counted(view) for view in VIEWS))).one()._asdict()


def count_label(count: int) -> str:
    """A view's count as shown: "999+" past the cap."""
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def arrived_catastrophic(conn: Connection, agent: Row, since_case: int) -> list[Row]:
    """Catastrophic cases the agent may work that were logged after case `since_case` and are still open:
    what the open queue announces."""
    return conn.execute(
        sa.select(cases.c.id, cases.c.number, cases.c.subject)
        .where(
            cases.c.id > since_case,
            cases.c.severity == "catastrophic",
            queue_priority < RESOLVED,
            visible_to(agent),
        )
        .order_by(cases.c.id)
        .limit(20)
    ).all()


def latest_case(conn: Connection) -> int:
    """The newest case's id (0 with none): where the next arrivals start."""
    return conn.execute(sa.select(sa.func.coalesce(sa.func.max(cases.c.id), 0))).scalar_one()


def change_stamp(conn: Connection) -> tuple[int, int]:
    """Something that changes whenever any case does: the newest case and the newest history event (every
    change to a case writes one). Two primary-key lookups in one statement, cheap enough to ask every few
    seconds."""
    newest_case = sa.select(sa.func.coalesce(sa.func.max(cases.c.id), 0)).scalar_subquery()
    newest_event = sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0)).scalar_subquery()
    return tuple(conn.execute(sa.select(newest_case, newest_event)).one())
