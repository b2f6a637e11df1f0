"""The words of every mail the desk sends, as delivered (both parts of each message written to the outbox):
no word twice in a row ("rapid-response team team"), no doubled punctuation ("XER parser.. Now at Level
2"), exactly one greeting, first ("Hello," above the agent's own "Hello Pat" was two). Each kind of mail is
sent by driving the desk as agents, customers and the timer would, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from generator.portal.desk import NewCase

from .portal_helpers import CUSTOMER_EMAIL

# As the issue writes it: case matters ("your case CASE-000123" is right).
DOUBLED_WORD = re.compile(r"\b(\w+)\s+\1\b")
DOUBLED_PUNCTUATION = re.compile(r"[.,;:!?][.,;:!?]|([.,;:!?])[ \t]+\1")
GREETING = re.compile(r"(hello|hi|hey|dear|good (morning|afternoon|evening)|greetings)\b", re.IGNORECASE)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def handle_data(self, data: str) -> None:
        self.lines.extend(line.strip() for line in data.splitlines() if line.strip())


def plain(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_lines(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html.split("<body", 1)[1].split(">", 1)[1])
    return parser.lines


def problems(text: str) -> list[str]:
    """What is wrong with a mail's text: doubled words or punctuation, not exactly one greeting first.
    Quoted lines (a customer's words forwarded to an agent) are theirs, not the mail's."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith(">")]
    found = [f"doubled word {m.group(0)!r}" for line in lines for m in DOUBLED_WORD.finditer(line)]
    found += [f"doubled punctuation in {line!r}" for line in lines if DOUBLED_PUNCTUATION.search(line)]
    greetings = [line for line in lines if GREETING.match(line)]
    if len(greetings) != 1 or not lines or not GREETING.match(lines[0]):
        found.append(f"greetings: {greetings!r}, first line {lines[:1]!r}")
    return found


def submit(desk, subject: str, severity: str = "major", key: str = "", email: str = CUSTOMER_EMAIL) -> str:
    new = NewCase(subject, "The Gantt chart shows no bars.", "Pat Customer", email, severity, company="Acme")
    return desk.submit(new, (key or subject.encode().hex())[:32].ljust(32, "0")).number


@pytest.fixture
def every_mail(desk, staff, store, clock, outbox) -> dict[str, list]:
    """What kind of mail -> the messages of that kind the desk wrote to the outbox."""
    sent: dict[str, list] = {}

    def collect(kind: str, since: int) -> None:
        sent[kind] = outbox()[since:]
        assert sent[kind], f"no mail for {kind}"

    def case(number):
        return store.case(number)

    n = len(outbox())
    first = submit(desk, "Gantt chart is empty")
    collect("acknowledgement", n)

    n = len(outbox())
    down = submit(desk, "Server down", "catastrophic")
    collect("acknowledgement at Level 3 and the Level 3 alert", n)

    n = len(outbox())
    desk.reply(staff["ann"], case(first), "Which version do you run?")
    collect("update (the agent wrote no greeting)", n)

    n = len(outbox())
    desk.reply(staff["ann"], case(first), "Hello Pat,\n\nThanks. Please also send the log.")
    collect("update (the agent greeted)", n)

    n = len(outbox())
    desk.wait_on_customer(staff["ann"], case(first), "Could you send the XER file?")
    collect("waiting on the customer", n)

    n = len(outbox())
    desk.assign(staff["ann"], case(first), staff["bob"].id)
    collect("assigned", n)

    n = len(outbox())
    desk.customer_reply(case(first), "Hi team,\n\nHere it is.")
    collect("the customer replied", n)

    n = len(outbox())
    desk.escalate(staff["ann"], case(first), "XER parser.")
    collect("escalation by an agent, and escalated to an engineer", n)

    n = len(outbox())
    desk.change_severity(staff["bob"], case(first), "catastrophic", "Every user is down.")
    collect("severity raised to catastrophic: Level 3 alert", n)

    n = len(outbox())
    desk.resolve(staff["dan"], case(first), "Fixed in 2026.3.")
    collect("resolution", n)

    n = len(outbox())
    desk.resolve(staff["dan"], case(down), "Hello Pat,\n\nThe server is back.")
    collect("resolution (the agent greeted)", n)

    n = len(outbox())
    timed = submit(desk, "Budget locked")
    clock.advance(hours=25)
    desk.sweep()
    collect("escalation by the timer, and the status update", n)

    n = len(outbox())
    clock.advance(hours=25)
    desk.sweep()
    collect("status update", n)

    n = len(outbox())
    duplicate = submit(desk, "Budget locked again", email="yan@example.com")
    desk.merge(staff["dan"], case(duplicate), timed, "Same budget.")
    collect("acknowledgement, and the merge", n)
    return sent


def test_every_mail_the_desk_sends_reads_right(every_mail):
    found = {}
    for kind, messages in every_mail.items():
        for message in messages:
            subject = str(message["Subject"])
            text = plain(message)
            html = message.get_body(("html",)).get_content()
            wrong = problems(text) + [f"HTML: {p}" for p in problems("\n".join(html_lines(html)))]
            wrong += [f"subject: {m.group(0)!r}" for m in DOUBLED_WORD.finditer(subject)]
            if wrong:
                found[f"{kind}: {subject}"] = wrong
    assert found == {}
    subjects = [str(m["Subject"]) for messages in every_mail.values() for m in messages]
    # Every kind the issue lists was sent (and so checked above).
    for expected in ("We have your case", "Update:", "Escalated to", "Assigned to you", "RAPID RESPONSE"):
        assert any(expected in s for s in subjects), expected
    for expected in ("The customer replied", "Resolved:", "Merged into", "Escalated to you"):
        assert any(expected in s for s in subjects), expected


def test_the_words_that_were_wrong_are_right(every_mail):
    texts = {kind: [plain(m) for m in messages] for kind, messages in every_mail.items()}
    (ack, *alerts) = texts["acknowledgement at Level 3 and the Level 3 alert"]
    assert "It is with our Level 3 rapid-response team. You will hear" in ack
    escalation = texts["escalation by an agent, and escalated to an engineer"]
    assert any("Your case is now with our Level 2 team of senior product engineers." in t for t in escalation)
    greeted = texts["update (the agent greeted)"][0]
    assert greeted.startswith("Hello Pat,\n\nThanks.") and greeted.count("Hello") == 1
    assert texts["update (the agent wrote no greeting)"][0].startswith("Hello,\n\nWhich version do you run?")


def test_problems_catches_each_fault_it_is_there_for():
    assert problems("Hello,\n\nYour case is with our rapid-response team team.") == ["doubled word 'team team'"]
    assert problems("Hello,\n\nXER parser.. Now at Level 2.")[0].startswith("doubled punctuation")
    assert problems("Hello Pat Customer,\n\nHello Pat,\n\nFixed.")[0].startswith("greetings")
    assert problems("Your case is resolved.")[0].startswith("greetings")
    assert problems("Hello Ann,\n\nThe customer wrote:\n\n> Hi team,\n> here.") == []
