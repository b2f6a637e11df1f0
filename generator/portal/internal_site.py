"""The internal help centre (`kb build --target internal`: internal articles and drafts) at /internal/, for
signed-in agents only: anyone else is sent to the agents' sign-in page and never gets a page of it.

Each build marks its site with its target (generator/target_mark.py), so the portal can refuse to serve the
internal build as the public help centre (`check_sites`: at start, in `kb portal` and in `create_app`), and
refuse anything but an internal build at /internal/. Its pages get the public site's treatment: the policy
of site.page_csp, dot files never served; and `Cache-Control: private`, so no shared cache keeps a copy
(the theme's hashed assets privately for a year, delivery.site_file_cache)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from flask import Blueprint, abort, request

from ..errors import KbError
from ..search import QueryError
from ..target_mark import load_target_mark
from .app import current_portal
from .config import PortalConfig
from .console import agent_required
from .search_views import _run, _words, results_page
from .site import serve_built

blueprint = Blueprint("internal_site", __name__)
PREFIX = "/internal/"


def check_sites(config: PortalConfig) -> None:
    """KbError when the public site is an internal build, or the internal site is anything else."""
    if config.site_dir is not None:
        mark = load_target_mark(config.site_dir)
        if mark is not None and mark.target == "internal":
            raise KbError(
                f"--site {config.site_dir}: this is the internal build (kb build --target internal), with internal "
                "articles and drafts for agents only; it cannot be served as the public help centre. Give the public "
                "build (build/site) as --site, and this one as --internal-site (served to signed-in agents at "
                "/internal/)."
            )
    if config.internal_site_dir is not None:
        site = config.internal_site_dir
        if not (site / "index.html").is_file():
            raise KbError(f"--internal-site {site}: no built help centre here; run `kb build --target internal` first")
        mark = load_target_mark(site)
        if mark is None or mark.target != "internal":
            what = f"the '{mark.target}' build" if mark else "not marked as the internal build (built before marks?)"
            raise KbError(
                f"--internal-site {site}: {what}; expected the output of `kb build --target internal` (run it again)"
            )


def internal_only(article_id: str) -> bool:
    """True for an article the internal build marks as internal or a draft: an agent may link it to a case,
    but the customer's page does not list it (its title alone may say what is for agents only)."""
    site = current_portal().config.internal_site_dir
    mark = load_target_mark(site) if site is not None else None
    return bool(mark and mark.label(article_id))


# The internal pages' header search (kb-search.js) asks <site>/api/suggest and opens <site>/search: here,
# over the internal build's index. Agents' searches are not recorded: the report's searches are customers'.
@blueprint.route("/internal/api/suggest")
@agent_required
def internal_suggest():
    query, _ = _words(request.args.get("q", ""))
    try:
        results = _run(query, 5, snippets=False, prefix=True, index_dir=_index())
    except QueryError:
        results = None
    hits = results.hits if results else ()
    return {"hits": [{**dataclasses.asdict(hit), "url": f"{PREFIX}{hit.url}"} for hit in hits]}


@blueprint.route("/internal/search")
@agent_required
def internal_search():
    def internal(results, query: str) -> list[str]:
        return [f"{PREFIX}{hit.url}" for hit in results.hits]

    return results_page(_index(), internal, endpoint="internal_site.internal_search")


def _index() -> Path:
    config = current_portal().config
    if config.internal_site_dir is None or config.internal_index_dir is None:
        abort(404)
    return config.internal_index_dir


@blueprint.route("/internal/", defaults={"path": ""})
@blueprint.route("/internal/<path:path>")
@agent_required
def internal_help_centre(path: str):
    site_dir = current_portal().config.internal_site_dir
    if site_dir is None:
        abort(404)
    return serve_built(site_dir.resolve(), path, PREFIX.rstrip("/"), private=True)
