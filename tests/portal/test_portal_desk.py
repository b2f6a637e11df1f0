"""The support policy (generator.portal.desk) with the clock in the test's hand: first-response times in
working hours, escalation after 24 hours to the least busy engineer, the Level 3 alarm, paused clocks, the
24-hour status update, resolve and reopen, and a history that keeps every contact."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from concurrent.futures import ThreadPoolExecutor

import pytest

from generator.portal.desk import Desk, InvalidAction, NewCase

from .portal_helpers import CUSTOMER_EMAIL, MONDAY_10AM, Clock

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
HOUR = dt.timedelta(hours=1)


def new_case(**changes) -> NewCase:
    values = {
        "subject": "Gantt chart is empty",
        "description": "Nothing shows after the import.",
        "customer_name": "Zoe Customer",
        "customer_email": CUSTOMER_EMAIL,
        "severity": "major",
    }
    return NewCase(**(values | changes))


_keys = iter(range(10**9))


def submit(desk: Desk, **changes) -> str:
    return desk.submit(new_case(**changes), f"{next(_keys):032x}").number


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK)


def test_first_response_is_due_by_the_end_of_the_working_day_or_the_next_one(desk, clock, store):
    # The desk: New York, 08:00-18:00 Monday to Friday, Thanksgiving (Thursday 26 November 2026) off.
    expected = {
        "Monday 10:00, inside hours": (local(2026, 11, 23, 10), local(2026, 11, 23, 18)),
        "Monday 07:30, before opening": (local(2026, 11, 23, 7, 30), local(2026, 11, 23, 18)),
        "Monday 17:59, a minute before closing": (local(2026, 11, 23, 17, 59), local(2026, 11, 23, 18)),
        "Monday 18:00, at closing": (local(2026, 11, 23, 18), local(2026, 11, 24, 18)),
        "Monday 21:00, after hours": (local(2026, 11, 23, 21), local(2026, 11, 24, 18)),
        "Wednesday 19:00, before the holiday": (local(2026, 11, 25, 19), local(2026, 11, 27, 18)),
        "Thursday 11:00, on the holiday": (local(2026, 11, 26, 11), local(2026, 11, 27, 18)),
        "Friday 20:00, before the weekend": (local(2026, 11, 27, 20), local(2026, 11, 30, 18)),
        "Saturday noon": (local(2026, 11, 28, 12), local(2026, 11, 30, 18)),
        "Sunday 23:30": (local(2026, 11, 29, 23, 30), local(2026, 11, 30, 18)),
        "Friday 20:00 EDT, clocks go back on Sunday": (local(2026, 10, 30, 20), local(2026, 11, 2, 18)),
    }
    got = {}
    for label, (received, _) in expected.items():
        clock.at = received.astimezone(dt.UTC)
        got[label] = store.case(submit(desk, subject=label)).first_response_due

    assert got == {label: due.astimezone(dt.UTC) for label, (_, due) in expected.items()}
    assert all(when.tzinfo is not None for when in got.values())
    assert got["Friday 20:00 EDT, clocks go back on Sunday"] == dt.datetime(2026, 11, 2, 23, tzinfo=dt.UTC)


def test_an_unresolved_level1_case_goes_after_24_hours_to_the_least_busy_level2_engineer(desk, clock, store, staff):
    number = submit(desk, subject="Escalate me")
    # Load, logged an hour later so that only `number` is overdue: Bob has two open cases; Cat has one
    # open and two resolved, which do not count.
    clock.advance(hours=1)
    for owner, resolved in (("bob", False), ("bob", False), ("cat", False), ("cat", True), ("cat", True)):
        load = store.case(submit(desk, subject=f"{owner}'s case"))
        desk.assign(staff[owner], load, staff[owner].id)
        if resolved:
            desk.resolve(staff[owner], load, "Done")

    clock.at = MONDAY_10AM + 24 * HOUR - dt.timedelta(seconds=1)
    assert desk.sweep().escalated == ()
    assert store.case(number).level == 1

    clock.at = MONDAY_10AM + 24 * HOUR
    report = desk.sweep()

    assert report.escalated == (number,)
    row = store.case(number)
    assert (row.level, row.assignee_id) == (2, staff["cat"].id)
    (escalated,) = store.events(number, "escalated")
    assert (escalated.actor, escalated.visibility, escalated.at) == ("system", "internal", clock.at)
    assert "within 24 hours" in escalated.body and "Cat Carter" in escalated.body
    (told,) = store.events(number, "level")
    assert told.visibility == "customer" and "Level 2" in told.body
    # (Cat's own cases' clocks near their end too: the sweep warns her of those as well, notifications/.)
    (engineer_mail,) = [m for m in store.mail("cat@example.com") if "Escalated to you" in m.subject]
    assert engineer_mail.subject == f"[{number}] Escalated to you: Escalate me"
    assert engineer_mail.sent_at is not None

    again = desk.sweep()
    assert again.escalated == ()
    assert len(store.events(number, "escalated")) == 1
    assert len([m for m in store.mail("cat@example.com") if "Escalated to you" in m.subject]) == 1


def test_sweeps_running_at_once_escalate_and_update_each_case_once(portal_config, make_engine, store):
    clock = Clock(MONDAY_10AM)
    desks = [Desk(make_engine(), portal_config, now=clock) for _ in range(4)]  # like four worker processes
    numbers = [submit(desks[0], subject=f"Case {i}") for i in range(8)]
    clock.advance(hours=25)
    start = threading.Barrier(len(desks))

    def sweep(desk: Desk):
        start.wait(timeout=30)
        return desk.sweep()

    with ThreadPoolExecutor(len(desks)) as pool:
        reports = list(pool.map(sweep, desks))

    escalated = [n for report in reports for n in report.escalated]
    updated = [n for report in reports for n in report.updated]
    assert sorted(escalated) == numbers, "each case escalated by exactly one sweep"
    # The escalation notice is the customer's update: it restarts the update clock, so no status update too.
    assert updated == [], "each customer told exactly once, by the escalation notice"
    for number in numbers:
        assert len(store.events(number, "escalated")) == 1, number
        assert len(store.events(number, "status_update")) == 0, number
    subjects = [m.subject for m in store.mail(CUSTOMER_EMAIL)]
    for number in numbers:
        assert sum(s.startswith(f"[{number}] Escalated to Level 2") for s in subjects) == 1, number
        assert sum(s.startswith(f"[{number}] Update:") for s in subjects) == 0, number
    clock.advance(hours=25)  # a day after the escalation with no word from an engineer: one status update
    for desk in desks[:2]:
        desk.sweep()
    for number in numbers:
        assert len(store.events(number, "status_update")) == 1, number
    assert all(m.sent_at is not None for m in store.mail())


def test_a_catastrophic_case_goes_to_level3_at_once_and_every_active_level3_engineer_is_alerted(desk, clock, store):
    number = submit(desk, subject="Nobody can sign in", severity="catastrophic")

    row = store.case(number)
    assert (row.level, row.status, row.resolution_due) == (3, "new", None)
    alerts = {m.to_addr: m for m in store.mail() if "RAPID RESPONSE" in m.subject}
    assert set(alerts) == {"dan@example.com", "eve@example.com"}  # not Ivy, who left; not Levels 1 and 2
    assert all(
        m.sent_at is not None and m.subject == f"[{number}] RAPID RESPONSE: Nobody can sign in" for m in alerts.values()
    )
    (alerted,) = store.events(number, "alerted")
    assert "Dan Dare" in alerted.body and "Eve Early" in alerted.body and "Ivy" not in alerted.body

    clock.advance(hours=100)
    assert desk.sweep().escalated == ()
    assert store.case(number).level == 3
    assert len([m for m in store.mail() if "RAPID RESPONSE" in m.subject]) == 2


@pytest.mark.parametrize("who_resumes", ["agent", "customer"])
def test_waiting_on_the_customer_pauses_the_clocks(desk, clock, store, staff, who_resumes):
    number = submit(desk)
    due = store.case(number).resolution_due
    assert due == MONDAY_10AM + 24 * HOUR

    clock.advance(hours=2)
    desk.wait_on_customer(staff["ann"], store.case(number), "Which version do you run?")
    assert store.case(number).status == "waiting"

    clock.at = MONDAY_10AM + 30 * HOUR  # past the resolution clock and the update clock
    report = desk.sweep()
    assert (report.escalated, report.updated) == ((), ())
    assert store.case(number).level == 1

    if who_resumes == "agent":
        desk.resume(staff["ann"], store.case(number))
    else:
        desk.customer_reply(store.case(number), "Version 2.3")
    row = store.case(number)
    paused = 28 * HOUR
    assert (row.status, row.paused_at) == ("open", None)
    assert row.resolution_due == due + paused
    assert row.next_update_due == MONDAY_10AM + 2 * HOUR + 24 * HOUR + paused

    clock.at = row.resolution_due - dt.timedelta(seconds=1)
    assert desk.sweep().escalated == ()
    clock.at = row.resolution_due
    assert desk.sweep().escalated == (number,)


def test_the_customer_hears_from_us_every_24_hours_and_only_once(portal_config, engine, store, staff):
    clock = Clock(MONDAY_10AM)
    desk = Desk(engine, portal_config.with_(level1_hours=500), now=clock)  # no escalation in the way
    number = submit(desk)

    clock.advance(hours=23, minutes=59)
    assert desk.sweep().updated == ()
    clock.at = MONDAY_10AM + 24 * HOUR
    assert desk.sweep().updated == (number,)
    assert desk.sweep().updated == ()
    clock.at = MONDAY_10AM + 47 * HOUR
    assert desk.sweep().updated == ()
    clock.at = MONDAY_10AM + 48 * HOUR
    assert desk.sweep().updated == (number,)

    clock.at = MONDAY_10AM + 50 * HOUR
    desk.reply(staff["ann"], store.case(number), "We found the cause.")  # a reply is an update: clock restarts
    clock.at = MONDAY_10AM + 73 * HOUR
    assert desk.sweep().updated == ()
    clock.at = MONDAY_10AM + 74 * HOUR
    assert desk.sweep().updated == (number,)

    updates = store.events(number, "status_update")
    assert [e.at for e in updates] == [MONDAY_10AM + h * HOUR for h in (24, 48, 74)]
    assert all(e.visibility == "customer" and e.actor == "system" for e in updates)
    mailed = [m for m in store.mail(CUSTOMER_EMAIL) if m.subject.startswith(f"[{number}] Update:")]
    assert len(mailed) == 4  # three status updates and the reply


def test_a_case_is_resolved_and_reopened(desk, clock, store, staff):
    number = submit(desk)
    ann = staff["ann"]

    clock.advance(hours=2)
    desk.resolve(ann, store.case(number), "Press F9 to recalculate.")
    row = store.case(number)
    assert (row.status, row.resolved_at, row.resolution) == ("resolved", clock.at, "Press F9 to recalculate.")
    assert row.first_responded_at == clock.at
    assert store.mail(CUSTOMER_EMAIL)[-1].subject == f"[{number}] Resolved: Gantt chart is empty"
    with pytest.raises(InvalidAction):
        desk.resolve(ann, store.case(number), "again")

    clock.advance(hours=48)
    report = desk.sweep()
    assert (report.escalated, report.updated) == ((), ())  # a resolved case runs no clocks

    desk.reopen(ann, store.case(number), "The customer says it is back.")
    row = store.case(number)
    assert (row.status, row.resolved_at, row.level) == ("open", None, 1)
    assert row.resolution_due == clock.at + 24 * HOUR  # a fresh Level 1 day
    (reopened,) = store.events(number, "reopened")
    assert (reopened.actor, reopened.visibility) == ("ann", "customer")
    with pytest.raises(InvalidAction):
        desk.reopen(ann, store.case(number), "again")

    desk.resolve(ann, store.case(number), "Fixed in 2.3.1.")
    clock.advance(hours=1)
    desk.customer_reply(store.case(number), "Still broken for me.")  # a reply to a resolved case reopens it
    assert store.case(number).status == "open"
    assert [e.actor for e in store.events(number, "reopened")] == ["ann", "customer"]


def test_the_history_keeps_every_contact_with_who_and_when(desk, clock, store, staff):
    ann = staff["ann"]
    number = submit(desk)
    steps = [
        (1, lambda row: desk.record_contact(ann, row, "phone", "in", "She called: still empty.")),
        (2, lambda row: desk.record_contact(ann, row, "email", "out", "Sent the import guide.")),
        (3, lambda row: desk.customer_reply(row, "Tried it, no luck.")),
        (4, lambda row: desk.note(ann, row, "Looks like bug 123.")),
        (5, lambda row: desk.record_contact(ann, row, "phone", "out", "Called her back.")),
        (6, lambda row: desk.reply(ann, row, "Please install 2.3.1.")),
    ]
    for hours, step in steps:
        clock.at = MONDAY_10AM + hours * HOUR
        step(store.case(number))

    history = [(e.kind, e.channel, e.actor, e.agent_id, e.at, e.visibility) for e in desk.history(store.case(number))]
    at = [MONDAY_10AM + h * HOUR for h in range(7)]
    assert history == [
        ("created", "web", "customer", None, at[0], "customer"),
        ("contact_in", "phone", "ann", ann.id, at[1], "internal"),
        ("contact_out", "email", "ann", ann.id, at[2], "customer"),
        ("customer_reply", "web", "customer", None, at[3], "customer"),
        ("note", "system", "ann", ann.id, at[4], "internal"),
        ("contact_out", "phone", "ann", ann.id, at[5], "customer"),
        ("reply", "web", "ann", ann.id, at[6], "customer"),
    ]
    bodies = [e.body for e in desk.history(store.case(number))]
    assert bodies[1:] == [
        "She called: still empty.",
        "Sent the import guide.",
        "Tried it, no luck.",
        "Looks like bug 123.",
        "Called her back.",
        "Please install 2.3.1.",
    ]
    assert store.case(number).first_responded_at == at[2]  # the email out was the first response
    customer_view = [e.kind for e in desk.customer_history(store.case(number))]
    assert "note" not in customer_view and "contact_in" not in customer_view
