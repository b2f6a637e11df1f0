"""Isolation between clients, tested as an attacker would: a signed-in customer of one client (signed in
for real, by the link mailed to the SMTP sink) tries every other client's /c/<slug>/ page, search, context
map, case form, attachments and cases (guessed numbers, other tokens, other IDs in every URL and form):
all 404, the same as for a client that does not exist, and no other client's planted marker ever shows.
A client admin sees "Our cases" of their own organisation only; a customer of no client works as today."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from generator.portal.attachments import IncomingFile
from generator.portal.desk import NewCase

from .portal_helpers import Store, Visitor, case_fields, case_link, find_form, sign_in_customer
from .test_client_centres import CLIENTS, MARKERS, PRIVATE_IDS, PRIVATE_PAGES, client_addresses

PEOPLE = {"acme": "pat@acme.example", "harbor": "hal@harbor.example", "northwind": "nia@northwind.example"}
ADMINS = {"acme": "boss@acme.example", "harbor": "chief@harbor.example"}


def same_page(one: str, other: str) -> bool:
    """Whether two pages are the same but for their forms' CSRF tokens (signed with the time they were made)."""
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    return token.sub("", one) == token.sub("", other)


def signed_in(app: Flask, email: str, smtp_sink) -> Visitor:
    visitor = Visitor(app.test_client())
    sign_in_customer(visitor, email, smtp_sink)
    return visitor


def log_for(app: Flask, slug: str, email: str, text: str) -> tuple[str, str]:
    """A case of client `slug` with a file, as the desk stores it: (number, private path)."""
    desk = app.extensions["kb_portal"].desk
    new = NewCase(f"{slug} secret case", text, "Some One", email, "major", client=slug)
    files = [IncomingFile(f"{slug}.txt", "text/plain", f"{MARKERS[slug]} in a file".encode())]
    submitted = desk.submit(new, (slug * 32)[:32], files)
    return submitted.number, f"/cases/{submitted.number}/{submitted.token}"


def file_ids(app: Flask) -> dict[str, int]:
    with app.extensions["kb_portal"].desk.engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT name, id FROM attachments")).all())


def test_a_clients_person_gets_only_their_own_centre(centre_app, smtp_sink):
    for slug, email in PEOPLE.items():
        person = signed_in(centre_app, email, smtp_sink)
        unknown = person.get("/c/nosuchclient/")  # the page of a client that does not exist, signed in
        home = person.get(f"/c/{slug}/")
        assert home.status_code == 200
        for own in (f"/c/{slug}/search?q=MARKER", f"/c/{slug}/context/kb-map.json", f"/c/{slug}/cases/new"):
            assert person.get(own).status_code == 200, own
        assert MARKERS[slug] in person.get(f"/c/{slug}/search?q={MARKERS[slug]}").text
        for other in CLIENTS:
            if other == slug:
                continue
            for address in client_addresses(other):
                response = person.get(address)
                assert response.status_code == 404, (email, address)
                assert same_page(response.text, unknown.text), address  # the answer for a client that does not exist
            # Another client's private article, searched for by its words in the person's own centre: not there.
            words = f"{other} alone integration steps"
            for address in (f"/c/{slug}/search?q={words}", f"/c/{slug}/api/search?q={words}"):
                found = person.get(address).text
                assert PRIVATE_IDS[other] not in found and PRIVATE_PAGES[other] not in found, address
                assert MARKERS[other] not in found
            assert MARKERS[other] not in home.text
            # The public form's client link to another client: sent to its centre, which is a 404.
            sent = person.get(f"/cases/new?client={other}")
            assert sent.status_code == 303 and person.get(sent.headers["Location"]).status_code == 404


