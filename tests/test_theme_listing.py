"""The theme's static files as MkDocs lists them, with kb's listing that skips hidden folders."""

from __future__ import annotations

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

from generator.theme_files import _is_mkdocs_theme_filter, theme_listing


def _config(custom_dir=None) -> MkDocsConfig:
    config = MkDocsConfig()
    theme = {"name": "material"}
    if custom_dir is not None:
        theme["custom_dir"] = str(custom_dir)
    config.load_dict({"site_name": "Listing", "theme": theme})
    errors, _warnings = config.validate()
    assert not errors
    return config


def _theme_files(config: MkDocsConfig, env) -> list[tuple[str, str]]:
    files = Files([])
    files.add_files_from_theme(env, config)
    return sorted((file.src_uri, file.abs_src_path) for file in files)


def test_theme_files_are_the_ones_mkdocs_lists(tmp_path):
    custom = tmp_path / "theme"
    (custom / "assets" / "nested" / ".hidden").mkdir(parents=True)
    (custom / ".icons" / "brand").mkdir(parents=True)
    (custom / "assets" / "kb.css").write_text("a {}", encoding="utf-8")
    (custom / "assets" / "nested" / "app.js").write_text("1", encoding="utf-8")
    (custom / "assets" / "nested" / ".hidden" / "secret.js").write_text("1", encoding="utf-8")
    (custom / "assets" / ".dotfile.css").write_text("b {}", encoding="utf-8")
    (custom / ".icons" / "brand" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    (custom / "main.html").write_text("{% extends 'base.html' %}", encoding="utf-8")
    config = _config(custom)

    plain = config.theme.get_env()
    fast = config.theme.get_env()
    fast.list_templates = theme_listing(fast)

    expected = _theme_files(config, plain)
    assert _theme_files(config, fast) == expected
    names = [name for name, _path in expected]
    assert "assets/kb.css" in names and "assets/nested/app.js" in names  # the custom_dir's own files
    assert any(name.startswith("assets/javascripts/") for name in names)  # Material's own files
    assert not any("/." in f"/{name}" for name in names)


def test_mkdocs_filter_is_recognised():
    """The fast listing is taken with the MkDocs installed: its filter is found by its code and behaviour."""
    config = _config()
    asked = []

    class Recording:
        def list_templates(self, extensions=None, filter_func=None):
            asked.append(filter_func)
            return []

    Files([]).add_files_from_theme(Recording(), config)
    assert len(asked) == 1 and _is_mkdocs_theme_filter(asked[0])
    assert not _is_mkdocs_theme_filter(lambda name: not name.startswith("."))


def test_other_listings_are_the_environments_own(tmp_path):
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "a.html").write_text("x", encoding="utf-8")
    (tmp_path / "b.html").write_text("y", encoding="utf-8")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)))
    listing = theme_listing(env)
    assert listing() == [".hidden/a.html", "b.html"]
    assert listing(filter_func=lambda name: True) == [".hidden/a.html", "b.html"]
    assert listing(extensions=["html"]) == [".hidden/a.html", "b.html"]
