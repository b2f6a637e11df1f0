"""The markdown kb offers: the extensions it supports, with the configuration kb gives them natively.

One constant for everything that reads it: the staged mkdocs.yml of every target (stage.engine_config),
the handouts' converter (pdf.markdown_extensions) and the importer, which carries a source project's
extensions into kb's mkdocs.yml when they are named in SUPPORTED_EXTENSIONS and reports the others.
Material's recipes configure Mermaid fences and icons with `!!python/name:` tags, which kb's strict
mkdocs.yml loader refuses (yamlfile): kb adds them here instead, so a writer's mkdocs.yml stays plain YAML.

Everything renders from local files, never a CDN (the portal's policy allows only the site's own scripts):
- Mermaid: a superfences custom fence keeps the diagram's source in `<pre class="mermaid">`; the theme
  loads the vendored mermaid.min.js on pages that have one (Material then uses it instead of unpkg's),
  and the handout draws each diagram as an SVG picture at build time (diagrams.py).
- Icons and emoji: Material's index; icons are Material's own SVG files, emoji inline SVG from the vendored
  Twemoji set (Material's generator would write an <img> from jsDelivr for them).
- Math: arithmatex's generic output, typeset in the browser by the vendored KaTeX (assets/kb-math.js);
  the handout prints the TeX source styled as math (KaTeX renders only in JavaScript)."""

from __future__ import annotations

import difflib
import gzip
import importlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from material.extensions import emoji as material_emoji
from pymdownx.slugs import slugify

from .errors import Problem
from .html_safety import masked_code
from .memo import remembered
from .model import Page

VENDOR = Path(__file__).with_name("assets") / "vendor"


class PythonName(str):
    """A dotted name the staged mkdocs.yml writes as `!!python/name:` (the engine imports it)."""


# Extensions a writer's mkdocs.yml may enable: Python-Markdown's and pymdown-extensions' that Material
# documents and kb builds offline. Not here: extensions that run code or fetch at build time.
SUPPORTED_EXTENSIONS = frozenset(
    {
        "abbr",
        "admonition",
        "attr_list",
        "def_list",
        "footnotes",
        "md_in_html",
        "tables",
        "toc",
        "pymdownx.arithmatex",
        "pymdownx.betterem",
        "pymdownx.blocks.caption",
        "pymdownx.caret",
        "pymdownx.critic",
        "pymdownx.details",
        "pymdownx.emoji",
        "pymdownx.highlight",
        "pymdownx.inlinehilite",
        "pymdownx.keys",
        "pymdownx.mark",
        "pymdownx.smartsymbols",
        "pymdownx.superfences",
        "pymdownx.tabbed",
        "pymdownx.tasklist",
        "pymdownx.tilde",
    }
)

MERMAID_FENCE = {"name": "mermaid", "class": "mermaid", "format": PythonName("pymdownx.superfences.fence_code_format")}
# What kb sets itself, over whatever the project's mkdocs.yml says for these extensions.
NATIVE_EXTENSIONS: dict[str, dict[str, Any]] = {
    "pymdownx.superfences": {"custom_fences": [MERMAID_FENCE]},
    "pymdownx.emoji": {
        "emoji_index": PythonName("generator.markdown_features.twemoji_when_used"),
        "emoji_generator": PythonName("generator.markdown_features.to_local_svg"),
    },
    "pymdownx.arithmatex": {"generic": True},
    # Content tabs get readable ids under their heading (`#anchor-links--or-even-me`), as Material's own
    # configuration makes them, so links written against Material-style sites reach their tab.
    "pymdownx.tabbed": {
        "alternate_style": True,
        "combine_header_slug": True,
        "slugify": PythonName("generator.markdown_features.tab_slug"),
    },
}
# pymdownx.slugs.slugify(case="lower"): the slug function Material's documentation configures for tabs.
tab_slug = slugify(case="lower")
# Material's features for annotations and tooltips: behaviour of its bundle, nothing fetched.
THEME_FEATURES = ("content.code.annotate", "content.tooltips")


def engine_extensions(project: list) -> list:
    """The project's markdown_extensions with kb's native ones merged in (added when absent)."""
    entries: dict[str, dict[str, Any]] = {}
    for entry in project:
        name, options = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        entries[name] = dict(options or {})
    for name, native in NATIVE_EXTENSIONS.items():
        options = entries.setdefault(name, {})
        for key, value in native.items():
            if key == "custom_fences":  # the project's own fences stay; kb's mermaid fence replaces one of its name
                kept = [f for f in options.get(key) or [] if f.get("name") not in {v["name"] for v in value}]
                options[key] = [*kept, *value]
            else:
                options[key] = value
    return [{name: options} if options else name for name, options in entries.items()]


def resolved(options: Any) -> Any:
    """`options` with each PythonName imported: the configuration as Python-Markdown takes it directly."""
    if isinstance(options, PythonName):
        module, _, attribute = options.rpartition(".")
        return getattr(importlib.import_module(module), attribute)
    if isinstance(options, dict):
        return {key: resolved(value) for key, value in options.items()}
    if isinstance(options, list):
        return [resolved(value) for value in options]
    return options


# What a page needs from the vendored libraries: a mermaid fence; math delimiters. Single quantifiers, linear.
_MERMAID_FENCE = re.compile(r"^[ \t>]*(?:`{3,}|~{3,})[ \t]*mermaid\b", re.MULTILINE)
_MATH = re.compile(r"\$|\\\(|\\\[|\\begin\{")
_BROWSER_FILES = {
    "mermaid": ("mermaid/mermaid.min.js", "mermaid/LICENSE"),
    "math": (
        "katex/katex.min.js",
        "katex/katex.min.css",
        "katex/contrib/auto-render.min.js",
        "katex/LICENSE",
        *(f"katex/fonts/{p.name}" for p in sorted((VENDOR / "katex" / "fonts").glob("*.woff2"))),
    ),
}


