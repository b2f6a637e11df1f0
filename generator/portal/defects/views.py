"""The console's pages for fixes: the defects by target version and the releases (/agent/defects), a defect
with the cases that share it (/agent/defects/<id>), and their actions: move the fix to another version,
mark it shipped, publish a release (admins). A refused action draws the page again with the message beside
its form (status 400); the case page's own form is in console.py with the case's other actions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from ..app import current_portal
from ..console import agent_required
from ..desk import STATUSES, InvalidAction, NotAllowed
from .actions import Defects, may_act_on_defects
from .forms import SummaryForm, VersionForm
from .model import DEFECT_STATUSES, DefectNotFound
from .publish import publish_release

blueprint = Blueprint("defects", __name__, url_prefix="/agent")


@blueprint.route("/defects")
@agent_required
def defects_page(status: int = 200, error: str | None = None):
    from ..db import reading
    from .store import all_defects

    defects = Defects(current_portal().desk)
    with reading(defects.desk.engine) as conn:
        rows = all_defects(conn)
    return render_template(
        "agent/defects.html",
        defects=rows,
        statuses=DEFECT_STATUSES,
        releases=defects.published(),
        to_publish=defects.target_choices(),
        error=error,
    ), status


@blueprint.route("/defects/<int:defect_id>")
@agent_required
def defect_page(defect_id: int, status: int = 200, error: tuple[str, str] | None = None):
    defects = Defects(current_portal().desk)
    try:
        defect, cases = defects.get(defect_id)
    except DefectNotFound:
        abort(404)
    agent = g.agent
    # The agent sees the cases their level reaches, and how many more there are: the defect's actions
    # reach those too, which is why they are Level 2's and up (may_act_on_defects).
    visible = [row for row in cases if agent.is_admin or row.level <= agent.level]
    return render_template(
        "agent/defect.html",
        defect=defect,
        cases=visible,
        hidden=len(cases) - len(visible),
        waiting=sum(1 for row in cases if row.status != "resolved"),
        statuses=STATUSES,
        defect_statuses=DEFECT_STATUSES,
        targets=defects.target_choices(),
        shipped_in=defects.shipped_choices(),
        may_act=may_act_on_defects(agent),
        error=error,
    ), status


@blueprint.route("/defects/<int:defect_id>/<action>", methods=["POST"])
@agent_required
def defect_action(defect_id: int, action: str):
    if action not in ("target", "ship", "summary"):
        abort(404)
    defects = Defects(current_portal().desk)
    form = SummaryForm() if action == "summary" else VersionForm()
    if not form.validate_on_submit():
        label = "Summary for customers" if action == "summary" else "Version"
        return defect_page(defect_id, 400, (action, f"{label}: " + next(iter(form.errors.values()))[0]))
    version = "" if action == "summary" else form.version.data or ""
    try:
        if action == "summary":
            defects.resummarise(g.agent, defect_id, form.summary.data)
            done = "Summary for customers saved; the next release notes quote it."
        elif action == "target":
            told = defects.retarget(g.agent, defect_id, version)
            where = f"planned for {version}" if version else "not planned for a version"
            done = f"The fix is {where} now; {len(told)} waiting case{'s' if len(told) != 1 else ''} updated."
        else:
            shipped = defects.ship(defect_id, version, g.agent.username, g.agent)
            done = f"{shipped.reference} shipped in {version}; {len(shipped.resolved)} case(s) resolved and told."
    except DefectNotFound:
        abort(404)
    except (InvalidAction, NotAllowed) as exc:
        return defect_page(defect_id, 400 if isinstance(exc, InvalidAction) else 403, (action, str(exc)))
    flash(done, "ok")
    return redirect(url_for(".defect_page", defect_id=defect_id), code=303)


@blueprint.route("/releases/publish", methods=["POST"])
@agent_required
def publish():
    form = VersionForm()
    version = form.version.data or "" if form.validate_on_submit() else ""
    if not version:
        return defects_page(400, "Choose the version to publish.")
    defects = Defects(current_portal().desk)
    try:
        published = publish_release(defects, version, g.agent.username, g.agent)
    except NotAllowed as exc:
        return defects_page(403, f"{exc}.")
    except InvalidAction as exc:
        return defects_page(400, str(exc))
    if published.already:
        release = published.release
        flash(
            f"{version} was published on {release.published_at:%Y-%m-%d %H:%M UTC} by {release.published_by}; "
            "nothing changed.",
            "ok",
        )
    else:
        count = len(published.resolved)
        flash(f"{version} published: {count} case{'s' if count != 1 else ''} resolved and told.", "ok")
    return redirect(url_for(".defects_page"), code=303)
