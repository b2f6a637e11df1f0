"""Outgoing messages built from validated values only: a clean one-line subject, a checked address, the text
as a plain part and kb's own HTML part (Jinja2, autoescaped) beside it.

Python's `email` package decodes RFC 2047 encoded words when a header is set, so a subject typed as
`=?utf-8?q?x=0ABcc:_attacker@example.com?=` became a line break and a Bcc header when the message was folded
(the CVE-2024-6923 class, unfixed in Python 3.11). Subjects therefore lose encoded words and control
characters before they are set, addresses with encoded words are refused, and every header is read back
once set: a value that decodes to a line break is refused, whatever the Python version."""

from __future__ import annotations

import datetime as dt
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import jinja2
from email_validator import EmailNotValidError, validate_email
from markupsafe import Markup, escape

from ..config import PortalConfig

POLICY = email.policy.SMTP.clone(raise_on_defect=True)  # CRLF line ends, and defects are errors, not notes
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: each can end a header line
# somewhere (in Python's parser, a mail client, or a gateway that normalises line ends).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]")
_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("generator.portal", "templates/mail"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


class InvalidAddress(ValueError):
    """An address the portal will not write mail to, with the reason for the customer or the agent."""


def clean_subject(text: str, limit: int = 300) -> str:
    """A subject fit for a header: no encoded words, no control characters, one line, at most `limit` long."""
    while True:  # removing one encoded word can join the halves of another
        stripped = _ENCODED_WORD.sub("", text)
        if stripped == text:
            break
        text = stripped
    text = _CONTROL.sub(" ", text).replace("=?", "= ?")  # what is left of "=?" can no longer start one
    return " ".join(text.split())[:limit]


def check_address(address: str) -> str:
    """The address in its normal form, or InvalidAddress saying what is wrong with it."""
    if "=?" in address:
        raise InvalidAddress("Give the address alone (name@example.com), without encoded text such as =?utf-8?...?=.")
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidAddress(str(error)) from None


@dataclass(frozen=True)
class Thread:
    """Where a message belongs: its own Message-ID, the messages it answers, and the case's reply address."""

    message_id: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    reply_to: str | None = None


# Who wrote a message we sent: our mail coming back (a forward, an auto-reply quoting its headers) is known by it.
OWN_HEADER = "X-KB-Portal"


def new_message_id(config: PortalConfig) -> str:
    """A fresh Message-ID in the support address's domain."""
    return make_msgid(domain=config.mail.support_address.rpartition("@")[2] or "kb.localhost")


def build_message(config: PortalConfig, to: str, subject: str, body: str, thread: Thread | None = None) -> EmailMessage:
    """A multipart/alternative message: `body` as text/plain and as kb's HTML, threaded by `thread`;
    InvalidAddress for a bad `to`."""
    message = EmailMessage(policy=POLICY)
    message["From"] = config.mail.from_header
    message["To"] = check_address(to)
    message["Subject"] = clean_subject(subject)
    message["Message-ID"] = thread.message_id if thread else new_message_id(config)
    if thread and thread.in_reply_to:
        message["In-Reply-To"] = thread.in_reply_to
    if thread and thread.references:
        message["References"] = " ".join(thread.references)
    if thread and thread.reply_to:
        message["Reply-To"] = thread.reply_to
    message[OWN_HEADER] = "1"
    message["Date"] = dt.datetime.now(dt.UTC)
    for name, value in message.items():
        if "\n" in value or "\r" in value:  # decoded: what the folding would write out as a line of its own
            raise InvalidAddress(f"the {name} header would break into lines; not sent")
    message.set_content(body)
    message.add_alternative(render_html(config, body), subtype="html")
    return message


def render_html(config: PortalConfig, body: str) -> str:
    """The text as kb's HTML: paragraphs and line breaks kept, everything escaped, and links made only of the
    portal's own addresses (a customer's link stays text)."""
    own_link = re.compile(re.escape(config.base_url) + r"/[A-Za-z0-9/_.~-]*")
    paragraphs = [
        [_linked(line, own_link) for line in block.split("\n")] for block in re.split(r"\n\s*\n", body.strip())
    ]
    return _templates.get_template("message.html").render(paragraphs=paragraphs, product=config.product_name)


def _linked(line: str, own_link: re.Pattern) -> Markup:
    out, at = [], 0
    for match in own_link.finditer(line):
        out += [escape(line[at : match.start()]), Markup('<a href="{0}">{0}</a>').format(match.group())]
        at = match.end()
    out.append(escape(line[at:]))
    return Markup("").join(out)
