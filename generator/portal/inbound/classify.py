"""Mail no person wrote: auto-replies, bounces, list mail and our own mail coming back.

None of it opens a case or gets an acknowledgement (two auto-responders answering each other never stop);
a bounce of one of our messages is kept on its case. The signs are those of RFC 3834 (Auto-Submitted),
the de facto Precedence, List-* and Microsoft/other autoresponder headers, an empty Return-Path (RFC 5321
gives bounces the null sender), the mailer-daemon and postmaster senders, and our own X-KB-Portal header."""

from __future__ import annotations

from ..mail.message import OWN_HEADER
from .parse import ParsedMail

_DAEMONS = ("mailer-daemon", "postmaster")


def automatic_reason(mail: ParsedMail, envelope_sender: str | None = None) -> str | None:
    """Why `mail` is not a person's message (for the record), or None when it may be one."""
    h = mail.headers
    if h.get(OWN_HEADER.lower()):
        return "our own mail came back"
    # Not any attached message: a customer may forward one. A delivery report says what it is.
    if "report-type=delivery-status" in h.get("content-type", "").lower().replace(" ", "").replace('"', ""):
        return "a delivery report (bounce)"
    if envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        return "a bounce (empty return path)"
    if h.get("return-path", "").strip() == "<>":
        return "a bounce (empty return path)"
    local = (mail.sender or "").partition("@")[0].lower()
    if local in _DAEMONS:
        return f"a bounce (from {local})"
    auto = h.get("auto-submitted", "").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto[:50]}"
    precedence = h.get("precedence", "").strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    if "list-id" in h or "list-unsubscribe" in h:
        return "list mail"
    for name in ("x-autoreply", "x-autorespond", "x-auto-response-suppress"):
        if name in h:
            return f"an automatic reply ({name})"
    return None


def is_bounce(reason: str | None) -> bool:
    return bool(reason) and "bounce" in reason
