"""Which case a message answers: its headers first (In-Reply-To and References against the Message-IDs we
sent or received), then the case address it was sent to (support+CASE-...-token, the token verified), then
a case number in the subject, but only from an address already on that case: never the number alone."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..config import PortalConfig
from ..db import case_contacts, cases, inbound_messages, mail_queue
from ..desk import NUMBER
from ..mail.thread import case_in_address
from .parse import ParsedMail

ON_THE_CASE = ("new_case", "reply", "accepted")  # inbound states whose sender is a verified party to the case


@dataclass(frozen=True)
class Match:
    case: Row
    how: str  # headers, address, subject


def find_case(
    conn: Connection, config: PortalConfig, mail: ParsedMail, recipients: tuple[str, ...] = ()
) -> Match | None:
    """The case `mail` belongs to, and how it was found; None for a new conversation."""
    if mail.references:
        case_id = None
        for table in (mail_queue, inbound_messages):  # our messages it answers, then the customer's own
            case_id = (
                case_id
                or conn.execute(
                    sa.select(table.c.case_id)
                    .where(table.c.message_id.in_(mail.references), table.c.case_id.is_not(None))
                    .order_by(table.c.id.desc())
                    .limit(1)
                ).scalar()
            )
        if case_id is not None:
            return Match(_case(conn, case_id=case_id), "headers")
    for address in (*recipients, *mail.recipients):
        number = case_in_address(config, address)
        if number:
            row = _case(conn, number=number)
            if row is not None:
                return Match(row, "address")
    for number in dict.fromkeys(NUMBER.findall(mail.subject.upper())):
        row = _case(conn, number=number)
        if row is not None and mail.sender and mail.sender.lower() in addresses_on_case(conn, row):
            return Match(row, "subject")
    return None


def addresses_on_case(conn: Connection, row: Row) -> set[str]:
    """The addresses whose mail is the customer's word on case `row`: the case's own, and any an agent accepted."""
    senders = conn.execute(
        sa.select(inbound_messages.c.sender).where(
            inbound_messages.c.case_id == row.id, inbound_messages.c.state.in_(ON_THE_CASE)
        )
    ).scalars()
    # The case's contacts (a merged duplicate's customer, among others) write to it too.
    contacts = conn.execute(sa.select(case_contacts.c.email).where(case_contacts.c.case_id == row.id)).scalars()
    return {row.customer_email.lower(), *(s.lower() for s in senders if s), *(c.lower() for c in contacts)}


def _case(conn: Connection, *, case_id: int | None = None, number: str | None = None) -> Row | None:
    where = cases.c.id == case_id if case_id is not None else cases.c.number == number
    return conn.execute(sa.select(cases).where(where).with_for_update()).first()
