"""The knowledge loop's report: what the knowledge base solved, what it is missing, how support kept its
promises. One function computes the figures from the case history; the terminal, CSV and the console page
only present them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .db import (
    agents,
    article_links,
    cases,
    csat,
    deflections,
    drafts,
    events,
    feedback,
    reading,
    search_clicks,
    searches,
)
from .defects.report import FixFigures, fix_figures, fix_lines

_LEVEL = re.compile(r"Now at Level (\d)")


@dataclass(frozen=True)
class Report:
    since: dt.datetime | None
    client: str | None
    resolved: int
    resolved_with_link: int
    reuse: list[tuple[str, int]]  # article, resolved cases linking it, most first
    new_issues: int  # resolved cases that became a draft
    known_issues: int  # resolved cases solved by an existing article
    no_result_searches: list[tuple[str, int]]
    searches_then_case: list[tuple[str, int]]
    per_context: list[tuple[str, int]]
    per_module: list[tuple[str, int]]
    never_reused: list[str]
    first_response_on_time: int
    first_responses: int
    updates_on_time: int
    updates: int
    escalations: dict[int, int]
    feedback: dict[str, tuple[int, int]] = field(default_factory=dict)  # article -> (yes, no)
    avoided: int = 0
    search_clicks: list[tuple[str, int]] = field(default_factory=list)  # page opened from search, clicks
    click_positions: dict[int, int] = field(default_factory=dict)  # place in the results (1 = first) -> clicks
    per_client: list[tuple[str, int]] = field(default_factory=list)  # client slug (or "(none)"), cases
    outside_contract: int = 0  # cases logged while their client's support contract was not in force
    # Customer satisfaction (issue 15); left out of comparisons: the figures above compare as they always did.
    csat: CsatFigures | None = field(default=None, compare=False)
    fixes: FixFigures | None = field(default=None, compare=False)  # defects and releases (issue 19)

    @property
    def link_rate(self) -> float:
        return self.resolved_with_link / self.resolved if self.resolved else 0.0


def _ranked(counts: Counter | dict, limit: int | None = None) -> list[tuple[str, int]]:
    """Most first, ties by key: the same report twice (and on SQLite and PostgreSQL alike, whatever the
    database's collation) lists the same rows in the same order; Counter.most_common kept row order."""
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part} of {whole})" if whole else "no cases yet"


