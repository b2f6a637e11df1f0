"""The portal's settings: the support policy's clocks, mail, limits and where things live.

Read from `portal.yml` at the project root (optional; every key has a default) and validated like the
other sources, so a typo is `portal.yml:LINE: what was expected`, never a traceback at 3 a.m."""

from __future__ import annotations

import datetime as dt
import email.utils
import os
import secrets
import urllib.parse
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import schema
from ..catalog import load_clients, load_product, load_yaml_file
from ..errors import Problem, SourceError
from ..model import ClientProfile, Product
from ..versions import ProductVersion
from .sessions import SessionPolicy

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
    from .mail.message import InvalidAddress, check_address

    value = schema.text(value)
    try:
        return check_address(value)
    except InvalidAddress as exc:
        raise schema.Invalid(f"expected an address such as support@example.com, got {value!r}: {exc}") from None


def _display_name(value: Any) -> str:
    """A From name: one line of text, no controls or encoded words (it becomes a header)."""
    from .mail.message import clean_subject

    value = schema.text(value)
    if clean_subject(value, limit=100) != value.strip():
        raise schema.Invalid(f"expected a plain name on one line (at most 100 characters), got {value!r}")
    return value.strip()


def _env_name(value: Any) -> str:
    value = schema.text(value)
    if not value.replace("_", "").isalnum() or value[0].isdigit():
        raise schema.Invalid(f"expected the name of an environment variable, such as KB_IMAP_PASSWORD, got {value!r}")
    return value


def _host_name(value: Any) -> str:
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


@dataclass(frozen=True)
class SavedReply:
    """A reply kept in portal.yml for one team, inserted into the composer by its agents."""

    title: str
    text: str


@dataclass(frozen=True)
class AttachmentSettings:
    folder: Path | None = None  # None: the instance folder's attachments/
    max_file_mb: int = 10
    max_files: int = 10


@dataclass(frozen=True)
class WorkingHours:
    start: dt.time = dt.time(9)
    end: dt.time = dt.time(17)
    days: tuple[str, ...] = WEEKDAYS[:5]


@dataclass(frozen=True)
class ImapSettings:
    host: str
    user: str
    password_env: str
    port: int | None = None
    tls: str = "ssl"  # ssl, starttls, none
    folder: str = "INBOX"
    done_folder: str = "Processed"
    rejected_folder: str = "Rejected"

    @property
    def port_or_default(self) -> int:
        return self.port or (993 if self.tls == "ssl" else 143)


@dataclass(frozen=True)
class MailSettings:
    sender: str = "Support <support@localhost>"
    smtp_host: str | None = None
    smtp_port: int = 25
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    # The case form mails an address nobody has verified: this many an hour keeps it from being a mailer.
    acknowledgements_per_hour: int = 5
    from_name: str | None = None
    from_address: str | None = None  # with it, From is "from_name <from_address>" instead of `sender`
    reply_address: str | None = None  # replies go to its local part + CASE-...-token; default from_address
    reopen_days: int = 14
    max_message_bytes: int = 25 * 1024 * 1024
    poll_seconds: int = 60
    messages_per_poll: int = 50
    imap: ImapSettings | None = None

    @property
    def from_header(self) -> str:
        """The From header: the configured name and address, else the older `from` setting."""
        if not self.from_address:
            return self.sender
        return email.utils.formataddr((self.from_name or "", self.from_address))

    @property
    def support_address(self) -> str:
        """The address customers write to; its local part and domain make each case's reply address."""
        return self.reply_address or self.from_address or email.utils.parseaddr(self.sender)[1] or "support@localhost"


