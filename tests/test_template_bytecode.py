"""The landing pages' templates (stage.py) compiled once and kept in the build's memo: the next build
renders the same pages without compiling them; code jinja2 would not load (of another Python or jinja2
version) is compiled again."""

from __future__ import annotations

import jinja2.bccache
import pytest

from generator import stage
from generator.catalog import load_catalog
from generator.memo import remembering
from generator.model import SITE
from generator.select import select


@pytest.fixture
def compiled(monkeypatch):
    """The names of the templates compiled, with a fresh template cache (as in a new process)."""
    names = []
    compile_template = stage._templates.compile

    def counted(source, name=None, *args, **kwargs):
        names.append(name)
        return compile_template(source, name, *args, **kwargs)

    monkeypatch.setattr(stage._templates, "compile", counted)
    monkeypatch.setattr(stage._templates, "cache", None)  # no template kept in the process between builds
    return names


def landing(root, folder):
    folder.mkdir(exist_ok=True)
    with remembering(folder):
        catalog = load_catalog(root)
        return stage.landing_pages(catalog, select(catalog, SITE))


def test_a_build_takes_the_compiled_landing_templates_from_its_memo(make_project, tmp_path, compiled):
    root = make_project("basic")
    first = landing(root, tmp_path / "cache")
    assert "home.md.j2" in compiled
    compiled.clear()
    assert landing(root, tmp_path / "cache") == first
    assert compiled == []
    assert landing(root, tmp_path / "elsewhere") == first  # a memo of its own: compiled, the same pages
    assert "home.md.j2" in compiled


def test_kept_code_of_another_python_or_jinja2_is_compiled_again(make_project, tmp_path, compiled, monkeypatch):
    root = make_project("basic")
    first = landing(root, tmp_path / "cache")
    compiled.clear()
    monkeypatch.setattr(jinja2.bccache, "bc_magic", b"j2-of-another-version")
    assert landing(root, tmp_path / "cache") == first
    assert "home.md.j2" in compiled
