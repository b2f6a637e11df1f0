"""The content model: frozen dataclasses that move between the pipeline's stages."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import Problem
from .versions.model import ProductVersion
from .versions.spec import VersionSpec

# The books under docs/, in the order the help centre shows them.
BOOKS = ("user", "admin", "training")
_ORDER_PREFIX = re.compile(r"^\d+-")
# Release notes (`kb release notes`): docs/releases/<version>.md, one a version, and the folder's index.md.
# They are the user manual's last section, "What's new" (user/whats-new/<version>/), newest first; kept
# out of docs/user/ so that writing them never renumbers the manual's own chapters' files.
RELEASES_DIR = "docs/releases"
RELEASES_BOOK, RELEASES_SECTION = "user", "whats-new"


def is_release_notes(src_uri: str) -> bool:
    return src_uri.startswith(RELEASES_DIR + "/")


def without_order_prefixes(path: str) -> str:
    """user/03-scheduling/01-gantt.md -> user/scheduling/gantt.md: renumbering never changes an address."""
    return "/".join(_ORDER_PREFIX.sub("", part) for part in path.split("/"))


def url_of(dest_uri: str) -> str:
    """A staged page's address in a built site, relative to the site root: user/gantt.md -> user/gantt/."""
    stem = dest_uri[: -len(".md")]
    if stem == "index":
        return ""
    return stem[: -len("index")] if stem.endswith("/index") else stem + "/"


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
    versions: VersionSpec | None = None  # the product versions it applies to; None: every version
    changed_in: str | None = None  # the version that changed what it describes: a note on the page

    def line_of(self, key: str) -> int:
        """The line of a front matter key, for problems found after loading."""
        return self.key_lines.get(key, 2)

    def with_body(self, body: str) -> Page:
        """The page with another body. Its fields copied as they are (they were checked when it was made):
        dataclasses.replace, which makes it anew field by field, was a tenth of a second at 10,000 pages."""
        page = object.__new__(Page)
        page.__dict__.update(self.__dict__)
        page.__dict__["body"] = body
        return page

    # The places below follow from src_uri alone, and are asked for some 150,000 times a build at 10,000
    # pages: each worked out once a page (kept in the instance, beside the fields; a copy keeps them).
    @cached_property
    def book(self) -> str:
        """'kb' for articles, else the manual's folder: docs/<book>/ or a client's clients/<slug>/<book>/."""
        if is_release_notes(self.src_uri):
            return RELEASES_BOOK
        parts = self.src_uri.split("/")
        return {"kb": "kb", "docs": parts[1]}.get(parts[0]) or parts[2]

    @property
    def is_article(self) -> bool:
        return self.src_uri.startswith("kb/")  # book == "kb", without working the book out (a hot path)

    @cached_property
    def dest_uri(self) -> str:
        """Where the page sits in a staged project: kb/... as is, docs/user/04-gantt.md -> user/gantt.md,
        clients/acme/training/09-sap.md -> training/sap.md (a client's own chapter joins the book)."""
        parts = self.src_uri.split("/")
        if parts[0] == "kb":
            return self.src_uri
        if is_release_notes(self.src_uri):  # docs/releases/2026.4.md -> user/whats-new/2026.4.md
            return f"{RELEASES_BOOK}/{RELEASES_SECTION}/{parts[-1]}"
        within_book = parts[1:] if parts[0] == "docs" else parts[2:]  # clients/acme/training/x.md
        return without_order_prefixes("/".join(within_book))

    @cached_property
    def section(self) -> str | None:
        """A book's section is a sub-folder of it: docs/user/03-scheduling/01-gantt.md -> '03-scheduling'."""
        if is_release_notes(self.src_uri):
            return RELEASES_SECTION
        parts = self.src_uri.split("/")
        within_book = parts[2:-1] if parts[0] == "docs" else parts[3:-1]
        return within_book[0] if parts[0] != "kb" and within_book else None

    @cached_property
    def url(self) -> str:
        """The page's address in a built site, relative to the site root: user/gantt/."""
        return url_of(self.dest_uri)

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
    synonyms: tuple[tuple[str, ...], ...] = ()  # groups search treats as one word
    abbreviations: dict[str, str] = field(default_factory=dict)  # short form -> long form, for search
    versions: tuple[ProductVersion, ...] = ()  # newest first; the current one (`version`) always among them

    def find_version(self, name: str) -> ProductVersion | None:
        return next((version for version in self.versions if version.name == name), None)


@dataclass(frozen=True)
class SupportHours:
    """A contract's own clocks, in hours; None: the portal's default for that clock."""

    first_response: int | None = None
    updates: int | None = None
    resolution: int | None = None


@dataclass(frozen=True)
class SupportContract:
    """A client's "Support and Maintenance" contract: in force from `start` to `end`, both days included."""

    start: dt.date
    end: dt.date
    plan: str | None = None
    hours: SupportHours = SupportHours()

    def in_force(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class ClientProfile:
    slug: str
    name: str
    logo: str | None
    colors: dict[str, str]
    modules: tuple[str, ...]
    terms: dict[str, str]
    contact: dict[str, str]
    domains: tuple[str, ...] = ()  # mail domains of its people, lower case
    admins: tuple[str, ...] = ()  # addresses that see all the client's cases, lower case
    support: SupportContract | None = None
    version: str | None = None  # the product version the client runs; None: the current one

    def has_person(self, address: str) -> bool:
        """Whether `address` (any case) is one of the client's people: an admin, or at one of its domains."""
        address = address.strip().lower()
        return address in self.admins or address.rpartition("@")[2] in self.domains

    def is_admin(self, address: str) -> bool:
        return address.strip().lower() in self.admins


@dataclass(frozen=True)
class Context:
    """A screen or dialog of the application (contexts.yml): the ID it opens help with."""

    id: str
    title: str
    module: str
    line: int = field(default=0, compare=False)  # in contexts.yml, for coverage problems


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
    snippets: dict[str, str] = field(default_factory=dict)  # snippets/ text by path within it: notes/a.md
    # Pages whose front matter is wrong: reported once, and still there for links to them (one mistake, one problem).
    unloaded: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Target:
    """What one build publishes: which audiences and confidence states, and for which client."""

    name: str
    audiences: frozenset[str]
    confidences: frozenset[str]
    client: str | None = None
    modules: frozenset[str] | None = None  # a client's licensed modules; None: every module
    books: frozenset[str] | None = None  # `--book`: only these books ("kb" for articles); None: all

    @property
    def is_client(self) -> bool:
        return self.client is not None

    def pdf_name(self, book: str) -> str:
        """acme-training.pdf for a client's book, site-training.pdf for the public site's."""
        return f"{self.client or self.name}-{book}.pdf"


def client_target(profile: ClientProfile, books: frozenset[str] | None = None) -> Target:
    """A client's build: public, validated pages, only the licensed modules, plus the client's own pages."""
    return Target(
        f"client-{profile.slug}",
        frozenset({"public"}),
        frozenset({"validated"}),
        client=profile.slug,
        modules=frozenset(profile.modules),
        books=books,
    )


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
