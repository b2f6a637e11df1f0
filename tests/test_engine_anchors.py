"""MkDocs' check of links to other pages' anchors, as the engine runs it from each page's cached anchors: its
messages at the level the staged mkdocs.yml gives, for rendered and reused pages alike; not run at all when
its logger would drop every message (kb's own check of anchors is `kb check`'s)."""

from __future__ import annotations

import logging

from build_compare import edit
from test_incremental import stage_by_hand

from generator.engine import run_engine

PAGES = {
    "index.md": "# Home\n\nWelcome.\n",
    "a.md": "# A\n\nSee [b](b.md#nowhere) and [here](b.md#there).\n",
    "b.md": "# B\n\n## There\n",
}
MESSAGE = "Doc file 'a.md' contains a link 'b.md#nowhere', but the doc 'b.md' does not contain an anchor '#nowhere'."


def test_a_missing_anchor_is_reported_at_the_configured_level_for_rendered_and_reused_pages(tmp_path):
    config = stage_by_hand(tmp_path / "project", tmp_path / "site", PAGES)
    with config.open("a", encoding="utf-8") as stream:
        stream.write("validation: {links: {anchors: warn}}\n")
    first = run_engine(config, cache_dir=tmp_path / "cache")
    assert first.warnings.count(MESSAGE) == 1
    edit(tmp_path / "project", "docs/index.md", "Welcome.", "Hello.")
    again = run_engine(config, cache_dir=tmp_path / "cache")
    assert again.reused == 2 and again.warnings.count(MESSAGE) == 1  # a.md's links, checked from the cache


def test_at_info_the_check_reports_only_to_a_logger_that_takes_info(tmp_path):
    config = stage_by_hand(tmp_path / "project", tmp_path / "site", PAGES)
    quiet = run_engine(config, cache_dir=tmp_path / "cache")  # MkDocs' default level for it: info
    assert MESSAGE not in quiet.warnings

    taken: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: taken.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("mkdocs.structure.pages")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        listened = run_engine(config, cache_dir=tmp_path / "cache")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert listened.reused == 3 and MESSAGE not in listened.warnings
    assert taken.count(MESSAGE) == 1
