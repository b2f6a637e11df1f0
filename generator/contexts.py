"""Context-sensitive help: which page answers each screen of contexts.yml in a target, and how well the
screens are covered.

The application knows only screen IDs; writers move, rename and filter pages. So an ID is resolved to a
topic per build, as a function of (catalog, selection): a client's build resolves against only the pages
that client gets, and falls back, visibly, when the topic is not among them. Writing the outputs is
context_files.py; this module reads nothing and writes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import takewhile
from operator import attrgetter, itemgetter
from urllib.parse import quote

from .errors import Problem
from .model import BOOKS, TARGETS, Catalog, Context, Page, Product, Selection, Target, client_target
from .select import selected_pages

# How a screen's help was found, best first. The first two are pages that claim the screen ("covered").
VIA_TOPIC = "topic"  # the page that claims the ID as primary, or the only page that claims it
VIA_FALLBACK = "fallback"  # the topic is left out of this target; another page of the target claims the ID
VIA_MODULE = "module"  # no page of the target claims the ID; the module's page, which lists its articles
VIA_SEARCH = "search"  # nothing to land on: a search for the screen's title
COVERED = (VIA_TOPIC, VIA_FALLBACK)

EXPORT_PREFIX = "KB_CONTEXT_"  # the C header's constants: schedule.gantt -> KB_CONTEXT_SCHEDULE_GANTT


@dataclass(frozen=True)
class ContextTopic:
    """Where one screen's help lands in one target, and why."""

    context: Context
    via: str
    url: str  # relative to the site root: user/gantt/, kb/scheduling/, or ?q=Gantt%20chart for a search
    page: Page | None  # the page landed on (topic or fallback); None for the module page or a search
    related: tuple[Page, ...]  # the target's other pages that claim the screen, manual chapters first
    left_out: Page | None = None  # the catalog's topic when this target does not publish it
    rivals: tuple[Page, ...] = ()  # pages that claim the screen equally (an error: no single primary)

    @property
    def covered(self) -> bool:
        return self.via in COVERED


@dataclass(frozen=True)
class ContextMap:
    """Every screen a target's users can open, resolved to where its help lands, sorted by ID."""

    target: Target
    product: Product
    topics: dict[str, ContextTopic]

    @property
    def covered(self) -> int:
        return sum(topic.covered for topic in self.topics.values())

    @property
    def percent(self) -> float:
        """Share of the screens whose help is a page that claims them; 100 when there are no screens."""
        return 100.0 * self.covered / len(self.topics) if self.topics else 100.0


def resolve_contexts(catalog: Catalog, selection: Selection) -> ContextMap:
    """Resolve every screen of contexts.yml that the target's users can open to a topic of `selection`.

    Rules, in order: the page of the target that claims the ID as primary (or, with no primary claim
    anywhere, the one page that claims it); if the target leaves that page out, another page of the target
    that claims the ID; else the module's page when the target has one; else a search for the screen's
    title. A screen no page claims at all lands on the search."""
    return _resolve_all(catalog, selection.target, selection.pages, claimers(catalog))


def coverage(
    catalog: Catalog,
    targets: Iterable[Target],
    claims: dict[str, list[Page]] | None = None,
    published: dict[str, tuple[Page, ...]] | None = None,
) -> list[ContextMap]:
    """The context map of each target, in order: what `kb contexts` prints and `kb check` judges.
    `claims`: claimers(catalog), and `published`: each target's selected_pages by name, when the caller has them."""
    claims = claimers(catalog) if claims is None else claims
    return [_resolve_all(catalog, target, _published(catalog, target, published), claims) for target in targets]


def _published(catalog: Catalog, target: Target, published: dict[str, tuple[Page, ...]] | None) -> tuple[Page, ...]:
    return published[target.name] if published is not None else selected_pages(catalog, target)


def every_target(catalog: Catalog) -> list[Target]:
    """The builds whose coverage is checked: the public and internal sites, and one per client profile."""
    return [*TARGETS.values(), *(client_target(profile) for _, profile in sorted(catalog.clients.items()))]


def screens_for(catalog: Catalog, target: Target) -> list[Context]:
    """The screens a target's users can open, sorted by ID: all of contexts.yml, or for a client build
    only the screens of the modules it licenses (the client's application shows no others)."""
    return [c for _, c in sorted(catalog.contexts.items()) if target.modules is None or c.module in target.modules]


def _resolve_all(
    catalog: Catalog, target: Target, pages: tuple[Page, ...], claims: dict[str, list[Page]]
) -> ContextMap:
    published = set(map(_src_uri, pages))
    # The stage writes a module's page (kb/<module>/) for each module with articles in the target. By the
    # book kept in each page (an article's is "kb"), not is_article: a call a page and target (50,000).
    modules_with_page = {page.module for page in pages if page.book == "kb"}
    topics = {}
    for context in screens_for(catalog, target):
        # A page private to other clients was never this target's topic: it is not "left out" of it.
        meant = [p for p in claims.get(context.id, []) if not p.clients or target.client in p.clients]
        topics[context.id] = _resolve(context, meant, published, modules_with_page)
    return ContextMap(target, catalog.product, topics)


