"""Write a target's context help into its built site: the context map (JSON, and the same as a script for
help.js), the exports for the application's developers (a C header, a .properties file), a stable page
per screen at context/<id>/, the screen index at context/, help.js itself and the project's demo screen.

Runs after the engine, on the finished site: a topic lands on the section whose heading is the screen's
title when the page has one, which only the built page can say (the engine makes the anchors). File and
folder names come only from the IDs of contexts.yml, which the catalog has validated; every value that
goes into HTML, C or Java text is escaped for it."""

from __future__ import annotations

import html
import json
import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from .contexts import ContextMap, ContextTopic, export_name
from .errors import KbError, rel
from .memo import keep, recall
from .model import Page
from .schema import CONTEXT_ID, Invalid

CONTEXT_DIR = "context"  # /context/<id>/ for each screen, /context/ for the index
# The map and the exports sit beside the screens' folders under names with a hyphen, which no context ID
# can have, so a screen can never be named like one of them.
MAP_JSON = "kb-map.json"
MAP_JS = "kb-map.js"
HEADER = "kb-contexts.h"
PROPERTIES = "kb-contexts.properties"
MAP_FORMAT = 1
ASSETS = ("help.js", "kb-context.css")  # shipped in generator/assets/, published under /assets/
DEMO_DIR = "demo"

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("generator", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=True,
    keep_trailing_newline=True,
)
# Each match attempt ends where the next could start (`[^<>]`, a heading's text stops at the next `<h`): a
# page's raw HTML with many unclosed tags would otherwise make the scan quadratic (tests/test_scanning.py).
_HEADING = re.compile(r"<h([2-6])\b[^<>]*?\bid=\"([^\"]+)\"[^<>]*>((?:(?!</h\1>|<h[1-6]\b).)*)</h\1>", re.DOTALL)
_TAG = re.compile(r"<[^<>]+>")


def write_context_help(context_map: ContextMap, site_dir: Path, demo_dir: Path | None = None) -> None:
    """Write everything context help needs into `site_dir`; copy `demo_dir` to demo/ when it exists."""
    data = map_data(context_map, find_sections(context_map, site_dir))
    folder = site_dir / CONTEXT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    texts = render_context_files(data)
    for name, text in texts.items():
        page = folder / name
        if name.endswith("/index.html"):  # a screen's page, in a folder of its own
            page.parent.mkdir()
        page.write_text(text, encoding="ascii" if name in (HEADER, PROPERTIES) else "utf-8")
    assets = site_dir / "assets"
    assets.mkdir(exist_ok=True)
    for name in ASSETS:
        (assets / name).write_bytes(resources.files("generator").joinpath("assets", name).read_bytes())
    if demo_dir is not None and demo_dir.is_dir():
        copy_demo(demo_dir, site_dir / DEMO_DIR)


CONTEXT_TEXTS = "context help files"  # memo.recall/keep: the texts of a map, by the map's compact JSON


def render_context_files(data: dict[str, Any]) -> dict[str, str]:
    """Every file of the context help made from the map's data, by its name in the context folder: the map
    (JSON, and as a script), the exports, a page per screen and the index. Kept in the build's memo by the
    map's compact JSON: a map of 35 screens at 10,000 articles is a megabyte of JSON indented by Python's
    encoder and the same again as a script (0.03 s), the same from one build to the next unless a topic
    moved. The compact JSON (C's encoder) says the whole map, as the texts come from nothing else."""
    key = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    kept = recall(CONTEXT_TEXTS, key)
    if isinstance(kept, dict):
        return kept
    texts = {
        MAP_JSON: json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        MAP_JS: render_map_script(data),
        HEADER: render_header(data),
        PROPERTIES: render_properties(data),
    }
    for context_id, entry in data["contexts"].items():
        texts[f"{_safe_id(context_id)}/index.html"] = render_context_page(context_id, entry, data)
    texts["index.html"] = render_context_index(data)
    keep(CONTEXT_TEXTS, key, texts)
    return texts


def _safe_id(context_id: str) -> str:
    """The catalog validated every ID; a name that is not one here is a bug, not something to write."""
    try:
        return CONTEXT_ID(context_id)
    except Invalid as exc:
        raise ValueError(f"context ID {context_id!r} reached the writer unvalidated: {exc}") from None


# The map


def find_sections(context_map: ContextMap, site_dir: Path) -> dict[str, str]:
    """Context ID -> the anchor of the section of its topic whose heading is the screen's title, e.g.
    schedule.activity.edit -> edit-activity-dialog in the Gantt chapter. Screens without one land on top."""
    headings: dict[str, list[tuple[str, str]]] = {}
    found = {}
    for context_id, topic in context_map.topics.items():
        if topic.page is None:
            continue
        if topic.page.url not in headings:
            built = site_dir / topic.page.url / "index.html"
            text = built.read_text(encoding="utf-8") if built.is_file() else ""
            headings[topic.page.url] = [(anchor, _words(title)) for _, anchor, title in _HEADING.findall(text)]
        title = _words(topic.context.title)
        anchor = next((a for a, words in headings[topic.page.url] if words == title), None)
        if anchor:
            found[context_id] = html.unescape(anchor)
    return found


def _words(markup: str) -> str:
    text = html.unescape(_TAG.sub("", markup)).replace("\u00b6", "")
    return " ".join(text.split()).casefold()