def vendored_files(pages: list[str]) -> list[tuple[str, Path]]:
    """The browser libraries these pages need, with their licences: (name under the staged docs'
    assets/vendor/, source file). A site without diagrams or math does not carry 4 MB of script."""
    needs = {need for text in pages for need in vendored_needs(text)}
    needed = [name for name in ("mermaid", "math") if name in needs]
    copied = [file for name in needed for file in _BROWSER_FILES[name]]
    if "math" in needed:
        copied.append("kb-math.js")
    return [(file, VENDOR / file if file != "kb-math.js" else VENDOR.parent / file) for file in copied]


@remembered("vendored_needs")
def vendored_needs(text: str) -> tuple[str, ...]:
    """What one page needs of the vendored libraries: from its text alone, so kept in the build's memo
    (two scans of every page's text were a third of a second at 10,000 pages)."""
    return tuple(name for name, pattern in (("mermaid", _MERMAID_FENCE), ("math", _MATH)) if pattern.search(text))


@cache
def twemoji_svgs() -> dict[str, str]:
    """Twemoji's SVG text by code point name (`1f604`), from the vendored set."""
    with gzip.open(VENDOR / "twemoji" / "svg.json.gz", "rt", encoding="utf-8") as file:
        return json.load(file)


def twemoji_when_used(options: dict, md: Any) -> Mapping[str, Any]:
    """pymdownx.emoji's index: Material's Twemoji index (18,000 entries, 0.05 s to load), read when a page
    first has a shortcode to look up. Every Markdown made with the extension asked for it at once, so a
    one-edit build loaded it whether or not the edited page had an emoji."""
    return _WhenUsed(lambda: material_emoji.twemoji(options, md))


class _WhenUsed(Mapping):
    """A mapping loaded by `load` the first time one of its keys is read."""

    def __init__(self, load: Callable[[], Mapping[str, Any]]):
        self._load, self._loaded = load, None

    def _index(self) -> Mapping[str, Any]:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    def __getitem__(self, key: str) -> Any:
        return self._index()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index())

    def __len__(self) -> int:
        return len(self._index())


def to_local_svg(index, shortname, alias, uc, alt, title, category, options, md) -> Element | str:
    """pymdownx.emoji's generator: Material's icons as its inline SVG, emoji as Twemoji's inline SVG from
    the vendored set; an emoji the set lacks stays its Unicode character."""
    if not uc:
        return material_emoji.to_svg(index, shortname, alias, uc, alt, title, category, options, md)
    svg = twemoji_svgs().get(uc)
    if svg is None:
        return md.htmlStash.store(alt)
    element = Element("span", {"class": "twemoji", "title": title or shortname})
    element.text = md.htmlStash.store(svg)
    return element


@cache
def known_shortcodes() -> frozenset[str]:
    """Every `:name:` (colons included) the emoji index knows, aliases included."""
    index = material_emoji.twemoji({}, None)
    return frozenset(index["emoji"]) | frozenset(index["aliases"])


# pymdownx.emoji's shortcode: `:name:`. One quantifier between colons, so the scan is linear.
_SHORTCODE = re.compile(r":([+\-\w]+):")
_WORDY = re.compile(r"[a-z][a-z0-9_+-]*[a-z0-9]", re.IGNORECASE)  # not a time (10:30:00) or a ratio (a:b:c)


# "Did you mean" for this many distinct unknown names a page (difflib over a few hundred names each): a page
# of thousands of them still gets every warning, quickly.
SUGGESTIONS_PER_PAGE = 50
ICON_SETS = ("material-", "fontawesome-", "octicons-", "simple-")  # Material's icon sets: always meant as icons


def check_shortcodes(page: Page) -> list[Problem]:
    """Icon and emoji shortcodes outside code that the index does not know, at their lines (warnings: the
    page shows them as typed), with the closest known one."""
    body = masked_code(page.body)
    if ":" not in body:
        return []
    known, problems, hints = known_shortcodes(), [], {}
    for number, line in enumerate(body.splitlines(), start=page.body_line):
        for match in _SHORTCODE.finditer(line) if line.count(":") > 1 else ():
            code = match.group(0)
            if code in known or not _WORDY.fullmatch(match.group(1)):
                continue
            if code not in hints:
                hints[code] = _closest(code) if len(hints) < SUGGESTIONS_PER_PAGE else None
            if not hints[code] and not code[1:].startswith(ICON_SETS):
                # Not an icon set's name and close to no emoji: a word between colons meant as something
                # else (mkautodoc's `:docstring:`, a reStructuredText role), which is shown as typed anyway.
                continue
            hint = f"; did you mean {hints[code]}?" if hints[code] else ""
            problems.append(
                Problem(
                    page.src_uri,
                    number,
                    f"shortcode {code} is not an icon or emoji kb knows, it is shown as typed{hint}",
                    severity="warning",
                )
            )
    return problems


@cache
def _closest(code: str) -> str | None:
    """The known shortcode closest to `code`, among those of the same icon set (`material-`,
    `fontawesome-brands-`) or, for an emoji, the same first letter: difflib over all 10,000 is slow."""
    name = code.strip(":")
    prefix = name.split("-")[0] if "-" in name else name[:1]
    similar = [known for known in known_shortcodes() if known[1:].startswith(prefix)]
    found = difflib.get_close_matches(code, similar, n=1, cutoff=0.8)  # a typo, not any word sharing letters
    return found[0] if found else None
