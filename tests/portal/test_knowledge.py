"""The knowledge loop in the portal (generator.portal.knowledge and its views, pull, review, report), on SQLite
and PostgreSQL with CSRF on: personal data in drafts, linking and flagging articles, pulling drafts into
kb/ and reviewing them, the report's figures on a seeded case history, and "Was this helpful?"."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import yaml
from sqlalchemy.engine import Row

from generator.catalog import load_catalog
from generator.portal.clock import utcnow
from generator.portal.config import PortalConfig
from generator.portal.db import article_flags, article_links, drafts, events, feedback
from generator.portal.desk import Desk, NewCase
from generator.portal.knowledge import DraftInput, Knowledge, KnowledgeError
from generator.portal.pull import pull_drafts
from generator.portal.report import Report, build_report
from generator.review import validate_article

from .portal_helpers import MONDAY_10AM, Visitor, find_form, parse_page

CLIENTS = {"acme": "Acme Corporation", "northwind": "Northwind Traders"}
ARTICLES = ["KB-0001", "KB-0002", "KB-0003", "KB-0004", "KB-0005"]  # tests/roots/basic's articles
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


class _Everyone:
    """The terminal's view of the desk: every level."""

    level, is_admin = 3, True


_keys = itertools.count()


def log(desk: Desk, **changes) -> Row:
    """A case, as the desk stores it (Zoe Customer, major, unless changed)."""
    values = {
        "subject": "Gantt chart is empty",
        "description": "The Gantt chart shows no bars after the import.",
        "customer_name": "Zoe Customer",
        "customer_email": "zoe@example.com",
        "severity": "major",
    }
    number = desk.submit(NewCase(**(values | changes)), f"{next(_keys):032x}").number
    return fresh(desk, number)


def fresh(desk: Desk, number: str) -> Row:
    return desk.case_for_agent(_Everyone(), number)


def draft_input(**changes: str) -> DraftInput:
    values = {
        "title": "Gantt chart shows no bars after a P6 import",
        "module": "scheduling",
        "issue": "After importing a P6 file the Gantt chart shows the activities but no bars.",
        "environment": "Sample Planner 1.0, Scheduling",
        "resolution": "Set the data date under Project > Settings and press F9.",
        "cause": "The import leaves the data date empty.",
    }
    return DraftInput(**(values | changes))


def draft_fields(html: str) -> dict[str, str]:
    """The draft form's fields as the page holds them (the page also has the sign-out form)."""
    (form,) = [f for f in parse_page(html).forms if "issue" in f.fields]
    return form.fields


def findings_on(html: str) -> dict[str, str]:
    """The personal data a draft page lists: text -> what it looks like."""
    return dict(re.findall(r'name="confirm" value="([^"]*)" form="draft-form"> “[^”]*” \(([^)]*)\)', html))


def rows(store, query) -> list[Row]:
    with store.engine.connect() as conn:
        return conn.execute(query).all()


def error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


@pytest.fixture
def knowledge(portal_config, engine, clock) -> Knowledge:
    return Knowledge(engine, portal_config.with_(clients=CLIENTS), now=clock)


@pytest.fixture
def project(make_project):
    return make_project("basic")


# -- personal data ------------------------------------------------------------------------------------------

PERSONAL = (
    "Zoe Quinn from Quinn Logistics here (zoe.quinn@example.com, +1 212 555 0199).\n"
    "We run the planner for Northwind Traders.\n"
    "Our login is password: hunter2 and the key AKIAIOSFODNN7EXAMPLE.\n"
    "The Gantt chart shows no bars after the import."
)


