"""Search for customers and the case form: an HTML page, a JSON API and type-ahead suggestions, all through
`generator.search` over the index of the build this portal serves."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, render_template, request

from ..errors import KbError
from ..search import SearchResults, search
from .app import current_portal
from .forms import int_arg

blueprint = Blueprint("search", __name__)
MAX_QUERY = 200
MAX_PAGE = 1000  # of 10 hits: further than anyone reads, and a bound like every number a URL brings


def _run(query: str, limit: int, snippets: bool = True, prefix: bool = False) -> SearchResults | None:
    index_dir = current_portal().index_dir
    query = query.strip()[:MAX_QUERY]
    if not query or index_dir is None:
        return None
    module = request.args.get("module") or None
    page_type = request.args.get("type") or None
    page = int_arg("page", 1, 1, MAX_PAGE)
    try:
        return search(
            index_dir,
            query,
            module=module,
            type=page_type,
            limit=limit,
            page=page,
            snippets=snippets,
            prefix=prefix,
        )
    except KbError:
        return None  # no index (yet): the page says search is unavailable instead of failing


def _log(query: str, results: SearchResults | None, source: str) -> None:
    """Searches feed the report: the ones that found nothing are the articles to write next. Type-ahead
    suggestions are not logged (every keystroke would count)."""
    if results is not None and int_arg("page", 1, 1, MAX_PAGE) == 1:
        current_portal().knowledge.record_search(query, results.total, source)


@blueprint.route("/search")
def search_page():
    query = request.args.get("q", "")
    results = _run(query, 10)
    _log(query, results, "search page")
    return render_template(
        "search.html", query=query[:MAX_QUERY], results=results, available=current_portal().index_dir is not None
    )


@blueprint.route("/api/search")
def search_api():
    limit = min(max(request.args.get("limit", type=int, default=10), 1), 50)
    results = _run(request.args.get("q", ""), limit)
    _log(request.args.get("q", ""), results, "api")
    if results is None:
        return {"query": request.args.get("q", "")[:MAX_QUERY], "hits": [], "total": 0}
    return dataclasses.asdict(results)


@blueprint.route("/api/suggest")
def suggest_api():
    """Articles for the case form while the customer types the subject: few, fast, no snippets."""
    results = _run(request.args.get("q", ""), 5, snippets=False, prefix=True)
    hits = results.hits if results else ()
    return {"hits": [{"id": h.id, "title": h.title, "url": "/" + h.url, "summary": h.summary} for h in hits]}


@blueprint.route("/api/ping")
def ping():
    """A trivial endpoint: load balancers' health checks and the portal benchmark's baseline."""
    return {"ok": True}
