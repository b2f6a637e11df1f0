"""The agent queue (generator.portal.queue) on SQLite and PostgreSQL: the worst first, the views' counts,
filters, full-text search over cases, paging by key, "take it", bulk actions with refusals, and the live
endpoint the open queue polls."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from generator.portal.db import reading
from generator.portal.desk import Desk, NewCase
from generator.portal.queue.listing import QueueQuery, count_views, load_page

from .portal_helpers import CUSTOMER_EMAIL, MONDAY_10AM, Visitor

ROW = re.compile(r'data-number="(CASE-\d+)"')
_keys = iter(range(10**9))


@pytest.fixture
def queue_app(make_app, clock):
    """The portal (two client builds known) on the test's clock."""
    app = make_app(clients={"acme": "Acme Corp", "globex": "Globex"})
    app.extensions["kb_portal"].desk.now = clock
    return app


@pytest.fixture
def qdesk(queue_app) -> Desk:
    return queue_app.extensions["kb_portal"].desk


def log(desk: Desk, **changes) -> str:
    values = {
        "subject": "Gantt chart is empty",
        "description": "Nothing shows after the import.",
        "customer_name": "Zoe Customer",
        "customer_email": CUSTOMER_EMAIL,
        "severity": "minor",
    }
    return desk.submit(NewCase(**(values | changes)), f"{next(_keys):032x}").number


def signed_in(app, username: str) -> Visitor:
    agent = Visitor(app.test_client())
    agent.sign_in(username)
    return agent


def order(html: str) -> list[str]:
    return ROW.findall(html)


def who(desk: Desk, username: str):
    return next(a for a in _agents(desk) if a.username == username)


def _agents(desk: Desk):
    from generator.portal.accounts import all_agents

    return all_agents(desk.engine)


def case(desk: Desk, number: str):
    return desk.case_for_agent(who(desk, "dan"), number)


def page(desk: Desk, username: str, size: int = 50, **query) -> list[str]:
    with reading(desk.engine) as conn:
        return [r.number for r in load_page(conn, who(desk, username), QueueQuery(**query), desk.now(), size).rows]


# -- the order --------------------------------------------------------------------------------------------


def test_a_catastrophic_case_logged_last_is_first_and_waiting_cases_come_after_running_ones(queue_app, qdesk, clock):
    waiting = log(qdesk, subject="Waiting one")
    clock.advance(minutes=1)
    qdesk.wait_on_customer(who(qdesk, "ann"), case(qdesk, waiting), "Which version do you run?")
    first = log(qdesk, subject="Logged first")
    clock.advance(minutes=1)
    second = log(qdesk, subject="Logged second", severity="major")
    answered = log(qdesk, subject="Answered")  # its next clock is the 24-hour update: after the others
    qdesk.reply(who(qdesk, "ann"), case(qdesk, answered), "Looking at it.")
    clock.advance(minutes=1)
    down = log(qdesk, subject="Server down", severity="catastrophic")

    html = signed_in(queue_app, "dan").get("/agent/").text

    assert order(html) == [down, first, second, answered, waiting]
    assert order(html) == [row.number for row in qdesk.queue(who(qdesk, "dan"))]  # `kb cases list` too
    top = html[html.index(f'data-number="{down}"') :]
    assert re.search(r'class="reason reason--top">catastrophic<', top)
    assert ">first response due<" in top
    # Monday 10:03 in New York; the first response is due at 18:00: "due in 7 h" (not the clock's colour alone).
    assert "Due in 7 h" in top
    assert "paused" in html[html.index(f'data-number="{waiting}"') :].lower()


def test_time_left_says_overdue_in_words_and_in_red(queue_app, qdesk, clock):
    late = log(qdesk)
    clock.advance(hours=10)  # 20:00 in New York: the first response was due at 18:00

    html = signed_in(queue_app, "ann").get("/agent/").text

    row = html[html.index(f'data-number="{late}"') :]
    assert re.search(r'<strong class="due due--late">.*Overdue 2 h</strong>', row)
    assert "is-overdue" in html[: html.index(f'data-number="{late}"')].rsplit("<li", 1)[1]


