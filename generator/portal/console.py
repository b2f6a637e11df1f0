"""The agent console: sign in, the queue by what is due first, a case's whole history and its actions.

Every page needs a signed-in agent; every action is a POST with a CSRF token and is checked against the
agent's level by the desk (an agent works cases at or below their level; admins work all)."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, session, url_for

from .accounts import agent_by_id, all_agents, authenticate
from .app import current_portal
from .attachments import files_by_event
from .case_page import case_origins, changes_since, other_cases, thread_entry
from .defects import Defects
from .defects.forms import ClassifyForm
from .defects.panel import fix_panel
from .desk import LEVELS, SEVERITIES, STATUSES, CaseNotFound, InvalidAction, NotAllowed, StaleCase, due
from .forms import (
    AgentTextForm,
    AssignForm,
    ContactForm,
    HeldMailForm,
    MergeForm,
    ReasonForm,
    SignInForm,
    VersionedForm,
    choices,
)
from .inbound.review import accept_held, held_mail, mail_events, original_mail, reject_held
from .presence import others_present
from .queue.page import render_queue

blueprint = Blueprint("console", __name__, url_prefix="/agent")
# The agent's server-side session (sessions.py): a random token, not Flask's signed cookie, which stayed
# valid for 31 days after sign-out for anyone who had copied it.
AGENT_COOKIE = "kb_agent"


def signed_in_agent(touch: bool = True):
    """The agent whose live session this request's cookie holds, else None; `touch`: the request counts as
    the agent's activity (the session's idle clock starts again)."""
    portal = current_portal()
    found = portal.sessions.find("agent", request.cookies.get(AGENT_COOKIE), touch)
    return agent_by_id(portal.desk.engine, found.subject_id) if found else None


def agent_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        agent = signed_in_agent()
        if agent is None:
            if request.method != "GET":
                abort(403)
            # "console.", not ".": the knowledge blueprint's pages (/agent/report, the draft page, the stats
            # API) use this decorator too, and ".sign_in" there was knowledge.sign_in, a 500 for a stranger.
            return redirect(url_for("console.sign_in", next=request.path))
        g.agent = agent
        return view(*args, **kwargs)

    return wrapper


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        agent = authenticate(current_portal().desk.engine, form.username.data, form.password.data)
        if agent:
            session.clear()  # a fresh CSRF token for the signed-in agent
            portal = current_portal()
            token = portal.sessions.start("agent", agent.id, replacing=request.cookies.get(AGENT_COOKIE))
            response = redirect(_local(request.args.get("next")) or url_for(".queue"), code=303)
            return _with_cookie(response, token)
        error = "That name and password do not match an active agent."
    return render_template("agent/sign_in.html", form=form, error=error), 401 if error else 200


@blueprint.route("/sign-out", methods=["POST"])
def sign_out():
    current_portal().sessions.end(request.cookies.get(AGENT_COOKIE))
    session.clear()
    response = redirect(url_for(".sign_in"), code=303)
    config = current_portal().config
    response.delete_cookie(AGENT_COOKIE, path="/", secure=config.secure_cookies, httponly=True, samesite="Lax")
    return response


def _with_cookie(response: Response, token: str) -> Response:
    config = current_portal().config
    response.set_cookie(
        AGENT_COOKIE,
        token,
        max_age=int(config.session_policy.lifetime.total_seconds()),
        path="/",  # the console, the internal build at /internal/ and the article stats API
        secure=config.secure_cookies,
        httponly=True,
        samesite="Lax",  # Lax, not Strict: a link to a case in an agent's mail opens it signed in
    )
    return response


@blueprint.route("/")
@agent_required
def queue():
    """The queue: views, filters, search, paging, bulk actions (the queue package)."""
    return render_queue(g.agent)


@blueprint.route("/cases/<number>")
@agent_required
def case(number: str):
    return _case_page(_case(number))


def _case_page(
    row,
    status: int = 200,
    typed: dict | None = None,
    changed: list | None = None,
    form_error: tuple[str, str] | None = None,
):
    """The case page: the thread, the composer under it, the side panel. After a stale action (status
    409): what `typed` held back in its forms, and the events that `changed` meanwhile; after a refused
    one (400), `form_error`: (action, message) shown beside that action's form."""
    portal = current_portal()
    desk = portal.desk
    assign = AssignForm()
    team = all_agents(desk.engine)  # once: the names in the thread and the assignees' list
    assign.assignee.choices = _assignees(row, team)
    assign.assignee.data = row.assignee_id or 0
    names = {a.id: a.display_name for a in team}
    from .knowledge_views import FlagForm, LinkForm, article_search

    query = request.args.get("q", "")[:200]
    knowledge = portal.knowledge
    history = desk.history(row)
    merged_into = desk.merged_into(row)
    return render_template(
        "agent/case.html",
        linked=knowledge.linked(row),
        article_query=query,
        article_hits=article_search(query),
        link_form=LinkForm(),
        flag_form=FlagForm(),
        draft=knowledge.draft_for(row),
        case=row,
        history=history,
        seen=max((event.id for event in history), default=0),
        entry=thread_entry,
        files=files_by_event(desk.engine, row.id, customer_only=False),
        held=held_mail(desk, row),
        from_mail=mail_events(desk, row),
        undelivered=desk.undelivered_mail(row),
        text_form=AgentTextForm(),
        contact_form=ContactForm(),
        assign_form=assign,
        names=names,
        due=due,
        statuses=STATUSES,
        levels=LEVELS,
        severities=SEVERITIES,
        origins=case_origins(portal.config, row),
        other_cases=other_cases(desk.engine, row, g.agent),
        client_name=portal.config.clients.get(row.client) if row.client else None,
        contacts=desk.contacts(row),
        merged_into=merged_into,
        present=others_present(desk.engine, row.id, g.agent.id, desk.now()),
        saved_replies=portal.config.saved_replies.get(g.agent.level, ()),
        typed=typed or {},
        changed=changed or [],
        fix=fix_panel(desk, row),
        form_error=form_error,
    ), status