def test_a_draft_is_saved_only_when_each_personal_finding_is_removed_or_confirmed(make_app, store):
    app = make_app(clients=CLIENTS)
    customer, agent = Visitor(app.test_client()), Visitor(app.test_client())
    number, _ = customer.log_case(
        customer_name="Zoe Quinn",
        customer_email="zoe.quinn@example.com",
        phone="+1 212 555 0199",
        company="Quinn Logistics",
        description=PERSONAL,
    )
    agent.sign_in("ann")
    assert agent.act(number, "resolve", {"text": "Set the data date and press F9."}).status_code == 303
    url = f"/agent/cases/{number}/draft"
    fields = draft_fields(agent.get(url).text)
    assert fields["issue"] == PERSONAL and fields["resolution"] == "Set the data date and press F9."

    refused = agent.post(url, fields)

    assert refused.status_code == 400
    assert "Nothing was saved" in refused.text
    assert findings_on(refused.text) == {
        "Zoe Quinn": "the customer&#39;s name in issue",
        "Quinn Logistics": "the customer&#39;s company in issue",
        "zoe.quinn@example.com": "email address in issue",
        "+1 212 555 0199": "phone number in issue",
        "Northwind Traders": "a client&#39;s name in issue",
        "password: hunter2": "password or secret in issue",
        "AKIAIOSFODNN7EXAMPLE": "access key in issue",
    }
    assert store.count(drafts) == 0

    # The agent removes all but the client's name and the customer's first name: those two are still refused...
    edited = "Zoe says the planner for Northwind Traders shows no bars after the import."
    kept = draft_fields(refused.text) | {"issue": edited}
    assert findings_on(agent.post(url, kept).text) == {
        "Zoe": "the customer&#39;s name in issue",
        "Northwind Traders": "a client&#39;s name in issue",
    }
    half = agent.post(url, kept | {"confirm": ["Northwind Traders"]})
    assert half.status_code == 400 and findings_on(half.text) == {"Zoe": "the customer&#39;s name in issue"}
    assert store.count(drafts) == 0

    # ... until confirmed (a confirmation matches the text whatever its case).
    saved = agent.post(url, kept | {"confirm": ["northwind traders", "ZOE"]})

    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/agent/cases/{number}#knowledge")
    assert "Draft saved." in agent.get(f"/agent/cases/{number}").text
    assert [d.issue for d in rows(store, drafts.select())] == [edited]
    # The case itself keeps everything the customer wrote.
    assert store.case(number).description == PERSONAL
    assert store.events(number, "created")[0].body == PERSONAL
    (event,) = store.events(number, "draft_saved")
    assert event.visibility == "internal" and event.actor == "ann"


# The check is a stage on plain data: a case's fields and the portal's client names, no database.
CHECKER = Knowledge(None, PortalConfig(database_url="sqlite://", clients=CLIENTS))
CASE = SimpleNamespace(
    customer_name="Zoe Customer", customer_email="zoe@example.com", company="Acme Ltd", phone="+44 20 7946 0000"
)


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("Ask Zoe Customer about it", "the customer's name", "Zoe Customer"),
        ("Ask Zoe about it", "the customer's name", "Zoe"),
        ("Mail zoe@example.com today", "email address", "zoe@example.com"),
        ("Mail jo.bloggs+kb@mail.example.co.uk", "email address", "jo.bloggs+kb@mail.example.co.uk"),
        ("Call +44 20 7946 0000 please", "phone number", "+44 20 7946 0000"),
        ("Call 212-555-0142 please", "phone number", "212-555-0142"),
        ("It happens at Acme Ltd only", "the customer's company", "Acme Ltd"),
        ("The same at Northwind Traders", "a client's name", "Northwind Traders"),
        ("The login is password: x", "password or secret", "password: x"),
        ("Set API_KEY=abc123 in the file", "password or secret", "API_KEY=abc123"),
        ("My password is Hunter2!", "password or secret", "password is Hunter2!"),  # pulled into kb/ once
        ("Key AKIAIOSFODNN7EXAMPLE in the log", "access key", "AKIAIOSFODNN7EXAMPLE"),
        ("Use sk_live_4eC39HqLyjWDarjtT1zdp7dc now", "access key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc", "bearer token", "Bearer eyJhbGciOiJIUzI1NiJ9.abc"),
        ("Secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY1 leaked", "long key-like string", None),
        ("Server 10.0.0.12 is down", "IP address", "10.0.0.12"),
    ],
)
def test_personal_data_of_each_kind_is_found(text, kind, found):
    check = CHECKER.check_draft(CASE, draft_input(issue=text))

    assert not check.clean
    (finding,) = check.findings
    assert finding.kind == f"{kind} in issue"
    assert finding.text == (found or text.split()[1])


