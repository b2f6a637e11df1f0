"""The portal's settings: the support policy's clocks, mail, limits and where things live.

Read from `portal.yml` at the project root (optional; every key has a default) and validated like the
other sources, so a typo is `portal.yml:LINE: what was expected`, never a traceback at 3 a.m. What the file
may hold is declared in `fields`, the settings' dataclasses are in `settings`, and `loading` reads them;
callers import every name from here."""

from __future__ import annotations

from .fields import RATE_LIMITS, WEEKDAYS
from .loading import load_portal_config
from .settings import AttachmentSettings, ImapSettings, MailSettings, PortalConfig, SavedReply, WorkingHours

__all__ = [
    "RATE_LIMITS",
    "WEEKDAYS",
    "AttachmentSettings",
    "ImapSettings",
    "MailSettings",
    "PortalConfig",
    "SavedReply",
    "WorkingHours",
    "load_portal_config",
]
