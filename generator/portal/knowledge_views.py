"""The knowledge loop's pages and endpoints: link, flag and draft articles from a case (agents); "Was this
helpful?" from the help centre (anyone, CSRF token fetched first); article stats for the internal build."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..errors import KbError
from ..search import search
from ..target_mark import load_target_mark
from .app import current_portal
from .console import _case, agent_required
from .forms import PortalForm, choices, int_arg, one_line, plain_text
from .knowledge import FLAG_KINDS, DraftInput, KnowledgeError, article_id

blueprint = Blueprint("knowledge", __name__)
MAX_REPORT_DAYS = 36500  # a century: "all time" is days=0


class LinkForm(PortalForm):
    article = HiddenField(validators=[DataRequired()])
    title = HiddenField(validators=[Optional(), Length(max=300), one_line])


class FlagForm(PortalForm):
    article = StringField("Article", validators=[DataRequired(), Length(max=20), one_line])
    kind = SelectField("It is", choices=choices(FLAG_KINDS.items()))
    comment = TextAreaField("What is wrong or missing", validators=[DataRequired(), Length(max=5000), plain_text])


class DraftForm(PortalForm):
    title = StringField(
        "Title (the issue, in the customer's words)", validators=[DataRequired(), Length(max=200), one_line]
    )
    module = SelectField("Module")
    issue = TextAreaField("Issue", validators=[DataRequired(), Length(max=20000), plain_text])
    environment = TextAreaField("Environment", validators=[DataRequired(), Length(max=5000), plain_text])
    resolution = TextAreaField("Resolution", validators=[DataRequired(), Length(max=20000), plain_text])
    cause = TextAreaField("Cause", validators=[Optional(), Length(max=5000), plain_text])


class FeedbackForm(PortalForm):
    article = StringField(validators=[DataRequired(), Length(max=20)])
    helpful = BooleanField()
    # plain_text: a comment is stored as typed, but not NUL and other control characters (PostgreSQL
    # refuses NUL outright: this public endpoint answered a 500).
    comment = StringField(validators=[Optional(), Length(max=2000), plain_text])


@dataclass(frozen=True)
class ArticleHit:
    """An article the console's search found: `url` relative to the portal's root (the internal build's pages
    under internal/), `mark` 'Internal', 'Draft (...)' or '' for a public, validated one."""

    id: str
    title: str
    url: str
    summary: str
    mark: str = ""


def article_search(query: str) -> list[ArticleHit]:
    """Articles an agent can link: the portal's search, by title, ID and text, over the internal build when
    the portal has one (internal articles and drafts too, marked as such), else over the public site."""
    config = current_portal().config
    internal = config.internal_site_dir is not None and config.internal_index_dir is not None
    index_dir = config.internal_index_dir if internal else current_portal().index_dir
    if not query.strip() or index_dir is None:
        return []
    try:
        hits = search(index_dir, query.strip()[:200], limit=8, snippets=False).hits
    except KbError:
        return []
    if not internal:
        return [ArticleHit(hit.id, hit.title, hit.url, hit.summary) for hit in hits]
    mark = load_target_mark(config.internal_site_dir)
    return [
        ArticleHit(hit.id, hit.title, f"internal/{hit.url}", hit.summary, mark.label(hit.id) if mark else "")
        for hit in hits
    ]


@blueprint.route("/agent/cases/<number>/articles/<action>", methods=["POST"])
@agent_required
def articles(number: str, action: str):
    knowledge = current_portal().knowledge
    row = _case(number)
    try:
        if action == "link":
            form = LinkForm()
            if not form.validate_on_submit():
                abort(400)
            if knowledge.link(g.agent, row, form.article.data, form.title.data):
                flash(f"Linked {article_id(form.article.data)}.", "ok")
        elif action == "unlink":
            form = LinkForm()
            if not form.validate_on_submit():
                abort(400)
            knowledge.unlink(g.agent, row, form.article.data)
            flash("Unlinked.", "ok")
        elif action == "flag":
            form = FlagForm()
            if not form.validate_on_submit():
                flash("To flag an article, give its ID and say what is wrong or missing.", "error")
            else:
                knowledge.flag(g.agent, row, form.article.data, form.kind.data, form.comment.data)
                flash(f"Flagged {article_id(form.article.data)} for the writers.", "ok")
        else:
            abort(404)
    except KnowledgeError as exc:
        flash(str(exc), "error")
    return redirect(url_for("console.case", number=number) + "#knowledge", code=303)


@blueprint.route("/agent/cases/<number>/draft", methods=["GET", "POST"])
@agent_required
def draft(number: str):
    portal = current_portal()
    row = _case(number)
    saved = portal.knowledge.draft_for(row)
    form = DraftForm(obj=saved) if saved and request.method == "GET" else DraftForm()
    form.module.choices = choices(portal.config.modules.items())
    if request.method == "GET" and not saved:
        form.title.data = row.subject
        form.module.data = row.module or next(iter(portal.config.modules), "")
        form.issue.data = row.description
        screen = f", screen {row.context_id}" if row.context_id else ""
        module = portal.config.modules.get(row.module or "", "module not given")
        form.environment.data = f"{portal.config.product_name} ({module}{screen})"
        form.resolution.data = row.resolution or ""
    findings, error = (), None
    if form.validate_on_submit():
        fields = DraftInput(
            form.title.data,
            form.module.data,
            form.issue.data,
            form.environment.data,
            form.resolution.data,
            form.cause.data or "",
        )
        try:
            check = portal.knowledge.save_draft(g.agent, row, fields, request.form.getlist("confirm"))
        except KnowledgeError as exc:
            error = str(exc)
        else:
            if check.clean:
                flash("Draft saved. `kb cases pull-drafts` brings it into the knowledge base for review.", "ok")
                return redirect(url_for("console.case", number=number) + "#knowledge", code=303)
            findings = check.findings
    status = 400 if (form.errors or findings or error) else 200
    return render_template("agent/draft.html", case=row, form=form, findings=findings, error=error, saved=saved), status


@blueprint.route("/agent/report")
@agent_required
def report_page():
    """The report with charts: the same figures as `kb report`, for the current index's articles."""
    import datetime as dt

    from ..search import field_values
    from .defects.report import wait_words
    from .report import build_report

    portal = current_portal()
    days = int_arg("days", 0, 0, MAX_REPORT_DAYS)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days) if days > 0 else None
    client = request.args.get("client") or None
    if client not in (None, *portal.config.clients):
        abort(404)
    articles = []
    if portal.index_dir is not None:
        try:
            articles = [value for value in field_values(portal.index_dir, "id") if value.startswith("KB-")]
        except KbError:
            articles = []
    figures = build_report(portal.desk.engine, articles, since, client)
    from .report_views import trends_for_request

    return render_template(
        "agent/report.html",
        report=figures,
        trends=trends_for_request(),
        days=days,
        client=client,
        clients=portal.config.clients,
        wait_words=wait_words,
    )


@blueprint.route("/api/csrf")
def csrf_token():
    """A CSRF token for the help centre's own scripts ("Was this helpful?"), bound to this browser's session."""
    response = jsonify({"token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/api/feedback", methods=["POST"])
def record_feedback():
    form = FeedbackForm()
    if not form.validate():
        return {"error": "expected article, helpful and an optional comment"}, 400
    try:
        current_portal().knowledge.record_feedback(form.article.data, form.helpful.data, form.comment.data)
    except KnowledgeError as exc:
        return {"error": str(exc)}, 400
    return {"ok": True}


@blueprint.route("/api/articles/<article>/stats")
@agent_required
def article_stats(article: str):
    """For the internal build's badges: cases this article resolved and its open flags (agents only)."""
    knowledge = current_portal().knowledge
    try:
        article = article_id(article)
    except KnowledgeError:
        abort(404)
    flags = [{"kind": f.kind, "comment": f.comment, "at": f.at.isoformat()} for f in knowledge.open_flags(article)]
    return {"article": article, "cases": knowledge.case_count(article), "flags": flags}
