"""The agent's case page (issue 16): the conversation with its context, every action carrying the case's
version (two agents cannot lose a change), messages that say what happened, severity and level up or down
with a reason, merging duplicates, presence, and where the case came from as titled links. On SQLite and
PostgreSQL (the `database_url` fixture), through the pages as a browser posts them (CSRF on)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from generator.errors import SourceError
from generator.portal.attachments import IncomingFile
from generator.portal.config import load_portal_config
from generator.portal.db import attachments, case_contacts, case_presence
from generator.portal.desk import InvalidAction, NewCase, NotAllowed, StaleCase

from .portal_helpers import CUSTOMER_EMAIL, find_form

# A form field for every action of the case page, as an agent fills it in.
ACTION_DATA = {
    "reply": {"text": "Which version do you run?"},
    "note": {"text": "Probably the XER parser."},
    "wait": {"text": "Please send the file."},
    "escalate": {"text": "Needs engineering"},
    "resolve": {"text": "Fixed in 2026.3."},
    "contact": {"text": "Called, no answer.", "channel": "phone", "direction": "out"},
    "assign": {"assignee": "1"},
    "severity": {"value": "minor", "reason": "A workaround exists."},
    "level": {"value": "2", "reason": "Needs engineering."},
    "merge": {"target": "CASE-000002", "reason": "Same problem."},
}


def flashes(page_html: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash flash--\w+"[^>]*>(.*?)</p>', page_html)]


def thread(page_html: str) -> list[str]:
    """The labels of the thread's entries, top to bottom."""
    body = page_html.split('id="thread"', 1)[1].split("</ol>", 1)[0]
    return [html.unescape(m) for m in re.findall(r'<strong class="entry__label">(.*?)</strong>', body)]


@pytest.fixture
def agent(app, new_visitor, clock):
    """agent("ann") -> a browser signed in as that agent; the portal's time is the test's `clock`."""
    app.extensions["kb_portal"].desk.now = clock

    def sign_in(username: str):
        visitor = new_visitor()
        visitor.sign_in(username)
        return visitor

    return sign_in


# -- the version check ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(ACTION_DATA))
def test_an_action_from_a_page_drawn_before_another_agents_change_is_refused_with_what_changed(
    visitor, agent, store, action
):
    number, _ = visitor.log_case(subject="Gantt chart is empty")
    visitor.log_case(subject="Gantt chart empty too", customer_email="yan@example.com")
    ann, bob = agent("ann"), agent("bob")
    page = f"/agent/cases/{number}"
    form = find_form(ann.get(page).text, f"{page}/{action}")  # Ann's page, drawn now
    assert form.fields["version"] == str(store.case(number).version)

    assert bob.act(number, "note", {"text": "Bob was here: <b>checked the log</b>"}).status_code == 303
    before = (store.case(number), len(store.events(number)), len(store.mail()))
    response = ann.post(f"{page}/{action}", form.fields | ACTION_DATA[action])

    assert response.status_code == 409
    assert (store.case(number), len(store.events(number)), len(store.mail())) == before  # nothing saved
    assert f"{number} changed while you were working on it; nothing was saved." in flashes(response.text)[0]
    changed = response.text.split('id="changed"', 1)[1].split("</ol>", 1)[0]
    assert "Bob Builder" in changed and "Bob was here: &lt;b&gt;checked the log&lt;/b&gt;" in changed
    for value in ACTION_DATA[action].values():  # what Ann typed is still in her form
        if len(value) > 3:
            assert html.escape(value, quote=False) in response.text or value in response.text, value
    # Sent again from the page as it is now, it goes through.
    assert ann.act(number, action, ACTION_DATA[action]).status_code == 303
    assert store.case(number).version > before[0].version


def test_two_agents_sending_from_the_same_version_one_goes_through(desk, staff, store):
    number = desk.submit(NewCase("Gantt", "No bars.", "Zoe", CUSTOMER_EMAIL, "major"), "a" * 32).number
    seen = store.case(number)

    desk.reply(staff["ann"], seen, "First answer", version=seen.version)
    with pytest.raises(StaleCase) as stale:
        desk.note(staff["bob"], seen, "Second answer", version=seen.version)

    assert (stale.value.seen, stale.value.current) == (seen.version, seen.version + 1)
    assert [e.body for e in store.events(number, "reply")] == ["First answer"]
    assert store.events(number, "note") == []


