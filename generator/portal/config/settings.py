"""The portal's settings as frozen dataclasses: `PortalConfig` and the sections it holds (mail, IMAP, working
hours, attachments, saved replies)."""

from __future__ import annotations

import datetime as dt
import email.utils
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ...model import ClientProfile
from ...versions import ProductVersion
from ..sessions import SessionPolicy
from .fields import RATE_LIMITS, WEEKDAYS


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
