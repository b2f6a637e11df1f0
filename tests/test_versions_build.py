"""The versioned help centre, built for real from a git repository with three released versions
(tests/versioned_project.py): each version's pages from its own ref, published under /v/<version>/, with its
own search index and context map; the working tree untouched; `versions:` and `changed_in` in front matter;
a client on an older version; a missing ref as a clear error."""

from __future__ import annotations

import json
import os

import pytest

from tests.versioned_project import MARKER_2026_1, MARKER_2026_2, MARKER_2026_3, git, make_versioned_project

GANTT = "kb/scheduling/gantt-empty/index.html"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The versioned project after `kb build --all-versions`, and what the build printed."""
    from click.testing import CliRunner

    from generator.cli import cli

    root = make_versioned_project(tmp_path_factory.mktemp("versions") / "project")
    tracked = {path: os.stat(root / path).st_mtime_ns for path in git(root, "ls-files").splitlines()}
    index = os.stat(root / ".git/index").st_mtime_ns
    result = CliRunner().invoke(cli, ["--root", str(root), "build", "--all-versions"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root, result.output, tracked, index


def text(path) -> str:
    return path.read_text(encoding="utf-8")


def test_each_version_is_built_from_its_own_ref(built):
    root, output, _, _ = built
    site = root / "build/site"
    assert MARKER_2026_3 in text(site / GANTT)
    assert MARKER_2026_2 in text(site / "v/2026.2" / GANTT) and MARKER_2026_3 not in text(site / "v/2026.2" / GANTT)
    assert MARKER_2026_1 in text(site / "v/2026.1" / GANTT)
    # KB-0101 came in 2026.2, KB-0102 in 2026.3: each version has the pages its ref had
    assert (site / "v/2026.2/kb/scheduling/baseline-compare/index.html").is_file()
    assert not (site / "v/2026.1/kb/scheduling/baseline-compare").exists()
    assert (site / "kb/scheduling/critical-path/index.html").is_file()
    assert not (site / "v/2026.2/kb/scheduling/critical-path").exists()
    for name in ("2026.2", "2026.1"):  # progress says which version is building
        assert f"[{name}] Reading the sources of version {name} from git" in output


def test_each_version_has_its_own_search_index_and_context_map(built):
    root, _, _, _ = built
    site = root / "build/site"
    maps = {
        name: json.loads(text(site / prefix / "context/kb-map.json"))
        for name, prefix in (("2026.3", ""), ("2026.2", "v/2026.2"), ("2026.1", "v/2026.1"))
    }
    assert {name: data["version"] for name, data in maps.items()} == {n: n for n in maps}
    assert "schedule.critical" in maps["2026.3"]["contexts"] and "schedule.critical" not in maps["2026.2"]["contexts"]
    assert "schedule.baseline" in maps["2026.2"]["contexts"] and "schedule.baseline" not in maps["2026.1"]["contexts"]
    assert (root / "build/versions/2026.2/site-search").is_dir()
    engine_search = json.loads(text(site / "v/2026.2/search/search_index.json"))
    assert any(MARKER_2026_2 in doc["text"] for doc in engine_search["docs"])
    assert not (site / "v/2026.2-search").exists()  # indexes stay out of the published folder


def test_versions_json_and_page_maps_let_the_switcher_find_the_same_page(built):
    root, _, _, _ = built
    site = root / "build/site"
    listed = json.loads(text(site / "versions.json"))
    assert listed["current"] == "2026.3"
    assert [(v["name"], v["status"], v["path"], v["published"]) for v in listed["versions"]] == [
        ("2026.3", "current", "", True),
        ("2026.2", "supported", "v/2026.2/", True),
        ("2026.1", "unsupported", "v/2026.1/", True),
    ]
    assert json.loads(text(site / "v/2026.2/kb-pages.json"))["pages"]["KB-0101"] == "kb/scheduling/baseline-compare/"
    assert "KB-0101" not in json.loads(text(site / "v/2026.1/kb-pages.json"))["pages"]
    # an older version's own addresses, in its sitemap and canonical links
    assert "/v/2026.2/kb/scheduling/baseline-compare/" in text(site / "v/2026.2/sitemap.xml")
    canonical = '<link rel="canonical" href="https://help.meridian.example.com/v/2026.2/kb/scheduling/gantt-empty/">'
    assert canonical in text(site / "v/2026.2" / GANTT)


def test_an_older_version_says_so_and_an_unsupported_one_is_marked(built):
    root, _, _, _ = built
    site = root / "build/site"
    older = text(site / "v/2026.2" / GANTT)
    assert "You are reading the help for version 2026.2." in older
    assert "Read this page for the current version, 2026.3" in older
    assert "Version 2026.1 is no longer supported." in text(site / "v/2026.1" / GANTT)
    current = text(site / GANTT)
    assert "data-kb-version-notice" not in current and 'class="kb-versions"' in current
    assert "2026.1 (no longer supported)" in current
    # an older version searches its own index in the browser, not the portal's (current) one
    assert '<meta name="kb-older-version" content="2026.2">' in older and "kb-older-version" not in current


def test_a_version_build_leaves_the_working_tree_and_index_untouched(built):
    root, _, tracked, index = built
    assert os.stat(root / ".git/index").st_mtime_ns == index  # first: `git status` below may refresh it
    assert {path: os.stat(root / path).st_mtime_ns for path in tracked} == tracked
    assert git(root, "status", "--porcelain", "--untracked-files=no") == ""


def test_a_plain_build_keeps_the_published_versions_and_an_unchanged_version_is_not_rebuilt(built, run_kb):
    root, _, _, _ = built
    result = run_kb(root, "build")
    assert result.exit_code == 0, result.output
    assert MARKER_2026_2 in text(root / "build/site/v/2026.2" / GANTT)
    again = run_kb(root, "build", "--all-versions")
    assert again.exit_code == 0, again.output
    assert "[2026.2] Unchanged since its last build: kept as published" in again.output
    assert MARKER_2026_1 in text(root / "build/site/v/2026.1" / GANTT)


def test_a_missing_ref_is_an_error_at_its_line_in_product_yml(tmp_path, run_kb):
    root = make_versioned_project(tmp_path / "project")
    product = root / "product.yml"
    product.write_text(text(product).replace("{ref: v2026.2,", "{ref: v2025.9,"), encoding="utf-8")
    line = next(n for n, row in enumerate(text(product).splitlines(), 1) if "v2025.9" in row)
    result = run_kb(root, "build", "--version", "2026.2")
    assert result.exit_code == 1
    assert f"product.yml:{line}: version 2026.2: ref 'v2025.9' is not a commit of this repository" in result.output
    assert "Traceback" not in result.output
    planned = run_kb(root, "build", "--version", "2026.4")
    assert planned.exit_code == 1 and "'2026.4': is planned" in planned.output


def test_a_client_on_an_older_version_gets_that_versions_pages_and_screens(tmp_path, run_kb):
    root = make_versioned_project(tmp_path / "project")
    result = run_kb(root, "build", "--client", "acme", "--format", "site")
    assert result.exit_code == 0, result.output
    site = root / "build/client-acme"
    page = text(site / GANTT)
    assert MARKER_2026_2 in page and MARKER_2026_3 not in page
    contexts = json.loads(text(site / "context/kb-map.json"))
    assert contexts["version"] == "2026.2"
    assert "schedule.baseline" in contexts["contexts"] and "schedule.critical" not in contexts["contexts"]
    assert not (site / "v").exists() and 'class="kb-versions"' not in page  # one version per client


def test_front_matter_versions_keeps_a_page_out_and_links_to_it_become_text(tmp_path, run_kb):
    root = make_versioned_project(tmp_path / "project")
    old = root / "kb/scheduling/old-way.md"
    old.write_text(
        "---\nid: KB-0103\ntitle: The old way\nsummary: Before 2026.3.\ntype: howto\nmodule: scheduling\n"
        'confidence: validated\nversions: "<=2026.2"\n---\n\n## Steps\n\n1. Do it the old way.\n',
        encoding="utf-8",
    )
    gantt = root / "kb/scheduling/gantt-empty.md"
    gantt.write_text(text(gantt) + "\nSee [the old way](old-way.md).\n", encoding="utf-8")
    critical = root / "kb/scheduling/critical-path.md"
    critical.write_text(
        text(critical).replace("confidence: validated\n", 'confidence: validated\nchanged_in: "2026.3"\n')
    )
    result = run_kb(root, "build")
    assert result.exit_code == 0, result.output
    site = root / "build/site"
    assert not (site / "kb/scheduling/old-way").exists()
    assert "the old way" in text(site / GANTT) and "old-way/" not in text(site / GANTT)
    assert "KB-0103" not in json.loads(text(site / "kb-pages.json"))["pages"]
    assert "Changed in 2026.3" in text(site / "kb/scheduling/critical-path/index.html")


def test_check_names_a_version_product_yml_does_not_list(tmp_path, run_kb):
    root = make_versioned_project(tmp_path / "project")
    critical = root / "kb/scheduling/critical-path.md"
    critical.write_text(text(critical).replace('versions: ">=2026.3"', 'versions: ">=2027.1"'), encoding="utf-8")
    line = next(n for n, row in enumerate(text(critical).splitlines(), 1) if row.startswith("versions:"))
    result = run_kb(root, "check")
    assert result.exit_code == 1
    assert (
        f"kb/scheduling/critical-path.md:{line}: 'versions': '2027.1' is not a version of product.yml" in result.output
    )


def test_all_clients_build_each_client_on_its_own_version_and_keep_them_apart(tmp_path, run_kb):
    root = make_versioned_project(tmp_path / "project")
    result = run_kb(root, "build", "--all-clients", "--format", "site", "--jobs", "2")
    assert result.exit_code == 0, result.output
    acme, harbor = root / "build/client-acme", root / "build/client-harbor"
    assert MARKER_2026_2 in text(acme / GANTT) and MARKER_2026_3 in text(harbor / GANTT)
    assert (acme / "kb/budgets").exists() is False  # Acme licenses scheduling only, in 2026.2 as now
    assert not (harbor / "kb/budgets/acme-only").exists()  # Acme's private article stays Acme's
    assert json.loads(text(acme / "context/kb-map.json"))["version"] == "2026.2"
