"""Who the customer is on this request: a server-side session of kind "customer" (sessions.py), its token in
its own cookie, the customers row cached on flask.g for the request."""

from __future__ import annotations

import functools

from flask import Response, g, redirect, request, url_for
from sqlalchemy.engine import Row

from ..app import current_portal
from .records import customer_by_id

CUSTOMER_COOKIE = "kb_customer"
_UNSET = object()


def signed_in_customer() -> Row | None:
    """The customers row whose live session this request's cookie holds, else None (looked up once a request)."""
    found = g.get("kb_customer", _UNSET)
    if found is _UNSET:
        portal = current_portal()
        session = portal.sessions.find("customer", request.cookies.get(CUSTOMER_COOKIE))
        found = customer_by_id(portal.desk.engine, session.subject_id) if session else None
        g.kb_customer = found
    return found


def customer_required(view):
    """A page for signed-in customers: strangers are sent to sign in (GET) or refused (anything else)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if signed_in_customer() is None:
            if request.method != "GET":
                return Response("Sign in first.", status=403)
            return redirect(url_for("customers.sign_in"), code=303)
        return view(*args, **kwargs)

    return wrapper


def start_session(response: Response, customer: Row) -> Response:
    """Sign `customer` in on `response`: a new session (any token the browser held before is ended and never
    becomes the signed-in one), in a cookie of its own."""
    portal = current_portal()
    token = portal.sessions.start("customer", customer.id, replacing=request.cookies.get(CUSTOMER_COOKIE))
    g.kb_customer = customer
    response.set_cookie(
        CUSTOMER_COOKIE,
        token,
        max_age=int(portal.config.session_policy.lifetime.total_seconds()),
        path="/",
        secure=portal.config.secure_cookies,
        httponly=True,
        samesite="Lax",  # a link to a case in the customer's mail opens it signed in
    )
    return response


def end_session(response: Response) -> Response:
    """Sign out: the session's row is deleted, so a copy of the cookie is worth nothing after."""
    portal = current_portal()
    portal.sessions.end(request.cookies.get(CUSTOMER_COOKIE))
    g.kb_customer = None
    response.delete_cookie(
        CUSTOMER_COOKIE, path="/", secure=portal.config.secure_cookies, httponly=True, samesite="Lax"
    )
    return response