def test_a_draft_without_personal_data_is_clean_and_a_confirmation_covers_every_field():
    assert CHECKER.check_draft(CASE, draft_input()).clean
    two_places = draft_input(title="Gantt empty for Zoe", cause="Zoe's import had no data date.")
    assert {f.kind for f in CHECKER.check_draft(CASE, two_places).findings} == {"the customer's name in title"}
    assert CHECKER.check_draft(CASE, two_places, confirmed=["zoe"]).clean


def test_hostile_text_does_not_make_the_personal_data_check_slow():
    # Quadratic backtracking turned each of these 20,000 characters into seconds of work per save.
    fields = ("a/" * 10_000, "1- " * 6_666, "a" * 20_000, "x." * 10_000)

    started = time.perf_counter()
    for text in fields:
        CHECKER.check_draft(CASE, draft_input(issue=text, resolution=text))

    assert time.perf_counter() - started < 2.0


def test_an_empty_section_or_unknown_module_is_refused_with_a_message(desk, knowledge, staff, store):
    case = log(desk)

    with pytest.raises(KnowledgeError, match="the draft's resolution is empty"):
        knowledge.save_draft(staff["ann"], case, draft_input(resolution="  "))
    with pytest.raises(KnowledgeError, match="module 'payroll': expected one of scheduling, budgets"):
        knowledge.save_draft(staff["ann"], case, draft_input(module="payroll"))
    assert store.count(drafts) == 0
    assert knowledge.save_draft(staff["ann"], case, draft_input(cause="")).clean  # the cause may wait


# -- linking and flagging -----------------------------------------------------------------------------------


def link_form(agent: Visitor, number: str, query: str, article: str):
    """The "Link" button of `article` among the case page's search results for `query`."""
    page = agent.get(f"/agent/cases/{number}?{urlencode({'q': query})}").text
    action = f"/agent/cases/{number}/articles/link"
    forms = [f for f in parse_page(page).forms if f.action == action and f.fields.get("article") == article]
    assert forms, f"no Link button for {article} among the results for {query!r}"
    return forms[0]


def test_linking_an_article_twice_counts_once_and_the_customer_sees_it_until_unlinked(site_app, store):
    customer, agent = Visitor(site_app.test_client()), Visitor(site_app.test_client())
    number, path = customer.log_case()
    agent.sign_in("ann")
    form = link_form(agent, number, "bars after import", "KB-0001")
    assert form.fields["title"] == "Gantt chart shows no bars after import"

    for _ in range(2):
        response = agent.post(form.action, form.fields)
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/agent/cases/{number}#knowledge")

    assert store.count(article_links) == 1
    (event,) = store.events(number, "article_linked")
    assert (
        event.visibility == "internal" and event.body == "Linked article KB-0001 Gantt chart shows no bars after import"
    )
    shown = customer.get(path).text
    assert '<a href="/a/KB-0001/">Gantt chart shows no bars after import</a> <small>KB-0001</small>' in shown
    assert "Linked article" not in shown  # the history's internal events stay with the agents

    unlink = find_form(agent.get(f"/agent/cases/{number}").text, f"/agent/cases/{number}/articles/unlink")
    assert agent.post(unlink.action, unlink.fields).status_code == 303

    assert store.count(article_links) == 0
    assert "/a/KB-0001/" not in customer.get(path).text
    assert [e.body for e in store.events(number, "article_unlinked")] == ["Unlinked article KB-0001"]


def test_linking_needs_an_agent_and_a_csrf_token(visitor, new_visitor, store):
    number, _ = visitor.log_case()
    agent = new_visitor()
    agent.sign_in("ann")
    token = find_form(agent.get(f"/agent/cases/{number}").text, f"/agent/cases/{number}/articles/flag").fields
    stranger = new_visitor()
    strangers = find_form(stranger.get("/agent/sign-in").text).fields  # a valid token, no agent
    link = f"/agent/cases/{number}/articles/link"

    assert stranger.post(link, {"article": "KB-0001", "csrf_token": strangers["csrf_token"]}).status_code == 403
    assert agent.post(link, {"article": "KB-0001"}).status_code == 400
    assert store.count(article_links) == 0
    assert agent.post(link, {"article": "KB-0001", "csrf_token": token["csrf_token"]}).status_code == 303
    assert store.count(article_links) == 1


