"""The portal's search for customers: the results page (counts per module and type that filter, pages,
"did you mean", "Log a case" with the query), the suggestions, a query far too long, and the way from a
result to its page that records the click, which only ever leads to the help centre's own pages.

Over the repository's sample help centre (60 pages: enough for a second page of results), served and
searched by the portal on both databases."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from generator.build import index_beside
from generator.portal.db import search_clicks, searches
from generator.portal.report import build_report, report_lines

from .portal_helpers import GENEROUS_LIMITS, Visitor


class _Links(HTMLParser):
    """(href, text, classes) of every link on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self._open: list | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            attrs = dict(attrs)
            self._open = [attrs.get("href") or "", "", attrs.get("class") or ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            href, text, classes = self._open
            self.found.append((unescape(href), " ".join(text.split()), classes))
            self._open = None


def links(html: str, cls: str | None = None) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(html)
    return [(href, text) for href, text, classes in parser.found if cls is None or cls in classes.split()]


def query_of(href: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(href).query).items()}


@pytest.fixture
def sample_app(make_app, built_sample) -> Flask:
    """The portal serving the sample help centre and searching its index."""
    return make_app(site_dir=built_sample, index_dir=index_beside(built_sample))


@pytest.fixture
def reader(sample_app) -> Visitor:
    return Visitor(sample_app.test_client())


def test_module_counts_filter_the_results_and_the_filter_can_be_cleared(reader):
    page = reader.get("/search?q=baseline").text
    facets = links(page, "facet")
    scheduling = next((href, text) for href, text in facets if text.startswith("Scheduling"))
    count = int(scheduling[1].split()[-1])
    assert query_of(scheduling[0]) == {"q": "baseline", "module": "scheduling"}

    filtered = reader.get(scheduling[0]).text
    assert f"{count} result" in filtered
    assert "facet--chosen" in filtered
    shown = [query_of(href)["to"] for href, _ in links(filtered, "result-title")]
    assert shown and len(shown) == min(count, 10)
    clear = dict((text, href) for href, text in links(filtered, "facet-clear"))["Clear module filter"]
    assert query_of(clear) == {"q": "baseline"}


def test_type_counts_filter_the_results_too(reader):
    facets = links(reader.get("/search?q=baseline").text, "facet")
    howto = next(href for href, text in facets if text.startswith("How-to guides "))
    api = reader.get("/api/search?" + urlsplit(howto).query).get_json()
    assert api["total"] and {hit["type"] for hit in api["hits"]} == {"howto"}


def test_a_broad_query_has_a_next_page_with_the_following_results(reader):
    first = reader.get("/search?q=project").text
    total = int(first.split(' class="search-count" role="status">')[1].split(" ")[0])
    assert total > 10 and "showing 1–10" in first
    next_page = dict((text, href) for href, text in links(first))["Next page"]
    assert query_of(next_page) == {"q": "project", "page": "2"}

    second = reader.get(next_page).text
    assert "showing 11–20" in second and "Previous" in second
    positions = [int(query_of(href)["pos"]) for href, _ in links(second, "result-title")]
    assert positions == list(range(11, 21))
    firsts = {query_of(href)["to"] for href, _ in links(first, "result-title")}
    assert firsts.isdisjoint(query_of(href)["to"] for href, _ in links(second, "result-title"))


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999999999999", "1000000"])
def test_out_of_range_pages_are_answered_with_a_page_that_exists(reader, page):
    response = reader.get(f"/search?q=project&page={page}")
    assert response.status_code == 200
    api = reader.get(f"/api/search?q=project&page={page}").get_json()
    assert 1 <= api["page"] <= api["pages"] and api["hits"]


def test_a_misspelled_query_offers_the_correction_as_a_link_that_runs_it(reader):
    page = reader.get("/search?q=gantt+chrt").text
    correction = [href for href, text in links(page) if text == "gantt chart"]
    assert correction and query_of(correction[0]) == {"q": "gantt chart"}
    assert links(reader.get(correction[0]).text, "result-title")


def test_nothing_found_offers_log_a_case_with_the_query_in_the_form(reader, store):
    page = reader.get("/search?q=xyzzy+frobnicate").text
    assert "Nothing found for “xyzzy frobnicate”" in page
    case = dict((text, href) for href, text in links(page, "button"))["Log a case"]
    assert query_of(case) == {"q": "xyzzy frobnicate"}
    form = reader.form(case, "/cases/new")
    assert form.fields["last_search"] == "xyzzy frobnicate"
    assert form.fields["subject"] == "xyzzy frobnicate"
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(searches.c.query, searches.c.results)).all() == [("xyzzy frobnicate", 0)]


def test_results_end_with_log_a_case_carrying_the_query(reader):
    page = reader.get("/search?q=budget").text
    case = dict((text, href) for href, text in links(page, "button"))["Log a case"]
    assert query_of(case) == {"q": "budget"}


def test_snippets_highlight_the_words_searched(reader):
    page = reader.get("/search?q=baseline").text
    assert '<p class="snippet">' in page and "<mark>" in page.split('<p class="snippet">')[1].split("</p>")[0]