# -- views and their counts ---------------------------------------------------------------------------------


def test_each_view_counts_its_cases_for_the_agent_who_asks(queue_app, qdesk, clock):
    ann, bob = who(qdesk, "ann"), who(qdesk, "bob")
    breaching = log(qdesk, subject="Breaching")
    mine = log(qdesk, subject="Bob's")
    qdesk.assign(ann, case(qdesk, mine), bob.id)
    qdesk.reply(bob, case(qdesk, mine), "On it.")
    escalated = log(qdesk, subject="Escalated")
    qdesk.escalate(ann, case(qdesk, escalated), "Needs an engineer")  # to the least busy Level 2: Cat
    qdesk.reply(who(qdesk, "cat"), case(qdesk, escalated), "Engineer here.")
    waiting = log(qdesk, subject="Waiting")
    qdesk.wait_on_customer(ann, case(qdesk, waiting), "Send the file, please.")
    resolved = log(qdesk, subject="Resolved")
    qdesk.resolve(ann, case(qdesk, resolved), "Fixed in 4.2.")
    log(qdesk, subject="Down", severity="catastrophic")  # Level 3: not Bob's to see
    clock.advance(hours=6, minutes=30)  # 16:30: the unanswered first responses are due within 2 hours

    with reading(qdesk.engine) as conn:
        for_bob = count_views(conn, bob, clock())
        for_dan = count_views(conn, who(qdesk, "dan"), clock())

    assert for_bob == {
        "mine": 1,
        "unassigned": 2,  # the breaching one and the waiting one
        "level": 1,
        "escalated": 1,
        "waiting": 1,
        "breaching": 1,
        "open": 4,
        "resolved": 1,
    }
    assert for_dan | {} == for_bob | {"mine": 0, "unassigned": 3, "level": 1, "escalated": 2, "breaching": 2, "open": 5}
    html = signed_in(queue_app, "bob").get("/agent/?view=breaching").text
    assert order(html) == [breaching]
    assert re.search(
        r'aria-current="page"\s+data-view="breaching">Breaching within 2 hours <span class="count" '
        r'data-count="breaching">1</span>',
        html,
    )
    for view, expected in {
        "mine": [mine],
        "waiting": [waiting],
        "resolved": [resolved],
        "escalated": [escalated],
    }.items():
        assert order(signed_in(queue_app, "bob").get(f"/agent/?view={view}").text) == expected, view


# -- filters -------------------------------------------------------------------------------------------------


def test_each_filter_narrows_the_queue(queue_app, qdesk):
    ann, bob = who(qdesk, "ann"), who(qdesk, "bob")
    acme = log(qdesk, client="acme", module="scheduling", severity="major")
    globex = log(qdesk, client="globex", module="budgets")
    plain = log(qdesk)
    qdesk.assign(ann, case(qdesk, globex), bob.id)
    qdesk.wait_on_customer(ann, case(qdesk, plain), "Which file?")

    assert page(qdesk, "bob", client="acme") == [acme]
    assert page(qdesk, "bob", module="budgets") == [globex]
    assert page(qdesk, "bob", severity="major") == [acme]
    assert page(qdesk, "bob", status="waiting") == [plain]
    assert page(qdesk, "bob", assignee=bob.id) == [globex]
    assert page(qdesk, "bob", assignee=0) == [acme, plain]
    assert page(qdesk, "bob", client="acme", severity="minor") == []
    # The same through the page; an unknown value (an old bookmark) is no filter, not an error.
    agent = signed_in(queue_app, "bob")
    assert order(agent.get("/agent/?client=globex").text) == [globex]
    assert order(agent.get("/agent/?severity=major&module=scheduling").text) == [acme]
    assert sorted(order(agent.get("/agent/?client=nobody&view=nonsense&assignee=x").text)) == [acme, globex, plain]
    html = agent.get("/agent/?q=gantt").text
    assert 'id="queue-q" name="q" value="gantt"' in html
    assert 'id="top-q" type="search" name="q" value=""' in html  # the help centre's search box stays its own