def test_the_same_link_twice_at_once_is_stored_once(desk, portal_config, make_engine, clock, staff, store):
    case = log(desk)
    loops = [Knowledge(make_engine(), portal_config, now=clock) for _ in range(4)]  # like four workers
    start = threading.Barrier(len(loops))

    def link(knowledge: Knowledge) -> bool:
        start.wait(timeout=30)
        return knowledge.link(staff["ann"], case, "KB-0001", "Gantt chart shows no bars")

    with ThreadPoolExecutor(len(loops)) as pool:
        results = list(pool.map(link, loops))

    assert sorted(results) == [False, False, False, True]
    assert store.count(article_links) == 1
    assert len(store.events(case.number, "article_linked")) == 1


def test_two_agents_saving_the_first_draft_of_a_case_at_once_make_one_draft(
    desk, portal_config, make_engine, clock, staff, store
):
    case = log(desk)
    loops = [Knowledge(make_engine(), portal_config, now=clock) for _ in range(4)]  # like four workers
    start = threading.Barrier(len(loops))

    def save(knowledge: Knowledge) -> bool:
        start.wait(timeout=30)
        return knowledge.save_draft(staff["ann"], case, draft_input(), confirmed=["Zoe"]).clean

    with ThreadPoolExecutor(len(loops)) as pool:
        results = list(pool.map(save, loops))

    assert all(results)
    assert store.count(drafts) == 1
    assert len(store.events(case.number, "draft_saved")) == 4


def test_an_agent_flags_an_article_as_wrong_or_incomplete_from_a_case(visitor, new_visitor, knowledge, store):
    number, path = visitor.log_case()
    agent = new_visitor()
    agent.sign_in("ann")
    page, flag = f"/agent/cases/{number}", f"/agent/cases/{number}/articles/flag"

    done = agent.submit(page, {"article": "kb-0001", "kind": "incomplete", "comment": "Misses P6 files."}, action=flag)

    assert done.status_code == 303
    assert "Flagged KB-0001 for the writers." in agent.get(page).text
    (row,) = knowledge.open_flags("KB-0001")
    assert (row.kind, row.comment, row.case_id) == ("incomplete", "Misses P6 files.", store.case(number).id)
    (event,) = store.events(number, "article_flagged")
    assert event.visibility == "internal" and event.body == "Flagged KB-0001 as incomplete: Misses P6 files."
    assert "Misses P6 files" not in visitor.get(path).text

    refused = {
        "no comment": {"article": "KB-0001", "kind": "wrong", "comment": ""},
        "not an ID": {"article": "KB-1; DROP", "kind": "wrong", "comment": "x"},
        "not a kind": {"article": "KB-0001", "kind": "boring", "comment": "x"},
    }
    for what, data in refused.items():
        response = agent.submit(page, data, action=flag)
        assert response.status_code == 303, what
        assert 'class="flash flash--error"' in agent.get(page).text, what
    assert store.count(article_flags) == 1


@pytest.mark.parametrize("url", ["/agent/report", "/agent/cases/CASE-000001/draft", "/api/articles/KB-0001/stats"])
def test_the_knowledge_pages_send_a_stranger_to_sign_in(visitor, url):
    visitor.log_case()

    response = visitor.get(url)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/agent/sign-in?next={url}"


