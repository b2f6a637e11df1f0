"""Recording a customer's CSAT answer: once per case, only once it is resolved, written with an event in the
case's history in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, Row

from ..db import cases, csat, reading, writing
from ..desk.model import InvalidAction

if TYPE_CHECKING:  # the desk imports csat.links for its resolution mail: no import back at run time
    from ..desk import Desk

# One answer a case: the second of two at once finds the row and inserts nothing.
_INSERT_ONCE = {
    module.dialect.name: module.insert(csat)
    .on_conflict_do_nothing(index_elements=[csat.c.case_id])
    .returning(csat.c.id)
    for module in (sqlite, postgresql)
}
SCORES = {1: "Very dissatisfied", 2: "Dissatisfied", 3: "Neutral", 4: "Satisfied", 5: "Very satisfied"}


@dataclass(frozen=True)
class Answer:
    solved: bool
    score: int  # 1 to 5
    comment: str = ""


class AlreadyAnswered(InvalidAction):
    """The case's customer answered already; the first answer stands."""


def answer_for(engine: Engine, case_id: int) -> Row | None:
    with reading(engine) as conn:
        return conn.execute(sa.select(csat).where(csat.c.case_id == case_id)).first()


def record_answer(desk: Desk, row: Row, answer: Answer) -> None:
    """Store `answer` for case `row` and put it in the case's history; AlreadyAnswered the second time,
    InvalidAction while the case is not resolved."""
    if answer.score not in SCORES:
        raise InvalidAction("Choose a score from 1 to 5.")
    now = desk.now()
    with writing(desk.engine) as conn:
        # Locked like every change to a case, so the status cannot change between this check and the insert.
        fresh = conn.execute(sa.select(cases).where(cases.c.id == row.id).with_for_update()).one()
        if fresh.status != "resolved":
            raise InvalidAction("We ask how satisfied you are once the case is resolved.")
        inserted = conn.execute(
            _INSERT_ONCE[conn.dialect.name],
            {
                "case_id": row.id,
                "solved": answer.solved,
                "score": answer.score,
                "comment": answer.comment,
                "answered_at": now,
            },
        ).first()
        if inserted is None:
            raise AlreadyAnswered("Thank you, we have your answer for this case already.")
        body = (
            f"Solved: {'yes' if answer.solved else 'no'}. Satisfaction: {answer.score} of 5 "
            f"({SCORES[answer.score].lower()})." + (f"\n{answer.comment}" if answer.comment else "")
        )
        desk.add_event(conn, fresh, "csat", "customer", body=body, channel="web", visible=True)
