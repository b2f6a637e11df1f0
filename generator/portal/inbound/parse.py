"""A received message, from its raw bytes to checked values: never an exception for anything a sender writes.

Broken MIME, unknown or wrong charsets, 8-bit headers, encoded words, NULs and line breaks in names all end
as text: headers are decoded by hand (bytes outside their charset replaced), the subject and the sender's
name lose control characters and encoded words (`clean_subject`) before anything else sees them, the
address is checked with email-validator, Message-IDs are kept only in their plain `<...>` form, and an HTML
body becomes text. The walk over the parts is bounded, so a MIME bomb costs no more than a big message."""

from __future__ import annotations

import email
import email.header
import email.utils
import hashlib
import re
from dataclasses import dataclass
from email.message import Message

from ..attachments import IncomingFile
from ..mail import InvalidAddress, check_address, clean_subject
from .html_text import html_to_text

MAX_PARTS = 500  # parts looked at in one message; the rest are ignored (a message of thousands is an attack)
# Printable ASCII only: these go back out in our References header, where anything else would be refused.
_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")
_TEXT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CHECKED_HEADERS = (
    "auto-submitted",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "return-path",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "x-kb-portal",
    "content-type",
)


@dataclass(frozen=True)
class ParsedMail:
    message_key: str  # the Message-ID, or a hash of the raw message when it has none
    message_id: str | None
    sender: str | None  # the From address in its normal form; None when it is not a usable address
    sender_name: str
    subject: str
    text: str
    references: tuple[str, ...]  # In-Reply-To and References, newest last
    recipients: tuple[str, ...]  # To, Cc, Delivered-To and X-Original-To addresses, lower case
    headers: dict[str, str]  # the headers classify.py looks at, lower-case names, decoded
    files: tuple[IncomingFile, ...]
    returned_ids: tuple[str, ...]  # the Message-IDs of an original a bounce carries
    size: int


def parse_mail(raw: bytes) -> ParsedMail:
    """The checked values of the message `raw`."""
    message = email.message_from_bytes(raw)  # compat32: lenient, keeps what it cannot parse as text
    message_ids = _message_ids(_header(message, "Message-ID"))
    message_id = message_ids[0] if message_ids else None
    sender, sender_name = _sender(_raw_header(message, "From"))
    references = tuple(
        dict.fromkeys(_message_ids(_header(message, "References")) + _message_ids(_header(message, "In-Reply-To")))
    )
    recipients = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        for value in message.get_all(name) or ():
            recipients += [addr.lower() for _, addr in email.utils.getaddresses([_undecoded(value)]) if "@" in addr]
    text, html, files, returned = _walk(message)
    body = text if text.strip() else html_to_text(html) if html else text
    return ParsedMail(
        message_key=message_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
        message_id=message_id,
        sender=sender,
        sender_name=sender_name,
        subject=clean_subject(_header(message, "Subject"), limit=200),
        text=_clean_text(body),
        references=references,
        recipients=tuple(dict.fromkeys(recipients)),
        headers={name: _header(message, name) for name in _CHECKED_HEADERS if message.get(name) is not None},
        files=tuple(files),
        returned_ids=tuple(returned),
        size=len(raw),
    )


def _undecoded(value) -> str:
    """A header's text as written (encoded words left as they are), raw 8-bit bytes read as UTF-8, else as
    Windows-1252 (which reads any byte). compat32 hands a header with 8-bit bytes over as a Header object."""
    if isinstance(value, email.header.Header):
        value = "".join(
            _bytes_text(chunk) if isinstance(chunk, bytes) else chunk for chunk, _ in email.header.decode_header(value)
        )
    return _bytes_text(str(value).encode("utf-8", "surrogateescape"))


def _bytes_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _decoded(value) -> str:
    """A header's text: encoded words decoded, raw 8-bit bytes read as UTF-8 (else replaced)."""
    value = _undecoded(value)
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (email.errors.HeaderParseError, UnicodeError, LookupError, ValueError):
        return value


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    return "" if value is None else _decoded(value)


def _raw_header(message: Message, name: str) -> str:
    value = message.get(name)
    return "" if value is None else _undecoded(value)


def _message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)


def _sender(value: str) -> tuple[str | None, str]:
    """(address or None, display name) of a From header as written; the name one clean line, at most 200 long.
    The address is read before encoded words are decoded: one decoding to "x\nBcc: y@example.com" stays in
    the name, as text."""
    pairs = email.utils.getaddresses([value])
    name, address = pairs[0] if pairs else ("", "")
    name = _decoded(name)
    try:
        address = check_address(address)
    except InvalidAddress:
        return None, clean_subject(name, limit=200)
    return address, clean_subject(name, limit=200) or address.partition("@")[0]


def _walk(message: Message) -> tuple[str, str, list[IncomingFile], list[str]]:
    """(first text/plain body, first text/html body, attached files, Message-IDs of returned originals)."""
    text = html = ""
    files: list[IncomingFile] = []
    returned: list[str] = []
    for count, part in enumerate(message.walk()):
        if count >= MAX_PARTS:
            break
        ctype = part.get_content_type()
        if ctype == "message/rfc822" and part.is_multipart():
            inner = part.get_payload()
            if inner and isinstance(inner[0], Message):
                returned += _message_ids(_header(inner[0], "Message-ID"))
            continue
        if ctype == "text/rfc822-headers":
            headers = email.message_from_bytes(part.get_payload(decode=True) or b"")
            returned += _message_ids(_header(headers, "Message-ID"))
            continue
        if part.is_multipart():
            continue
        filename = _filename(part)
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        if filename or disposition == "attachment" or not ctype.startswith("text/"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and count > 0:
                files.append(IncomingFile(filename or "attachment", ctype, payload))
            continue
        if ctype == "text/plain" and not text:
            text = _part_text(part)
        elif ctype == "text/html" and not html:
            html = _part_text(part)
    return text, html, files, returned


def _filename(part: Message) -> str:
    """The part's file name: RFC 2231 parameters (get_filename) or RFC 2047 words in them, as one clean line."""
    try:
        name = part.get_filename() or ""
    except (ValueError, LookupError, UnicodeError):
        name = ""
    return clean_subject(_decoded(name), limit=255)


def _part_text(part: Message) -> str:
    """A text part's content: its declared charset, else UTF-8, else Windows-1252 (which reads any byte)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charsets = [part.get_content_charset() or "utf-8", "utf-8", "cp1252"]
    for charset in charsets:
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeError):
            continue
    return payload.decode("utf-8", "replace")


def _clean_text(text: str) -> str:
    """Line ends as \\n, and no NULs or other control characters but tab and line end."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _TEXT_CONTROL.sub("", text).strip()