def test_article_stats_are_for_agents_and_count_resolved_cases_and_open_flags(
    visitor, new_visitor, desk, knowledge, staff, clock
):
    anonymous = visitor.get("/api/articles/KB-0001/stats")
    assert anonymous.status_code == 302 and "/agent/sign-in" in anonymous.headers["Location"]
    assert not anonymous.is_json and "cases" not in anonymous.text

    resolved, still_open, other = log(desk), log(desk), log(desk)
    for case in (resolved, still_open):
        knowledge.link(staff["ann"], case, "KB-0001")
    knowledge.link(staff["ann"], other, "KB-0004")
    desk.resolve(staff["ann"], fresh(desk, resolved.number), "Fixed")
    desk.resolve(staff["ann"], fresh(desk, other.number), "Fixed")
    knowledge.flag(staff["ann"], resolved, "KB-0001", "wrong", "Step 3 names the wrong menu.")
    agent = new_visitor()
    agent.sign_in("ann")

    stats = agent.get("/api/articles/kb-0001/stats")

    assert stats.get_json() == {
        "article": "KB-0001",
        "cases": 1,  # linked from two cases, one of them resolved
        "flags": [{"kind": "wrong", "comment": "Step 3 names the wrong menu.", "at": clock.at.isoformat()}],
    }
    assert agent.get("/api/articles/KB-0004/stats").get_json() == {"article": "KB-0004", "cases": 1, "flags": []}
    missing = agent.get("/api/articles/not-an-id/stats")
    assert missing.status_code == 404 and missing.get_json() == {"error": "not found"}


# -- pulling drafts into kb/ and reviewing them ---------------------------------------------------------------


def test_pulling_writes_each_draft_once_into_kb_as_a_not_validated_article(
    run_kb, project, database_url, desk, knowledge, staff, store, visitor
):
    first = log(desk, module="scheduling", context_id="schedule.gantt")
    second = log(desk, module="budgets")
    knowledge.save_draft(staff["ann"], first, draft_input())
    knowledge.save_draft(
        staff["ann"], second, draft_input(title="Budget is read-only after approval", module="budgets")
    )

    pulled = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)
    again = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)

    assert pulled.exit_code == again.exit_code == 0
    assert pulled.output.splitlines() == [
        "kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import.md: KB-0006 from CASE-000001",
        "kb/budgets/budget-is-read-only-after-approval.md: KB-0007 from CASE-000002",
        "2 draft(s) written, 0 flag(s) added to review/flags.yml.",
    ]
    assert again.output == "0 draft(s) written, 0 flag(s) added to review/flags.yml.\n"
    catalog = load_catalog(project)
    assert [p for p in catalog.problems if p.is_error] == []
    pages = {page.id: page for page in catalog.pages}
    gantt, budget = pages["KB-0006"], pages["KB-0007"]
    assert (gantt.src_uri, gantt.confidence, gantt.audience, gantt.type) == (
        "kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import.md",
        "not_validated",
        "public",
        "troubleshooting",
    )
    assert list(gantt.source_cases) == ["CASE-000001"] and list(budget.source_cases) == ["CASE-000002"]
    assert [claim.id for claim in gantt.contexts] == ["schedule.gantt"] and list(budget.contexts) == []
    assert gantt.updated == utcnow().date()
    assert [(d.article_id, d.path) for d in rows(store, drafts.select().order_by(drafts.c.id))] == [
        ("KB-0006", "kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import.md"),
        ("KB-0007", "kb/budgets/budget-is-read-only-after-approval.md"),
    ]
    visitor.sign_in("ann")
    assert "Pulled into the knowledge base as KB-0006." in visitor.get(f"/agent/cases/{first.number}").text
    with pytest.raises(KnowledgeError, match="pulled into the knowledge base as KB-0006; edit that article"):
        knowledge.save_draft(staff["ann"], first, draft_input(cause="Changed after the pull"))


def test_pulling_since_a_day_takes_only_the_drafts_saved_since(
    run_kb, project, database_url, desk, knowledge, staff, clock
):
    old, new = log(desk), log(desk)
    knowledge.save_draft(staff["ann"], old, draft_input(title="Saved on Monday"))
    clock.advance(days=2)
    knowledge.save_draft(staff["ann"], new, draft_input(title="Saved on Wednesday"))

    since = run_kb(project, "cases", "pull-drafts", "--since", "2026-11-24", "--database-url", database_url)
    rest = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)

    assert since.output.splitlines()[0] == "kb/scheduling/saved-on-wednesday.md: KB-0006 from CASE-000002"
    assert rest.output.splitlines()[0] == "kb/scheduling/saved-on-monday.md: KB-0007 from CASE-000001"


