"""`kb review`: the drafts written from cases and the articles agents flagged, for the writers, in git.

`kb review validate KB-0123` marks a draft validated (the next public build publishes it) by changing the
`confidence` line of its front matter in place: the rest of the file, the writer's edits included, stays
exactly as it is. It also closes the article's open flags."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from .catalog import load_catalog
from .errors import KbError
from .model import Catalog, Page

FLAGS_FILE = Path("review") / "flags.yml"


@dataclass(frozen=True)
class ReviewItem:
    since: str  # ISO date: oldest first
    article: str
    what: str  # "draft from CASE-000123" / "flagged incomplete: ..."
    path: str


def review_items(catalog: Catalog) -> list[ReviewItem]:
    items = []
    for page in catalog.pages:
        if page.is_article and page.confidence == "not_validated":
            cases = ", ".join(page.source_cases) or "no case"
            when = page.updated.isoformat() if page.updated else "0000-00-00"
            items.append(ReviewItem(when, page.id, f"draft from {cases}: {page.title}", page.src_uri))
    paths = {page.id: page.src_uri for page in catalog.pages}
    for flag in read_flags(catalog.root):
        if flag.get("closed"):
            continue
        article = str(flag.get("article", ""))
        what = f"flagged {flag.get('kind', '')} from {flag.get('case') or 'no case'}: {flag.get('comment', '')}"
        items.append(ReviewItem(str(flag.get("at", ""))[:10], article, what, paths.get(article, "(no such article)")))
    return sorted(items, key=lambda item: (item.since, item.article))


def validate_article(root: Path, article_id: str, today: dt.date) -> Path:
    catalog = load_catalog(root)
    page = next((p for p in catalog.pages if p.id == article_id), None)
    if page is None or not page.is_article:
        raise KbError(f"{article_id}: no such article in kb/; expected an ID that `kb review` lists")
    if page.confidence == "validated":
        raise KbError(f"{article_id} ({page.src_uri}) is validated already")
    path = root / page.src_uri
    # Bytes in, the same bytes out: read as text (universal newlines) and written back, a writer's CRLF file
    # came back LF, every line of it changed. Splitting on "\n" keeps each line's "\r" (see _set).
    lines = path.read_bytes().decode("utf-8").split("\n")
    _set(lines, page, "confidence", "validated")
    if "updated" in page.key_lines:
        _set(lines, page, "updated", today.isoformat())
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write("\n".join(lines))
    os.chmod(scratch, path.stat().st_mode & 0o7777)  # the article's own mode, not mkstemp's 0600
    os.replace(scratch, path)
    flags = read_flags(root)
    if any(f.get("article") == article_id and not f.get("closed") for f in flags):
        for flag in flags:
            if flag.get("article") == article_id and not flag.get("closed"):
                flag["closed"] = today.isoformat()
        write_flags(root, flags)
    return path


def _set(lines: list[str], page: Page, key: str, value: str) -> None:
    """Replace `key: ...` on its own front matter line; anything else would mean rewriting the writer's file."""
    index = page.key_lines.get(key, 0) - 1
    if index < 0 or not lines[index].startswith(f"{key}:"):
        raise KbError(
            f"{page.src_uri}: expected '{key}: ...' on a line of its own in the front matter; edit it by hand"
        )
    ending = "\r" if lines[index].endswith("\r") else ""  # a CRLF file stays CRLF
    lines[index] = f"{key}: {value}{ending}"


def read_flags(root: Path) -> list[dict]:
    path = root / FLAGS_FILE
    if not path.is_file():
        return []
    return list(yaml.safe_load(path.read_text(encoding="utf-8")) or [])


def write_flags(root: Path, entries: list[dict]) -> None:
    """The review list, written whole (a temporary file renamed over the old one), by the YAML dumper."""
    path = root / FLAGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Articles agents flagged as wrong or incomplete. `kb review` lists them; `kb review validate`\n"
        "# closes an article's flags. Written by `kb cases pull-drafts`.\n"
    )
    fd, scratch = tempfile.mkstemp(prefix=".flags-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(header + yaml.safe_dump(entries, sort_keys=False, allow_unicode=True))
    os.chmod(scratch, path.stat().st_mode & 0o7777 if path.exists() else 0o644)  # not mkstemp's 0600
    os.replace(scratch, path)
