"""Context-sensitive help as a real build publishes it: the context map, its script, the exports (C header,
properties), a /context/<id>/ page per screen and the screen index; and the sample project's coverage and
demo screen.

Resolving screens to topics and the coverage checks are in test_contexts.py; the behaviour in a browser
(help.js, the demo screen, hostile IDs in addresses) is in test_browser.py."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.catalog import load_catalog
from generator.contexts import check_contexts, coverage
from generator.model import TARGETS

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


# What a real build writes


class _Links(HTMLParser):
    """The attributes of the tags of a page that point somewhere: meta refresh, canonical, a, script."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def first(self, tag: str, **wanted: str) -> dict[str, str | None]:
        return next(a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items()))


def site_map(site: Path) -> dict:
    return json.loads((site / "context/kb-map.json").read_text(encoding="utf-8"))


def test_site_map_lists_every_screen_with_the_address_of_its_topic(built_basic):
    site = built_basic("site")
    gantt_empty = {
        "id": "KB-0001",
        "title": "Gantt chart shows no bars after import",
        "url": "kb/scheduling/gantt-empty/",
    }
    assert site_map(site) == {
        "format": 1,
        "target": "site",
        "product": "Sample Planner",
        "version": "1.0",
        "contexts": {
            "budget.overview": {
                "title": "Budget overview",
                "module": "budgets",
                "url": "kb/budgets/budget-locked/",
                "via": "topic",
                "topic": {"id": "KB-0004", "title": "Budget is locked for editing"},
                "related": [],
            },
            # The chapter has a section titled like the screen: the help lands on it.
            "schedule.activity.edit": {
                "title": "Edit activity dialog",
                "module": "scheduling",
                "url": "user/gantt/#edit-activity-dialog",
                "via": "topic",
                "topic": {"id": "USR-001", "title": "The Gantt chart"},
                "related": [],
            },
            "schedule.gantt": {
                "title": "Gantt chart",
                "module": "scheduling",
                "url": "user/gantt/",
                "via": "topic",
                "topic": {"id": "USR-001", "title": "The Gantt chart"},
                "related": [gantt_empty],
            },
        },
    }
    assert 'id="edit-activity-dialog"' in (site / "user/gantt/index.html").read_text(encoding="utf-8")
    for entry in site_map(site)["contexts"].values():
        for url in [entry["url"], *(page["url"] for page in entry["related"])]:
            assert (site / url.partition("#")[0] / "index.html").is_file(), url


def test_map_script_hands_help_js_the_same_map(built_basic):
    site = built_basic("site")
    script = (site / "context/kb-map.js").read_text(encoding="utf-8")
    payload = re.search(r"window\.KBHelp\._receiveMap\((\{.*\})\);\n\Z", script, re.DOTALL).group(1)
    assert json.loads(payload) == site_map(site)
    assert "<" not in payload and ">" not in payload  # safe even pasted into a page


def test_internal_only_topics_never_appear_in_the_site_map(built_basic):
    site_files = {p: p.read_text(encoding="utf-8") for p in (built_basic("site") / "context").rglob("*") if p.is_file()}
    for path, text in site_files.items():
        for word in ("KB-0002", "Internal database fix", "internal-fix", "KB-0003", "KB-0005", "Acme"):
            assert word not in text, (path, word)
    internal = site_map(built_basic("internal"))
    assert [page["id"] for page in internal["contexts"]["schedule.gantt"]["related"]] == ["KB-0001", "KB-0002"]
    assert internal["target"] == "internal"


def test_each_screen_has_a_page_that_lands_on_its_topic_without_javascript(built_basic):
    site = built_basic("site")
    for context_id, entry in site_map(site)["contexts"].items():
        text = (site / "context" / context_id / "index.html").read_text(encoding="utf-8")
        links = _Links(text)
        assert [tag for tag, _ in links.tags if tag == "script"] == []
        refresh = links.first("meta", **{"http-equiv": "refresh"})["content"]
        href = re.fullmatch(r"0; url=(.+)", refresh).group(1)
        assert links.first("a", href=href)  # a plain link for browsers that ignore the refresh
        assert links.first("link", rel="canonical")["href"] == "../../" + entry["url"].partition("#")[0]
        target = urlsplit(posixpath.normpath(posixpath.join(f"/context/{context_id}/", href.split("?")[0])) + "/")
        assert (site / target.path.strip("/") / "index.html").is_file(), href
        assert parse_qs(urlsplit(href).query) == {"context": [context_id]}
        assert urlsplit(href).fragment == urlsplit(entry["url"]).fragment
        assert f"<h1>{entry['title']}</h1>" in text


def test_screen_index_lists_every_screen_and_hands_unknown_ids_to_help_js(built_basic):
    site = built_basic("site")
    links = _Links((site / "context/index.html").read_text(encoding="utf-8"))
    for context_id, entry in site_map(site)["contexts"].items():
        assert links.first("a", href=f"{context_id}/")
        assert links.first("a", href=f"../{entry['url']}")
    script = links.first("script", src="../assets/help.js")
    assert "data-kb-landing" in script
    assert (site / "assets/help.js").read_bytes() == (REPO / "generator/assets/help.js").read_bytes()
    not_found = (site / "404.html").read_text(encoding="utf-8")
    assert "data-kb-not-found" in not_found and "assets/kb.js" in not_found


