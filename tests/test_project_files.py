"""`kb check` on the project's own files (mkdocs.yml, product.yml, contexts.yml, client profiles, portal.yml):
each broken file is one problem at its line, never a traceback, and nothing that refers to it is reported too."""

from __future__ import annotations

import os
import re

import pytest

from generator.errors import SourceError
from generator.portal.config import load_portal_config
from tests.conftest import REPO

MKDOCS = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
MERMAID_RECIPE = """  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""
EMOJI_RECIPE = """  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
"""


def mkdocs_with(lines: str, instead_of: str = "  - pymdownx.superfences\n") -> str:
    """The repository's mkdocs.yml with `instead_of` replaced by `lines`."""
    assert instead_of in MKDOCS
    return MKDOCS.replace(instead_of, lines)


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def problem_lines(output: str) -> list[str]:
    """The 'path:line: message' lines of kb check's output (the summary and 'Error:' lines left out)."""
    return [line.strip() for line in output.splitlines() if re.match(r"^\s*[\w./-]+\.(yml|md)(:\d+)?: ", line)]


def test_a_mermaid_recipe_with_a_python_tag_says_kb_offers_mermaid_itself(make_project, run_kb):
    text = mkdocs_with(MERMAID_RECIPE)
    result = run_kb(make_project("basic", files={"mkdocs.yml": text}), "check")
    assert result.exit_code == 1
    assert problem_lines(result.output) == [
        f"mkdocs.yml:{line_of(text, 'format: !!python')}: a Python tag is not allowed: kb configures Mermaid "
        "itself: remove the custom fence (```mermaid works as it is)"
    ]
    assert "Traceback" not in result.output


def test_an_emoji_recipe_with_python_tags_says_kb_offers_emoji_itself(make_project, run_kb):
    text = mkdocs_with(EMOJI_RECIPE)
    result = run_kb(make_project("basic", files={"mkdocs.yml": text}), "check")
    assert result.exit_code == 1
    found = problem_lines(result.output)
    assert [line.split(":")[1] for line in found] == [
        str(line_of(text, "emoji_index:")),
        str(line_of(text, "emoji_generator:")),
    ]
    assert all("kb configures icons and emoji itself" in line for line in found)


def test_any_other_python_tag_in_mkdocs_yml_is_refused(make_project, run_kb):
    text = MKDOCS + "extra:\n  hook: !!python/object/apply:os.system ['true']\n"
    result = run_kb(make_project("basic", files={"mkdocs.yml": text}), "check")
    assert result.exit_code == 1
    assert problem_lines(result.output) == [
        f"mkdocs.yml:{line_of(text, 'hook:')}: a Python tag is not allowed: kb runs no code named in mkdocs.yml; "
        "expected plain values"
    ]


def test_build_with_a_python_tag_in_mkdocs_yml_fails_with_the_line_not_a_traceback(make_project, run_kb):
    text = mkdocs_with(MERMAID_RECIPE)
    result = run_kb(make_project("basic", files={"mkdocs.yml": text}), "build")
    assert result.exit_code == 1
    assert f"mkdocs.yml:{line_of(text, 'format: !!python')}: a Python tag is not allowed" in result.output
    assert "Traceback" not in result.output


def test_a_markdown_extension_kb_does_not_have_is_named_at_its_line(make_project, run_kb):
    text = mkdocs_with("  - pymdownx.superfences\n  - mkautodoc\n")
    result = run_kb(make_project("basic", files={"mkdocs.yml": text}), "check")
    assert result.exit_code == 1
    assert problem_lines(result.output) == [
        f"mkdocs.yml:{line_of(text, 'mkautodoc')}: markdown extension 'mkautodoc' is not available to kb; "
        "expected it removed, or installed"
    ]


def test_a_plugin_kb_does_not_have_is_named_at_its_line(make_project, run_kb):
    text = mkdocs_with("  - search\n  - no-such-plugin\n", instead_of="  - search\n")
    result = run_kb(make_project("basic", files={"mkdocs.yml": text}), "check")
    assert result.exit_code == 1
    assert problem_lines(result.output) == [
        f"mkdocs.yml:{line_of(text, 'no-such-plugin')}: MkDocs plugin 'no-such-plugin' is not available to kb; "
        "expected it removed, or installed"
    ]


def test_a_nav_in_mkdocs_yml_is_a_warning_that_fails_only_strict_checks(make_project, run_kb):
    text = MKDOCS + "nav:\n  - Home: index.md\n"
    root = make_project("basic", files={"mkdocs.yml": text})
    assert run_kb(root, "check").exit_code == 0
    strict = run_kb(root, "check", "--strict")
    assert strict.exit_code == 1
    assert problem_lines(strict.output) == [
        f"mkdocs.yml:{len(MKDOCS.splitlines()) + 1}: 'nav' is ignored: kb builds the navigation from kb/ and "
        "the books' chapter order; expected it removed (warning)"
    ]


