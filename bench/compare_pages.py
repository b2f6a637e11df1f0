"""Compare two builds of the same project page by page: the content area's text and its tag/attribute tree.

For checking that a change to how pages are rendered (the sanitiser) changes no legitimate page: build the
project before and after, then

    .venv/bin/python bench/compare_pages.py BEFORE_SITE AFTER_SITE

Each page's content (Material's `<article class="md-content__inner ...">`) is parsed into a list of
(depth, tag, sorted attributes) and its text with whitespace collapsed; attribute values are compared after
HTML unescaping, so `&para;` and `¶`, `checked` and `checked=""`, `<br />` and `<br>` are the same. Prints
every page that differs with its first differences, and a count; exit status 1 when any page differs.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path

import click

from generator.theme_scripts import content_area

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes: list[tuple[int, str, tuple]] = []
        self.text: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        self.nodes.append((self.depth, tag, tuple(sorted((k, v or "") for k, v in attrs))))
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        self.nodes.append((self.depth, tag, tuple(sorted((k, v or "") for k, v in attrs))))

    def handle_endtag(self, tag):
        if tag not in _VOID:
            self.depth -= 1

    def handle_data(self, data):
        self.text.append(data)


def shape(page: str) -> tuple[list[tuple[int, str, tuple]], str]:
    """(tag tree, text) of a page's content area."""
    tree = _Tree()
    tree.feed(content_area(page) or page)
    return tree.nodes, " ".join("".join(tree.text).split())


def compare(before: Path, after: Path) -> dict[str, list[str]]:
    """{page: [differences]} for every HTML page of either build that differs."""
    names = sorted(
        {p.relative_to(before).as_posix() for p in before.rglob("*.html")}
        | {p.relative_to(after).as_posix() for p in after.rglob("*.html")}
    )
    found: dict[str, list[str]] = {}
    for name in names:
        if not (before / name).is_file() or not (after / name).is_file():
            found[name] = ["only in " + ("after" if (after / name).is_file() else "before")]
            continue
        (old_nodes, old_text), (new_nodes, new_text) = (
            shape((folder / name).read_text(encoding="utf-8")) for folder in (before, after)
        )
        notes = []
        if old_text != new_text:
            at = next((i for i, (a, b) in enumerate(zip(old_text, new_text, strict=False)) if a != b), 0)
            notes.append(
                f"text: ...{old_text[max(0, at - 40) : at + 60]!r} -> ...{new_text[max(0, at - 40) : at + 60]!r}"
            )
        old_set, new_set = set(old_nodes), set(new_nodes)
        notes += [f"- {node}" for node in old_nodes if node not in new_set][:8]
        notes += [f"+ {node}" for node in new_nodes if node not in old_set][:8]
        if not notes and old_nodes != new_nodes:
            notes.append("same elements, in another order")
        if notes:
            found[name] = notes
    return found


@click.command()
@click.argument("before", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("after", type=click.Path(exists=True, file_okay=False, path_type=Path))
def main(before: Path, after: Path) -> None:
    found = compare(before, after)
    for name, notes in found.items():
        click.echo(name)
        for note in notes:
            click.echo(f"    {note}")
    pages = len(list(after.rglob("*.html")))
    click.echo(f"{len(found)} of {pages} pages differ")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
