"""Notifications for agents (generator.portal.notifications), on SQLite and PostgreSQL: raised once by the
change that causes them, on screen and by mail as each agent chose; catastrophic alerts always; the sweep's
"breaches within the hour" warning once per case and clock however many sweeps run at once."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from generator.portal.db import notification_settings, notifications, reading
from generator.portal.desk import Desk

from .portal_helpers import MONDAY_10AM, Clock, Visitor
from .test_portal_desk import submit

READ = "/agent/notifications/read"
SETTINGS = "/agent/notifications/settings"


def notes(engine, username_id: int, kind: str | None = None) -> list:
    with reading(engine) as conn:
        query = sa.select(notifications).where(notifications.c.agent_id == username_id)
        if kind:
            query = query.where(notifications.c.kind == kind)
        return conn.execute(query.order_by(notifications.c.id)).all()


def count(visitor: Visitor) -> int:
    response = visitor.get("/agent/notifications/count")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.json["unread"]


def test_a_customer_reply_tells_the_assignee_once_on_screen_and_by_mail(visitor, new_visitor, store, staff, engine):
    number, path = new_visitor().log_case(subject="Gantt <b>chart</b> empty")
    agent = new_visitor()
    agent.sign_in("ann")
    assert agent.act(number, "assign", {"assignee": str(staff["bob"].id)}).status_code == 303
    bob = Visitor(visitor.client)
    bob.sign_in("bob")
    assert count(bob) == 1  # assigned to him by Ann
    assert [m.subject for m in store.mail("bob@example.com")] == [
        f"[{number}] Assigned to you: Gantt <b>chart</b> empty"
    ]

    customer = new_visitor()
    assert customer.submit(path, {"text": "Here is the log."}, action=f"{path}/reply").status_code == 303

    replied = notes(engine, staff["bob"].id, "customer_replied")
    assert len(replied) == 1 and replied[0].on_screen and replied[0].read_at is None
    assert notes(engine, staff["ann"].id) == [], "the assigner and other agents are not told"
    assert sum("The customer replied" in m.subject for m in store.mail("bob@example.com")) == 1
    assert count(bob) == 2
    page = bob.get("/agent/notifications/")
    assert page.status_code == 200
    assert f"{number}: the customer replied" in page.text
    assert "Gantt &lt;b&gt;chart&lt;/b&gt; empty" in page.text and "<b>chart</b>" not in page.text
    assert "data-notification-number>2<" in bob.get("/agent/").text  # the header's count

    # Mark one read, then all; only Bob's own.
    assert bob.submit("/agent/notifications/", {"notification": str(replied[0].id)}, action=READ).status_code == 303
    assert count(bob) == 1
    assert bob.submit("/agent/notifications/", {"notification": ""}, action=READ).status_code == 303
    assert count(bob) == 0
    assert all(n.read_at is not None for n in notes(engine, staff["bob"].id))


def test_marking_read_needs_csrf_and_cannot_touch_another_agents_notifications(visitor, new_visitor, staff, engine):
    number, _ = new_visitor().log_case()
    ann = new_visitor()
    ann.sign_in("ann")
    ann.act(number, "assign", {"assignee": str(staff["bob"].id)})
    (bobs,) = notes(engine, staff["bob"].id)
    token = ann.form(SETTINGS, SETTINGS).fields["csrf_token"]
    assert ann.post(READ, {"csrf_token": token, "notification": str(bobs.id)}).status_code == 303
    assert notes(engine, staff["bob"].id)[0].read_at is None, "Ann marked nothing of Bob's"
    bob = new_visitor()
    bob.sign_in("bob")
    refused = bob.post("/agent/notifications/read", {"notification": str(bobs.id)})  # no CSRF token
    assert refused.status_code == 400 and notes(engine, staff["bob"].id)[0].read_at is None
    stranger = new_visitor()
    assert stranger.get("/agent/notifications/count").status_code == 302  # to the sign-in page
    assert stranger.get("/agent/notifications/").status_code == 302


def test_an_agent_who_turned_a_kind_off_is_not_told_by_that_way(new_visitor, store, staff, engine):
    bob = new_visitor()
    bob.sign_in("bob")
    form = bob.form("/agent/notifications/settings", SETTINGS)
    assert set(form.fields) >= {"customer_replied__mail", "customer_replied__screen", "assigned__mail"}
    assert not any(name.startswith("catastrophic") for name in form.fields), "catastrophic alerts cannot be turned off"
    # Customer replies: neither way; assignments: on screen only. Unticked boxes are simply not sent.
    fields = {k: v for k, v in form.fields.items() if not k.startswith(("customer_replied", "assigned__mail"))}
    assert bob.post(SETTINGS, fields).status_code == 303
    again = bob.form("/agent/notifications/settings", SETTINGS).fields
    assert "customer_replied__mail" not in again and "assigned__screen" in again and "breach_soon__mail" in again

    number, path = new_visitor().log_case()
    ann = new_visitor()
    ann.sign_in("ann")
    ann.act(number, "assign", {"assignee": str(staff["bob"].id)})
    new_visitor().submit(path, {"text": "More detail."}, action=f"{path}/reply")

    assert [n.kind for n in notes(engine, staff["bob"].id)] == ["assigned"]
    assert store.mail("bob@example.com") == [], "no mail of either kind"
    # Turning the catastrophic alert "off" by posting its boxes changes nothing.
    bob.post("/agent/notifications/settings", fields | {"catastrophic__mail": "", "catastrophic__screen": ""})


def test_a_catastrophic_case_alerts_every_active_level3_engineer_whatever_they_chose(desk, store, staff, engine):
    from generator.portal.notifications import Choice, save_choices

    for name in ("dan", "eve"):
        # Even with every optional notification off, and a forged "catastrophic" choice stored: still alerted.
        save_choices(engine, staff[name].id, {kind: Choice(False, False) for kind in ("customer_replied", "assigned")})
    with engine.begin() as conn:
        conn.execute(
            notification_settings.insert(),
            {"agent_id": staff["dan"].id, "kind": "catastrophic", "by_mail": False, "on_screen": False},
        )
    number = submit(desk, subject="Server down", severity="catastrophic")

    for name in ("dan", "eve"):
        (alert,) = notes(engine, staff[name].id)
        assert alert.kind == "catastrophic" and alert.on_screen and number in alert.summary
        assert "Server down" in alert.summary
        assert sum("RAPID RESPONSE" in m.subject for m in store.mail(f"{name}@example.com")) == 1
    assert notes(engine, staff["ivy"].id) == [], "an engineer who left the team is not alerted"
    assert notes(engine, staff["bob"].id) == []


def test_the_sweep_warns_the_assignee_an_hour_before_a_clock_breaches_once(desk, clock, store, staff, engine):
    number = submit(desk, subject="Due soon")
    row = store.case(number)
    desk.assign(staff["ann"], row, staff["bob"].id)  # Bob's case; its first response is due at 18:00 New York
    unassigned = submit(desk, subject="Nobody's")
    desk.sweep()
    assert notes(engine, staff["bob"].id, "breach_soon") == [], "not yet: hours to go"

    clock.at = row.first_response_due - dt.timedelta(minutes=40)
    desk.sweep()
    desk.sweep()
    (warning,) = notes(engine, staff["bob"].id, "breach_soon")
    assert warning.summary.startswith(f"{number}: the first response is due in 40 min")
    assert [m.subject for m in store.mail("bob@example.com") if "Due in" in m.subject] == [
        f"[{number}] Due in 40 min: first response"
    ]
    assert all(unassigned not in n.summary for n in notes(engine, staff["ann"].id))

    # Answered: the first-response clock is done; another clock nearing its end warns of itself.
    desk.reply(staff["bob"], store.case(number), "Looking at it.")
    clock.at = store.case(number).resolution_due - dt.timedelta(minutes=30)
    desk.sweep()
    desk.sweep()
    kinds = [n.summary.split(": the ")[1].split(" is due")[0] for n in notes(engine, staff["bob"].id, "breach_soon")]
    assert kinds == ["first response", "Level 1 resolution"]


def test_sweeps_running_at_once_warn_of_each_clock_once(portal_config, make_engine, store, staff, engine):
    clock = Clock(MONDAY_10AM)
    desks = [Desk(make_engine(), portal_config, now=clock) for _ in range(4)]  # like four worker processes
    numbers = [submit(desks[0], subject=f"Case {i}") for i in range(6)]
    for number in numbers:
        desks[0].assign(staff["ann"], store.case(number), staff["cat"].id)
    clock.at = store.case(numbers[0]).first_response_due - dt.timedelta(minutes=30)
    start = threading.Barrier(len(desks))

    def sweep(desk: Desk):
        start.wait(timeout=30)
        return desk.sweep()

    with ThreadPoolExecutor(len(desks)) as pool:
        list(pool.map(sweep, desks))

    warnings = notes(engine, staff["cat"].id, "breach_soon")
    assert sorted(w.summary.split(":")[0] for w in warnings) == numbers, "one warning per case, not one per sweep"
    mailed = [m.subject for m in store.mail("cat@example.com") if "Due in" in m.subject]
    assert sorted(mailed) == sorted(f"[{n}] Due in 30 min: first response" for n in numbers)


@pytest.mark.parametrize("kind", ["nonsense"])
def test_an_unknown_kind_is_a_bug_not_a_silent_notification(engine, staff, kind):
    from generator.portal.db import writing
    from generator.portal.notifications import notify

    with pytest.raises(ValueError, match="unknown notification kind"), writing(engine) as conn:
        notify(conn, MONDAY_10AM, staff["bob"], kind, None, "x", None)
