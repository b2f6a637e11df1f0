"""Reading the settings: portal.yml (validated, problems at file:line), product.yml and the clients' profiles,
the instance folder's secret key, then the command line's overrides, into one `PortalConfig`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from ... import schema
from ...catalog import load_product
from ...client_profiles import load_clients
from ...errors import Problem, SourceError
from ...model import ClientProfile, Product
from ...source_files import load_yaml_file
from .fields import ATTACHMENTS, IMAP, MAIL, PORTAL, RATE_LIMITS, SAVED_REPLY, WORKING_HOURS, host_name
from .settings import AttachmentSettings, ImapSettings, MailSettings, PortalConfig, SavedReply, WorkingHours


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
            from ...build import index_beside

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
            host = host_name(value)
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
