"""Our cases: a client admin (clients/<slug>.yml `admins:`), signed in, sees every case of their
organisation, open first, and opens each under /my/cases/<number> like their own (customers/cases.py lets
an admin's organisation's cases through). Anyone else, signed in or not, gets the same 404 as an address
that does not exist."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from sqlalchemy.engine import Engine, Row

from ..app import current_portal
from ..customer import private_page
from ..customers import customer_required, signed_in_customer
from ..db import cases, reading
from ..desk import STATUSES
from .people import admin_of

blueprint = Blueprint("organisation", __name__)


def organisation_cases(engine: Engine, slug: str) -> list[Row]:
    """Every case of client `slug`: open ones first, then resolved; the latest change first within each."""
    with reading(engine) as conn:
        rows = conn.execute(sa.select(cases).where(cases.c.client == slug)).all()
    return sorted(rows, key=lambda row: (row.status == "resolved", -row.updated_at.timestamp(), row.id))


@blueprint.route("/our/cases")
@customer_required
def our_cases():
    client = admin_of(current_portal().config, signed_in_customer().email)
    if client is None:
        abort(404)
    rows = organisation_cases(current_portal().desk.engine, client.slug)
    return private_page(render_template("clients/our_cases.html", client=client, cases=rows, statuses=STATUSES))


@blueprint.app_context_processor
def our_cases_link() -> dict:
    """base.html shows "Our cases" to a signed-in client admin."""
    customer = signed_in_customer()
    return {"organisation": admin_of(current_portal().config, customer.email) if customer else None}
