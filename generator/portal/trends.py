"""The report's trends, week by week over a period (and one client's cases): cases logged, first-response and
update SLA attainment in %, the backlog at each week's end, escalations (and CSAT, once answers exist).

Every figure is a grouped query over the period (a handful of statements however many cases: it must stay
quick at 100,000 cases), bucketed by whole weeks from the period's first Monday (UTC) in SQL:

- cases: cases created in the week;
- first response: cases whose first-response clock ran out in the week (or was answered before it ran
  out), met when the answer came before the deadline; a clock still running is not counted yet;
- updates: the updates customers got that week, on time when an agent gave them, late when the sweep had
  to send the automatic status update instead (the 24-hour clock ran out), as the report counts them;
- backlog: cases not resolved at the week's end (created before it, resolved after it or not at all; a
  case reopened later counts by its current resolution);
- escalations: escalation events in the week, plus catastrophic cases logged (straight to Level 3)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .db import cases, csat, events, reading
from .report import _SafeWriter

WEEK = dt.timedelta(days=7)
MAX_WEEKS = 104  # two years: "all time" over a long history starts here


@dataclass(frozen=True)
class Week:
    start: dt.date
    cases: int = 0
    first_response_met: int = 0
    first_response_due: int = 0
    updates_on_time: int = 0
    updates: int = 0
    backlog: int = 0
    escalations: int = 0
    csat_answers: int = 0  # answers to the satisfaction question in the week, and their average score
    csat_score: float | None = None

    @property
    def first_response_pct(self) -> float | None:
        return 100 * self.first_response_met / self.first_response_due if self.first_response_due else None

    @property
    def update_pct(self) -> float | None:
        return 100 * self.updates_on_time / self.updates if self.updates else None


@dataclass(frozen=True)
class Trends:
    start: dt.datetime
    end: dt.datetime
    client: str | None
    weeks: tuple[Week, ...]
    csat_collected: bool = False  # False: no customer has answered the satisfaction question yet; the page says so


def period_start(end: dt.datetime, days: int, earliest: dt.datetime | None) -> dt.datetime:
    """The Monday 00:00 UTC the trends start on: `days` before `end`, or (days 0: all time) the first case's
    week, at most MAX_WEEKS back."""
    if days > 0:
        start = end - dt.timedelta(days=days)
    else:
        start = earliest or end
    start = max(start, end - MAX_WEEKS * WEEK)
    monday = start.date() - dt.timedelta(days=start.weekday())
    return dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC)


def _week_of(conn: Connection, column, start: dt.datetime):
    """The SQL for "which week after `start` is `column` in" (0, 1, ...): a number SQL can group by."""
    if conn.dialect.name == "sqlite":
        # UtcDateTime keeps naive UTC text on SQLite; julianday reads it.
        origin = sa.func.julianday(sa.literal(start.replace(tzinfo=None).isoformat(sep=" ")))
        return sa.cast((sa.func.julianday(column) - origin) / 7, sa.Integer)
    seconds = sa.extract("epoch", column - sa.literal(start, sa.DateTime(timezone=True)))
    return sa.cast(sa.func.floor(seconds / WEEK.total_seconds()), sa.Integer)


def _grouped(conn: Connection, start: dt.datetime, column, where: list, *values) -> dict[int, tuple]:
    week = _week_of(conn, column, start).label("week")
    rows = conn.execute(sa.select(week, *values).where(*where).group_by(week)).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def build_trends(engine: Engine, end: dt.datetime, days: int = 0, client: str | None = None) -> Trends:
    """The weekly figures from the Monday `period_start` gives up to `end`, for `client`'s cases (all when None)."""
    scope = [cases.c.client == client] if client else []
    with reading(engine) as conn:
        earliest = None if days else conn.execute(sa.select(sa.func.min(cases.c.created_at)).where(*scope)).scalar()
        start = period_start(end, days, earliest)
        count = (end - start).days // 7 + 1
        in_period = [cases.c.created_at >= start, cases.c.created_at < end]
        # One pass over each table per figure group: created and catastrophic together, the events' three
        # counts together.
        created = _grouped(
            conn,
            start,
            cases.c.created_at,
            [*scope, *in_period],
            sa.func.count(),
            sa.func.sum(sa.case((cases.c.severity == "catastrophic", 1), else_=0)),
        )
        resolved = _grouped(
            conn,
            start,
            cases.c.resolved_at,
            [*scope, cases.c.resolved_at >= start, cases.c.resolved_at < end],
            sa.func.count(),
        )
        backlog_before = conn.execute(
            sa.select(sa.func.count()).where(
                *scope, cases.c.created_at < start, sa.or_(cases.c.resolved_at.is_(None), cases.c.resolved_at >= start)
            )
        ).scalar_one()
        # The first-response clock counts in the week it ran out, or in the week it was answered if sooner.
        settled = sa.case(
            (
                sa.and_(
                    cases.c.first_responded_at.is_not(None), cases.c.first_responded_at < cases.c.first_response_due
                ),
                cases.c.first_responded_at,
            ),
            else_=cases.c.first_response_due,
        )
        met = sa.case((cases.c.first_responded_at <= cases.c.first_response_due, 1), else_=0)
        first = _grouped(
            conn,
            start,
            settled,
            [*scope, settled >= start, settled < end],
            sa.func.sum(met),
            sa.func.count(),
        )

        def kinds(*names: str):
            return sa.func.sum(sa.case((events.c.kind.in_(names), 1), else_=0))

        joined = events.join(cases, cases.c.id == events.c.case_id) if client else events
        week = _week_of(conn, events.c.at, start).label("week")
        counted = ("reply", "contact_out", "status_update", "escalated")
        per_week = conn.execute(
            sa.select(
                week,
                kinds("reply", "contact_out").label("on_time"),
                kinds("status_update").label("late"),
                kinds("escalated").label("escalated"),
            )
            .select_from(joined)
            .where(*scope, events.c.kind.in_(counted), events.c.at >= start, events.c.at < end)
            .group_by(week)
        ).all()
        updates = {row.week: (row.on_time, row.on_time + row.late) for row in per_week}
        escalated = {row.week: row.escalated for row in per_week}
        # CSAT by the week the customer answered (a client's: through the answered case).
        of_client = [csat.c.case_id == cases.c.id, *scope] if client else []
        answered = [*of_client, csat.c.answered_at >= start, csat.c.answered_at < end]
        satisfaction = _grouped(conn, start, csat.c.answered_at, answered, sa.func.count(), sa.func.avg(csat.c.score))
        collected = conn.execute(sa.select(sa.func.count()).select_from(csat)).scalar_one() > 0
    weeks, backlog = [], backlog_before
    for index in range(count):
        new, catastrophic = created.get(index, (0, 0))
        backlog += new - resolved.get(index, (0,))[0]
        due = first.get(index, (0, 0))
        sent = updates.get(index, (0, 0))
        answers, score = satisfaction.get(index, (0, None))
        weeks.append(
            Week(
                start=(start + index * WEEK).date(),
                cases=new,
                first_response_met=int(due[0] or 0),
                first_response_due=int(due[1]),
                updates_on_time=int(sent[0] or 0),
                updates=int(sent[1] or 0),
                backlog=backlog,
                escalations=int(escalated.get(index, 0) + (catastrophic or 0)),
                csat_answers=int(answers),
                csat_score=None if score is None else float(score),
            )
        )
    return Trends(start, end, client, tuple(weeks), csat_collected=collected)


CSV_COLUMNS = (
    "week_start",
    "cases",
    "first_response_met",
    "first_response_due",
    "first_response_pct",
    "updates_on_time",
    "updates",
    "update_pct",
    "backlog",
    "escalations",
    "csat_answers",
    "csat_score",
)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def trends_csv(trends: Trends) -> str:
    """One row per week with every figure the page charts (percentages to one decimal, empty when no case
    counted), for a spreadsheet."""
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(list(CSV_COLUMNS))
    for week in trends.weeks:
        writer.writerow(
            [
                week.start.isoformat(),
                week.cases,
                week.first_response_met,
                week.first_response_due,
                _pct(week.first_response_pct),
                week.updates_on_time,
                week.updates,
                _pct(week.update_pct),
                week.backlog,
                week.escalations,
                week.csat_answers,
                "" if week.csat_score is None else f"{week.csat_score:.2f}",
            ]
        )
    return out.getvalue()
