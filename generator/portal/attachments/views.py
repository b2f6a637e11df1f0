"""Downloads and deletion: a case's files to its customer (with the private link) and its agents, served as
data; an admin removes them, recorded in the case's history."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, send_file, url_for

from ..app import current_portal
from ..console import agent_required
from ..customer import case_or_404
from ..desk import CaseNotFound, InvalidAction, NotAllowed
from ..forms import PortalForm
from .policy import DOWNLOAD_CSP, content_disposition, request_limit, shows_inline
from .records import file_for_case
from .storage import path_of

blueprint = Blueprint("attachments", __name__)
# A file id in a URL is bounded like the column: a larger number is simply no file (SQLite cannot even bind it).
FILE_ID = "<int(min=1, max=2147483647):file_id>"
# The forms that carry files: only their requests may be larger than the portal's usual 1 MB.
UPLOAD_ENDPOINTS = frozenset(
    {
        "customer.new_case",
        "customer.reply",
        "console.act",
        "customers.my_reply",  # a signed-in customer's reply, and reopening (with files) from either page
        "customers.my_action",
        "customers.private_action",
    }
)


def allow_uploads() -> None:
    """Before any view reads the body (CSRFProtect does): room for every file at its limit, on upload forms.
    Only multipart bodies carry files; their text parts stay within MAX_FORM_MEMORY_SIZE (1 MB) each."""
    if request.endpoint in UPLOAD_ENDPOINTS and request.mimetype == "multipart/form-data":
        request.max_content_length = request_limit(current_portal().config.attachments)


@blueprint.route(f"/cases/<number>/<token>/files/{FILE_ID}")
def customer_file(number: str, token: str, file_id: int):
    row = case_or_404(number, token)
    return serve_file(file_for_case(current_portal().desk.engine, row.id, file_id, customer_only=True))


@blueprint.route(f"/agent/cases/<number>/files/{FILE_ID}")
@agent_required
def agent_file(number: str, file_id: int):
    desk = current_portal().desk
    try:
        row = desk.case_for_agent(g.agent, number)
    except (CaseNotFound, NotAllowed):
        abort(404)
    return serve_file(file_for_case(desk.engine, row.id, file_id, customer_only=False))


@blueprint.route("/agent/cases/<number>/files/delete", methods=["POST"])
@agent_required
def delete(number: str):
    desk = current_portal().desk
    try:
        row = desk.case_for_agent(g.agent, number)
        if not PortalForm().validate_on_submit():
            raise InvalidAction("The form expired; try again.")
        ids = [int(value) for value in request.form.getlist("file") if value.isdigit() and len(value) < 12]
        desk.delete_attachments(g.agent, row, ids)
    except CaseNotFound:
        abort(404)
    except NotAllowed as exc:
        abort(403, str(exc))
    except InvalidAction as exc:
        flash(str(exc), "error")
    else:
        flash("Deleted.", "ok")
    return redirect(url_for("console.case", number=number), code=303)


def serve_file(found):
    """The file as data: its sniffed type, inline only for raster images, never sniffed or run by the browser."""
    if found is None:
        abort(404)
    path = path_of(current_portal().config.attachments_dir, found.storage_name)
    if not path.is_file():
        abort(404)
    inline = shows_inline(found.content_type)
    response = send_file(path, mimetype=found.content_type, conditional=True, etag=found.sha256, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(found.name, inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
