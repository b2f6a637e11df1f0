"""Logging a case: a number at once, a private link that is the only key, one case per form however often
(or however many at once) it is sent."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from .portal_helpers import CUSTOMER_EMAIL, HttpVisitor, case_fields, case_link, find_form

NUMBER = re.compile(r"CASE-\d{6}")


def test_a_new_case_gets_its_number_at_once_and_a_private_link(visitor, new_visitor, store):
    response = visitor.submit("/cases/new", case_fields(subject="Gantt chart is empty"))

    assert response.status_code == 303
    number, path = case_link(response.headers["Location"])
    assert number == "CASE-000001"
    assert re.fullmatch(r"/cases/CASE-000001/[0-9a-f]{40}", path)
    page = visitor.get(response.headers["Location"])
    assert page.status_code == 200
    assert '<span class="case-number">CASE-000001</span>' in page.text
    assert f"http://portal.test{path}" in page.text  # the link to keep is shown on the page
    assert store.case("CASE-000001").subject == "Gantt chart is empty"

    # The link works in any browser: it is the key, not the session that sent the form.
    elsewhere = new_visitor().get(path)
    assert elsewhere.status_code == 200
    assert "CASE-000001: Gantt chart is empty" in elsewhere.text


def test_the_case_number_alone_opens_nothing_and_every_miss_looks_the_same(visitor, new_visitor):
    first, first_path = visitor.log_case(subject="First case")
    second, second_path = visitor.log_case(subject="Second case")
    first_token, second_token = first_path.rsplit("/", 1)[1], second_path.rsplit("/", 1)[1]
    assert first != second and first_token != second_token

    missing = visitor.get(f"/cases/CASE-999999/{first_token}")
    assert missing.status_code == 404
    misses = {
        "wrong token": f"/cases/{first}/{'0' * 40}",
        "the other case's token": f"/cases/{second}/{first_token}",
        "this token on the other number": f"/cases/{first}/{second_token}",
        "token cut short": f"/cases/{first}/{first_token[:-1]}",
        "token too long to be one": f"/cases/{first}/{first_token * 5}",
        "number in lower case": f"/cases/{first.lower()}/{first_token}",
        "NUL in the number": f"/cases/{first}%00/{first_token}",
    }
    for browser in (visitor, new_visitor()):  # the browser that logged the case gets no further
        for what, url in misses.items():
            response = browser.get(url)
            assert response.status_code == 404, what
            assert response.text == missing.text, f"{what}: the 404 differs from a case that does not exist"
            assert first not in response.text and "First case" not in response.text

    # Without any token: the same answer for a case that exists and one that does not.
    bare = visitor.get(f"/cases/{first}")
    assert bare.status_code == 404
    assert bare.text == visitor.get("/cases/CASE-999999").text
    assert "First case" not in bare.text


def test_the_same_form_sent_twice_is_one_case(visitor, store):
    form = find_form(visitor.get("/cases/new").text, "/cases/new")
    data = form.fields | case_fields()

    first = visitor.post("/cases/new", data)
    second = visitor.post("/cases/new", data)

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"].split("?")[0] == second.headers["Location"].split("?")[0]
    assert store.count_cases() == 1
    assert len(store.mail(CUSTOMER_EMAIL)) == 1  # one acknowledgement, not two


def test_a_double_click_sending_the_form_twice_at_once_is_one_case(live_server, store):
    browser = HttpVisitor(live_server)
    form = find_form(browser.get("/cases/new").text, "/cases/new")
    data = form.fields | case_fields()
    clicks = 6
    start = threading.Barrier(clicks)

    def click(_):
        start.wait(timeout=30)
        return browser.post("/cases/new", data)

    with ThreadPoolExecutor(clicks) as pool:
        responses = list(pool.map(click, range(clicks)))

    assert [r.status for r in responses] == [303] * clicks, [r.text[:300] for r in responses if r.status != 303]
    assert len({r.headers["Location"] for r in responses}) == 1
    assert store.count_cases() == 1
    assert len(store.mail(CUSTOMER_EMAIL)) == 1


def test_fifty_customers_at_once_get_fifty_cases_with_their_own_numbers(live_server, store):
    customers = 50
    start = threading.Barrier(customers)

    def customer(i: int):
        browser = HttpVisitor(live_server)  # its own cookies, session and CSRF token
        form = find_form(browser.get("/cases/new").text, "/cases/new")
        data = form.fields | case_fields(subject=f"Problem number {i}", customer_email=f"c{i}@example.com")
        start.wait(timeout=60)
        response = browser.post("/cases/new", data)
        assert response.status == 303, response.text[:500]
        number, path = case_link(response.headers["Location"])
        page = browser.get(path)
        assert page.status == 200 and f"{number}: Problem number {i}<" in page.text
        return number

    with ThreadPoolExecutor(customers) as pool:
        numbers = list(pool.map(customer, range(customers)))

    assert len(set(numbers)) == customers
    assert all(NUMBER.fullmatch(n) for n in numbers)
    stored = store.cases()
    assert len(stored) == customers
    assert {row.number for row in stored} == set(numbers)
    assert {row.subject for row in stored} == {f"Problem number {i}" for i in range(customers)}
    assert all(row.status == "new" and row.level == 1 for row in stored)
