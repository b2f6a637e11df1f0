"""Files from the portal's forms: the field every form with attachments uses, checked against portal.yml's
limits like any other field, so a refused file re-renders the form with everything else kept."""

from __future__ import annotations

from flask import current_app
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms.validators import ValidationError

from . import IncomingFile
from .policy import MB, AttachmentRejected, check_limits


def within_limits(form, field) -> None:
    """Read the chosen files into IncomingFile (field.data) or refuse them with the limit they break."""
    settings = current_app.extensions["kb_portal"].config.attachments
    chosen = [f for f in field.data or [] if isinstance(f, FileStorage) and f.filename]
    try:
        check_limits(settings, [(f.filename, 0) for f in chosen])  # the count, before reading anything
        # One byte past the limit is enough to know it is over; the request's size limit caps the rest.
        files = [
            IncomingFile(f.filename, f.mimetype or "", f.stream.read(settings.max_file_mb * MB + 1)) for f in chosen
        ]
        check_limits(settings, [(f.name, len(f.data)) for f in files])
    except AttachmentRejected as rejected:
        raise ValidationError(f"{rejected} Nothing was sent yet: choose the files again.") from None
    field.data = files


class FilesField(MultipleFileField):
    """<input type=file multiple>; after validation, `data` is the list of IncomingFile."""

    def __init__(self, label: str = "Attach files", **kwargs):
        super().__init__(label, validators=[within_limits], **kwargs)