def test_a_customer_reply_and_the_timer_move_the_version_on(desk, clock, store):
    number = desk.submit(NewCase("Gantt", "No bars.", "Zoe", CUSTOMER_EMAIL, "major"), "b" * 32).number
    first = store.case(number).version
    desk.customer_reply(store.case(number), "More detail.")
    second = store.case(number).version
    clock.advance(hours=25)
    desk.sweep()  # escalated to Level 2 after 24 hours at Level 1

    assert first < second < store.case(number).version


def test_a_form_without_the_version_is_refused(visitor, agent, store):
    number, _ = visitor.log_case()
    ann = agent("ann")
    form = find_form(ann.get(f"/agent/cases/{number}").text, f"/agent/cases/{number}/reply")
    fields = {k: v for k, v in form.fields.items() if k != "version"} | {"text": "Hello"}

    response = ann.post(f"/agent/cases/{number}/reply", fields, follow_redirects=True)

    assert "reload the page" in flashes(response.text)[0]
    assert store.events(number, "reply") == []


# -- what the agent is told --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("reply", {"text": "Hello Zoe"}, f"Reply sent to {CUSTOMER_EMAIL}."),
        ("note", {"text": "Looks like the parser"}, "Internal note added."),
        ("assign", {"assignee": "2"}, "Assigned to Bob Builder."),
        ("contact", {"text": "Rang", "channel": "phone", "direction": "in"}, "Phone call recorded."),
        ("severity", {"value": "minor", "reason": "Workaround found."}, "Severity changed to minor: Workaround found."),
        ("resolve", {"text": "Fixed."}, "CASE-000001 resolved; the customer was told."),
    ],
)
def test_each_action_says_what_happened(visitor, agent, action, data, message):
    number, _ = visitor.log_case()
    bob = agent("bob")

    response = bob.act(number, action, data)
    page = bob.get(response.headers["Location"]).text

    assert flashes(page) == [message]
    assert "Saved." not in page


def test_a_level1_agent_who_escalates_goes_back_to_the_queue_with_a_message(visitor, agent, store):
    number, _ = visitor.log_case()
    ann = agent("ann")

    response = ann.act(number, "escalate", {"text": "XER parser crashes."})

    assert response.status_code == 303 and response.headers["Location"].endswith("/agent/")
    queue = ann.get("/agent/").text
    assert flashes(queue) == [
        "Escalated to Level 2: XER parser crashes.",
        f"{number} is now with Level 2; it has left your queue.",
    ]
    assert store.case(number).level == 2
    (escalated,) = store.events(number, "escalated")
    assert escalated.body.startswith("Escalated by Ann Able: XER parser crashes. Now at Level 2")  # one full stop


# -- severity and level, up or down, with a reason ----------------------------------------------------------


@pytest.mark.parametrize("action", ["severity", "level"])
def test_changing_severity_or_level_without_a_reason_changes_nothing(visitor, agent, store, action):
    number, _ = visitor.log_case()
    bob = agent("bob")
    before = (store.case(number), len(store.events(number)))

    response = bob.act(number, action, {"value": "2" if action == "level" else "minor", "reason": ""})

    assert flashes(bob.get(response.headers["Location"]).text) == ["Why: Say why."]
    assert (store.case(number), len(store.events(number))) == before


def test_a_level_goes_down_with_its_reason_in_the_history_and_a_fresh_level1_clock(visitor, agent, store, clock):
    number, _ = visitor.log_case()
    bob = agent("bob")
    assert bob.act(number, "level", {"value": "2", "reason": "Looks like a bug."}).status_code == 303
    assert store.case(number).level == 2
    clock.advance(hours=5)

    response = bob.act(number, "level", {"value": "1", "reason": "Not a bug: a setting."})

    assert flashes(bob.get(response.headers["Location"]).text) == ["Moved down to Level 1: Not a bug: a setting."]
    row = store.case(number)
    assert row.level == 1 and row.resolution_due == clock() + dt.timedelta(hours=24)
    (lowered,) = store.events(number, "level_lowered")
    assert lowered.body == "Level 2 → Level 1 by Bob Builder: Not a bug: a setting."
    assert lowered.visibility == "internal"


def test_severity_raised_to_catastrophic_goes_to_level3_and_alerts_the_team(visitor, agent, store):
    number, _ = visitor.log_case()
    bob = agent("bob")

    bob.act(number, "severity", {"value": "catastrophic", "reason": "Every user is down."})

    row = store.case(number)
    assert (row.severity, row.level) == ("catastrophic", 3)
    assert [e.body for e in store.events(number, "severity")] == ["Severity major → catastrophic: Every user is down."]
    alerts = [m for m in store.mail() if "RAPID RESPONSE" in m.subject]
    assert sorted(m.to_addr for m in alerts) == ["dan@example.com", "eve@example.com"]
    assert "Every user is down." in alerts[0].body


