"""`kb new article`: a new article file from the KCS template, with the next free stable ID."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import jinja2
import yaml
from slugify import slugify

from .errors import KbError
from .model import Catalog

_ARTICLE_ID = re.compile(r"KB-(\d+)")
_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("generator", "templates"), undefined=jinja2.StrictUndefined, keep_trailing_newline=True
)


def next_article_id(catalog: Catalog) -> str:
    """One past the highest KB- number in use; IDs are never reused, so gaps stay gaps."""
    numbers = [int(m.group(1)) for page in catalog.pages if (m := _ARTICLE_ID.fullmatch(page.id))]
    return f"KB-{max(numbers, default=0) + 1:04d}"


def render_article(article_id: str, title: str, module: str, page_type: str, today: dt.date) -> str:
    """The new file's text: front matter written by the YAML dumper, body from the type's template."""
    meta = {
        "id": article_id,
        "title": title,
        "summary": "TODO: one or two sentences for search results.",
        "type": page_type,
        "module": module,
        "audience": "public",
        "confidence": "wip",
        "tags": [],
        "updated": today,
    }
    body = _templates.get_template("article.md.j2").render(type=page_type)
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n" + body


def write_article(catalog: Catalog, title: str, module: str, page_type: str, today: dt.date) -> Path:
    """Create kb/<module>/<slug>.md; never overwrites an existing file."""
    if module not in catalog.product.modules:
        raise KbError(f"--module {module!r}: unknown module; expected one of {', '.join(catalog.product.modules)}")
    slug = slugify(title, max_length=60, word_boundary=True)
    if not slug:
        raise KbError(f"title {title!r}: expected words to make a file name from")
    path = catalog.root / "kb" / module / f"{slug}.md"
    if path.exists():
        raise KbError(f"{path.relative_to(catalog.root)} already exists; choose another title")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(render_article(next_article_id(catalog), title, module, page_type, today))
    return path


# A manual page's ID: the book's letters and a number (USR-004); a book with no page yet gets these letters.
_PAGE_ID = re.compile(r"([A-Z]+)-(\d+)")
BOOK_ID_PREFIXES = {"user": "USR", "admin": "ADM", "training": "TRN"}
_NUMBERED = re.compile(r"(\d+)-")


def next_page_ids(catalog: Catalog, book: str) -> Iterator[str]:
    """USR-012, USR-013, ...: past the highest number of the book's letters (taken from its index page's
    ID, else BOOK_ID_PREFIXES) in use anywhere; gaps stay gaps."""
    index = next((p for p in catalog.pages if p.src_uri == f"docs/{book}/index.md"), None)
    found = _PAGE_ID.fullmatch(index.id) if index else None
    prefix = found.group(1) if found else BOOK_ID_PREFIXES[book]
    numbers = [int(m.group(2)) for p in catalog.pages if (m := _PAGE_ID.fullmatch(p.id)) and m.group(1) == prefix]
    return (f"{prefix}-{n:03d}" for n in itertools.count(max(numbers, default=0) + 1))


def next_order_number(folder: Path) -> int:
    """One past the highest NN- prefix among the folder's files and sub-folders."""
    numbers = [int(m.group(1)) for p in folder.iterdir() if (m := _NUMBERED.match(p.name))] if folder.is_dir() else []
    return max(numbers, default=0) + 1


def order_name(number: int, title: str, suffix: str = "") -> str:
    """(3, 'Gantt chart', '.md') -> '03-gantt-chart.md'."""
    slug = slugify(title, max_length=60, word_boundary=True)
    if not slug:
        raise KbError(f"title {title!r}: expected words to make a file name from")
    return f"{number:02d}-{slug}{suffix}"


def section_folder(book_dir: Path, name: str) -> Path | None:
    """The book's sub-folder for section `name` ('Scheduling' finds 03-scheduling/), or None."""
    wanted = slugify(name)
    for path in sorted(book_dir.iterdir()) if book_dir.is_dir() else ():
        if path.is_dir() and _NUMBERED.sub("", path.name, count=1) == wanted:
            return path
    return None


def page_text(meta: dict, body: str) -> str:
    """A page's file: front matter written by the YAML dumper, then the body."""
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n" + body


def write_chapter(catalog: Catalog, title: str, book: str, section: str | None) -> list[Path]:
    """Create docs/<book>/NN-<slug>.md, or in a section's folder NN-<section>/ (made with its index.md when
    new); return the files written, never overwriting one."""
    ids = next_page_ids(catalog, book)
    folder = catalog.root / "docs" / book
    written = []
    if section:
        existing = section_folder(folder, section)
        if existing is None:
            existing = folder / order_name(next_order_number(folder), section)
            existing.mkdir(parents=True)
            index = existing / "index.md"
            index.write_text(page_text({"id": next(ids), "title": section}, f"# {section}\n"), encoding="utf-8")
            written.append(index)
        folder = existing
    path = folder / order_name(next_order_number(folder), title, ".md")
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"id": next(ids), "title": title, "summary": "TODO: one or two sentences for search results."}
    with path.open("x", encoding="utf-8") as handle:
        handle.write(page_text(meta, f"# {title}\n\nTODO: the chapter's text.\n"))
    return [*written, path]
