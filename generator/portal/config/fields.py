"""What portal.yml may hold: each key declared once, with the check its value goes through and its default."""

from __future__ import annotations

import datetime as dt
import urllib.parse
import zoneinfo
from typing import Any

from ... import schema

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(value: Any) -> dt.time:
    value = schema.text(value)
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise schema.Invalid(f"expected a time as HH:MM, got {value!r}") from None


def _timezone(value: Any) -> str:
    value = schema.text(value)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise schema.Invalid(f"expected a time zone name such as Europe/London, got {value!r}") from None
    return value


def _positive(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise schema.Invalid(f"expected a whole number above 0, got {value!r}")
    return value


def _limit(value: Any) -> str:
    """A rate limit as Flask-Limiter writes it: '20 per hour', '5/minute'."""
    from limits import parse

    value = schema.text(value)
    try:
        parse(value)
    except ValueError:
        raise schema.Invalid(f"expected a rate such as '20 per hour', got {value!r}") from None
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise schema.Invalid(f"expected a whole number, 0 or more, got {value!r}")
    return value


def _public_url(value: Any) -> str:
    """Where customers reach the portal: scheme and host only, since the portal answers at the root."""
    value = schema.text(value)
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
        raise schema.Invalid(f"expected an address such as https://support.example.com, got {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


RATE_LIMIT_STORAGES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


def _storage(value: Any) -> str:
    """Where rate limits are counted: memory:// (this process) or Redis, shared by every worker and host."""
    value = schema.text(value)
    scheme = urllib.parse.urlsplit(value).scheme
    if scheme not in RATE_LIMIT_STORAGES or "://" not in value:
        raise schema.Invalid(
            f"expected memory:// or a Redis URL such as redis://127.0.0.1:6379/0 "
            f"({', '.join(s + '://' for s in RATE_LIMIT_STORAGES)}), got {value!r}"
        )
    return value


def _address(value: Any) -> str:
    """A mail address the portal writes from or to, in its normal form."""
    from ..mail.message import InvalidAddress, check_address

    value = schema.text(value)
    try:
        return check_address(value)
    except InvalidAddress as exc:
        raise schema.Invalid(f"expected an address such as support@example.com, got {value!r}: {exc}") from None


def _display_name(value: Any) -> str:
    """A From name: one line of text, no controls or encoded words (it becomes a header)."""
    from ..mail.message import clean_subject

    value = schema.text(value)
    if clean_subject(value, limit=100) != value.strip():
        raise schema.Invalid(f"expected a plain name on one line (at most 100 characters), got {value!r}")
    return value.strip()


def _env_name(value: Any) -> str:
    value = schema.text(value)
    if not value.replace("_", "").isalnum() or value[0].isdigit():
        raise schema.Invalid(f"expected the name of an environment variable, such as KB_IMAP_PASSWORD, got {value!r}")
    return value


def host_name(value: Any) -> str:
    """A host name the portal answers to (no scheme, port or path), lower case."""
    value = schema.text(value).lower()
    try:
        return schema.mail_domain(value)
    except schema.Invalid:
        raise schema.Invalid(f"expected a host name such as help.acme.example.com, got {value!r}") from None


def _mapping(value: Any) -> dict:
    if not isinstance(value, dict):
        raise schema.Invalid(f"expected a mapping of keys to values, got {value!r}")
    return value


def _port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise schema.Invalid(f"expected a port number from 1 to 65535, got {value!r}")
    return value


def _saved_replies_shape(value: Any) -> dict:
    """`saved_replies`: a team (1, 2 or 3) to a list; each item is checked with its own line afterwards."""
    if not isinstance(value, dict):
        raise schema.Invalid(f"expected a mapping of teams (1, 2, 3) to lists of replies, got {value!r}")
    for team, replies in value.items():
        if team not in (1, 2, 3):
            raise schema.Invalid(f"teams are 1, 2 and 3 (the levels), got {team!r}")
        if not isinstance(replies, list):
            raise schema.Invalid(f"team {team}: expected a list of replies, each with a title and a text")
    return value


PORTAL: dict[str, schema.Field] = {
    "timezone": schema.Field(_timezone, default="UTC", doc="The support team's time zone (IANA name)."),
    "working_hours": schema.Field(schema.mapping, default={}, doc="start, end (HH:MM) and days (mon..sun)."),
    "holidays": schema.Field(schema.list_of(schema.date), default=(), doc="Days without working hours."),
    "update_every_hours": schema.Field(_positive, default=24, doc="Customers hear from us at least this often."),
    "level1_hours": schema.Field(_positive, default=24, doc="Unresolved Level 1 cases escalate after this."),
    "mail": schema.Field(
        schema.mapping,
        default={},
        doc="from, smtp_host, smtp_port, starttls, username, password_env, acknowledgements_per_hour.",
    ),
    "rate_limits": schema.Field(
        schema.mapping,
        default={},
        doc="submit, public, sign_in, sign_in_link: Flask-Limiter rates per client address; sign_in_address: "
        "per address a sign-in link is asked for.",
    ),
    "frame_ancestors": schema.Field(
        schema.list_of(schema.text), default=(), doc="Origins allowed to frame help pages (the application)."
    ),
    "public_url": schema.Field(
        _public_url, doc="The address customers use: links in mail; https:// also makes cookies Secure."
    ),
    "proxies": schema.Field(
        _count, default=0, doc="Proxies in front whose X-Forwarded-For, -Proto and -Host headers to trust."
    ),
    "rate_limit_storage": schema.Field(
        _storage, default="memory://", doc="memory:// (one process) or redis://HOST:PORT/DB, shared by all workers."
    ),
    "session_idle_hours": schema.Field(
        _positive, default=8, doc="An agent's or a customer's session ends after this idle."
    ),
    "session_lifetime_days": schema.Field(_positive, default=7, doc="...and after this, however busy."),
    "form_expiry_hours": schema.Field(_positive, default=8, doc="A form (its CSRF token) expires after this."),
    "hsts_include_subdomains": schema.Field(
        schema.boolean, default=False, doc="With an https public_url: HSTS covers the subdomains too."
    ),
    "busy_timeout_seconds": schema.Field(
        _positive, default=30, doc="SQLite: how long a write waits for another's lock before a 503."
    ),
    "attachments": schema.Field(dict, default={}, doc="folder, max_file_mb, max_files: files on cases."),
    "saved_replies": schema.Field(
        _saved_replies_shape,
        default={},
        doc="Per team (1, 2, 3): a list of {title, text}, the replies its agents insert into the composer.",
    ),
    "internal_site": schema.Field(
        schema.text,
        doc="The internal build (kb build --target internal, relative to the project) served to agents at "
        "/internal/; the console's article search reads its index.",
    ),
    "client_hosts": schema.Field(
        schema.mapping,
        default={},
        doc="A host name per client (slug: help.acme.example.com) that serves that client's help centre at /.",
    ),
}
WORKING_HOURS: dict[str, schema.Field] = {
    "start": schema.Field(_clock, default=dt.time(9), doc="When the working day starts."),
    "end": schema.Field(_clock, default=dt.time(17), doc="When it ends."),
    "days": schema.Field(schema.list_of(schema.one_of(*WEEKDAYS)), default=WEEKDAYS[:5], doc="Working days."),
}
MAIL: dict[str, schema.Field] = {
    "from": schema.Field(schema.text, default="Support <support@localhost>", doc="The From header."),
    "smtp_host": schema.Field(schema.text, doc="Without it, mail is written to the outbox folder."),
    "smtp_port": schema.Field(_positive, default=25, doc="The SMTP port."),
    "starttls": schema.Field(schema.boolean, default=False, doc="Upgrade the connection with STARTTLS."),
    "username": schema.Field(schema.text, doc="SMTP login."),
    "password_env": schema.Field(schema.text, doc="The environment variable holding the SMTP password."),
    "acknowledgements_per_hour": schema.Field(
        _positive,
        default=5,
        doc="At most this many new-case acknowledgements to one address an hour; more cases are still logged.",
    ),
    "from_name": schema.Field(_display_name, doc="The name outgoing mail comes from (with from_address)."),
    "from_address": schema.Field(_address, doc="The address outgoing mail comes from; replies go to it."),
    "reply_address": schema.Field(
        _address, doc="The support address replies go to, as support+CASE-...@; default from_address."
    ),
    "reopen_days": schema.Field(
        _positive, default=14, doc="A reply this many days after a case was resolved opens a new case instead."
    ),
    "max_message_bytes": schema.Field(
        _positive, default=25 * 1024 * 1024, doc="Incoming mail larger than this is refused (LMTP 552)."
    ),
    "poll_seconds": schema.Field(_positive, default=60, doc="How often `kb portal` polls the IMAP mailbox."),
    "messages_per_poll": schema.Field(_positive, default=50, doc="At most this many messages handled per poll."),
    "imap": schema.Field(_mapping, doc="The mailbox to poll: host, port, tls, user, password_env, folders."),
}
IMAP: dict[str, schema.Field] = {
    "host": schema.Field(schema.text, required=True, doc="The IMAP server."),
    "port": schema.Field(_port, doc="Its port; default 993 with tls: ssl, else 143."),
    "tls": schema.Field(schema.one_of("ssl", "starttls", "none"), default="ssl", doc="ssl, starttls or none."),
    "user": schema.Field(schema.text, required=True, doc="The login."),
    "password_env": schema.Field(_env_name, required=True, doc="The environment variable holding the password."),
    "folder": schema.Field(schema.text, default="INBOX", doc="Where new mail arrives."),
    "done_folder": schema.Field(schema.text, default="Processed", doc="Where handled mail is moved."),
    "rejected_folder": schema.Field(schema.text, default="Rejected", doc="Where refused mail is moved."),
}
RATE_LIMITS: dict[str, schema.Field] = {
    "submit": schema.Field(_limit, default="20 per hour;5 per minute", doc="New cases per client address."),
    "public": schema.Field(_limit, default="300 per minute", doc="Other public endpoints per client address."),
    "sign_in": schema.Field(
        _limit, default="10 per minute", doc="Agent sign-in and customers' sign-in code attempts per client address."
    ),
    "sign_in_link": schema.Field(
        _limit, default="10 per hour;3 per minute", doc="Customers' requests for a sign-in link per client address."
    ),
    "sign_in_address": schema.Field(
        _limit, default="5 per hour", doc="Requests for a sign-in link to one address, from anywhere."
    ),
}
ATTACHMENTS: dict[str, schema.Field] = {
    "folder": schema.Field(
        schema.text,
        doc="Where attachments are stored (relative to the project; default instance/attachments). Shared by "
        "every worker and host, kept with the database in backups, never under the site's folder.",
    ),
    "max_file_mb": schema.Field(_positive, default=10, doc="The largest file accepted, in MB."),
    "max_files": schema.Field(_positive, default=10, doc="The most files on one message or reply."),
}


SAVED_REPLY: dict[str, schema.Field] = {
    "title": schema.Field(schema.text, required=True, doc="What the agent picks it by."),
    "text": schema.Field(schema.text, required=True, doc="What goes into the reply (plain text)."),
}
