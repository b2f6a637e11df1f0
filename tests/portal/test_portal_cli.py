"""`kb agents`, `kb cases`, `kb portal` at the terminal: one clear line and exit 1 for anything the user can
fix, and the sweep safe to run from cron any number of times."""

from __future__ import annotations

import datetime as dt
import uuid

from argon2 import PasswordHasher

from generator.portal import accounts
from generator.portal.accounts import authenticate
from generator.portal.clock import utcnow
from generator.portal.desk import Desk, NewCase

from .portal_helpers import PASSWORD, Clock

PRODUCTION_HASHER = PasswordHasher()  # what generator.portal.accounts uses (the tests' conftest swaps it)


def error_line(result) -> str:
    """The one line a user-fixable error prints (and nothing else)."""
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    return lines[0]


def log_case(desk: Desk, subject: str) -> str:
    case = NewCase(subject, "It broke.", "Zoe Customer", "zoe@example.com", "major", company="Acme")
    return desk.submit(case, uuid.uuid4().hex).number


def test_agents_add_creates_an_agent_who_can_sign_in(run_kb, project, database_url, engine, store, monkeypatch):
    monkeypatch.setattr(accounts, "_HASHER", PRODUCTION_HASHER)  # this once, at the portal's own cost
    monkeypatch.setenv("KB_AGENT_PASSWORD", "a password long enough")

    result = run_kb(
        project, "agents", "add", "zed", "--level", "2", "--email", "zed@example.com", "--database-url", database_url
    )

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Agent zed added at Level 2."
    zed = authenticate(engine, "zed", "a password long enough")
    assert zed is not None and (zed.level, zed.email, zed.is_admin) == (2, "zed@example.com", False)
    stored = store.agent("zed").password_hash
    assert stored.startswith("$argon2id$") and not PRODUCTION_HASHER.check_needs_rehash(stored)


def test_agents_add_refuses_a_short_password_in_one_line(run_kb, project, database_url, store, monkeypatch):
    monkeypatch.setenv("KB_AGENT_PASSWORD", "short")

    result = run_kb(project, "agents", "add", "zed", "--level", "1", "--database-url", database_url)

    assert result.exit_code == 1
    assert error_line(result) == "Error: the password is too short; expected at least 12 characters"
    assert "zed" not in store.staff()


def test_agents_add_refuses_an_agent_who_exists_unless_told_if_missing(
    run_kb, project, database_url, engine, monkeypatch
):
    monkeypatch.setenv("KB_AGENT_PASSWORD", "another long password")
    add_ann = ("agents", "add", "ann", "--level", "3", "--database-url", database_url)

    duplicate = run_kb(project, *add_ann)
    assert duplicate.exit_code == 1
    assert error_line(duplicate) == "Error: agent 'ann' exists already"

    again = run_kb(project, *add_ann, "--if-missing")
    assert again.exit_code == 0, again.output
    ann = authenticate(engine, "ann", PASSWORD)  # untouched: same password, same level
    assert ann is not None and ann.level == 1


def test_cases_list_and_show(run_kb, project, database_url, desk, clock, staff):
    empty = run_kb(project, "cases", "list", "--database-url", database_url)
    assert (empty.exit_code, empty.output.strip()) == (0, "No cases.")
    first = log_case(desk, "Gantt chart is empty")
    second = log_case(desk, "Budget is locked")
    clock.advance(hours=1)
    desk.note(staff["ann"], desk.case_for_agent(staff["ann"], first), "Internal: known bug")
    desk.resolve(staff["ann"], desk.case_for_agent(staff["ann"], second), "Unlocked it")

    listed = run_kb(project, "cases", "list", "--database-url", database_url)
    everything = run_kb(project, "cases", "list", "--all", "--database-url", database_url)
    shown = run_kb(project, "cases", "show", first.lower(), "--database-url", database_url)

    assert listed.exit_code == everything.exit_code == shown.exit_code == 0
    assert first in listed.output and "Gantt chart is empty" in listed.output and second not in listed.output
    assert first in everything.output and second in everything.output
    assert shown.output.startswith(f"{first}: Gantt chart is empty\n")
    assert "Zoe Customer <zoe@example.com>, Acme" in shown.output
    assert "2026-11-23 16:00  note by ann (system) [internal]\n  Internal: known bug" in shown.output
    assert "2026-11-23 15:00  created by customer (web)\n" in shown.output


def test_cases_show_an_unknown_number_says_so_in_one_line(run_kb, project, database_url):
    result = run_kb(project, "cases", "show", "CASE-999999", "--database-url", database_url)

    assert result.exit_code == 1
    assert error_line(result) == (
        "Error: CASE-999999: no such case; expected a number like CASE-000123 (see `kb cases list`)"
    )


def test_cases_sweep_twice_does_the_work_once(run_kb, project, database_url, engine, portal_config, store):
    # The command runs on the real clock: log the case 25 hours ago.
    long_ago = Desk(engine, portal_config, now=Clock(utcnow() - dt.timedelta(hours=25)))
    number = log_case(long_ago, "Overdue")

    first = run_kb(project, "cases", "sweep", "--database-url", database_url)
    second = run_kb(project, "cases", "sweep", "--database-url", database_url)

    assert first.exit_code == second.exit_code == 0
    # The escalation notice is the customer's update, so the same sweep sends no separate status update.
    assert first.output.startswith(f"Escalated 1 ({number}); status updates 0; mail sent ")
    assert second.output.strip() == "Escalated 0 (none); status updates 0; mail sent 0."
    assert store.case(number).level == 2
    assert len(store.events(number, "escalated")) == 1


def test_portal_without_a_built_site_says_to_build_first(run_kb, project):
    result = run_kb(project, "portal", "--port", "1")

    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith("Error: ") and line.endswith(
        "no built help centre here; run `kb build` first (or pass --site)"
    )
    assert str(project / "build" / "site") in line
