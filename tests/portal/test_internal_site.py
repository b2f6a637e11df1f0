"""The internal help centre for agents: served at /internal/ to signed-in agents only, never as the public
site (the build marks each site with its target; the portal refuses the internal one at /), and the
console's article search covers it, internal articles and drafts marked as such."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

from generator.build import index_beside
from generator.errors import KbError
from generator.portal.app import create_app
from generator.portal.db import searches
from generator.portal.site import page_csp
from generator.target_mark import TARGET_FILE, load_target_mark

from .portal_helpers import Visitor, parse_page

INTERNAL_PAGE = "/internal/kb/scheduling/internal-fix/"


@pytest.fixture(scope="session")
def internal_build(built_basic):
    return built_basic("internal")


@pytest.fixture
def agents_app(make_app, built_site, internal_build):
    site_dir, index_dir = built_site
    return make_app(
        site_dir=site_dir,
        index_dir=index_dir,
        internal_site_dir=internal_build,
        internal_index_dir=index_beside(internal_build),
    )


def test_each_build_marks_its_site_with_its_target_and_its_non_public_pages(built_site, internal_build):
    public = load_target_mark(built_site[0])
    assert public.target == "site" and public.pages == {}
    internal = load_target_mark(internal_build)
    assert internal.target == "internal"
    assert internal.label("KB-0002") == "Internal"
    assert internal.label("KB-0003") == "Draft (not validated)"
    assert internal.label("KB-0001") == ""
    assert json.loads((internal_build / TARGET_FILE).read_text())["format"] == 1


def test_internal_pages_are_refused_without_an_agent_session_and_served_with_one(agents_app):
    stranger = Visitor(agents_app.test_client())
    for path in ("/internal/", INTERNAL_PAGE, "/internal/search/search_index.json", "/internal/nothing"):
        response = stranger.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/agent/sign-in?next=/internal/"), path
        assert b"MARKER-INTERNAL" not in response.data
    stranger.client.set_cookie("kb_agent", "forged-or-expired-token")
    assert stranger.get(INTERNAL_PAGE).status_code == 302
    assert b"MARKER-INTERNAL" not in stranger.get("/kb/scheduling/internal-fix/").data  # nor in the public site

    agent = Visitor(agents_app.test_client())
    agent.sign_in("ann")
    page = agent.get(INTERNAL_PAGE)
    assert page.status_code == 200 and "MARKER-INTERNAL-7f3a" in page.text
    root = agents_app.extensions["kb_portal"].config.internal_site_dir.resolve()
    assert page.headers["Content-Security-Policy"].startswith(page_csp(root))
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "private, no-cache"
    assert "MARKER-DRAFT-91bc" in agent.get("/internal/kb/scheduling/draft/").text
    assert agent.get("/internal/kb/scheduling/draft").status_code == 308
    bare = agent.get("/internal")
    assert bare.status_code in (301, 308) and bare.headers["Location"].endswith("/internal/")
    assert agent.get(f"/internal/{TARGET_FILE}").status_code == 404, "dot files are never served"
    assert agent.get("/internal/../portal.sqlite3").status_code in (404, 308)
    missing = agent.get("/internal/no/such/page/")
    assert missing.status_code == 404 and "Content-Security-Policy" in missing.headers

    agent.post("/agent/sign-out", {"csrf_token": agent.form("/agent/", "/agent/sign-out").fields["csrf_token"]})
    assert agent.get(INTERNAL_PAGE).status_code == 302


def test_without_an_internal_build_there_is_nothing_at_internal(site_app):
    agent = Visitor(site_app.test_client())
    agent.sign_in("ann")
    assert agent.get("/internal/").status_code == 404


def test_the_internal_build_cannot_be_served_as_the_public_site(portal_config, internal_build, built_site):
    with pytest.raises(KbError, match="this is the internal build"):
        create_app(portal_config.with_(site_dir=internal_build, index_dir=index_beside(internal_build)))
    with pytest.raises(KbError, match="expected the output of `kb build --target internal`"):
        create_app(portal_config.with_(internal_site_dir=built_site[0], internal_index_dir=built_site[1]))


def test_kb_portal_refuses_the_internal_build_as_site(run_kb, make_project, internal_build, built_site, tmp_path):
    project = make_project("basic")
    database = ["--database-url", f"sqlite:///{tmp_path / 'cases.db'}", "--port", "1"]
    refused = run_kb(project, "portal", "--site", str(internal_build), *database)
    assert refused.exit_code == 1
    assert "this is the internal build (kb build --target internal)" in refused.output
    assert "--internal-site" in refused.output and "Traceback" not in refused.output
    wrong = run_kb(project, "portal", "--site", str(built_site[0]), "--internal-site", str(built_site[0]), *database)
    assert wrong.exit_code == 1 and "the 'site' build" in wrong.output


def test_portal_yml_names_the_internal_build(make_project, internal_build):
    from generator.portal.config import load_portal_config

    project = make_project("basic", files={"portal.yml": f"internal_site: {internal_build}\n"})
    config = load_portal_config(project)
    assert config.internal_site_dir == internal_build.resolve()
    assert config.internal_index_dir == index_beside(internal_build.resolve())


RESULT = re.compile(
    r'<li><a href="(?P<link>[^"]+)" target="_blank" rel="noopener">[^<]*</a> <small>(?P<id>KB-[0-9]+)</small>'
    r'(?: <span class="badge[^"]*">(?P<mark>[^<]*)</span>)?'
)


def search_results(agent: Visitor, number: str, query: str) -> dict[str, tuple[str, str]]:
    """article ID -> (its link, its mark) among the case page's article search results."""
    page = agent.get(f"/agent/cases/{number}?{urlencode({'q': query})}").text
    return {m["id"]: (m["link"], m["mark"] or "") for m in RESULT.finditer(page)}


