"""Customers sign in by mail: ask for a link, follow it (or type its code), sign out; "My cases".

The link's page asks for a click before it signs in: mail scanners and link previews open links in mail, and
a GET that used the link up would leave the customer holding a dead one."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from ..app import current_portal
from ..customer import private_page
from ..db import writing
from ..desk import STATUSES
from ..forms import PortalForm
from .cases import cases_of
from .forms import AskForLinkForm, CodeForm
from .links import CODE_DEAD, NOT_VALID, LinkRefused, check_link, use_code, use_link
from .mailing import send_sign_in_link
from .records import signed_in
from .session import customer_required, end_session, signed_in_customer, start_session

blueprint = Blueprint("customers", __name__)
PENDING = "kb_sign_in_link"  # in Flask's session: the link this browser asked for, for its code


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = AskForLinkForm()
    if form.validate_on_submit():
        session[PENDING] = send_sign_in_link(current_portal().desk, form.email.data)
        return redirect(url_for(".enter_code"), code=303)
    return render_template("customers/sign_in.html", form=form), 400 if form.is_submitted() else 200


@blueprint.route("/sign-in/code", methods=["GET", "POST"])
def enter_code():
    """The "Check your mail" page, the same whatever the address was, with the form for the mailed code."""
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        pending = session.get(PENDING)
        portal = current_portal()
        try:
            if not isinstance(pending, int):
                raise LinkRefused(CODE_DEAD)
            email = use_code(portal.desk.engine, portal.config.secret_key, pending, form.code.data, portal.desk.now())
        except LinkRefused as refused:
            error = refused.reason
        else:
            with writing(portal.desk.engine) as conn:
                customer = signed_in(conn, email, portal.desk.now())
            return _welcome(customer)
    status = 400 if form.is_submitted() else 200
    return private_page(render_template("customers/code.html", form=form, error=error), status)


@blueprint.route("/sign-in/link/<token>", methods=["GET", "POST"])
def follow_link(token: str):
    portal = current_portal()
    try:
        if len(token) > 100:
            raise LinkRefused(NOT_VALID)
        if request.method == "GET":
            check_link(portal.desk.engine, token, portal.desk.now())
            return private_page(render_template("customers/link.html", form=PortalForm(), refused=None))
        with writing(portal.desk.engine) as conn:
            now = portal.desk.now()
            customer = signed_in(conn, use_link(conn, token, now), now)
    except LinkRefused as refused:
        return private_page(render_template("customers/link.html", form=None, refused=refused.reason), 400)
    return _welcome(customer)


@blueprint.route("/sign-out", methods=["POST"])
def sign_out():
    session.clear()
    return end_session(redirect(url_for(".sign_in"), code=303))


@blueprint.route("/my/cases")
@customer_required
def my_cases():
    customer = signed_in_customer()
    rows = cases_of(current_portal().desk.engine, customer)
    return private_page(render_template("customers/my_cases.html", cases=rows, statuses=STATUSES))


def _welcome(customer):
    """Signed in: a fresh Flask session (a new CSRF token, the pending link forgotten) and a new customer
    session in its cookie."""
    session.clear()
    return start_session(redirect(url_for(".my_cases"), code=303), customer)