# -- merging duplicates -------------------------------------------------------------------------------------


def test_merging_moves_history_files_and_contacts_and_tells_the_customer(visitor, agent, store, desk, staff):
    target, _ = visitor.log_case(subject="Gantt chart is empty")
    source, source_path = visitor.log_case(
        subject="Gantt empty again", customer_email="yan@example.com", customer_name="Yan Other"
    )
    desk.note(staff["bob"], store.case(source), "Seen before", [IncomingFile("log.txt", "text/plain", b"trace")])
    moved = [e.id for e in store.events(source)]
    bob = agent("bob")

    response = bob.act(source, "merge", {"target": target.lower(), "reason": "Same import bug."})

    assert response.headers["Location"].endswith(f"/agent/cases/{target}")
    page = bob.get(response.headers["Location"]).text
    assert flashes(page) == [f"{source} merged into {target}: its history and contacts are here now."]
    assert "Yan Other yan@example.com" in page  # a contact of the target now
    assert set(moved) <= {e.id for e in store.events(target)}
    (file,) = store._all(attachments.select())
    assert file.case_id == store.case(target).id
    merged = store.case(source)
    assert (merged.status, merged.merged_into_id) == ("resolved", store.case(target).id)
    assert merged.resolution == f"Merged into {target}."
    with store.engine.connect() as conn:
        contacts = conn.execute(case_contacts.select()).all()
    assert [(c.email, c.name) for c in contacts] == [("yan@example.com", "Yan Other")]
    # The two customers differ: the duplicate's words stay internal on the target.
    assert all(e.visibility == "internal" for e in store.events(target) if e.id in moved)
    (told,) = [m for m in store.mail("yan@example.com") if "Merged into" in m.subject]
    assert told.subject == f"[{source}] Merged into {target}"
    target_link = bob.get(f"/agent/cases/{target}")  # the customer's new link is the target's
    assert f"/cases/{target}/" in told.body and target_link.status_code == 200
    # The merged case's page points to the target; a reply to the duplicate joins the target.
    assert f'href="/agent/cases/{target}"' in bob.get(f"/agent/cases/{source}").text
    desk.customer_reply(store.case(source), "Still empty.")
    assert store.events(target, "customer_reply")[-1].body == "Still empty."
    assert store.case(source).status == "resolved"
    with pytest.raises(InvalidAction, match="merged into another one"):
        desk.reopen(staff["bob"], store.case(source), "Reopen it")


def test_a_merge_checks_the_level_of_both_cases_and_refuses_itself(visitor, agent, store, desk, staff):
    low, _ = visitor.log_case(subject="Level one")
    high, _ = visitor.log_case(subject="Level two")
    desk.escalate(staff["bob"], store.case(high), "Engineering")
    before = (store.case(low), store.case(high), len(store.events(low)))

    with pytest.raises(NotAllowed):
        desk.merge(staff["ann"], store.case(low), high, "")
    with pytest.raises(InvalidAction, match="into itself"):
        desk.merge(staff["bob"], store.case(low), low, "")
    with pytest.raises(InvalidAction, match="no case CASE-000099"):
        desk.merge(staff["bob"], store.case(low), "CASE-000099", "")

    assert (store.case(low), store.case(high), len(store.events(low))) == before
    ann = agent("ann")
    response = ann.act(low, "merge", {"target": high})
    assert response.headers["Location"].endswith("/agent/")  # the message, not a 403 page
    assert "Level 2" in flashes(ann.get("/agent/").text)[0]
    assert store.case(low).merged_into_id is None


# -- presence -------------------------------------------------------------------------------------------------