def test_a_draft_never_overwrites_a_writers_file(run_kb, project, database_url, desk, knowledge, staff):
    writers = (
        b"---\nid: KB-0042\ntitle: Gantt chart shows no bars after a P6 import\nsummary: The writer's own.\n"
        b"type: faq\nmodule: scheduling\nconfidence: validated\n---\n\nThe writer's text.\r\n"
    )
    taken = project / "kb" / "scheduling" / "gantt-chart-shows-no-bars-after-a-p6-import.md"
    taken.write_bytes(writers)
    knowledge.save_draft(staff["ann"], log(desk), draft_input())

    pulled = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)

    assert pulled.output.splitlines()[0] == (
        "kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import-2.md: KB-0043 from CASE-000001"
    )
    assert taken.read_bytes() == writers
    assert "confidence: not_validated" in taken.with_name(taken.stem + "-2.md").read_text()


def test_pulls_running_at_once_write_each_draft_once_with_its_own_id(
    project, desk, knowledge, staff, make_engine, clock
):
    numbers = []
    for n in range(16):  # enough for two pulls to interleave
        case = log(desk)
        knowledge.save_draft(staff["ann"], case, draft_input(title=f"Draft number {n}"))
        numbers.append(case.number)
    engines = [make_engine(), make_engine()]  # like two writers' terminals
    start = threading.Barrier(len(engines))

    def pull(engine):
        start.wait(timeout=30)
        return pull_drafts(engine, project, None, clock())

    with ThreadPoolExecutor(len(engines)) as pool:
        results = list(pool.map(pull, engines))

    written = [entry for result in results for entry in result.drafts]
    assert sorted(number for number, _, _ in written) == numbers, "each draft written by exactly one pull"
    assert sorted(article for _, article, _ in written) == [f"KB-{n:04d}" for n in range(6, 22)]
    files = sorted((project / "kb" / "scheduling").glob("draft-number-*.md"))
    assert [f.name for f in files] == sorted(f"draft-number-{n}.md" for n in range(16))
    catalog = load_catalog(project)
    ids = [page.id for page in catalog.pages]
    assert len(ids) == len(set(ids)) and [p for p in catalog.problems if p.is_error] == []


def test_flags_are_added_to_review_flags_yml_once(run_kb, project, database_url, desk, knowledge, staff, clock):
    case = log(desk)
    knowledge.flag(staff["ann"], case, "KB-0001", "wrong", "Step 3 names the wrong menu.")
    clock.advance(hours=1)
    knowledge.flag(staff["bob"], None, "KB-0004", "incomplete", "Say who can reopen a budget.")
    flags_yml = project / "review" / "flags.yml"

    first = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)
    written = flags_yml.read_bytes()
    second = run_kb(project, "cases", "pull-drafts", "--database-url", database_url)

    assert first.output == "0 draft(s) written, 2 flag(s) added to review/flags.yml.\n"
    assert second.output == "0 draft(s) written, 0 flag(s) added to review/flags.yml.\n"
    assert flags_yml.read_bytes() == written
    assert yaml.safe_load(written) == [
        {
            "flag": 1,
            "article": "KB-0001",
            "kind": "wrong",
            "comment": "Step 3 names the wrong menu.",
            "case": case.number,
            "agent": "ann",
            "at": "2026-11-23T15:00:00+00:00",
        },
        {
            "flag": 2,
            "article": "KB-0004",
            "kind": "incomplete",
            "comment": "Say who can reopen a budget.",
            "case": None,
            "agent": "bob",
            "at": "2026-11-23T16:00:00+00:00",
        },
    ]
    assert oct(flags_yml.stat().st_mode & 0o777) == "0o644"

    knowledge.flag(staff["ann"], case, "KB-0001", "incomplete", "And step 4.")
    assert run_kb(project, "cases", "pull-drafts", "--database-url", database_url).output.startswith(
        "0 draft(s) written, 1 flag(s)"
    )
    assert [entry["flag"] for entry in yaml.safe_load(flags_yml.read_text())] == [1, 2, 3]


