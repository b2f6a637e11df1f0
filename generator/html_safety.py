"""What a page may carry as HTML: one allowlist, the sanitiser that enforces it on every page's converted
HTML, and the `kb check` scan that tells the writer, at file:line, what the sanitiser would remove.

The help centre is served on the agent console's origin, so a script in a page runs with an agent's
session. The sanitiser is a Python-Markdown extension (a postprocessor, run last, on the HTML the writer's
markdown became) rather than a MkDocs hook or a pass over the built files: the DESIGN keeps logic out of
engine hooks, and an extension is part of the markdown both outputs convert with. The site engine gets it
in every target's staged mkdocs.yml (stage.engine_config) and the PDF handouts in their converter
(pdf.markdown_extensions), so site, internal, every client and every PDF are cleaned by the same code.
It sees only page content, never the theme's templates, whose own scripts stay as they are. The allowlist
is what Material and the enabled extensions emit (headings with ids and permalinks, admonitions, details,
tabbed sets, tables, figures, highlighted code, footnotes, abbr, task lists, keys, emoji as inline SVG);
anything else (script, frames, forms, event handlers, javascript:/data:/vbscript: URLs in any spelling,
which nh3 decodes before it judges them) is dropped."""

from __future__ import annotations

import bisect
import html
import re
from functools import cache

import nh3
from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

from .errors import Problem
from .links import code_spans, find_links
from .model import Page

# Attributes any allowed element may have; `aria-*` too (by prefix).
GLOBAL_ATTRIBUTES = frozenset({"id", "class", "title", "lang", "dir", "role", "hidden"})
ARIA_PREFIX = "aria-"
# Element -> the attributes it may have besides the global ones. SVG is the emoji and icon markup.
ELEMENTS: dict[str, frozenset[str]] = {
    name: frozenset(attributes)
    for name, attributes in {
        "a": {"href", "name", "hreflang"},
        "abbr": set(),
        "article": set(),
        "aside": set(),
        "b": set(),
        "blockquote": {"cite"},
        "br": set(),
        "caption": set(),
        "cite": set(),
        "code": set(),
        "col": {"span"},
        "colgroup": {"span"},
        "dd": set(),
        "del": set(),
        "details": {"open"},
        "dfn": set(),
        "div": {"data-tabs"},  # pymdownx.tabbed numbers its sets with data-tabs
        "dl": set(),
        "dt": set(),
        "em": set(),
        "figcaption": set(),
        "figure": set(),
        "h1": set(),
        "h2": set(),
        "h3": set(),
        "h4": set(),
        "h5": set(),
        "h6": set(),
        "hr": set(),
        "i": set(),
        "img": {"src", "srcset", "sizes", "alt", "width", "height", "loading"},
        # Tabbed sets and task lists are radio buttons and check boxes; `type` is limited to those below.
        "input": {"type", "name", "checked", "disabled"},
        "ins": set(),
        "kbd": set(),
        "label": {"for"},
        "li": {"value"},
        "mark": set(),
        "ol": {"start", "reversed", "type"},
        "p": set(),
        "picture": set(),  # <picture><source srcset media type><img></picture>: pictures kb copies and checks
        "pre": set(),
        "q": {"cite"},
        "s": set(),
        "samp": set(),
        "section": set(),
        "small": set(),
        "source": {"srcset", "sizes", "media", "type", "width", "height"},
        "span": set(),
        "strong": set(),
        "sub": set(),
        "summary": set(),
        "sup": set(),
        "table": set(),
        "tbody": set(),
        "td": {"colspan", "rowspan", "align", "style"},
        "tfoot": set(),
        "th": {"colspan", "rowspan", "align", "scope", "style"},
        "thead": set(),
        "time": {"datetime"},
        "tr": set(),
        "u": set(),
        "ul": set(),
        "var": set(),
        "wbr": set(),
        "svg": {"viewBox", "xmlns", "width", "height", "fill", "stroke", "stroke-width"},
        # Twemoji's shapes (markdown_features.to_local_svg) carry opacity, transforms and a few clip paths.
        "g": {"fill", "stroke", "stroke-width", "transform", "opacity", "fill-opacity", "clip-path"},
        "path": {
            "d",
            "fill",
            "fill-rule",
            "clip-rule",
            "stroke",
            "stroke-width",
            "transform",
            "opacity",
            "fill-opacity",
            "clip-path",
        },
        "circle": {"cx", "cy", "r", "fill", "stroke", "stroke-width", "transform", "opacity", "fill-opacity"},
        "ellipse": {"cx", "cy", "rx", "ry", "fill", "stroke", "stroke-width", "transform", "opacity", "fill-opacity"},
        "defs": set(),
        "clipPath": {"clipPathUnits"},
        "rect": {"x", "y", "width", "height", "rx", "ry", "fill", "stroke", "stroke-width"},
        "line": {"x1", "y1", "x2", "y2", "stroke", "stroke-width"},
        "polyline": {"points", "fill", "stroke", "stroke-width"},
        "polygon": {"points", "fill", "stroke", "stroke-width"},
    }.items()
}
# Limited values: an <input> is never a text field of a form.
ATTRIBUTE_VALUES = {"input": {"type": frozenset({"checkbox", "radio"})}}
# The tables extension aligns columns with `style="text-align: ..."`; no other property is kept.
STYLE_PROPERTIES = frozenset({"text-align"})
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "action", "formaction", "poster", "xlink:href", "background"})


