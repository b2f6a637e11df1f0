"""Stage tests for reading sources: parse_yaml, load_catalog and check_catalog on one bad input each.

Every problem must name the file and the line a writer has to fix; the expected line is computed from the
text the test writes, never typed in."""

from __future__ import annotations

import os
import re

import pytest

from generator.build import build_target
from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.errors import SourceError
from generator.model import SITE
from generator.source_files import MAX_LINE_CHARS, MAX_SOURCE_BYTES
from generator.yamlfile import YamlProblems, parse_yaml

PATH = "kb/scheduling/bad.md"


def article(extra: str = "", body: str = "Some text.\n", **fields: str | None) -> str:
    """A valid article's source, with `fields` changed (None drops a key) and `extra` YAML lines appended."""
    values: dict[str, str | None] = {
        "id": "KB-0100",
        "title": "A test article",
        "summary": "One sentence.",
        "type": "faq",
        "module": "scheduling",
        "confidence": "validated",
    }
    values.update(fields)
    front = "".join(f"{key}: {value}\n" for key, value in values.items() if value is not None)
    return f"---\n{front}{extra}---\n\n{body}"


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line of `text` that contains `needle`."""
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return lines[nth - 1]


def problems_with(make_project, files: dict[str, str | bytes]) -> list[str]:
    """Every problem `kb check` finds in the basic root with `files` added, as 'path:line: message'."""
    return [str(problem) for problem in check_catalog(load_catalog(make_project("basic", files=files)))]


def one_problem(problems: list[str], path: str) -> str:
    """The single problem reported for `path`; fails when there are none or several."""
    found = [problem for problem in problems if problem.startswith(path + ":")]
    assert len(found) == 1, problems
    return found[0]


def test_the_basic_root_has_no_problems(make_project):
    catalog = load_catalog(make_project("basic"))
    assert check_catalog(catalog) == []
    assert len(catalog.pages) == 7


# YAML itself


def test_parse_yaml_counts_lines_from_where_the_text_starts_in_its_file():
    with pytest.raises(YamlProblems) as caught:
        parse_yaml("id: KB-0100\ntitle: A\ntitle: B\n", "kb/x.md", first_line=2)
    assert [str(p) for p in caught.value.problems] == ["kb/x.md:4: duplicate key 'title' (first on line 3)"]


def test_broken_yaml_is_reported_at_its_line(make_project):
    text = article(summary="Costs: are wrong after import")  # an unquoted colon in a value
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert problem.startswith(f"{PATH}:{line_of(text, 'summary:')}: invalid YAML")
    assert 'quote the value: summary: "Costs: are wrong after import"' in problem


def test_tab_in_yaml_says_to_indent_with_spaces(make_project):
    text = article(extra="tags:\n\t- import\n")
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert problem.startswith(f"{PATH}:{line_of(text, chr(9))}: invalid YAML: a tab character")
    assert "expected spaces" in problem


def test_unclosed_bracket_names_the_line_where_the_list_started(make_project):
    text = article(extra="tags: [import, gantt\nupdated: 2026-10-01\n")
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert problem.startswith(f"{PATH}:{line_of(text, 'updated:')}: invalid YAML")
    assert "expected ',' or ']'" in problem
    assert f"(started on line {line_of(text, 'tags:')})" in problem


def test_duplicate_key_is_reported_at_the_second_one_with_the_first_ones_line(make_project):
    text = article(extra="title: Another title\n")
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    first, second = line_of(text, "title:"), line_of(text, "title:", nth=2)
    assert problem == f"{PATH}:{second}: duplicate key 'title' (first on line {first})"


def test_python_tag_is_refused_and_never_run(make_project, tmp_path):
    sentinel = tmp_path / "ran"
    text = article(extra=f'tags: !!python/object/apply:os.system ["touch {sentinel}"]\n')
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert problem.startswith(
        f"{PATH}:{line_of(text, 'tags:')}: YAML tag '!!python/object/apply:os.system' is not allowed"
    )
    assert not sentinel.exists()


def test_anchor_and_alias_are_each_refused_at_their_line(make_project):
    text = article(extra="tags: &shared [import]\nsource_cases: *shared\n")
    problems = [p for p in problems_with(make_project, {PATH: text}) if p.startswith(PATH)]
    assert len(problems) == 2, problems
    assert problems[0].startswith(f"{PATH}:{line_of(text, '&shared')}: YAML anchor '&shared' is not allowed")
    assert problems[1].startswith(f"{PATH}:{line_of(text, '*shared')}: YAML alias '*shared' is not allowed")


def test_project_files_go_through_the_same_strict_yaml(make_project):
    product = "name: Sample Planner\nversion: '1.0'\nvendor: Sample\nname: Other\nmodules: {}\n"
    problems = problems_with(make_project, {"product.yml": product})
    assert f"product.yml:{line_of(product, 'name:', nth=2)}: duplicate key 'name' (first on line 1)" in problems


# Front matter against its schema


def test_unknown_key_lists_the_allowed_keys(make_project):
    text = article(extra="author: Pat\n")
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert problem.startswith(f"{PATH}:{line_of(text, 'author:')}: unknown key 'author'; expected one of id, title")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("tags: {a: 1}\n", "'tags': expected a list"),
        ("updated: yesterday\n", "'updated': expected a date as YYYY-MM-DD, got 'yesterday'"),
        ("source_cases: [12]\n", "'source_cases': item 1: expected something like CASE-000123, got '12'"),
        ("contexts: [{id: schedule.gantt, primary: sure}]\n", "'contexts': item 1: expected true or false, got 'sure'"),
    ],
    ids=["tags-mapping", "updated-word", "case-number", "primary-not-boolean"],
)
def test_wrong_type_names_the_key_and_what_was_expected(make_project, extra, words):
    text = article(extra=extra)
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert problem == f"{PATH}:{line_of(text, extra.split(':')[0] + ':')}: {words}"


def test_bad_enum_value_lists_the_allowed_values(make_project):
    text = article(confidence="approved")
    problems = problems_with(make_project, {PATH: text})
    assert (
        f"{PATH}:{line_of(text, 'confidence:')}: 'confidence': expected one of wip, not_validated, "
        "validated, archived, got 'approved'"
    ) in problems


def test_bad_enum_value_in_an_article_is_one_problem_not_also_missing(make_project):
    text = article(type="story")
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert "'type': expected one of troubleshooting, howto" in problem


def test_bad_enum_value_in_a_manual_page_is_one_problem(make_project):
    path = "docs/user/02-bad.md"
    text = "---\nid: USR-002\ntitle: Bad\ntype: story\n---\n\nText.\n"
    problem = one_problem(problems_with(make_project, {path: text}), path)
    assert problem.startswith(f"{path}:4: 'type': expected one of troubleshooting, howto, reference")


def test_missing_title_is_reported_at_the_start_of_the_front_matter(make_project):
    text = article(title=None)
    assert one_problem(problems_with(make_project, {PATH: text}), PATH) == f"{PATH}:2: missing required key 'title'"


def test_missing_front_matter_says_how_a_page_starts(make_project):
    problem = one_problem(problems_with(make_project, {PATH: "# Just a heading\n\nText.\n"}), PATH)
    assert problem.startswith(f"{PATH}:1: no front matter; expected the file to start with '---'")


def test_impossible_date_is_a_problem_not_a_crash(make_project):
    text = article(extra="updated: 2026-02-30\n")
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert problem.startswith(f"{PATH}:{line_of(text, 'updated:')}: ")


def test_version_number_is_published_as_written_or_refused(make_project):
    root = make_project("basic")
    product = (root / "product.yml").read_text(encoding="utf-8").replace('version: "1.0"', "version: 2.10")
    (root / "product.yml").write_text(product, encoding="utf-8")
    catalog = load_catalog(root)
    refused = any(str(p).startswith(f"product.yml:{line_of(product, 'version:')}: ") for p in catalog.problems)
    assert refused or catalog.product.version == "2.10"


# Files on disk


def test_file_saved_as_utf16_is_reported_as_not_utf8(make_project):
    data = b"\xff\xfe" + article().encode("utf-16-le")
    problem = one_problem(problems_with(make_project, {PATH: data}), PATH)
    assert problem == f"{PATH}:1: not UTF-8 text (byte 0xff); expected UTF-8, save the file as UTF-8"


def test_latin1_byte_is_reported_at_its_line(make_project):
    data = article(title="Cafe").replace("Cafe", "Caf\xe9").encode("latin-1")
    problem = one_problem(problems_with(make_project, {PATH: data}), PATH)
    assert problem.startswith(f"{PATH}:{line_of(article(), 'title:')}: not UTF-8 text (byte 0xe9)")


def test_symlink_to_a_file_outside_the_project_is_refused_and_not_read(make_project, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(article(id="KB-0777", title="Secret outside"), encoding="utf-8")
    root = make_project("basic")
    os.symlink(outside, root / "kb/scheduling/evil.md")
    catalog = load_catalog(root)
    problem = one_problem([str(p) for p in check_catalog(catalog)], "kb/scheduling/evil.md")
    assert problem == (
        "kb/scheduling/evil.md: symbolic link points outside the project's source folders; "
        "expected a file inside kb/, docs/, clients/, overrides/, snippets/"
    )
    assert "KB-0777" not in {page.id for page in catalog.pages}


def test_symlink_to_a_folder_outside_the_project_is_refused_and_not_walked(make_project, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.md").write_text(article(id="KB-0777"), encoding="utf-8")
    root = make_project("basic")
    os.symlink(outside, root / "kb/linked", target_is_directory=True)
    catalog = load_catalog(root)
    problem = one_problem([str(p) for p in check_catalog(catalog)], "kb/linked")
    assert "symbolic link points outside the project" in problem
    assert "KB-0777" not in {page.id for page in catalog.pages}


def test_dangling_symlink_is_a_problem_not_a_crash(make_project):
    root = make_project("basic")
    os.symlink("missing.md", root / "kb/scheduling/dangling.md")
    problems = [str(p) for p in check_catalog(load_catalog(root))]
    assert one_problem(problems, "kb/scheduling/dangling.md")


# Cross-references


def test_duplicate_id_names_the_other_file(make_project):
    path = "kb/scheduling/later-copy.md"
    text = article(id="KB-0001")
    problem = one_problem(problems_with(make_project, {path: text}), path)
    where = f"{path}:{line_of(text, 'id:')}"
    assert problem == f"{where}: duplicate ID KB-0001; already used by kb/scheduling/gantt-empty.md"


def test_duplicate_id_is_reported_at_the_id_line(make_project):
    path = "kb/scheduling/later-copy.md"
    text = "---\ntitle: A copy\nid: KB-0001\nsummary: S.\ntype: faq\nmodule: scheduling\nconfidence: validated\n---\n"
    problem = one_problem(problems_with(make_project, {path: text}), path)
    assert problem.startswith(f"{path}:{line_of(text, 'id:')}: duplicate ID KB-0001")


def test_unknown_module_lists_the_modules(make_project):
    path = "kb/payroll/pay-run.md"
    problem = one_problem(problems_with(make_project, {path: article(module="payroll")}), path)
    assert re.fullmatch(rf"{path}:\d+: unknown module 'payroll'; expected one of scheduling, budgets", problem)


def test_unknown_module_is_reported_at_the_module_line(make_project):
    path, text = "kb/payroll/pay-run.md", article(module="payroll")
    problem = one_problem(problems_with(make_project, {path: text}), path)
    assert problem.startswith(f"{path}:{line_of(text, 'module:')}: unknown module 'payroll'")


def test_unknown_client_lists_the_clients(make_project):
    problem = one_problem(problems_with(make_project, {PATH: article(extra="clients: [nobody]\n")}), PATH)
    assert re.fullmatch(rf"{PATH}:\d+: unknown client 'nobody'; expected one of acme, harbor", problem)


def test_unknown_client_is_reported_at_the_clients_line(make_project):
    text = article(extra="clients: [nobody]\n")
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert problem.startswith(f"{PATH}:{line_of(text, 'clients:')}: unknown client 'nobody'")


def test_unknown_context_id_is_reported_at_its_list_item(make_project):
    text = article(extra="contexts:\n  - schedule.gantt\n  - schedule.nowhere\n")
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert problem == (
        f"{PATH}:{line_of(text, 'schedule.nowhere')}: unknown context ID 'schedule.nowhere'; "
        "expected an ID listed in contexts.yml"
    )


def test_broken_link_is_reported_at_its_body_line(make_project):
    body = "First paragraph.\n\n```text\n[not a link](../in-code.md)\n```\n\nSee [the fix](../nowhere/fix.md).\n"
    text = article(extra="tags: [import]\nupdated: 2026-10-01\n", body=body)
    problem = one_problem(problems_with(make_project, {PATH: text}), PATH)
    assert problem == (
        f"{PATH}:{line_of(text, 'the fix')}: broken link '../nowhere/fix.md'; expected a file under kb/ or docs/"
    )


def test_broken_picture_is_reported_at_its_body_line(make_project):
    path = "docs/user/02-budgets.md"
    text = "---\nid: USR-002\ntitle: Budgets\n---\n\n# Budgets\n\nIntro.\n\n![A budget](images/budget.svg)\n"
    problem = one_problem(problems_with(make_project, {path: text}), path)
    assert problem == (
        f"{path}:{line_of(text, 'images/budget.svg')}: broken picture 'images/budget.svg'; "
        "expected a file under kb/ or docs/"
    )


def test_article_whose_module_differs_from_its_folder(make_project):
    path = "kb/budgets/in-the-wrong-folder.md"
    text = article(module="scheduling")
    problem = one_problem(problems_with(make_project, {path: text}), path)
    where = f"{path}:{line_of(text, 'module:')}"
    assert problem == f"{where}: 'module': the file is in kb/budgets/, expected module 'budgets'"


# Gathering


def test_every_bad_file_is_reported_in_one_run(make_project, tmp_path):
    files: dict[str, str | bytes] = {
        "kb/scheduling/tab.md": article(id="KB-0101", extra="tags:\n\t- import\n"),
        "kb/scheduling/unknown-key.md": article(id="KB-0102", extra="author: Pat\n"),
        "kb/budgets/latin1.md": article(id="KB-0103", title="Caf\xe9", module="budgets").encode("latin-1"),
        "docs/user/02-links.md": "---\nid: USR-002\ntitle: Links\n---\n\n[Gone](03-gone.md)\n",
    }
    root = make_project("basic", files=files)
    problems = check_catalog(load_catalog(root))
    assert sorted(p.path for p in problems) == sorted(files)
    with pytest.raises(SourceError) as caught:
        build_target(root, SITE, tmp_path / "out")
    assert str(caught.value.message).startswith("4 problems in 4 files\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("front", "shape"),
    [("[a, b]", "a list"), ("- id: KB-0100\n- title: A", "a list"), ("just words", "a string"), ("42", "int")],
)
def test_front_matter_that_is_not_a_mapping_is_a_problem_at_its_line(make_project, front, shape):
    source = f"---\n\n{front}\n---\n\nText.\n"
    problem = one_problem(problems_with(make_project, {PATH: source}), PATH)
    assert problem.startswith(f"{PATH}:3: front matter must be a mapping of keys")
    assert shape in problem


def test_kb_check_reports_list_front_matter_without_a_traceback(make_project, run_kb):
    root = make_project("basic", files={PATH: "---\n[a, b]\n---\n\nText.\n"})
    result = run_kb(root, "check")
    assert result.exit_code == 1
    assert f"{PATH}:2: front matter must be a mapping of keys" in result.output
    assert "Traceback" not in result.output


def test_nul_character_is_a_problem_at_its_line_and_column(make_project):
    source = article(body="Fine line.\nBad \x00 line.\n")
    problem = one_problem(problems_with(make_project, {PATH: source}), PATH)
    assert problem.startswith(f"{PATH}:{line_of(source, 'Bad')}: a NUL character (U+0000) at column 5")


def test_nul_bytes_never_reach_the_built_pages(make_project, run_kb, tmp_path):
    root = make_project("basic", files={PATH: article(body="Before\x00after.\n")})
    result = run_kb(root, "build", "--out", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert f"{PATH}:{line_of(article(body='Before'), 'Before')}: a NUL character" in result.output
    assert not (tmp_path / "site").exists()


def test_page_over_the_size_limit_names_the_limit(make_project):
    paragraph = "A sentence of some length that a writer might write. " * 50 + "\n\n"
    body = paragraph * (MAX_SOURCE_BYTES // len(paragraph) + 1)
    problem = one_problem(problems_with(make_project, {PATH: article(body=body)}), PATH)
    assert f"the limit is {MAX_SOURCE_BYTES:,} bytes (1 MB) per source file" in problem


def test_page_just_under_the_size_limit_loads(make_project):
    paragraph = "A sentence of some length that a writer might write. " * 50 + "\n\n"
    body = paragraph * ((MAX_SOURCE_BYTES - 1000) // len(paragraph))
    assert [p for p in problems_with(make_project, {PATH: article(body=body)}) if p.startswith(PATH)] == []


def test_line_over_the_length_limit_is_a_problem_at_its_line(make_project):
    source = article(body="Short.\n\n" + "word " * (MAX_LINE_CHARS // 5 + 1) + "\n")
    problem = one_problem(problems_with(make_project, {PATH: source}), PATH)
    assert problem.startswith(f"{PATH}:{line_of(source, 'word')}: the line has ")
    assert f"the limit is {MAX_LINE_CHARS:,} per line" in problem


def test_line_at_the_length_limit_is_fine(make_project):
    source = article(body="x" * MAX_LINE_CHARS + "\n")
    assert [p for p in problems_with(make_project, {PATH: source}) if p.startswith(PATH)] == []


def test_pages_share_one_string_for_each_word_their_front_matter_repeats():
    """A build keeps every page in its memo and loads them all each time: the words many pages write (keys,
    type, module, audience, tags, screens) are one object each, which a memo shard then stores once."""
    from generator.page_parse import parse_page_text

    def text(number: int) -> str:
        return (
            f"---\nid: KB-{number:04d}\ntitle: Page {number}\nsummary: S.\ntype: howto\nmodule: scheduling\n"
            "audience: public\nconfidence: validated\ntags: [gantt]\ncontexts: [schedule.gantt]\n---\nBody.\n"
        )

    first, _ = parse_page_text("kb/scheduling/a.md", text(1))
    second, _ = parse_page_text("kb/scheduling/b.md", text(2))
    assert first is not None and second is not None
    for a, b in ((first.type, second.type), (first.module, second.module), (first.audience, second.audience)):
        assert a == b and a is b
    assert first.tags[0] is second.tags[0] and first.contexts[0].id is second.contexts[0].id
    assert [key for key in first.key_lines] == [key for key in second.key_lines]
    assert all(a is b for a, b in zip(first.key_lines, second.key_lines, strict=True))
