"""`kb import mkdocs`: an existing MkDocs project's nav, pages, links and pictures brought into a kb project."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from generator.catalog import load_catalog
from generator.importer.extensions import is_supported, supported_extensions
from generator.importer.foreign_config import ForeignConfig
from generator.importer.plan import PlannedPage, page_title
from generator.importer.relink import Places, relink

ROOTS = Path(__file__).resolve().parent / "roots"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

SOURCE_CONFIG = """\
site_name: Widget Docs
site_url: https://docs.widget.example/
repo_url: !ENV [REPO_URL, "https://example.invalid"]
hooks_dir: !!python/object/apply:os.system ["echo ran > ran.txt"]
nav:
  - Home: index.md
  - Setup:
      - Installing: setup/install.md
      - Upgrading: setup/upgrade.md
      - Deep:
          - Rollback: setup/deep/rollback.md
  - Elsewhere: https://example.invalid/
  - Gone: gone.md
markdown_extensions:
  - admonition
  - footnotes
  - codehilite
  - mkautodoc
  - widget_magic
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""

SOURCE_PAGES = {
    "index.md": "# Widget\n\nStart with [installing](setup/install.md#before-you-start).\n",
    "setup/install.md": (
        "---\ntitle: Installing Widget\ndescription: How to install it.\ntags: [setup]\nauthor: Sam\n---\n"
        "\n# Install\n\n## Before you start\n\nRead [upgrading](upgrade.md) and [the old guide](../gone.md#top).\n"
        '\n![The installer](../img/installer.png)\n\n<img src="../img/wizard.png" alt="wizard">\n'
        "\nA secret: [key](../../secret.txt).\n"
    ),
    "setup/upgrade.md": "# Upgrading\n\nBack to [home](../index.md).\n\n::: widget.upgrade\n    :docstring:\n",
    "setup/deep/rollback.md": "# Rolling back\n\nSee [upgrading](../upgrade.md).\n",
    "orphan.md": "# Orphan page\n\nNobody lists me.\n",
}


def write_source(folder: Path, config: str = SOURCE_CONFIG, pages: dict[str, str] | None = None) -> Path:
    for name, text in (SOURCE_PAGES if pages is None else pages).items():
        path = folder / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / "docs" / "img").mkdir(exist_ok=True)
    (folder / "docs" / "img" / "installer.png").write_bytes(PNG)
    (folder / "docs" / "img" / "wizard.png").write_bytes(PNG + b"w")
    (folder / "secret.txt").write_text("do not copy", encoding="utf-8")
    (folder / "mkdocs.yml").write_text(config, encoding="utf-8")
    return folder / "mkdocs.yml"


@pytest.fixture
def project(tmp_path, run_kb) -> Path:
    root = tmp_path / "project"
    assert run_kb(None, "init", str(root)).exit_code == 0
    return root


@pytest.fixture
def source(tmp_path) -> Path:
    return write_source(tmp_path / "widget")


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def meta_and_body(path: Path) -> tuple[dict, str]:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def test_the_nav_becomes_chapters_and_sections_in_order(project, source, run_kb):
    result = run_kb(project, "import", "mkdocs", str(source))
    assert result.exit_code == 0, result.output
    user = sorted(p.relative_to(project / "docs/user").as_posix() for p in (project / "docs/user").rglob("*.md"))
    assert user == [
        "01-home.md",
        "02-setup/01-installing.md",
        "02-setup/02-upgrading.md",
        "02-setup/03-rollback.md",  # a group inside a group joins its section: books have two levels
        "02-setup/index.md",
        "03-orphan.md",  # not in the nav: after the nav's pages
        "index.md",
    ]
    assert meta_and_body(project / "docs/user/02-setup/index.md")[0]["title"] == "Setup"
    assert "note: orphan.md: not in the source's nav; imported after the nav's pages" in result.output
    assert "note: nav: 'Elsewhere' is a web address (https://example.invalid/); left out" in result.output
    assert "note: nav: gone.md does not exist in docs/; left out" in result.output
    assert "note: nav: the group 'Deep' inside 'Setup' joins 'Setup'" in result.output


def test_a_groups_own_index_page_becomes_its_sections_page(project, tmp_path, run_kb):
    config = SOURCE_CONFIG.replace(
        "      - Installing: setup/install.md\n", "      - setup/index.md\n      - setup/install.md\n"
    )
    pages = {**SOURCE_PAGES, "setup/index.md": "# About setting up\n\nRead [installing](install.md).\n"}
    result = run_kb(project, "import", "mkdocs", str(write_source(tmp_path / "w", config, pages)))
    assert result.exit_code == 0, result.output
    meta, body = meta_and_body(project / "docs/user/02-setup/index.md")
    assert meta["title"] == "About setting up" and "[installing](01-install.md)" in body
    assert "sections made" not in result.output


