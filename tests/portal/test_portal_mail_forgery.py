"""Mail that cannot be forged through the case form: encoded words in a subject add no header and no
recipient, customer text never becomes markup, the acknowledgement to an unverified address says only that a
case was logged (and only so often an hour), and an address the mail could never go to is refused at the form.

Each test sends through a real SMTP server (aiosmtpd) and parses the bytes it received."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from generator.portal.config import MailSettings
from generator.portal.mail import clean_subject

from .portal_helpers import CUSTOMER_EMAIL, Received, Visitor, case_fields, find_form, parse_page

SENDER = "Sample Support <support@sample.example>"
ATTACKER = "attacker@evil.example"
# The same two injected lines, as a quoted-printable and as a base64 encoded word.
INJECTIONS = {
    "q": f"Budget =?utf-8?q?locked=0ABcc:_{ATTACKER}=0AX-Injected:_yes?=",
    "b": "Budget =?utf-8?b?bG9ja2VkCkJjYzogYXR0YWNrZXJAZXZpbC5leGFtcGxlClgtSW5qZWN0ZWQ6IHllcw==?=",
}
PHISHING = "<a href=https://evil.example/login>Your account is locked: sign in here</a>"


@pytest.fixture
def mail_app(make_app, smtp_sink, clock):
    app = make_app(mail=MailSettings(sender=SENDER, smtp_host="127.0.0.1", smtp_port=smtp_sink.port))
    app.extensions["kb_portal"].desk.now = clock
    return app


def assert_only_to_the_customer(mail: Received) -> None:
    assert mail.rcpt_tos == (CUSTOMER_EMAIL,)
    assert mail.message.get_all("To") == [CUSTOMER_EMAIL]
    for name in ("Bcc", "Cc", "X-Injected"):
        assert mail.message[name] is None, f"{name}: {mail.message[name]}"
    # The only Reply-To is the case's own address (issue 14), made by the portal, never from the customer's text.
    replies_to = mail.message.get_all("Reply-To")
    assert len(replies_to) == 1 and re.fullmatch(r"support\+CASE-[0-9]{6}-[0-9a-f]{12}@sample\.example", replies_to[0])
    header_block = mail.raw.split(b"\r\n\r\n", 1)[0].lower()
    assert b"\nbcc:" not in header_block and b"\nx-injected:" not in header_block
    assert ATTACKER.encode() not in mail.raw


class Anchors(HTMLParser):
    """The href of every <a> in an HTML document."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")


def html_part(mail: Received) -> str:
    assert mail.message.get_content_type() == "multipart/alternative"
    (html,) = [part for part in mail.message.walk() if part.get_content_type() == "text/html"]
    return html.get_content()


@pytest.mark.parametrize("form", INJECTIONS, ids=["quoted-printable", "base64"])
def test_an_encoded_word_in_a_case_subject_adds_no_header_and_no_recipient(mail_app, smtp_sink, form):
    customer = Visitor(mail_app.test_client())
    number, _ = customer.log_case(subject=INJECTIONS[form])
    agent = Visitor(mail_app.test_client())
    agent.sign_in("ann")
    agent.act(number, "reply", {"text": "We are looking at it."})  # the update's subject repeats the customer's

    acknowledgement, update = smtp_sink.to(CUSTOMER_EMAIL)
    assert update.subject.startswith(f"[{number}] Update: Budget")
    assert "\n" not in update.subject and "Bcc" not in update.subject
    for mail in (acknowledgement, update):
        assert_only_to_the_customer(mail)
    assert [m for m in smtp_sink if m.rcpt_tos != (CUSTOMER_EMAIL,)] == []


def test_an_encoded_subject_cannot_turn_the_acknowledgement_into_the_customers_html(mail_app, smtp_sink):
    subject = "=?utf-8?q?Hi=0AContent-Type:_text/html=0A=0A<a_href=3Dhttps://evil.example/login>x</a>?="
    Visitor(mail_app.test_client()).log_case(subject=subject, description=PHISHING, customer_name=PHISHING)

    (mail,) = smtp_sink.to(CUSTOMER_EMAIL)
    assert_only_to_the_customer(mail)
    html = html_part(mail)
    assert "evil.example" not in html and "evil.example" not in mail.body
    assert all(href.startswith("http://portal.test/cases/") for href in Anchors(html).hrefs)


