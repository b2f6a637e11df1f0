"""The portal's error pages: every status a visitor can meet (400, 403, 404, 405, 413, 429, 500) is a page
of the portal's own layout that says what happened and what to do next; under /api/ the same as JSON.

A 500 page must not fail itself: it reads nothing from the database (the header's notification count is
left out, `g.error_page`), so a broken database still gets the styled page."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request, url_for
from werkzeug.exceptions import Forbidden, HTTPException, InternalServerError

from .config import PortalConfig

log = logging.getLogger(__name__)
MEGABYTE = 1024 * 1024


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _next_steps(agent_page: bool) -> list[tuple[str, str]]:
    """(label, link) of where to go from an error: the queue for agents, the help centre for everyone."""
    steps = [("Back to the queue", url_for("console.queue"))] if agent_page else []
    return [*steps, ("Search the help centre", "/search"), ("Log a case", url_for("customer.new_case")), ("Home", "/")]


def error_page(status: int, title: str, message: str, advice: str = "", headers: dict | None = None):
    """The styled page (or JSON under /api/) for `status`."""
    if _is_api():
        return {"error": message}, status, headers or {}
    g.error_page = True
    body = render_template(
        "error.html",
        title=title,
        message=message,
        advice=advice,
        status=status,
        next_steps=_next_steps(request.path.startswith("/agent/") or g.get("agent") is not None),
    )
    return body, status, headers or {}


def register_error_pages(app: Flask, config: PortalConfig) -> None:
    @app.errorhandler(400)
    def bad_request(error: HTTPException):
        return error_page(
            400,
            "Bad request",
            error.description or "The request was not understood.",
            "Go back, check what you sent and try again.",
        )

    @app.errorhandler(403)
    def forbidden(error: HTTPException):
        # A reason the portal gave (abort(403, "CASE-1 is at Level 3; ...")), else a plain one.
        custom = error.description != Forbidden.description
        message = error.description if custom else "You are not allowed to see this or do this."
        return error_page(
            403,
            "Not allowed",
            message,
            "If you work in support, sign in and try again; if a case is above your level, ask a colleague of that "
            "level or escalate it.",
        )

    @app.errorhandler(404)
    def not_found(error: HTTPException):
        if _is_api():
            return {"error": "not found"}, 404
        return error_page(
            404,
            "Not found",
            "There is nothing at this address.",
            "Check the address, or search the help centre for what you were looking for.",
        )

    @app.errorhandler(405)
    def wrong_method(error: HTTPException):
        allowed = error.valid_methods or []
        return error_page(
            405,
            "Not like that",
            "This address cannot be used that way" + (f" (it takes {', '.join(sorted(allowed))})." if allowed else "."),
            "Use the page's own buttons and forms rather than typing the address; go back and try again.",
            headers={"Allow": ", ".join(sorted(allowed))} if allowed else None,
        )

    @app.errorhandler(413)
    def too_large(error: HTTPException):
        from .app import MAX_BODY

        limit = request.max_content_length or MAX_BODY
        files = config.attachments
        advice = (
            f"Attach at most {files.max_files} files of up to {files.max_file_mb} MB each"
            if limit > MAX_BODY
            else "Shorten the text"
        )
        return error_page(
            413,
            "Too large",
            f"That was more than we accept in one go ({limit / MEGABYTE:g} MB); nothing was saved.",
            f"{advice} and send it again.",
        )

    @app.errorhandler(429)
    def too_many(error: HTTPException):
        if _is_api():
            return {"error": "too many requests; slow down"}, 429
        return error_page(
            429, "Slow down", "Too many requests from your address.", "Wait a minute and try again; nothing was lost."
        )

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        # Flask has logged the exception with its traceback already; the visitor gets no detail of it.
        return error_page(
            500,
            "Something went wrong on our side",
            "The portal failed to answer this request; it has been logged for us to fix.",
            "Try again in a minute. If it keeps happening, call support or log a case and say what you were doing.",
        )