@pytest.fixture
def reviewed(project, engine, desk, knowledge, staff, clock):
    """tests/roots/basic (whose KB-0003 is a writer's not-validated draft) with two flags pulled on Monday and
    the draft of CASE-000001 pulled on Wednesday as KB-0006."""
    case = log(desk)
    knowledge.flag(staff["ann"], case, "KB-0003", "incomplete", "Say which baseline is primary.")
    knowledge.flag(staff["ann"], case, "KB-0001", "wrong", "Step 3 names the wrong menu.")
    assert pull_drafts(engine, project, None, clock()).flags == 2
    clock.advance(days=2)
    knowledge.save_draft(staff["ann"], case, draft_input())
    pulled = pull_drafts(engine, project, None, clock())
    assert [article for _, article, _ in pulled.drafts] == ["KB-0006"]
    return project


def test_kb_review_lists_drafts_and_flagged_articles_oldest_first(run_kb, reviewed):
    result = run_kb(reviewed, "review")

    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "0000-00-00  KB-0003  draft from CASE-000101: Draft about baselines",
        "            kb/scheduling/draft.md",
        "2026-11-23  KB-0001  flagged wrong from CASE-000001: Step 3 names the wrong menu.",
        "            kb/scheduling/gantt-empty.md",
        "2026-11-23  KB-0003  flagged incomplete from CASE-000001: Say which baseline is primary.",
        "            kb/scheduling/draft.md",
        "2026-11-25  KB-0006  draft from CASE-000001: Gantt chart shows no bars after a P6 import",
        "            kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import.md",
    ]


def test_review_validate_changes_only_the_confidence_and_updated_lines_and_closes_the_flags(
    run_kb, reviewed, engine, knowledge, clock
):
    article = reviewed / "kb" / "scheduling" / "gantt-chart-shows-no-bars-after-a-p6-import.md"
    writers = reviewed / "kb" / "scheduling" / "draft.md"
    before, writers_before = article.read_text(), writers.read_text()

    result = run_kb(reviewed, "review", "validate", "kb-0006")
    writer_result = run_kb(reviewed, "review", "validate", "KB-0003")

    assert result.exit_code == writer_result.exit_code == 0
    assert result.output == (
        "kb/scheduling/gantt-chart-shows-no-bars-after-a-p6-import.md: validated; `kb build` publishes it.\n"
    )
    changed = [(a, b) for a, b in zip(before.split("\n"), article.read_text().split("\n"), strict=True) if a != b]
    assert changed == [
        ("confidence: not_validated", "confidence: validated"),
        ("updated: 2026-11-25", f"updated: {dt.date.today().isoformat()}"),
    ]
    # A writer's file without `updated:` gets only its confidence line changed, not a line added.
    assert writers.read_text() == writers_before.replace("confidence: not_validated", "confidence: validated")
    flags = {entry["article"]: entry for entry in yaml.safe_load((reviewed / "review" / "flags.yml").read_text())}
    assert flags["KB-0003"]["closed"] == dt.date.today().isoformat()
    assert "closed" not in flags["KB-0001"]
    assert run_kb(reviewed, "review").output.splitlines() == [
        "2026-11-23  KB-0001  flagged wrong from CASE-000001: Step 3 names the wrong menu.",
        "            kb/scheduling/gantt-empty.md",
    ]
    # The next pull closes in the portal what the writers closed in review/flags.yml.
    assert sorted(f.article_id for f in knowledge.open_flags()) == ["KB-0001", "KB-0003"]
    pull_drafts(engine, reviewed, None, clock())
    assert [f.article_id for f in knowledge.open_flags()] == ["KB-0001"]


def test_review_validate_keeps_a_crlf_file_crlf_and_its_mode(project):
    path = project / "kb" / "scheduling" / "draft.md"
    crlf = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    path.write_bytes(crlf)
    os.chmod(path, 0o664)

    validate_article(project, "KB-0003", dt.date(2026, 11, 30))

    assert path.read_bytes() == crlf.replace(b"confidence: not_validated\r\n", b"confidence: validated\r\n")
    assert oct(path.stat().st_mode & 0o777) == "0o664"


