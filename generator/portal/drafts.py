"""Knowledge-base drafts from resolved cases: KCS sections, made safe, written as markdown files.

Case text is hostile until a person has reviewed it, and even then it goes into the knowledge base as
text, never as markup: every character that markdown, its extensions or Jinja2 could act on is escaped,
so raw HTML, attribute lists (`{: onclick=...}`), links (`javascript:`, `data:`), snippet inclusions
(`--8<--`) and template syntax all arrive on the page as the characters the customer typed. The front
matter is written by the YAML dumper from fields, never pasted."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from slugify import slugify

# The backslash itself is escaped too: without that, a customer's `\[x\](javascript:alert(1))` became
# `\\[x\\](...)`, where their backslash escaped ours and the brackets made a live javascript: link.
# Backticks, `*` and `_` are escaped so that code spans and emphasis cannot change what the text says
# (`self.__init__` stayed `self.init` in bold).
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "{": "&#123;",
    "}": "&#125;",
    "[": "\\[",
    "]": "\\]",
    "\\": "\\\\",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
}
_UNSAFE = re.compile("|".join(re.escape(c) for c in _ESCAPES))
# `#` too: a customer's heading became the page's <h1>, and the theme then left out the article's title.
# `[ \t]*`, not `\s*`: that crossed line breaks, so each of n blank lines rescanned the rest (quadratic).
_BLOCK_START = re.compile(r"^([ \t]*)(///|!!!|\?\?\?|---|===|\+\+\+|~~~|```|\||#)", re.MULTILINE)


def as_text(untrusted: str) -> str:
    """Markdown that shows `untrusted` as the characters typed, and does nothing else."""
    text = untrusted.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _UNSAFE.sub(lambda m: _ESCAPES[m.group(0)], text)
    # Block syntax at a line start (fences, admonitions, `/// html` blocks, tables): a backslash makes the
    # first character plain text.
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)


@dataclass(frozen=True)
class Draft:
    """An article draft as the agent saved it in the portal: the KCS sections, in the customer's words."""

    draft_id: int
    case_number: str
    title: str
    module: str
    issue: str
    environment: str
    resolution: str
    cause: str
    context_id: str | None = None


def draft_markdown(draft: Draft, article_id: str, today: dt.date) -> str:
    """The article file: front matter from fields (YAML dumper), then the four KCS sections as text."""
    summary = " ".join(draft.resolution.split())[:200] or "Written from a resolved case; to be reviewed."
    meta = {
        "id": article_id,
        "title": " ".join(draft.title.split())[:200],
        "summary": summary,
        "type": "troubleshooting",
        "module": draft.module,
        "audience": "public",
        "confidence": "not_validated",
        "source_cases": [draft.case_number],
        "updated": today,
    }
    if draft.context_id:
        meta["contexts"] = [draft.context_id]
    sections = [
        ("Issue", draft.issue),
        ("Environment", draft.environment),
        ("Resolution", draft.resolution),
        ("Cause", draft.cause),
    ]
    body = "\n".join(f"## {name}\n\n{as_text(text.strip()) or 'To be written.'}\n" for name, text in sections)
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n\n{body}"


def write_draft(root: Path, draft: Draft, article_id: str, today: dt.date) -> Path:
    """kb/<module>/<slug>.md, a new file: a writer's file is never overwritten (a taken name gets -2, -3)."""
    folder = root / "kb" / draft.module
    folder.mkdir(parents=True, exist_ok=True)
    slug = slugify(draft.title, max_length=60, word_boundary=True) or f"case-{draft.case_number.lower()}"
    text = draft_markdown(draft, article_id, today)
    for attempt in range(1, 100):
        path = folder / (f"{slug}.md" if attempt == 1 else f"{slug}-{attempt}.md")
        try:
            with path.open("x", encoding="utf-8") as out:
                out.write(text)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"kb/{draft.module}/{slug}.md and 98 variants exist")
