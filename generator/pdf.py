"""A book as a printable handout: its staged chapters as HTML, one print template, WeasyPrint.

The chapters are the same rendered markdown the site is built from (templates evaluated, links re-pointed,
pages the target leaves out already gone), converted with the site's own markdown extensions, so
admonitions, tables and code look as they do on the site. WeasyPrint may read only the files of this
build: its URL fetcher refuses every other URL, so a page cannot pull in /etc/passwd or fetch from the
network."""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
import markdown
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from .diagrams import draw_diagrams
from .engine_budget import time_limit
from .errors import KbError, Problem, SourceError
from .html_safety import SANITISER
from .markdown_features import engine_extensions, resolved
from .model import BOOKS, Catalog, Page, Selection, without_order_prefixes
from .pdf_cache import PdfCache, book_key, files_read
from .print_markup import ANSWER_CLASS, PRINT_MARKUP
from .select import book_pages, number_pages, section_titles
from .source_files import inside_sources
from .yamlfile import parse_yaml

PRINT_CSS = Path(__file__).with_name("assets") / "print.css"
_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("generator", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
)
_ID = re.compile(r'\bid="([^"]+)"')
# `[^<>]` and a link text that stops at the next `<a`: on a writer's raw HTML with many unclosed tags, each
# match attempt must end where the next one starts, or the scan is quadratic (tests/test_scanning.py).
_HREF = re.compile(r'<a\b([^<>]*?)\bhref="([^"]*)"([^<>]*)>((?:(?!</a>|<a\b).)*)</a>', re.DOTALL)
_FIRST_H1 = re.compile(r"\s*<h1\b[^>]*>(.*?)</h1>", re.DOTALL)
_TAGS = re.compile(r"<[^<>]+>")
ARITHMATEX = 'class="arithmatex"'
_SRC = re.compile(r'(<img\b[^<>]*?\bsrc=")([^"]*)(")')
_ANSWER = re.compile(rf'<div class="{ANSWER_CLASS}" id="([^"]+)">')
_DIV = re.compile(r"<(/?)div\b[^>]*>")
_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.DOTALL)
# PDF/UA-1: a tagged PDF (its structure tree is what screen readers and reflow read), the document's title
# shown instead of its file name, the language declared.
PDF_VARIANT = "pdf/ua-1"


@dataclass(frozen=True)
class Cover:
    """What the cover and the running headers say."""

    book_title: str
    product: str
    version: str
    audience: str  # the client's name, or the vendor's customers
    date: dt.date
    logo: Path | None = None
    logo_alt: str = ""  # a tagged PDF's pictures all say what they are
    colors: dict[str, str] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PdfResult:
    path: Path
    pages: int
    chapters: int
    warnings: tuple[str, ...] = ()  # what printed other than on the site (a diagram kept as its source)
    reused: bool = False  # taken from the handouts' cache (pdf_cache.py), not printed again


def markdown_extensions(config: dict[str, Any]) -> tuple[list[str], dict[str, dict]]:
    """The engine config's markdown extensions as Python-Markdown wants them (names, configs), with kb's
    native ones (markdown_features) as the site has them, and the print-only ones (print_markup)."""
    names, configs = [], {}
    for entry in engine_extensions(list(config.get("markdown_extensions") or [])):
        name, options = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        names.append(name)
        configs[name] = resolved(dict(options or {}))
    configs.setdefault("toc", {})["permalink"] = False
    names.append(PRINT_MARKUP)
    if SANITISER not in names:  # the handout's chapters are cleaned as the site's pages are (html_safety)
        names.append(SANITISER)
    return names, configs


BOOK_TITLES = {"user": "User Reference Manual", "admin": "Administrator Guide", "training": "Training Manual"}


def write_pdfs(
    catalog: Catalog,
    selection: Selection,
    rendered: dict[str, str],
    docs_dir: Path,
    folder: Path,
    today: dt.date,
    progress: Callable[[str], None] = lambda message: None,
    cache: PdfCache | None = None,
) -> list[PdfResult]:
    """One PDF per book the target holds, into `folder`; a book whose inputs are those of one in `cache` is
    that PDF, not printed again."""
    client = catalog.clients.get(selection.target.client) if selection.target.client else None
    config = parse_yaml((catalog.root / "mkdocs.yml").read_text(encoding="utf-8"), "mkdocs.yml").data or {}
    # The site's own logo (theme.logo, a file of the theme overrides) when the book is not a client's.
    default_logo = catalog.root / "overrides" / str((config.get("theme") or {}).get("logo") or "assets/logo.svg")
    results = []
    for book in BOOKS:
        chapters = book_pages(selection, book)
        if not chapters:
            continue
        progress(f"Printing {BOOK_TITLES[book]} ({len(chapters)} pages)")
        cover = Cover(
            book_title=BOOK_TITLES[book],
            product=catalog.product.name,
            version=catalog.product.version,
            audience=client.name if client else f"{catalog.product.vendor} customers",
            date=today,
            logo=catalog.root / client.logo if client and client.logo else _existing(default_logo, catalog.root),
            logo_alt=f"{client.name if client else catalog.product.vendor} logo",
            colors=client.colors if client else {},
            contact=client.contact if client else {},
        )
        results.append(
            write_book_pdf(chapters, rendered, docs_dir, cover, config, folder / selection.target.pdf_name(book), cache)
        )
    return results


