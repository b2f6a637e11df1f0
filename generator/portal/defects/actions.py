"""What agents do with fixes: give a case its type and its defect, move a defect's fix to another version,
mark it shipped. Acting on a defect acts on every case waiting on it, each case in a transaction of its
own (as the desk changes a case), so a long list never holds one lock for long and a run stopped half-way
is finished by the next one: a case already resolved is not resolved twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..clients import ENDED, contract_state, local_day, profile_of
from ..db import case_defects, cases, defects, reading, writing
from ..desk import Desk, InvalidAction, NotAllowed
from . import texts
from .model import (
    CASE_TYPES,
    FIXED_TYPES,
    REFERENCE_MAX,
    DefectNotFound,
    clean_reference,
    open_versions,
    shipped_versions,
    waiting,
)
from .store import cases_of, defect_by_id, defect_by_reference, defect_of, published


@dataclass(frozen=True)
class Shipped:
    """What shipping a defect did: the cases it resolved, and those of a client whose contract had ended."""

    reference: str
    resolved: tuple[str, ...] = ()
    contract_ended: tuple[str, ...] = field(default=())


def may_act_on_defects(agent: Row) -> bool:
    """A defect's change reaches every case on it, at any level: Level 2 and 3 engineers and admins."""
    return agent.is_admin or agent.level >= 2