def test_agents_on_the_same_case_see_each_other_and_who_is_typing(app, visitor, agent, clock, store):
    number, _ = visitor.log_case()
    ann, bob = agent("ann"), agent("bob")
    url = f"/agent/cases/{number}/presence"
    ann_token = find_form(ann.get(f"/agent/cases/{number}").text).fields["csrf_token"]
    bob_token = find_form(bob.get(f"/agent/cases/{number}").text).fields["csrf_token"]

    ann.post(url, {}, headers={"X-CSRFToken": ann_token})  # each page's first heartbeat, as it loads
    bob.post(url, {}, headers={"X-CSRFToken": bob_token})
    assert "Bob Builder has this case open" in ann.get(f"/agent/cases/{number}").text
    typing = bob.post(url, {"typing": "1"}, headers={"X-CSRFToken": bob_token}).get_json()
    seen = ann.post(url, {}, headers={"X-CSRFToken": ann_token}).get_json()

    assert typing["others"] == [{"name": "Ann Able", "typing": False}]
    assert seen["others"] == [{"name": "Bob Builder", "typing": True}]
    clock.advance(seconds=12)
    assert ann.post(url, {}, headers={"X-CSRFToken": ann_token}).get_json()["others"] == [
        {"name": "Bob Builder", "typing": False}
    ]
    clock.advance(seconds=60)  # Bob closed the page
    assert ann.post(url, {}, headers={"X-CSRFToken": ann_token}).get_json()["others"] == []
    assert ann.post(url, {}).status_code == 400  # no CSRF token: refused
    clock.advance(hours=2)
    app.extensions["kb_portal"].desk.sweep()  # the sweep forgets pages closed long ago
    assert store.count(case_presence) == 0


# -- the conversation and its context ---------------------------------------------------------------------------


def test_the_thread_shows_the_customers_text_once_with_each_entry_labelled_newest_last(visitor, agent):
    number, _ = visitor.log_case(description="The Gantt chart shows no bars.")
    bob = agent("bob")
    bob.act(number, "reply", {"text": "Which version?"})
    bob.act(number, "note", {"text": "Parser?"})
    bob.act(number, "contact", {"text": "Called.", "channel": "phone", "direction": "in"})

    page = bob.get(f"/agent/cases/{number}").text

    assert page.count("The Gantt chart shows no bars.") == 1
    assert thread(page) == [
        "Customer wrote",
        "Our reply",
        "Internal note",
        "Phone call from the customer",
    ]
    assert page.index('id="thread"') < page.index('id="composer"')  # the composer under the thread


def test_the_side_panel_names_where_the_case_came_from_and_the_customers_other_cases(site_app):
    from .portal_helpers import Visitor

    customer, bob = Visitor(site_app.test_client()), Visitor(site_app.test_client())
    response = customer.submit(
        "/cases/new?page=KB-0001&context=schedule.gantt&q=gantt+bars",
        {
            "subject": "Gantt chart is empty",
            "description": "No bars.",
            "severity": "major",
            "customer_name": "Zoe",
            "customer_email": CUSTOMER_EMAIL,
        },
    )
    assert response.status_code == 303
    other = customer.log_case(subject="Budget locked")[0]
    bob.sign_in("bob")

    page = bob.get("/agent/cases/CASE-000001").text

    assert "Page: <a" in page and "Gantt chart shows no bars after import (KB-0001)</a>" in page
    assert 'href="/context/schedule.gantt/"' in page and ">Gantt chart</a>" in page
    assert 'href="/search?q=gantt+bars"' in page
    assert f'href="/agent/cases/{other}">{other}</a> Budget locked' in page
    hits = bob.get("/agent/cases/CASE-000001/articles?q=gantt+bars+import").get_json()["hits"]
    (article,) = [hit for hit in hits if hit["id"] == "KB-0001"]
    assert article["title"] == "Gantt chart shows no bars after import" and article["url"].startswith("kb/")
    assert article["summary"]


def test_saved_replies_come_from_portal_yml_and_a_bad_one_is_reported_at_its_line(make_project):
    root = make_project("basic")
    (root / "portal.yml").write_text(
        "saved_replies:\n  1:\n    - title: Version\n      text: Which version do you run?\n  2:\n    - title: Logs\n"
    )
    with pytest.raises(SourceError) as bad:
        load_portal_config(root)
    assert "portal.yml:6: missing required key 'text'" in str(bad.value.format_message())

    (root / "portal.yml").write_text("saved_replies:\n  1:\n    - title: Version\n      text: Which version?\n")
    config = load_portal_config(root)
    assert [(r.title, r.text) for r in config.saved_replies[1]] == [("Version", "Which version?")]


def test_the_side_panel_names_the_cases_client(make_app, store):
    from .portal_helpers import Visitor

    app = make_app(clients={"acme": "Acme Capital Projects"})
    desk = app.extensions["kb_portal"].desk
    number = desk.submit(NewCase("Gantt", "No bars.", "Zoe", CUSTOMER_EMAIL, "major", client="acme"), "c" * 32).number
    bob = Visitor(app.test_client())
    bob.sign_in("bob")

    page = bob.get(f"/agent/cases/{number}").text

    assert (
        "<dt>Client</dt>" in page
        and '<strong>Acme Capital Projects</strong> (<a href="/c/acme/">their help centre</a>)' in page
    )
