"""Mail for the mail-in tests: raw messages as a customer's client (or an attacker) would send them, and the
support desk configured with a support address."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.policy import SMTP

from generator.portal.config import MailSettings

SUPPORT = "support@sample.example"
MAIL_SETTINGS = MailSettings(from_name="Sample Support", from_address=SUPPORT)
_ids = itertools.count(1)


def compose(
    body: str = "The Gantt chart is empty after I imported a P6 file.",
    *,
    sender: str = "Zoe Customer <zoe@example.com>",
    to: str = SUPPORT,
    subject: str = "Gantt chart is empty",
    message_id: str | None = "auto",
    html: str | None = None,
    files: tuple[tuple[str, str, bytes], ...] = (),
    headers: dict[str, str] | None = None,
) -> bytes:
    """A message as bytes; message_id "auto" gives it a fresh one, None none at all."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id == "auto":
        message_id = f"<customer.{next(_ids)}@example.com>"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None and not body:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
    for name, ctype, data in files:
        maintype, subtype = ctype.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def reply_to(mail, body: str, sender: str = "Zoe Customer <zoe@example.com>", **changes) -> bytes:
    """A reply to `mail` (an email.message.Message we sent), threaded as a mail client threads it."""
    quoted = "\n".join(f"> {line}" for line in mail.get_body(("plain",)).get_content().splitlines())
    headers = {"In-Reply-To": mail["Message-ID"], "References": mail["Message-ID"]} | changes.pop("headers", {})
    return compose(
        f"{body}\n\nOn Monday, Sample Support wrote:\n{quoted}\n",
        sender=sender,
        to=str(mail["Reply-To"]),
        subject=f"Re: {mail['Subject']}",
        headers=headers,
        **changes,
    )
