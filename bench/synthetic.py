"""The synthetic knowledge base the benchmarks share: N articles spread over the modules of product.yml.

Titles and sentences are drawn from a small fixed vocabulary with a seeded random generator, so a given
(count, seed) always gives the same articles: front matter per WRITING.md, and a body with headings,
paragraphs, a table, an admonition, a code block and links between articles. `generate` returns them in
memory; bench/build.py writes them out as a project, bench/search.py indexes them."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent

# The synthetic vocabulary: titles and sentences are drawn from these, with a fixed seed.
# fmt: off
TYPES = ["troubleshooting"] * 10 + ["howto"] * 5 + ["faq"] * 2 + ["reference"] * 2 + ["concept"]
SYMPTOMS = ["shows no data", "is slow to open", "shows the wrong totals", "does not save changes",
            "shows duplicate rows", "is read-only", "fails with a timeout", "shows an empty list",
            "rejects the file", "shows dates one day early"]
TRIGGERS = ["after an import", "after upgrading to 2026.3", "for users with the Viewer role", "in Firefox",
            "when single sign-on is on", "after a baseline is set", "on a project with 5,000 activities",
            "after a currency change", "for archived projects", "when two users edit at once"]
VERBS = ["export", "copy", "archive", "restore", "filter", "share", "lock", "reorder", "rename", "import"]
OBJECTS = ["activities", "budget lines", "change orders", "documents", "issues", "reports", "users", "phases",
           "baselines", "cost codes", "risks", "transmittals", "calendars", "dashboards"]
NOUNS = ["the schedule", "the forecast", "the import log", "the audit trail", "the project settings",
         "the role", "the report", "the integration", "the cash flow curve", "the review workflow",
         "the calendar", "the approval", "the server", "the browser cache", "the data warehouse"]
ACTIONS = ["recalculates", "refreshes", "validates", "locks", "exports", "rebuilds", "compares", "keeps",
           "filters", "rounds", "stores", "checks", "sends", "hides", "shows"]
QUALIFIERS = ["every night", "when the project is saved", "for each phase", "only for administrators",
              "in the project's currency", "before the approval step", "after each import",
              "for the current baseline", "within the reporting period", "in the background"]
WORDS = ("planner scheduler estimator controller approver reviewer owner contractor portfolio program "
         "milestone deliverable float variance commitment invoice accrual retention submittal drawing "
         "revision transmittal register dashboard widget export template permission role tenant gateway "
         "token certificate mapping column threshold tolerance period calendar holiday shift resource").split()
# fmt: on


@dataclass(frozen=True)
class Article:
    id: str
    module: str
    slug: str
    title: str
    type: str

    @property
    def src_uri(self) -> str:
        return f"kb/{self.module}/{self.slug}.md"


@dataclass(frozen=True)
class Generated:
    """One synthetic article: its plan, its front matter and its markdown body."""

    article: Article
    meta: dict
    body: str


def plan_articles(count: int, screens: dict[str, list[str]], rng: random.Random) -> list[Article]:
    """N articles spread evenly over the modules, with unique titles, slugs and IDs."""
    articles, seen = [], set()
    modules = list(screens)
    for number in range(1, count + 1):
        module = modules[(number - 1) % len(modules)]
        kind = rng.choice(TYPES)
        subject = rng.choice(OBJECTS)
        if kind == "troubleshooting":
            screen = rng.choice(screens[module] or ["The application"])
            title = f"{screen} {rng.choice(SYMPTOMS)} {rng.choice(TRIGGERS)}"
        elif kind == "howto":
            title = f"How to {rng.choice(VERBS)} {subject} {rng.choice(QUALIFIERS)}"
        elif kind == "faq":
            title = f"Can I {rng.choice(VERBS)} {subject} {rng.choice(QUALIFIERS)}?"
        elif kind == "reference":
            title = f"{subject.capitalize()}: fields, options and limits ({rng.choice(WORDS)})"
        else:
            title = f"How {subject} and {rng.choice(OBJECTS)} work together"
        if title in seen:
            title = f"{title} (variant {number})"
        seen.add(title)
        slug = "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())[:60].strip("-")
        articles.append(Article(f"KB-{number:04d}", module, f"{slug}-{number}", title, kind))
    return articles


def sentence(rng: random.Random) -> str:
    words = " ".join(rng.sample(WORDS, rng.randint(2, 5)))
    return (
        f"{rng.choice(NOUNS).capitalize()} {rng.choice(ACTIONS)} the {rng.choice(OBJECTS)} "
        f"{rng.choice(QUALIFIERS)}, so check the {words} first."
    )


def paragraph(rng: random.Random, sentences: tuple[int, int] = (3, 5)) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(*sentences)))


def render_body(article: Article, others: list[Article], rng: random.Random) -> str:
    """A realistic article body: sections, a table, an admonition, a code block, two links."""
    links = [f"[{o.title}]({'' if o.module == article.module else '../' + o.module + '/'}{o.slug}.md)" for o in others]
    code = f"ERR-{article.module[:3].upper()}-{rng.randint(100, 9999):04d}"
    table = "\n".join(
        ["| Setting | Default | Meaning |", "|---|---|---|"]
        + [
            f"| {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} | {rng.choice(['On', 'Off', '30', 'None'])} "
            f"| {sentence(rng)} |"
            for _ in range(rng.randint(3, 6))
        ]
    )
    block = (
        f"```text\n{code}: {sentence(rng)}\n"
        f"    at {rng.choice(WORDS)}.{rng.choice(WORDS)} (request {rng.randint(10**7, 10**8)})\n```"
    )
    admonition = f"!!! {rng.choice(['tip', 'note', 'warning'])}\n    {paragraph(rng, (2, 3))}"
    steps = "\n".join(f"{n}. {sentence(rng)}" for n in range(1, rng.randint(4, 7)))
    if article.type == "troubleshooting":
        environment = (
            f"- {article.module.capitalize()} module, version 2026.3\n"
            f"- {rng.choice(['Chrome', 'Edge', 'Firefox', 'Safari'])} browser"
        )
        blocks = [
            "## Issue", paragraph(rng), block,
            "## Environment", environment,
            "## Resolution", steps, admonition, table,
            "## Cause", paragraph(rng), f"See also {links[0]} and {links[1]}.",
        ]  # fmt: skip
    else:
        blocks = [
            paragraph(rng),
            "## Before you start", paragraph(rng), admonition,
            "## Steps", steps,
            "## Details", paragraph(rng), table, block,
            "## Related articles", f"- {links[0]}\n- {links[1]}",
        ]  # fmt: skip
    return "\n\n".join([*blocks, paragraph(rng)]) + "\n"


class _AllBut(Sequence):
    """`articles` without the one at `skip`, without copying the list: `rng.sample` draws from it exactly as
    from the copy (same length, same order), so the articles are the same, and 10,000 of them take seconds,
    not the minutes of a copy of the list per article."""

    def __init__(self, articles: list[Article], skip: int):
        self.articles, self.skip = articles, skip

    def __len__(self) -> int:
        return len(self.articles) - 1

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        return self.articles[position + (position >= self.skip)]


def screens_and_contexts(repo: Path = REPO) -> tuple[dict[str, list[str]], dict[str, dict]]:
    """The screen titles per module (from contexts.yml, for the modules of product.yml) and the contexts."""
    product = yaml.safe_load((repo / "product.yml").read_text(encoding="utf-8"))
    contexts = yaml.safe_load((repo / "contexts.yml").read_text(encoding="utf-8"))["contexts"]
    screens = {m: [spec["title"] for spec in contexts.values() if spec["module"] == m] for m in product["modules"]}
    return screens, contexts


def generate(count: int, seed: int = 42, repo: Path = REPO) -> list[Generated]:
    """`count` articles with their front matter and body, the same for the same count and seed."""
    rng = random.Random(seed)
    screens, contexts = screens_and_contexts(repo)
    articles = plan_articles(count, screens, rng)
    generated = []
    claimed: set[str] = set()
    for number, article in enumerate(articles):
        others = rng.sample(_AllBut(articles, number), 2) if count > 2 else [article] * 2
        body = render_body(article, others, rng)
        claims = [c for c, spec in contexts.items() if spec["module"] == article.module]
        meta = {
            "id": article.id,
            "title": article.title,
            "summary": sentence(rng),
            "type": article.type,
            "module": article.module,
            "audience": "public",
            "confidence": "validated",
        }
        if claims and rng.random() < 0.5:
            claim = rng.choice(claims)
            # Several pages may claim a screen, exactly one as primary (kb check's rule): the first one.
            meta["contexts"] = [{"id": claim, "primary": True} if claim not in claimed else claim]
            claimed.add(claim)
        meta["tags"] = rng.sample(WORDS, 3)
        meta["updated"] = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
        meta["source_cases"] = [f"CASE-{rng.randint(1, 999999):06d}"]
        generated.append(Generated(article, meta, body))
    return generated