@cache
def _cleaner() -> nh3.Cleaner:
    attributes = {name: set(allowed) for name, allowed in ELEMENTS.items()}
    for name, limited in ATTRIBUTE_VALUES.items():
        attributes[name] -= set(limited)  # nh3: an attribute is either free or limited, not both
    attributes["*"] = set(GLOBAL_ATTRIBUTES)
    return nh3.Cleaner(
        tags=set(ELEMENTS),
        attributes=attributes,
        tag_attribute_values={name: {a: set(v) for a, v in kept.items()} for name, kept in ATTRIBUTE_VALUES.items()},
        generic_attribute_prefixes={ARIA_PREFIX},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        link_rel=None,  # pages keep their links as written; nh3 would add rel="noopener noreferrer" to all
        strip_comments=True,
    )


# nh3 can limit an attribute's values but cannot require the attribute: an <input> left without a type
# would be a text field (a password prompt in a page). nh3's output is normalised, so this pattern is exact.
_INPUT = re.compile(r"<input\b[^>]*>")
_CHOICE = re.compile(r'\stype="(?:checkbox|radio)"')


# Ids the theme's script looks up (`#__config` holds its settings, the search worker's address among them):
# an earlier element of the page with one of them would stand in for the theme's (DOM clobbering).
RESERVED_IDS = re.compile(r"__(config|search|drawer|toc|consent|skip|palette\w*)")
# Inside a tag only (text has its `<` escaped): a code sample showing `id="__config"` keeps it.
_RESERVED_ID = re.compile(r'(<[a-zA-Z][^<>]*?)\s(?:id|name)="' + RESERVED_IDS.pattern + '"')


def sanitise_html(fragment: str) -> str:
    """A page's HTML with everything outside the allowlist removed (script and style with their content)."""
    clean = _cleaner().clean(fragment)
    if "<input" in clean:
        clean = _INPUT.sub(lambda m: m.group(0) if _CHOICE.search(m.group(0)) else "", clean)
    while '="__' in clean:  # a tag may have both an id and a name to remove: until none is left
        clean, removed = _RESERVED_ID.subn(r"\1", clean)
        if not removed:
            break
    return clean


SANITISER = __name__  # the extension's name in a markdown_extensions list


class _Sanitise(Postprocessor):
    def run(self, text: str) -> str:
        return sanitise_html(text)


