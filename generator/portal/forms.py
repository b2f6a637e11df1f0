"""The portal's forms (WTForms through Flask-WTF, so every one carries a CSRF token).

Text is stored exactly as typed and only ever shown escaped; what is refused here is what can do harm
outside a page: control characters (NUL, and CR/LF in one-line fields, the stuff of header injection)
and sizes beyond what a person types."""

from __future__ import annotations

import re
import uuid

from flask import abort, request
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ..schema import CONTEXT_ID, PAGE_ID, Invalid
from .attachments.uploads import FilesField
from .desk import SEVERITIES
from .mail import InvalidAddress, check_address

_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and line breaks are fine in text


class PortalForm(FlaskForm):
    """The portal's forms. The CSRF token is checked once, for every POST, by the app-wide CSRFProtect
    before any view runs; a form checking it again only cost time (the portal's busiest path is a form)."""

    class Meta:
        csrf = False


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms wants them from 3.3 on."""
    return [SelectChoice(value, label) for value, label in pairs]


def one_line(form, field) -> None:
    if field.data and _CONTROL_ONE_LINE.search(field.data):
        raise ValidationError("Use one line of plain text (no line breaks or control characters).")


def plain_text(form, field) -> None:
    if field.data and _CONTROL_TEXT.search(field.data):
        raise ValidationError("This contains control characters (such as NUL) that cannot be stored; remove them.")


def mail_address(form, field) -> None:
    """An address the portal can write to, checked as the mail queue checks it before sending, and kept in
    its normal form (so one address is one address to the acknowledgements' hourly limit)."""
    if field.data:
        try:
            field.data = check_address(field.data)
        except InvalidAddress as error:
            raise ValidationError(f"That does not look like an email address. {error}") from None


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _checked(check, value: str | None, limit: int = 200) -> str | None:
    """Where the reader came from (page, context, last search) arrives in the URL: anything malformed is
    dropped, not shown back, because it is context for the agent, not something the customer typed."""
    if not value or len(value) > limit:
        return None
    try:
        return check(value)
    except Invalid:
        return None


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """The query parameter `name` as a whole number from `low` to `high` (`default` when absent); anything
    else is a 400 saying what is expected. Unbounded, `/agent/report?days=999999999` overflowed a timedelta
    (a 500)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if len(raw) <= 12 else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        abort(400, f"{name}={raw[:20]}: expected a whole number from {low} to {high}.")
    return value


def page_ref(value: str | None) -> str | None:
    return _checked(PAGE_ID, value, 20)


def context_ref(value: str | None) -> str | None:
    return _checked(CONTEXT_ID, value, 120)


def search_ref(value: str | None) -> str | None:
    if not value or len(value) > 200 or _CONTROL_ONE_LINE.search(value):
        return None
    return value.strip() or None


class CaseForm(PortalForm):
    subject = StringField(
        "Subject",
        filters=[_strip],
        validators=[DataRequired("Say in a few words what is wrong."), Length(max=200), one_line],
        description="For example: Gantt chart is empty after importing a P6 file",
    )
    description = TextAreaField(
        "What happened?",
        filters=[_strip],
        validators=[
            DataRequired("Describe what you did, what you expected and what happened instead."),
            Length(max=20000, message="Keep it under 20,000 characters; attach the rest in a reply."),
            plain_text,
        ],
    )
    severity = RadioField(
        "How bad is it?",
        choices=choices(SEVERITIES.items()),
        default="major",
        validators=[DataRequired("Choose how bad it is.")],
    )
    module = SelectField("Product area", choices=choices([("", "Not sure")]), validators=[Optional()])
    customer_name = StringField(
        "Your name", filters=[_strip], validators=[DataRequired("Tell us your name."), Length(max=200), one_line]
    )
    customer_email = StringField(
        "Your email",
        filters=[_strip],
        validators=[
            DataRequired("We need an email address to send you the case link."),
            Length(max=254),
            one_line,
            mail_address,
        ],
    )
    company = StringField("Company", filters=[_strip], validators=[Optional(), Length(max=200), one_line])
    phone = StringField(
        "Phone",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=50),
            Regexp(r"^[0-9+()./x -]*$", message="Digits, spaces and + ( ) - only."),
        ],
    )
    page = HiddenField()
    context = HiddenField()
    last_search = HiddenField()
    files = FilesField(description="Screenshots, logs or exports that show the problem.")
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)

    def validate_idempotency_key(self, field) -> None:
        if not re.fullmatch(r"[0-9a-f]{32}", field.data or ""):
            field.data = uuid.uuid4().hex  # a tampered key only loses the double-submit protection


class ReplyForm(PortalForm):
    text = TextAreaField(
        "Your message",
        filters=[_strip],
        validators=[DataRequired("Write your message."), Length(max=20000), plain_text],
    )
    files = FilesField()


class SignInForm(PortalForm):
    username = StringField("Name", filters=[_strip], validators=[DataRequired(), Length(max=64), one_line])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class VersionedForm(PortalForm):
    """Every action on an agent's case page carries the case's version as the page showed it (refused when
    the case has moved on since) and the last event the page showed (to say what changed)."""

    version = IntegerField(validators=[InputRequired("The form lacks the case's version; reload the page.")])
    seen = IntegerField(validators=[Optional()])


class AgentTextForm(VersionedForm):
    """Reply, note, waiting, resolve, reopen, escalate: one text and the action's button."""

    text = TextAreaField(
        "Text", filters=[_strip], validators=[DataRequired("Write something."), Length(max=20000), plain_text]
    )
    files = FilesField()  # with a reply or an internal note


class ContactForm(AgentTextForm):
    channel = SelectField("Channel", choices=choices([("phone", "Phone"), ("email", "Email")]))
    direction = SelectField("Direction", choices=choices([("in", "From the customer"), ("out", "To the customer")]))


class AssignForm(VersionedForm):
    assignee = SelectField("Assign to", coerce=int, choices=[])


class ReasonForm(VersionedForm):
    """A change of severity or level: the new value and why (the reason goes into the history)."""

    value = StringField("To", validators=[DataRequired("Choose the new value."), Length(max=20), one_line])
    reason = TextAreaField("Why", filters=[_strip], validators=[DataRequired("Say why."), Length(max=2000), plain_text])


class MergeForm(VersionedForm):
    target = StringField(
        "Merge into case", filters=[_strip], validators=[DataRequired("Which case?"), Length(max=30), one_line]
    )
    reason = TextAreaField("Why (optional)", filters=[_strip], validators=[Optional(), Length(max=2000), plain_text])


class AvoidedForm(PortalForm):
    article = HiddenField(validators=[DataRequired()])
    page = HiddenField()
    context = HiddenField()
    last_search = HiddenField()


class HeldMailForm(VersionedForm):
    """Accept or reject mail held as from an unverified sender: which one (its event)."""

    event = IntegerField("Mail", validators=[DataRequired("Which mail?")])
