"""Each client's own help centre, served by the portal at /c/<slug>/ (or at / of a host name of its own,
portal.yml's `client_hosts`): the client's build (`kb build --client SLUG`, build/client-SLUG) with its
branding, modules, terms and private articles, its own search index, its context map and help.js, and
"Log a case" in its branding with only its licensed modules, the case then the client's.

Only the client's signed-in people and agents get in (access.py); anyone else gets the portal's one 404,
the same as for a client that does not exist, on every address under /c/<slug>/. The pages get the same
Content-Security-Policy as the public help centre's (site.py) and are never stored by shared caches."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, abort, g, redirect, url_for

from ...build import index_beside
from ...contrast import darkened_for, text_on
from ..app import current_portal
from ..customer import case_form
from ..search_views import go, search_api, search_page, suggest_api
from ..site import _existing, serve_built
from .access import visible_client

blueprint = Blueprint("clients", __name__, url_prefix="/c/<slug>")


def client_site(slug: str) -> Path | None:
    """Where the client's build is (build/client-<slug>), or None when the portal has no builds folder.
    `slug` is a registered client's: no path is ever made from what a browser sent."""
    builds = current_portal().config.client_builds_dir
    return (builds / f"client-{slug}").resolve() if builds else None


@blueprint.url_value_preprocessor
def _let_in(endpoint, values) -> None:
    slug = values.pop("slug")
    profile = visible_client(slug)
    if profile is None:
        abort(404)
    g.kb_client = profile
    site = client_site(profile.slug)
    g.kb_site = (site, index_beside(site) if site else None, f"/c/{profile.slug}")


@blueprint.url_defaults
def _same_client(endpoint, values) -> None:
    if "slug" not in values and g.get("kb_client") is not None:
        values["slug"] = g.kb_client.slug


@blueprint.after_request
def _private(response: Response) -> Response:
    # One client's pages must never be served from a shared cache to someone else. The theme's hashed
    # assets keep the year site_file_cache gave them, privately.
    if not response.headers.get("Cache-Control", "").startswith("private, max-age"):
        response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


@blueprint.route("/", defaults={"path": ""})
@blueprint.route("/<path:path>")
def help_centre(path: str):
    site, _, prefix = g.kb_site
    if site is None or not site.is_dir():
        abort(404)
    if path.startswith("context/") and _existing(site, path) is None:
        wanted = path.removeprefix("context/").strip("/")[:100]  # as site.py: a search, never a 404
        return redirect(f"{prefix}/context/?id={quote(wanted, safe='')}", 302)
    return serve_built(site, path, prefix, private=True)


@blueprint.route("/search", endpoint="search_page")
def client_search_page():
    return search_page()


@blueprint.route("/search/go", endpoint="go")  # search_views' url_for(".go") finds it
def client_go():
    return go()


@blueprint.route("/api/search", endpoint="search_api")
def client_search_api():
    return search_api()


@blueprint.route("/api/suggest", endpoint="suggest_api")
def client_suggest_api():
    return suggest_api()


@blueprint.route("/cases/new", methods=["GET", "POST"])
def new_case():
    """The case form in the client's branding, offering only its licensed modules; the case is the client's."""
    modules = current_portal().config.modules
    licensed = {slug: title for slug, title in modules.items() if slug in g.kb_client.modules}
    return case_form(licensed, client=g.kb_client.slug)


@blueprint.route("/_portal/brand.css")
def brand_css():
    """The portal's own pages (search, case form) in the client's colours; values checked as #rrggbb."""
    return Response(render_brand_css(g.kb_client.colors), mimetype="text/css")


def render_brand_css(colors: dict[str, str]) -> str:
    """portal.css' brand variables for a client's colours: the header and main buttons in its primary, their
    text in white or dark (whichever reads), links in its primary where that reads on white (darkened where
    not; the dark scheme keeps its own light link colour), hover and focus in its accent."""
    lines = []
    if "primary" in colors:
        primary = colors["primary"]
        lines += [f"  --kb-brand: {primary};", f"  --kb-brand-text: {text_on(primary)};"]
        lines += [f"  --kb-link-light: {darkened_for(primary)};"]
    if "accent" in colors:
        lines += [f"  --kb-accent: {colors['accent']};", f"  --kb-accent-text: {text_on(colors['accent'])};"]
    return ":root {\n" + "\n".join(lines) + "\n}\n"


def centre_url(name: str, **params) -> str:
    """A portal page of the help centre this request is about: 'search' or 'new_case', the client's own
    inside /c/<slug>/, else the public one's."""
    if g.get("kb_client") is not None:
        endpoint = {"search": "clients.search_page", "new_case": "clients.new_case"}[name]
    else:
        endpoint = {"search": "search.search_page", "new_case": "customer.new_case"}[name]
    return url_for(endpoint, **params)


@blueprint.app_context_processor
def centre_for_templates() -> dict:
    """For base.html: whose help centre the page belongs to (branding, the header's search and links)."""
    return {"centre_url": centre_url, "client_centre": g.get("kb_client")}
