"""The knowledge loop in the portal (Knowledge-Centered Service): reuse, improve, capture.

- Reuse: an agent links the articles that solved a case; the customer sees them; links are the reuse count.
- Improve: an agent flags an article as wrong or incomplete from a case ("reuse is review").
- Capture: on a case no article covers, the agent writes a draft in the KCS template; personal data in it
  is flagged and must be removed or confirmed before it can be saved. The case keeps everything.
- The help centre's "Was this helpful?" and every search are recorded for the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from ..schema import PAGE_ID, Invalid
from .clock import utcnow
from .config import PortalConfig
from .db import (
    article_flags,
    article_links,
    cases,
    drafts,
    events,
    feedback,
    reading,
    search_clicks,
    searches,
    writing,
)
from .personal_data import Finding, find_personal_data

FLAG_KINDS = {"wrong": "Wrong", "incomplete": "Incomplete"}
DRAFT_FIELDS = ("title", "module", "issue", "environment", "resolution", "cause")


class KnowledgeError(ValueError):
    """A mistake an agent can fix, with the message to show them."""


@dataclass(frozen=True)
class DraftInput:
    title: str
    module: str
    issue: str
    environment: str
    resolution: str
    cause: str


@dataclass(frozen=True)
class DraftCheck:
    """The personal data still in a draft: each finding must be removed, or confirmed as fine."""

    findings: tuple[Finding, ...]

    @property
    def clean(self) -> bool:
        return not self.findings


def article_id(value: str) -> str:
    try:
        return PAGE_ID(value.strip().upper())
    except Invalid:
        raise KnowledgeError(f"{value[:40]!r} is not an article ID; expected something like KB-0042") from None


class Knowledge:
    def __init__(self, engine: Engine, config: PortalConfig, now: Callable[[], dt.datetime] = utcnow):
        self.engine, self.config, self.now = engine, config, now

    # -- reuse ------------------------------------------------------------------------------------------

    def link(self, agent: Row, case: Row, article: str, title: str | None = None) -> bool:
        """Link an article to a case; False when it was linked already (linking twice counts once)."""
        article = article_id(article)
        try:
            return self._link(agent, case, article, title)
        except sa.exc.IntegrityError:
            # The same link twice at once (a double click): on PostgreSQL both requests can look before either
            # has committed, and the second insert meets the unique key. It was linked: not a 500.
            return False

    def _link(self, agent: Row, case: Row, article: str, title: str | None) -> bool:
        with writing(self.engine) as conn:
            found = conn.execute(
                sa.select(article_links.c.id).where(
                    article_links.c.case_id == case.id, article_links.c.article_id == article
                )
            ).first()
            if found:
                return False
            conn.execute(
                article_links.insert().values(
                    case_id=case.id,
                    article_id=article,
                    title=(title or "")[:300] or None,
                    agent_id=agent.id,
                    at=self.now(),
                )
            )
            shown = f"{article} {title}" if title else article
            self._history(conn, case, agent, "article_linked", f"Linked article {shown}")
        return True

    def unlink(self, agent: Row, case: Row, article: str) -> None:
        article = article_id(article)
        with writing(self.engine) as conn:
            conn.execute(
                article_links.delete().where(article_links.c.case_id == case.id, article_links.c.article_id == article)
            )
            self._history(conn, case, agent, "article_unlinked", f"Unlinked article {article}")

    def linked(self, case: Row) -> list[Row]:
        """The articles linked to a case (article_id, title), in the order they were linked."""
        with reading(self.engine) as conn:
            return conn.execute(
                sa.select(article_links.c.article_id, article_links.c.title)
                .where(article_links.c.case_id == case.id)
                .order_by(article_links.c.at, article_links.c.id)
            ).all()

    # -- improve ----------------------------------------------------------------------------------------

    def flag(self, agent: Row, case: Row | None, article: str, kind: str, comment: str) -> None:
        article = article_id(article)
        if kind not in FLAG_KINDS:
            raise KnowledgeError(f"a flag says the article is {' or '.join(FLAG_KINDS)}")
        if not comment.strip():
            raise KnowledgeError("say what is wrong or missing, so the writer can fix it")
        with writing(self.engine) as conn:
            conn.execute(
                article_flags.insert().values(
                    article_id=article,
                    case_id=case.id if case else None,
                    agent_id=agent.id,
                    at=self.now(),
                    kind=kind,
                    comment=comment,
                )
            )
            if case:
                self._history(conn, case, agent, "article_flagged", f"Flagged {article} as {kind}: {comment}")

    def _history(self, conn: Connection, case: Row, agent: Row, kind: str, body: str) -> None:
        """An internal entry in the case's history: who did what to its knowledge, and when."""
        conn.execute(
            events.insert().values(
                case_id=case.id,
                at=self.now(),
                kind=kind,
                channel="system",
                actor=agent.username,
                agent_id=agent.id,
                visibility="internal",
                body=body,
            )
        )

    def open_flags(self, article: str | None = None) -> list[Row]:
        query = sa.select(article_flags).where(article_flags.c.closed_at.is_(None)).order_by(article_flags.c.at)
        if article:
            query = query.where(article_flags.c.article_id == article)
        with reading(self.engine) as conn:
            return conn.execute(query).all()

    # -- capture ----------------------------------------------------------------------------------------

    def check_draft(self, case: Row, draft: DraftInput, confirmed: Iterable[str] = ()) -> DraftCheck:
        """The personal data left in the draft, less what the agent confirmed as fine."""
        known = [
            ("the customer's name", case.customer_name),
            ("the customer's email", case.customer_email),
            ("the customer's company", case.company or ""),
            ("the customer's phone", case.phone or ""),
            *(("a client's name", name) for name in self.config.clients.values()),
        ]
        accepted = {value.casefold() for value in confirmed}
        findings: dict[str, Finding] = {}  # one entry per text: confirming it once confirms it everywhere
        for name in ("title", "issue", "environment", "resolution", "cause"):
            for finding in find_personal_data(getattr(draft, name), known):
                if finding.text.casefold() not in accepted:
                    found = Finding(f"{finding.kind} in {name}", finding.text, finding.start, finding.end)
                    findings.setdefault(finding.text.casefold(), found)
        return DraftCheck(tuple(findings.values()))

    def save_draft(self, agent: Row, case: Row, draft: DraftInput, confirmed: Iterable[str] = ()) -> DraftCheck:
        """Save the case's draft, unless personal data is left in it (then nothing is saved)."""
        for name in DRAFT_FIELDS:
            if not getattr(draft, name).strip() and name not in ("cause",):
                raise KnowledgeError(f"the draft's {name} is empty")
        if draft.module not in self.config.modules:
            raise KnowledgeError(f"module {draft.module!r}: expected one of {', '.join(self.config.modules)}")
        check = self.check_draft(case, draft, confirmed)
        if not check.clean:
            return check
        now = self.now()
        values = {name: getattr(draft, name) for name in DRAFT_FIELDS}
        with writing(self.engine) as conn:
            # Two agents saving the first draft of a case at once: the case row's lock makes the second wait
            # and then update the first one's draft (PostgreSQL; SQLite's BEGIN IMMEDIATE already does this).
            conn.execute(sa.select(cases.c.id).where(cases.c.id == case.id).with_for_update())
            existing = conn.execute(sa.select(drafts).where(drafts.c.case_id == case.id)).first()
            if existing and existing.pulled_at:
                raise KnowledgeError(
                    f"the draft was pulled into the knowledge base as {existing.article_id}; edit that article instead"
                )
            if existing:
                conn.execute(drafts.update().where(drafts.c.id == existing.id).values(updated_at=now, **values))
            else:
                conn.execute(
                    drafts.insert().values(
                        case_id=case.id,
                        agent_id=agent.id,
                        created_at=now,
                        updated_at=now,
                        context_id=case.context_id,
                        **values,
                    )
                )
            self._history(conn, case, agent, "draft_saved", f"Article draft saved: {draft.title}")
        return check

    def draft_for(self, case: Row) -> Row | None:
        with reading(self.engine) as conn:
            return conn.execute(sa.select(drafts).where(drafts.c.case_id == case.id)).first()

    # -- what readers do ----------------------------------------------------------------------------------

    def record_feedback(self, article: str, helpful: bool, comment: str | None) -> None:
        with writing(self.engine) as conn:
            conn.execute(
                feedback.insert().values(
                    at=self.now(),
                    article_id=article_id(article),
                    helpful=helpful,
                    comment=(comment or "").strip()[:2000] or None,
                )
            )

    def record_search(self, query: str, results: int, source: str) -> None:
        query = _search_words(query)
        if query:
            with writing(self.engine) as conn:
                conn.execute(searches.insert().values(at=self.now(), query=query, results=results, source=source))

    def record_click(self, query: str, page_id: str, position: int | None, source: str) -> None:
        """A search result the reader opened: which page, at which place in the results."""
        page_id = _search_words(page_id)
        if page_id:
            with writing(self.engine) as conn:
                conn.execute(
                    search_clicks.insert().values(
                        at=self.now(), query=_search_words(query), page_id=page_id, position=position, source=source
                    )
                )

    def case_count(self, article: str) -> int:
        """How many cases this article resolved (its links on resolved cases)."""
        with reading(self.engine) as conn:
            return conn.execute(
                sa.select(sa.func.count())
                .select_from(article_links.join(cases, cases.c.id == article_links.c.case_id))
                .where(article_links.c.article_id == article, cases.c.status == "resolved")
            ).scalar_one()


def _search_words(text: str) -> str:
    """What a reader typed, as the report keeps it: one line of at most 200 characters. Control characters
    become spaces: a report has no use for them, and PostgreSQL refuses NUL in text outright, which turned a
    search for "gantt<NUL>" into a 500 instead of an answer."""
    return " ".join("".join(" " if ch < " " or ch == "\x7f" else ch for ch in text).split())[:200]
