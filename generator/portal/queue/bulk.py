"""Actions on several cases at once from the queue, and "take it": each case read and checked on its own
(the agent's level, the case's state) through the desk, in a transaction of its own, so one refused case
does not stop the others, and the agent is told which were refused and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Row
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..desk import NUMBER, CaseNotFound, Desk, InvalidAction, NotAllowed
from ..forms import PortalForm, choices, plain_text

MAX_CASES = 100  # two pages of the queue; more at once is a script's job, not a form's
STATUS_ACTIONS = {
    "status:open": "Set running again (resume or reopen)",
    "status:waiting": "Wait on the customer (send the message below)",
    "status:resolved": "Resolve (the text below is the resolution)",
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BulkForm(PortalForm):
    action = SelectField("Do", validators=[DataRequired("Choose what to do.")], choices=[])
    text = TextAreaField("Message or resolution", filters=[_strip], validators=[Length(max=20000), plain_text])

    def set_choices(self, people: list[Row]) -> None:
        """The actions: assign to me, to nobody, to each of `people` (the active agents), or a status."""
        self.action.choices = choices(
            [
                ("", "Choose…"),
                ("assign:me", "Assign to me"),
                ("assign:0", "Assign to nobody"),
                *((f"assign:{a.id}", f"Assign to {a.display_name} (Level {a.level})") for a in people),
                *STATUS_ACTIONS.items(),
            ]
        )

    def validate_text(self, field) -> None:
        if self.action.data in ("status:waiting", "status:resolved") and not field.data:
            raise ValidationError("write the message to the customers (waiting) or the resolution (resolve)")

    def first_error(self) -> str:
        for name, errors in self.errors.items():
            if errors:
                return f"{getattr(self, name).label.text}: {errors[0]}; nothing was changed."
        return "The form was not valid; nothing was changed."


@dataclass
class BulkReport:
    summary: str
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def take_case(desk: Desk, agent: Row, number: str) -> str:
    """Assign case `number` to `agent`; its number. CaseNotFound, NotAllowed, InvalidAction as the desk says."""
    desk.assign(agent, desk.case_for_agent(agent, number), agent.id)
    return number


def apply_bulk(desk: Desk, agent: Row, numbers: list[str], action: str, text: str) -> BulkReport:
    """`action` ("assign:me", "assign:<agent id>" with 0 for nobody, "status:open|waiting|resolved") on each
    case of `numbers` (at most MAX_CASES, duplicates once)."""
    kind, _, value = action.partition(":")
    report = BulkReport(_summary(kind, value))
    wanted = list(dict.fromkeys(numbers))
    for number in wanted[MAX_CASES:]:
        report.refused.append((number[:30], f"more than {MAX_CASES} cases at once"))
    for number in wanted[:MAX_CASES]:
        if not NUMBER.fullmatch(number):
            report.refused.append((number[:30], "not a case number"))
            continue
        try:
            row = desk.case_for_agent(agent, number)
            if kind == "assign":
                desk.assign(agent, row, agent.id if value == "me" else (int(value) or None))
            elif value == "open":
                _run_again(desk, agent, row, text)
            elif value == "waiting":
                desk.wait_on_customer(agent, row, text)
            else:
                desk.resolve(agent, row, text)
        except CaseNotFound:
            report.refused.append((number, "no such case"))
        except (NotAllowed, InvalidAction) as exc:
            report.refused.append((number, str(exc)))
        else:
            report.done.append(number)
    return report


def _run_again(desk: Desk, agent: Row, row: Row, text: str) -> None:
    if row.status == "waiting":
        desk.resume(agent, row)
    elif row.status == "resolved":
        desk.reopen(agent, row, text or f"Reopened by {agent.display_name}")
    else:
        raise InvalidAction("the case is already running")


def _summary(kind: str, value: str) -> str:
    if kind == "assign":
        return "Assigned to you" if value == "me" else ("Unassigned" if value == "0" else "Assigned")
    return {"open": "Running again", "waiting": "Waiting on the customer", "resolved": "Resolved"}[value]
