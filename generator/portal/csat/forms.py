"""The CSAT question as a form (its CSRF token is checked app-wide)."""

from __future__ import annotations

from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import PortalForm, _strip, choices, plain_text
from .answers import SCORES, Answer


class CsatForm(PortalForm):
    solved = RadioField(
        "Did this solve your problem?",
        choices=choices([("yes", "Yes"), ("no", "No")]),
        validators=[DataRequired("Say whether it was solved.")],
    )
    score = RadioField(
        "How satisfied are you with the support you had?",
        choices=choices((str(score), f"{score}: {words}") for score, words in SCORES.items()),
        validators=[InputRequired("Choose from 1 to 5.")],
    )
    comment = TextAreaField(
        "Anything to add? (optional)", filters=[_strip], validators=[Optional(), Length(max=2000), plain_text]
    )

    def answer(self) -> Answer:
        return Answer(self.solved.data == "yes", int(self.score.data), self.comment.data or "")
