"""A page's source text to a Page: its front matter split off, parsed and validated (schema.py), the rules
that differ between articles and manual pages applied. Pure: text in, a Page and problems out."""

from __future__ import annotations

import sys
from typing import TypeVar

from . import schema
from .errors import Problem
from .model import ContextClaim, Page
from .yamlfile import YamlDoc, YamlProblems, parse_yaml

T = TypeVar("T")


def split_front_matter(source: str) -> tuple[str, str, int] | None:
    """'---\\nYAML\\n---\\nbody' -> (yaml, body, line the body starts on), or None without front matter."""
    lines = source.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    return None


def parse_page_text(src_uri: str, source: str) -> tuple[Page | None, tuple[Problem, ...]]:
    """A page's text (at `src_uri`) as a Page, with the problems in its front matter; None when an error
    leaves no page. A build takes it from the memo instead for a text it has seen (page_facts.py)."""
    problems: list[Problem] = []
    page = _parse_page(src_uri, source, problems)
    return page, tuple(problems)


def _parse_page(src_uri: str, source: str, problems: list[Problem]) -> Page | None:
    parts = src_uri.split("/")
    split = split_front_matter(source.lstrip("\ufeff"))
    if split is None and source.lstrip("\ufeff").split("\n", 1)[0].rstrip() == "---":
        problems.append(
            Problem(
                src_uri,
                1,
                "the front matter opened here has no closing '---'; expected a line '---' after its last key",
            )
        )
        return None
    if split is None:
        problems.append(
            Problem(
                src_uri,
                1,
                "no front matter; expected the file to start with '---', YAML keys (id, title, ...), then '---'",
            )
        )
        return None
    front, body, body_line = split
    try:
        doc = parse_yaml(front, src_uri, first_line=2)
    except YamlProblems as exc:
        problems.extend(exc.problems)
        return None
    if doc.data is None:
        doc = YamlDoc({}, {}, 2)
    if not isinstance(doc.data, dict):
        shape = {list: "a list", str: "a string"}.get(type(doc.data), f"a single value ({type(doc.data).__name__})")
        problems.append(
            Problem(
                src_uri,
                doc.lines.get((), doc.first_line),
                f"front matter must be a mapping of keys (id: ..., title: ..., one per line); found {shape}",
            )
        )
        return None
    values, found = schema.validate(doc, schema.FRONT_MATTER, src_uri)
    is_article = parts[0] == "kb"
    found += _kind_problems(values, doc, src_uri, is_article)
    problems += found
    if any(p.is_error for p in found):
        return None
    if parts[0] == "clients":
        owner = parts[1]
        if values["clients"] not in ((), (owner,)):
            problems.append(
                Problem(
                    src_uri,
                    doc.line_of("clients"),
                    f"'clients': pages under clients/{owner}/ are {owner}'s own; "
                    f"expected no 'clients' key, or [{owner}]",
                )
            )
            return None
        values["clients"] = (owner,)
    default_type = "lesson" if "training" in parts[1:3] else "reference"
    claims = tuple(
        ContextClaim(_shared(cid), primary, doc.line_of("contexts", i))
        for i, (cid, primary) in enumerate(values["contexts"])
    )
    return Page(
        src_uri=src_uri,
        id=values["id"],
        title=values["title"],
        summary=values["summary"],
        type=_shared(values["type"] or default_type),
        module=_shared(values["module"]),
        audience=_shared(values["audience"]),
        confidence=_shared(values["confidence"] or "validated"),
        clients=tuple(map(_shared, values["clients"])),
        contexts=claims,
        tags=tuple(map(_shared, values["tags"])),
        updated=values["updated"],
        source_cases=values["source_cases"],
        body=body,
        body_line=body_line,
        key_lines={_shared(key): doc.line_of(key) for key in doc.data},
        versions=values.get("versions"),
        changed_in=values.get("changed_in"),
    )


def _shared(value: T) -> T:
    """The one string object for a word many pages write (a key, a type, a module, a tag): a build keeps every
    page in its memo and loads them all each time, and a word shared within a shard is loaded once, where a
    string per page made some 200,000 more objects to load at 10,000 articles."""
    return sys.intern(value) if type(value) is str else value


def _kind_problems(values: dict, doc: YamlDoc, src_uri: str, is_article: bool) -> list[Problem]:
    """Rules that differ between articles and manual pages."""
    problems = []
    page_id = values.get("id") or ""
    if is_article:
        for key in ("summary", "type", "module", "confidence"):
            if doc.data.get(key) is None:  # an invalid value is reported once, by the schema
                problems.append(Problem(src_uri, doc.line_of(), f"missing required key '{key}' (articles need it)"))
        if page_id and not page_id.startswith("KB-"):
            problems.append(
                Problem(src_uri, doc.line_of("id"), f"'id': expected KB-dddd for an article, got {page_id!r}")
            )
        folder = src_uri.split("/")[1] if src_uri.count("/") >= 2 else None
        if values.get("module") and folder and folder != values["module"]:
            problems.append(
                Problem(
                    src_uri, doc.line_of("module"), f"'module': the file is in kb/{folder}/, expected module {folder!r}"
                )
            )
    elif page_id.startswith("KB-"):
        problems.append(Problem(src_uri, doc.line_of("id"), "'id': KB- IDs are for articles; expected e.g. USR-001"))
    return problems
