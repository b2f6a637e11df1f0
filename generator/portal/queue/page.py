"""The queue page and its live fragment, rendered for the signed-in agent from the request's parameters.

The console's `/agent/` view and the queue blueprint's live endpoint both call these: one place reads the
query, loads the page and the counts, and renders them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import render_template, request
from sqlalchemy.engine import Row

from ..accounts import all_agents
from ..app import current_portal
from ..db import reading
from ..desk import LEVELS, SEVERITIES, STATUSES
from .bulk import BulkForm
from .listing import (
    VIEWS,
    QueuePage,
    QueueQuery,
    arrived_catastrophic,
    change_stamp,
    count_label,
    count_views,
    latest_case,
    load_page,
    parse_query,
)
from .urgency import urgency

POLL_SECONDS = 4  # how often an open queue asks for changes (a 304 when there are none)


def current_query(args=None) -> QueueQuery:
    """The queue query in `args` (the request's URL parameters by default)."""
    config = current_portal().config
    return parse_query(request.args if args is None else args, config.clients, config.modules)


@dataclass(frozen=True)
class QueueState:
    page: QueuePage
    counts: dict[str, int]
    latest: int  # the newest case's id when this was read


def load_state(agent: Row, query: QueueQuery) -> QueueState:
    desk = current_portal().desk
    now = desk.now()
    with reading(desk.engine) as conn:
        return QueueState(load_page(conn, agent, query, now), count_views(conn, agent, now), latest_case(conn))


def _context(agent: Row, state: QueueState) -> dict:
    portal = current_portal()
    now = portal.desk.now()
    people = [a for a in all_agents(portal.desk.engine) if a.active]
    bulk = BulkForm()
    bulk.set_choices(people)
    return {
        "page": state.page,
        "queue_query": state.page.query,  # not "query": base.html fills its search box from that
        "counts": state.counts,
        "count_label": count_label,
        "latest": state.latest,
        "views": VIEWS,
        "urgency": lambda row: urgency(row, now),
        "statuses": STATUSES,
        "severities": SEVERITIES,
        "levels": LEVELS,
        "clients": portal.config.clients,
        "modules": portal.config.modules,
        "people": people,
        "poll_seconds": POLL_SECONDS,
        "bulk": bulk,
    }


def render_queue(agent: Row) -> str:
    """The whole queue page, with the live endpoint's tag for what it shows: its first poll is a 304 unless
    something changed since (taken before the page is read, so a change in between is not missed)."""
    query = current_query()
    tag = f'"{live_etag(agent, query)}"'  # as the ETag header quotes it
    return render_template("agent/queue.html", live_tag=tag, **_context(agent, load_state(agent, query)))


def live_etag(agent: Row, query: QueueQuery) -> str:
    """A tag that changes when anything the live fragment shows may have: a case or its history changed,
    the minute turned (the time left is in minutes), or the agent or the question is another. Not the
    catastrophic arrivals' starting point: with the stamp unchanged, none arrived."""
    desk = current_portal().desk
    with reading(desk.engine) as conn:
        stamp = change_stamp(conn)
    minute = desk.now().replace(second=0, microsecond=0).isoformat()
    seed = repr((agent.id, agent.level, agent.is_admin, stamp, minute, sorted(query.args().items())))
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def render_live(agent: Row, since: int) -> dict:
    """The live fragment as JSON: the list's HTML, the views' counts, the catastrophic cases that arrived
    after case `since`, and the newest case's id for the next question."""
    query = current_query()
    state = load_state(agent, query)
    desk = current_portal().desk
    with reading(desk.engine) as conn:
        arrived = arrived_catastrophic(conn, agent, since) if since else []
    return {
        "list": render_template("agent/_queue_list.html", **_context(agent, state)),
        "counts": {view: count_label(n) for view, n in state.counts.items()},
        "next": state.page.next_after,
        "latest": state.latest,
        "arrived": [{"number": row.number, "subject": row.subject} for row in arrived],
    }
