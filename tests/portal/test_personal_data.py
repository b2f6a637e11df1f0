"""The personal-data check finds secrets however a customer phrases them ("My password is Hunter2!" went into
a public article), cards and IBANs that pass their checksums, and key-like strings; it leaves ordinary
support sentences alone; and it stays linear on long hostile text."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from generator.portal.personal_data import find_personal_data

# (sentence, the secret that must be inside a finding)
SECRETS = [
    ("My password is Hunter2!", "Hunter2"),
    ("The password was Summer2024 until Friday.", "Summer2024"),
    ("The login is password: hunter2", "hunter2"),
    ("Set password=hunter2 in the config", "hunter2"),
    ("Password - Winter#1", "Winter#1"),
    ("The wifi password \u2013 Guest2026", "Guest2026"),
    ("The admin password is set to Pa55word now", "Pa55word"),
    ("I changed the password to Blue42! yesterday", "Blue42"),
    ("Her new password should be Qwerty123", "Qwerty123"),
    ("The password has been reset to Temp#2026", "Temp#2026"),
    ("The password for the admin account is Xyz!234", "Xyz!234"),
    ("The password is CorrectHorse", "CorrectHorse"),
    ("my password is p@ss", "p@ss"),
    ('The password is "letmein"', "letmein"),
    ("Password \u201cSunshine99\u201d", "Sunshine99"),
    ("Just use Tr0ub4dor&3 as the password", "Tr0ub4dor&3"),
    ("Use 'letmein' as your PIN", "letmein"),
    ("The passcode is 739104", "739104"),
    ("passphrase: correct-horse-battery", "correct-horse-battery"),
    ("Her PIN is 4921.", "4921"),
    ("PIN 4921 opens the door", "4921"),
    ("The PIN code was 0000", "0000"),
    ("The API key is 9f8e7d6c5b4a", "9f8e7d6c5b4a"),
    ("api_key=abc123", "abc123"),
    ("The secret is 'open sesame'", "open sesame"),
    ("secret key = s3cr3t", "s3cr3t"),
    ("The token was 'abcdef'", "abcdef"),
    ("Access token: ya29.a0AfH6SMB", "ya29.a0AfH6SMB"),
    ("pwd=Secr3t", "Secr3t"),
    ("The licence key is ABCD-1234-EFGH-5678", "ABCD-1234-EFGH-5678"),
    ("Use sk_live_4eC39HqLyjWDarjtT1zdp7dc now", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("Key AKIAIOSFODNN7EXAMPLE in the log", "AKIAIOSFODNN7EXAMPLE"),
    (
        "Token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U here",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    ("The hash 5f4dcc3b5aa765d61d8327deb882cf99 leaked", "5f4dcc3b5aa765d61d8327deb882cf99"),
    ("Secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY leaked", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("Authorization: Bearer abcdefghijklmnop1234", "abcdefghijklmnop1234"),
    ("Card 4111 1111 1111 1111 was declined", "4111 1111 1111 1111"),
    ("Paid with 5500-0000-0000-0004 last week", "5500-0000-0000-0004"),
    ("Amex 378282246310005 on file", "378282246310005"),
    ("Pay to GB82 WEST 1234 5698 7654 32 please", "GB82 WEST 1234 5698 7654 32"),
    ("IBAN DE89370400440532013000", "DE89370400440532013000"),
]

ORDINARY = [
    "Reset your password in Settings > Security.",
    "The password is wrong, so the sign-in fails.",
    "The PIN is WRONG according to the log.",
    "Passwords must be at least 12 characters long.",
    "Change the password policy to require 12 characters.",
    "Ask the administrator to reset the password.",
    "In the Password field, type your password.",
    "Upgrade to version 2.3.1 and restart.",
    "Fixed in 2026.3.1: the importer now keeps the P6 data date.",
    "This is about CASE-000123, see KB-0042.",
    "It happened on 2026-11-23 at 10:00.",
    "The key is to restart the scheduler first.",
    "Press the Enter key to continue.",
    "The token expires after 30 minutes.",
    "The customer's token expired; sign in again.",
    "Your PIN is required to approve the budget.",
    "PIN the column to the left of the chart.",
    "Released 2026-11-23 as version 4.12.0.",
    "The Gantt chart shows 1,234 activities.",
    "Open Settings > API keys to create one.",
    "The secret to fast imports is a clean calendar.",
    "Error code 0x80070005 appears on import.",
    "Use the Import wizard as the first step.",
    "The key column is Activity ID.",
    "The access key for the portal is in the admin guide.",
]


def test_the_lists_are_long_enough_to_mean_something():
    assert len(SECRETS) >= 30 and len(ORDINARY) >= 20


@pytest.mark.parametrize(("text", "secret"), SECRETS, ids=[text for text, _ in SECRETS])
def test_a_secret_is_found_however_it_is_phrased(text, secret):
    findings = find_personal_data(text)

    assert any(secret in finding.text for finding in findings), findings


@pytest.mark.parametrize("text", ORDINARY)
def test_an_ordinary_support_sentence_has_nothing_to_flag(text):
    assert find_personal_data(text) == []


def test_a_phone_number_is_still_a_phone_number():
    (finding,) = find_personal_data("Call 212-555-0142 please")

    assert (finding.kind, finding.text) == ("phone number", "212-555-0142")


def test_cards_and_ibans_are_named_as_such_only_when_their_checksum_holds():
    kinds = {f.kind for f in find_personal_data("Card 4111 1111 1111 1111, IBAN DE89370400440532013000.")}
    failing = {f.kind for f in find_personal_data("Card 4111 1111 1111 1112, IBAN DE89370400440532013001.")}

    assert kinds == {"payment card number", "bank account (IBAN)"}
    assert not failing & kinds  # digits still look like a phone number, as any long number does


class Hung(Exception):
    pass


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail instead of hanging: a pattern that backtracks (quadratic or worse) takes minutes on these inputs,
    a linear one well under a second. Not a speed measurement; the regex engine checks for signals."""

    def expire(signum, frame):
        raise Hung("the personal-data check did not finish within a minute: a pattern backtracks")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


LONG = 100_000


@pytest.mark.parametrize(
    "text",
    [
        "password is " * (LONG // 12),
        "password " * (LONG // 9),
        "password for the " * (LONG // 17),
        "use " * (LONG // 4),
        "key-" * (LONG // 4),
        "1 " * (LONG // 2),
        "4" * LONG,
        "GB82 " * (LONG // 5),
        "eyJ" + "a" * LONG,
        "a1" * (LONG // 2) + "!",
        "f" * LONG + "g",
        " " * LONG + "=",
        "\t" * LONG,
        'password "' + "x" * LONG,
    ],
    ids=lambda text: repr(text[:12]),
)
def test_the_check_stays_linear_on_long_hostile_text(deadline, text):
    find_personal_data(text)
