"""Personal data in the knowledge loop's drafts (generator.portal.knowledge), on SQLite and PostgreSQL:
a draft is saved only once each finding is removed or confirmed; the check itself on plain data."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest

from generator.portal.config import PortalConfig
from generator.portal.db import drafts
from generator.portal.knowledge import Knowledge, KnowledgeError

from .knowledge_helpers import CLIENTS, draft_input, log, rows
from .portal_helpers import Visitor, parse_page

PERSONAL = (
    "Zoe Quinn from Quinn Logistics here (zoe.quinn@example.com, +1 212 555 0199).\n"
    "We run the planner for Northwind Traders.\n"
    "Our login is password: hunter2 and the key AKIAIOSFODNN7EXAMPLE.\n"
    "The Gantt chart shows no bars after the import."
)


def draft_fields(html: str) -> dict[str, str]:
    """The draft form's fields as the page holds them (the page also has the sign-out form)."""
    (form,) = [f for f in parse_page(html).forms if "issue" in f.fields]
    return form.fields


def findings_on(html: str) -> dict[str, str]:
    """The personal data a draft page lists: text -> what it looks like."""
    return dict(re.findall(r'name="confirm" value="([^"]*)" form="draft-form"> “[^”]*” \(([^)]*)\)', html))


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