def test_the_consoles_article_search_covers_internal_articles_and_drafts_marked(agents_app, site_app, store):
    customer, agent = Visitor(agents_app.test_client()), Visitor(agents_app.test_client())
    number, path = customer.log_case()
    agent.sign_in("ann")

    assert search_results(agent, number, "fix script") == {"KB-0002": (INTERNAL_PAGE, "Internal")}
    draft = search_results(agent, number, "baselines draft")
    assert draft["KB-0003"] == ("/internal/kb/scheduling/draft/", "Draft (not validated)")
    public = search_results(agent, number, "bars after import")
    assert public["KB-0001"][1] == ""

    # Without the internal build, the public site only: neither is found.
    other = Visitor(site_app.test_client())
    other.sign_in("ann")
    assert "KB-0002" not in search_results(other, number, "fix script")

    # An internal article linked to the case stays with the agents: the customer's page does not list it.
    link = [
        f
        for f in parse_page(agent.get(f"/agent/cases/{number}?q=fix+script").text).forms
        if (f.action or "").endswith("/link")
    ]
    assert agent.post(link[0].action, link[0].fields).status_code == 303
    assert "Internal database fix" in agent.get(f"/agent/cases/{number}").text
    assert "Internal database fix" not in customer.get(path).text


def test_the_internal_pages_search_the_internal_index_for_agents_only(agents_app, store):
    stranger = Visitor(agents_app.test_client())
    assert stranger.get("/internal/api/suggest?q=fix").status_code == 302
    assert stranger.get("/internal/search?q=fix+script").status_code == 302

    agent = Visitor(agents_app.test_client())
    agent.sign_in("ann")
    suggested = agent.get("/internal/api/suggest?q=fix scr").json["hits"]
    assert (suggested[0]["id"], suggested[0]["url"]) == ("KB-0002", INTERNAL_PAGE)
    assert all(hit["url"].startswith("/internal/") for hit in suggested)
    assert "go" not in suggested[0], "opened directly: agents' searches are not the customers' report"
    page = agent.get("/internal/search?q=fix+script")
    assert page.status_code == 200 and f'href="{INTERNAL_PAGE}"' in page.text
    public = agent.get("/api/suggest?q=fix scr").json["hits"]
    assert "KB-0002" not in [hit["id"] for hit in public], "the public suggestions never include it"
    assert store.count(searches) == 0
    assert "kb_portal=1" in agent.get(INTERNAL_PAGE).headers["Set-Cookie"]
