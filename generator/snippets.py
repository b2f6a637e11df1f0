"""Reusable text: `--8<-- "name.md"` lines (pymdownx.snippets' syntax) include a file of the project's
`snippets/` folder into a page, before its template is evaluated.

kb includes the text itself rather than leaving it to the engine's snippets extension: the included text
then goes through the page's `/// only` blocks, templates, link checks, search and PDF like the page's own,
and the only files that can ever be included are those loaded from `snippets/` (catalog.py, with the same
refusal of links out of the source folders), never a path the engine would resolve from where it runs. A
snippet under `snippets/clients/<slug>/` belongs to that client: only pages private to that client may
include it, and the leak check looks for its text in every other client's output. Includes in fenced code
stay as written (a page may show the syntax)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import Problem
from .links import fenced_lines
from .model import Catalog, Page

SNIPPETS_DIR = "snippets"
_INCLUDE = re.compile(r"^(?P<indent>[ \t]*+)-{1,}8<-{2,}[ \t]++(?P<quote>[\"'])(?P<path>[^\"']*+)(?P=quote)[ \t]*+$")
_MAX_DEPTH = 4  # a snippet may include another; deeper is a loop or a mistake


@dataclass(frozen=True)
class Include:
    line: int  # 1-based, within the text
    path: str  # as written, relative to snippets/


def find_includes(text: str) -> list[Include]:
    """Every `--8<-- "path"` line outside fenced code."""
    found = []
    for number, line, in_code in fenced_lines(text):
        match = None if in_code or "8<-" not in line else _INCLUDE.match(line.rstrip("\n"))
        if match:
            found.append(Include(number, match.group("path")))
    return found


def snippet_owner(name: str) -> str | None:
    """'clients/acme/terms.md' -> 'acme'; None for a snippet every page may include."""
    parts = name.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "clients" else None


def check_snippets(catalog: Catalog) -> list[Problem]:
    """Includes of a file that is not in snippets/ (a path out of it, a web address, a missing file), and of
    a client's snippet into a page that is not private to that client, at the page's line."""
    problems = []
    for page in catalog.pages:
        if not _may_include(page.body):
            continue
        for include in find_includes(page.body):
            line = page.body_line + include.line - 1
            for nested, chain in _walk(include, catalog.snippets, ()):
                message = _include_problem(nested.path, catalog, page, chain)
                where = f" (in {SNIPPETS_DIR}/{chain[-1]})" if chain else ""
                if message:
                    problems.append(Problem(page.src_uri, line, f"include '{nested.path}'{where}: {message}"))
    return problems


def expand_snippets(page: Page, snippets: dict[str, str]) -> str:
    """The page's body with each include replaced by its snippet (indented like the include line); includes
    `check_snippets` reports are left as they are (a build stops on those problems first)."""
    return _expand(page.body, snippets, 0) if _may_include(page.body) else page.body


def _may_include(text: str) -> bool:
    """Whether `text` has an include's `8<-`: a '<' first, as one character is found many times faster than
    three and most pages have none (the search was a thirtieth of a second at 10,000 pages)."""
    return "<" in text and "8<-" in text


def _expand(text: str, snippets: dict[str, str], depth: int) -> str:
    out = []
    for _, line, in_code in fenced_lines(text):
        match = None if in_code or "8<-" not in line else _INCLUDE.match(line.rstrip("\n"))
        name = match.group("path") if match else None
        if name not in snippets or depth >= _MAX_DEPTH:
            out.append(line)
            continue
        body = _expand(snippets[name], snippets, depth + 1).rstrip("\n")
        indent = match.group("indent")
        out.append("\n".join(indent + part if part else part for part in body.split("\n")) + "\n")
    return "".join(out)


def _walk(include: Include, snippets: dict[str, str], chain: tuple[str, ...]):
    """(include, the snippets it is nested in): this include, then those of the snippet it names."""
    yield include, chain
    if include.path in snippets and include.path not in chain and len(chain) < _MAX_DEPTH:
        for nested in find_includes(snippets[include.path]):
            yield from _walk(nested, snippets, (*chain, include.path))


def _include_problem(name: str, catalog: Catalog, page: Page, chain: tuple[str, ...]) -> str | None:
    if "://" in name or name.startswith(("/", "\\")) or ".." in name.split("/"):
        return f"a page may include only files of {SNIPPETS_DIR}/, by their path in it (such as notes/intro.md)"
    if name in chain:
        return "the snippet includes itself; expected no loop of includes"
    if len(chain) >= _MAX_DEPTH:
        return f"includes nested more than {_MAX_DEPTH} deep; expected fewer levels"
    if name not in catalog.snippets:
        return f"no such file in {SNIPPETS_DIR}/; expected {SNIPPETS_DIR}/{name}"
    owner = snippet_owner(name)
    if owner and owner not in catalog.clients:
        return f"'{owner}' is not a client; expected snippets/clients/<a client of clients/>/"
    if owner and page.clients != (owner,):
        return (
            f"the snippet is {owner}'s own (snippets/clients/{owner}/); expected it only in pages private to "
            f"{owner} (clients: [{owner}], or under clients/{owner}/)"
        )
    return None
