"""The sign-in mail: the link and its code, and nothing else (no cases, no names), sent at once."""

from __future__ import annotations

from ..db import writing
from ..desk import Desk
from ..mail import deliver_claimed, queue_mail
from .links import VALID_FOR, new_link
from .records import normal_email


def sign_in_text(product: str, link: str, code: str) -> str:
    minutes = int(VALID_FOR.total_seconds() // 60)
    return (
        f"Hello,\n\nTo sign in to {product} support, open this link within {minutes} minutes:\n{link}\n\n"
        f"Reading this on another device? Type this code on the sign-in page instead: {code}\n\n"
        "The link and the code work once. If you did not ask to sign in, ignore this mail: nobody can sign in "
        "without it.\n"
    )


def send_sign_in_link(desk: Desk, email: str) -> int:
    """Make a one-time link for `email` and mail it (the same steps for any address); the link's id. The
    mail goes to the address as given, the link signs in its lower-cased form (records.normal_email)."""
    config, now = desk.config, desk.now()
    with writing(desk.engine) as conn:
        link = new_link(conn, config.secret_key, normal_email(email), now)
        url = f"{config.base_url}/sign-in/link/{link.token}"
        mail_id = queue_mail(
            conn,
            now,
            email,
            f"Your sign-in link for {config.product_name} support",
            sign_in_text(config.product_name, url, link.code),
            None,
            claim=desk.sender is None,  # sent right after the commit, as a new case's acknowledgement is
        )
    if desk.sender is None:
        deliver_claimed(desk.engine, config, desk.now(), [mail_id])
    else:
        desk.sender.notify()
    return link.id