# The actions of the case page: what each does, given the desk, the agent, the case, its form and the
# version the agent's page showed; and what the agent is told after it (a flash message, not "Saved.").
ACTIONS = {
    "reply": lambda desk, agent, row, form: desk.reply(agent, row, form.text.data, form.files.data, form.version.data),
    "note": lambda desk, agent, row, form: desk.note(agent, row, form.text.data, form.files.data, form.version.data),
    "wait": lambda desk, agent, row, form: desk.wait_on_customer(agent, row, form.text.data, form.version.data),
    "escalate": lambda desk, agent, row, form: desk.escalate(agent, row, form.text.data, form.version.data),
    "resolve": lambda desk, agent, row, form: desk.resolve(agent, row, form.text.data, form.version.data),
    "reopen": lambda desk, agent, row, form: desk.reopen(agent, row, form.text.data, form.version.data),
}
DONE = {
    "reply": lambda row, form: f"Reply sent to {row.customer_email}.",
    "note": lambda row, form: "Internal note added.",
    "wait": lambda row, form: "Sent to the customer; the clocks are paused until they answer.",
    "escalate": lambda row, form: f"Escalated to Level {row.level + 1}: {form.text.data}",
    "resolve": lambda row, form: f"{row.number} resolved; the customer was told.",
    "reopen": lambda row, form: f"{row.number} reopened.",
}


@blueprint.route("/cases/<number>/<action>", methods=["POST"])
@agent_required
def act(number: str, action: str):
    desk = current_portal().desk
    row = _case(number)
    form = None
    try:
        if action in ACTIONS:
            form = AgentTextForm()
            if not form.validate_on_submit():
                return _back(number, _first_error(form))
            if form.files.data and action not in ("reply", "note"):
                return _back(number, "Files go with a reply or an internal note; nothing was saved.")
            ACTIONS[action](desk, g.agent, row, form)
            done = DONE[action](row, form)
        elif action == "contact":
            form = ContactForm()
            if not form.validate_on_submit():
                return _back(number, _first_error(form))
            desk.record_contact(g.agent, row, form.channel.data, form.direction.data, form.text.data, form.version.data)
            done = f"{'Phone call' if form.channel.data == 'phone' else 'Email'} recorded."
        elif action == "assign":
            form = AssignForm()
            form.assignee.choices = _assignees(row)
            if not form.validate_on_submit():
                return _back(number, _first_error(form))
            desk.assign(g.agent, row, form.assignee.data or None, form.version.data)
            assignee = agent_by_id(desk.engine, form.assignee.data) if form.assignee.data else None
            done = f"Assigned to {assignee.display_name}." if assignee else "Nobody is assigned now."
        elif action in ("severity", "level"):
            form = ReasonForm()
            if not form.validate_on_submit():
                return _back(number, _first_error(form))
            done = _change_property(desk, row, action, form)
        elif action == "merge":
            form = MergeForm()
            if not form.validate_on_submit():
                return _back(number, _first_error(form))
            target = desk.merge(g.agent, row, form.target.data, form.reason.data or "", form.version.data)
            flash(f"{number} merged into {target.number}: its history and contacts are here now.", "ok")
            return redirect(url_for(".case", number=target.number), code=303)
        elif action in ("accept-mail", "reject-mail"):
            form = HeldMailForm()
            if not form.validate_on_submit():
                return _back(number, _first_error(form))
            (accept_held if action == "accept-mail" else reject_held)(
                desk, g.agent, row, form.event.data, form.version.data
            )
            done = "Mail accepted as the customer's." if action == "accept-mail" else "Mail rejected."
        elif action == "classify":
            form = ClassifyForm()
            done = _classify(desk, row, form)
            if not isinstance(done, str):
                return done  # the page again, with the refusal beside the form
        elif action == "resume":
            form = VersionedForm()
            if not form.validate_on_submit():
                return _back(number, _first_error(form))
            desk.resume(g.agent, row, form.version.data)
            done = "No longer waiting on the customer; the clocks run again."
        else:
            abort(404)
    except StaleCase as exc:
        flash(str(exc), "error")
        fresh = _case(number)
        typed = {name: field.data for name, field in form._fields.items() if isinstance(field.data, str)}
        typed["action"] = action
        return _case_page(fresh, 409, typed, changes_since(desk.engine, fresh, form.seen.data))
    except InvalidAction as exc:
        return _back(number, str(exc))
    except NotAllowed as exc:
        # The case went beyond the agent's level meanwhile: back to the queue with a message, not a 403.
        flash(f"{exc}. Nothing was saved.", "error")
        return redirect(url_for(".queue"), code=303)
    flash(done, "ok")
    if not _can_see(number):
        # A Level 1 agent who escalates no longer sees the case: their work on it is done, so the queue,
        # saying where the case went, instead of a 403 on the page they came from.
        level = current_portal().desk.case_level(number)
        flash(f"{number} is now with Level {level}; it has left your queue.", "ok")
        return redirect(url_for(".queue"), code=303)
    return redirect(url_for(".case", number=number), code=303)


