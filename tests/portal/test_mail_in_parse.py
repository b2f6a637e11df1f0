"""Reading received mail (generator.portal.inbound.parse, trim, classify): hostile and broken messages end
as checked text, never an exception, a header or markup."""

from __future__ import annotations

import pytest

from generator.portal.inbound import parse_mail
from generator.portal.inbound.classify import automatic_reason
from generator.portal.inbound.trim import trim_reply

from .mail_in_helpers import compose


def test_html_only_mail_becomes_text_without_scripts_styles_or_images():
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<p>The chart is <b>empty</b>.</p><script>alert(1)</script>"
        '<img src="https://tracker.example/pixel.png" alt="x"><p>Line one<br>line two</p>'
        '<ul><li>first</li><li>second</li></ul><a href="javascript:evil()">click</a></body></html>'
    )

    mail = parse_mail(compose("", html=html))

    assert mail.text == "The chart is empty.\n\nLine one\nline two\n\n- first\n- second\n\nclick"
    assert "alert" not in mail.text and "tracker" not in mail.text and "color" not in mail.text


def test_the_plain_part_is_preferred_to_the_html_one():
    assert parse_mail(compose("Plain words.", html="<p>HTML words</p>")).text == "Plain words."


def test_an_encoded_word_name_cannot_inject_a_header_or_change_the_sender():
    raw = (
        b"From: =?utf-8?q?Pat=0D=0ABcc:_attacker=40evil.example?= <pat@example.com>\r\n"
        b"Subject: =?utf-8?q?Help=0D=0ABcc:_attacker=40evil.example?=\r\n\r\nHi\r\n"
    )

    mail = parse_mail(raw)

    assert mail.sender in (None, "pat@example.com")
    assert "\n" not in mail.sender_name and "\r" not in mail.sender_name
    assert "\n" not in mail.subject and "=?" not in mail.subject


def test_nuls_and_controls_leave_names_subjects_and_text():
    raw = b"From: Pat\x00 Smith <pat@example.com>\r\nSubject: Broken\x00\x07 export\r\n\r\nline\x00one\x1b\r\n"

    mail = parse_mail(raw)

    assert (mail.sender, mail.sender_name) == ("pat@example.com", "Pat Smith")
    assert mail.subject == "Broken export"
    assert mail.text == "lineone"


def test_eight_bit_headers_and_wrong_charsets_are_read_as_text():
    raw = (
        "From: Zoë Müller <zoe@example.com>\r\nSubject: Überweisung fehlt\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\nCafé ist geschlossen\r\n"
    ).encode()
    latin = b"From: zoe@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCaf\xe9\r\n"
    unknown = b"From: zoe@example.com\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nHello\r\n"

    mail = parse_mail(raw)

    assert (mail.sender_name, mail.subject, mail.text) == ("Zoë Müller", "Überweisung fehlt", "Café ist geschlossen")
    assert parse_mail(latin).text == "Café"
    assert parse_mail(unknown).text == "Hello"


def test_an_encoded_word_subject_is_kept_as_clean_text():
    mail = parse_mail(b"From: zoe@example.com\r\nSubject: =?iso-8859-1?q?Caf=E9?= =?utf-8?b?w7xiZXI=?=\r\n\r\nx")

    assert mail.subject == "Caféüber"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x01\x02",
        b"From: \r\n\r\n",
        b"From: zoe@example.com\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--",
        b"From: zoe@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Transfer-Encoding:"
        b" base64\r\n\r\n!!!not base64!!!\r\n",
        b'From: zoe@example.com\r\nContent-Type: text/plain; charset="\r\n\r\nx',
        b"Message-ID: <a\r\n b>\r\nFrom: <<<@@@>>>\r\nReferences: <x> <y\x00>\r\n\r\n",
        b"From: zoe@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\n\r\nx\r\n" * 2000,
    ],
    ids=["empty", "binary", "empty-from", "empty-boundary", "bad-base64", "bad-charset", "bad-ids", "many-parts"],
)
def test_broken_mime_is_read_without_an_exception(raw):
    mail = parse_mail(raw)

    assert isinstance(mail.text, str) and mail.message_key


def test_attachment_names_from_rfc2231_and_rfc2047_parameters():
    raw = (
        b"From: zoe@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n"
        b"--b\r\nContent-Type: text/plain\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.log\r\n\r\n"
        b"log\r\n"
        b'--b\r\nContent-Type: image/png; name="=?utf-8?q?sch=C3=B6n.png?="\r\nContent-Disposition: attachment;'
        b' filename="=?utf-8?q?sch=C3=B6n.png?="\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n'
        b"--b--\r\n"
    )

    mail = parse_mail(raw)

    assert mail.text == "See the files."
    assert [(f.name, f.content_type, f.data) for f in mail.files] == [
        ("résumé.log", "text/plain", b"log"),
        ("schön.png", "image/png", b"\x89PNG\r\n\x1a\n"),
    ]


def test_a_reply_loses_its_quote_and_signature():
    assert trim_reply("Yes, it works.\n\nOn Mon, 23 Nov 2026, Sample Support wrote:\n> Try again") == "Yes, it works."
    assert trim_reply("Thanks!\n-- \nZoe Customer\nAcme Ltd") == "Thanks!"
    assert trim_reply("Done.\n\n-----Original Message-----\nFrom: Support") == "Done."
    assert trim_reply("Done.\n\nFrom: Support <s@x>\nSent: Monday\nTo: me") == "Done."
    assert trim_reply("> only a quote") == "> only a quote"  # nothing of their own: the whole text stays
    assert trim_reply("Top\n> quoted\nbottom") == "Top\nbottom"


def test_a_persons_mail_is_not_taken_for_automatic_mail():
    assert automatic_reason(parse_mail(compose())) is None
    assert automatic_reason(parse_mail(compose()), envelope_sender="<>") == "a bounce (empty return path)"
