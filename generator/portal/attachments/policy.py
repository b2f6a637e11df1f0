"""What the portal accepts and how it serves it: the limits from portal.yml, safe file names, and which
files a browser may show inline (raster images that sniff as such) rather than download."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import quote

from ..config import AttachmentSettings

MB = 1024 * 1024
# Shown in the page: raster images a browser decodes as images and nothing else. SVG is an image that can
# carry script, PDF a document with its own scripts and links: both always download, as does everything else.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# What a download carries: its own sandbox, so even a file a browser did render could run nothing.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
MAX_NAME = 150  # characters: under every file system's 255 bytes in UTF-8 for common scripts
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)), *(f"lpt{n}" for n in range(1, 10))}
)
_NOT_IN_NAMES = re.compile(r'[<>:"|?*]')  # refused by Windows; quotes would also end a header's filename=


class AttachmentRejected(ValueError):
    """Files over the configured limits; the message says which and what the limit is, for the sender."""


def request_limit(settings: AttachmentSettings) -> int:
    """The largest request body an upload endpoint accepts: every file at its limit, and a megabyte of text."""
    return settings.max_files * settings.max_file_mb * MB + MB


def check_limits(settings: AttachmentSettings, names_and_sizes: Sequence[tuple[str, int]]) -> None:
    """AttachmentRejected when there are too many files or one is too large."""
    if len(names_and_sizes) > settings.max_files:
        raise AttachmentRejected(
            f"{len(names_and_sizes)} files attached; at most {settings.max_files} can go with one message."
        )
    for name, size in names_and_sizes:
        if size > settings.max_file_mb * MB:
            raise AttachmentRejected(
                f"{safe_name(name)} is {size / MB:.1f} MB; each file can be at most {settings.max_file_mb} MB."
            )


def safe_name(name: str | None) -> str:
    """The name to show and to offer for download: the last part of any path, without control or
    direction-changing characters, characters Windows refuses, leading dots or a reserved device name,
    at most MAX_NAME characters with its extension kept; 'attachment' when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]  # a path in a name does nothing: "../../etc/passwd" is "passwd"
    # Cc: controls, NUL included. Cf: format characters such as U+202E (RIGHT-TO-LEFT OVERRIDE), which makes
    # "invoice\u202efdp.exe" look like "invoiceexe.pdf"; also zero-width characters.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = _NOT_IN_NAMES.sub("_", name)
    name = " ".join(name.split()).strip(". ")  # no hidden files; Windows drops trailing dots and spaces
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if stem.lower() in _WINDOWS_RESERVED or name.lower() in _WINDOWS_RESERVED:
        name = f"_{name}"
    if len(name) > MAX_NAME:
        extension = extension[:16]
        name = name[: MAX_NAME - len(extension) - 1].rstrip(". ") + "." + extension if extension else name[:MAX_NAME]
    return name or "attachment"


def shows_inline(content_type: str) -> bool:
    return content_type in INLINE_TYPES


def content_disposition(name: str, inline: bool) -> str:
    """The header for a stored file's name (already safe_name'd): an ASCII fallback for old clients and the
    exact name, percent-encoded, as RFC 6266 and 5987 say."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9 !#$&+,.;=@^_`{}~()\[\]-]", "_", fallback).strip() or "attachment"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
