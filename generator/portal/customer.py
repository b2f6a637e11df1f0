"""The customer's side: log a case from any help page, follow it through its private link, reply.

A case number is not a credential: the case page needs the number and the link's token, and a wrong one
of either gives the same 404 as a case that does not exist."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for

from .app import busy_response, current_portal
from .attachments import files_by_event
from .clients import client_of
from .csat import answer_for
from .csat.forms import CsatForm
from .customers import signed_in_customer
from .db import DatabaseBusy
from .desk import LEVELS, SEVERITIES, STATUSES, CaseNotFound, NewCase
from .forms import AvoidedForm, CaseForm, ReplyForm, choices, context_ref, page_ref, search_ref
from .internal_site import internal_only

blueprint = Blueprint("customer", __name__)
_SLUG = re.compile(r"[a-z][a-z0-9_-]{0,63}")  # schema.SLUG's shape


@blueprint.route("/cases/new", methods=["GET", "POST"])
def new_case():
    wanted = request.args.get("client")
    if request.method == "GET" and wanted and _SLUG.fullmatch(wanted):
        # A client's build links here with ?client=<slug>: its case form is in its own centre, behind its
        # sign-in. Any slug-shaped value is sent on, so this answer says nothing about which clients exist.
        carried = {k: v for k in ("page", "context", "q") if (v := request.args.get(k))}
        return redirect(url_for("clients.new_case", slug=wanted, **carried), code=303)
    return case_form(current_portal().config.modules, client=None)


def case_form(modules: dict[str, str], client: str | None):
    """The case form, GET and POST: `modules` offered, the case then `client`'s (a client's centre decides
    that). Without one, a case from a signed-in person of a client, sent from their own address, is that
    client's; the form never takes a client from what the browser sends."""
    portal = current_portal()
    form = CaseForm()
    form.module.choices = choices([("", "Not sure"), *modules.items()])
    if request.method == "GET":
        form.page.data = page_ref(request.args.get("page"))
        form.context.data = context_ref(request.args.get("context"))
        form.last_search.data = search_ref(request.args.get("q"))
        if form.last_search.data and not form.subject.data:
            form.subject.data = form.last_search.data
    if form.validate_on_submit():
        client = client or _signed_in_client(form.customer_email.data)
        try:
            submitted = portal.desk.submit(_new_case(form, client), form.idempotency_key.data, form.files.data)
        except DatabaseBusy:
            # The form again, with everything the customer typed (and the same idempotency key: a retry that
            # did get through once is not a second case).
            page = render_template("case_new.html", form=form, severities=SEVERITIES, busy=True)
            return busy_response(page)
        target = url_for("customer.view_case", number=submitted.number, token=submitted.token, new=1)
        return redirect(target, code=303)
    status = 400 if form.is_submitted() else 200
    return render_template("case_new.html", form=form, severities=SEVERITIES), status


def _signed_in_client(typed_email: str) -> str | None:
    """The client of the signed-in customer, when the case is sent from their own (verified) address."""
    customer = signed_in_customer()
    if customer is None or typed_email.strip().lower() != customer.email.lower():
        return None
    profile = client_of(current_portal().config, customer.email)
    return profile.slug if profile else None


def _new_case(form: CaseForm, client: str | None) -> NewCase:
    return NewCase(
        subject=form.subject.data,
        description=form.description.data,
        customer_name=form.customer_name.data,
        customer_email=form.customer_email.data,
        severity=form.severity.data,
        company=form.company.data or None,
        phone=form.phone.data or None,
        module=form.module.data or None,
        page_id=page_ref(form.page.data),
        context_id=context_ref(form.context.data),
        last_search=search_ref(form.last_search.data),
        client=client,
    )


@blueprint.route("/cases/<number>/<token>", methods=["GET"])
def view_case(number: str, token: str):
    row = case_or_404(number, token)
    return private_page(_case_page(row, token, ReplyForm(), new=request.args.get("new") == "1"))


@blueprint.route("/cases/<number>/<token>/reply", methods=["POST"])
def reply(number: str, token: str):
    row = case_or_404(number, token)
    form = ReplyForm()
    if not form.validate_on_submit():
        return private_page(_case_page(row, token, form, new=False)), 400
    current_portal().desk.customer_reply(row, form.text.data, form.files.data)
    return redirect(url_for(".view_case", number=number, token=token), code=303)


def _case_page(row, token: str, form: ReplyForm, new: bool) -> str:
    return case_page(
        row, form, private_urls(row.number, token), new=new, link=current_portal().desk.case_link(row, token)
    )


@dataclass(frozen=True)
class CaseUrls:
    """Where a customer's case page sends its forms and file links: under its private link, or under "My
    cases" for a signed-in customer (customers/); the page is the same."""

    reply: str
    file: Callable[[int], str]  # a file's id -> its download address
    close: str
    reopen: str
    csat: str


def private_urls(number: str, token: str) -> CaseUrls:
    def action(name: str) -> str:
        return url_for("customers.private_action", number=number, token=token, action=name)

    return CaseUrls(
        reply=url_for("customer.reply", number=number, token=token),
        file=lambda file_id: url_for("attachments.customer_file", number=number, token=token, file_id=file_id),
        close=action("close"),
        reopen=action("reopen"),
        csat=action("csat"),
    )


def case_page(
    row, form: ReplyForm, urls: CaseUrls, new: bool = False, link: str | None = None, csat_form: CsatForm | None = None
) -> str:
    """The customer's page of case `row`: its facts, what they may see of its history and files, the reply form,
    closing or reopening it, and once it is resolved the satisfaction question."""
    portal = current_portal()
    return render_template(
        "case_view.html",
        csat_answer=answer_for(portal.desk.engine, row.id) if row.status == "resolved" else None,
        csat_form=csat_form or CsatForm(formdata=None),
        case=row,
        history=portal.desk.customer_history(row),
        files=files_by_event(portal.desk.engine, row.id, customer_only=True),
        linked=[article for article in portal.knowledge.linked(row) if not internal_only(article.article_id)],
        form=form,
        link=link,
        urls=urls,
        new=new,
        statuses=STATUSES,
        levels=LEVELS,
    )


@blueprint.route("/cases/avoided", methods=["POST"])
def case_avoided():
    """The customer opened a suggested article from the case form and it answered the question."""
    form = AvoidedForm()
    article = page_ref(form.article.data)
    if form.validate_on_submit() and article:
        current_portal().desk.case_avoided(
            article, search_ref(form.last_search.data), page_ref(form.page.data), context_ref(form.context.data)
        )
    return render_template("case_avoided.html")


def case_or_404(number: str, token: str):
    if len(number) > 20 or len(token) > 100:
        abort(404)
    try:
        return current_portal().desk.case_for_customer(number, token)
    except CaseNotFound:
        abort(404)


def private_page(body, status: int = 200):
    """The case page's address is its key: keep it out of Referer headers, caches and search engines (the
    signed-in customer's pages and the sign-in link's too, customers/). same-origin, not no-referrer: under
    no-referrer a browser sends `Origin: null` with the page's own reply form, which the Origin check
    (origin.py) must refuse; other sites still never see the address."""
    response = make_response(body, status)
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
