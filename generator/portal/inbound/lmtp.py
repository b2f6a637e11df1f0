"""`kb mail receive`: an LMTP server an MTA delivers to (Postfix: `mailbox_transport = lmtp:inet:HOST:PORT`).

It answers 250 only after the message's case event is committed, so nothing acknowledged is lost; 451 when
the database is busy or down (the MTA keeps the message and tries again); 552 for a message over
mail.max_message_bytes (aiosmtpd refuses it while it is being sent, before it is held in memory whole) and
550 for one without a usable sender. LMTP answers once per recipient: the message is stored once, and each
recipient gets that answer."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP

from ..db import DatabaseBusy
from ..desk import Desk
from .receive import receive

log = logging.getLogger(__name__)
_TEXTS = {250: "2.0.0 Stored", 550: "5.7.1 Refused", 552: "5.3.4 Message too big"}


class _Handler:
    def __init__(self, desk: Desk):
        self.desk = desk

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        try:
            outcome = await asyncio.get_running_loop().run_in_executor(
                None, receive, self.desk, raw, "lmtp", envelope.mail_from, tuple(envelope.rcpt_tos), False
            )
            status = f"{outcome.code} {_TEXTS[outcome.code]}: {outcome.detail or outcome.state}"
        except (DatabaseBusy, sa.exc.OperationalError) as exc:
            log.warning("LMTP: not stored, the sender will retry: %s", exc)
            status = "451 4.3.0 The case store is busy; try again later"
        except Exception:  # noqa: BLE001 - a bug must not bounce the customer's mail: the MTA keeps it, retries
            log.exception("LMTP: a message could not be handled; answered 451")
            status = "451 4.3.0 Local error; try again later"
        status = " ".join(status.split())[:400]  # one line: the detail may quote a subject
        return "\r\n".join([status] * max(len(envelope.rcpt_tos), 1))


class _LmtpController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def start_lmtp(desk: Desk, host: str, port: int) -> Controller:
    """The LMTP server, listening on its own thread; `.stop()` ends it."""
    controller = _LmtpController(
        _Handler(desk),
        hostname=host,
        port=port,
        data_size_limit=desk.config.mail.max_message_bytes,
        decode_data=False,
    )
    controller.start()
    return controller
