"""Files from the portal's forms: the field every form with attachments uses, checked against portal.yml's
limits like any other field, so a refused file re-renders the form with everything else kept."""

from __future__ import annotations

import os

from flask import current_app
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms.validators import ValidationError

from . import IncomingFile
from .policy import AttachmentRejected, check_limits


def within_limits(form, field) -> None:
    """Read the chosen files into IncomingFile (field.data) or refuse them with the limit they break."""
    settings = current_app.extensions["kb_portal"].config.attachments
    chosen = [f for f in field.data or [] if isinstance(f, FileStorage) and f.filename]
    try:
        # Sizes from the spooled upload itself, before anything is read into memory.
        check_limits(settings, [(f.filename, _size(f)) for f in chosen])
        files = [IncomingFile(f.filename, f.mimetype or "", f.stream.read()) for f in chosen]
    except AttachmentRejected as rejected:
        raise ValidationError(f"{rejected} Nothing was sent yet: choose the files again.") from None
    field.data = files


def _size(upload: FileStorage) -> int:
    stream = upload.stream
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    return size


class FilesField(MultipleFileField):
    """<input type=file multiple>; after validation, `data` is the list of IncomingFile."""

    def __init__(self, label: str = "Attach files", **kwargs):
        super().__init__(label, validators=[within_limits], **kwargs)
