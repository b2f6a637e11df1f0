"""The sign-in forms (every one carries a CSRF token, checked app-wide)."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from ..forms import PortalForm, _strip, mail_address, one_line


class AskForLinkForm(PortalForm):
    email = StringField(
        "Your email",
        filters=[_strip],
        validators=[DataRequired("Give the address you write to us from."), Length(max=254), one_line, mail_address],
        description="We mail you a link that signs you in; no password needed.",
    )


class CodeForm(PortalForm):
    code = StringField(
        "Code from the mail",
        filters=[lambda value: "".join(value.split()) if isinstance(value, str) else value],
        validators=[DataRequired("Type the 6-digit code."), Regexp(r"^[0-9]{6}$", message="The code is 6 digits.")],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "7"},
    )
