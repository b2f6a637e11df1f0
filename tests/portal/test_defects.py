"""Fixes from case to release (issue 19) on the desk: a case's type and defect, a defect's version moved for
all of its cases, a release published (its customers resolved and mailed through a real SMTP server), run
twice without changing anything twice. On SQLite and PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from generator.model import ClientProfile, SupportContract
from generator.portal.config import MailSettings
from generator.portal.defects import DefectNotFound, Defects, publish_release
from generator.portal.desk import Desk, InvalidAction, NewCase, NotAllowed
from generator.versions import ProductVersion, VersionStatus

VERSIONS = (
    ProductVersion("2026.5", VersionStatus.PLANNED),
    ProductVersion("2026.4", VersionStatus.PLANNED),
    ProductVersion("2026.3", VersionStatus.CURRENT),
    ProductVersion("2026.2", VersionStatus.SUPPORTED, "v2026.2"),
)
OLD_CLIENT = ClientProfile(
    "oldco",
    "Old Company",
    None,
    {},
    (),
    {},
    {},
    domains=("oldco.example",),
    support=SupportContract(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "Silver"),
)


@pytest.fixture
def desk(portal_config, engine, clock) -> Desk:
    config = portal_config.with_(product_versions=VERSIONS, client_profiles={"oldco": OLD_CLIENT})
    return Desk(engine, config, now=clock)


@pytest.fixture
def defects(desk) -> Defects:
    return Defects(desk)


def log(desk: Desk, subject: str, email: str = "zoe@example.com", client: str | None = None) -> str:
    case = NewCase(subject, "It broke <script>alert(1)</script>.", "Zoe Customer", email, "major", client=client)
    return desk.submit(case, uuid.uuid4().hex).number


def row(desk: Desk, staff, number: str):
    return desk.case_for_agent(staff["dan"], number)


def test_a_bug_gets_a_new_defect_with_its_target_and_the_customer_is_told(desk, defects, staff, store):
    number = log(desk, "Import drops bars")
    ann = staff["ann"]

    said = defects.classify(
        ann, row(desk, staff, number), "bug", " ENG-42 ", "Imported schedules keep their bars.", "2026.4"
    )

    assert "Linked to ENG-42" in said and "planned for 2026.4" in said
    case = store.case(number)
    assert case.case_type == "bug"
    defect = defects.for_case(case)
    assert (defect.reference, defect.target_version, defect.status) == ("ENG-42", "2026.4", "open")
    kinds = [event.kind for event in store.events(number)]
    assert kinds[-3:] == ["case_type", "defect", "reply"]
    update = store.events(number, "reply")[-1]
    assert update.visibility == "customer" and "planned for Sample Planner 2026.4" in update.body
    assert "ENG-42" not in update.body  # the tracker's key is the team's
    assert case.next_update_due == desk.now() + dt.timedelta(hours=24)  # the update restarted the clock


def test_classify_refuses_what_does_not_fit_and_saves_nothing(desk, defects, staff, store):
    number = log(desk, "Import drops bars")
    ann = staff["ann"]
    before = (store.case(number), len(store.events(number)))

    cases = [
        (("flaky", "", "", ""), "Type: expected one of question, problem, bug, enhancement"),
        (("question", "ENG-1", "", ""), "Only a bug or an enhancement waits on a fix"),
        (("bug", "", "", "2026.4"), "give the defect reference"),
        (("bug", "ENG-1", "", ""), "ENG-1 is a new defect: write a summary"),
        (("bug", "ENG-1", "Fixed.", "2026.3"), "'2026.3' is not a version planned and not yet released"),
        (("bug", "ENG-1", "Fixed.", "../2026.4"), "expected one of 2026.5, 2026.4"),
        (("bug", "E" * 101, "Fixed.", ""), "at most 100 characters"),
    ]
    for args, message in cases:
        with pytest.raises(InvalidAction, match=message.replace("(", r"\(").replace(".", r"\.")):
            defects.classify(ann, row(desk, staff, number), *args)
    assert (store.case(number), len(store.events(number))) == before


def test_cases_share_a_defect_by_reference_in_any_case_of_letters(desk, defects, staff):
    first, second = log(desk, "Import drops bars"), log(desk, "Bars gone", "yan@example.com")
    ann = staff["ann"]
    defects.classify(ann, row(desk, staff, first), "bug", "ENG-42", "Imported schedules keep their bars.", "2026.4")

    defects.classify(ann, row(desk, staff, second), "bug", "eng-42")

    defect, linked = defects.get(defects.for_case(row(desk, staff, first)).id)
    assert [case.number for case in linked] == [first, second]
    with pytest.raises(InvalidAction, match="a defect's version changes on its own page"):
        defects.classify(ann, row(desk, staff, second), "enhancement", "ENG-42", "", "2026.5")
    with pytest.raises(DefectNotFound):
        defects.get(defect.id + 100)


def test_moving_a_defects_version_tells_every_waiting_customer(desk, defects, staff, store, clock):
    first, second = log(desk, "Import drops bars"), log(desk, "Bars gone", "yan@example.com")
    ann, bob = staff["ann"], staff["bob"]
    defects.classify(ann, row(desk, staff, first), "bug", "ENG-42", "Imported schedules keep their bars.", "2026.4")
    defects.classify(ann, row(desk, staff, second), "bug", "ENG-42")
    defect = defects.for_case(row(desk, staff, first))
    clock.advance(hours=2)

    with pytest.raises(NotAllowed):
        defects.retarget(ann, defect.id, "2026.5")  # Level 1 does not move every case
    told = defects.retarget(bob, defect.id, "2026.5")

    assert told == (first, second)
    for number in told:
        assert "2026.4 → planned for 2026.5" in store.events(number, "defect")[-1].body
        assert "planned for Sample Planner 2026.5" in store.events(number, "reply")[-1].body
        assert store.case(number).next_update_due == clock() + dt.timedelta(hours=24)
    with pytest.raises(InvalidAction, match="already planned for 2026.5"):
        defects.retarget(bob, defect.id, "2026.5")
    with pytest.raises(InvalidAction, match="expected one of 2026.5, 2026.4"):
        defects.retarget(bob, defect.id, "2026.2")


def test_publishing_a_release_resolves_its_cases_and_mails_the_customers(desk, defects, staff, store, smtp_sink, clock):
    desk.config = desk.config.with_(mail=MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_sink.port))
    fixed, other, later = log(desk, "Import drops bars"), log(desk, "Bars gone", "yan@example.com"), log(desk, "Zoom")
    ann = staff["ann"]
    defects.classify(ann, row(desk, staff, fixed), "bug", "ENG-42", "Imported schedules keep their bars.", "2026.4")
    defects.classify(ann, row(desk, staff, other), "bug", "ENG-42")
    defects.classify(ann, row(desk, staff, later), "enhancement", "ENG-50", "The Gantt chart zooms.", "2026.5")
    desk.wait_on_customer(ann, row(desk, staff, other), "Please send the file.")
    clock.advance(days=3)

    first = publish_release(defects, "2026.4", "release-manager")

    assert not first.already and first.resolved == (fixed, other)
    for number in (fixed, other):
        case = store.case(number)
        assert case.status == "resolved" and "available in Sample Planner 2026.4" in case.resolution
        assert store.events(number)[-1].kind == "resolved" and store.events(number)[-1].actor == "release-manager"
    assert store.case(later).status == "open"
    defect = defects.for_case(store.case(fixed))
    assert (defect.status, defect.shipped_in) == ("shipped", "2026.4")
    mail = smtp_sink.to("zoe@example.com")[-1]
    assert mail.subject == f"[{fixed}] Fix available in version 2026.4"
    assert "The fix for your case is available in Sample Planner 2026.4." in mail.body
    assert "http://portal.test/user/whats-new/2026.4/" in mail.body
    assert f"/cases/{fixed}/" in mail.body and "/csat/" in mail.body
    assert "<script>" not in mail.body and "ENG-42" not in mail.body
    assert "2026.4" not in defects.target_choices() and "2026.4" in defects.shipped_choices()

    sent = len(smtp_sink.received)
    again = publish_release(defects, "2026.4", "someone-else")
    assert again.already and again.release.published_by == "release-manager" and again.resolved == ()
    assert len(smtp_sink.received) == sent and store.case(fixed).status == "resolved"

    # Reopenable as any resolved case.
    desk.reopen(staff["dan"], row(desk, staff, fixed), "Still broken after the upgrade")
    assert store.case(fixed).status == "open"


def test_a_case_of_a_client_whose_contract_ended_is_resolved_and_told_with_a_note(desk, defects, staff, store):
    number = log(desk, "Import drops bars", "pat@oldco.example", client="oldco")
    defects.classify(staff["ann"], row(desk, staff, number), "bug", "ENG-42", "Bars are kept.", "2026.4")

    published = publish_release(defects, "2026.4", "release-manager")

    assert published.contract_ended == (number,)
    assert store.case(number).status == "resolved"
    note = store.events(number, "note")[-1]
    assert note.visibility == "internal" and "Old Company's support contract ended on 2025-12-31" in note.body
    assert [m.subject for m in store.mail("pat@oldco.example")][-1].endswith("Fix available in version 2026.4")


def test_publishing_refuses_a_version_product_yml_does_not_list(defects):
    with pytest.raises(InvalidAction, match=r"'2027\.1' is not one of product\.yml's versions"):
        publish_release(defects, "2027.1", "release-manager")


def test_a_defect_marked_shipped_in_a_released_version_resolves_its_cases(desk, defects, staff, store):
    number = log(desk, "Import drops bars")
    defects.classify(staff["ann"], row(desk, staff, number), "bug", "ENG-7", "Bars are kept.")
    defect = defects.for_case(store.case(number))

    with pytest.raises(InvalidAction, match="'2026.4' is not a released version"):
        defects.ship(defect.id, "2026.4", "bob", staff["bob"])
    shipped = defects.ship(defect.id, "2026.3", "bob", staff["bob"])

    assert shipped.resolved == (number,) and store.case(number).status == "resolved"
    with pytest.raises(InvalidAction, match="shipped in 2026.3 already"):
        defects.ship(defect.id, "2026.3", "bob", staff["bob"])


def test_the_report_gives_open_defects_by_version_cases_per_defect_and_the_wait_for_a_fix(desk, defects, staff, clock):
    from generator.portal.defects.report import fix_figures, fix_lines

    ann = staff["ann"]
    first = log(desk, "Import drops bars")
    clock.advance(days=1)
    second, third = log(desk, "Bars gone", "yan@example.com"), log(desk, "Zoom")
    defects.classify(ann, row(desk, staff, first), "bug", "ENG-42", "Imported schedules keep their bars.", "2026.4")
    defects.classify(ann, row(desk, staff, second), "bug", "ENG-42")
    defects.classify(ann, row(desk, staff, third), "enhancement", "ENG-50", "The Gantt chart zooms.", "2026.5")
    before = fix_figures(desk.engine)
    assert before.open_by_version == [("2026.4", 1, 2), ("2026.5", 1, 1)]
    assert before.cases_per_defect == [("ENG-42", 2), ("ENG-50", 1)] and before.median_wait is None
    clock.advance(days=2)

    publish_release(defects, "2026.4", "release-manager")

    after = fix_figures(desk.engine)
    assert after.open_by_version == [("2026.5", 1, 1)] and after.shipped_cases == 2
    # Logged 3 days and 2 days before the release: the median is the lower (nearest rank), p90 the higher.
    assert (after.median_wait, after.p90_wait) == (dt.timedelta(days=2), dt.timedelta(days=3))
    lines = fix_lines(after)
    assert "    2026.5: 1, 1" in lines and "    ENG-42: 2" in lines
    assert lines[-1] == "  From case to shipped fix, over 2 case(s): median 2 days, 90th percentile 3 days"
    assert fix_figures(desk.engine, client="nobody").cases_per_defect == []


def test_the_fix_mails_read_right(desk, defects, staff, outbox):
    from .test_mail_texts import html_lines, plain, problems

    number = log(desk, "Import drops bars")
    defects.classify(staff["ann"], row(desk, staff, number), "bug", "ENG-42", "Bars are kept.", "2026.4")
    defects.retarget(staff["bob"], defects.for_case(row(desk, staff, number)).id, "")
    publish_release(defects, "2026.4", "release-manager")  # nothing planned for it now: no case resolved
    defects.retarget(staff["bob"], defects.for_case(row(desk, staff, number)).id, "2026.5")
    publish_release(defects, "2026.5", "release-manager")

    mails = [m for m in outbox() if m["Subject"].startswith(f"[{number}]")]
    updates = [plain(m) for m in mails if "Update:" in m["Subject"]]
    assert [m["Subject"] for m in mails][-1] == f"[{number}] Fix available in version 2026.5"
    assert len(updates) == 3 and "no longer planned" in updates[1] and "2026.5" in updates[2]
    for message in mails:
        assert problems(plain(message)) == [], plain(message)
        html = message.get_body(("html",)).get_content()
        assert problems("\n".join(html_lines(html))) == []