class SanitiseExtension(Extension):
    """`generator.html_safety` in markdown_extensions: the converted page goes through sanitise_html."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # Priority 0: after every other postprocessor has put raw HTML, code blocks and footnotes back.
        md.postprocessors.register(_Sanitise(md), "kb_sanitise", 0)


def makeExtension(**kwargs) -> SanitiseExtension:  # noqa: N802 (the name Python-Markdown looks up)
    return SanitiseExtension(**kwargs)


# The check: the same allowlist, applied to what the writer typed.

# A fenced block to its closing fence (the same character, at least as many), or to the end when unclosed.
_FENCED = re.compile(r"^[ \t>]*(?P<f>`{3,}|~{3,})[^\n]*(?:\n.*?^[ \t>]*(?P=f)(?P=f)*[`~]*[ \t]*$|.*\Z)", re.M | re.S)
_NOT_NEWLINE = re.compile(r"[^\n]")
# No `<` in a name or an unquoted value: an attempt from one `<` stops at the next, so a line of thousands of
# unclosed `<a b ` tags is read once, not once from each (it took 10 s for 20,000 characters).
_TAG = re.compile(
    r"<([A-Za-z][A-Za-z0-9-]*)((?:\s+[^\s\"'<>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>]+))?)*)\s*/?>"
)
_ATTRIBUTE = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
# attr_list: `{: #id .class key=value }`, or `{ ... }` after a heading, link, image or emoji
_ATTR_LIST = re.compile(
    r"\{:?[ \t]*((?:[#.][^\s{}]+|[^\s{}=\"']+=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s{}]+))(?:[ \t]+[^{}\n]*)?)\}"
)
_ATTR_TOKEN = re.compile(r"[#.][^\s}]+|([^\s{}=\"']+)=(?:\"([^\"]*)\"|'([^']*)'|([^\s}]+))")
# Every address a markdown link, picture or reference definition could have (a superset of find_links').
_LINK_URL = re.compile(r"\]\(\s*<?([^)\s>]+)|^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)", re.MULTILINE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def masked_code(body: str) -> str:
    """`body` with fenced code, code spans and comments blanked out (newlines kept, so offsets and lines
    still match): markup shown as code is text, not HTML."""
    text = _FENCED.sub(_blank, body) if "```" in body or "~~~" in body else body
    if "`" in text:
        text = "".join(_without_code_spans(line) for line in text.splitlines(keepends=True))
    if "$" in text or "\\(" in text:  # math (arithmatex) is TeX, not markup: `\sum_{k=0}` is no attribute list
        text = _without_math(text)
    return _without_comments(text) if "<!--" in text else text


def _without_math(text: str) -> str:
    r"""`text` with arithmatex's math blanked: `$$...$$` blocks, then `$...$` (no space inside either
    dollar, as arithmatex reads it: "$5 and $10" is money) and `\(...\)` within a line. Scans with find,
    each character read a bounded number of times."""
    out, at = [], 0
    while (start := text.find("$$", at)) >= 0 and (end := text.find("$$", start + 2)) >= 0:
        out += [text[at:start], _NOT_NEWLINE.sub(" ", text[start : end + 2])]
        at = end + 2
    out.append(text[at:])
    return "".join(_without_inline_math(line) for line in "".join(out).splitlines(keepends=True))


def _without_inline_math(line: str) -> str:
    for opening, closing in (("$", "$"), ("\\(", "\\)")):
        if opening not in line:
            continue
        out, at, done = [], 0, 0  # `done`: what is already in `out`; one pass, no copy of the line per span
        while (start := line.find(opening, at)) >= 0:
            end = line.find(closing, start + len(opening))
            if end < 0:
                break
            inner = line[start + len(opening) : end]
            if inner and inner == inner.strip() and (start == 0 or line[start - 1] != "\\"):
                at = end + len(closing)
                out += [line[done:start], " " * (at - start)]
                done = at
            else:
                at = start + len(opening)
        line = "".join([*out, line[done:]])
    return line


def _without_code_spans(line: str) -> str:
    """`line` with its code spans blanked, found as the link checker finds them (linear: a pattern with a
    back-reference took cubic time on a line of backticks)."""
    out, at = [], 0
    for start, end in code_spans(line) if "`" in line else ():
        out += [line[at:start], " " * (end - start)]
        at = end
    out.append(line[at:])
    return "".join(out)


def _without_comments(text: str) -> str:
    """`text` with HTML comments blanked (an unclosed one runs to the end, as in HTML). A scan with find: a
    lazy pattern started again at every `<!--` of an unclosed run took quadratic time."""
    out, at = [], 0
    while (start := text.find("<!--", at)) >= 0:
        end = text.find("-->", start + 4)
        end = len(text) if end < 0 else end + 3
        out += [text[at:start], _NOT_NEWLINE.sub(" ", text[start:end])]
        at = end
    out.append(text[at:])
    return "".join(out)


def _blank(match: re.Match) -> str:
    return _NOT_NEWLINE.sub(" ", match.group(0))


def unsafe_url(url: str) -> bool:
    """True for a URL whose scheme is not allowed, however it is spelt (entities, case, tabs, NULs)."""
    plain = _INVISIBLE.sub("", html.unescape(url)).lower()
    found = _SCHEME.match(plain)
    return bool(found) and found.group(1) not in URL_SCHEMES


_LOWER = {element: {a.lower() for a in allowed} for element, allowed in ELEMENTS.items()}


def _allowed_attribute(element: str | None, name: str) -> bool:
    """HTML attribute names are case-insensitive (SVG's viewBox is written so, and reads as viewbox)."""
    name = name.lower()
    if name in GLOBAL_ATTRIBUTES or name.startswith(ARIA_PREFIX):
        return True
    if element is None:  # an attribute list: the element is the paragraph, heading, link or picture
        return any(name in allowed for allowed in _LOWER.values())
    return name in _LOWER.get(element, ())


def _attribute_problem(where: str, name: str, value: str) -> str | None:
    if name.lower().startswith("on"):
        return f"{where}: event handler '{name}' is removed from pages; scripts cannot run in the help centre"
    if name.lower() in URL_ATTRIBUTES and unsafe_url(value):
        return (
            f"{where}: address {value[:60]!r} is removed from pages; expected "
            f"{', '.join(s + ':' for s in sorted(URL_SCHEMES))} or a relative address"
        )
    if name.lower() in ("id", "name") and RESERVED_IDS.fullmatch(value):
        return f"{where}: {name} {value!r} is the theme's own and is removed from pages; expected another"
    if name.lower() == "style":
        properties = {part.split(":")[0].strip().lower() for part in value.split(";") if part.strip()}
        if properties - STYLE_PROPERTIES:
            return f"{where}: style {value[:60]!r} is removed; pages may set only {', '.join(STYLE_PROPERTIES)}"
    return None


def check_page_html(page: Page) -> list[Problem]:
    """What the sanitiser would remove from `page`, at its lines: raw HTML elements and attributes outside
    the allowlist, attribute lists with handlers, and links or pictures with a disallowed URL scheme.
    Warnings: the build still publishes the page, cleaned; `kb check --strict` fails on them."""
    body = masked_code(page.body)
    found: list[tuple[int, str]] = []

    newlines = [i for i, char in enumerate(body) if char == "\n"]

    def line(offset: int) -> int:  # a search, not a count from the top for every tag: pages hold thousands
        return page.body_line + bisect.bisect_left(newlines, offset)

    for tag in _TAG.finditer(body):
        element = tag.group(1).lower()
        where = f"<{element}>"
        if element not in ELEMENTS:
            found.append(
                (
                    line(tag.start()),
                    f"{where}: element not allowed in pages, it is removed; expected one of {', '.join(ELEMENTS)}",
                )
            )
            continue
        for attribute in _ATTRIBUTE.finditer(tag.group(2)):
            name, value = attribute.group(1), next((v for v in attribute.groups()[1:] if v is not None), "")
            if name == "markdown":  # md_in_html's switch, consumed by the extension
                continue
            message = _attribute_problem(where, name, value)
            if message is None and not _allowed_attribute(element, name):
                message = f"{where}: attribute '{name}' is not allowed on <{element}>, it is removed"
            if message is None and name.lower() in ATTRIBUTE_VALUES.get(element, {}):
                if value.lower() not in ATTRIBUTE_VALUES[element][name.lower()]:
                    message = f"{where}: {name}={value!r} is removed; expected one of " + ", ".join(
                        sorted(ATTRIBUTE_VALUES[element][name.lower()])
                    )
            if message:
                found.append((line(tag.start()), message))
    for attr_list in _ATTR_LIST.finditer(body):
        for token in _ATTR_TOKEN.finditer(attr_list.group(1)):
            if token.group(0).startswith("#") and RESERVED_IDS.fullmatch(token.group(0)[1:]):
                found.append((line(attr_list.start()), _attribute_problem("attribute list", "id", token.group(0)[1:])))
            if not token.group(1):
                continue  # #id or .class
            name, value = token.group(1), next((v for v in token.groups()[1:] if v is not None), "")
            where = f"attribute list {{ {name}=... }}"
            message = _attribute_problem(where, name, value)
            if message is None and not _allowed_attribute(None, name):
                message = f"{where}: attribute '{name}' is not allowed in pages, it is removed"
            if message:
                found.append((line(attr_list.start()), message))
    # find_links gives the lines but costs a parse of every line; most pages have no bad address at all.
    candidates = (m.group(1) or m.group(2) for m in _LINK_URL.finditer(page.body))
    for link in find_links(page.body) if any(unsafe_url(url) for url in candidates) else ():
        if unsafe_url(link.url):
            what = "picture" if link.is_image else "link"
            found.append(
                (
                    page.body_line + link.line - 1,
                    f"{what} {link.url[:60]!r}: this address is removed from pages; expected "
                    f"{', '.join(s + ':' for s in sorted(URL_SCHEMES))} or a relative address",
                )
            )
    return [Problem(page.src_uri, number, message, severity="warning") for number, message in found]