def _existing(path: Path, root: Path) -> Path | None:
    """The theme's logo, when it is a file of the project's source folders (not a link out of them)."""
    return path if path.is_file() and inside_sources(path.resolve(), root) else None


def write_book_pdf(
    chapters: list[Page],
    rendered: dict[str, str],
    docs_dir: Path,
    cover: Cover,
    config: dict[str, Any],
    out: Path,
    cache: PdfCache | None = None,
) -> PdfResult:
    """Write `chapters` (in order; the book's index page first, if any) as one PDF at `out`: the one in
    `cache` when the document and everything else that goes into the PDF are the same (pdf_cache.py)."""
    names, configs = markdown_extensions(config)
    converter = markdown.Markdown(extensions=names, extension_configs=configs)
    anchors = {page.dest_uri: f"ch-{page.id.lower()}" for page in chapters}
    numbers, titles = number_pages(chapters), section_titles(chapters)
    body_pages, problems = [], []
    section = None
    for page in chapters:
        number = numbers.get(page.src_uri)
        is_section_index = page.section is not None and page.dest_uri.endswith("/index.md")
        if page.section and page.section != section and not is_section_index:
            # A section without an index.md still gets its heading, in the contents and in the book.
            body_pages.append(
                {
                    "anchor": f"sec-{without_order_prefixes(page.section)}",
                    "title": titles[page.section],
                    "number": number.split(".")[0],
                    "level": 1,
                    "html": Markup(""),
                    "sections": [],
                    "answers": [],
                }
            )
        section = page.section
        converter.reset()
        with time_limit(page.dest_uri):
            content = _localise(converter.convert(rendered[page.src_uri]), page, anchors, docs_dir, problems)
        heading = _FIRST_H1.match(content)
        if heading:  # the page's own title heading becomes the chapter title, not a second title under it
            content = content[heading.end() :]
        content, answers = split_answers(content)
        level = 2 if number and "." in number else 1
        body_pages.append(
            {
                "anchor": anchors[page.dest_uri],
                "title": _text(heading.group(1)) if heading else page.title,
                "number": number,
                "level": level,
                "html": Markup(content),
                # The contents' second level: a chapter's sections (a section's pages are that level already).
                "sections": [(anchor, _text(title)) for anchor, title in _H2.findall(content)] if level == 1 else [],
                "answers": [(anchor, Markup(answer)) for anchor, answer in answers],
            }
        )
    if problems:  # a picture from outside the build: named at its page and line, before WeasyPrint runs
        raise SourceError(problems)
    drawn, warnings = draw_diagrams([str(chapter["html"]) for chapter in body_pages])
    for chapter, content in zip(body_pages, drawn, strict=True):
        chapter["html"] = Markup(content)
    if any(ARITHMATEX in str(chapter["html"]) for chapter in body_pages):
        warnings += ("math printed as its TeX source: KaTeX typesets it on the site only",)
    document = _templates.get_template("print.html.j2").render(
        cover=cover,
        chapters=body_pages,
        answered=[chapter for chapter in body_pages if chapter["answers"]],
        language=(config.get("theme") or {}).get("language") or "en",
        logo=cover.logo.resolve().as_uri() if cover.logo else None,
        css=PRINT_CSS.read_text(encoding="utf-8"),
        brand=cover.colors.get("primary", "#0b5394"),
    )
    chapter_count = sum(1 for c in body_pages if c["number"])
    warned = tuple(f"{out.name}: {w}" for w in warnings)
    key = book_key(document, docs_dir, cache.printing) if cache is not None else ""
    reused = cache.reuse(out.name, key, docs_dir) if cache is not None else None
    out.parent.mkdir(parents=True, exist_ok=True)
    if reused is not None:
        out.write_bytes(reused.pdf)
        return PdfResult(out, reused.pages, chapter_count, warned, reused=True)
    # The logo file itself, not its folder: a logo at clients/logo.svg opened every client's files.
    fetcher = _BuildFilesOnly([docs_dir, *([cover.logo] if cover.logo else [])])
    rendered_doc = HTML(string=document, base_url=docs_dir.resolve().as_uri() + "/", url_fetcher=fetcher).render()
    if fetcher.refused:
        raise KbError(
            f"{out.name}: refused to read {', '.join(sorted(fetcher.refused))}: only this build's files may be used"
        )
    rendered_doc.write_pdf(out, pdf_variant=PDF_VARIANT)
    if cache is not None:
        cache.store(out.name, key, out, len(rendered_doc.pages), files_read(fetcher.fetched, docs_dir))
    return PdfResult(out, len(rendered_doc.pages), chapter_count, warned)