# -- full-text search ------------------------------------------------------------------------------------------


def test_a_word_from_a_message_finds_its_case_on_each_database(queue_app, qdesk):
    ann = who(qdesk, "ann")
    parser = log(qdesk, subject="Uploading fails", customer_name="Pat Planner", company="Initech")
    qdesk.customer_reply(case(qdesk, parser), "The XER parser stops at line 40 with an error.")
    other = log(qdesk, subject="Budget totals wrong", customer_email="max@globex.example")
    qdesk.note(ann, case(qdesk, other), "Rounding in the währung column")

    assert page(qdesk, "ann", words="parser") == [parser]  # a customer's reply
    assert page(qdesk, "ann", words="uploading") == [parser]  # the subject
    assert page(qdesk, "ann", words="initech") == [parser]  # the company
    assert page(qdesk, "ann", words="pat") == [parser]  # the customer's name
    assert page(qdesk, "ann", words="max@globex.example") == [other]  # the address, whole
    assert page(qdesk, "ann", words="globex") == [other]  # and in part
    assert page(qdesk, "ann", words="rounding") == [other]  # an internal note
    assert page(qdesk, "ann", words="nothing shows") == [parser, other]  # the description: both
    assert page(qdesk, "ann", words="parser budget") == []  # every word must match
    # Kept up to date in the writing transaction: a new reply is found at once.
    qdesk.reply(ann, case(qdesk, other), "Try the zebrafish setting.")
    assert page(qdesk, "ann", words="zebrafish") == [other]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"parser',
        "parser*",
        "*",
        "NEAR",
        "parser NEAR(x y)",
        "-parser",
        "- -",
        "parser AND OR NOT",
        "'; DROP TABLE cases; --",
        "col:parser",
        "^parser",
        "(parser",
        "parser)",
        "\\",
        ":*",
        "&|!",
        "{parser}",
    ],
)
def test_search_syntax_in_a_query_never_errors_and_words_still_match(queue_app, qdesk, query):
    parser = log(qdesk, subject="Import fails", description="The XER parser stops.")

    found = page(qdesk, "ann", words=query)

    words = re.findall(r"[^\W_]+", query.lower())
    if words and set(words) <= {"parser"}:
        assert found == [parser], query  # `-parser` is the word, not "everything but"
    elif words:
        assert found in ([], [parser]), query
    else:
        assert found == [parser], query  # no words: no search, the whole view
    response = signed_in(queue_app, "ann").get("/agent/", query_string={"q": query})
    assert response.status_code == 200


# -- paging ------------------------------------------------------------------------------------------------


def test_pages_follow_on_by_key_and_an_arrival_shifts_nothing(queue_app, qdesk, clock):
    numbers = []
    for n in range(7):
        numbers.append(log(qdesk, subject=f"Case {n}"))
        clock.advance(minutes=1)
    dan = who(qdesk, "dan")

    with reading(qdesk.engine) as conn:
        first = load_page(conn, dan, QueueQuery(), clock(), page_size=3)
    log(qdesk, subject="Arrives between two pages", severity="catastrophic")
    with reading(qdesk.engine) as conn:
        second = load_page(conn, dan, QueueQuery(after=first.next_after), clock(), page_size=3)
        third = load_page(conn, dan, QueueQuery(after=second.next_after), clock(), page_size=3)

    assert [r.number for r in first.rows + second.rows + third.rows] == numbers
    assert third.next_after is None
    with reading(qdesk.engine) as conn:
        resolved = load_page(conn, dan, QueueQuery(view="resolved"), clock(), page_size=3)
    assert resolved.rows == [] and resolved.next_after is None