def build_report(
    engine: Engine, articles: list[str], since: dt.datetime | None = None, client: str | None = None
) -> Report:
    """The figures over cases created since `since` (all when None), of one client's build when `client`.
    `articles` are the knowledge base's article IDs, to find those never reused."""
    scope = [cases.c.created_at >= since] if since else []
    if client:
        scope.append(cases.c.client == client)
    in_scope = sa.select(cases.c.id).where(*scope).scalar_subquery() if scope else None

    def scoped(column):
        return [column.in_(in_scope)] if in_scope is not None else []

    with reading(engine) as conn:
        rows = conn.execute(sa.select(cases).where(*scope)).all()
        links = conn.execute(
            sa.select(article_links.c.case_id, article_links.c.article_id).where(*scoped(article_links.c.case_id))
        ).all()
        draft_cases = set(conn.execute(sa.select(drafts.c.case_id).where(*scoped(drafts.c.case_id))).scalars())
        updates = conn.execute(
            sa.select(events.c.kind, events.c.actor, events.c.body).where(
                events.c.kind.in_(("reply", "contact_out", "status_update", "escalated")), *scoped(events.c.case_id)
            )
        ).all()
        search_filter = [searches.c.at >= since] if since else []
        no_results = conn.execute(
            sa.select(searches.c.query, sa.func.count())
            .where(searches.c.results == 0, *search_filter)
            .group_by(searches.c.query)
        ).all()
        votes = conn.execute(
            sa.select(feedback.c.article_id, feedback.c.helpful, sa.func.count())
            .where(*([feedback.c.at >= since] if since else []))
            .group_by(feedback.c.article_id, feedback.c.helpful)
        ).all()
        clicks = conn.execute(
            sa.select(search_clicks.c.page_id, search_clicks.c.position, sa.func.count())
            .where(*([search_clicks.c.at >= since] if since else []))
            .group_by(search_clicks.c.page_id, search_clicks.c.position)
        ).all()
        avoided = conn.execute(
            sa.select(sa.func.count()).select_from(deflections).where(*([deflections.c.at >= since] if since else []))
        ).scalar_one()
    resolved = {row.id for row in rows if row.status == "resolved"}
    linked_cases = {case_id for case_id, _ in links}
    reuse = Counter(article for case_id, article in links if case_id in resolved)
    responded = [row for row in rows if row.first_responded_at is not None]
    agent_updates = sum(1 for kind, actor, _ in updates if kind in ("reply", "contact_out"))
    automatic = sum(1 for kind, _, _ in updates if kind == "status_update")  # the sweep had to step in: late
    # The last "Now at Level N": the body starts with the agent's reason, which may say anything (a reason
    # quoting "Now at Level 3" counted a Level 2 escalation as a Level 3 one).
    escalations = Counter(
        int(found[-1]) for kind, _, body in updates if kind == "escalated" and (found := _LEVEL.findall(body))
    )
    escalations.update(3 for row in rows if row.severity == "catastrophic")  # straight to Level 3 at once
    clicked_pages: Counter = Counter()
    positions: Counter = Counter()
    for page, position, count in clicks:
        clicked_pages[page] += count
        if position is not None:
            positions[position] += count
    per_article: dict[str, list[int]] = {}
    for article, helpful, count in votes:
        per_article.setdefault(article, [0, 0])[0 if helpful else 1] += count
    return Report(
        since=since,
        client=client,
        resolved=len(resolved),
        resolved_with_link=len(resolved & linked_cases),
        reuse=_ranked(reuse),
        new_issues=len(resolved & draft_cases),
        known_issues=len((resolved & linked_cases) - draft_cases),
        no_result_searches=_ranked(dict(no_results), 20),
        searches_then_case=_ranked(Counter(row.last_search.casefold() for row in rows if row.last_search), 20),
        per_context=_ranked(Counter(row.context_id or "(none)" for row in rows)),
        per_module=_ranked(Counter(row.module or "(not given)" for row in rows)),
        never_reused=sorted(set(articles) - set(reuse)),
        first_response_on_time=sum(1 for row in responded if row.first_responded_at <= row.first_response_due),
        first_responses=len(responded),
        updates_on_time=agent_updates,
        updates=agent_updates + automatic,
        escalations=dict(sorted(escalations.items())),
        feedback={article: (yes, no) for article, (yes, no) in sorted(per_article.items())},
        avoided=avoided,
        search_clicks=_ranked(clicked_pages, 20),
        click_positions=dict(sorted(positions.items())),
        per_client=_ranked(Counter(row.client or "(none)" for row in rows)),
        outside_contract=sum(1 for row in rows if row.contract_ended),
        csat=csat_figures(engine, since, client),
        fixes=fix_figures(engine, since, client),
    )


def report_lines(report: Report) -> list[str]:
    """The report for the terminal."""
    scope = ", ".join(
        part
        for part in (
            f"since {report.since:%Y-%m-%d}" if report.since else "all time",
            f"client {report.client}" if report.client else "",
        )
        if part
    )
    lines = [f"Knowledge and support report ({scope})", ""]
    lines += [
        f"Link rate (resolved cases with an article linked): {_share(report.resolved_with_link, report.resolved)}",
        f"New issues (resolved into a new draft): {report.new_issues}; known issues (solved by an article): "
        f"{report.known_issues}",
        f"Cases avoided (a suggested article answered it): {report.avoided}",
        "",
    ]
    sections = [
        ("Reuse per article", [f"{a}: {n}" for a, n in report.reuse]),
        ("Searches with no results (write these next)", [f"{q!r}: {n}" for q, n in report.no_result_searches]),
        ("Searches followed by a case", [f"{q!r}: {n}" for q, n in report.searches_then_case]),
        ("Cases per context ID", [f"{c}: {n}" for c, n in report.per_context]),
        ("Cases per module", [f"{m}: {n}" for m, n in report.per_module]),
        ("Cases per client", [f"{c}: {n}" for c, n in report.per_client]),
        ("Articles never reused", [", ".join(report.never_reused)] if report.never_reused else []),
        ("Was this helpful? (yes / no)", [f"{a}: {y} / {n}" for a, (y, n) in report.feedback.items()]),
        ("Search results opened", [f"{p}: {n}" for p, n in report.search_clicks]),
        ("Search results opened, by place in the results", [f"{p}: {n}" for p, n in report.click_positions.items()]),
    ]
    for title, items in sections:
        lines.append(title)
        lines += [f"  {item}" for item in items] or ["  (none)"]
        lines.append("")
    lines += [
        "Service levels",
        f"  First responses on time: {_share(report.first_response_on_time, report.first_responses)}",
        f"  Customer updates on time: {_share(report.updates_on_time, report.updates)}",
        "  Escalations by level: "
        + (", ".join(f"Level {level}: {n}" for level, n in report.escalations.items()) or "none"),
        f"  Cases logged outside their client's support contract: {report.outside_contract}",
    ]
    if report.csat is not None:
        lines += ["", *csat_lines(report.csat)]
    if report.fixes is not None:
        lines += ["", *fix_lines(report.fixes)]
    return lines


