"""The content model: frozen dataclasses that move between the pipeline's stages."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem

# The books under docs/, in the order the help centre shows them.
BOOKS = ("user", "admin", "training")
_ORDER_PREFIX = re.compile(r"^\d+-")


@dataclass(frozen=True)
class ContextClaim:
    id: str
    primary: bool
    line: int


@dataclass(frozen=True)
class Page:
    """An article (kb/) or a manual page (docs/<book>/), validated."""

    src_uri: str  # relative to the project root: kb/scheduling/late-finish.md
    id: str
    title: str
    summary: str | None
    type: str
    module: str | None
    audience: str
    confidence: str
    clients: tuple[str, ...]
    contexts: tuple[ContextClaim, ...]
    tags: tuple[str, ...]
    updated: dt.date | None
    source_cases: tuple[str, ...]
    body: str
    body_line: int  # the file line the body starts on, for template errors
    key_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def line_of(self, key: str) -> int:
        """The line of a front matter key, for problems found after loading."""
        return self.key_lines.get(key, 2)

    @property
    def book(self) -> str:
        """'kb' for articles, else the manual's folder under docs/."""
        parts = self.src_uri.split("/")
        return "kb" if parts[0] == "kb" else parts[1]

    @property
    def is_article(self) -> bool:
        return self.book == "kb"

    @property
    def dest_uri(self) -> str:
        """Where the page sits in a staged project: kb/... as is, docs/user/04-gantt.md -> user/gantt.md."""
        parts = self.src_uri.split("/")
        if parts[0] == "kb":
            return self.src_uri
        return "/".join([*parts[1:-1], _ORDER_PREFIX.sub("", parts[-1])])

    @property
    def url(self) -> str:
        """The page's address in a built site, relative to the site root: user/gantt/."""
        stem = self.dest_uri[: -len(".md")]
        if stem == "index":
            return ""
        return stem[: -len("index")] if stem.endswith("/index") else stem + "/"

    @property
    def permalink(self) -> str:
        return f"a/{self.id}/"


@dataclass(frozen=True)
class Module:
    slug: str
    title: str
    description: str
    icon: str


@dataclass(frozen=True)
class Product:
    name: str
    short_name: str
    version: str
    vendor: str
    support_phone: str | None
    terms: dict[str, str]
    modules: dict[str, Module]
    featured: tuple[str, ...]


@dataclass(frozen=True)
class ClientProfile:
    slug: str
    name: str
    logo: str | None
    colors: dict[str, str]
    modules: tuple[str, ...]
    terms: dict[str, str]
    contact: dict[str, str]


@dataclass(frozen=True)
class Context:
    id: str
    title: str
    module: str


@dataclass(frozen=True)
class Catalog:
    """Everything under a project root, loaded and validated; `problems` says what is wrong."""

    root: Path
    product: Product
    pages: tuple[Page, ...]
    assets: tuple[str, ...]  # non-markdown files under kb/ and docs/ (pictures), as src_uri
    clients: dict[str, ClientProfile]
    contexts: dict[str, Context]
    problems: tuple[Problem, ...] = field(default=())


@dataclass(frozen=True)
class Target:
    """What one build publishes: which audiences and confidence states, and for which client."""

    name: str
    audiences: frozenset[str]
    confidences: frozenset[str]
    client: str | None = None


SITE = Target("site", frozenset({"public"}), frozenset({"validated"}))
INTERNAL = Target("internal", frozenset({"public", "internal"}), frozenset({"wip", "not_validated", "validated"}))
TARGETS = {t.name: t for t in (SITE, INTERNAL)}


@dataclass(frozen=True)
class Selection:
    """The pages and pictures a target publishes, and the pages it leaves out (for link rewriting)."""

    target: Target
    pages: tuple[Page, ...]
    assets: tuple[str, ...]
    excluded: frozenset[str]  # src_uri of pages left out


PAGE_TYPES_FOR_NEW = ("troubleshooting", "howto", "faq", "reference")
