"""A reply without what it quotes: the text the customer wrote this time, for the case history.

Mail clients quote the message answered below an attribution ("On Mon, Pat wrote:"), under an Outlook
divider, or line by line with ">", and add a signature after "-- ". The untrimmed message stays with the
agents (inbound_messages.raw)."""

from __future__ import annotations

import re

_CUT = [
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),  # Gmail, Apple Mail, Thunderbird
    re.compile(r"^\s*Le\b.{0,300}\ba écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.{0,100}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(Original Message|Forwarded message)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's divider above the quoted headers
    re.compile(r"^-- ?$"),  # the signature delimiter
    re.compile(r"^\s*Sent from my \w+", re.IGNORECASE),
]
_OUTLOOK_HEADERS = re.compile(r"^\s*From:\s.+\n\s*(Sent|Date):\s", re.IGNORECASE | re.MULTILINE)


def trim_reply(text: str) -> str:
    """`text` up to the first quoted part or signature, without ">" lines; the whole text if nothing is left."""
    lines = text.split("\n")
    kept: list[str] = []
    for at, line in enumerate(lines):
        joined = f"{line} {lines[at + 1]}" if at + 1 < len(lines) else line
        if any(p.match(line) for p in _CUT) or (_CUT[0].match(joined) and line.lstrip().startswith("On ")):
            break
        if _OUTLOOK_HEADERS.match("\n".join(lines[at : at + 2])):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()