# Where a spreadsheet may start a formula: at the start of a cell after any spaces (and quotes, which a
# spreadsheet splitting on another delimiter leaves in), and after a character some spreadsheet splits cells
# on (a `;` inside "x;=cmd()" became a cell of its own for one set to split on semicolons). The runs are of
# characters that are never the separators themselves, so each position is looked at a bounded number of
# times: linear in the text.
_FORMULA = re.compile(r'(?:^[\s"]*|[,;|\t\r\n][ "]*)(?=[=+\-@])')


def _cell(value: object) -> object:
    """A value a spreadsheet shows as text: a `'` before every place a formula could start. Searches come from
    anyone on the help centre: a search for `=HYPERLINK("http://evil.example", "x")` became a live formula in
    the exported sheet (CSV injection)."""
    if not isinstance(value, str):
        return value
    value = _FORMULA.sub(lambda m: m.group(0) + "'", value)
    return "'" + value if value[:1] in ("\t", "\r") else value


class _SafeWriter:
    """Every cell quoted as well: a `;` inside an unquoted cell split it in two for a spreadsheet that splits
    on semicolons, and the second half ("x;=cmd()") started a formula no first-character check had seen."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out, quoting=csv.QUOTE_ALL)

    def writerow(self, row: list) -> None:
        self._writer.writerow([_cell(value) for value in row])


def report_csv(report: Report) -> str:
    """Every figure as rows of (section, key, value), for a spreadsheet."""
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(["section", "key", "value"])
    writer.writerow(["summary", "resolved", report.resolved])
    writer.writerow(["summary", "resolved_with_link", report.resolved_with_link])
    writer.writerow(["summary", "link_rate", f"{report.link_rate:.3f}"])
    writer.writerow(["summary", "new_issues", report.new_issues])
    writer.writerow(["summary", "known_issues", report.known_issues])
    writer.writerow(["summary", "cases_avoided", report.avoided])
    writer.writerow(["sla", "first_responses_on_time", report.first_response_on_time])
    writer.writerow(["sla", "first_responses", report.first_responses])
    writer.writerow(["sla", "updates_on_time", report.updates_on_time])
    writer.writerow(["sla", "updates", report.updates])
    writer.writerow(["sla", "outside_contract", report.outside_contract])
    for level, count in report.escalations.items():
        writer.writerow(["escalations", f"level_{level}", count])
    for section, pairs in (
        ("reuse", report.reuse),
        ("no_result_searches", report.no_result_searches),
        ("searches_then_case", report.searches_then_case),
        ("per_context", report.per_context),
        ("per_module", report.per_module),
        ("per_client", report.per_client),
        ("search_clicks", report.search_clicks),
        ("click_positions", list(report.click_positions.items())),
    ):
        for key, value in pairs:
            writer.writerow([section, key, value])
    for article in report.never_reused:
        writer.writerow(["never_reused", article, 0])
    for article, (yes, no) in report.feedback.items():
        writer.writerow(["feedback_yes", article, yes])
        writer.writerow(["feedback_no", article, no])
    if report.csat is not None and report.csat.overall.answers:  # like reuse: rows only for what there is
        for by, groups in (("all", {"all": report.csat.overall}), *report.csat.by.items()):
            for key, group in groups.items():
                writer.writerow([f"csat_{by}_answers", key, group.answers])
                writer.writerow([f"csat_{by}_solved", key, group.solved])
                writer.writerow([f"csat_{by}_mean_score", key, f"{group.mean_score:.2f}"])
    if report.fixes is not None:
        for version, count, waiting in report.fixes.open_by_version:
            writer.writerow(["open_defects", version, count])
            writer.writerow(["open_defects_cases_waiting", version, waiting])
        for reference, count in report.fixes.cases_per_defect:
            writer.writerow(["cases_per_defect", reference, count])
        for key, wait in (("median_hours", report.fixes.median_wait), ("p90_hours", report.fixes.p90_wait)):
            if wait is not None:
                writer.writerow(["case_to_shipped_fix", key, f"{wait.total_seconds() / 3600:.1f}"])
    return out.getvalue()


# -- customer satisfaction (CSAT, issue 15) ------------------------------------------------------------------


@dataclass(frozen=True)
class CsatGroup:
    """The answers of one group of cases: how many, how many said solved, the sum of their scores (1-5)."""

    answers: int = 0
    solved: int = 0
    score_total: int = 0

    @property
    def mean_score(self) -> float:
        return self.score_total / self.answers if self.answers else 0.0

    def add(self, solved: bool, score: int) -> CsatGroup:
        return CsatGroup(self.answers + 1, self.solved + int(solved), self.score_total + score)


@dataclass(frozen=True)
class CsatFigures:
    """CSAT over the answered cases: overall, and by level, module, client and agent (`by`: dimension ->
    group -> figures, groups sorted by name)."""

    overall: CsatGroup
    by: dict[str, dict[str, CsatGroup]]


CSAT_DIMENSIONS = ("level", "module", "client", "agent")


def csat_figures(engine: Engine, since: dt.datetime | None = None, client: str | None = None) -> CsatFigures:
    """CSAT of the cases created since `since` (all when None), of one client's when `client`: the console's
    report charts them, `kb report` prints them. A case's agent is who resolved it (else its assignee): the
    answer is about that resolution. The level is the case's when answered."""
    scope = [cases.c.created_at >= since] if since else []
    if client:
        scope.append(cases.c.client == client)
    with reading(engine) as conn:
        answered = conn.execute(
            sa.select(csat.c.case_id, csat.c.solved, csat.c.score, cases.c.level, cases.c.module, cases.c.client)
            .join(cases, cases.c.id == csat.c.case_id)
            .where(*scope)
        ).all()
        ids = [row.case_id for row in answered]
        resolvers = conn.execute(
            sa.select(events.c.case_id, agents.c.username)
            .join(agents, agents.c.id == events.c.agent_id)
            .where(events.c.kind == "resolved", events.c.case_id.in_(ids))
            .order_by(events.c.at, events.c.id)
        ).all()
        assignees = dict(
            conn.execute(
                sa.select(cases.c.id, agents.c.username)
                .join(agents, agents.c.id == cases.c.assignee_id)
                .where(cases.c.id.in_(ids))
            ).all()
        )
    resolved_by = dict(resolvers)  # in time order: the last resolution wins
    overall = CsatGroup()
    by: dict[str, dict[str, CsatGroup]] = {dimension: {} for dimension in CSAT_DIMENSIONS}
    for row in answered:
        overall = overall.add(row.solved, row.score)
        keys = {
            "level": f"Level {row.level}",
            "module": row.module or "(not given)",
            "client": row.client or "(public help centre)",
            "agent": resolved_by.get(row.case_id) or assignees.get(row.case_id) or "(nobody)",
        }
        for dimension, key in keys.items():
            by[dimension][key] = by[dimension].get(key, CsatGroup()).add(row.solved, row.score)
    return CsatFigures(overall, {dimension: dict(sorted(groups.items())) for dimension, groups in by.items()})


def csat_lines(figures: CsatFigures) -> list[str]:
    """The CSAT section of the terminal report."""

    def line(name: str, group: CsatGroup) -> str:
        return (
            f"{name}: {group.mean_score:.1f} of 5 from {group.answers} answer{'s' if group.answers != 1 else ''}, "
            f"solved {_share(group.solved, group.answers)}"
        )

    if not figures.overall.answers:
        return ["Customer satisfaction (CSAT)", "  (no answers yet)"]
    lines = ["Customer satisfaction (CSAT)", f"  {line('All answers', figures.overall)}"]
    for dimension, groups in figures.by.items():
        lines.append(f"  By {dimension}")
        lines += [f"    {line(name, group)}" for name, group in groups.items()]
    return lines
