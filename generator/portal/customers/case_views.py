"""A signed-in customer's own cases under /my/cases/<number>: the private case page's view, reply and files,
reached by being a contact of the case instead of holding its link. Another customer's case, a guessed number
or a case that does not exist: the same 404."""

from __future__ import annotations

from flask import abort, redirect, url_for

from ..app import current_portal
from ..attachments import file_for_case
from ..attachments.views import FILE_ID, serve_file
from ..customer import CaseUrls, case_page
from ..desk import CaseNotFound
from ..forms import ReplyForm
from .cases import case_of
from .session import customer_required, signed_in_customer
from .views import blueprint, private_page


def my_case_or_404(number: str):
    if len(number) > 20:
        abort(404)
    try:
        return case_of(current_portal().desk.engine, signed_in_customer(), number)
    except CaseNotFound:
        abort(404)


def my_urls(number: str) -> CaseUrls:
    return CaseUrls(
        reply=url_for("customers.my_reply", number=number),
        file=lambda file_id: url_for("customers.my_file", number=number, file_id=file_id),
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