@dataclass(frozen=True)
class PortalConfig:
    """Everything the portal needs; `create_app` takes one of these."""

    database_url: str
    product_name: str = "Help centre"
    support_phone: str | None = None
    modules: dict[str, str] = field(default_factory=dict)  # slug -> title, for the case form
    # product.yml's versions, newest first: what a fix may target (planned ones) or ship in (defects/).
    product_versions: tuple[ProductVersion, ...] = ()
    clients: dict[str, str] = field(default_factory=dict)  # slug -> name: client builds' cases, personal data
    site_dir: Path | None = None  # the built help centre served at /, and its search index beside it
    index_dir: Path | None = None
    # The internal build (kb build --target internal), served at /internal/ to agents; its index is what the
    # console's article search reads (internal_site.py).
    internal_site_dir: Path | None = None
    internal_index_dir: Path | None = None
    instance_dir: Path = Path("instance")  # secret key, outbox
    secret_key: str = ""
    timezone: str = "UTC"
    working_hours: WorkingHours = WorkingHours()
    holidays: tuple[dt.date, ...] = ()
    update_every_hours: int = 24
    level1_hours: int = 24
    mail: MailSettings = MailSettings()
    rate_limits: dict[str, str] = field(default_factory=lambda: {k: f.default for k, f in RATE_LIMITS.items()})
    rate_limits_enabled: bool = True
    frame_ancestors: tuple[str, ...] = ()
    secure_cookies: bool = False  # true behind HTTPS
    public_url: str | None = None  # portal.yml's; without it `kb portal` links mail to where it listens
    proxies: int = 0  # trusted proxies in front: client addresses (rate limits) come from X-Forwarded-For
    mail_in_background: bool = False  # `kb portal`: requests queue mail, a thread sends it
    sweep_every_seconds: float = 60.0  # 0: no background sweep (tests, cron-only deployments)
    base_url: str = "http://127.0.0.1:8000"  # for links in emails
    rate_limit_storage: str = "memory://"  # redis://... to count across workers and hosts
    rate_limit_prefix: str = "kb-portal"  # keys in a shared storage (tests use their own)
    session_idle_hours: int = 8
    session_lifetime_days: int = 7
    form_expiry_hours: int = 8
    hsts_include_subdomains: bool = False
    busy_timeout_seconds: float = 30.0
    attachments: AttachmentSettings = AttachmentSettings()
    # Saved replies per team (level): in portal.yml, not a table, because they are a handful of texts the
    # team lead words once and reviews like the articles (in git), and portal.yml is validated at file:line
    # when the portal starts; a table would need an admin page and would change unseen.
    saved_replies: dict[int, tuple[SavedReply, ...]] = field(default_factory=dict)
    notification_poll_seconds: float = 15.0  # how often the console's header asks for the unread count
    # Clients as organisations (clients/<slug>.yml): their people, contracts and own help centres.
    client_profiles: dict[str, ClientProfile] = field(default_factory=dict)
    client_builds_dir: Path | None = None  # where `kb build --client SLUG` writes client-SLUG/ (build/)
    client_hosts: dict[str, str] = field(default_factory=dict)  # host name -> client slug

    @property
    def outbox_dir(self) -> Path:
        return self.instance_dir / "outbox"

    @property
    def attachments_dir(self) -> Path:
        return self.attachments.folder or self.instance_dir / "attachments"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(dt.timedelta(hours=self.session_idle_hours), dt.timedelta(days=self.session_lifetime_days))

    def with_(self, **changes: Any) -> PortalConfig:
        return replace(self, **changes)