def test_the_page_links_to_the_next_page(queue_app, qdesk, clock):
    for n in range(51):
        log(qdesk, subject=f"Case {n}")
    agent = signed_in(queue_app, "ann")

    html = agent.get("/agent/?severity=minor").text
    assert len(order(html)) == 50
    link = re.search(r'<a href="\?([^"]+)" rel="next">Next page</a>', html)
    assert link and "severity=minor" in link.group(1)
    rest = agent.get("/agent/?" + link.group(1).replace("&amp;", "&")).text
    assert order(rest) == ["CASE-000051"]
    assert "First page" in rest


# -- take it and bulk actions --------------------------------------------------------------------------------


def test_take_it_assigns_the_case_to_the_agent_and_refuses_a_case_above_their_level(queue_app, qdesk, store):
    number = log(qdesk)
    down = log(qdesk, severity="catastrophic")
    ann = signed_in(queue_app, "ann")

    response = ann.submit("/agent/", {"take": number}, action="/agent/queue/take")

    assert response.status_code == 303 and response.headers["Location"].startswith("/agent/")
    assert store.case(number).assignee_id == store.agent("ann").id
    assert "Assigned to Ann Able" in [e.body for e in store.events(number, "assigned")]
    assert f"{number} is yours now." in ann.get(response.headers["Location"]).text
    # A Level 1 agent cannot take a Level 3 case by posting its number: refused, nothing changed.
    fields = ann.form("/agent/", action="/agent/queue/bulk").fields
    response = ann.client.post("/agent/queue/take", data={**fields, "take": down})
    assert store.case(down).assignee_id is None
    assert "is at Level 3; your level is 1" in ann.get(response.headers["Location"]).text


def test_bulk_assign_changes_the_allowed_cases_and_says_which_were_refused_and_why(queue_app, qdesk, store):
    one, two = log(qdesk), log(qdesk)
    down = log(qdesk, severity="catastrophic")
    ann = signed_in(queue_app, "ann")
    form = ann.form("/agent/", action="/agent/queue/bulk")

    response = ann.client.post(
        "/agent/queue/bulk",
        data={**form.fields, "action": "assign:me", "case": [one, two, down, "CASE-99"]},
    )

    assert response.status_code == 303
    assert [store.case(n).assignee_id for n in (one, two)] == [store.agent("ann").id] * 2
    assert store.case(down).assignee_id is None
    html = ann.get(response.headers["Location"]).text
    assert f"Assigned to you: {one}, {two}." in html
    assert f"Refused 2 of 4: {down}: {down} is at Level 3; your level is 1; CASE-99: not a case number." in html


def test_bulk_status_checks_each_case_state_and_needs_its_text(queue_app, qdesk, store):
    ann = who(qdesk, "ann")
    running, done = log(qdesk), log(qdesk)
    qdesk.resolve(ann, case(qdesk, done), "Fixed.")
    agent = signed_in(queue_app, "ann")
    fields = agent.form("/agent/", action="/agent/queue/bulk").fields

    without = agent.client.post("/agent/queue/bulk", data={**fields, "action": "status:waiting", "case": [running]})
    assert "write the message to the customers" in agent.get(without.headers["Location"]).text
    assert store.case(running).status == "new"

    response = agent.client.post(
        "/agent/queue/bulk",
        data={**fields, "action": "status:waiting", "text": "Send us the file, please.", "case": [running, done]},
    )

    assert store.case(running).status == "waiting"
    assert store.case(done).status == "resolved"
    html = agent.get(response.headers["Location"]).text
    assert f"Refused 1 of 2: {done}: only a running case can wait on the customer." in html
    # Back to running: the waiting one resumes, the resolved one reopens.
    agent.client.post("/agent/queue/bulk", data={**fields, "action": "status:open", "case": [running, done]})
    assert [store.case(n).status for n in (running, done)] == ["open", "open"]