def test_front_matter_gets_next_free_ids_and_the_sources_title_description_tags(project, source, run_kb):
    run_kb(project, "new", "chapter", "Existing chapter", "--book", "user")
    assert run_kb(project, "import", "mkdocs", str(source)).exit_code == 0
    meta, body = meta_and_body(project / "docs/user/03-setup/01-installing.md")
    # The nav's title wins; the description and tags are carried; the book's next free IDs are used.
    assert meta == {"id": "USR-004", "title": "Installing", "summary": "How to install it.", "tags": ["setup"]}
    assert body.startswith("\n# Install\n")
    assert meta_and_body(project / "docs/user/02-home.md")[0] == {"id": "USR-002", "title": "Home"}
    assert meta_and_body(project / "docs/user/04-orphan.md")[0]["title"] == "Orphan page"  # its first heading


def test_links_between_imported_pages_point_to_the_new_files_and_anchors(project, source, run_kb):
    assert run_kb(project, "import", "mkdocs", str(source)).exit_code == 0
    home = (project / "docs/user/01-home.md").read_text(encoding="utf-8")
    assert "[installing](02-setup/01-installing.md#before-you-start)" in home
    install = (project / "docs/user/02-setup/01-installing.md").read_text(encoding="utf-8")
    assert "[upgrading](02-upgrading.md)" in install
    assert "[home](../01-home.md)" in (project / "docs/user/02-setup/02-upgrading.md").read_text(encoding="utf-8")
    assert "[upgrading](02-upgrading.md)" in (project / "docs/user/02-setup/03-rollback.md").read_text()


def test_a_link_to_a_page_not_imported_goes_to_the_sources_site(project, source, run_kb):
    assert run_kb(project, "import", "mkdocs", str(source)).exit_code == 0
    install = (project / "docs/user/02-setup/01-installing.md").read_text(encoding="utf-8")
    assert "[the old guide](https://docs.widget.example/gone/#top)" in install


def test_without_site_url_a_link_to_a_page_not_imported_is_reported(project, tmp_path, run_kb):
    config = write_source(tmp_path / "w", SOURCE_CONFIG.replace("site_url: https://docs.widget.example/\n", ""))
    result = run_kb(project, "import", "mkdocs", str(config))
    assert result.exit_code == 0
    line = next(n for n, text in enumerate(open(project / "docs/user/02-setup/01-installing.md"), 1) if "gone" in text)
    assert (
        f"docs/user/02-setup/01-installing.md:{line}: link '../gone.md#top': the page was not imported "
        "(the source's mkdocs.yml has no site_url to link to instead); expected a link to fix"
    ) in result.output


def test_pictures_in_markdown_and_html_are_copied_and_repointed(project, source, run_kb):
    result = run_kb(project, "import", "mkdocs", str(source))
    assert (project / "docs/user/img/installer.png").read_bytes() == PNG
    assert (project / "docs/user/img/wizard.png").read_bytes() == PNG + b"w"
    install = (project / "docs/user/02-setup/01-installing.md").read_text(encoding="utf-8")
    assert "![The installer](../img/installer.png)" in install
    assert '<img src="../img/wizard.png" alt="wizard">' in install
    assert "2 files copied" in result.output


def test_a_link_out_of_the_sources_docs_folder_is_reported_and_nothing_copied(project, source, run_kb):
    result = run_kb(project, "import", "mkdocs", str(source))
    assert not list(project.rglob("secret.txt"))
    page = project / "docs/user/02-setup/01-installing.md"
    line = next(n for n, text in enumerate(page.read_text().splitlines(), 1) if "secret" in text)
    assert f"{page.relative_to(project)}:{line}: link '../../secret.txt' leads out of the source's docs folder" in (
        result.output
    )


def test_what_needs_a_person_is_listed_at_file_and_line(project, source, run_kb):
    result = run_kb(project, "import", "mkdocs", str(source))
    upgrade = (project / "docs/user/02-setup/02-upgrading.md").read_text(encoding="utf-8").splitlines()
    line = upgrade.index("::: widget.upgrade") + 1
    assert "Needs a person (" in result.output
    assert (
        f"docs/user/02-setup/02-upgrading.md:{line}: mkautodoc is not supported: 1 `::: name` line from here on "
        "stay as text"
    ) in result.output
    assert "docs/user/02-setup/01-installing.md:2: the source page's front matter author: not carried" in result.output


def test_tags_in_the_foreign_config_are_read_as_text_and_never_run(project, source, run_kb):
    result = run_kb(project, "import", "mkdocs", str(source))
    assert result.exit_code == 0, result.output
    assert not list(project.parent.rglob("ran.txt"))