def load_portal_config(root: Path, database_url: str | None = None, **overrides: Any) -> PortalConfig:
    """The settings of the project at `root`: portal.yml (if any), then the command line's overrides."""
    problems: list[Problem] = []
    product: Product = load_product(root, problems)
    clients = load_clients(root, problems, product)
    doc = load_yaml_file(root, "portal.yml", problems, required=False)
    values: dict[str, Any] = {}
    if doc is not None:
        values, found = schema.validate(doc, PORTAL, "portal.yml")
        problems += found
        sections = (("working_hours", WORKING_HOURS), ("mail", MAIL), ("rate_limits", RATE_LIMITS))
        for key, fields in (*sections, ("attachments", ATTACHMENTS)):
            if values.get(key):
                values[key], found = schema.validate(doc, fields, "portal.yml", (key,))
                problems += found
        for team, replies in (values.get("saved_replies") or {}).items():
            checked = []
            for index in range(len(replies)):
                reply, found = schema.validate(doc, SAVED_REPLY, "portal.yml", ("saved_replies", team, index))
                problems += found
                if not found:
                    checked.append(SavedReply(reply["title"], reply["text"]))
            values["saved_replies"][team] = tuple(checked)
        if (values.get("mail") or {}).get("imap"):
            values["mail"]["imap"], found = schema.validate(doc, IMAP, "portal.yml", ("mail", "imap"))
            problems += found
        if values.get("client_hosts"):
            values["client_hosts"] = _client_hosts(doc, values["client_hosts"], clients, problems)
    errors = [problem for problem in problems if problem.is_error]  # a warning (a colour's contrast) is kb check's
    if errors:
        raise SourceError(errors)
    instance = overrides.pop("instance_dir", None) or root / "instance"
    settings: dict[str, Any] = {
        "database_url": database_url or f"sqlite:///{instance / 'portal.sqlite3'}",
        "instance_dir": instance,
        "secret_key": os.environ.get("KB_PORTAL_SECRET_KEY") or _instance_secret(instance),
        "product_name": product.name,
        "support_phone": product.support_phone,
        "modules": {slug: module.title for slug, module in product.modules.items()},
        "product_versions": product.versions,
        "clients": {slug: profile.name for slug, profile in clients.items()},
        "client_profiles": clients,
        "client_builds_dir": root / "build",
    }
    if values:
        hours = values.get("working_hours") or {}
        mail = values.get("mail") or {}
        settings |= {
            "timezone": values["timezone"],
            "holidays": tuple(values["holidays"]),
            "update_every_hours": values["update_every_hours"],
            "level1_hours": values["level1_hours"],
            "frame_ancestors": tuple(values["frame_ancestors"]),
            "proxies": values["proxies"],
            "rate_limit_storage": values["rate_limit_storage"],
            "session_idle_hours": values["session_idle_hours"],
            "session_lifetime_days": values["session_lifetime_days"],
            "form_expiry_hours": values["form_expiry_hours"],
            "hsts_include_subdomains": values["hsts_include_subdomains"],
            "busy_timeout_seconds": values["busy_timeout_seconds"],
        }
        if values.get("public_url"):
            settings |= {
                "public_url": values["public_url"],
                "base_url": values["public_url"],
                "secure_cookies": values["public_url"].startswith("https://"),
            }
        if hours:
            settings["working_hours"] = WorkingHours(hours["start"], hours["end"], tuple(hours["days"]))
        if mail:
            settings["mail"] = MailSettings(
                mail["from"],
                mail["smtp_host"],
                mail["smtp_port"],
                mail["starttls"],
                mail["username"],
                mail["password_env"],
                mail["acknowledgements_per_hour"],
                mail["from_name"],
                mail["from_address"],
                mail["reply_address"],
                mail["reopen_days"],
                mail["max_message_bytes"],
                mail["poll_seconds"],
                mail["messages_per_poll"],
                ImapSettings(**mail["imap"]) if mail["imap"] else None,
            )
        if values.get("rate_limits"):
            settings["rate_limits"] = dict(values["rate_limits"])
        if values.get("saved_replies"):
            settings["saved_replies"] = dict(values["saved_replies"])
        if values.get("internal_site"):
            from ..build import index_beside

            internal = (root / values["internal_site"]).resolve()
            settings |= {"internal_site_dir": internal, "internal_index_dir": index_beside(internal)}
        settings["client_hosts"] = values.get("client_hosts") or {}
        if files := values.get("attachments"):
            folder = root / files["folder"] if files["folder"] else None
            settings["attachments"] = AttachmentSettings(folder, files["max_file_mb"], files["max_files"])
    return PortalConfig(**(settings | overrides))


def _client_hosts(doc, given: dict[str, str], clients: dict[str, ClientProfile], problems: list[Problem]) -> dict:
    """portal.yml's `client_hosts` (slug: host) as host -> slug; a slug that is no client's profile, or a
    host given twice, is a problem at its line."""
    hosts: dict[str, str] = {}
    for slug, value in given.items():
        line = doc.line_of("client_hosts", slug)
        try:
            host = _host_name(value)
        except schema.Invalid as exc:
            problems.append(Problem("portal.yml", line, f"'client_hosts': {slug}: {exc}"))
            continue
        if slug not in clients:
            known = ", ".join(clients) or "none"
            message = f"'client_hosts': {slug!r} is not a client (clients/<slug>.yml); expected one of {known}"
        elif host in hosts:
            message = f"'client_hosts': {host!r} is given to {hosts[host]!r} already; expected one host per client"
        else:
            hosts[host] = slug
            continue
        problems.append(Problem("portal.yml", line, message))
    return hosts


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder (mode 0600), made on first use: sessions and private case
    links stay valid across restarts without anyone having to configure one."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        scratch = instance / f".secret_key.{os.getpid()}"
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(scratch, path)  # the first process to get here wins; the others read its key
        except FileExistsError:
            pass
        finally:
            scratch.unlink()
    return path.read_text().strip()
