"""Mail in: messages from a mailbox (IMAP) or an MTA (LMTP) become cases and replies of one history.

parse.py reads a raw message into checked values, classify.py tells automatic mail from a person's,
match.py finds the case a reply answers, trim.py cuts quoted text, receive.py stores the outcome in one
transaction with its claim, imap.py and lmtp.py are the two ways in, review.py is the agent's accept or
reject of mail from an address not on the case."""

from .parse import ParsedMail, parse_mail
from .receive import Outcome, receive

__all__ = ["Outcome", "ParsedMail", "parse_mail", "receive"]