class Defects:
    """Defects and their cases on the desk's database; `desk` makes each case's change."""

    def __init__(self, desk: Desk):
        self.desk = desk

    # -- versions --------------------------------------------------------------------------------------------

    def published(self) -> dict[str, Row]:
        with reading(self.desk.engine) as conn:
            return published(conn)

    def target_choices(self) -> list[str]:
        """Versions a fix may target: planned in product.yml, not published yet."""
        return open_versions(self.desk.config.product_versions, set(self.published()))

    def shipped_choices(self) -> list[str]:
        return shipped_versions(self.desk.config.product_versions, set(self.published()))

    # -- reading ---------------------------------------------------------------------------------------------

    def for_case(self, row: Row) -> Row | None:
        with reading(self.desk.engine) as conn:
            return defect_of(conn, row.id)

    def get(self, defect_id: int) -> tuple[Row, list[Row]]:
        """A defect and its cases; DefectNotFound."""
        with reading(self.desk.engine) as conn:
            defect = defect_by_id(conn, defect_id)
            if defect is None:
                raise DefectNotFound(defect_id)
            return defect, cases_of(conn, defect_id)

    # -- a case's type and defect ------------------------------------------------------------------------------

    def classify(
        self,
        agent: Row,
        row: Row,
        case_type: str,
        reference: str = "",
        summary: str = "",
        target: str = "",
        version: int | None = None,
    ) -> str:
        """Set the case's type and, for a bug or an enhancement, the defect it waits on (made when the
        reference is new: then `summary` is required) and the version a new defect's fix is planned for.
        A defect that exists keeps its target here: that changes on its page, for all its cases. What
        happened, for the agent."""
        if case_type not in CASE_TYPES:
            raise InvalidAction(f"Type: expected one of {', '.join(CASE_TYPES)}.")
        reference, summary, target = clean_reference(reference), summary.strip(), target.strip()
        if len(reference) > REFERENCE_MAX:
            raise InvalidAction(f"Defect reference: at most {REFERENCE_MAX} characters.")
        if case_type not in FIXED_TYPES and (reference or target):
            raise InvalidAction(
                "Only a bug or an enhancement waits on a fix: choose one of those types to give a defect "
                "reference or a target version."
            )
        if target and not reference:
            raise InvalidAction("Target version: give the defect reference the fix is tracked by as well.")
        choices = self.target_choices()
        said: list[str] = []

        def change(conn: Connection, row: Row, now: dt.datetime) -> None:
            if row.case_type != case_type:
                conn.execute(cases.update().where(cases.c.id == row.id).values(case_type=case_type))
                was = f" (was {CASE_TYPES[row.case_type].lower()})" if row.case_type in CASE_TYPES else ""
                self.desk.add_event(
                    conn, row, "case_type", agent.username, agent=agent, body=f"Type: {CASE_TYPES[case_type]}{was}."
                )
                said.append(f"Type set to {CASE_TYPES[case_type].lower()}.")
            current = defect_of(conn, row.id)
            defect = defect_by_reference(conn, reference) if reference else None
            if current is not None and (defect is None or defect.id != current.id):
                conn.execute(case_defects.delete().where(case_defects.c.case_id == row.id))
                self.desk.add_event(
                    conn,
                    row,
                    "defect",
                    agent.username,
                    agent=agent,
                    body=f"No longer waits on defect {current.reference}.",
                )
                said.append(f"Unlinked from {current.reference}.")
            if reference:
                if defect is None:
                    defect = self._new_defect(conn, reference, summary, target, choices, now)
                elif target and target != (defect.target_version or ""):
                    where = _plan(defect.target_version or "")
                    if defect.status == "shipped":
                        where = f"shipped in {defect.shipped_in}"
                    raise InvalidAction(
                        f"{defect.reference}'s fix is {where}; a defect's version changes on its own page, for all "
                        "of its cases."
                    )
                if current is None or current.id != defect.id:
                    conn.execute(case_defects.insert(), {"case_id": row.id, "defect_id": defect.id, "linked_at": now})
                    self.desk.add_event(conn, row, "defect", agent.username, agent=agent, body=_linked(defect))
                    said.append(f"Linked to {defect.reference}.")
                    if defect.status == "open" and defect.target_version and waiting(row):
                        product = self.desk.config.product_name
                        self.desk.customer_update(
                            conn, row, now, agent, texts.planned_text(product, defect.target_version)
                        )
                        said.append(f"The customer was told the fix is planned for {defect.target_version}.")
            if not said:
                raise InvalidAction("Nothing changed: the case already has this type and defect.")

        self.desk.change(agent, row, change, version)
        return " ".join(said)

    def _new_defect(
        self, conn: Connection, reference: str, summary: str, target: str, choices: list[str], now: dt.datetime
    ) -> Row:
        if not summary:
            raise InvalidAction(
                f"{reference} is a new defect: write a summary customers may read (the release notes quote it)."
            )
        if target and target not in choices:
            raise InvalidAction(_not_a_target(target, choices))
        values = {
            "reference": reference,
            "summary": summary,
            "target_version": target or None,
            "status": "open",
            "created_at": now,
            "updated_at": now,
        }
        defect_id = conn.execute(defects.insert(), values).inserted_primary_key[0]
        return defect_by_id(conn, defect_id)

    # -- a defect and all its cases ----------------------------------------------------------------------------

    def retarget(self, agent: Row, defect_id: int, target: str) -> tuple[str, ...]:
        """Move the defect's fix to `target` ('' : no version now); every case still waiting on it gets the
        change in its history and its customer an update (which restarts their update clock). The numbers of
        the cases told."""
        if not may_act_on_defects(agent):
            raise NotAllowed("A defect's change reaches all of its cases: Level 2, Level 3 or an admin makes it")
        target = target.strip()
        if target and target not in (choices := self.target_choices()):
            raise InvalidAction(_not_a_target(target, choices))
        with writing(self.desk.engine) as conn:
            defect = defect_by_id(conn, defect_id, lock=True)
            if defect is None:
                raise DefectNotFound(defect_id)
            if defect.status == "shipped":
                raise InvalidAction(
                    f"{defect.reference} shipped in {defect.shipped_in}; its version no longer changes."
                )
            if (defect.target_version or "") == target:
                raise InvalidAction(f"{defect.reference}'s fix is already {_plan(target)}.")
            was = defect.target_version
            conn.execute(
                defects.update()
                .where(defects.c.id == defect_id)
                .values(target_version=target or None, updated_at=self.desk.now())
            )
            rows = [row for row in cases_of(conn, defect_id) if waiting(row)]
        body = f"{defect.reference}'s fix moved by {agent.display_name}: {_plan(was or '')} → {_plan(target)}."
        product = self.desk.config.product_name
        told = []
        for row in rows:

            def change(conn: Connection, row: Row, now: dt.datetime) -> None:
                if not waiting(row):
                    return
                self.desk.add_event(conn, row, "defect", agent.username, agent=agent, body=body)
                text = texts.planned_text(product, target) if target else texts.unplanned_text()
                self.desk.customer_update(conn, row, now, agent, text)
                told.append(row.number)

            self.desk.change(None, row, change)  # the defect's change, not one agent's on one case
        return tuple(told)

    def resummarise(self, agent: Row, defect_id: int, summary: str) -> None:
        """A new summary for customers (what the release notes quote); no case changes, nobody is told."""
        if not may_act_on_defects(agent):
            raise NotAllowed("A defect's change reaches all of its cases: Level 2, Level 3 or an admin makes it")
        summary = " ".join(summary.split())
        if not summary:
            raise InvalidAction("Summary for customers: write one sentence customers may read.")
        with writing(self.desk.engine) as conn:
            defect = defect_by_id(conn, defect_id, lock=True)
            if defect is None:
                raise DefectNotFound(defect_id)
            if defect.summary == summary:
                raise InvalidAction("Nothing changed: the summary is already this.")
            conn.execute(
                defects.update().where(defects.c.id == defect_id).values(summary=summary, updated_at=self.desk.now())
            )

    def ship(
        self, defect_id: int, version: str, by: str, agent: Row | None = None, notes_url: str | None = None
    ) -> Shipped:
        """The defect's fix is out in `version`: every case still waiting on it is resolved with the release
        as its resolution (reopenable as any resolved case), its customer mailed, then the defect is marked
        shipped. Cases of a client whose support contract has ended are resolved and told the same (the fix
        is in the product whoever runs it), with an internal note in their history for the account team."""
        if agent is not None and not may_act_on_defects(agent):
            raise NotAllowed("A defect's change reaches all of its cases: Level 2, Level 3 or an admin makes it")
        if version not in (choices := self.shipped_choices()):
            raise InvalidAction(
                f"Shipped in: {version!r} is not a released version; expected one of {', '.join(choices) or 'none'}."
            )
        with reading(self.desk.engine) as conn:
            defect = defect_by_id(conn, defect_id)
            if defect is None:
                raise DefectNotFound(defect_id)
            if defect.status == "shipped":
                raise InvalidAction(f"{defect.reference} shipped in {defect.shipped_in} already.")
            rows = [row for row in cases_of(conn, defect_id) if waiting(row)]
        resolved, ended = [], []
        config = self.desk.config
        resolution = texts.shipped_resolution(config.product_name, version, notes_url)
        actor = agent.username if agent else by
        for row in rows:

            def change(conn: Connection, row: Row, now: dt.datetime) -> None:
                if not waiting(row):  # resolved meanwhile (the customer closed it, another run)
                    return
                subject = texts.shipped_subject(row, version)
                self.desk.mark_resolved(conn, row, now, agent, actor, resolution, subject, resolution)
                resolved.append(row.number)
                profile = profile_of(config, row.client)
                if contract_state(profile, local_day(config, now)) == ENDED:
                    note = (
                        f"{profile.name}'s support contract ended on {profile.support.end.isoformat()}: the customer "
                        f"was told the fix is in {version} like everyone else; upgrading them is for the account team."
                    )
                    self.desk.add_event(conn, row, "note", actor, agent=agent, body=note)
                    ended.append(row.number)

            self.desk.change(None, row, change)
        with writing(self.desk.engine) as conn:
            conn.execute(
                defects.update()
                .where(defects.c.id == defect_id, defects.c.status == "open")
                .values(status="shipped", shipped_in=version, shipped_at=self.desk.now(), updated_at=self.desk.now())
            )
        return Shipped(defect.reference, tuple(resolved), tuple(ended))

    def open_for(self, version: str) -> list[Row]:
        """The open defects whose fix is planned for `version`."""
        with reading(self.desk.engine) as conn:
            return conn.execute(
                sa.select(defects)
                .where(defects.c.status == "open", defects.c.target_version == version)
                .order_by(defects.c.id)
            ).all()


def _linked(defect: Row) -> str:
    if defect.status == "shipped":
        return f"Waits on defect {defect.reference}, shipped in {defect.shipped_in}."
    return f"Waits on defect {defect.reference} ({_plan(defect.target_version or '')})."


def _plan(version: str) -> str:
    return f"planned for {version}" if version else "not planned for a version"


def _not_a_target(target: str, choices: list[str]) -> str:
    if not choices:
        return (
            f"Target version: {target!r} cannot be chosen; product.yml lists no planned version that is not "
            'released yet (add one: "2026.4": {status: planned}).'
        )
    return (
        f"Target version: {target!r} is not a version planned and not yet released; "
        f"expected one of {', '.join(choices)}."
    )