def split_answers(content: str) -> tuple[str, list[tuple[str, str]]]:
    """Take the answers print_markup marked out of a chapter's HTML: (the chapter without them, [(the
    answer's id, its HTML)]), for the answer key at the end of the book. The HTML is the sanitiser's
    (well formed), so counting <div> and </div> finds where each answer ends."""
    answers, kept, position = [], [], 0
    for start in _ANSWER.finditer(content):
        if start.start() < position:  # an answer inside an answer: it went with the outer one
            continue
        depth, end = 0, None
        for tag in _DIV.finditer(content, start.start()):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                end = tag.end()
                break
        if end is None:
            break
        kept.append(content[position : start.start()])
        answers.append((start.group(1), content[start.end() : end - len("</div>")]))
        position = end
    kept.append(content[position:])
    return "".join(kept), answers


def _text(fragment: str) -> str:
    return html.unescape(_TAGS.sub("", fragment)).strip()


def _localise(content: str, page: Page, anchors: dict[str, str], docs_dir: Path, problems: list[Problem]) -> str:
    """Make one chapter's HTML stand inside the book: ids made unique per chapter, links to other chapters
    turned into in-book links, links out of the book kept as text, pictures read from the staged files.
    A picture that is not one of them (file:///etc/hostname, a web address, a path out of docs/, raw HTML
    that `kb check` does not see) is a problem at its page and line: the handout fails, as it would
    without the picture, rather than print without it or read the file."""
    prefix = anchors[page.dest_uri]
    content = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', content)
    here = posixpath.dirname(page.dest_uri)

    def link(match: re.Match) -> str:
        before, href, after, text = match.groups()
        url = urlsplit(html.unescape(href))
        if url.scheme or url.netloc:
            return match.group(0)  # an address on the web stays a link, printed with its URL by the CSS
        if not url.path:
            return f'<a{before}href="#{prefix}-{url.fragment}"{after}>{text}</a>' if url.fragment else text
        target = posixpath.normpath(posixpath.join(here, unquote(url.path)))
        if target in anchors:
            fragment = f"{anchors[target]}-{url.fragment}" if url.fragment else anchors[target]
            return f'<a{before}href="#{fragment}"{after} class="xref">{text}</a>'
        return f'<span class="outside-link">{text}</span>'  # another book or an article: text, not a dead link

    content = _HREF.sub(link, content)

    root = docs_dir.resolve()

    def picture(match: re.Match) -> str:
        start, src, end = match.groups()
        url = urlsplit(html.unescape(src))
        if url.scheme == "data":
            return f"{start}{src}{end}"
        path = (docs_dir / here / unquote(url.path)).resolve()
        if not path.is_file():  # a picture in raw HTML is addressed from the page's address (render.point_links)
            path = (docs_dir / page.url / unquote(url.path)).resolve()
        if url.scheme or url.netloc or not path.is_relative_to(root) or not path.is_file():
            shown = html.unescape(src)[:200]
            where = page.body.find(shown)
            line = page.body_line + (page.body[:where].count("\n") if where >= 0 else 0)
            problems.append(
                Problem(
                    page.src_uri,
                    line,
                    f"picture {shown!r}: a handout may show only this build's own pictures; "
                    "expected a file beside the page, such as images/screen.png",
                )
            )
            return match.group(0)  # never printed: the problems stop the book
        return f"{start}{html.escape(path.as_uri())}{end}"

    return _SRC.sub(picture, content)


class _BuildFilesOnly(URLFetcher):
    """A URL fetcher that serves the build's own files (under its folders, or one of its files) and data:
    URLs, and refuses the rest."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self._roots = [root.resolve() for root in roots]
        self.refused: set[str] = set()
        self.fetched: set[str] = set()  # the files read: what the handouts' cache checks before a reuse

    def fetch(self, url: str, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(root) for root in self._roots) and path.is_file():
                self.fetched.add(url)
                return super().fetch(url, headers)
        self.refused.add(url if len(url) < 200 else url[:200] + "...")
        raise ValueError(f"not one of this build's files: {url[:200]}")
