"""Linking and flagging articles from a case (generator.portal.knowledge and its views), on SQLite and
PostgreSQL with CSRF on: links counted once, flags, the article's stats, and who may see the pages."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from generator.portal.db import article_flags, article_links, drafts
from generator.portal.knowledge import Knowledge

from .knowledge_helpers import draft_input, fresh, log
from .portal_helpers import Visitor, find_form, parse_page


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