def map_data(context_map: ContextMap, sections: dict[str, str]) -> dict[str, Any]:
    """The context map as plain data: what kb-map.json holds (its format is documented in README.md)."""
    product = context_map.product
    return {
        "format": MAP_FORMAT,
        "target": context_map.target.name,
        "product": product.name,
        "version": product.version,
        "contexts": {
            context_id: _entry(topic, sections.get(context_id)) for context_id, topic in context_map.topics.items()
        },
    }


def _entry(topic: ContextTopic, section: str | None) -> dict[str, Any]:
    url = topic.url
    if topic.page is not None:
        url = page_url(topic.page) + (f"#{quote(section, safe='')}" if section else "")
    return {
        "title": topic.context.title,
        "module": topic.context.module,
        "url": url,
        "via": topic.via,
        "topic": {"id": topic.page.id, "title": topic.page.title} if topic.page else None,
        "related": [{"id": p.id, "title": p.title, "url": page_url(p)} for p in topic.related],
    }


_UNQUOTED = re.compile(r"[A-Za-z0-9_.~/-]*")  # what quote(..., safe="/") leaves as it is


def page_url(page: Page) -> str:
    """A page's address relative to the site root, percent-encoded: one with nothing to encode as it is (a
    third of quote's time, for the 10,000 related pages of a map at 10,000 articles)."""
    url = page.url
    return url if _UNQUOTED.fullmatch(url) else quote(url, safe="/")


def landing_url(context_id: str, entry: dict[str, Any]) -> str:
    """Where /context/<id>/ sends the reader, relative to the site root: the topic with ?context=<id> (the
    page's case link then carries the screen), or the module page or search as they are."""
    url = entry["url"]
    if entry["topic"] is None:
        return url
    path, hash_mark, fragment = url.partition("#")
    return f"{path}?context={context_id}{hash_mark}{fragment}"


def render_map_script(data: dict[str, Any]) -> str:
    """The map as a script that hands it to help.js: a script loads from the help centre's origin into
    any application's page without CORS headers, where fetching the JSON would need them."""
    payload = json.dumps(data, ensure_ascii=True, sort_keys=False, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        "/* The context map of this help centre, for help.js. Generated by kb build; kb-map.json holds "
        "the same. */\n"
        f"window.KBHelp && window.KBHelp._receiveMap && window.KBHelp._receiveMap({payload});\n"
    )


# The exports for the application's developers


def _comment_text(text: str) -> str:
    """Text safe inside a C block comment or after # in a .properties file: one line of ASCII."""
    text = " ".join(text.split()).replace("*/", "* /")
    return text.encode("ascii", "backslashreplace").decode("ascii")


def render_header(data: dict[str, Any]) -> str:
    """A C header: one #define per screen ID, so the application names screens by constant, not by
    string; the topic each lands on is in the comment, for review only (it may move, the ID does not)."""
    product = _comment_text(f"{data['product']} {data['version']}")
    lines = [
        f"/* Context IDs of {product}: the screens the application opens help for.",
        f" * Generated by `kb build` (target {data['target']}) from contexts.yml; do not edit, rebuild.",
        " * Open help for a screen at <help centre>/context/<ID>/ (KB_HELP_PATH(KB_CONTEXT_...)),",
        " * or with help.js: KBHelp.open(KB_CONTEXT_...). */",
        "#ifndef KB_CONTEXTS_H",
        "#define KB_CONTEXTS_H",
        "",
        '#define KB_HELP_PATH(context_id) "context/" context_id "/"',
        "",
    ]
    for context_id, entry in data["contexts"].items():
        note = _comment_text(f"{entry['title']} -> {entry['url']}")
        lines.append(f'#define {export_name(_safe_id(context_id))} "{context_id}" /* {note} */')
    lines += ["", "#endif /* KB_CONTEXTS_H */", ""]
    return "\n".join(lines)


def render_properties(data: dict[str, Any]) -> str:
    """A .properties file (ISO-8859-1 safe, as java.util.Properties reads it): screen ID = its stable
    help address relative to the help centre's root."""
    product = _comment_text(f"{data['product']} {data['version']}")
    lines = [
        f"# Context IDs of {product} and the stable help address of each, relative to the help",
        f"# centre's root. Generated by `kb build` (target {data['target']}) from contexts.yml; do not edit.",
    ]
    for context_id, entry in data["contexts"].items():
        lines.append(f"# {_comment_text(entry['title'])} ({entry['module']}): now {_comment_text(entry['url'])}")
        lines.append(f"{_safe_id(context_id)}={CONTEXT_DIR}/{context_id}/")
    return "\n".join(lines) + "\n"


# The pages


def render_context_page(context_id: str, entry: dict[str, Any], data: dict[str, Any]) -> str:
    """context/<id>/index.html: a redirect that works without JavaScript (meta refresh, plus a link)."""
    return _templates.get_template("context-page.html.j2").render(
        context_id=context_id,
        entry=entry,
        product=data["product"],
        href="../../" + landing_url(context_id, entry),
        canonical="../../" + entry["url"].partition("#")[0] if entry["topic"] else None,
    )


def render_context_index(data: dict[str, Any]) -> str:
    """context/index.html: every screen and where its help lands (no JavaScript needed); with ?id=<id>,
    help.js sends the reader on, and an ID this build does not know to a search for its words."""
    return _templates.get_template("context-index.html.j2").render(data=data, contexts=data["contexts"])


def copy_demo(source: Path, dest: Path) -> None:
    """Copy the project's demo screen (plain files only: a link could pull any file into the site)."""
    for path in sorted(source.rglob("*")):
        if path.is_symlink():
            raise KbError(
                f"{rel(path, source.parent)}: a symbolic link; the demo is published as files, expected a file"
            )
        if path.is_file():
            target = dest / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