def test_supported_extensions_are_carried_and_the_others_named(project, source, run_kb):
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - footnotes\n", "").replace("  - pymdownx.superfences\n", ""), encoding="utf-8")
    result = run_kb(project, "import", "mkdocs", str(source))
    enabled = yaml.safe_load(config.read_text(encoding="utf-8"))["markdown_extensions"]
    assert "footnotes" in enabled and "pymdownx.superfences" in enabled  # without the options naming code
    assert "# The site engine's base configuration." in config.read_text(encoding="utf-8")  # comments kept
    assert "note: extension footnotes: enabled in mkdocs.yml" in result.output
    assert "note: extension pymdownx.superfences: enabled in mkdocs.yml without its options" in result.output
    assert "note: extension mkautodoc: not supported: its pages keep the `::: name` lines as text" in result.output
    assert "note: extension widget_magic: not supported by kb" in result.output
    assert "note: extension admonition" not in result.output  # already enabled: nothing to say


def test_the_supported_list_is_the_projects_own_extensions():
    assert {"admonition", "footnotes", "pymdownx.superfences", "pymdownx.tabbed"} <= supported_extensions()
    assert is_supported("markdown.extensions.admonition") and not is_supported("mkautodoc")


def test_importing_twice_changes_nothing(project, source, run_kb):
    assert run_kb(project, "import", "mkdocs", str(source)).exit_code == 0
    before = files_of(project)
    again = run_kb(project, "import", "mkdocs", str(source))
    assert again.exit_code == 0
    assert files_of(project) == before
    assert "Imported 5 pages into docs/user/: 5 unchanged; 0 files copied" in again.output


def test_importing_again_updates_changed_sources_and_keeps_pages_a_person_edited(project, source, run_kb):
    run_kb(project, "import", "mkdocs", str(source))
    docs = source.parent / "docs"
    (docs / "setup/upgrade.md").write_text("# Upgrading\n\nNew text.\n", encoding="utf-8")
    (docs / "setup/deep/rollback.md").write_text("# Rolling back\n\nNew text too.\n", encoding="utf-8")
    edited = project / "docs/user/02-setup/03-rollback.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA person's note.\n", encoding="utf-8")
    (docs / "setup/later.md").write_text("# Later\n", encoding="utf-8")
    result = run_kb(project, "import", "mkdocs", str(source))
    assert "  updated: docs/user/02-setup/02-upgrading.md" in result.output
    assert "  kept: docs/user/02-setup/03-rollback.md" in result.output
    assert "  new: docs/user/04-later.md" in result.output  # a new page takes the next number
    assert "New text." in (project / "docs/user/02-setup/02-upgrading.md").read_text(encoding="utf-8")
    assert "A person's note." in edited.read_text(encoding="utf-8")
    assert meta_and_body(project / "docs/user/02-setup/02-upgrading.md")[0]["id"] == "USR-004"  # the same ID
    assert len(list((project / "docs/user").rglob("*upgrading*.md"))) == 1


def test_import_as_articles_into_a_module(project, source, run_kb):
    result = run_kb(project, "import", "mkdocs", str(source), "--as-articles", "--module", "general")
    assert result.exit_code == 0, result.output
    meta, _ = meta_and_body(project / "kb/general/setup-install.md")
    assert meta["id"] == "KB-0003" and meta["module"] == "general" and meta["type"] == "reference"
    assert meta["summary"] == "How to install it." and meta["confidence"] == "validated"
    assert "[upgrading](setup-upgrade.md)" in (project / "kb/general/setup-install.md").read_text(encoding="utf-8")
    assert not (project / "kb/general/index.md").exists()
    problems = run_kb(project, "check").output.splitlines()[:-1]
    assert [line.split(": ", 1)[1] for line in problems] == [
        "broken link '../../secret.txt'; expected a file under kb/ or docs/"
    ]


def test_as_articles_needs_a_module(project, source, run_kb):
    result = run_kb(project, "import", "mkdocs", str(source), "--as-articles")
    assert result.exit_code == 1 and "--as-articles and --module go together" in result.output


def test_a_foreign_config_that_is_not_yaml_is_one_error_at_its_line(project, tmp_path, run_kb):
    config = write_source(tmp_path / "bad", "site_name: x\nnav:\n  - [unclosed\n")
    result = run_kb(project, "import", "mkdocs", str(config))
    assert result.exit_code == 1
    assert re.search(r"mkdocs\.yml:\d+: not valid YAML", result.output)
    assert "Traceback" not in result.output


