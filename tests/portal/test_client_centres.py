"""Each client's own help centre at /c/<slug>/, built for real from tests/roots/clients: only the client's
people and agents get in, anyone else gets the same 404 as for a client that does not exist; each centre
searches its own index; its case form offers its licensed modules and makes the case the client's, on the
contract's clocks, flagged when the contract has ended."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from .portal_helpers import PASSWORD, Store, Visitor, case_fields, case_link

MARKERS = {"acme": "MARKER-ACME-c0de", "harbor": "MARKER-HARBOR-4a7b", "northwind": "MARKER-NORTHWIND-9e2f"}
PRIVATE_IDS = {"acme": "KB-0014", "harbor": "KB-0016", "northwind": "KB-0019"}
PRIVATE_PAGES = {
    "acme": "kb/scheduling/acme-private/",
    "harbor": "kb/documents/harbor-private/",
    "northwind": "kb/budgets/northwind-private/",
}
CLIENTS = tuple(MARKERS)


def client_addresses(slug: str) -> tuple[str, ...]:
    """Every kind of address under a client's centre an attacker would try."""
    return (
        f"/c/{slug}/",
        f"/c/{slug}/index.html",
        f"/c/{slug}/kb/",
        f"/c/{slug}/search?q={MARKERS[slug]}",
        f"/c/{slug}/search/go?to=/c/{slug}/&id=KB-0001&pos=1",
        f"/c/{slug}/api/search?q={MARKERS[slug]}",
        f"/c/{slug}/api/suggest?q=MARKER",
        f"/c/{slug}/search/search_index.json",
        f"/c/{slug}/context/kb-map.json",
        f"/c/{slug}/context/kb-map.js",
        f"/c/{slug}/context/no.such.screen/",
        f"/c/{slug}/assets/help.js",
        f"/c/{slug}/a/{PRIVATE_IDS[slug]}/",
        f"/c/{slug}/{PRIVATE_PAGES[slug]}",
        f"/c/{slug}/cases/new",
        f"/c/{slug}/_portal/brand.css",
        f"/c/{slug}/does-not-exist/",
    )


@pytest.fixture
def visitor(centre_app: Flask, clock) -> Visitor:
    centre_app.extensions["kb_portal"].desk.now = clock  # the test desk's Monday morning
    return Visitor(centre_app.test_client())


@pytest.fixture
def agent(centre_app: Flask, visitor) -> Visitor:
    signed_in = Visitor(centre_app.test_client())
    signed_in.sign_in("ann")
    return signed_in


def test_a_stranger_gets_the_unknown_clients_404_everywhere_under_a_client(visitor):
    unknown = visitor.get("/c/nosuchclient/")
    assert unknown.status_code == 404
    for slug in CLIENTS:
        for address in client_addresses(slug):
            response = visitor.get(address)
            assert response.status_code == 404, address
            assert response.data == unknown.data, address
            assert MARKERS[slug] not in response.text
    posted = visitor.post("/c/acme/cases/new", case_fields())
    assert posted.status_code in (400, 404)  # no CSRF token: refused before anything looks at the client


def test_an_agent_reads_each_clients_centre_with_its_private_article(agent):
    for slug in CLIENTS:
        home = agent.get(f"/c/{slug}/")
        assert home.status_code == 200
        assert "script-src 'self'" in home.headers["Content-Security-Policy"]
        assert "private" in home.headers["Cache-Control"]
        assert PRIVATE_PAGES[slug] in agent.get(f"/c/{slug}/a/{PRIVATE_IDS[slug]}/").text  # the permalink
        article = agent.get(f"/c/{slug}/{PRIVATE_PAGES[slug]}")
        assert article.status_code == 200 and MARKERS[slug] in article.text
        for other in CLIENTS:
            if other != slug:
                assert MARKERS[other] not in home.text and MARKERS[other] not in article.text


def test_each_centre_searches_its_own_index(agent):
    for slug in CLIENTS:
        page = agent.get(f"/c/{slug}/search?q=MARKER")
        assert page.status_code == 200
        api = agent.get(f"/c/{slug}/api/search?q=integration steps").get_json()
        suggest = agent.get(f"/c/{slug}/api/suggest?q=integration").get_json()
        for other in CLIENTS:
            if other != slug:
                assert MARKERS[other] not in page.text
                assert PRIVATE_IDS[other] not in str(api) and PRIVATE_IDS[other] not in str(suggest)
        assert PRIVATE_IDS[slug] in str(api), api
        hits = [hit for hit in suggest["hits"] if hit["id"] == PRIVATE_IDS[slug]]
        assert hits and hits[0]["url"].startswith(f"/c/{slug}/") and hits[0]["go"].startswith(f"/c/{slug}/search/go")
        opened = agent.get(hits[0]["go"] + "&q=integration")
        assert opened.status_code == 303 and opened.headers["Location"].startswith(f"/c/{slug}/")
        # The way from a result goes only to the client's own pages: another centre's page is a 404.
        other = next(o for o in CLIENTS if o != slug)
        assert agent.get(f"/c/{slug}/search/go?to=/c/{other}/&id=KB-0001&pos=1").status_code == 404


