"""The console's notifications: the unread count in the header (and as JSON, which the page polls), the
list with "mark read", and the settings page where an agent turns the non-critical ones off."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from wtforms import BooleanField, HiddenField
from wtforms.validators import Optional, Regexp

from ..app import current_portal
from ..console import agent_required
from ..forms import PortalForm
from .kinds import ALWAYS_ON, KINDS, OPTIONAL
from .store import Choice, load_choices, mark_read, recent, save_choices, unread_count

blueprint = Blueprint("notifications", __name__, url_prefix="/agent/notifications")


class MarkReadForm(PortalForm):
    notification = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,12}$")])  # empty: all of them


class SettingsForm(PortalForm):
    """Two boxes per kind the agent may turn off, added by `settings_form`."""


def settings_form(choices: dict[str, Choice]) -> SettingsForm:
    class Form(SettingsForm):
        pass

    for kind in OPTIONAL:
        setattr(Form, f"{kind}__mail", BooleanField("By mail", default=choices[kind].by_mail))
        setattr(Form, f"{kind}__screen", BooleanField("On screen", default=choices[kind].on_screen))
    return Form()


@blueprint.app_context_processor
def unread_for_header():
    """The header's count, on every page an agent is signed in to (g.agent is set by agent_required)."""
    agent = g.get("agent")
    if agent is None or g.get("error_page"):  # an error page reads nothing from the database (error_pages.py)
        return {}
    return {
        "unread_notifications": unread_count(current_portal().desk.engine, agent.id),
        "notification_poll_ms": int(current_portal().config.notification_poll_seconds * 1000),
    }


@blueprint.route("/")
@agent_required
def inbox():
    portal = current_portal()
    rows = recent(portal.desk.engine, g.agent.id)
    return render_template("agent/notifications.html", notifications=rows, kinds=KINDS, form=MarkReadForm())


@blueprint.route("/count")
@agent_required
def count():
    """{"unread": N} for the header's script; never cached."""
    response = {"unread": unread_count(current_portal().desk.engine, g.agent.id)}
    return response, 200, {"Cache-Control": "no-store"}


@blueprint.route("/read", methods=["POST"])
@agent_required
def read():
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    portal = current_portal()
    one = int(form.notification.data) if form.notification.data else None
    changed = mark_read(portal.desk.engine, g.agent.id, portal.desk.now(), one)
    flash("Marked as read." if changed else "Nothing new to mark as read.", "ok")
    return redirect(url_for(".inbox"), code=303)


@blueprint.route("/settings", methods=["GET", "POST"])
@agent_required
def settings():
    engine = current_portal().desk.engine
    form = settings_form(load_choices(engine, g.agent.id))
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen = {kind: Choice(form[f"{kind}__mail"].data, form[f"{kind}__screen"].data) for kind in OPTIONAL}
        save_choices(engine, g.agent.id, chosen)
        flash("Your notification settings are saved.", "ok")
        return redirect(url_for(".settings"), code=303)
    return render_template(
        "agent/notification_settings.html", form=form, kinds=KINDS, optional=OPTIONAL, always_on=ALWAYS_ON
    )
