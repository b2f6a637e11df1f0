"""A client's brand colours under the theme's text: WCAG 2.2 contrast, `kb check`'s warning with the ratio,
and the build's readable text colour."""

from __future__ import annotations

import re

import pytest

from generator.catalog import load_catalog
from generator.contrast import AA, DARK, WHITE, contrast_warning, darkened_for, ratio, text_on
from generator.portal.clients.centre import render_brand_css
from generator.stage import brand
from tests.conftest import REPO


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#e07a1f", WHITE, 3.01), ("#f1a208", WHITE, 2.12)],
)
def test_ratio_is_wcags(first, second, expected):
    assert round(ratio(first, second), 2) == expected
    assert ratio(first, second) == ratio(second, first)


def test_text_on_picks_what_reads():
    assert text_on("#1d4e89") == WHITE
    assert text_on("#f1a208") == DARK
    assert contrast_warning("the primary colour", "#1d4e89") is None


def test_a_colour_neither_text_can_read_is_told_to_change():
    warning = contrast_warning("the accent colour", "#808080")
    assert "3.95:1" in warning and "choose a darker or lighter colour" in warning


def test_check_warns_at_the_colours_line_with_the_ratio_and_keeps_the_client(make_project, run_kb):
    root = make_project("clients")
    result = run_kb(root, "check")
    assert result.exit_code == 0, result.output
    line = next(
        number
        for number, text in enumerate((root / "clients/acme.yml").read_text().splitlines(), 1)
        if "colors" in text
    )
    assert (
        f"clients/acme.yml:{line}: 'colors': the accent colour #f1a208 under white text is 2.12:1, below WCAG AA's "
        f"4.5:1; the build writes that text in {DARK} instead (6.96:1) (warning)"
    ) in result.output
    assert "unknown client" not in result.output  # a warning does not drop the profile
    assert run_kb(root, "check", "--strict").exit_code == 1


def test_client_build_writes_text_in_the_colour_that_reads(make_project, tmp_path):
    root = make_project("clients")
    catalog = load_catalog(root)
    config = brand({"theme": {"name": "material"}}, catalog.clients["acme"], catalog, tmp_path / "docs")
    css = (tmp_path / "docs" / "assets" / "client-brand.css").read_text(encoding="utf-8")
    assert "  --md-primary-bg-color: #ffffff;" in css  # white on #0b5394, 7.84:1
    assert f"  --md-accent-bg-color: {DARK};" in css  # dark on #f1a208, 6.96:1
    assert config["extra_css"] == ["assets/client-brand.css"]


def test_the_sample_themes_text_on_its_accent_reaches_aa():
    css = (REPO / "overrides" / "assets" / "kb.css").read_text(encoding="utf-8")
    accent = re.search(r"--md-accent-fg-color: (#[0-9a-f]{6})", css).group(1)
    on_accent = re.search(r"--md-accent-bg-color: (#[0-9a-f]{6})", css).group(1)
    assert ratio(accent, on_accent) >= 4.5
    theme = (REPO / "generator" / "theme" / "assets" / "kb-theme.css").read_text(encoding="utf-8")
    assert ".kb-hero__search .md-button { margin: 0; color: var(--md-accent-bg-color);" in theme


def test_a_build_shows_only_its_own_clients_warnings(make_project):
    from generator.build import render_target
    from generator.model import TARGETS, client_target
    from generator.progress import SilentReporter

    root = make_project("clients")
    catalog = load_catalog(root)
    public = render_target(root, TARGETS["site"], False, SilentReporter())
    assert not [warning for warning in public.warnings if warning.startswith("clients/")]
    acme = render_target(root, client_target(catalog.clients["acme"]), False, SilentReporter())
    assert [warning.split(":")[0] for warning in acme.warnings if warning.startswith("clients/")] == [
        "clients/acme.yml"
    ]
    # --strict: another client's warning does not fail this build
    render_target(root, TARGETS["site"], True, SilentReporter())


@pytest.mark.parametrize("color", ["#f1a208", "#26a69a", "#ffeb3b", "#ffffff"])
def test_a_colour_too_light_for_links_is_darkened_until_it_reads_on_white(color):
    darker = darkened_for(color)
    assert ratio(darker, WHITE) >= AA
    assert ratio(darkened_for(darker), WHITE) == ratio(darker, WHITE)  # already reads: kept as it is
    assert darkened_for("#0b5394") == "#0b5394"


def test_the_portals_brand_css_writes_readable_text_and_links_for_a_light_brand():
    """A client's case form and console pages (portal.css variables): a yellow brand gets dark text on its bar
    and buttons, links darkened to read on white, the accent's text in the colour that reads on it."""
    css = render_brand_css({"primary": "#ffeb3b", "accent": "#0b5394"})
    values = dict(re.findall(r"(--kb-[a-z-]+): (#[0-9a-f]{6});", css))
    assert values["--kb-brand"] == "#ffeb3b" and values["--kb-brand-text"] == DARK
    assert ratio(values["--kb-link-light"], WHITE) >= AA
    assert values["--kb-accent"] == "#0b5394" and values["--kb-accent-text"] == WHITE
    assert render_brand_css({}) == ":root {\n\n}\n"
