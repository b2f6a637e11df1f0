"""Customer satisfaction (CSAT): once a case is resolved its customer is asked, once, whether it was solved
and how satisfied they are (1 to 5, a comment), on the case page and through a link in the resolution mail.

links.py makes the mail's link (it can record the answer for its one case and nothing else: it shows no case
and signs nobody in), answers.py records and reads answers, forms.py the question, views.py the mail link's
page. The figures are report.py's `csat_figures`."""

from __future__ import annotations

from .answers import AlreadyAnswered, Answer, answer_for, record_answer
from .links import csat_invitation, csat_link, csat_token

__all__ = ["AlreadyAnswered", "Answer", "answer_for", "csat_invitation", "csat_link", "csat_token", "record_answer"]
