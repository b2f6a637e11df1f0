"""The report's trends on a known set of cases, on SQLite and PostgreSQL: cases per week, first-response and
update SLA attainment, backlog and escalations, for all clients and one; the page's charts with a table under
each, and a CSV download with the same figures."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from generator.portal.csat import Answer, record_answer
from generator.portal.trends import CSV_COLUMNS, build_trends

from .portal_helpers import MONDAY_10AM, Visitor
from .test_portal_desk import submit

WEEK0, WEEK1 = "2026-11-23", "2026-11-30"


@pytest.fixture
def known_cases(desk, clock, store, staff):
    """Week of 23 November: A answered in an hour and resolved; B never answered, escalated by Ann; C
    catastrophic (Acme's), answered the next day, after its first-response deadline. Week of 30 November: D
    (Acme's) answered in half an hour; then a sweep sends B and C their automatic (late) status update."""
    a = submit(desk, subject="A")
    clock.advance(minutes=5)
    b = submit(desk, subject="B")
    clock.advance(minutes=5)
    c = submit(desk, subject="C", severity="catastrophic", client="acme")
    clock.at = MONDAY_10AM + dt.timedelta(hours=1)
    desk.reply(staff["bob"], store.case(a), "Try this.")
    clock.advance(minutes=30)
    desk.escalate(staff["ann"], store.case(b), "Needs a product engineer")
    clock.advance(minutes=30)
    desk.resolve(staff["bob"], store.case(a), "Fixed.")
    clock.at = MONDAY_10AM + dt.timedelta(days=1, hours=1)
    desk.reply(staff["dan"], store.case(c), "We are on it.")

    clock.at = MONDAY_10AM + dt.timedelta(days=7)
    d = submit(desk, subject="D", client="acme")
    clock.advance(minutes=30)
    desk.reply(staff["ann"], store.case(d), "Here you go.")
    clock.advance(minutes=10)
    assert sorted(desk.sweep().updated) == sorted([b, c])
    clock.advance(minutes=20)
    return a, b, c, d


ALL = {
    WEEK0: {"cases": 3, "first_response_met": 1, "first_response_due": 3, "first_response_pct": "33.3",
            "updates_on_time": 2, "updates": 2, "update_pct": "100.0", "backlog": 2, "escalations": 2},
    WEEK1: {"cases": 1, "first_response_met": 1, "first_response_due": 1, "first_response_pct": "100.0",
            "updates_on_time": 1, "updates": 3, "update_pct": "33.3", "backlog": 3, "escalations": 0},
}  # fmt: skip
ACME = {
    WEEK0: {"cases": 1, "first_response_met": 0, "first_response_due": 1, "first_response_pct": "0.0",
            "updates_on_time": 1, "updates": 1, "update_pct": "100.0", "backlog": 1, "escalations": 1},
    WEEK1: {"cases": 1, "first_response_met": 1, "first_response_due": 1, "first_response_pct": "100.0",
            "updates_on_time": 1, "updates": 2, "update_pct": "50.0", "backlog": 2, "escalations": 0},
}  # fmt: skip


def as_rows(trends) -> dict[str, dict]:
    rows = {}
    for week in trends.weeks:
        rows[week.start.isoformat()] = {
            "cases": week.cases,
            "first_response_met": week.first_response_met,
            "first_response_due": week.first_response_due,
            "first_response_pct": f"{week.first_response_pct:.1f}",
            "updates_on_time": week.updates_on_time,
            "updates": week.updates,
            "update_pct": f"{week.update_pct:.1f}",
            "backlog": week.backlog,
            "escalations": week.escalations,
        }
    return rows


def test_the_weekly_figures_of_a_known_set_of_cases(known_cases, engine, clock):
    assert as_rows(build_trends(engine, clock())) == ALL
    assert as_rows(build_trends(engine, clock(), client="acme")) == ACME
    # The last day, a day later: the week of 30 November only, with the backlog carried into it.
    (week,) = build_trends(engine, clock() + dt.timedelta(days=1), days=1).weeks
    assert (week.start.isoformat(), week.cases, week.backlog) == (WEEK1, 1, 3)


def test_the_report_page_charts_each_figure_with_a_table_and_the_csv_matches(known_cases, make_app, clock):
    app = make_app(clients={"acme": "Acme Construction"})
    app.extensions["kb_portal"].desk.now = clock
    agent = Visitor(app.test_client())
    agent.sign_in("ann")

    for query, expected in (("", ALL), ("?client=acme", ACME)):
        page = agent.get(f"/agent/report{query}")
        assert page.status_code == 200
        text = page.text
        assert text.count('<svg class="columns" role="img"') == 5  # cases, two SLAs, backlog, escalations
        assert text.count('<table class="queue trend-table">') == 5
        assert "No customer has answered the satisfaction question yet" in text  # CSAT's place
        row = f'<tr><th scope="row">{WEEK0}</th><td>{expected[WEEK0]["first_response_met"]}</td>'
        assert row + f"<td>{expected[WEEK0]['first_response_due']}</td>" in text
        assert f"/agent/report/trends.csv{query}" in text

        download = agent.get(f"/agent/report/trends.csv{query}")
        assert download.status_code == 200 and download.mimetype == "text/csv"
        assert download.headers["Content-Disposition"].startswith('attachment; filename="trends-2026-11-23-to-')
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert tuple(rows[0]) == CSV_COLUMNS
        got = {r["week_start"]: {k: r[k] for k in expected[WEEK0]} for r in rows}
        assert got == {w: {k: str(v) for k, v in figures.items()} for w, figures in expected.items()}

    assert agent.get("/agent/report/trends.csv?client=nobody").status_code == 404
    assert Visitor(app.test_client()).get("/agent/report/trends.csv").status_code == 302  # agents only


def test_no_cases_no_weeks_to_speak_of(engine, clock):
    trends = build_trends(engine, clock())
    assert [w.cases for w in trends.weeks] == [0]
    assert trends.weeks[0].first_response_pct is None and trends.weeks[0].update_pct is None


def test_csat_is_charted_by_the_week_the_customer_answered(known_cases, desk, engine, clock, store, staff):
    a, b, c, d = known_cases
    assert not build_trends(engine, clock.at).csat_collected  # nobody answered yet: the page says so
    record_answer(desk, store.case(a), Answer(solved=True, score=4, comment="Quick"))
    desk.resolve(staff["ann"], store.case(d), "Done.")
    record_answer(desk, store.case(d), Answer(solved=False, score=1, comment=""))
    clock.advance(minutes=5)  # the trends run up to now: the answers are a little in the past
    trends = build_trends(engine, clock.at)
    assert trends.csat_collected
    assert [(w.start.isoformat(), w.csat_answers, w.csat_score) for w in trends.weeks] == [
        (WEEK0, 0, None),
        (WEEK1, 2, 2.5),
    ]
    acme = build_trends(engine, clock.at, client="acme")
    assert [(w.csat_answers, w.csat_score) for w in acme.weeks] == [(0, None), (1, 1.0)]


def test_the_report_page_breaks_csat_down_by_level_module_client_and_agent(known_cases, desk, make_app, clock, store):
    a, b, c, d = known_cases
    app = make_app(clients={"acme": "Acme Construction"})
    app.extensions["kb_portal"].desk.now = clock
    agent = Visitor(app.test_client())
    agent.sign_in("ann")
    assert "No customer has answered the satisfaction question yet." in agent.get("/agent/report").text
    record_answer(desk, store.case(a), Answer(solved=True, score=4, comment="Quick"))

    page = agent.get("/agent/report").text

    assert "1 answer: 1 solved, average score 4.00 of 5." in page
    for dimension, name in (
        ("level", "Level 1"),
        ("module", "(not given)"),
        ("client", "(public help centre)"),
        ("agent", "bob"),
    ):
        assert f"<caption>By {dimension}</caption>" in page
        assert f'<tr><th scope="row">{name}</th><td>1</td><td>1</td><td>4.00</td></tr>' in page
