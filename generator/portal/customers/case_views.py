"""A signed-in customer's own cases under /my/cases/<number>: the private case page's view, reply and files,
reached by being a contact of the case instead of holding its link. Another customer's case, a guessed number
or a case that does not exist: the same 404. Closing, reopening and the CSAT question, for both pages."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for

from ..app import current_portal
from ..attachments import file_for_case
from ..attachments.views import FILE_ID, serve_file
from ..clients import admin_of
from ..csat import record_answer
from ..csat.forms import CsatForm
from ..customer import CaseUrls, case_or_404, case_page, private_page, private_urls
from ..desk import CaseNotFound, InvalidAction
from ..forms import ReplyForm
from .cases import case_of
from .session import customer_required, signed_in_customer
from .views import blueprint


def my_case_or_404(number: str):
    if len(number) > 20:
        abort(404)
    portal, customer = current_portal(), signed_in_customer()
    organisation = admin_of(portal.config, customer.email)  # a client admin opens all its cases (Our cases)
    try:
        return case_of(portal.desk.engine, customer, number, organisation.slug if organisation else None)
    except CaseNotFound:
        abort(404)


def my_urls(number: str) -> CaseUrls:
    def action(name: str) -> str:
        return url_for("customers.my_action", number=number, action=name)

    return CaseUrls(
        reply=url_for("customers.my_reply", number=number),
        file=lambda file_id: url_for("customers.my_file", number=number, file_id=file_id),
        close=action("close"),
        reopen=action("reopen"),
        csat=action("csat"),
    )


@blueprint.route("/my/cases/<number>")
@customer_required
def my_case(number: str):
    row = my_case_or_404(number)
    return private_page(case_page(row, ReplyForm(), my_urls(number)))


@blueprint.route("/my/cases/<number>/reply", methods=["POST"])
@customer_required
def my_reply(number: str):
    row = my_case_or_404(number)
    form = ReplyForm()
    if not form.validate_on_submit():
        return private_page(case_page(row, form, my_urls(number)), 400)
    current_portal().desk.customer_reply(row, form.text.data, form.files.data)
    return redirect(url_for(".my_case", number=number), code=303)


@blueprint.route(f"/my/cases/<number>/files/{FILE_ID}")
@customer_required
def my_file(number: str, file_id: int):
    row = my_case_or_404(number)
    return serve_file(file_for_case(current_portal().desk.engine, row.id, file_id, customer_only=True))


# -- closing, reopening, the satisfaction question: from the private link's page and from My cases alike ------

ACTION = "<any(close, reopen, csat):action>"


@blueprint.route(f"/cases/<number>/<token>/{ACTION}", methods=["POST"])
def private_action(number: str, token: str, action: str):
    row = case_or_404(number, token)
    back = url_for("customer.view_case", number=number, token=token)
    return _act(row, action, private_urls(number, token), back)


@blueprint.route(f"/my/cases/<number>/{ACTION}", methods=["POST"])
@customer_required
def my_action(number: str, action: str):
    row = my_case_or_404(number)
    return _act(row, action, my_urls(number), url_for(".my_case", number=number))


def _act(row, action: str, urls: CaseUrls, back: str):
    """Close, reopen (with the customer's reason and files) or answer the CSAT question; back to the case page
    with what happened, or the page again with the form's errors (400)."""
    desk = current_portal().desk
    try:
        if action == "close":
            desk.customer_close(row)
            done = "Closed as solved. Thank you!"
        elif action == "reopen":
            form = ReplyForm()
            if not form.validate_on_submit():
                return private_page(case_page(row, form, urls), 400)
            desk.customer_reopen(row, form.text.data, form.files.data)
            done = "Reopened: we will be in touch."
        else:
            answer = CsatForm()
            if not answer.validate_on_submit():
                return private_page(case_page(row, ReplyForm(formdata=None), urls, csat_form=answer), 400)
            record_answer(desk, row, answer.answer())
            done = "Thank you: your answer is recorded."
    except InvalidAction as refused:
        flash(str(refused), "error")
    else:
        flash(done, "ok")
    return redirect(back, code=303)
