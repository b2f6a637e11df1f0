"""`kb release notes VERSION`: docs/releases/<version>.md, a draft of the version's "What's new" for the
writers. It lists the fixes (the customer-facing summaries of the defects shipped in the version or planned
for it), the public articles and chapters added or changed since the previous version, and the screens
added. Everything in it is text from elsewhere, so every piece is escaped: a summary or title becomes
words on the page, never markup, a link or template syntax."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import KbError
from ..model import RELEASES_DIR, Catalog, Product
from ..scaffold import next_page_ids, page_text
from ..versions.gitref import commit_of
from ..versions.model import ProductVersion, newest_first, version_key
from .changes import PageChange, Screen, added_screens, page_changes

_EMAIL = re.compile(r"[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+")
_CASE = re.compile(r"CASE-\d+", re.IGNORECASE)
_WORD = re.compile(r"[\w@+-]+")
# Characters that can start markup in the site's markdown (HTML, links, emphasis, code, templates, tables,
# math, emoji shortcodes, marks) become character references: shown as themselves, never read as syntax.
# Not backslashes: arithmatex reads `\(` as the start of math.
_MARKUP = re.compile(r"[\\`*_{}\[\]()<>&|~^=$:!#]")


@dataclass(frozen=True)
class Fix:
    """A defect in the release: its reference (never printed) and the words that may be."""

    reference: str
    summary: str
    private_words: tuple[str, ...] = ()  # its customers' names, companies and addresses


@dataclass(frozen=True)
class ReleaseNotes:
    product: str
    version: str
    previous: str
    fixes: tuple[str, ...]
    pages: tuple[PageChange, ...]
    screens: tuple[Screen, ...]
    modules: dict[str, str] = field(default_factory=dict)
    left_out: tuple[str, ...] = ()  # why a defect's summary is not in the notes, for the writer


def markdown_text(value: str) -> str:
    """`value` as plain words in markdown, on one line."""
    return _MARKUP.sub(lambda found: f"&#{ord(found.group())};", " ".join(value.split()))


def comparison(product: Product, version: str, root: Path) -> tuple[str, str, str | None]:
    """(previous version, its ref, this version's ref or None for the working tree) from product.yml."""
    this = product.find_version(version)
    if this is None:
        names = ", ".join(v.name for v in product.versions) or "none"
        raise KbError(f"product.yml: version {version!r} is not listed; expected one of {names}")
    older = [v for v in newest_first(product.versions) if version_key(v.name) < version_key(version)]
    previous = next((v for v in older if _ref(v)), None)
    if previous is None:
        raise KbError(
            f"product.yml: no version before {version} with a ref to compare with; give the previous version its "
            "git ref (a commit id, tag or branch)"
        )
    new_ref = this.ref if this.ref else None
    for ref in (_ref(previous), new_ref):
        if ref and commit_of(root, ref) is None:
            raise KbError(f"product.yml: ref {ref!r} is not a commit, tag or branch of the repository at {root}")
    return previous.name, _ref(previous), new_ref


def _ref(version: ProductVersion) -> str | None:
    """Where a version's sources are: its ref; the current version without one is the last commit."""
    return version.ref or ("HEAD" if version.is_current else None)


def _words(text: str) -> str:
    """Lower-case words joined by single spaces: names are matched as whole words ("Ann" not in "Annual")."""
    return " ".join(_WORD.findall(text.lower()))


def summary_problem(fix: Fix, client_words: tuple[str, ...]) -> str | None:
    """Why a defect's summary may not be published, or None: it names a case, an address, one of its
    customers, a client, or the defect's own reference (the team's, not the customers')."""
    text = fix.summary
    if not text.strip():
        return "it has no summary for customers"
    if _CASE.search(text):
        return "it names a case"
    if _EMAIL.search(text):
        return "it holds an email address"
    said = f" {_words(text)} "
    named = [(word, "one of its customers") for word in fix.private_words]
    named += [(word, "a client") for word in client_words] + [(fix.reference, "its own reference")]
    for word, what in named:
        words = _words(word)
        if len(words) >= 3 and f" {words} " in said:
            return f"it names {what}"
    return None


def collect_notes(
    catalog: Catalog, version: str, fixes: list[Fix], modules: dict[str, str] | None = None
) -> ReleaseNotes:
    """The notes of `version` from git (product.yml's refs) and the release's defects (`fixes`)."""
    root = catalog.root
    previous, old_ref, new_ref = comparison(catalog.product, version, root)
    client_words = tuple(word for profile in catalog.clients.values() for word in (profile.name, profile.slug))
    published, left_out = [], []
    for fix in fixes:
        problem = summary_problem(fix, client_words)
        if problem:
            left_out.append(f"defect {fix.reference}: {problem}; left out of the notes (reword it on its page)")
        elif fix.summary not in published:
            published.append(fix.summary)
    return ReleaseNotes(
        catalog.product.name,
        version,
        previous,
        tuple(published),
        tuple(page_changes(root, version, old_ref, new_ref)),
        tuple(added_screens(root, old_ref, new_ref)),
        modules or {slug: module.title for slug, module in catalog.product.modules.items()},
        tuple(left_out),
    )


def render_notes(notes: ReleaseNotes, root: Path) -> str:
    """The page's body in markdown: each list only when it has something."""
    lines = [
        f"# What's new in {markdown_text(notes.version)}",
        "",
        f"{markdown_text(notes.product)} {markdown_text(notes.version)}: what changed since "
        f"{markdown_text(notes.previous)}.",
    ]
    if notes.fixes:
        lines += ["", "## Fixed", ""] + [f"- {markdown_text(summary)}" for summary in notes.fixes]
    articles = [page for page in notes.pages if page.is_article]
    chapters = [page for page in notes.pages if not page.is_article]
    for heading, pages in (("Articles", articles), ("Manual chapters", chapters)):
        if pages:
            lines += ["", f"## {heading}", ""] + [_page_line(page, root) for page in pages]
    if notes.screens:
        lines += ["", "## New screens with help", ""]
        for screen in notes.screens:
            module = notes.modules.get(screen.module, screen.module)
            lines.append(
                f"- {markdown_text(screen.title)} ({markdown_text(module)})" if module else f"- {screen.title}"
            )
    if not (notes.fixes or notes.pages or notes.screens):
        lines += ["", "Nothing recorded yet."]
    return "\n".join(lines) + "\n"


def _page_line(page: PageChange, root: Path) -> str:
    title = markdown_text(page.title)
    # A link only to a page of the working tree: the notes are built from it, and a link to a page it no
    # longer has would be a broken link to `kb check`.
    if (root / page.src_uri).is_file():
        title = f"[{title}](../../{page.src_uri})"
    was = f" (was: {markdown_text(page.old_title)})" if page.old_title else ""
    return f"- {'New' if page.added else 'Updated'}: {title}{was}"


def write_notes(catalog: Catalog, notes: ReleaseNotes, force: bool = False) -> list[Path]:
    """docs/releases/<version>.md (and the section's index.md the first time); an existing page of the
    version is a writer's draft: refused unless `force`, which keeps its ID. The files written."""
    root = catalog.root
    folder = root / RELEASES_DIR
    path = folder / f"{notes.version}.md"
    src_uri = f"{RELEASES_DIR}/{notes.version}.md"
    existing = next((page for page in catalog.pages if page.src_uri == src_uri), None)
    if path.exists() and not force:
        raise KbError(f"{src_uri} exists (a writer may have edited it); pass --force to write it again")
    ids = next_page_ids(catalog, "user")
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "index.md"
    if not index.exists():
        body = "# What's new\n\nWhat each version of the product brings: fixes, new and updated pages, new screens.\n"
        index.write_text(page_text({"id": next(ids), "title": "What's new"}, body), encoding="utf-8")
        written.append(index)
    meta = {
        "id": existing.id if existing else next(ids),
        "title": f"What's new in {notes.version}",
        "summary": f"Fixes, new and updated pages and new screens in {notes.product} {notes.version}.",
    }
    path.write_text(page_text(meta, render_notes(notes, root)), encoding="utf-8")
    return [*written, path]
