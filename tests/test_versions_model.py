"""product.yml's `versions:` and the front matter's `versions:` expressions (generator/versions): what each
version is, their order, and a problem at its line for each mistake."""

from __future__ import annotations

import pytest

from generator.catalog import load_product
from generator.versions import VersionStatus, parse_spec, version_key
from generator.versions.spec import SpecError
from tests.conftest import REPO
from tests.versioned_project import MARKER_2026_2, MARKER_2026_3, git, make_versioned_project

BASIC_PRODUCT = (REPO / "tests/roots/basic/product.yml").read_text(encoding="utf-8")


def product_with(tmp_path, versions: str):
    (tmp_path / "product.yml").write_text(BASIC_PRODUCT + versions, encoding="utf-8")
    problems: list = []
    return load_product(tmp_path, problems), problems


def test_versions_are_read_newest_first_with_the_current_one_from_version(tmp_path):
    product, problems = product_with(
        tmp_path,
        'versions:\n  "2026.2": {ref: 3f2a9c1, released: 2026-06-01}\n'
        '  "2026.10": {status: planned}\n  "2026.1": {ref: v2026.1, status: unsupported}\n',
    )
    assert problems == []
    names = [version.name for version in product.versions]
    assert names == ["2026.10", "2026.2", "2026.1", "1.0"]  # the current one is 1.0
    current = product.find_version(product.version)
    assert current.is_current and current.ref is None and current.supported
    old = product.find_version("2026.2")
    assert (old.status, old.ref, str(old.released)) == (VersionStatus.SUPPORTED, "3f2a9c1", "2026-06-01")
    assert not product.find_version("2026.1").supported and product.find_version("2026.1").is_built
    assert not product.find_version("2026.10").is_built


def test_a_product_without_versions_has_its_current_one(tmp_path):
    product, problems = product_with(tmp_path, "")
    assert problems == [] and [version.name for version in product.versions] == [product.version]


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        ('versions:\n  "2025.4": {}\n', "version 2025.4: missing 'ref'"),
        ("versions:\n  2025.4: {ref: abc}\n", "expected the version in quotes"),
        ('versions:\n  "2025 4": {ref: abc}\n', "expected a name such as 2026.3"),
        ('versions:\n  "2025.4": {ref: abc, status: retired}\n', "expected one of supported, unsupported, planned"),
        ('versions:\n  "2025.4": {ref: abc, colour: red}\n', "unknown key 'colour'"),
        ('versions:\n  "2025.4": {ref: abc, released: soon}\n', "expected a date"),
        ("versions: [2025.4]\n", "'versions': expected a mapping"),
    ],
)
def test_each_mistake_in_versions_is_a_problem_at_its_line(tmp_path, versions, message):
    _, problems = product_with(tmp_path, versions)
    assert problems, versions
    assert any(message in problem.message for problem in problems), [p.message for p in problems]
    first = BASIC_PRODUCT.count("\n") + 1
    assert all(problem.path == "product.yml" and problem.line >= first for problem in problems)


def test_the_current_version_takes_no_status(tmp_path):
    current = load_product(REPO / "tests/roots/basic", []).version
    _, problems = product_with(tmp_path, f'versions:\n  "{current}": {{status: unsupported}}\n')
    assert any("it is the current version" in problem.message for problem in problems)


def test_versions_compare_part_by_part_numbers_as_numbers():
    assert sorted(["2026.10", "2026.9", "2026.3.1", "2026.3"], key=version_key) == [
        "2026.3",
        "2026.3.1",
        "2026.9",
        "2026.10",
    ]


@pytest.mark.parametrize(
    ("value", "matching"),
    [
        (">=2026.2", {"2026.2", "2026.3", "2026.10"}),
        (">=2026.1, <2026.3", {"2026.1", "2026.2"}),
        ("2026.2", {"2026.2"}),
        (["2026.1", ">2026.3"], {"2026.1", "2026.10"}),
        ("!=2026.2", {"2026.1", "2026.3", "2026.10"}),
    ],
)
def test_a_spec_matches_the_versions_it_says(value, matching):
    spec = parse_spec(value)
    assert {v for v in ("2026.1", "2026.2", "2026.3", "2026.10") if spec.matches(v)} == matching


@pytest.mark.parametrize("value", [2026.2, "", ">=", "=>2026.2", ["2026.1", 2026.2], [], True, {"a": 1}])
def test_a_bad_spec_says_what_was_expected(value):
    with pytest.raises(SpecError, match="expected"):
        parse_spec(value)


def test_a_spec_names_its_versions_for_checking():
    assert parse_spec([">=2026.1, <2026.4", "2025.9"]).named_versions() == {"2026.1", "2026.4", "2025.9"}


def test_the_versioned_test_project_is_what_it_says(tmp_path, run_kb):
    root = make_versioned_project(tmp_path / "project")
    assert git(root, "tag").split() == ["v2026.1", "v2026.2", "v2026.3"]
    assert git(root, "status", "--porcelain") == ""
    problems: list = []
    product = load_product(root, problems)
    assert problems == [] and product.version == "2026.3"
    assert [v.name for v in product.versions] == ["2026.4", "2026.3", "2026.2", "2026.1"]
    assert MARKER_2026_3 in (root / "kb/scheduling/gantt-empty.md").read_text(encoding="utf-8")
    assert MARKER_2026_2 in git(root, "show", "v2026.2:kb/scheduling/gantt-empty.md")
    result = run_kb(root, "check")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("version", "ok"), [("2026.2", True), ("2026.4", False), ("2025.9", False)])
def test_a_client_runs_a_released_version(tmp_path, run_kb, version, ok):
    root = make_versioned_project(tmp_path / "project")
    acme = root / "clients/acme.yml"
    acme.write_text(acme.read_text(encoding="utf-8").replace('version: "2026.2"', f'version: "{version}"'))
    result = run_kb(root, "check")
    assert (result.exit_code == 0) == ok, result.output
    if not ok:
        assert f"clients/acme.yml:4: 'version': '{version}' is not a released version of product.yml" in result.output
