"""A client build's mistakes, each a clear error at its file and line with nothing built: a client ID that
is not a profile, a profile's mistakes, a template's, a picture or a file URL from outside the build."""

from __future__ import annotations

import re

import pytest
from conftest import REPO, copy_root
from pdf_texts import pdf_text


@pytest.mark.parametrize("typed", ["../acme", "ACME ", "\u0430cme", "acme/../acme", ""])
def test_client_id_that_is_not_a_profile_is_an_error_and_builds_nothing(run_kb, tmp_path, typed):
    root = copy_root("clients", tmp_path / "project")
    result = run_kb(root, "build", "--client", typed)
    assert result.exit_code == 1
    assert f"Error: --client {typed!r}: no such client profile; expected one of acme, harbor, northwind" in (
        result.output
    )
    if typed == "\u0430cme":
        assert "it has non-ASCII characters: 'а' (U+0430)" in result.output
    assert not (root / "build").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


ACME_PROFILE = """\
name: Acme Water Authority
logo: clients/acme/logo.svg
colors: {primary: "#0b5394", accent: "#f1a208"}
modules: [scheduling, budgets]
terms: {project: capital job}
contact: {name: Dana Whitfield, email: dana@example.com, role: Trainer}
"""


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "clients/acme/logo.svg",
            "clients/acme/missing.svg",
            "clients/acme.yml:2: 'logo': 'clients/acme/missing.svg' is not a picture in the project",
        ),
        ("clients/acme/logo.svg", "../outside.svg", "clients/acme.yml:2: 'logo': '../outside.svg' is not a picture"),
        ("clients/acme/logo.svg", "/etc/hostname", "clients/acme.yml:2: 'logo': '/etc/hostname' is not a picture"),
        (
            'accent: "#f1a208"',
            'background: "#ffffff"',
            "clients/acme.yml:3: 'colors': unknown key 'background'; expected primary, accent",
        ),
        ('"#0b5394"', '"blue-ish"', "clients/acme.yml:3: "),
        (
            "[scheduling, budgets]",
            "[scheduling, budgetz]",
            "clients/acme.yml:4: 'modules': unknown module 'budgetz'; expected one of scheduling, budgets, documents",
        ),
        (
            "{project: capital job}",
            "{projekt: capital job}",
            "clients/acme.yml:5: 'terms': 'projekt' is not a product term; expected one of project, change order",
        ),
    ],
)
def test_client_profile_mistakes_are_reported_at_their_line(run_kb, tmp_path, old, new, problem):
    (tmp_path / "outside.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert old in ACME_PROFILE
    root = copy_root("clients", tmp_path / "project", {"clients/acme.yml": ACME_PROFILE.replace(old, new)})
    checked = run_kb(root, "check")
    assert checked.exit_code == 1 and problem in checked.output
    built = run_kb(root, "build", "--client", "acme")
    assert built.exit_code == 1 and f"  {problem}" in built.output, built.output
    assert "no such client profile" not in built.output
    assert not (root / "build").exists()


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("path", "old", "new", "message"),
    [
        (
            "docs/user/02-budgets.md",
            "/// only | module=documents",
            "/// only | module=nope",
            "'/// only': client.licenses('nope'): unknown module; expected one of scheduling, budgets, documents",
        ),
        (
            "docs/training/01-first-steps.md",
            'Open your first {{ term("project") }}.',
            'Open your first {{ term("nope") }}.',
            "template: term('nope'): not a product term; expected one of project, change order",
        ),
        (
            "docs/training/index.md",
            "{{ client.name }}",
            "{{ client.nmae }}",
            "has no attribute 'nmae'",
        ),
        (
            "docs/training/01-first-steps.md",
            '{% if client.licenses("budgets") %}',
            '{% if client.licenses("budget") %}',
            "template: client.licenses('budget'): unknown module; expected one of scheduling, budgets, documents",
        ),
    ],
)
def test_template_mistakes_are_reported_at_file_and_line(run_kb, tmp_path, path, old, new, message):
    source = (REPO / "tests" / "roots" / "clients" / path).read_text()
    assert old in source
    root = copy_root("clients", tmp_path / "project", {path: source.replace(old, new)})
    result = run_kb(root, "build", "--client", "acme")
    assert result.exit_code == 1
    line = line_of(source, old)
    assert re.search(rf"^  {re.escape(path)}:{line}: .*{re.escape(message)}", result.output, re.MULTILINE), (
        result.output
    )
    assert not (root / "build").exists()


GANTT = "docs/user/01-gantt.md"


@pytest.mark.parametrize(
    ("picture", "problem"),
    [
        # kb check sees pictures in raw HTML too: a path out of the sources is a broken picture before any build.
        ('<img src="' + "../" * 15 + 'etc/hostname" alt="up">', "broken picture {src!r}; expected a file under"),
        ('<img src="https://example.com/plan.png" alt="web">', "picture {src!r}: a handout may show only"),
    ],
)
def test_handout_refuses_a_picture_from_outside_the_build_at_its_line(run_kb, tmp_path, picture, problem):
    """The build fails, naming the page and line: the handout would otherwise read a file that is not the
    build's (or print without the picture). The site keeps a picture from the web."""
    source = (REPO / "tests" / "roots" / "clients" / GANTT).read_text()
    root = copy_root("clients", tmp_path / "project", {GANTT: source + "\n" + picture + "\n"})
    result = run_kb(root, "build", "--client", "acme", "--book", "user", "--format", "pdf")
    assert result.exit_code == 1
    src = re.search(r'src="([^"]+)"', picture).group(1)
    line = source.count("\n") + 2
    assert f"  {GANTT}:{line}: {problem.format(src=src)}" in result.output
    assert not (root / "build" / "client-acme").exists()


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/hostname" alt="host">',
        '<p style="background-image: url(file:///etc/hostname)">Styled.</p>',
    ],
)
def test_handout_never_reads_a_file_url_from_a_page_and_check_names_its_line(run_kb, tmp_path, markup):
    """A file: address in a picture or a style is removed by the pages' sanitiser before WeasyPrint sees
    it (so the handout prints without it), and the build's check names the line."""
    source = (REPO / "tests" / "roots" / "clients" / GANTT).read_text()
    root = copy_root("clients", tmp_path / "project", {GANTT: source + "\n" + markup + "\n"})
    result = run_kb(root, "build", "--client", "acme", "--book", "user", "--format", "pdf")
    assert result.exit_code == 0, result.output
    # Built: WeasyPrint's fetcher, which refuses every file: URL outside the build, was never asked.
    assert f"{GANTT}:{source.count(chr(10)) + 2}: " in result.output
    assert "file:///etc/hostname" not in pdf_text(root / "build" / "client-acme" / "pdf" / "acme-user.pdf")


def test_handout_url_fetcher_refuses_any_file_outside_the_build(tmp_path):
    """Behind the sanitiser, WeasyPrint's fetcher still serves only the build's own files."""
    from generator.pdf import _BuildFilesOnly

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    fetcher = _BuildFilesOnly([tmp_path / "docs"])
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/hostname")
    assert fetcher.refused == {"file:///etc/hostname"}
    fetcher.fetch((tmp_path / "docs" / "a.png").as_uri())