@pytest.mark.parametrize(
    ("article", "message"),
    [
        ("KB-0001", "Error: KB-0001 (kb/scheduling/gantt-empty.md) is validated already"),
        ("KB-9999", "Error: KB-9999: no such article in kb/; expected an ID that `kb review` lists"),
        ("USR-001", "Error: USR-001: no such article in kb/; expected an ID that `kb review` lists"),
    ],
)
def test_review_validate_refuses_a_validated_or_unknown_article_in_one_line(run_kb, project, article, message):
    before = {p: p.read_bytes() for p in project.rglob("*.md")}

    assert error_line(run_kb(project, "review", "validate", article)) == message
    assert {p: p.read_bytes() for p in project.rglob("*.md")} == before


def test_validating_twice_says_the_second_time_that_it_is_validated_already(run_kb, project):
    assert run_kb(project, "review", "validate", "KB-0003").exit_code == 0
    assert error_line(run_kb(project, "review", "validate", "KB-0003")) == (
        "Error: KB-0003 (kb/scheduling/draft.md) is validated already"
    )


# -- the report ------------------------------------------------------------------------------------------

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


# -- "Was this helpful?" ------------------------------------------------------------------------------------


def test_feedback_is_recorded_with_the_csrf_header_and_refused_without_it(app, client, store, engine):
    token = client.get("/api/csrf")
    assert token.headers["Cache-Control"] == "no-store"
    headers = {"X-CSRFToken": token.get_json()["token"]}
    others = app.test_client().get("/api/csrf").get_json()["token"]

    def send(body: dict, headers: dict | None = None):
        return client.post("/api/feedback", json=body, headers=headers or {})

    yes = send({"article": "KB-0001", "helpful": True}, headers)
    no = send({"article": "kb-0001", "helpful": False, "comment": "  Step 3 is wrong.  "}, headers)
    refused = {
        "no header": send({"article": "KB-0001", "helpful": True}),
        "forged token": send({"article": "KB-0001", "helpful": True}, {"X-CSRFToken": headers["X-CSRFToken"][:-4]}),
        "another browser's token": send({"article": "KB-0001", "helpful": True}, {"X-CSRFToken": others}),
        "not an article": send({"article": "<script>", "helpful": True}, headers),
        "no article": send({"helpful": True}, headers),
    }

    assert (yes.status_code, yes.get_json()) == (200, {"ok": True})
    assert (no.status_code, no.get_json()) == (200, {"ok": True})
    for what, response in refused.items():
        assert response.status_code == 400, what
    assert [(r.article_id, r.helpful, r.comment) for r in rows(store, feedback.select().order_by(feedback.c.id))] == [
        ("KB-0001", True, None),
        ("KB-0001", False, "Step 3 is wrong."),
    ]
    assert build_report(engine, ["KB-0001"]).feedback == {"KB-0001": (1, 1)}


def test_the_knowledge_loop_events_stay_out_of_the_customers_history(visitor, new_visitor, desk, knowledge, staff):
    number, path = visitor.log_case()
    case = fresh(desk, number)
    knowledge.link(staff["ann"], case, "KB-0001", "Gantt chart shows no bars after import")
    knowledge.flag(staff["ann"], case, "KB-0001", "wrong", "INTERNAL-FLAG-TEXT")
    knowledge.save_draft(staff["ann"], case, draft_input(title="INTERNAL-DRAFT-TITLE"))

    page = visitor.get(path).text

    assert "INTERNAL-FLAG-TEXT" not in page and "INTERNAL-DRAFT-TITLE" not in page
    assert "/a/KB-0001/" in page  # the link is for the customer
    with desk.engine.connect() as conn:
        kinds = {row.kind: row.visibility for row in conn.execute(events.select())}
    assert {kinds[k] for k in ("article_linked", "article_flagged", "draft_saved")} == {"internal"}
