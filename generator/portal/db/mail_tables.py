"""Mail out (the queue the mail worker sends from) and mail in (each message received, claimed once)."""

from __future__ import annotations

import sqlalchemy as sa

from .metadata import UtcDateTime, metadata

mail_queue = sa.Table(
    "mail_queue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("to_addr", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("claimed_at", UtcDateTime),
    sa.Column("claimed_by", sa.String(300)),  # host, pid and start time of the claiming process (0004)
    sa.Column("sent_at", UtcDateTime),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", UtcDateTime),  # after a failure: not before then (0004)
    sa.Column("given_up_at", UtcDateTime),  # never sent; the case's history says why (0004)
    sa.Column("message_id", sa.String(255)),  # our Message-ID, so a reply can be matched to its case (0007)
    sa.Index("ix_mail_queue_sent_at", "sent_at"),
    sa.Index("ix_mail_queue_message_id", "message_id"),  # the mail worker looks for unsent mail every quarter second
    sa.Index("ix_mail_queue_case_id", "case_id"),  # the agent's case page lists its undelivered mail (0009)
)

# Mail that came in (migration 0007): one row per message, claimed by its key (the Message-ID, or a hash of the
# raw message when it has none) in the transaction that stores its case event, so two workers or a restart
# after a crash never handle one twice. `state` says what became of it; `raw` keeps the untrimmed original.
inbound_messages = sa.Table(
    "inbound_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("message_key", sa.String(255), nullable=False, unique=True),
    sa.Column("message_id", sa.String(255)),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("source", sa.String(10), nullable=False),  # imap, lmtp
    sa.Column("state", sa.String(20), nullable=False),  # new_case, reply, unverified, accepted, rejected, dropped...
    sa.Column("sender", sa.String(254)),
    sa.Column("subject", sa.String(300)),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id")),
    sa.Column("reason", sa.Text),
    sa.Column("raw", sa.LargeBinary),
    sa.Index("ix_inbound_messages_message_id", "message_id"),
    sa.Index("ix_inbound_messages_case_id", "case_id"),
    sa.Index("ix_inbound_messages_sender_received_at", "sender", "received_at"),
)