def test_an_unknown_screen_in_a_client_centre_lands_on_its_own_lookup(agent):
    response = agent.get("/c/acme/context/no.such.screen/")
    assert response.status_code == 302 and response.headers["Location"] == "/c/acme/context/?id=no.such.screen"


def test_the_public_case_forms_client_link_goes_to_the_clients_own_form(visitor, agent):
    redirected = visitor.get("/cases/new?client=acme&page=KB-0001&context=schedule.gantt")
    assert redirected.status_code == 303
    assert redirected.headers["Location"].startswith("/c/acme/cases/new?")
    # The same for a client that does not exist: the redirect says nothing about which clients exist.
    assert visitor.get("/cases/new?client=nosuchclient").headers["Location"].startswith("/c/nosuchclient/")
    form = agent.get(redirected.headers["Location"])
    assert form.status_code == 200 and "Acme Water Authority" in form.text and "brand.css" in form.text


def test_a_case_from_a_clients_centre_is_the_clients_on_its_contract_hours(agent, store: Store, clock):
    page = agent.get("/c/acme/cases/new")
    assert 'value="documents"' not in page.text  # acme licenses scheduling and budgets only
    assert 'value="budgets"' in page.text
    response = agent.submit("/c/acme/cases/new", case_fields(module="budgets"), action="/c/acme/cases/new")
    assert response.status_code == 303, response.text
    number, _ = case_link(response.headers["Location"])
    row = store.case(number)
    assert row.client == "acme" and row.contract_ended is False
    # acme's contract: first response within 4 hours, an update every 12, Level 1 resolution within 8.
    assert row.first_response_due == clock() + dt.timedelta(hours=4)
    assert row.next_update_due == clock() + dt.timedelta(hours=12)
    assert row.resolution_due == clock() + dt.timedelta(hours=8)


def test_a_case_from_a_client_whose_contract_ended_is_flagged_not_refused(agent, store: Store):
    response = agent.submit("/c/harbor/cases/new", case_fields(), action="/c/harbor/cases/new")
    assert response.status_code == 303, response.text
    row = store.case(case_link(response.headers["Location"])[0])
    assert row.client == "harbor" and row.contract_ended is True


def test_the_public_form_never_takes_a_client_from_the_browser(visitor, store: Store):
    form = visitor.form("/cases/new")
    response = visitor.post("/cases/new", form.fields | case_fields() | {"client": "acme"})
    assert response.status_code == 303
    row = store.case(case_link(response.headers["Location"])[0])
    assert row.client is None and row.contract_ended is None


def test_a_clients_own_host_name_serves_its_centre_at_the_root(make_app, client_builds):
    root, profiles = client_builds
    app = make_app(
        modules={"scheduling": "Scheduling", "budgets": "Budgets", "documents": "Documents"},
        client_profiles=profiles,
        client_builds_dir=root / "build",
        client_hosts={"help.acme.example": "acme"},
    )
    acme_host = Visitor(app.test_client())
    on = "http://help.acme.example"
    # A stranger on the client's host: the same 404 as anywhere under a client.
    assert acme_host.get(f"{on}/").status_code == 404 and acme_host.get(f"{on}/search?q=x").status_code == 404
    # The portal's own pages answer on the client's host as anywhere: an agent signs in there.
    form = acme_host.form(f"{on}/agent/sign-in")
    signed = acme_host.post(f"{on}/agent/sign-in", form.fields | {"username": "ann", "password": PASSWORD})
    assert signed.status_code == 303
    home = acme_host.get(f"{on}/")
    assert home.status_code == 200 and "Acme Water Authority" in home.text
    assert MARKERS["acme"] in acme_host.get(f"{on}/{PRIVATE_PAGES['acme']}").text
    assert PRIVATE_IDS["acme"] in acme_host.get(f"{on}/api/search?q=integration steps").text
    assert 'value="documents"' not in acme_host.get(f"{on}/cases/new").text  # the client's own case form
    assert acme_host.get(f"{on}/agent/").status_code == 200
    # The portal's own host still serves the public side at /.
    public = Visitor(app.test_client())
    public.sign_in("ann")
    assert MARKERS["acme"] not in public.get("/").text and 'value="documents"' in public.get("/cases/new").text
