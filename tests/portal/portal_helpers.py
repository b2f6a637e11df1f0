"""What the portal tests drive the portal with: a browser-like visitor over Flask's test client (forms read
from the rendered page, CSRF token included), the same over real HTTP for the concurrency tests, a real SMTP
sink, a settable clock, a real WSGI server, and read-only views of the case store.

tests/portal is a package (its conftest must not be a second top-level `conftest`): the tests import this
module as `from .portal_helpers import ...`."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import http.client
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine, Row
from werkzeug.serving import make_server

from generator.portal.db import agents, cases, events, mail_queue

PASSWORD = "correct horse battery staple"
# The support team every test database starts with (username: level, display name, email, active).
STAFF = {
    "ann": (1, "Ann Able", "ann@example.com", True),
    "bob": (2, "Bob Builder", "bob@example.com", True),
    "cat": (2, "Cat Carter", "cat@example.com", True),
    "dan": (3, "Dan Dare", "dan@example.com", True),
    "eve": (3, "Eve Early", "eve@example.com", True),
    "ivy": (3, "Ivy Idle", "ivy@example.com", False),  # left the team: never alerted
}
CUSTOMER_EMAIL = "zoe@example.com"
# High enough never to get in a test's way; the rate-limit test sets its own.
GENEROUS_LIMITS = {
    "submit": "1000 per minute",
    "public": "10000 per minute",
    "sign_in": "1000 per minute",
    "sign_in_link": "1000 per minute",
    "sign_in_address": "1000 per minute",
}
# Monday 23 November 2026, 10:00 in New York (EST, UTC-5): inside the test desk's working hours.
MONDAY_10AM = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def case_fields(**changes: str) -> dict[str, str]:
    """What a customer types into the case form; the hidden fields come from the rendered form."""
    fields = {
        "subject": "Gantt chart is empty after import",
        "description": "I imported a P6 file.\nThe Gantt chart shows no bars.",
        "severity": "major",
        "customer_name": "Zoe Customer",
        "customer_email": CUSTOMER_EMAIL,
    }
    return fields | changes


# -- forms, as a browser reads them -----------------------------------------------------------------------


@dataclass
class Form:
    action: str | None
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    formactions: list[str] = field(default_factory=list)


@dataclass
class Page:
    forms: list[Form]
    errors: dict[str, list[str]]  # field name -> the messages shown in that field's block


class _PageParser(HTMLParser):
    """Forms with their current values (as a browser would submit them) and the error messages shown next to
    each field (the `.field` block that holds the control)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.errors: dict[str, list[str]] = {}
        self._form: Form | None = None
        self._blocks: list[dict | None] = []  # open div/fieldset: a field block's names and errors, or None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._option: str | None = None
        self._error: list[str] | None = None

    def _block(self) -> dict | None:
        return next((b for b in reversed(self._blocks) if b is not None), None)

    def _add(self, name: str | None, value: str) -> None:
        if name and self._form is not None:
            self._form.fields[name] = value
        if name and self._block() is not None:
            self._block()["names"].append(name)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action"), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag in ("div", "fieldset"):
            self._blocks.append({"names": [], "errors": []} if "field" in a.get("class", "").split() else None)
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox") and "checked" not in a:
                if self._block() is not None and a.get("name"):
                    self._block()["names"].append(a["name"])
                return
            if kind not in ("submit", "button", "image", "reset"):
                self._add(a.get("name"), a.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name", ""), []
        elif tag == "select":
            self._select, self._first_option = a.get("name", ""), None
            if self._block() is not None:
                self._block()["names"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a and self._form is not None:
                self._form.fields[self._select] = value
        elif tag == "button" and self._form is not None and a.get("formaction"):
            self._form.formactions.append(a["formaction"])
        elif tag == "p" and "error" in a.get("class", "").split():
            self._error = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag in ("div", "fieldset") and self._blocks:
            block = self._blocks.pop()
            if block is not None and block["errors"]:
                for name in dict.fromkeys(block["names"]):
                    self.errors.setdefault(name, []).extend(block["errors"])
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # Browsers drop one newline right after <textarea> (WTForms writes one).
            text = text[2:] if text.startswith("\r\n") else text[1:] if text.startswith("\n") else text
            self._add(self._textarea, text)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if self._form is not None and self._select not in self._form.fields:
                self._form.fields[self._select] = self._first_option or ""
            self._select = None
        elif tag == "p" and self._error is not None:
            block = self._block()
            if block is not None:
                block["errors"].append(" ".join("".join(self._error).split()))
            self._error = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        if self._error is not None:
            self._error.append(data)


def parse_page(html: str) -> Page:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return Page(parser.forms, parser.errors)


def find_form(html: str, action: str | None = None) -> Form:
    """The form that posts to `action` (its action, or a button's formaction); without one, the first form
    that posts."""
    forms = [f for f in parse_page(html).forms if f.method == "post"]
    for form in forms:
        if action is None or form.action == action or action in form.formactions:
            return form
    raise AssertionError(f"no form posting to {action!r} on the page; forms: {[f.action for f in forms]}")


class Visitor:
    """One browser (one cookie jar) on the app through Flask's test client: it reads each form from the
    page, hidden fields and CSRF token included, and posts what the page would post."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, str], **kwargs):
        return self.client.post(url, data=data, **kwargs)

    def form(self, page_url: str, action: str | None = None) -> Form:
        response = self.client.get(page_url)
        assert response.status_code == 200, f"GET {page_url}: {response.status_code}"
        return find_form(response.text, action)

    def submit(self, page_url: str, data: dict[str, str], action: str | None = None, drop: tuple[str, ...] = ()):
        """Open `page_url`, fill its form with `data` over what the page holds, send it (no redirects followed)."""
        form = self.form(page_url, action)
        fields = {k: v for k, v in (form.fields | data).items() if k not in drop}
        return self.client.post(action or form.action or page_url, data=fields)

    def log_case(self, **changes: str) -> tuple[str, str]:
        """Submit the case form; (number, private path)."""
        response = self.submit("/cases/new", case_fields(**changes))
        assert response.status_code == 303, response.text
        return case_link(response.headers["Location"])

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        response = self.submit("/agent/sign-in", {"username": username, "password": password})
        assert response.status_code == 303, response.text

    def act(self, number: str, action: str, data: dict[str, str]):
        """An action on the agent's case page, through the form (or button) that posts to it."""
        return self.submit(f"/agent/cases/{number}", data, action=f"/agent/cases/{number}/{action}")


SIGN_IN_LINK = re.compile(r"https?://[^/\s]+(/sign-in/link/[A-Za-z0-9_-]+)")
SIGN_IN_CODE = re.compile(r"\b([0-9]{6})\b")


def sign_in_mail(mail_sink: SmtpSink, email: str) -> tuple[str, str]:
    """(path of the link, code) from the newest sign-in mail the sink holds for `email`."""
    mails = [m for m in mail_sink.to(email) if "sign-in link" in m.subject]
    assert mails, f"no sign-in mail to {email}; the sink has {[m.subject for m in mail_sink]}"
    body = mails[-1].body
    return SIGN_IN_LINK.search(body).group(1), SIGN_IN_CODE.search(body).group(1)


def sign_in_in_browser(page, base: str, email: str, mail_sink: SmtpSink) -> None:
    """Sign a Playwright `page` in as the customer `email` on the portal at `base`, as a person would: ask
    for a link on /sign-in, read it from the SMTP sink, open it and press "Sign in" (lands on My cases)."""
    from playwright.sync_api import expect

    page.goto(f"{base}/sign-in")
    page.get_by_label("Your email").fill(email)
    page.get_by_role("button", name="Mail me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    path, _code = sign_in_mail(mail_sink, email)
    page.goto(f"{base}{path}")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/my/cases$"))


def sign_in_customer(visitor: Visitor, email: str, mail_sink: SmtpSink) -> None:
    """Sign `visitor` in as the customer `email`, as a person would: ask for a link, read it from the SMTP
    sink, open it and press "Sign in". The app must mail to the sink: make_app(mail=MailSettings(
    smtp_host="127.0.0.1", smtp_port=smtp_sink.port)), or the `mailing_app` fixture."""
    asked = visitor.submit("/sign-in", {"email": email}, action="/sign-in")
    assert asked.status_code == 303, asked.text
    path, _code = sign_in_mail(mail_sink, email)
    signed_in = visitor.submit(path, {}, action=path)
    assert signed_in.status_code == 303 and signed_in.headers["Location"].endswith("/my/cases"), signed_in.text


def case_link(location: str) -> tuple[str, str]:
    """(number, path) of a private case link such as /cases/CASE-000001/<token>?new=1."""
    path = urlsplit(location).path
    parts = path.strip("/").split("/")
    assert len(parts) == 3 and parts[0] == "cases", location
    return parts[1], path


# -- the same over real HTTP ----------------------------------------------------------------------------


@dataclass
class HttpResponse:
    status: int
    headers: http.client.HTTPMessage
    text: str


class HttpVisitor:
    """A browser over real HTTP (stdlib only): keeps cookies, follows no redirects. One per thread."""

    def __init__(self, base_url: str) -> None:
        self.base = urlsplit(base_url)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> HttpResponse:
        conn = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=120)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8")
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(value)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        return HttpResponse(response.status, response.headers, text)

    def get(self, path: str) -> HttpResponse:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str]) -> HttpResponse:
        return self.request("POST", path, data)