def _classify(desk, row, form):
    """The case's type and defect (defects/): what happened, or the page drawn again with why not (400)."""
    typed = {name: field.data for name, field in form._fields.items() if isinstance(field.data, str)}
    typed["action"] = "classify"
    if not form.validate_on_submit():
        return _case_page(row, 400, typed, form_error=("classify", _first_error(form)))
    try:
        return Defects(desk).classify(
            g.agent,
            row,
            form.case_type.data,
            form.reference.data,
            form.summary.data,
            form.target.data,
            form.version.data,
        )
    except StaleCase:
        raise
    except InvalidAction as exc:
        return _case_page(_case(row.number), 400, typed, form_error=("classify", str(exc)))


def _change_property(desk, row, action: str, form) -> str:
    """Severity or level, from the side panel's forms: the change and the message saying what happened."""
    reason = form.reason.data
    if action == "severity":
        desk.change_severity(g.agent, row, form.value.data, reason, form.version.data)
        return f"Severity changed to {form.value.data}: {reason}"
    try:
        level = int(form.value.data)
    except ValueError:
        raise InvalidAction("a level is 1, 2 or 3") from None
    desk.change_level(g.agent, row, level, reason, form.version.data)
    verb = "Escalated to" if level > row.level else "Moved down to"
    return f"{verb} Level {level}: {reason}"


def _can_see(number: str) -> bool:
    try:
        current_portal().desk.case_for_agent(g.agent, number)
    except (CaseNotFound, NotAllowed):
        return False
    return True


@blueprint.route("/cases/<number>/mail/<int:event_id>")
@agent_required
def mail_original(number: str, event_id: int):
    """The untrimmed message an event came from, as received: a download, never a page."""
    raw = original_mail(current_portal().desk, _case(number), event_id)
    if raw is None:
        abort(404)
    disposition = f'attachment; filename="{number}-mail-{event_id}.eml"'
    return Response(raw, mimetype="message/rfc822", headers={"Content-Disposition": disposition})


def _case(number: str):
    try:
        return current_portal().desk.case_for_agent(g.agent, number)
    except CaseNotFound:
        abort(404)
    except NotAllowed as exc:
        abort(403, str(exc))


def _assignees(row, team: list | None = None) -> list:
    team = all_agents(current_portal().desk.engine) if team is None else team
    people = [a for a in team if a.active and a.level >= row.level]
    return choices([(0, "Nobody"), *((a.id, f"{a.display_name} (Level {a.level})") for a in people)])


def _back(number: str, message: str):
    flash(message, "error")
    return redirect(url_for(".case", number=number), code=303)


def _first_error(form) -> str:
    for name, errors in form.errors.items():
        if errors:
            label = getattr(form, name).label.text if hasattr(form, name) else name
            return f"{label}: {errors[0]}"
    return "The form was not valid."


def _local(target: str | None) -> str | None:
    """Only same-site paths after sign-in: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return None
    # Browsers read a backslash as "/" and drop tabs and line breaks, so "/<backslash>evil.example" is
    # "//evil.example" to them. Werkzeug happens to percent-encode the backslash in Location today; do not
    # rely on it.
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    return target