_src_uri = attrgetter("src_uri")
_ORDER = itemgetter(0, 1, 2)  # a candidate's order without the page (pages do not compare)


def claimers(catalog: Catalog) -> dict[str, list[Page]]:
    """Context ID -> the pages claiming it, best candidates first: primary claims, then manual chapters
    (in book order) before articles, then by file."""
    found: dict[str, list[tuple[bool, int, str, Page]]] = {}
    articles = len(BOOKS)
    for page in catalog.pages:
        # Each page once per ID (`page not in list` compared whole dataclasses, quadratic in the pages claiming
        # one screen), with its order as a tuple made here: sorted in C, where a key function per page asked
        # each page's claims again (a third of the context help's time at 10,000 articles).
        primary: dict[str, bool] = {}
        for claim in page.contexts:
            primary[claim.id] = primary.get(claim.id, False) or claim.primary
        book = articles if page.is_article else BOOKS.index(page.book)
        for context_id, is_primary_claim in primary.items():
            found.setdefault(context_id, []).append((not is_primary_claim, book, page.src_uri, page))
    claims = {}
    for context_id, ordered in found.items():
        ordered.sort(key=_ORDER)
        claims[context_id] = [page for *_, page in ordered]
    return claims


def is_primary(page: Page, context_id: str) -> bool:
    return any(claim.primary for claim in page.contexts if claim.id == context_id)


def _resolve(context: Context, everywhere: list[Page], published: set[str], modules: set[str]) -> ContextTopic:
    """`everywhere`: the pages claiming the screen in claimers' order, primary claims first, so the primary
    ones are the run they start with (not asked of each page: 24,000 questions at 10,000 articles)."""
    present = [page for page in everywhere if page.src_uri in published]
    primaries = list(takewhile(lambda page: is_primary(page, context.id), present))
    left_out = None
    if not primaries:
        claimed = takewhile(lambda page: is_primary(page, context.id), everywhere)
        left_out = next((p for p in claimed if p.src_uri not in published), None)
        if left_out is None and everywhere and not present:
            left_out = everywhere[0]  # the only kind of topic there was: pages claiming it without primary
    if present:
        page = present[0]
        via = VIA_FALLBACK if left_out else VIA_TOPIC
        rivals = tuple(primaries) if len(primaries) > 1 else ()
        if not primaries and not left_out and len(present) > 1:
            rivals = tuple(present)
        related = tuple(p for p in present if p is not page)
        return ContextTopic(context, via, page.url, page, related, left_out, rivals)
    if left_out and context.module in modules:
        return ContextTopic(context, VIA_MODULE, f"kb/{context.module}/", None, (), left_out)
    return ContextTopic(context, VIA_SEARCH, search_url(context.title), None, (), left_out)


def search_url(words: str) -> str:
    """The help centre's search for `words`, relative to the site root: the theme opens its search with
    the results when a page's address has ?q=."""
    return "?q=" + quote(words, safe="")


def export_name(context_id: str) -> str:
    """The C constant for an ID: schedule.activity.edit -> KB_CONTEXT_SCHEDULE_ACTIVITY_EDIT."""
    return EXPORT_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", context_id).upper()


# Coverage: what `kb check` reports


def check_contexts(
    catalog: Catalog, targets: Iterable[Target], published: dict[str, tuple[Page, ...]] | None = None
) -> list[Problem]:
    """Coverage problems across `targets`: screens no page claims (warning), screens claimed by several
    pages without exactly one primary claim (error), topics a target leaves out and where its help falls
    back to (warning), and IDs whose exported constants would collide (error). Claims of IDs missing from
    contexts.yml are reported by checks.py. `published`: each target's selected_pages by name, if known."""
    targets = list(targets)
    claims = claimers(catalog)
    problems = _check_exports(catalog)
    for context_id, context in sorted(catalog.contexts.items()):
        if not claims.get(context_id):
            problems.append(
                Problem(
                    "contexts.yml",
                    context.line,
                    f"screen '{context_id}' ({context.title}) has no topic: no page claims it, so its help "
                    f"opens a search for {context.title!r}; add it to a page's 'contexts'",
                    severity="warning",
                )
            )
    # A finding in several targets is one problem naming them, not one problem per target.
    findings: dict[tuple, tuple[ContextTopic, list[str]]] = {}
    for context_map in coverage(catalog, targets, claims, published):
        for topic in context_map.topics.values():
            if topic.rivals:
                key: tuple = ("rivals", topic.context.id, topic.rivals)
            elif topic.left_out:
                key = ("left out", topic.context.id, topic.left_out.src_uri, _instead(topic))
            elif not topic.covered and claims.get(topic.context.id):
                key = ("private", topic.context.id, _instead(topic))
            else:
                continue
            findings.setdefault(key, (topic, []))[1].append(context_map.target.name)
    everyone = [target.name for target in targets]
    for (kind, *_), (topic, names) in findings.items():
        where = "every target" if len(names) > 1 and names == everyone else _targets(names)
        if kind == "rivals":
            problems += _rival_problems(topic, where)
        elif kind == "left out":
            problems.append(_left_out_problem(topic, where))
        else:
            problems.append(_only_private_problem(topic, where))
    return problems


