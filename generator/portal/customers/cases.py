"""The cases a signed-in customer may see: every case whose customer_email is theirs (whatever its case) or
that lists them among its contacts. Anything else is CaseNotFound, the same as a case that does not exist."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from ..db import case_contacts, cases, reading
from ..desk import NUMBER, CaseNotFound


def _is_contact(email: str):
    listed = sa.select(case_contacts.c.case_id).where(sa.func.lower(case_contacts.c.email) == email)
    return sa.or_(sa.func.lower(cases.c.customer_email) == email, cases.c.id.in_(listed))


def cases_of(engine: Engine, customer: Row) -> list[Row]:
    """The customer's cases: open ones first, then resolved; the latest change first within each."""
    with reading(engine) as conn:
        rows = conn.execute(sa.select(cases).where(_is_contact(customer.email))).all()
    return sorted(rows, key=lambda row: (row.status == "resolved", -row.updated_at.timestamp(), row.id))


def case_of(engine: Engine, customer: Row, number: str, organisation: str | None = None) -> Row:
    """Case `number` if the customer is one of its contacts, or it is a case of the client `organisation`
    they are an admin of (clients/our_cases.py); CaseNotFound otherwise."""
    if not NUMBER.fullmatch(number or ""):
        raise CaseNotFound(number)
    theirs = _is_contact(customer.email)
    if organisation:
        theirs = sa.or_(theirs, cases.c.client == organisation)
    with reading(engine) as conn:
        row = conn.execute(sa.select(cases).where(cases.c.number == number, theirs)).first()
    if row is None:
        raise CaseNotFound(number)
    return row