# -- time -----------------------------------------------------------------------------------------------


class Clock:
    """The desk's `now=`: stands still until a test moves it."""

    def __init__(self, start: dt.datetime) -> None:
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


# -- the case store, read back ----------------------------------------------------------------------------


class Store:
    """Read-only questions about the database, asked the way the code under test does not ask them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _all(self, query) -> list[Row]:
        with self.engine.connect() as conn:
            return conn.execute(query).all()

    def count(self, table: sa.Table) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()

    def count_cases(self) -> int:
        return self.count(cases)

    def cases(self) -> list[Row]:
        return self._all(sa.select(cases).order_by(cases.c.id))

    def case(self, number: str) -> Row:
        rows = self._all(sa.select(cases).where(cases.c.number == number))
        assert len(rows) == 1, f"{number}: {len(rows)} rows"
        return rows[0]

    def events(self, number: str, kind: str | None = None) -> list[Row]:
        query = (
            sa.select(events)
            .join(cases, cases.c.id == events.c.case_id)
            .where(cases.c.number == number)
            .order_by(events.c.at, events.c.id)
        )
        if kind:
            query = query.where(events.c.kind == kind)
        return self._all(query)

    def mail(self, to: str | None = None) -> list[Row]:
        query = sa.select(mail_queue).order_by(mail_queue.c.id)
        if to:
            query = query.where(mail_queue.c.to_addr == to)
        return self._all(query)

    def agent(self, username: str) -> Row:
        return self._all(sa.select(agents).where(agents.c.username == username))[0]

    def staff(self) -> dict[str, Row]:
        return {row.username: row for row in self._all(sa.select(agents))}


def outbox_messages(outbox: Path) -> list[EmailMessage]:
    """The .eml files the portal wrote without an SMTP server, oldest first."""
    if not outbox.is_dir():
        return []
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]


# -- a real SMTP server ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes  # as it came over the wire

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        """The text/plain part."""
        return self.message.get_body(("plain",)).get_content()


class _Controller(Controller):
    """aiosmtpd's Controller on a port the system picks (port=0): it pokes the server at `self.port` once
    it is listening, so learn the real port first."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._controller: _Controller | None = None
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message, raw))
        return "250 Message accepted for delivery"

    def start(self, port: int = 0) -> SmtpSink:
        self._controller = _Controller(self, hostname="127.0.0.1", port=port)
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if address in r.rcpt_tos]

    def __iter__(self) -> Iterator[Received]:
        with self._lock:
            return iter(list(self.received))


@contextmanager
def serving(app) -> Iterator[str]:
    """`app` behind a real threaded WSGI server on a free port: 'http://127.0.0.1:PORT'."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="portal-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
