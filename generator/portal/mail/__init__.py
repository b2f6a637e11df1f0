"""Notifications: queued in the same transaction as the change they report, delivered after it commits,
built so that nothing a customer types can become a header, a recipient or markup.

message.py builds a message from validated values, schedule.py says when to try again, claims.py tells a
live claimant from a dead one, queue.py queues, claims, sends and gives up."""

from .message import InvalidAddress, build_message, check_address, clean_subject
from .queue import (
    CLAIM_TIMEOUT,
    MailSender,
    claim_pending,
    deliver_claimed,
    deliver_pending,
    queue_mail,
    release_dead_claims,
    undelivered,
)
from .schedule import next_attempt

__all__ = [
    "CLAIM_TIMEOUT",
    "InvalidAddress",
    "MailSender",
    "build_message",
    "check_address",
    "claim_pending",
    "clean_subject",
    "deliver_claimed",
    "deliver_pending",
    "next_attempt",
    "queue_mail",
    "release_dead_claims",
    "undelivered",
]
