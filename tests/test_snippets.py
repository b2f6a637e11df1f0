"""Reusable text from the project's snippets/ folder: `--8<-- "name.md"` includes it into a page, with the
page's templates and target rules; anything outside snippets/ is an error at file:line, never a copy; a
client's snippet reaches only that client's pages, and the leak check looks for it everywhere else."""

from __future__ import annotations

import os

from generator.build import build_target
from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.leaks import private_needles
from generator.model import SITE, client_target
from generator.render import render_selection
from generator.select import select

ARTICLE = (
    "---\nid: KB-0100\ntitle: Snippets\nsummary: S.\ntype: faq\nmodule: scheduling\nconfidence: validated\n{extra}"
    "---\n\n"
)
INTRO = 'Every {{ term("project") }} starts with a plan, a budget and a baseline before any work.\n'


def page(body: str, extra: str = "") -> str:
    return ARTICLE.format(extra=extra) + body


def _problems(root, path="kb/scheduling/snip.md") -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in check_catalog(load_catalog(root)) if p.path == path]


def test_a_snippet_is_included_with_the_pages_templates_and_indent(make_project):
    body = '--8<-- "notes/intro.md"\n\n!!! note\n\n    --8<-- \'notes/intro.md\'\n\n```\n--8<-- "notes/intro.md"\n```\n'
    root = make_project("basic", files={"kb/scheduling/snip.md": page(body), "snippets/notes/intro.md": INTRO})
    catalog = load_catalog(root)
    assert _problems(root) == []
    rendered, problems = render_selection(catalog, select(catalog, client_target(catalog.clients["acme"])))
    assert problems == []
    text = rendered["kb/scheduling/snip.md"]
    assert text.startswith("\nEvery capital job starts with a plan")
    assert "\n    Every capital job starts with a plan" in text
    assert '```\n--8<-- "notes/intro.md"\n```' in text  # the syntax shown in code stays


def test_an_include_outside_snippets_is_an_error_at_its_line_and_never_read(make_project, tmp_path):
    (tmp_path / "secret.md").write_text("TOP-SECRET-7f3a\n", encoding="utf-8")
    body = (
        '--8<-- "../product.yml"\n--8<-- "/etc/hostname"\n--8<-- "https://example.com/x.md"\n'
        '--8<-- "missing.md"\n--8<-- "link.md"\n'
    )
    root = make_project("basic", files={"kb/scheduling/snip.md": page(body), "snippets/ok.md": "Fine.\n"})
    os.symlink(tmp_path / "secret.md", root / "snippets" / "link.md")
    problems = _problems(root)
    assert [line for line, _ in problems] == [10, 11, 12, 13, 14]
    assert problems[0][1].startswith("include '../product.yml': a page may include only files of snippets/")
    assert problems[2][1].startswith("include 'https://example.com/x.md': a page may include only files of snippets/")
    assert problems[3][1] == "include 'missing.md': no such file in snippets/; expected snippets/missing.md"
    catalog = load_catalog(root)
    assert any(
        p.path == "snippets/link.md" and "outside the project's source folders" in p.message for p in catalog.problems
    )
    assert "link.md" not in catalog.snippets


def test_a_clients_snippet_only_in_that_clients_private_pages(make_project):
    snippet = "Acme's contract gives every planner a named support engineer and a weekly call.\n"
    files = {
        "snippets/clients/acme/contract.md": snippet,
        "kb/scheduling/snip.md": page('--8<-- "clients/acme/contract.md"\n'),
        "kb/scheduling/acme-snip.md": page('--8<-- "clients/acme/contract.md"\n', "clients: [acme]\n").replace(
            "KB-0100", "KB-0101"
        ),
    }
    root = make_project("basic", files=files)
    assert _problems(root) == [
        (
            10,
            "include 'clients/acme/contract.md': the snippet is acme's own (snippets/clients/acme/); expected it "
            "only in pages private to acme (clients: [acme], or under clients/acme/)",
        )
    ]
    assert _problems(root, "kb/scheduling/acme-snip.md") == []
    # The leak check, on a project where only Acme's page includes it (kb check stops the other first).
    (root / "kb/scheduling/snip.md").write_text(page("Public.\n"), encoding="utf-8")
    catalog = load_catalog(root)
    harbor = select(catalog, client_target(catalog.clients["harbor"]))
    rendered, _ = render_selection(catalog, harbor)
    needles = private_needles(catalog, harbor, rendered)
    assert any("snippet snippets/clients/acme/contract.md" in n.what for n in needles)


def test_a_built_page_shows_its_snippet(make_project, tmp_path):
    files = {"kb/scheduling/snip.md": page('--8<-- "notes/intro.md"\n'), "snippets/notes/intro.md": INTRO}
    out = build_target(make_project("basic", files=files), SITE, tmp_path / "out").out
    html = (out / "kb/scheduling/snip/index.html").read_text(encoding="utf-8")
    assert "Every project starts with a plan, a budget and a baseline" in html
    assert not (out / "snippets").exists()


def test_the_engines_snippets_extension_reads_nothing_even_if_mkdocs_yml_enables_it(make_project, tmp_path):
    body = 'Show the syntax:\n\n```\n--8<-- "secret.txt"\n```\n'
    root = make_project("basic", files={"kb/scheduling/snip.md": page(body), "instance/secret.txt": "SECRET-9d2e\n"})
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace(
        "  - pymdownx.superfences\n",
        f"  - pymdownx.superfences\n  - pymdownx.snippets:\n      base_path: ['{root / 'instance'}']\n",
    )
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    out = build_target(root, SITE, tmp_path / "out").out
    html = (out / "kb/scheduling/snip/index.html").read_text(encoding="utf-8")
    assert "SECRET-9d2e" not in html  # the engine's extension drops the line: it reads no file
