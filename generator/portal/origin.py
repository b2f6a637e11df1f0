"""Where a state-changing request came from: a POST (PUT, PATCH, DELETE) must come from the portal's own pages.

The CSRF token alone does not say so: a token that leaked (a screenshot, a proxy log) let another site post
with it. Browsers send Origin on every POST, cross-site and same-site, since 2020 (Chrome 79, Firefox 70,
Safari): it must be the portal's own origin. `Origin: null` (a sandboxed frame, a page under
Referrer-Policy: no-referrer, a redirect across sites) is refused. Without Origin, the Referer decides. With
neither, the request is not from a browser that could carry a victim's cookies, or from one older than
these rules that also hid its Referer; it goes on, and its CSRF token is still checked."""

from __future__ import annotations

from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of `url`, lower-case; None for anything that is not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origins(scheme: str, host: str, public_url: str | None) -> frozenset[str]:
    """The origins the portal's pages have: where this request was sent (http or https: behind a proxy that
    ends HTTPS, without `proxies` configured, the portal sees http for an https page) and `public_url`."""
    host = host.lower()
    found = {f"{scheme.lower()}://{host}", f"https://{host}"}
    if public_url:
        found.add(public_url.lower())
    return frozenset(found)


def check_origin(method: str, origin: str | None, referer: str | None, own: frozenset[str]) -> str | None:
    """None when the request may go on; otherwise why it may not."""
    if method.upper() in SAFE_METHODS:
        return None
    if origin is not None:
        if origin_of(origin) in own:
            return None
        return f"sent from {origin.strip()[:100]!r}, not from this site"
    if referer is not None:
        if origin_of(referer) in own:
            return None
        return "sent from a page of another site"
    return None
