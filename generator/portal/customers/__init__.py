"""Customers: sign-in by a one-time mailed link (or its 6-digit code), their sessions, and "My cases".

links.py makes and uses the one-time links, mailing.py mails them, records.py keeps the customers table,
session.py says who is signed in (`signed_in_customer()`), cases.py which cases they may see, views.py the
pages. `register` adds it all to the app with its rate limits."""

from __future__ import annotations

import hashlib

from flask import Flask, request
from flask_limiter import Limiter

from ..config import RATE_LIMITS, PortalConfig
from .records import normal_email
from .session import CUSTOMER_COOKIE, customer_required, signed_in_customer

__all__ = ["CUSTOMER_COOKIE", "customer_required", "register", "signed_in_customer"]


def register(app: Flask, limiter: Limiter, config: PortalConfig) -> None:
    """The customers' pages on `app`, rate limited: the public rate on all of them; asking for a link per
    client address and per address asked for; codes per client address (and a few tries per link, links.py)."""
    from . import case_views, views  # noqa: F401 - case_views adds its pages to the blueprint

    app.register_blueprint(views.blueprint)
    limiter.limit(_rate(config, "public"))(views.blueprint)
    for endpoint, rate, key in (
        ("customers.sign_in", "sign_in_link", None),
        ("customers.sign_in", "sign_in_address", _address_asked_for),
        ("customers.enter_code", "sign_in", None),
        ("customers.follow_link", "sign_in", None),
    ):
        extra = {"key_func": key} if key else {}
        app.view_functions[endpoint] = limiter.limit(_rate(config, rate), methods=["POST"], **extra)(
            app.view_functions[endpoint]
        )
    app.context_processor(lambda: {"customer": signed_in_customer()})


def _rate(config: PortalConfig, name: str) -> str:
    return config.rate_limits.get(name) or RATE_LIMITS[name].default


def _address_asked_for() -> str:
    """The rate limit's key for asking for links to one address, whoever asks: the form's address, hashed, so
    the limiter's storage (Redis, shared) does not collect the addresses people type."""
    address = normal_email(request.form.get("email", "")[:254])
    return "sign-in-address:" + hashlib.sha256(address.encode()).hexdigest()[:32]
