"""Customer satisfaction: once a case is resolved its customer is asked, once, on the case page and by a link
in the resolution mail that records the answer for that case and nothing else. The answers are in the case
history, the csat table and the report (by level, module, client, agent)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from generator.portal.csat import AlreadyAnswered, Answer, record_answer
from generator.portal.customers import CUSTOMER_COOKIE
from generator.portal.db import csat
from generator.portal.desk import InvalidAction, NewCase
from generator.portal.report import csat_figures, csat_lines

from .portal_helpers import CUSTOMER_EMAIL, Visitor, find_form, sign_in_customer

CSAT_LINK = re.compile(r"https?://[^/\s]+(/csat/CASE-[0-9]+/[0-9a-f]+)")


@pytest.fixture
def app(mailing_app, clock):
    mailing_app.extensions["kb_portal"].desk.now = clock
    return mailing_app


@pytest.fixture
def app_desk(app):
    """The app's own desk: its mail goes to the SMTP sink."""
    return app.extensions["kb_portal"].desk


def answers(store) -> list:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(csat)).all()


def resolve(desk, staff, number: str, who: str = "ann", text: str = "Set the data date and press F9.") -> None:
    desk.resolve(staff[who], desk.case_for_agent(staff[who], number), text)


def test_the_case_page_asks_once_after_resolution_and_the_answer_is_in_the_history(app, app_desk, staff, store):
    visitor = Visitor(app.test_client())
    number, path = visitor.log_case()
    assert 'name="score"' not in visitor.get(path).text  # not asked while the case is open

    resolve(app_desk, staff, number)
    page = visitor.get(path).text
    assert 'name="score"' in page and "How did we do?" in page
    sent = visitor.submit(path, {"solved": "yes", "score": "4", "comment": "Quick, thanks"}, action=f"{path}/csat")

    assert sent.status_code == 303
    (answer,) = answers(store)
    assert (answer.solved, answer.score, answer.comment) == (True, 4, "Quick, thanks")
    (event,) = store.events(number, "csat")
    assert event.visibility == "customer" and "4 of 5" in event.body and "Quick, thanks" in event.body
    after = visitor.get(path).text
    assert 'name="score"' not in after and "satisfaction 4 of 5" in after

    token = find_form(after, f"{path}/reopen").fields["csrf_token"]
    again = visitor.post(f"{path}/csat", {"csrf_token": token, "solved": "no", "score": "1"})
    assert again.status_code == 303 and "have your answer" in visitor.get(path).text
    assert [a.score for a in answers(store)] == [4]


def test_a_score_outside_1_to_5_is_refused_and_nothing_is_stored(app, app_desk, staff, store):
    visitor = Visitor(app.test_client())
    number, path = visitor.log_case()
    resolve(app_desk, staff, number)
    for score in ("0", "6", "five", ""):
        refused = visitor.submit(path, {"solved": "yes", "score": score}, action=f"{path}/csat")
        assert refused.status_code == 400, score
    assert answers(store) == []


def test_the_resolution_mail_links_to_the_question_for_that_case_only(app, app_desk, staff, store, smtp_sink):
    visitor = Visitor(app.test_client())
    number, path = visitor.log_case(subject="Secret subject of the case")
    resolve(app_desk, staff, number, text="The secret resolution")
    (mail,) = [m for m in smtp_sink.to(CUSTOMER_EMAIL) if "Resolved" in m.subject]
    link = CSAT_LINK.search(mail.body).group(1)

    stranger = Visitor(app.test_client())  # the mail opened on another device: no cookies at all
    page = stranger.get(link)
    assert page.status_code == 200 and number in page.text
    assert "Secret subject" not in page.text and "secret resolution" not in page.text
    form = find_form(page.text, link)
    sent = stranger.submit(link, {"solved": "no", "score": "2", "comment": "Still slow"}, action=link)
    assert sent.status_code == 200 and "answer is recorded" in sent.text
    assert [(a.solved, a.score) for a in answers(store)] == [(False, 2)]
    assert stranger.client.get_cookie(CUSTOMER_COOKIE) is None  # it signs nobody in
    # ...and it is not the case's private link, nor a key to its files or its page.
    token = link.rsplit("/", 1)[1]
    assert stranger.get(f"/cases/{number}/{token}").status_code == 404
    again = stranger.post(link, {**form.fields, "solved": "yes", "score": "5"})
    assert again.status_code == 409 and [a.score for a in answers(store)] == [2]


def test_a_case_resolved_again_after_an_answer_is_not_asked_again(app, app_desk, staff, smtp_sink):
    visitor = Visitor(app.test_client())
    number, _ = visitor.log_case()
    resolve(app_desk, staff, number)
    record_answer(app_desk, app_desk.case_for_agent(staff["ann"], number), Answer(True, 5))
    app_desk.reopen(staff["ann"], app_desk.case_for_agent(staff["ann"], number), "one more thing")
    resolve(app_desk, staff, number, text="Done again")

    first, second = [m for m in smtp_sink.to(CUSTOMER_EMAIL) if "Resolved" in m.subject]
    assert CSAT_LINK.search(first.body) and not CSAT_LINK.search(second.body)