def test_a_query_of_ten_thousand_characters_is_shortened_and_the_page_says_so(reader, store):
    words = ("gantt chart bars missing after import " * 300)[:10_000]

    page = reader.get("/search", query_string={"q": words})
    assert page.status_code == 200
    assert "Your search was too long: only its first 200 characters were searched." in page.text
    api = reader.get("/api/search", query_string={"q": words}).get_json()
    assert api["shortened"] and len(api["query"]) <= 200 and api["total"]
    assert reader.get("/api/suggest", query_string={"q": words}).status_code == 200
    with store.engine.connect() as conn:
        logged = conn.execute(sa.select(searches.c.query)).scalars().all()
    assert logged and all(len(query) <= 200 and not query.endswith(" ") for query in logged)


def test_a_short_query_is_not_said_to_be_shortened(reader):
    assert "too long" not in reader.get("/search?q=gantt").text
    assert reader.get("/api/search?q=gantt").get_json()["shortened"] is False


def test_opening_a_result_records_its_place_and_page_and_goes_there(reader, store):
    page = reader.get("/search?q=baseline").text
    href, title = links(page, "result-title")[1]
    target = query_of(href)

    response = reader.get(href)
    assert response.status_code == 303
    assert response.headers["Location"] == target["to"]
    assert reader.get(response.headers["Location"]).status_code == 200
    with store.engine.connect() as conn:
        clicks = conn.execute(sa.select(search_clicks)).all()
    assert [(c.query, c.page_id, c.position, c.source) for c in clicks] == [
        ("baseline", target["id"], 2, "search page")
    ]


def test_suggestions_link_through_the_click_record_too(reader, store):
    hits = reader.get("/api/suggest?q=gantt").get_json()["hits"]
    assert hits and all(hit["url"].startswith("/") for hit in hits)
    go = hits[0]["go"]
    assert query_of(go) == {"to": hits[0]["url"], "id": hits[0]["id"], "pos": "1", "src": "suggestions"}
    assert reader.get(go + "&q=gantt").status_code == 303
    with store.engine.connect() as conn:
        clicks = conn.execute(sa.select(search_clicks.c.query, search_clicks.c.source, search_clicks.c.position)).all()
    assert clicks == [("gantt", "suggestions", 1)]


@pytest.mark.parametrize(
    "to",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "/../../etc/passwd",
        "/no/such/page/",
        "evil.example",
        "",
    ],
)
def test_the_result_redirect_goes_only_to_the_help_centres_own_pages(reader, store, to):
    response = reader.get("/search/go", query_string={"to": to, "q": "x", "id": "KB-0001", "pos": "1"})

    assert response.status_code == 404
    assert "Location" not in response.headers
    assert store.count(search_clicks) == 0


def test_a_result_link_keeps_its_section_anchor(reader):
    response = reader.get("/search/go", query_string={"to": "/user/gantt-chart/#gantt-chart", "id": "USR-004"})
    assert response.headers["Location"] == "/user/gantt-chart/#gantt-chart"


def test_clicks_reach_the_report(reader, engine):
    for position in ("1", "1", "3", "-7"):
        click = {"to": "/user/gantt-chart/", "q": "gantt", "id": "USR-004", "pos": position}
        assert reader.get("/search/go", query_string=click).status_code == 303

    report = build_report(engine, [])
    assert report.search_clicks == [("USR-004", 4)]
    assert report.click_positions == {1: 2, 3: 1}  # a place that cannot be is not counted as one
    lines = report_lines(report)
    assert lines[lines.index("Search results opened") + 1] == "  USR-004: 4"
    reader.sign_in("ann")
    console = reader.get("/agent/report").text
    assert "Search results opened" in console and "USR-004" in console and "#1: 2, #3: 1" in console


def test_search_pages_wear_the_help_centres_header_with_suggestions(reader):
    page = reader.get("/search?q=gantt").text
    assert '<script src="/assets/kb-search.js" defer></script>' in page
    assert 'id="top-q"' in page and 'value="gantt"' in page and "data-kb-suggest" in page
    assert reader.get("/assets/kb-search.js").status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/search?q=gantt", "/api/search?q=gantt", "/api/suggest?q=gan", "/search/go?to=/user/gantt-chart/&id=USR-004"],
)
def test_the_search_endpoints_keep_their_rate_limit(make_app, built_sample, url):
    app = make_app(
        site_dir=built_sample,
        index_dir=index_beside(built_sample),
        rate_limits=GENEROUS_LIMITS | {"public": "3 per minute"},
    )
    reader = Visitor(app.test_client())

    assert [reader.get(url).status_code for _ in range(3)] == [303 if "/go" in url else 200] * 3
    assert reader.get(url).status_code == 429


@pytest.mark.parametrize(
    "query", ['"unclosed phrase', "((((gantt OR", "*", "title:", "NOT", "gantt AND AND", "a~9999", "[a TO"]
)
def test_query_syntax_is_answered_not_crashed_on(reader, query):
    assert reader.get("/search", query_string={"q": query}).status_code == 200
    assert reader.get("/api/search", query_string={"q": query}).status_code == 200
    assert reader.get("/api/suggest", query_string={"q": query}).status_code == 200


def test_a_query_the_engine_refuses_says_why_on_the_page_and_in_the_api(reader):
    """Too many words ending in * would expand to most of the index: the reader is told, not shown
    'search is unavailable', and the API answers 400 with the same message."""
    page = reader.get("/search?q=a*+b*+c*+d*")
    assert page.status_code == 200
    assert "words ending in *" in page.text and "not available" not in page.text

    api = reader.get("/api/search?q=a*+b*+c*+d*")
    assert api.status_code == 400 and "words ending in *" in api.get_json()["error"]
    assert reader.get("/api/suggest?q=a*+b*+c*+d*").get_json() == {"hits": []}
