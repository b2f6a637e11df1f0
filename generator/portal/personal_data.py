"""Personal data in text an agent wants to publish: what to flag before a case becomes an article.

Flags, not silent removal: the agent sees each finding and removes it or confirms it is fine (a product
error code looks like a phone number now and then). The case itself keeps everything."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Case text is hostile, and these run over every field of a draft (up to 50,000 characters) on each save.
# Each pattern starts only where a run of its characters starts (the look-behinds), and every repetition
# that could meet another is bounded: before, a field of 20,000 characters such as "a/a/a/..." or
# "1- 1- 1- ..." took seconds per pattern (quadratic backtracking), which any customer could put in a case.

# What names a secret. "key" and "token" alone too: what follows must then look like one (see _looks_secret).
_SECRET_WORD = (
    r"(?:pass(?:word|wd|code|phrase)?|pwd|pin(?:[ -]?code)?|secret(?:[ _-]?key)?"
    r"|(?:(?:api|access|auth|private|licen[cs]e|secret)[ _-]?)?(?:key|token))"
)
# "the password: x", "PASSWORD=x": whatever follows is the secret (as before).
_SECRET_SET = re.compile(rf"(?i)\b{_SECRET_WORD}\b\s{{0,5}}[:=]\s{{0,5}}\S+")
# "My password is Hunter2!", "the PIN for the front door was 4921", "passcode - 7391", "token set to
# 'abc123'", "changed the password to Blue42!", "password Tr0ub4dor&3": a value that looks like a secret
# after the word and a verb (or nothing). Every repetition is bounded: the pattern cannot backtrack far.
_SECRET_SAID = re.compile(
    rf"(?i)\b{_SECRET_WORD}\b"
    r"(?:\s{1,5}(?:for|of|on)\s{1,5}(?:(?:the|my|our|your|his|her|their|this|that)\s{1,5})?[\w.-]{1,40}"
    r"(?:\s{1,5}[\w.-]{1,40})?)?"
    # The longer verbs first: the first alternative that fits is the one taken ("is" would leave "set to X").
    r"(?:\s{0,5}[-\u2013]\s{0,5}|\s{1,5}(?:(?:(?:has|have)\s{1,5}been\s{1,5}|was\s{1,5}|is\s{1,5})?"
    r"(?:set|changed|reset)\s{1,5}to|is\s{1,5}now|now\s{1,5}is|will\s{1,5}be|should\s{1,5}be|is|was|to|use|=)"
    r"\s{1,5}|\s{1,5})"
    r"""(?P<value>"[^"\n]{1,100}"|'[^'\n]{1,100}'|\u201c[^\u201d\n]{1,100}\u201d|[^\s"']{3,100})"""
)
# "use Blue42! as the password", "use 'letmein' as your PIN"
_SECRET_USED = re.compile(
    r"""(?i)\buse\s{1,5}(?P<value>"[^"\n]{1,100}"|'[^'\n]{1,100}'|[^\s"']{3,100})\s{1,5}as\s{1,5}"""
    rf"(?:(?:the|your|a|my|our|their)\s{{1,5}})?(?:new\s{{1,5}})?{_SECRET_WORD}\b"
)
_ACCESS_KEY = re.compile(
    r"\b(?:AKIA[0-9A-Z]{16}|(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}|gh[pousr]_[0-9A-Za-z]{20,}"
    r"|xox[abpors]-[0-9A-Za-z-]{10,}|AIza[0-9A-Za-z_-]{35}|sk-[0-9A-Za-z_-]{20,})"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_LONG_KEY = re.compile(
    r"(?<![A-Za-z0-9+/_-])(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{32,}={0,2}"
)
_LONG_HEX = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{24,}(?![0-9A-Za-z])")
_KEYS = (_ACCESS_KEY, _JWT, _LONG_KEY, _LONG_HEX)
_SYMBOLS = set("!@#$%^&*+=?~_/\\|<>{}[]()")


def _looks_secret(match: re.Match[str]) -> bool:
    """A value said to be a secret that looks like one: quoted, or with a digit, a symbol or a capital inside
    ("Hunter2!", "4921", "CorrectHorse"), not a plain word ("the password is wrong", "reset to default")."""
    value = match.group("value")
    if any(key.match(value) for key in _KEYS):
        return False  # "key AKIA...": the key itself is the finding, under its own name
    if value[:1] in "\"'\u201c":
        return True
    value = value.rstrip(".,;:!?)")
    mixed_case = any(ch.isupper() for ch in value[1:]) and any(ch.islower() for ch in value)  # not "WRONG"
    return len(value) >= 3 and (any(ch.isdigit() or ch in _SYMBOLS for ch in value) or mixed_case)


_DATE_OR_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,4}(?:\.\d{1,4}){1,3}")


def _phone(match: re.Match[str]) -> bool:
    """Not a date (2026-11-23) or a version (2026.3.1), which have a phone number's characters too."""
    return not _DATE_OR_VERSION.fullmatch(match.group(0))


def _luhn(match: re.Match[str]) -> bool:
    digits = [int(ch) for ch in match.group(0) if ch.isdigit()]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(reversed(digits)))
    return total % 10 == 0


def _iban(match: re.Match[str]) -> bool:
    """ISO 13616: the first four characters moved to the end, letters as 10..35, mod 97 is 1."""
    text = match.group(0).replace(" ", "").upper()
    number = "".join(str(int(ch, 36)) for ch in text[4:] + text[:4])
    return int(number) % 97 == 1


Check = Callable[[re.Match[str]], bool]
_PATTERNS: tuple[tuple[str, re.Pattern[str], Check | None], ...] = (
    ("email address", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), None),
    # Before the phone number: "10.0.0.12" is both, and the first pattern's name is the one shown.
    ("IP address", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), None),
    # Before the phone number too: 13 to 19 digits in groups that pass the Luhn check are a card.
    ("payment card number", re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?!\d)"), _luhn),
    ("bank account (IBAN)", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"), _iban),
    ("phone number", re.compile(r"(?<![\w-])\+?\d[\d ().-]{6,24}\d(?![\w-])"), _phone),
    ("password or secret", _SECRET_SET, None),
    ("password or secret", _SECRET_SAID, _looks_secret),
    ("password or secret", _SECRET_USED, _looks_secret),
    ("access key", _ACCESS_KEY, None),
    ("bearer token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*"), None),
    ("web token (JWT)", _JWT, None),
    ("long key-like string", _LONG_KEY, None),
    ("long hexadecimal key", _LONG_HEX, None),
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
    for kind, pattern, check in _PATTERNS:
        findings += [
            Finding(kind, m.group(0), m.start(), m.end()) for m in pattern.finditer(text) if check is None or check(m)
        ]
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