def test_another_clients_cases_files_and_forms_are_404(centre_app, smtp_sink, store: Store):
    pat = signed_in(centre_app, PEOPLE["acme"], smtp_sink)
    harbor_number, harbor_path = log_for(centre_app, "harbor", PEOPLE["harbor"], "Harbor's case text")
    acme_number, acme_path = log_for(centre_app, "acme", PEOPLE["acme"], "Acme's own case")
    files = file_ids(centre_app)
    harbor_token = harbor_path.rsplit("/", 1)[1]
    acme_token = acme_path.rsplit("/", 1)[1]
    csrf = find_form(pat.get(f"/my/cases/{acme_number}").text, f"/my/cases/{acme_number}/reply").fields["csrf_token"]
    form = {"csrf_token": csrf, "text": "let me in", "solved": "yes", "score": "5"}
    guesses = (harbor_number, "CASE-000003", "CASE-999999")
    for number in guesses:
        for address in (
            f"/my/cases/{number}",
            f"/my/cases/{number}/files/{files['harbor.txt']}",
            f"/cases/{number}/{acme_token}",  # Pat's own token on another case
            f"/cases/{number}/{acme_token}/files/{files['harbor.txt']}",
        ):
            response = pat.get(address)
            assert response.status_code == 404, address
            assert MARKERS["harbor"] not in response.text and "Harbor's case text" not in response.text
        for action in ("reply", "close", "reopen", "csat"):
            assert pat.post(f"/my/cases/{number}/{action}", form).status_code == 404, (number, action)
        for action in ("reply", "close", "reopen", "csat"):
            assert pat.post(f"/cases/{number}/{acme_token}/{action}", form).status_code == 404
    # Harbor's file through Pat's own case, by its page and by its private link: nothing.
    assert pat.get(f"/my/cases/{acme_number}/files/{files['harbor.txt']}").status_code == 404
    assert pat.get(f"{acme_path}/files/{files['harbor.txt']}").status_code == 404
    assert pat.get(f"/cases/{acme_number}/{harbor_token}").status_code == 404  # another case's token
    # Harbor's case form, posted with Pat's own token: the same 404, and no case is made.
    before = store.count_cases()
    posted = pat.post("/c/harbor/cases/new", case_fields() | {"csrf_token": csrf})
    assert posted.status_code == 404 and store.count_cases() == before
    # "Our cases" is for admins: Pat gets the 404 of an address that does not exist.
    assert pat.get("/our/cases").status_code == 404
    # Nothing of Harbor's case changed.
    assert [e.kind for e in store.events(harbor_number)] == ["created"]


def test_a_client_admin_sees_our_cases_of_their_organisation_only(centre_app, smtp_sink, store: Store):
    harbor_number, _ = log_for(centre_app, "harbor", PEOPLE["harbor"], "Harbor's case text")
    acme_number, _ = log_for(centre_app, "acme", PEOPLE["acme"], "Acme's own case")
    boss = signed_in(centre_app, ADMINS["acme"], smtp_sink)
    assert "Our cases" in boss.get("/my/cases").text
    ours = boss.get("/our/cases")
    assert ours.status_code == 200 and "no-store" in ours.headers["Cache-Control"]
    assert acme_number in ours.text and harbor_number not in ours.text and "Harbor" not in ours.text
    # The admin opens (and may answer) the organisation's case like their own; not another client's.
    page = boss.get(f"/my/cases/{acme_number}")
    assert page.status_code == 200 and "Acme&#39;s own case" in page.text
    assert boss.get(f"/my/cases/{harbor_number}").status_code == 404
    files = file_ids(centre_app)
    assert boss.get(f"/my/cases/{acme_number}/files/{files['acme.txt']}").status_code == 200
    assert boss.get(f"/my/cases/{acme_number}/files/{files['harbor.txt']}").status_code == 404
    # A person of acme who is not an admin sees no "Our cases" link.
    assert "Our cases" not in signed_in(centre_app, PEOPLE["acme"], smtp_sink).get("/my/cases").text


def test_a_customer_of_no_client_works_as_today(centre_app, smtp_sink, store: Store):
    zoe = signed_in(centre_app, "zoe@example.com", smtp_sink)
    for slug in CLIENTS:
        assert zoe.get(f"/c/{slug}/").status_code == 404
    response = zoe.submit("/cases/new", case_fields(), action="/cases/new")
    assert response.status_code == 303, response.text
    number, path = case_link(response.headers["Location"])
    assert store.case(number).client is None
    assert zoe.get(path).status_code == 200 and number in zoe.get("/my/cases").text


def test_a_signed_in_person_of_a_client_logs_the_clients_case_from_the_public_form(centre_app, smtp_sink, store):
    pat = signed_in(centre_app, PEOPLE["acme"], smtp_sink)
    own = pat.submit("/cases/new", case_fields(customer_email="Pat@Acme.example"), action="/cases/new")
    assert store.case(case_link(own.headers["Location"])[0]).client == "acme"
    # Typing someone else's address: nobody verified it, so the case is no client's.
    typed = pat.submit("/cases/new", case_fields(customer_email="ceo@harbor.example"), action="/cases/new")
    assert store.case(case_link(typed.headers["Location"])[0]).client is None
