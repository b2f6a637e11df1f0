"""A case's client as an organisation: mail from one of its domains is its case, the clocks run on its
contract's hours (first response, updates, Level 1 resolution), a case from a client whose contract has
ended is flagged and counted, never refused; agents see the client and its contract on the case page, in
the queue and in the report."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.model import ClientProfile, SupportContract, SupportHours
from generator.portal.desk import Desk, NewCase
from generator.portal.inbound import receive
from generator.portal.report import build_report, report_csv, report_lines

from .mail_in_helpers import MAIL_SETTINGS, compose
from .portal_helpers import Store, Visitor

ACME = ClientProfile(
    "acme",
    "Acme Water Authority",
    None,
    {},
    ("scheduling",),
    {},
    {},
    domains=("acme.example",),
    admins=("boss@acme.example",),
    support=SupportContract(dt.date(2026, 1, 1), dt.date(2027, 12, 31), "Gold", SupportHours(4, 12, 8)),
)
HARBOR = ClientProfile(
    "harbor",
    "Harbor City Transit",
    None,
    {},
    ("scheduling",),
    {},
    {},
    domains=("harbor.example",),
    support=SupportContract(dt.date(2025, 7, 1), dt.date(2026, 6, 30), "Standard"),
)
PROFILES = {"acme": ACME, "harbor": HARBOR}
CLIENT_SETTINGS = {"client_profiles": PROFILES, "clients": {s: p.name for s, p in PROFILES.items()}}


@pytest.fixture
def client_desk(portal_config, engine, clock) -> Desk:
    return Desk(engine, portal_config.with_(mail=MAIL_SETTINGS, **CLIENT_SETTINGS), now=clock)


def log(desk: Desk, client: str | None, email: str = "pat@example.com") -> str:
    new = NewCase("Gantt is empty", "No bars.", "Pat", email, "major", client=client)
    return desk.submit(new, f"{client}-{email}".ljust(32, "0")[:32]).number


@pytest.mark.parametrize(
    ("sender", "client"),
    [
        ("Pat <pat@acme.example>", "acme"),
        ("Pat <PAT@ACME.EXAMPLE>", "acme"),
        ("Boss <boss@acme.example>", "acme"),
        ("Hal <hal@harbor.example>", "harbor"),
        ("Zoe <zoe@example.com>", None),  # no client's: works as today
        ("Eve <eve@notacme.example>", None),
        ("Eve <eve@acme.example.evil.example>", None),
    ],
)
def test_mail_from_a_clients_domain_is_the_clients_case(client_desk, store: Store, sender, client):
    outcome = receive(client_desk, compose(sender=sender), "imap")
    assert outcome.state == "new_case"
    assert store.case(outcome.number).client == client


def test_the_clocks_run_on_the_clients_contract_hours(client_desk, store: Store, clock, outbox):
    acme, plain = log(client_desk, "acme", "pat@acme.example"), log(client_desk, None)
    [acknowledged] = [m for m in outbox() if m["To"] == "pat@acme.example"]
    assert "You will hear from us within 12 hours." in acknowledged.get_body(("plain",)).get_content()
    acme_row, plain_row = store.case(acme), store.case(plain)
    assert acme_row.first_response_due == clock() + dt.timedelta(hours=4)
    assert plain_row.first_response_due == dt.datetime(2026, 11, 23, 23, 0, tzinfo=dt.UTC)  # 18:00 in New York
    assert acme_row.next_update_due == clock() + dt.timedelta(hours=12)
    assert plain_row.next_update_due == clock() + dt.timedelta(hours=24)
    # Level 1 resolution: acme's case escalates after its 8 hours, the other one is still at Level 1.
    clock.advance(hours=8, minutes=1)
    report = client_desk.sweep()
    assert report.escalated == (acme,)
    assert store.case(acme).level == 2 and store.case(plain).level == 1
    # The status update every 12 hours for acme (the escalation notice restarted its clock).
    assert store.case(acme).next_update_due == clock() + dt.timedelta(hours=12)
    clock.advance(hours=12)
    assert acme in client_desk.sweep().updated


def test_a_case_outside_the_contract_is_flagged_and_counted_never_refused(client_desk, store: Store, engine):
    ended, current, none = log(client_desk, "harbor"), log(client_desk, "acme"), log(client_desk, None)
    assert store.case(ended).contract_ended is True and store.case(ended).status == "new"
    assert store.case(current).contract_ended is False
    assert store.case(none).contract_ended is None
    report = build_report(engine, [])
    assert report.outside_contract == 1
    assert dict(report.per_client) == {"harbor": 1, "acme": 1, "(none)": 1}
    assert "  Cases logged outside their client's support contract: 1" in report_lines(report)
    assert '"sla","outside_contract","1"' in report_csv(report)
    assert build_report(engine, [], client="acme").outside_contract == 0


def test_agents_see_the_client_and_its_contract_on_the_case_the_queue_and_the_report(make_app, clock):
    app = make_app(**CLIENT_SETTINGS)
    desk = app.extensions["kb_portal"].desk
    desk.now = clock
    ended, current, plain = log(desk, "harbor"), log(desk, "acme"), log(desk, None)
    agent = Visitor(app.test_client())
    agent.sign_in("dan")
    page = agent.get(f"/agent/cases/{current}").text
    assert "Acme Water Authority" in page and "Gold plan" in page and 'href="/c/acme/"' in page
    assert "contract 2026-01-01 to 2027-12-31" in page and "contract--in-force" in page
    assert "outside the client" not in page
    page = agent.get(f"/agent/cases/{ended}").text
    assert "Harbor City Transit" in page and "contract--ended" in page
    assert "Logged outside the client's support contract" in page
    page = agent.get(f"/agent/cases/{plain}").text
    assert "<dt>Client</dt>" not in page
    queue = agent.get("/agent/").text
    assert "Harbor City Transit · outside contract" in queue
    assert "client-badge contract--in-force" in queue
    report = agent.get("/agent/report").text
    assert "cases outside their client's contract" in report and "Cases per client" in report


def test_kb_clients_lists_contracts_people_open_cases_and_sla_figures(run_kb, tmp_path, database_url, engine, clock):
    from conftest import copy_root

    from generator.portal.config import load_portal_config

    root = copy_root("clients", tmp_path / "project")
    config = load_portal_config(root, database_url, instance_dir=tmp_path / "instance", sweep_every_seconds=0)
    desk = Desk(engine, config.with_(mail=MAIL_SETTINGS), now=clock)
    ended = log(desk, "harbor", "hal@harbor.example")
    log(desk, "acme", "pat@acme.example")
    resolved = log(desk, "acme", "kim@acme.example")
    ann = Store(engine).agent("ann")
    desk.resolve(ann, desk.case_for_agent(ann, resolved), "Fixed.")

    listed = run_kb(root, "clients", "list", "--database-url", database_url)
    assert listed.exit_code == 0, listed.output
    assert "acme  Acme Water Authority\n  contract: Gold, 2026-01-01 to 2027-12-31: in force" in listed.output
    assert "harbor  Harbor City Transit\n  contract: Standard, 2025-07-01 to 2026-06-30: ended" in listed.output
    assert "northwind  Northwind Health\n  contract: no support contract on file" in listed.output
    assert "people: @acme.example; admins boss@acme.example" in listed.output
    assert "open cases: 1 · first responses on time 1/1" in listed.output  # acme: one open, one resolved in time
    assert "outside the contract 1" in listed.output  # harbor's

    shown = run_kb(root, "clients", "show", "harbor", "--database-url", database_url)
    assert shown.exit_code == 0, shown.output
    assert "Harbor City Transit (harbor)" in shown.output and "domains: harbor.example" in shown.output
    assert "clocks: first response by the end of the working day, updates every 24 hours" in shown.output
    assert "Open cases: 1" in shown.output and f"{ended}  L1  new" in shown.output
    assert "[outside contract]" in shown.output
    acme = run_kb(root, "clients", "show", "acme", "--database-url", database_url).output
    assert "first response within 4 hours, updates every 12 hours, Level 1 resolution within 8 hours" in acme

    unknown = run_kb(root, "clients", "show", "nope", "--database-url", database_url)
    assert (
        unknown.exit_code == 1 and "'nope': no such client; expected one of acme, harbor, northwind" in unknown.output
    )
