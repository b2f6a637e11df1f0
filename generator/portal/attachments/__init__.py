"""Attachments on cases: files from the web form, customers' and agents' replies, and mail, stored in the
attachments folder and served as data, never as pages.

Callers use `save_files` inside their write transaction (the bytes are written first, the rows with the
caller's commit; a file whose transaction failed is an orphan the sweep removes after an hour)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from ..clock import utcnow
from ..config import PortalConfig
from ..db import attachments
from .policy import AttachmentRejected, check_limits, safe_name
from .records import delete_files, file_for_case, files_by_event, sweep_orphans
from .storage import sniff, write_file

__all__ = [
    "AttachmentRejected",
    "IncomingFile",
    "delete_files",
    "file_for_case",
    "files_by_event",
    "save_files",
    "sweep_orphans",
]


@dataclass(frozen=True)
class IncomingFile:
    name: str  # the file name as the sender gave it (not yet sanitised)
    content_type: str  # as declared (not trusted; the bytes are sniffed)
    data: bytes


def save_files(
    conn: Connection, config: PortalConfig, case_id: int, event_id: int, files: Sequence[IncomingFile]
) -> None:
    """Stores the files of one history event (inside the caller's transaction); raises AttachmentRejected
    (with a message for the sender) when over portal.yml's limits."""
    check_limits(config.attachments, [(file.name, len(file.data)) for file in files])
    now = utcnow()
    for file in files:
        stored = write_file(config.attachments_dir, file.data)
        conn.execute(
            attachments.insert(),
            {
                "case_id": case_id,
                "event_id": event_id,
                "name": safe_name(file.name),
                "content_type": sniff(file.data),
                "size": len(file.data),
                "sha256": hashlib.sha256(file.data).hexdigest(),
                "storage_name": stored,
                "created_at": now,
            },
        )
