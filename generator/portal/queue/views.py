"""The queue's own endpoints under /agent/queue: the live fragment the open queue polls, "take it", and the
bulk actions. The page itself is the console's `/agent/` (console.queue), which renders queue/page.py.

Why polling and not server-sent events: the portal runs under gunicorn's threaded workers (`kb portal
--workers W --threads T`), where an event stream holds a thread for as long as the tab is open, so twenty
agents with the queue open would take every thread of a default install. A poll every few seconds is one
short request; with an ETag it is answered 304 after two primary-key lookups when nothing changed."""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import Blueprint, abort, flash, g, jsonify, make_response, redirect, request, url_for

from ..accounts import all_agents
from ..app import current_portal
from ..console import agent_required, signed_in_agent
from ..desk import CaseNotFound, InvalidAction, NotAllowed
from .bulk import BulkForm, apply_bulk, take_case
from .page import current_query, live_etag, render_live

blueprint = Blueprint("queue", __name__, url_prefix="/agent/queue")


@blueprint.get("/live")
def live():
    """What the open queue shows now, as JSON; 304 when nothing changed since the tag the browser holds.
    The poll does not keep the agent's session alive: a console left open still signs out when idle (then
    this answers 401, and the page stops asking)."""
    g.agent = signed_in_agent(touch=False)
    if g.agent is None:
        return {"error": "signed out"}, 401
    since = request.args.get("since", "")
    since_case = int(since) if since.isascii() and since.isdigit() and len(since) < 10 else 0
    tag = live_etag(g.agent, current_query())
    if tag in request.if_none_match:
        response = make_response("", 304)
    else:
        response = jsonify(render_live(g.agent, since_case))
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"  # always asked again, answered 304 when unchanged
    return response


@blueprint.post("/take")
@agent_required
def take():
    """Assign one case to the signed-in agent (the queue's "Take it")."""
    number = request.form.get("take", "")
    try:
        taken = take_case(current_portal().desk, g.agent, number)
    except CaseNotFound:
        abort(404)
    except NotAllowed as exc:
        flash(f"{number}: {exc}", "error")
    except InvalidAction as exc:
        flash(f"{number}: {exc}", "error")
    else:
        flash(f"{taken} is yours now.", "ok")
    return redirect(_back(), code=303)


@blueprint.post("/bulk")
@agent_required
def bulk():
    """One action on the chosen cases; each is checked on its own, and the refused ones are listed."""
    form = BulkForm()
    form.set_choices([a for a in all_agents(current_portal().desk.engine) if a.active])
    numbers = request.form.getlist("case")
    if not form.validate_on_submit():
        flash(form.first_error(), "error")
        return redirect(_back(), code=303)
    if not numbers:
        flash("Choose the cases first (the boxes at the start of each row); nothing was changed.", "error")
        return redirect(_back(), code=303)
    report = apply_bulk(current_portal().desk, g.agent, numbers, form.action.data, form.text.data or "")
    if report.done:
        flash(f"{report.summary}: {', '.join(report.done)}.", "ok")
    if report.refused:
        refused = "; ".join(f"{number}: {why}" for number, why in report.refused)
        flash(f"Refused {len(report.refused)} of {len(numbers)}: {refused}.", "error")
    return redirect(_back(), code=303)


def _back() -> str:
    """The queue as the agent had it (view, filters, search), rebuilt from what the queue knows: never a
    URL taken from the form."""
    asked = {key: values[-1] for key, values in parse_qs(request.form.get("back", "")[:2000]).items()}
    return url_for("console.queue", **current_query(asked).args(after=None))
