"""A client's figures for `kb clients`: its contract today, its open cases, and the service levels on its
cases (the report's SLA figures, over the client's cases only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from ...model import ClientProfile
from ..db import cases, reading
from ..desk import ACTIVE
from ..report import Report, build_report
from .people import contract_state


@dataclass(frozen=True)
class ClientFigures:
    profile: ClientProfile
    state: str | None  # the contract on the day asked about: in force, ended, not started; None: none on file
    open_cases: list[Row]  # not resolved, oldest first
    report: Report  # over all the client's cases


def client_figures(engine: Engine, profile: ClientProfile, today: dt.date) -> ClientFigures:
    with reading(engine) as conn:
        open_cases = conn.execute(
            sa.select(cases)
            .where(cases.c.client == profile.slug, cases.c.status.in_(ACTIVE))
            .order_by(cases.c.created_at, cases.c.id)
        ).all()
    return ClientFigures(
        profile, contract_state(profile, today), list(open_cases), build_report(engine, [], client=profile.slug)
    )


def contract_line(figures: ClientFigures) -> str:
    """'Gold, 2026-01-01 to 2027-12-31: in force' or 'no support contract on file'."""
    contract = figures.profile.support
    if contract is None:
        return "no support contract on file"
    plan = f"{contract.plan}, " if contract.plan else ""
    return f"{plan}{contract.start} to {contract.end}: {figures.state}"


def share(part: int, whole: int) -> str:
    return f"{part}/{whole}" if whole else "-"
