"""The knowledge loop's report (generator.portal.report): its figures on a seeded case history, since a day
and for a client, at the terminal, as CSV with no formula, and on the console's page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from generator.portal.report import Report, build_report

from .knowledge_helpers import CLIENTS, draft_input, error_line, fresh, log
from .portal_helpers import MONDAY_10AM, Visitor

ARTICLES = ["KB-0001", "KB-0002", "KB-0003", "KB-0004", "KB-0005"]  # tests/roots/basic's articles
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
HYPERLINK = '=HYPERLINK("http://evil.example","x")'
T0 = MONDAY_10AM  # Monday 23 November 2026, 10:00 in New York; first responses due by 18:00 there


@pytest.fixture
def history(desk, knowledge, clock, staff) -> dict[str, str]:
    """Six cases over three days, with every kind of event the report counts; case name -> number."""
    ann, bob, dan = staff["ann"], staff["bob"], staff["dan"]
    c1 = log(desk, module="scheduling", context_id="schedule.gantt", last_search="gantt bars")
    c2 = log(desk, module="scheduling", context_id="schedule.gantt", last_search="Gantt Bars", client="acme")
    c3 = log(desk, module="budgets", context_id="budget.overview", client="acme")
    c4 = log(desk, severity="catastrophic")  # straight to Level 3
    knowledge.record_search("gantt bars", 4, "search")
    for query, times in (("baseline variance", 2), ("SAML", 2), (HYPERLINK, 1)):
        for _ in range(times):
            knowledge.record_search(query, 0, "search")
    for article, helpful in (("KB-0001", True), ("KB-0001", True), ("KB-0001", False), ("KB-0004", False)):
        knowledge.record_feedback(article, helpful, None if helpful else "Step 3 is wrong")
    desk.case_avoided("KB-0001", "gantt bars", "KB-0001", "schedule.gantt")

    clock.at = T0 + HOUR  # first responses on time
    desk.reply(ann, c1, "Set the data date.")
    knowledge.link(ann, c1, "KB-0001", "Gantt chart shows no bars after import")
    desk.resolve(ann, fresh(desk, c1.number), "Data date set.")
    desk.reply(ann, c3, "Ask the approver.")
    knowledge.save_draft(ann, c3, draft_input(title="Budget locked after approval", module="budgets"))
    desk.resolve(ann, fresh(desk, c3.number), "Reopened by the approver.")
    desk.reply(dan, c4, "We are on it.")
    knowledge.link(dan, c4, "KB-0004")  # on a case still open: no reuse yet

    clock.at = T0 + 2 * HOUR
    c5 = log(desk, module="budgets", context_id="budget.overview", client="harbor")
    desk.escalate(ann, c5, "Customer wrote: Now at Level 3 of panic")  # to Level 2, whatever the reason says

    clock.at = T0 + 25 * HOUR  # the sweep: CASE-000002 unresolved at Level 1, CASE-000004 without an update
    sweep = desk.sweep()
    assert (sweep.escalated, sweep.updated) == (("CASE-000002",), ("CASE-000004",))
    desk.reply(bob, fresh(desk, c2.number), "Found it.")  # a day late
    knowledge.link(bob, c2, "KB-0001")
    knowledge.link(bob, c2, "KB-0004")
    desk.resolve(bob, fresh(desk, c2.number), "Both articles apply.")
    desk.record_contact(bob, fresh(desk, c5.number), "phone", "out", "Called back.")  # an update; a late response

    clock.at = T0 + 2 * DAY  # Wednesday
    c6 = log(
        desk, module="scheduling", context_id="schedule.activity.edit", last_search="activity dates", client="acme"
    )
    knowledge.record_search("activity dates", 2, "case form")
    knowledge.record_search("baseline variance", 0, "search")
    knowledge.record_feedback("KB-0004", True, None)
    desk.case_avoided("KB-0004", "budget locked", None, "budget.overview")
    clock.at = T0 + 2 * DAY + HOUR
    knowledge.link(ann, c6, "KB-0001")
    knowledge.save_draft(ann, c6, draft_input(title="Activity dates move after linking"))  # known and new
    desk.resolve(ann, fresh(desk, c6.number), "Linked and explained.")  # the resolution is the first response
    return {f"c{n}": case.number for n, case in enumerate((c1, c2, c3, c4, c5, c6), start=1)}


ALL_TIME = Report(
    since=None,
    client=None,
    resolved=4,  # c1, c2, c3, c6
    resolved_with_link=3,  # c1, c2, c6
    reuse=[("KB-0001", 3), ("KB-0004", 1)],  # c4's link is on an open case
    new_issues=2,  # c3, c6 became drafts
    known_issues=2,  # c1, c2: linked, no draft (c6 has both: it is new)
    no_result_searches=[("baseline variance", 3), ("SAML", 2), (HYPERLINK, 1)],
    searches_then_case=[("gantt bars", 2), ("activity dates", 1)],
    per_context=[("budget.overview", 2), ("schedule.gantt", 2), ("(none)", 1), ("schedule.activity.edit", 1)],
    per_module=[("scheduling", 3), ("budgets", 2), ("(not given)", 1)],
    never_reused=["KB-0002", "KB-0003", "KB-0005"],
    first_response_on_time=4,  # c1, c3, c4 within the hour, c6 by its resolution; c2 and c5 a day late
    first_responses=6,
    updates_on_time=5,  # replies to c1, c2, c3, c4 and the call to c5
    updates=6,  # and the sweep's status update to c4
    escalations={2: 2, 3: 1},  # c5 by Ann, c2 by the sweep; c4 catastrophic
    feedback={"KB-0001": (2, 1), "KB-0004": (1, 1)},
    avoided=2,
    per_client=[("acme", 3), ("(none)", 2), ("harbor", 1)],  # c2, c3, c6 acme's; c5 harbor's
)


def test_report_figures_on_a_seeded_case_history(engine, history):
    report = build_report(engine, ARTICLES)

    assert report == ALL_TIME
    assert report.link_rate == 0.75


def test_report_since_a_day_counts_only_what_happened_since(engine, history):
    since = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)

    assert build_report(engine, ARTICLES, since=since) == Report(
        since=since,
        client=None,
        resolved=1,
        resolved_with_link=1,
        reuse=[("KB-0001", 1)],
        new_issues=1,
        known_issues=0,
        no_result_searches=[("baseline variance", 1)],
        searches_then_case=[("activity dates", 1)],
        per_context=[("schedule.activity.edit", 1)],
        per_module=[("scheduling", 1)],
        never_reused=["KB-0002", "KB-0003", "KB-0004", "KB-0005"],
        first_response_on_time=1,
        first_responses=1,
        updates_on_time=0,
        updates=0,
        escalations={},
        feedback={"KB-0004": (1, 0)},
        avoided=1,
        per_client=[("acme", 1)],
    )


def test_report_for_a_client_counts_only_the_cases_from_its_build(engine, history):
    report = build_report(engine, ARTICLES, client="acme")

    # Searches, "Was this helpful?" and avoided cases carry no client: they are the help centre's as a whole.
    assert report == Report(
        since=None,
        client="acme",
        resolved=3,  # c2, c3, c6
        resolved_with_link=2,
        reuse=[("KB-0001", 2), ("KB-0004", 1)],
        new_issues=2,
        known_issues=1,
        no_result_searches=ALL_TIME.no_result_searches,
        searches_then_case=[("activity dates", 1), ("gantt bars", 1)],
        per_context=[("budget.overview", 1), ("schedule.activity.edit", 1), ("schedule.gantt", 1)],
        per_module=[("scheduling", 2), ("budgets", 1)],
        never_reused=["KB-0002", "KB-0003", "KB-0005"],
        first_response_on_time=2,
        first_responses=3,
        updates_on_time=2,
        updates=2,
        escalations={2: 1},
        feedback=ALL_TIME.feedback,
        avoided=ALL_TIME.avoided,
        per_client=[("acme", 3)],
    )


def test_kb_report_prints_the_figures_at_the_terminal(run_kb, project, database_url, history):
    result = run_kb(project, "report", "--database-url", database_url)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Knowledge and support report (all time)"
    for expected in [
        "Link rate (resolved cases with an article linked): 75% (3 of 4)",
        "New issues (resolved into a new draft): 2; known issues (solved by an article): 2",
        "Cases avoided (a suggested article answered it): 2",
        "  KB-0001: 3",
        "  'baseline variance': 3",
        "  'gantt bars': 2",
        "  budget.overview: 2",
        "  (not given): 1",
        "  KB-0002, KB-0003, KB-0005",
        "  KB-0001: 2 / 1",
        "  First responses on time: 67% (4 of 6)",
        "  Customer updates on time: 83% (5 of 6)",
        "  Escalations by level: Level 2: 2, Level 3: 1",
    ]:
        assert expected in lines, expected
    narrowed = run_kb(project, "report", "--since", "2026-11-25", "--client", "acme", "--database-url", database_url)
    assert narrowed.output.splitlines()[0] == "Knowledge and support report (since 2026-11-25, client acme)"
    assert "Link rate (resolved cases with an article linked): 100% (1 of 1)" in narrowed.output
    assert error_line(run_kb(project, "report", "--client", "nope", "--database-url", database_url)) == (
        "Error: --client 'nope': no such client; expected one of acme, harbor"
    )


def test_kb_report_csv_holds_every_figure_and_no_formula(run_kb, project, database_url, history):
    result = run_kb(project, "report", "--csv", "--database-url", database_url)

    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["section", "key", "value"]
    figures = {(section, key): value for section, key, value in rows[1:]}
    assert len(figures) == len(rows) - 1, "each (section, key) once"
    assert figures == {
        ("summary", "resolved"): "4",
        ("summary", "resolved_with_link"): "3",
        ("summary", "link_rate"): "0.750",
        ("summary", "new_issues"): "2",
        ("summary", "known_issues"): "2",
        ("summary", "cases_avoided"): "2",
        ("sla", "first_responses_on_time"): "4",
        ("sla", "first_responses"): "6",
        ("sla", "updates_on_time"): "5",
        ("sla", "updates"): "6",
        ("sla", "outside_contract"): "0",
        ("escalations", "level_2"): "2",
        ("escalations", "level_3"): "1",
        ("reuse", "KB-0001"): "3",
        ("reuse", "KB-0004"): "1",
        ("no_result_searches", "baseline variance"): "3",
        ("no_result_searches", "SAML"): "2",
        ("no_result_searches", "'" + HYPERLINK): "1",  # a spreadsheet shows it, it does not run it
        ("searches_then_case", "gantt bars"): "2",
        ("searches_then_case", "activity dates"): "1",
        ("per_context", "budget.overview"): "2",
        ("per_context", "schedule.gantt"): "2",
        ("per_context", "(none)"): "1",
        ("per_context", "schedule.activity.edit"): "1",
        ("per_module", "scheduling"): "3",
        ("per_module", "budgets"): "2",
        ("per_module", "(not given)"): "1",
        ("per_client", "acme"): "3",
        ("per_client", "(none)"): "2",
        ("per_client", "harbor"): "1",
        ("never_reused", "KB-0002"): "0",
        ("never_reused", "KB-0003"): "0",
        ("never_reused", "KB-0005"): "0",
        ("feedback_yes", "KB-0001"): "2",
        ("feedback_no", "KB-0001"): "1",
        ("feedback_yes", "KB-0004"): "1",
        ("feedback_no", "KB-0004"): "1",
    }
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")]


HOSTILE_SEARCHES = [
    'gantt;=HYPERLINK("http://evil.example","x")',  # a formula after a semicolon
    " =1+1",  # after leading spaces
    "\t=cmd|' /C calc'!A0",
    "a,@SUM(1+1)*cmd|' /C calc'!A0",
    'b;"=2+2"',  # a quote between the delimiter and the formula
    "c|+1",
    "-2+3",
]
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"], ids=repr)
def test_kb_report_csv_quotes_every_cell_and_no_split_makes_a_formula(
    run_kb, project, database_url, knowledge, delimiter
):
    for query in HOSTILE_SEARCHES:
        knowledge.record_search(query, 0, "search")

    result = run_kb(project, "report", "--csv", "--database-url", database_url)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(line.startswith('"') and line.endswith('"') for line in lines), "every cell quoted"
    rows = list(csv.reader(io.StringIO(result.output), delimiter=delimiter))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.lstrip(" ")[:1] in FORMULA], "a cell a spreadsheet would evaluate"
    if delimiter == ",":  # read as written, every search is there as text: a ' before each formula start
        searches = {key for section, key, _ in rows[1:] if section == "no_result_searches"}
        assert searches == {
            'gantt;\'=HYPERLINK("http://evil.example","x")',
            "'=1+1",  # searches are stored stripped
            "'=cmd|' /C calc'!A0",
            "a,'@SUM(1+1)*cmd|' /C calc'!A0",
            'b;"\'=2+2"',
            "c|'+1",
            "'-2+3",
        }


def test_the_console_report_page_needs_an_agent_and_shows_the_figures(make_app, history):
    app = make_app(clients=CLIENTS)
    anonymous = Visitor(app.test_client()).get("/agent/report")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/agent/sign-in")
    agent = Visitor(app.test_client())
    agent.sign_in("ann")

    page = agent.get("/agent/report").text

    compact = " ".join(page.split())
    assert "<strong>75%</strong><span>link rate (3 of 4 resolved cases)</span>" in compact
    assert "<strong>2 / 2</strong><span>known / new issues</span>" in compact
    assert "<strong>4 / 6</strong><span>first responses on time</span>" in compact
    assert "<strong>5 / 6</strong><span>customer updates on time</span>" in compact
    assert "<strong>2 / 1</strong><span>escalations to Level 2 / 3</span>" in compact
    assert '<svg class="bars" role="img" aria-label="Reuse per article"' in page
    assert '<text x="0" y="16" class="bars__label">KB-0001</text>' in page
    assert '<td><a href="/a/KB-0001/">KB-0001</a></td><td>2</td><td>1</td>' in compact
    assert "=HYPERLINK(&#34;http://evil.example&#34;" in page  # shown as text, escaped
    acme = " ".join(agent.get("/agent/report?client=acme").text.split())
    assert "<strong>67%</strong><span>link rate (2 of 3 resolved cases)</span>" in acme
    assert agent.get("/agent/report?client=nope").status_code == 404
