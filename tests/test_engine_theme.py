"""The theme's static files the engine adds to a site are the ones MkDocs adds: its listing of the theme
leaves out the folders MkDocs' own filter drops whole (Material's 14,000 icons), and nothing else."""

from __future__ import annotations

from mkdocs.config import load_config
from mkdocs.structure.files import get_files

import generator.engine_theme
from generator.build import build_target
from generator.engine_cache import cache_beside
from generator.engine_theme import theme_env
from generator.model import TARGETS


def test_the_theme_files_added_are_the_ones_mkdocs_adds(make_project, monkeypatch):
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    config = load_config(config_file=str(cache_beside(out) / "project" / "mkdocs.yml"))
    walked = []
    undotted = generator.engine_theme._undotted_templates
    monkeypatch.setattr(
        generator.engine_theme, "_undotted_templates", lambda found: walked.append(1) or undotted(found)
    )
    monkeypatch.setattr(generator.engine_theme, "_warm_envs", {})
    added = []
    for env in (config.theme.get_env(), theme_env(config, "a key")):
        files = get_files(config)
        before = {file.src_uri for file in files}
        files.add_files_from_theme(env, config)
        added.append(sorted((file.src_uri, file.abs_src_path) for file in files if file.src_uri not in before))
    assert walked == [1]  # the engine's environment listed the theme without the dotted folders
    assert added[0] == added[1]
    assert any(src.endswith(".js") for src, _ in added[0]) and not any("/." in f"/{src}" for src, _ in added[0])
    everything = config.theme.get_env().list_templates()
    assert sum(name.startswith(".icons/") for name in everything) > 1000  # what the engine does not walk


def test_a_filter_other_than_mkdocs_own_gets_the_whole_listing(make_project, monkeypatch):
    root = make_project("basic")
    out = root / "build" / "site"
    build_target(root, TARGETS["site"], out)
    config = load_config(config_file=str(cache_beside(out) / "project" / "mkdocs.yml"))
    monkeypatch.setattr(generator.engine_theme, "_warm_envs", {})
    env = theme_env(config, "another key")
    icons = env.list_templates(filter_func=lambda name: name.startswith(".icons/"))
    assert len(icons) > 1000
