"""The case page's helpers for its script: the presence heartbeat (who else has the case open or is
typing) and the article search of the composer. Agents only; the heartbeat is a POST with the page's CSRF
token (in the X-CSRFToken header), since it writes."""

from __future__ import annotations

from flask import Blueprint, g, request

from .app import current_portal
from .console import _case, agent_required
from .knowledge_views import article_search
from .presence import HEARTBEAT_SECONDS, others_present, record_presence

blueprint = Blueprint("case_tools", __name__, url_prefix="/agent/cases")


@blueprint.route("/<number>/presence", methods=["POST"])
@agent_required
def presence(number: str):
    """This agent is on the case (typing, with typing=1): the others on it, and the case's version, so the
    page can say at once when the case changed under it."""
    desk = current_portal().desk
    row = _case(number)
    now = desk.now()
    record_presence(desk.engine, row.id, g.agent.id, now, typing=request.form.get("typing") == "1")
    return {
        "others": [
            {"name": other.name, "typing": other.typing}
            for other in others_present(desk.engine, row.id, g.agent.id, now)
        ],
        "version": row.version,
        "every": HEARTBEAT_SECONDS,
    }


@blueprint.route("/<number>/articles")
@agent_required
def articles(number: str):
    """Articles for the composer's "Insert an article": title, address and summary of the best few. Not
    logged as a customer's search (the report counts those)."""
    _case(number)
    hits = article_search(request.args.get("q", "")[:200])
    return {"hits": [{"id": hit.id, "title": hit.title, "url": hit.url, "summary": hit.summary} for hit in hits]}
