"""Personal data in text an agent wants to publish: what to flag before a case becomes an article.

Flags, not silent removal: the agent sees each finding and removes it or confirms it is fine (a product
error code looks like a phone number now and then). The case itself keeps everything."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Case text is hostile, and these run over every field of a draft (up to 50,000 characters) on each save.
# Each pattern starts only where a run of its characters starts (the look-behinds) and the phone number's
# run is bounded: before, a field of 20,000 characters such as "a/a/a/..." or "1- 1- 1- ..." took seconds
# per pattern (quadratic backtracking), which any customer could put in a case.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email address", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # Before the phone number: "10.0.0.12" is both, and the first pattern's name is the one shown.
    ("IP address", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
    ("phone number", re.compile(r"(?<![\w-])\+?\d[\d ().-]{6,24}\d(?![\w-])")),
    ("password or secret", re.compile(r"(?i)\b(?:password|passwd|pwd|secret|token|api[_ -]?key)\b\s*[:=]\s*\S+")),
    (
        "access key",
        re.compile(r"\b(?:AKIA[0-9A-Z]{16}|sk_(?:live|test)_[0-9A-Za-z]{16,}|gh[pousr]_[0-9A-Za-z]{20,})\b"),
    ),
    ("bearer token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*")),
    (
        "long key-like string",
        re.compile(r"(?<![A-Za-z0-9+/_-])(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{32,}={0,2}"),
    ),
)


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int


def find_personal_data(text: str, known: Iterable[tuple[str, str]] = ()) -> list[Finding]:
    """Everything in `text` that looks personal or secret: the patterns above, plus `known` values
    (kind, value) such as the customer's name, email, company and phone, and client names."""
    findings = []
    for kind, pattern in _PATTERNS:
        findings += [Finding(kind, m.group(0), m.start(), m.end()) for m in pattern.finditer(text)]
    for kind, value in known:
        value = (value or "").strip()
        if len(value) < 3:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(value)}(?!\w)", text, flags=re.IGNORECASE):
            findings.append(Finding(kind, match.group(0), match.start(), match.end()))
        for part in value.split() if kind == "the customer's name" else ():
            if len(part) >= 3:  # a first or last name alone is still the customer
                for match in re.finditer(rf"(?<!\w){re.escape(part)}(?!\w)", text, flags=re.IGNORECASE):
                    findings.append(Finding(kind, match.group(0), match.start(), match.end()))
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and finding.start < kept[-1].end:
            continue  # inside a longer finding: "zoe" within "zoe@example.com" is one thing to remove
        kept.append(finding)
    return kept