def _targets(names: list[str]) -> str:
    return f"target{'s' * (len(names) > 1)} {', '.join(names)}"


def _claim_line(page: Page, context_id: str) -> int:
    return next((claim.line for claim in page.contexts if claim.id == context_id), page.line_of("contexts"))


def _instead(topic: ContextTopic) -> str:
    """Where a screen's help lands when its topic is not there, in words."""
    if topic.via == VIA_FALLBACK:
        return f"{topic.page.src_uri} ({topic.page.title})"
    if topic.via == VIA_MODULE:
        return f"the module's page kb/{topic.context.module}/"
    return f"a search for {topic.context.title!r}"


def _left_out_problem(topic: ContextTopic, where: str) -> Problem:
    context, page = topic.context, topic.left_out
    return Problem(
        page.src_uri,
        _claim_line(page, context.id),
        f"screen '{context.id}': this page, its topic, is left out of {where}; the screen's help there falls "
        f"back to {_instead(topic)}",
        severity="warning",
    )


def _only_private_problem(topic: ContextTopic, where: str) -> Problem:
    context = topic.context
    return Problem(
        "contexts.yml",
        context.line,
        f"screen '{context.id}' ({context.title}) has no topic in {where}: only pages private to other "
        f"clients claim it, so its help there opens {_instead(topic)}",
        severity="warning",
    )


def _rival_problems(topic: ContextTopic, where: str) -> list[Problem]:
    context_id, pages = topic.context.id, topic.rivals
    problems = []
    for page in pages:
        others = [p.src_uri for p in pages if p is not page]
        others = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        both = "also claimed as primary" if is_primary(page, context_id) else "also claimed"
        problems.append(
            Problem(
                page.src_uri,
                _claim_line(page, context_id),
                f"screen '{context_id}' is {both} by {others} (in {where}); expected exactly one primary "
                f"claim: {{id: {context_id}, primary: true}} on the page its help should open",
            )
        )
    return problems


def _check_exports(catalog: Catalog) -> list[Problem]:
    seen: dict[str, Context] = {}
    problems = []
    for context_id, context in sorted(catalog.contexts.items()):
        name = export_name(context_id)
        if name in seen:
            problems.append(
                Problem(
                    "contexts.yml",
                    context.line,
                    f"screen '{context_id}' exports the same constant {name} as '{seen[name].id}'; "
                    "expected IDs that differ in more than '.' and '_'",
                )
            )
        else:
            seen[name] = context
    return problems


# The table `kb contexts` prints


def format_coverage(maps: list[ContextMap]) -> list[str]:
    """The coverage table, one line per screen (ID, screen, where its help lands in each target; with one
    target, the topic's title too), then each target's share of screens covered."""
    ids = sorted({context_id for context_map in maps for context_id in context_map.topics})
    if not ids:
        return ["No screens: contexts.yml lists none, or is missing."]
    header = ["ID", "Screen", *(m.target.name for m in maps)]
    rows = []
    for context_id in ids:
        topics = [m.topics.get(context_id) for m in maps]
        screen = next(t.context.title for t in topics if t)
        rows.append([context_id, screen, *(_cell(t) for t in topics)])
    if len(maps) == 1:
        header.append("Topic")
        for row, context_id in zip(rows, ids, strict=True):
            topic = maps[0].topics[context_id]
            row.append(topic.page.title if topic.page else _instead(topic))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.append("")
    for context_map in maps:
        lines.append(
            f"{context_map.target.name}: {context_map.covered} of {len(context_map.topics)} screens have a topic "
            f"({format_percent(context_map.percent)})"
        )
    return lines


def format_percent(percent: float) -> str:
    """97.142 -> '97.1%', 100.0 -> '100%': never rounded up to a full coverage it does not have."""
    text = f"{int(percent * 10) / 10:.1f}".removesuffix(".0")
    return f"{text}%"


def _cell(topic: ContextTopic | None) -> str:
    if topic is None:
        return "-"  # a client build whose licence leaves the screen's module out
    if topic.rivals:
        return f"{topic.page.id} (ambiguous)"
    if topic.via == VIA_FALLBACK:
        return f"{topic.page.id} (fallback)"
    if topic.via == VIA_TOPIC:
        return topic.page.id
    return "module page" if topic.via == VIA_MODULE else "search"
