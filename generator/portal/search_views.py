"""Search for customers and the case form: an HTML page, a JSON API and type-ahead suggestions, all through
`generator.search` over the index of the build this portal serves; and the way from a result to its page,
which records the click for the report."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ..errors import KbError
from ..search import QueryError, SearchResults, search
from ..stage import TYPE_TITLES
from .app import current_portal
from .site import served_site, site_page

blueprint = Blueprint("search", __name__)
MAX_QUERY = 200
PAGE_SIZE = 10
MAX_PAGE = 100  # ten results a page: nobody reads a thousand results, and deep pages cost the most


def _words(query: str) -> tuple[str, bool]:
    """The query as searched, and whether it had to be shortened: a pasted log of 10,000 characters is cut
    at the last whole word within MAX_QUERY characters, and the page says so."""
    query = " ".join(query.split())
    if len(query) <= MAX_QUERY:
        return query, False
    cut = query[: MAX_QUERY + 1].rsplit(" ", 1)[0] if " " in query[:MAX_QUERY] else query[:MAX_QUERY]
    return cut[:MAX_QUERY], True


def _run(
    query: str, limit: int, snippets: bool = True, prefix: bool = False, index_dir: Path | None = None
) -> SearchResults | None:
    """The results, or None without a query or an index; a QueryError (too long, too many prefixes) goes
    up to the view, which shows its message. `index_dir`: another index than the served site's (the
    internal build's, internal_site.py); else the site this request is served (a client's centre's, or the
    public one)."""
    index_dir = index_dir or served_site()[1]
    if not query or index_dir is None:
        return None
    module = request.args.get("module") or None
    page_type = request.args.get("type") or None
    page = min(max(request.args.get("page", type=int, default=1), 1), MAX_PAGE)
    try:
        results = search(
            index_dir,
            query,
            module=module,
            type=page_type,
            limit=limit,
            page=page,
            snippets=snippets,
            prefix=prefix,
        )
        if results.page > results.pages:  # past the last page: the last page, which says where it is
            results = search(index_dir, query, module, page_type, limit, results.pages, snippets, prefix)
        return results
    except QueryError:
        raise
    except KbError:
        return None  # no index (yet): the page says search is unavailable instead of failing


def _log(query: str, results: SearchResults | None, source: str) -> None:
    """Searches feed the report: the ones that found nothing are the articles to write next. Type-ahead
    suggestions are not logged (every keystroke would count), nor further pages or filters of one search."""
    filtered = request.args.get("module") or request.args.get("type")
    if results is not None and results.page == 1 and not filtered:
        current_portal().knowledge.record_search(query, results.total, source)


def _go(hit, query: str | None, position: int, source: str) -> str:
    """The address of a result: through /search/go, which records the click and redirects to `hit.url`."""
    # ".go": this blueprint's, so a client's centre (/c/<slug>/search/go) records and redirects within itself.
    return url_for(".go", to=f"{served_site()[2]}/{hit.url}", q=query or None, id=hit.id, pos=position, src=source)


def _facets(results: SearchResults | None) -> dict[str, list[tuple[str, str, int]]]:
    """Counts per module and type as (value, label, count), most first; pages without a module (the
    manuals' chapters) have no value to filter on and are left out."""
    if results is None:
        return {}
    titles = {"module": current_portal().config.modules, "type": TYPE_TITLES}
    return {
        name: [
            (value, titles[name].get(value, value.replace("_", " ").capitalize()), count)
            for value, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
            if value
        ]
        for name, counts in results.facets.items()
    }


@blueprint.route("/search")
def search_page():
    def through_go(results: SearchResults, query: str) -> list[str]:
        first = (results.page - 1) * PAGE_SIZE
        return [_go(hit, query, first + n, "search page") for n, hit in enumerate(results.hits, 1)]

    return results_page(served_site()[1], through_go, record=True)


def results_page(
    index_dir: Path | None,
    links: Callable[[SearchResults, str], list[str]],
    record: bool = False,
    endpoint: str | None = None,
) -> str:
    """The search page over the index in `index_dir` (None: search is unavailable): `links` gives each hit's
    address; `record`: the search feeds the report; `endpoint`: the page's own, for its filters and pages
    (else the help centre's, base.html's centre_url)."""
    query, shortened = _words(request.args.get("q", ""))
    try:
        results, problem = _run(query, PAGE_SIZE, index_dir=index_dir), None
    except QueryError as error:
        results, problem = None, f"{str(error)[0].upper()}{str(error)[1:]}."
    if record:
        _log(query, results, "search page")
    return render_template(
        "search.html",
        **({"search_endpoint": endpoint} if endpoint else {}),
        query=query,
        shortened=shortened,
        problem=problem,
        max_query=MAX_QUERY,
        page_size=PAGE_SIZE,
        type_titles=TYPE_TITLES,
        results=results,
        links=links(results, query) if results else [],
        facets=_facets(results),
        module=request.args.get("module") or None,
        type=request.args.get("type") or None,
        available=index_dir is not None,
    )


@blueprint.route("/api/search")
def search_api():
    limit = min(max(request.args.get("limit", type=int, default=10), 1), 50)
    query, shortened = _words(request.args.get("q", ""))
    try:
        results = _run(query, limit)
    except QueryError as error:
        return {"query": query, "hits": [], "total": 0, "shortened": shortened, "error": str(error)}, 400
    _log(query, results, "api")
    if results is None:
        return {"query": query, "hits": [], "total": 0, "shortened": shortened}
    return {**dataclasses.asdict(results), "query": query, "shortened": shortened}


@blueprint.route("/api/suggest")
def suggest_api():
    """Articles while the reader types (the header search, the case form's subject): few, fast, no snippets.
    Each hit has its page's `url` and `go`, the same address through /search/go (which records the click);
    the script adds the words (`q`) to `go`: the hits never repeat what was asked, so they hold nothing
    but the help centre's own text."""
    query, _ = _words(request.args.get("q", ""))
    try:
        results = _run(query, 5, snippets=False, prefix=True)
    except QueryError:
        results = None  # while typing, a query past the limits simply suggests nothing
    hits = results.hits if results else ()
    return {
        "hits": [
            {**dataclasses.asdict(h), "url": f"{served_site()[2]}/{h.url}", "go": _go(h, None, n, "suggestions")}
            for n, h in enumerate(hits, 1)
        ],
    }


@blueprint.route("/search/go")
def go():
    """A search result opened: record which (page, place in the results, query), then go to it. Only ever
    to a page of the help centre this portal serves: anything else is a 404, never a redirect elsewhere."""
    target = site_page(request.args.get("to", ""))
    if target is None:
        abort(404)
    source = "suggestions" if request.args.get("src") == "suggestions" else "search page"
    position = request.args.get("pos", type=int)
    page_id = request.args.get("id", "")
    if page_id:
        in_range = position is not None and 1 <= position <= MAX_PAGE * PAGE_SIZE
        current_portal().knowledge.record_click(
            _words(request.args.get("q", ""))[0], page_id, position if in_range else None, source
        )
    return redirect(target, 303)


@blueprint.route("/api/ping")
def ping():
    """A trivial endpoint: load balancers' health checks and the portal benchmark's baseline."""
    return {"ok": True}