def test_bulk_and_take_need_the_csrf_token_and_a_signed_in_agent(queue_app, qdesk, store):
    number = log(qdesk)
    agent = signed_in(queue_app, "ann")

    assert agent.client.post("/agent/queue/bulk", data={"action": "assign:me", "case": number}).status_code == 400
    assert agent.client.post("/agent/queue/take", data={"take": number}).status_code == 400
    stranger = Visitor(queue_app.test_client())
    assert stranger.get("/agent/queue/live").status_code == 401
    assert store.case(number).assignee_id is None


# -- live updates ------------------------------------------------------------------------------------------


def test_the_live_endpoint_answers_304_until_something_changes_and_names_catastrophic_arrivals(queue_app, qdesk, clock):
    log(qdesk, subject="Quiet")
    dan = signed_in(queue_app, "dan")
    page_html = dan.get("/agent/").text
    since = re.search(r'data-since="(\d+)"', page_html).group(1)
    url = f"/agent/queue/live?view=open&since={since}"

    # The page carries the tag of what it shows: its first poll is a 304 when nothing changed since.
    tag = re.search(r'data-etag="([^"]+)"', page_html).group(1).replace("&#34;", '"')
    assert dan.get("/agent/queue/live?view=open", headers={"If-None-Match": tag}).status_code == 304
    first = dan.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    body = json.loads(first.text)
    assert body["arrived"] == [] and body["counts"]["open"] == "1" and order(body["list"]) == ["CASE-000001"]
    again = dan.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""

    down = log(qdesk, subject="Server <b>down</b>", severity="catastrophic")

    changed = dan.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    body = json.loads(changed.text)
    assert body["arrived"] == [{"number": down, "subject": "Server <b>down</b>"}]  # text, for textContent
    assert order(body["list"]) == [down, "CASE-000001"]
    assert "Server &lt;b&gt;down&lt;/b&gt;" in body["list"]
    assert body["counts"]["open"] == "2" and body["latest"] == 2
    # A change to a case (an event in its history) and the minute turning are changes too.
    tag = changed.headers["ETag"]
    qdesk.note(who(qdesk, "dan"), case(qdesk, down), "Looking.")
    assert dan.get(url, headers={"If-None-Match": tag}).status_code == 200
    tag = dan.get(url).headers["ETag"]
    clock.advance(minutes=1)
    assert dan.get(url, headers={"If-None-Match": tag}).status_code == 200
    # Ann (Level 1) is not told of a case she cannot work.
    ann = signed_in(queue_app, "ann")
    assert json.loads(ann.get(f"/agent/queue/live?since={since}").text)["arrived"] == []


def test_the_migration_indexes_the_cases_that_were_already_there(empty_database_url):
    from generator.portal.db import connect
    from generator.portal.migrate import upgrade

    engine = connect(empty_database_url)
    try:
        upgrade(engine, "0007")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO cases (id, number, idempotency_key, link_salt, subject, description, customer_name, "
                "customer_email, severity, status, level, created_at, updated_at, first_response_due) VALUES "
                "(1, 'CASE-000001', 'k', 's', 'Old case', 'd', 'Old Customer', 'old@example.com', 'catastrophic', "
                "'new', 3, '2026-11-23 15:00:00.000000', '2026-11-23 15:00:00.000000', '2026-11-23 23:00:00.000000')"
            )
            conn.exec_driver_sql(
                "INSERT INTO events (case_id, at, kind, channel, visibility, actor, body) VALUES "
                "(1, '2026-11-23 15:00:00.000000', 'customer_reply', 'web', 'customer', 'customer', 'quokka')"
            )
        upgrade(engine)
        agent = type("Agent", (), {"id": 99, "level": 3, "is_admin": False})
        with reading(engine) as conn:
            found = load_page(conn, agent, QueueQuery(words="quokka"), MONDAY_10AM).rows
        assert [(r.number, r.queue_priority) for r in found] == [("CASE-000001", 0)]
        assert found[0].due_at == dt.datetime(2026, 11, 23, 23, tzinfo=dt.UTC)
    finally:
        engine.dispose()