def test_a_wrong_csat_link_is_404(app, app_desk, staff, smtp_sink):
    visitor = Visitor(app.test_client())
    number, _ = visitor.log_case()
    other, _ = visitor.log_case(subject="Another")
    resolve(app_desk, staff, number)
    resolve(app_desk, staff, other)
    link = CSAT_LINK.search([m for m in smtp_sink.to(CUSTOMER_EMAIL) if number in m.subject][-1].body).group(1)
    token = link.rsplit("/", 1)[1]

    assert visitor.get(f"/csat/{other}/{token}").status_code == 404  # one case's token for another
    assert visitor.get(f"/csat/{number}/{token[:-1]}{'1' if token.endswith('0') else '0'}").status_code == 404
    assert visitor.get(f"/csat/CASE-999999/{token}").status_code == 404
    assert visitor.get(f"/csat/{number}/{'a' * 200}").status_code == 404


def test_the_answer_is_refused_before_resolution_and_taken_once(desk, staff, store):
    number = desk.submit(NewCase("S", "D", "Zoe", CUSTOMER_EMAIL, "minor"), "1" * 32).number
    row = desk.case_for_agent(staff["ann"], number)
    with pytest.raises(InvalidAction):
        record_answer(desk, row, Answer(True, 5))
    resolve(desk, staff, number)
    record_answer(desk, row, Answer(True, 5))
    with pytest.raises(AlreadyAnswered):
        record_answer(desk, row, Answer(False, 1))
    # Reopened and resolved again: still asked only once.
    desk.reopen(staff["ann"], desk.case_for_agent(staff["ann"], number), "again")
    resolve(desk, staff, number)
    with pytest.raises(AlreadyAnswered):
        record_answer(desk, row, Answer(False, 1))
    assert [a.score for a in answers(store)] == [5]


def test_signed_in_customers_answer_from_my_cases(app, app_desk, staff, store, smtp_sink):
    visitor = Visitor(app.test_client())
    number, _ = visitor.log_case()
    resolve(app_desk, staff, number)
    sign_in_customer(visitor, CUSTOMER_EMAIL, smtp_sink)
    page = f"/my/cases/{number}"
    assert visitor.submit(page, {"solved": "yes", "score": "5"}, action=f"{page}/csat").status_code == 303
    assert [a.score for a in answers(store)] == [5]


def test_csat_figures_by_level_module_client_and_agent(desk, staff, clock):
    def case(key: str, module: str | None, client: str | None, who: str, solved: bool, score: int) -> None:
        new = NewCase("S", "D", "Zoe", CUSTOMER_EMAIL, "minor", module=module, client=client)
        number = desk.submit(new, key * 32).number
        if who == "bob":  # Level 2's Bob resolves it after an escalation
            desk.escalate(staff["ann"], desk.case_for_agent(staff["ann"], number), "needs an engineer")
        resolve(desk, staff, number, who=who)
        record_answer(desk, desk.case_for_agent(staff["dan"], number), Answer(solved, score))

    case("1", "scheduling", None, "ann", True, 5)
    case("2", "scheduling", "acme", "ann", True, 3)
    case("3", "budgets", "acme", "bob", False, 1)
    desk.submit(NewCase("S", "D", "Zoe", CUSTOMER_EMAIL, "minor"), "4" * 32)  # never answered: not counted

    figures = csat_figures(desk.engine)

    assert (figures.overall.answers, figures.overall.solved, figures.overall.mean_score) == (3, 2, 3.0)
    assert {k: (g.answers, g.mean_score) for k, g in figures.by["level"].items()} == {
        "Level 1": (2, 4.0),
        "Level 2": (1, 1.0),
    }
    assert {k: g.answers for k, g in figures.by["module"].items()} == {"budgets": 1, "scheduling": 2}
    assert {k: g.solved for k, g in figures.by["client"].items()} == {"(public help centre)": 1, "acme": 1}
    assert {k: g.mean_score for k, g in figures.by["agent"].items()} == {"ann": 4.0, "bob": 1.0}
    assert csat_figures(desk.engine, client="acme").overall.answers == 2
    lines = csat_lines(figures)
    assert "  All answers: 3.0 of 5 from 3 answers, solved 67% (2 of 3)" in lines
    assert "    bob: 1.0 of 5 from 1 answer, solved 0% (0 of 1)" in lines


def test_kb_report_prints_and_exports_csat(run_kb, make_project, database_url, desk, staff):
    number = desk.submit(NewCase("S", "D", "Zoe", CUSTOMER_EMAIL, "minor", module="scheduling"), "1" * 32).number
    resolve(desk, staff, number)
    record_answer(desk, desk.case_for_agent(staff["ann"], number), Answer(True, 4))
    root = make_project("basic")

    printed = run_kb(root, "report", "--database-url", database_url)
    exported = run_kb(root, "report", "--csv", "--database-url", database_url)

    assert printed.exit_code == 0, printed.output
    assert "Customer satisfaction (CSAT)" in printed.output and "    ann: 4.0 of 5 from 1 answer" in printed.output
    assert '"csat_agent_mean_score","ann","4.00"' in exported.output
    assert '"csat_level_answers","Level 1","1"' in exported.output
