"""`create_app`: the case portal as an ordinary WSGI application.

It serves the case form, the customer's private case page, the agent console, the search page and API,
and (when given a built site) the help centre itself, so one origin holds all of them. Security is set
here once for every response: CSRF on every POST (a token that expires, and the request's Origin), rate
limits on public endpoints, security headers (HSTS behind an https public_url), a size limit on request
bodies, HttpOnly SameSite cookies, a 503 with Retry-After when SQLite stays locked."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask, current_app, g, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from .attachments.storage import check_folder
from .clock import utcnow
from .config import PortalConfig
from .db import DatabaseBusy, connect
from .desk import Desk
from .knowledge import Knowledge
from .mail import MailSender
from .migrate import require_current
from .origin import check_origin, own_origins
from .sessions import Sessions

MAX_BODY = 1024 * 1024  # a case is words; anything bigger is refused with 413 before it is read (forms with
# files get room for them: attachments/views.py's allow_uploads)
log = logging.getLogger(__name__)


def create_app(config: PortalConfig) -> Flask:
    app = Flask(__name__, static_url_path="/_portal/static")
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        SESSION_COOKIE_NAME="kb_session",
        # A form's CSRF token expires: a customer may take an hour to write a case, a token that leaked must not
        # work for ever.
        WTF_CSRF_TIME_LIMIT=config.form_expiry_hours * 3600,
        RATELIMIT_ENABLED=config.rate_limits_enabled,
    )
    if config.client_hosts:
        from .clients.hosts import ClientHosts

        # Inside ProxyFix (wrapped next), so that a proxy's X-Forwarded-Host names the client's host.
        app.wsgi_app = ClientHosts(app, app.wsgi_app, config.client_hosts)
    if config.proxies:
        # Behind N proxies the client's address is in X-Forwarded-For: without this, rate limits would count
        # every customer as the proxy. Only as many hops as are configured are believed, so a client cannot
        # pick its own address by sending the header itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxies, x_proto=config.proxies, x_host=config.proxies)
    engine = connect(config.database_url, config.busy_timeout_seconds)
    require_current(engine)
    check_folder(config.attachments_dir, config.site_dir)
    from .internal_site import check_sites

    check_sites(config)  # never the internal build as the public help centre
    sender = MailSender(engine, config, utcnow) if config.mail_in_background else None
    desk = Desk(engine, config, sender=sender)
    # The desk's clock, looked up on each call: tests set `desk.now` to move time for sessions too.
    sessions = Sessions(engine, config.session_policy, lambda: desk.now())
    app.extensions["kb_portal"] = portal = Portal(config, desk, Knowledge(engine, config), sessions)

    @app.before_request
    def same_origin_only():
        # Before CSRFProtect's own check (registered next): a valid token from another site is still refused.
        own = own_origins(request.scheme, request.host, config.public_url)
        problem = check_origin(request.method, request.headers.get("Origin"), request.headers.get("Referer"), own)
        if problem:
            raise CSRFError(f"The request was {problem}.")

    from .attachments.views import allow_uploads

    app.before_request(allow_uploads)  # before CSRFProtect's check, the first to read the body
    CSRFProtect(app)
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=config.rate_limit_storage,
        key_prefix=config.rate_limit_prefix,
        headers_enabled=True,
    )
    portal.limiter = limiter

    from . import console, customer, knowledge_views, search_views, site
    from .attachments import views as attachment_views

    app.register_blueprint(customer.blueprint)
    app.register_blueprint(console.blueprint)
    app.register_blueprint(search_views.blueprint)
    app.register_blueprint(knowledge_views.blueprint)
    app.register_blueprint(attachment_views.blueprint)
    from . import case_tools

    app.register_blueprint(case_tools.blueprint)  # the agent's case page: presence, the composer's articles
    from .notifications import views as notification_views

    app.register_blueprint(notification_views.blueprint)
    from . import internal_site, report_views

    app.register_blueprint(internal_site.blueprint)
    app.register_blueprint(report_views.blueprint)
    from .queue import views as queue_views

    app.register_blueprint(queue_views.blueprint)
    from .defects import views as defect_views

    app.register_blueprint(defect_views.blueprint)  # defects and releases (issue 19)
    limiter.limit(config.rate_limits["public"])(search_views.blueprint)
    limiter.limit(config.rate_limits["public"])(customer.blueprint)
    limiter.limit(config.rate_limits["public"])(attachment_views.blueprint)
    for endpoint, rate in (
        ("customer.new_case", "submit"),
        ("console.sign_in", "sign_in"),
        ("knowledge.record_feedback", "public"),
        ("knowledge.csrf_token", "public"),
    ):
        app.view_functions[endpoint] = limiter.limit(config.rate_limits[rate], methods=["POST"])(
            app.view_functions[endpoint]
        )
    from .customers import register as register_customers

    register_customers(app, limiter, config)
    from .csat.views import blueprint as csat_blueprint

    app.register_blueprint(csat_blueprint)
    limiter.limit(config.rate_limits["public"])(csat_blueprint)
    from .clients import centre as client_centres
    from .clients import our_cases

    app.register_blueprint(our_cases.blueprint)
    limiter.limit(config.rate_limits["public"])(our_cases.blueprint)
    app.register_blueprint(client_centres.blueprint)  # /c/<slug>/: before the public site's catch-all
    limiter.limit(config.rate_limits["public"])(client_centres.blueprint)
    app.view_functions["clients.new_case"] = limiter.limit(config.rate_limits["submit"], methods=["POST"])(
        app.view_functions["clients.new_case"]
    )
    app.register_blueprint(site.blueprint)

    @app.context_processor
    def globals_for_templates():
        return {"portal": config, "agent": g.get("agent"), "now": utcnow()}

    from .clients.labels import case_client
    from .clients.people import local_day

    # The agent pages' client facts and badges (agent/_case_client.html, agent/_queue_client.html).
    app.jinja_env.globals["case_client"] = lambda row: case_client(config, row, local_day(config, desk.now()))

    hsts = None
    if config.public_url and config.public_url.startswith("https://"):
        # Only for an https public_url: over plain http browsers ignore it, and a portal reached only by http
        # (a test install) must not tell browsers to insist on https for its host.
        hsts = "max-age=31536000" + ("; includeSubDomains" if config.hsts_include_subdomains else "")

    @app.after_request
    def security_headers(response):
        csp = response.headers.get("Content-Security-Policy") or (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'"
        )
        ancestors = " ".join(("'self'", *config.frame_ancestors))
        response.headers["Content-Security-Policy"] = f"{csp}; frame-ancestors {ancestors}"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not config.frame_ancestors:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        if hsts:
            response.headers["Strict-Transport-Security"] = hsts
        return response

    @app.errorhandler(DatabaseBusy)
    def database_busy(error):
        return busy_response()

    from .error_pages import error_page, register_error_pages

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return error_page(
            400,
            "Please try again",
            "This form has expired or was not sent from this site; nothing was saved.",
            "Go back, reload the page and send it again.",
        )

    register_error_pages(app, config)
    from .delivery import init_delivery

    init_delivery(app)  # compression and cache lifetimes, for every view registered above

    if config.sweep_every_seconds > 0:
        _start_sweeper(portal)
    if config.mail_in_background and config.mail.imap is not None:
        from .inbound.imap import MailPoller

        app.extensions["kb_mail_in"] = MailPoller(desk)  # polls the support mailbox (`kb portal` only)
    return app


def current_portal() -> Portal:
    return current_app.extensions["kb_portal"]


RETRY_AFTER = 10  # seconds: a writer holding SQLite's lock that long is rare; a customer's retry then works


def busy_response(body=None):
    """503 with Retry-After for a database locked past the busy timeout: `body` (say, the form with what the
    customer typed), else a page saying so, or JSON under /api/."""
    if body is None:
        message = "The case database is busy; nothing was saved. Wait a few seconds and try again."
        if request.path.startswith("/api/"):
            body = {"error": message}
        else:
            body = render_template("error.html", title="Busy, please try again", message=message)
    return body, 503, {"Retry-After": str(RETRY_AFTER)}


class Portal:
    """What the views share: the settings, the desk, the knowledge loop, the sessions, the rate limiter."""

    def __init__(self, config: PortalConfig, desk: Desk, knowledge: Knowledge, sessions: Sessions):
        self.config, self.desk, self.knowledge, self.sessions = config, desk, knowledge, sessions
        self.limiter: Limiter | None = None

    @property
    def index_dir(self) -> Path | None:
        return self.config.index_dir


def _start_sweeper(portal: Portal) -> None:
    """Escalations and status updates run by themselves; every worker may run this, the rules are idempotent."""

    def run() -> None:
        stop = threading.Event()
        while not stop.wait(portal.config.sweep_every_seconds):
            try:
                report = portal.desk.sweep()
                if report.escalated or report.updated:
                    log.info("sweep: escalated %s, updated %s", report.escalated, report.updated)
            except Exception:  # noqa: BLE001 - the next round tries again; one bad round must not stop the timer
                log.exception("sweep failed")

    threading.Thread(target=run, name="kb-sweeper", daemon=True).start()
