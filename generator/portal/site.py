"""The built help centre, served by the portal on the same origin as the case form.

The theme writes a few small inline scripts into every page; rather than allowing inline script for the
whole site, each page is sent with a Content-Security-Policy that allows the theme's own inline scripts by
hash, as the build listed them (theme_scripts). Never a hash taken from the page being served: that
allowed exactly the scripts an article had injected."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, abort, g, redirect, render_template, request, send_file

from ..output import OUTPUT_MARK
from ..theme_scripts import load_script_hashes
from ..versions.publish import VERSIONS_DIR
from .app import current_portal
from .delivery import site_file_cache

blueprint = Blueprint("site", __name__)
PORTAL_COOKIE = "kb_portal"
PORTAL_AREAS = ("agent/", "api/", "cases/", "internal/", "_portal/")  # the portal's addresses, not the site's


def page_csp(site: Path) -> str:
    """The policy for a page of the built site at `site`: its own files and the theme's inline scripts."""
    scripts = " ".join(("'self'", *load_script_hashes(site)))
    # Material sets a few style attributes from its scripts; styles cannot run code, scripts stay strict.
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'"
    )


def _existing(root: Path, path: str) -> Path | None:
    """The file (or, for an address without its trailing slash, the folder) `path` names inside the site;
    None for anything outside it, hidden, missing, or not a possible file name at all."""
    if len(path) > 1024 or any(part.startswith(".") for part in Path(path).parts):
        return None
    try:
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            return None
        if target.is_dir():
            index = target / "index.html"
            if not index.is_file():
                return None
            return index if not path or path.endswith("/") else target
        return target if target.is_file() else None
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return None


@blueprint.route("/", defaults={"path": ""})
@blueprint.route("/<path:path>")
def help_centre(path: str):
    site_dir = current_portal().config.site_dir
    if path.startswith(PORTAL_AREAS):
        abort(404)  # the portal's own 404 (JSON under /api/), not the help centre's page
    if site_dir is None:
        if path:
            abort(404)
        return render_template("home.html")
    root = site_dir.resolve()
    if path.startswith("context/") and _existing(root, path) is None:
        # An unknown, unmapped or hostile screen ID lands on the screen lookup (a search), never on a 404.
        # The ID goes on URL-encoded and cut short; the lookup page shows it only as text.
        wanted = path.removeprefix("context/").strip("/")[:100]
        return redirect(f"/context/?id={quote(wanted, safe='')}", 302)
    return serve_built(root, path, "")


def serve_built(root: Path, path: str, prefix: str, private: bool = False) -> Response:
    """The file `path` names in the built help centre at `root` (served at `prefix`), as every help centre of
    the portal serves it: the public one, a client's (clients/centre.py), the internal one (internal_site.py).

    A folder's address without its slash is redirected to it, the query kept; a missing file gets the
    build's 404 page, with status 404 (the portal's own without one). Pages go with the policy of page_csp
    and the portal cookie; `private`: shared caches never keep a copy (a client's or the agents' pages)."""
    target = _existing(root, path)
    if target is None:
        missing = root / "404.html"
        if not missing.is_file():
            abort(404)
        response = send_file(missing, mimetype="text/html")
        response.status_code = 404
        response.headers["Content-Security-Policy"] = page_csp(root)
        if private:
            response.headers["Cache-Control"] = "private, no-cache"
        return response
    if target.is_dir():
        query = f"?{request.query_string.decode()}" if request.query_string else ""
        return redirect(f"{prefix}/{path}/{query}", 308)
    response = site_file_cache(send_file(target, conditional=True), path, private=private)
    if target.suffix == ".html":
        response.headers["Content-Security-Policy"] = page_csp(_version_site(root, target))
        # Tells the help pages' script that the portal is here ("Was this helpful?", case counts), so a
        # static copy of the site never calls endpoints that do not exist. It carries nothing else.
        response.set_cookie(PORTAL_COOKIE, "1", samesite="Lax", secure=current_portal().config.secure_cookies)
    return response


def _version_site(root: Path, target: Path) -> Path:
    """The site a file belongs to: an older version's under v/<name>/ (built on its own, with its own list of
    the theme's scripts), else the help centre at `root`."""
    parts = target.relative_to(root).parts
    if len(parts) > 2 and parts[0] == VERSIONS_DIR and (root / parts[0] / parts[1] / OUTPUT_MARK).is_file():
        return root / parts[0] / parts[1]
    return root


def served_site() -> tuple[Path | None, Path | None, str]:
    """The help centre this request is about, as (site folder, its search index, its address prefix): the
    public one at /, or a client's at /c/<slug>/ once clients/centre.py has let the visitor in (it sets
    `g.kb_site`)."""
    config = current_portal().config
    return g.get("kb_site") or (config.site_dir, config.index_dir, "")


def site_page(path: str) -> str | None:
    """`path` ('/kb/x/#cause') as a link to a page of the help centre this request is about, or None when it
    names no file of it (or anything elsewhere): redirects that take a destination go only to these."""
    site_dir, _, prefix = served_site()
    parts = urlsplit(path)
    if site_dir is None or parts.scheme or parts.netloc or not parts.path.startswith(prefix + "/") or "\\" in path:
        return None
    if _existing(site_dir.resolve(), parts.path.removeprefix(prefix + "/")) is None:
        return None
    return parts.path + (f"#{quote(parts.fragment, safe='-_.~')}" if parts.fragment else "")
