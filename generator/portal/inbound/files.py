"""A mail's attached files, in the shape the attachments store takes (`attachments.IncomingFile`).

integrator: this dataclass is the same as generator/portal/attachments' IncomingFile; import that one instead."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IncomingFile:
    name: str  # the file name as the sender gave it (not yet sanitised)
    content_type: str  # as declared (not trusted; the store sniffs)
    data: bytes
