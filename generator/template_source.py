"""Which parts of a page are template source: everything but code. Code is set aside before Jinja2 reads the
page and put back, byte for byte, after.

Why: a page copied from another MkDocs project is content first. Its code shows braces as they are
(`${#ARR[@]}`, `{{ .Values.image }}`, a Mermaid `A{{x}}` node), so fenced code and code spans are never
evaluated; `{{ term("project") }}` and `{% if %}` in the prose around them still are. Jinja2's comments
(`{# #}`) are turned off (render.py), so a heading's `{#id}` or `{ #id }` attribute list is text too: no
writer's page used them, and a comment was how `{#id}` failed. Each piece of code is replaced by a
placeholder holding as many line breaks as the code, so a template error still names its line of the file;
the placeholders use NUL, which no source file (catalog.py) and no template value (template_budget.py) may
contain, so nothing a writer types can pass for one."""

from __future__ import annotations

import re
from collections.abc import Callable

from .links import code_spans, fenced_lines

_PLACEHOLDER = re.compile(r"\x00(\d++)(\n*+)\x00")
# Jinja2's comment delimiters, set to text no page can hold (a NUL then '#'; placeholders have digits there).
NO_COMMENT_START, NO_COMMENT_END = "\x00#", "#\x00"


def set_code_aside(body: str) -> tuple[str, Callable[[str], str]]:
    """`body` -> (the same text with fenced code and code spans replaced by placeholders, a function that
    puts them back into whatever the template made of that text)."""
    kept: list[str] = []
    out: list[str] = []

    def hold(code: str) -> str:
        kept.append(code)
        return f"\x00{len(kept) - 1}{chr(10) * code.count(chr(10))}\x00"

    block: list[str] = []
    for _, line, in_code in fenced_lines(body):
        if in_code:
            block.append(line)
            continue
        if block:
            out.append(hold("".join(block)))
            block = []
        position = 0
        for start, end in code_spans(line):
            out.append(line[position:start])
            out.append(hold(line[start:end]))
            position = end
        out.append(line[position:])
    if block:
        out.append(hold("".join(block)))

    def put_back(text: str) -> str:
        return _PLACEHOLDER.sub(lambda found: kept[int(found.group(1))], text) if kept else text

    return "".join(out), put_back