def test_c_header_defines_every_screen_and_compiles(built_basic, tmp_path):
    header = (built_basic("site") / "context/kb-contexts.h").read_text(encoding="ascii")
    ids = sorted(site_map(built_basic("site"))["contexts"])
    defines = re.findall(r'^#define (KB_CONTEXT_\w+) "([a-z0-9_.]+)"', header, re.MULTILINE)
    assert defines == [("KB_CONTEXT_" + re.sub(r"\W", "_", i).upper(), i) for i in ids]
    if not shutil.which("cc"):
        pytest.skip("no C compiler to compile the header with")
    program = tmp_path / "help.c"
    calls = "".join(f"    puts({name});\n" for name, _ in defines)
    program.write_text(
        f'#include <stdio.h>\n#include "{built_basic("site") / "context/kb-contexts.h"}"\n'
        f'#include "{built_basic("site") / "context/kb-contexts.h"}"\n'  # the include guard works
        f"int main(void) {{\n{calls}    puts(KB_HELP_PATH(KB_CONTEXT_SCHEDULE_GANTT));\n    return 0;\n}}\n"
    )
    subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-o", tmp_path / "help", program], check=True)
    out = subprocess.run([tmp_path / "help"], check=True, capture_output=True, text=True).stdout
    assert out.splitlines() == [*ids, "context/schedule.gantt/"]


def test_properties_file_maps_every_screen_to_its_stable_address(built_basic, tmp_path):
    path = built_basic("site") / "context/kb-contexts.properties"
    text = path.read_text(encoding="ascii")
    pairs = [line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")]
    ids = sorted(site_map(built_basic("site"))["contexts"])
    assert pairs == [[i, f"context/{i}/"] for i in ids]
    if not shutil.which("java"):
        pytest.skip("no Java to read the file with java.util.Properties")
    reader = tmp_path / "Read.java"
    reader.write_text(
        "import java.io.*; import java.util.*;\n"
        "public class Read { public static void main(String[] a) throws Exception {\n"
        "  Properties p = new Properties(); try (InputStream in = new FileInputStream(a[0])) { p.load(in); }\n"
        "  for (String k : new TreeSet<>(p.stringPropertyNames())) System.out.println(k + '=' + p.getProperty(k));\n"
        "} }\n"
    )
    out = subprocess.run(["java", str(reader), str(path)], check=True, capture_output=True, text=True).stdout
    assert out.splitlines() == [f"{i}=context/{i}/" for i in ids]


# The sample project: what a newcomer gets


def test_sample_project_covers_every_screen_with_a_primary_manual_chapter():
    catalog = load_catalog(REPO)
    assert len(catalog.contexts) >= 30
    for context_map in coverage(catalog, TARGETS.values()):
        assert context_map.percent == 100, context_map.target.name
        for context_id, topic in context_map.topics.items():
            assert topic.via == "topic" and not topic.page.is_article, context_id
            assert any(c.id == context_id and c.primary for c in topic.page.contexts), context_id
    assert check_contexts(catalog, TARGETS.values()) == []


def test_sample_build_publishes_the_demo_screen_wired_to_known_screens(built_sample):
    contexts = site_map(built_sample)["contexts"]
    assert len(contexts) == len(load_catalog(REPO).contexts)
    demo = (built_sample / "demo/index.html").read_text(encoding="utf-8")
    wired = set(re.findall(r'data-kb-help="([^"]+)"', demo))
    assert {"schedule.gantt", "budget.line.edit"} <= wired
    assert wired - set(contexts) == {"portfolio.heatmap"}  # the one screen newer than its help, on purpose
    assert (built_sample / "demo/demo.css").is_file()
    # As an application under a strict Content-Security-Policy: no inline script, handler or style.
    tags = _Links(demo).tags
    # help.js, and the demo's own file that opens a screen's help from #help=<id> (for Lighthouse).
    assert [attrs.get("src") for tag, attrs in tags if tag == "script"] == ["../assets/help.js", "demo.js"]
    assert [(tag, name) for tag, attrs in tags for name in attrs if name.startswith("on") or name == "style"] == []
    assert "<style" not in demo
    assert "demo/" not in (built_sample / "sitemap.xml").read_text(encoding="utf-8")


def test_context_help_kept_in_the_memo_is_the_one_made_anew_and_follows_a_moved_topic(make_project, monkeypatch):
    """The context help's texts come from the build's memo when the map is the same (render_context_files):
    the files a second build writes without making them are a full build's, and a topic whose title
    changed is made and written anew."""
    from generator import context_files
    from generator.build import build_target
    from generator.model import SITE

    root = make_project("basic")
    out = root / "build" / "site"
    made = []
    make = context_files.render_map_script
    monkeypatch.setattr(context_files, "render_map_script", lambda data: made.append(1) or make(data))

    def written() -> dict[str, bytes]:
        folder = out / "context"
        return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}

    build_target(root, SITE, out)
    first = written()
    build_target(root, SITE, out)
    assert made == [1] and written() == first  # the second build's from the memo
    article = root / "kb/scheduling/gantt-empty.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("shows no bars after import", "shows no bars once imported"), encoding="utf-8")
    build_target(root, SITE, out)
    moved = written()
    assert made == [1, 1] and b"Gantt chart shows no bars once imported" in moved["kb-map.json"]
    build_target(root, SITE, out, full=True)
    assert written() == moved
