"""How the portal sends what it sends: compressed, and cached as long as a name allows.

- Text responses go out compressed (flask-compress: brotli, else gzip, for what the browser accepts); types
  that are compressed already (raster images, woff2 fonts, PDFs, archives) are not in its list of types and
  go out as they are, as does a file that names its own encoding (sitemap.xml.gz).
- BREACH: an attacker who can put words into a compressed page and watch its size can guess a secret on the
  same page a character at a time. The secret on the portal's pages is the CSRF token, and the pages that
  carry one (forms) are exactly those that also show what a visitor typed or asked for (the case form with
  the search it came from, sign-in, an agent's case). So a response for which a CSRF token was made this
  request (flask-wtf keeps it in `g`) is sent uncompressed; everything else is compressed. The help centre's
  pages hold no secret.
- The portal's own static files (generator/portal/static) are linked under content-hashed names
  (`portal.3f9c2a1b7d.css`, a manifest made once at start-up): a changed file has a new name, so the old one
  may be cached for a year, `immutable`. The plain names still answer, cached for five minutes.
- The help centre it serves: the theme's assets carry a hash of their content in their names already
  (`assets/stylesheets/main.<hash>.min.css`, `assets/javascripts/bundle.<hash>.min.js`, the search worker),
  and get the year too; every other file (pages, kb.css, help.js, images) is revalidated on each use by its
  ETag and Last-Modified (`no-cache`), so a new build shows at once."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask, Response, g, send_from_directory
from flask_compress import Compress

YEAR = 31_536_000
LONG_CACHE = f"public, max-age={YEAR}, immutable"
PLAIN_NAME_MAX_AGE = 300  # seconds: a page cached before a deploy may still ask for portal.css by that name
REVALIDATE = "no-cache"  # store, but ask (ETag, Last-Modified) before each use: a 304 costs a few bytes
# The theme's own hashed names: main.ab12cd34.min.css, bundle.f00dfeed.min.js, search.1a2b3c4d.min.js.
_THEME_HASHED = re.compile(r"^assets/(stylesheets|javascripts(/workers)?)/[\w-]+\.[0-9a-f]{8,}\.min\.(css|js)$")
_HASH_LENGTH = 10
# The views that send files as a stream: compressing a stream changes its ETag (flask-compress adds
# ":br"), so these answer If-None-Match again after compressing, or a revalidation would never get its 304.
_FILE_VIEWS = ["static", "site.help_centre", "internal_site.internal_help_centre", "clients.help_centre"]


def init_delivery(app: Flask) -> None:
    """Compression and caching for every response of `app` (call once, after its views are registered)."""
    app.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
        COMPRESS_STREAMING_ENDPOINT_CONDITIONAL=_FILE_VIEWS,
        COMPRESS_BR_LEVEL=5,
        COMPRESS_REGISTER=False,  # called below, only for responses without a CSRF token
    )
    compress = Compress()
    compress.init_app(app)

    @app.after_request
    def compress_unless_it_holds_a_token(response: Response) -> Response:
        if app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g:
            response.vary.add("Accept-Encoding")  # the same address may be compressed for another visitor
            return response
        return compress.after_request(response)

    manifest = static_manifest(Path(app.static_folder))
    hashed = {name: hashed_name for hashed_name, name in manifest.items()}

    @app.url_defaults
    def link_hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in hashed:
            values["filename"] = hashed[values["filename"]]

    def static(filename: str) -> Response:
        if filename in manifest:
            response = send_from_directory(app.static_folder, manifest[filename], max_age=YEAR)
            response.headers["Cache-Control"] = LONG_CACHE
            return response
        return send_from_directory(app.static_folder, filename, max_age=PLAIN_NAME_MAX_AGE)

    app.view_functions["static"] = static


def static_manifest(folder: Path) -> dict[str, str]:
    """Hashed name -> file name for each file of `folder` (one level, as the portal's static folder is):
    'portal.3f9c2a1b7d.css' -> 'portal.css'; the hash is of the file's bytes."""
    manifest = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:_HASH_LENGTH]
            manifest[f"{path.stem}.{digest}{path.suffix}"] = path.name
    return manifest


def site_file_cache(response: Response, path: str, private: bool = False) -> Response:
    """The Cache-Control of a built help centre's file at `path` (relative to the site's root): a year for
    the theme's hashed assets, revalidation for everything else; `private` for centres that only some
    people may read (never kept by a shared cache)."""
    if _THEME_HASHED.match(path) and response.status_code == 200:
        response.headers["Cache-Control"] = LONG_CACHE.replace("public", "private") if private else LONG_CACHE
    else:
        response.headers["Cache-Control"] = f"private, {REVALIDATE}" if private else REVALIDATE
    return response
