"""The resolution mail's CSAT page: /csat/<number>/<token>. It asks the question for that one case and records
the answer; it shows nothing of the case but its number and signs nobody in. A wrong number or token: 404."""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from flask import Blueprint, abort, render_template

from ..app import current_portal
from ..customer import private_page
from ..db import cases, reading
from ..desk import NUMBER, InvalidAction
from .answers import answer_for, record_answer
from .forms import CsatForm
from .links import csat_token

blueprint = Blueprint("csat", __name__)


def _case_or_404(number: str, token: str):
    if not NUMBER.fullmatch(number) or len(token) > 64:
        abort(404)
    portal = current_portal()
    with reading(portal.desk.engine) as conn:
        row = conn.execute(sa.select(cases).where(cases.c.number == number)).first()
    if row is None or not hmac.compare_digest(csat_token(portal.config, row), token):
        abort(404)
    return row


@blueprint.route("/csat/<number>/<token>", methods=["GET", "POST"])
def question(number: str, token: str):
    row = _case_or_404(number, token)
    portal = current_portal()
    form = CsatForm()
    message, ok, status = None, False, 200
    if form.validate_on_submit():
        try:
            record_answer(portal.desk, row, form.answer())
        except InvalidAction as refused:
            message, status = str(refused), 409
        else:
            message, ok = "Thank you: your answer is recorded.", True
    elif form.is_submitted():
        status = 400
    answered = answer_for(portal.desk.engine, row.id)
    page = render_template(
        "csat/question.html",
        number=row.number,
        form=form,
        answered=answered,
        message=message,
        ok=ok,
        resolved=row.status == "resolved",
    )
    return private_page(page, status)  # its address is a key to the question, as a case link is to the case
