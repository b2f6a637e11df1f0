"""The console's forms for fixes: a case's type and defect (on the case page, with the case's version like
its other actions), a defect's version, shipping it, publishing a release. Choices are checked by the
defects' own calls against product.yml's versions, which say what was expected."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import PortalForm, VersionedForm, _strip, choices, one_line, plain_text
from .model import CASE_TYPES, REFERENCE_MAX


class ClassifyForm(VersionedForm):
    case_type = SelectField("Type", choices=choices(CASE_TYPES.items()), validators=[DataRequired("Choose a type.")])
    reference = StringField(
        "Defect reference",
        filters=[_strip],
        validators=[Optional(), Length(max=REFERENCE_MAX), one_line],
        description="The engineering tracker's key, such as ENG-1042; cases with the same reference share it.",
    )
    summary = TextAreaField(
        "Summary for customers (a new defect)",
        filters=[_strip],
        validators=[Optional(), Length(max=500), plain_text],
        description="One sentence customers may read: the release notes quote it. No names, no case numbers.",
    )
    # Any text: validated against product.yml's unreleased versions by Defects.classify, which names them.
    target = StringField("Fix planned for", filters=[_strip], validators=[Optional(), Length(max=40), one_line])


class VersionForm(PortalForm):
    """A defect's new version (target: '' for none) or the version it shipped in; a release to publish."""

    version = StringField("Version", filters=[_strip], validators=[Optional(), Length(max=40), one_line])


class SummaryForm(PortalForm):
    summary = TextAreaField(
        "Summary for customers",
        filters=[_strip],
        validators=[DataRequired("Write one sentence customers may read."), Length(max=500), plain_text],
    )
