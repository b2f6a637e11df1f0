"""`kb new article`: a new article file from the KCS template, with the next free stable ID."""

from __future__ import annotations

import datetime as dt
import re
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
