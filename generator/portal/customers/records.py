"""The customers table: a row per address that has signed in, made on its first successful sign-in."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row

from ..db import cases, customers, reading

# Insert unless the address has a row already: two first sign-ins at once make one customer.
_INSERT_NEW = {
    module.dialect.name: module.insert(customers).on_conflict_do_nothing(index_elements=[customers.c.email])
    for module in (sqlite, postgresql)
}


def normal_email(address: str) -> str:
    """The key customers are kept and matched under: the address lower-cased. Mail providers treat the
    local part case-insensitively, and a case logged as Pat@Example.com belongs to pat@example.com."""
    return address.strip().lower()


def signed_in(conn: Connection, email: str, now: dt.datetime) -> Row:
    """The customer for `email` (made now if new, named after their latest case), its sign-in time set."""
    email = normal_email(email)
    name = conn.execute(
        sa.select(cases.c.customer_name)
        .where(sa.func.lower(cases.c.customer_email) == email)
        .order_by(cases.c.created_at.desc())
        .limit(1)
    ).scalar()
    conn.execute(_INSERT_NEW[conn.dialect.name].values(email=email, name=name, created_at=now))
    conn.execute(customers.update().where(customers.c.email == email).values(last_signed_in_at=now))
    return conn.execute(sa.select(customers).where(customers.c.email == email)).one()


def customer_by_id(engine: Engine, customer_id: int) -> Row | None:
    with reading(engine) as conn:
        return conn.execute(sa.select(customers).where(customers.c.id == customer_id)).first()
