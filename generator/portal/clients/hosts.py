"""A host name per client (portal.yml `client_hosts`): on help.acme.example.com the client's own centre is
at /, as it is at /c/acme/ on the portal's own host. Only the addresses of a help centre are sent into the
client's (its pages, search, its API, the case form); the portal's own pages (sign-in, My cases, case
links, the console) answer as anywhere else. Who may see the centre is decided exactly as under /c/<slug>/."""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

# What a help centre answers, which on a client's host means the client's.
CENTRE_ENDPOINTS = frozenset(
    {
        "site.help_centre",
        "search.search_page",
        "search.search_api",
        "search.suggest_api",
        "search.go",
        "customer.new_case",
    }
)


class ClientHosts:
    """WSGI middleware: requests for a client's host name and a help centre's address go to /c/<slug>/."""

    def __init__(self, app: Flask, wsgi_app, hosts: dict[str, str]):
        self.app, self.wsgi_app, self.hosts = app, wsgi_app, hosts

    def __call__(self, environ, start_response):
        host = (environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "").rsplit(":", 1)[0].lower()
        slug = self.hosts.get(host)
        if slug is not None:
            path = environ.get("PATH_INFO") or "/"
            if self._endpoint(environ, path) in CENTRE_ENDPOINTS:
                environ["PATH_INFO"] = f"/c/{slug}{path}"
        return self.wsgi_app(environ, start_response)

    def _endpoint(self, environ, path: str) -> str | None:
        try:
            endpoint, _ = self.app.url_map.bind_to_environ(environ).match(path, environ.get("REQUEST_METHOD"))
        except RequestRedirect:
            return "site.help_centre"  # a folder without its slash: the centre redirects it itself
        except HTTPException:
            return None
        return endpoint