def test_settings_of_the_wrong_shape_in_mkdocs_yml_are_problems(make_project, run_kb):
    text = MKDOCS.replace("plugins:\n  - search\n", "plugins: search\n") + "extra: [1, 2]\n"
    result = run_kb(make_project("basic", files={"mkdocs.yml": text}), "check")
    assert result.exit_code == 1
    assert problem_lines(result.output) == [
        f"mkdocs.yml:{line_of(text, 'plugins:')}: 'plugins': expected a list of names (- name, or - name: options)",
        f"mkdocs.yml:{line_of(text, 'extra: [1')}: 'extra': expected a mapping",
    ]


# Every file kb reads, broken every way a file breaks: one problem in that file, exit 1, no traceback.

BREAKAGES = {
    "broken YAML": "name: [unclosed\n",
    "a list": "- one\n- two\n",
    "binary garbage": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00",
    "empty": "",
    "invalid UTF-8": b"name: caf\xe9\n",
    "a folder": None,
}
PROJECT_FILES = ("product.yml", "contexts.yml", "clients/acme.yml", "mkdocs.yml")


def break_file(root, name: str, breakage: str) -> None:
    path = root / name
    if path.exists():
        path.unlink()
    content = BREAKAGES[breakage]
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize("breakage", BREAKAGES)
@pytest.mark.parametrize("name", PROJECT_FILES)
def test_a_broken_project_file_is_one_problem_in_that_file(make_project, run_kb, name, breakage):
    root = make_project("basic")
    break_file(root, name, breakage)
    result = run_kb(root, "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    found = problem_lines(result.output) or [line for line in result.output.splitlines() if name in line]
    assert len(found) == 1, result.output
    assert found[0].removeprefix("Error: ").startswith(f"{name}:")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
@pytest.mark.parametrize("name", (*PROJECT_FILES, "docs/user/01-gantt.md"))
def test_an_unreadable_file_is_one_problem_not_a_traceback(make_project, run_kb, name):
    root = make_project("basic")
    (root / name).chmod(0)
    try:
        result = run_kb(root, "check")
    finally:
        (root / name).chmod(0o644)
    assert result.exit_code == 1
    assert [line for line in problem_lines(result.output) if line.startswith(name)] == [
        f"{name}: cannot read the file: Permission denied; expected a readable file"
    ]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("modules: 3\n", "'modules': expected a mapping of names to values"),
        ("modules: {scheduling: 3}\n", "'modules.scheduling': expected a mapping of keys to values"),
        ("terms: [a]\n", "'terms': expected a mapping of names to values"),
    ],
)
def test_product_yml_settings_of_the_wrong_type_are_problems(make_project, run_kb, text, problem):
    original = (REPO / "tests/roots/basic/product.yml").read_text(encoding="utf-8")
    key = text.split(":")[0]
    kept = "".join(
        line for line in original.splitlines(keepends=True) if not line.startswith((f"{key}:", " ", "\t", "-"))
    )
    result = run_kb(make_project("basic", files={"product.yml": kept + text}), "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert any(line.startswith("product.yml:") and line.endswith(problem) for line in problem_lines(result.output))
    assert all(line.startswith("product.yml") for line in problem_lines(result.output)), result.output


def test_a_broken_product_yml_is_not_reported_again_by_every_page_and_client(make_project, run_kb):
    result = run_kb(make_project("basic", files={"product.yml": "name: [unclosed\n"}), "check")
    assert problem_lines(result.output) == [
        "product.yml:2: invalid YAML: while parsing a flow sequence did not find expected ',' or ']' "
        "(started on line 1)"
    ]


def test_a_broken_client_profile_is_not_reported_again_by_its_private_pages(make_project, run_kb):
    result = run_kb(make_project("basic", files={"clients/acme.yml": "- not a profile\n"}), "check")
    assert problem_lines(result.output) == ["clients/acme.yml:1: the file: expected a mapping of keys to values"]


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_portal_yml_is_one_problem_in_it(make_project, breakage):
    root = make_project("basic")
    break_file(root, "portal.yml", breakage)
    with pytest.raises(SourceError) as caught:
        load_portal_config(root)
    assert [problem.path for problem in caught.value.problems] == ["portal.yml"]


@pytest.mark.parametrize("key", ["mail", "working_hours", "rate_limits"])
def test_portal_yml_sections_of_the_wrong_type_are_problems(make_project, key):
    root = make_project("basic", files={"portal.yml": f"timezone: UTC\n{key}: 3\n"})
    with pytest.raises(SourceError) as caught:
        load_portal_config(root)
    assert [str(problem) for problem in caught.value.problems] == [
        f"portal.yml:2: '{key}': expected a mapping of names to values"
    ]