def test_a_views_count_stops_at_the_cap_and_says_so(queue_app, qdesk, monkeypatch):
    from generator.portal.queue import listing

    for _ in range(4):
        log(qdesk)
    monkeypatch.setattr(listing, "COUNT_CAP", 2)

    with reading(qdesk.engine) as conn:
        counts = count_views(conn, who(qdesk, "ann"), qdesk.now())

    assert counts["open"] == 3 and counts["waiting"] == 0
    html = signed_in(queue_app, "ann").get("/agent/").text
    assert 'data-count="open">2+</span>' in html
    assert len(order(html)) == 4  # the cap is the count's, not the list's


def test_the_live_poll_does_not_keep_an_idle_agent_signed_in(make_app, clock):
    app = make_app(session_idle_hours=1)
    app.extensions["kb_portal"].desk.now = clock
    agent = signed_in(app, "ann")

    for _ in range(8):  # two hours of a queue left open, polled every quarter of an hour
        clock.advance(minutes=15)
        assert agent.get("/agent/queue/live?view=open").status_code in (200, 401)

    assert agent.get("/agent/queue/live?view=open").status_code == 401
    assert agent.get("/agent/").status_code == 302  # to the sign-in page


def test_a_page_of_the_queue_is_read_from_its_index_not_sorted(queue_app, qdesk, clock):
    """SQLite matches the queue's expressions to the indexes on them (migration 0013): the page is an index
    range scan, without a sort of every open case."""
    if qdesk.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL picks its plan by table size: a test database is too small to say")
    log(qdesk)
    plans = []
    from sqlalchemy import event

    @event.listens_for(qdesk.engine, "before_cursor_execute")
    def keep(conn, cursor, statement, parameters, context, many):
        if "LIMIT" in statement and "FROM cases" in statement:
            plans.append((statement, parameters))

    for query in (QueueQuery(), QueueQuery(view="breaching"), QueueQuery(view="mine"), QueueQuery(view="resolved")):
        plans.clear()
        page(qdesk, "dan", **query.__dict__)
        statement, parameters = plans[0]
        with qdesk.engine.connect() as conn:
            plan = " ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
        assert "USING INDEX ix_cases_" in plan and "TEMP B-TREE" not in plan, (query.view, plan)


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_a_later_migration_may_still_rebuild_the_cases_table_on_sqlite(empty_database_url):
    """Alembic's batch mode rebuilds an SQLite table for what ALTER cannot do (a foreign key, say): 0013 must
    not stop that (generated columns were copied into the new table; a trigger naming `cases` on another
    table blocked the rename). The queue still answers, and messages are still searched."""
    if not empty_database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL alters tables in place")
    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from generator.portal.db import connect
    from generator.portal.migrate import upgrade

    engine = connect(empty_database_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            ops = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
            with ops.batch_alter_table("cases") as batch:
                batch.add_column(sa.Column("duplicate_of_id", sa.Integer))
                batch.create_foreign_key("fk_cases_duplicate_of_id", "cases", ["duplicate_of_id"], ["id"])
            conn.exec_driver_sql(
                "INSERT INTO cases (id, number, idempotency_key, link_salt, subject, description, customer_name, "
                "customer_email, severity, status, level, created_at, updated_at, first_response_due) VALUES "
                "(1, 'CASE-000001', 'k', 's', 'New case', 'd', 'New Customer', 'new@example.com', 'minor', "
                "'new', 1, '2026-11-23 15:00:00.000000', '2026-11-23 15:00:00.000000', '2026-11-23 23:00:00.000000')"
            )
            conn.exec_driver_sql(
                "INSERT INTO events (case_id, at, kind, channel, visibility, actor, body) VALUES "
                "(1, '2026-11-23 15:00:00.000000', 'created', 'web', 'customer', 'customer', 'wombat')"
            )
        agent = type("Agent", (), {"id": 99, "level": 3, "is_admin": False})
        with reading(engine) as conn:
            assert [r.number for r in load_page(conn, agent, QueueQuery(words="wombat"), MONDAY_10AM).rows] == [
                "CASE-000001"
            ]
    finally:
        engine.dispose()