def test_the_acknowledgement_to_a_typed_address_says_only_that_a_case_was_logged(mail_app, smtp_sink):
    typed = case_fields(subject="Invoice overdue: pay now", description=PHISHING, customer_name="Dear valued user")
    number, path = Visitor(mail_app.test_client()).log_case(**typed)

    (mail,) = smtp_sink.to(CUSTOMER_EMAIL)
    assert mail.subject == f"[{number}] We have your case"
    html = html_part(mail)
    for text in (mail.subject, mail.body, html):
        for value in ("Invoice overdue", "evil.example", "Dear valued user", "Your account is locked"):
            assert value not in text
    assert f"http://portal.test{path}" in mail.body  # the case number and the private link are all it carries
    assert Anchors(html).hrefs == [f"http://portal.test{path}"]


def test_customer_markup_in_an_agents_update_stays_text_in_the_html_part(mail_app, smtp_sink):
    number, path = Visitor(mail_app.test_client()).log_case(subject="<b>Bold</b> subject", customer_name=PHISHING)
    agent = Visitor(mail_app.test_client())
    agent.sign_in("ann")
    agent.act(number, "reply", {"text": f"You wrote: {PHISHING}\nSee {'http://portal.test' + path}"})

    _, update = smtp_sink.to(CUSTOMER_EMAIL)
    html = html_part(update)
    assert "&lt;a href=https://evil.example/login&gt;" in html and "<b>" not in html
    assert Anchors(html).hrefs == [f"http://portal.test{path}", f"http://portal.test{path}"]  # ours only
    assert PHISHING in update.body  # the plain part is the text as written: plain text is not markup


def test_acknowledgements_to_one_address_stop_at_the_hourly_limit_and_the_case_says_so(
    make_app, smtp_sink, clock, store
):
    mail = MailSettings(sender=SENDER, smtp_host="127.0.0.1", smtp_port=smtp_sink.port, acknowledgements_per_hour=2)
    app = make_app(mail=mail)
    app.extensions["kb_portal"].desk.now = clock
    numbers = []
    for n in range(4):
        numbers.append(Visitor(app.test_client()).log_case(subject=f"Case {n}")[0])
        clock.advance(minutes=5)

    assert store.count_cases() == 4  # every case is logged
    assert [m.subject for m in smtp_sink.to(CUSTOMER_EMAIL)] == [f"[{n}] We have your case" for n in numbers[:2]]
    for number in numbers[2:]:
        (withheld,) = store.events(number, "mail_withheld")
        assert withheld.visibility == "internal" and "acknowledgements_per_hour" in withheld.body
    assert store.events(numbers[0], "mail_withheld") == []

    clock.advance(hours=1)
    later, _ = Visitor(app.test_client()).log_case(subject="An hour later")
    assert smtp_sink.to(CUSTOMER_EMAIL)[-1].subject == f"[{later}] We have your case"


@pytest.mark.parametrize(
    "address",
    [
        "=?utf-8?q?a=0ABcc=3A_attacker=40evil.example?=@example.com",
        "=?utf-8?b?YQpCY2M6IGF0dGFja2VyQGV2aWwuZXhhbXBsZQ==?=@example.com",
        '"=?utf-8?q?Zoe=0ABcc:_attacker@evil.example?=" <zoe@example.com>',
        "=?utf-8?q?Zoe?= <zoe@example.com>",
    ],
    ids=["local-part-q", "local-part-b", "quoted-display-name", "display-name"],
)
def test_an_address_with_an_encoded_word_is_refused_at_the_form_and_the_rest_is_kept(visitor, store, outbox, address):
    form = find_form(visitor.get("/cases/new").text, "/cases/new")

    response = visitor.post("/cases/new", form.fields | case_fields(customer_email=address, subject="Kept subject"))

    assert response.status_code == 400
    page = parse_page(response.text)
    (error,) = page.errors["customer_email"]
    assert "without encoded text" in error
    assert find_form(response.text, "/cases/new").fields["subject"] == "Kept subject"
    assert store.count_cases() == 0 and store.mail() == [] and outbox() == []


@pytest.mark.parametrize(
    ("typed", "header"),
    [
        ("Budget =?utf-8?q?x=0ABcc:_a@evil.example?= locked", "Budget locked"),
        ("=?UTF-8?B?QmNjOiBhQGV2aWwuZXhhbXBsZQ==?=Budget", "Budget"),
        ("A =?utf-8?q?x=?utf-8?q?IN?=?= B", "A B"),  # removing one must not leave another behind
        ("half =?utf-8?q? an encoded word", "half = ?utf-8?q? an encoded word"),
        ("nul\x00cr\rlf\nbell\x07del\x7fc1\x85\x9bls\u2028ps\u2029end", "nul cr lf bell del c1 ls ps end"),
        ("Gantt chart 🚀 naïve   spaced", "Gantt chart 🚀 naïve spaced"),
    ],
)
def test_a_subject_loses_encoded_words_and_control_characters_before_it_becomes_a_header(typed, header):
    assert clean_subject(typed) == header