def test_httpx_docs_import_then_check_strict_build_and_print(tmp_path, run_kb):
    """The round trip on real documentation: kb init, kb import, kb check --strict, the site and the PDF."""
    source = tmp_path / "httpx"
    shutil.copytree(ROOTS / "real-httpx", source)
    project = tmp_path / "help"
    assert run_kb(None, "init", str(project)).exit_code == 0
    imported = run_kb(project, "import", "mkdocs", str(source / "mkdocs.yml"))
    assert imported.exit_code == 0, imported.output
    assert "Imported 20 pages into docs/user/: 20 new; 4 sections made; 2 files copied" in imported.output
    assert "note: extension mkautodoc: not supported" in imported.output
    assert "docs/user/04-api-reference/02-exceptions.md:47: mkautodoc is not supported" in imported.output
    # HTTPX's own dead anchors: reported for a person, the links kept to their pages.
    assert (
        "docs/user/02-advanced/01-clients.md:167: link '#merging-of-parameters': advanced/clients.md has no "
        "heading or id 'merging-of-parameters'" in imported.output
    ), imported.output

    check = run_kb(project, "check", "--strict")
    assert check.exit_code == 0, check.output
    build = run_kb(project, "build", "--book", "user", "--format", "site,pdf")
    assert build.exit_code == 0, build.output

    site = project / "build" / "site" / "user"
    clients = (site / "advanced" / "clients" / "index.html").read_text(encoding="utf-8")
    assert 'src="../../img/tqdm-progress.gif"' in clients
    async_page = (site / "guides" / "async-support" / "index.html").read_text(encoding="utf-8")
    # Written as a site address, with an anchor that is dead on HTTPX's own site: the page, without it.
    assert 'href="../../advanced/transports/"' in async_page
    troubleshooting = (site / "guides" / "troubleshooting" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://www.python-httpx.org/advanced/proxies/#forward-vs-tunnel"' in troubleshooting

    outline = [
        item.title for item in PdfReader(project / "build/site/pdf/site-user.pdf").outline if not isinstance(item, list)
    ]
    assert outline[:5] == ["Contents", "User Manual", "1. QuickStart", "2. Advanced", "3. Guides"]

    again = run_kb(project, "import", "mkdocs", str(source / "mkdocs.yml"))
    assert "Imported 20 pages into docs/user/: 20 unchanged; 0 files copied" in again.output


LONG = 200_000


def relink_long(text: str) -> None:
    config = ForeignConfig(Path("mkdocs.yml"), "x", None, Path("docs"), None, (), True)
    relink("a.md", "docs/user/01-a.md", text, Places(config, {"a.md": "docs/user/01-a.md"}, "docs/user"))
    page_title(PlannedPage("a.md", None, None), {}, text)


@pytest.mark.parametrize(
    "text",
    ["<img " * (LONG // 5), '<img src="' * (LONG // 10), "<source srcset=" * (LONG // 15), "#" + " " * LONG + "x"],
    ids=["unclosed img tags", "unclosed src values", "srcset without quotes", "heading of spaces"],
)
def test_reading_a_long_line_takes_linear_time(finishes, text):
    assert finishes(relink_long, text)


def test_without_a_nav_files_go_in_path_order_and_folders_become_sections(project, tmp_path, run_kb):
    config = re.sub(r"nav:\n(  .*\n)+", "", SOURCE_CONFIG)
    result = run_kb(project, "import", "mkdocs", str(write_source(tmp_path / "w", config)))
    assert result.exit_code == 0, result.output
    user = sorted(p.relative_to(project / "docs/user").as_posix() for p in (project / "docs/user").rglob("*.md"))
    assert user == [
        "01-home.md",  # not 01-index.md, which would publish at the book's own front page's address
        "02-orphan.md",
        "03-setup/01-rollback.md",
        "03-setup/02-install.md",
        "03-setup/03-upgrade.md",
        "03-setup/index.md",
        "index.md",
    ]


def test_a_config_that_inherits_another_is_refused_in_one_line(project, tmp_path, run_kb):
    config = write_source(tmp_path / "w", "INHERIT: base.yml\nsite_name: x\n")
    result = run_kb(project, "import", "mkdocs", str(config))
    assert result.exit_code == 1 and "'INHERIT: base.yml' is not followed" in result.output


def test_a_second_source_with_the_same_names_never_shares_an_address(project, source, tmp_path, run_kb):
    run_kb(project, "new", "chapter", "Home", "--book", "user")
    other = write_source(tmp_path / "other", SOURCE_CONFIG.replace("site_name: Widget Docs", "site_name: Other"))
    for config in (source, other):
        assert run_kb(project, "import", "mkdocs", str(config)).exit_code == 0
    top = sorted(p.name for p in (project / "docs/user").iterdir() if p.name != "img")
    assert top == [
        "01-home.md",
        "02-home-2.md",
        "03-setup",
        "04-orphan.md",
        "05-home-3.md",
        "06-setup-2",
        "07-orphan-2.md",
        "index.md",
    ]
    catalog = load_catalog(project)
    addresses = [page.dest_uri for page in catalog.pages if page.book == "user"]
    assert len(addresses) == len(set(addresses)) == 14
