"""Context-sensitive help: resolving screen IDs to topics per target, and the coverage `kb check` and
`kb contexts` report (stage tests and the command; no engine).

What a real build writes (the map, the exports, /context/<id>/ pages) is in test_context_files.py; the
behaviour in a browser (help.js, the demo screen, hostile IDs in addresses) is in test_browser.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import build_target
from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.context_files import write_context_help
from generator.contexts import check_contexts, coverage, resolve_contexts
from generator.errors import SourceError
from generator.model import INTERNAL, SITE, Target, client_target
from generator.select import select

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


def page_text(page_id: str, title: str, module: str, contexts: str, extra: str = "") -> str:
    """An article's source claiming `contexts` (as written in front matter)."""
    return (
        f"---\nid: {page_id}\ntitle: {title}\nsummary: S.\ntype: faq\nmodule: {module}\nconfidence: validated\n"
        f"{extra}contexts: {contexts}\n---\n\nBody.\n"
    )


def with_screens(*lines: str) -> str:
    """The basic root's contexts.yml with more screens."""
    return (TESTS / "roots/basic/contexts.yml").read_text(encoding="utf-8") + "".join(f"  {line}\n" for line in lines)


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def problems(root: Path) -> list[str]:
    return [str(problem) for problem in check_catalog(load_catalog(root))]


def resolved(root: Path, target: Target):
    catalog = load_catalog(root)
    return resolve_contexts(catalog, select(catalog, target)).topics


# Resolution (stage tests: no engine)


def test_screen_resolves_to_its_primary_claim_with_the_targets_other_claims_as_related(make_project):
    root = make_project("basic")
    site, internal = resolved(root, SITE), resolved(root, INTERNAL)

    assert sorted(site) == ["budget.overview", "schedule.activity.edit", "schedule.gantt"]
    gantt = site["schedule.gantt"]
    assert (gantt.via, gantt.page.id, gantt.url) == ("topic", "USR-001", "user/gantt/")
    assert [page.id for page in gantt.related] == ["KB-0001"]
    # The internal article claims the screen too: agents see it, the public never does.
    assert [page.id for page in internal["schedule.gantt"].related] == ["KB-0001", "KB-0002"]
    # The only page claiming a screen is its topic, primary or not.
    assert (site["budget.overview"].via, site["budget.overview"].page.id) == ("topic", "KB-0004")
    assert problems(root) == []


def test_topic_left_out_of_a_target_falls_back_to_another_claim_else_the_module_page(make_project):
    chapter = (TESTS / "roots/basic/docs/user/01-gantt.md").read_text(encoding="utf-8")
    draft = chapter.replace("module: scheduling\n", "module: scheduling\nconfidence: not_validated\n")
    root = make_project("basic", files={"docs/user/01-gantt.md": draft})

    site = resolved(root, SITE)
    gantt, dialog = site["schedule.gantt"], site["schedule.activity.edit"]
    assert (gantt.via, gantt.page.id, gantt.left_out.id) == ("fallback", "KB-0001", "USR-001")
    assert (dialog.via, dialog.url, dialog.page) == ("module", "kb/scheduling/", None)
    assert resolved(root, INTERNAL)["schedule.gantt"].page.id == "USR-001"  # the draft is the topic for agents

    # The clients' builds leave the draft out as the public site does: one problem names them all.
    line = line_of(draft, "contexts:")
    assert problems(root) == [
        f"docs/user/01-gantt.md:{line}: screen 'schedule.activity.edit': this page, its topic, is left out of "
        "targets site, client-acme, client-harbor; the screen's help there falls back to the module's page "
        "kb/scheduling/ (warning)",
        f"docs/user/01-gantt.md:{line}: screen 'schedule.gantt': this page, its topic, is left out of targets "
        "site, client-acme, client-harbor; the screen's help there falls back to kb/scheduling/gantt-empty.md "
        "(Gantt chart shows no bars after import) (warning)",
    ]


def test_topic_left_out_with_no_page_of_its_module_falls_back_to_a_search(make_project):
    product = (TESTS / "roots/basic/product.yml").read_text(encoding="utf-8")
    product = product.replace("featured:", "  reports: {title: Reports, description: Report things.}\nfeatured:")
    internal = page_text("KB-0100", "Report library internals", "reports", "[reports.library]", "audience: internal\n")
    root = make_project(
        "basic",
        files={
            "product.yml": product,
            "contexts.yml": with_screens("reports.library: {title: Report library, module: reports}"),
            "kb/reports/internals.md": internal,
        },
    )

    library = resolved(root, SITE)["reports.library"]
    assert (library.via, library.url, library.left_out.id) == ("search", "?q=Report%20library", "KB-0100")
    assert problems(root) == [
        f"kb/reports/internals.md:{line_of(internal, 'contexts:')}: screen 'reports.library': this page, its "
        "topic, is left out of target site; the screen's help there falls back to a search for 'Report library' "
        "(warning)"
    ]


# Coverage problems (`kb check`)


def test_screen_no_page_claims_is_a_warning_and_its_help_is_a_search(make_project, run_kb):
    screens = with_screens("budget.forecast: {title: Forecast editor, module: budgets}")
    root = make_project("basic", files={"contexts.yml": screens})

    forecast = resolved(root, SITE)["budget.forecast"]
    assert (forecast.via, forecast.url, forecast.page, forecast.left_out) == (
        "search",
        "?q=Forecast%20editor",
        None,
        None,
    )
    result = run_kb(root, "check")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"contexts.yml:{line_of(screens, 'budget.forecast')}: screen 'budget.forecast' (Forecast editor) has no "
        "topic: no page claims it, so its help opens a search for 'Forecast editor'; add it to a page's "
        "'contexts' (warning)",
        "1 warnings.",
    ]
    assert run_kb(root, "check", "--strict").exit_code == 1


def test_screen_claimed_by_two_pages_without_a_primary_claim_is_an_error_at_both(make_project, run_kb, tmp_path):
    second = page_text("KB-0100", "Budget overview columns", "budgets", "[budget.overview]")
    root = make_project("basic", files={"kb/budgets/columns.md": second})
    first = (root / "kb/budgets/budget-locked.md").read_text(encoding="utf-8")

    result = run_kb(root, "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"kb/budgets/budget-locked.md:{line_of(first, 'contexts:')}: screen 'budget.overview' is also claimed by "
        "kb/budgets/columns.md (in targets site, internal, client-harbor); expected exactly one primary claim: "
        "{id: budget.overview, primary: true} on the page its help should open",
        f"kb/budgets/columns.md:{line_of(second, 'contexts:')}: screen 'budget.overview' is also claimed by "
        "kb/budgets/budget-locked.md (in targets site, internal, client-harbor); expected exactly one primary claim: "
        "{id: budget.overview, primary: true} on the page its help should open",
    ]
    with pytest.raises(SourceError):
        build_target(root, SITE, tmp_path / "out")
    assert not (tmp_path / "out").exists()

    # One primary claim settles it: that page is the topic, the other is related.
    primary = second.replace("[budget.overview]", "[{id: budget.overview, primary: true}]")
    (root / "kb/budgets/columns.md").write_text(primary, encoding="utf-8")
    assert problems(root) == []
    overview = resolved(root, SITE)["budget.overview"]
    assert (overview.page.id, [page.id for page in overview.related]) == ("KB-0100", ["KB-0004"])


def test_screen_claimed_as_primary_by_two_pages_is_an_error(make_project):
    rival = page_text("KB-0100", "Gantt chart basics", "scheduling", "[{id: schedule.gantt, primary: true}]")
    root = make_project("basic", files={"kb/scheduling/basics.md": rival})

    found = problems(root)
    assert (
        f"kb/scheduling/basics.md:{line_of(rival, 'contexts:')}: screen 'schedule.gantt' is also claimed as "
        "primary by docs/user/01-gantt.md (in every target); expected exactly one primary claim: "
        "{id: schedule.gantt, primary: true} on the page its help should open" in found
    )
    assert any(
        p.startswith(
            "docs/user/01-gantt.md:5: screen 'schedule.gantt' is also claimed as primary by kb/scheduling/basics.md"
        )
        for p in found
    )
    assert len(found) == 2


def test_two_primary_claims_in_different_targets_are_an_error_only_where_both_are(make_project):
    draft = page_text(
        "KB-0100", "Gantt chart draft", "scheduling", "[{id: schedule.gantt, primary: true}]", "audience: internal\n"
    )
    root = make_project("basic", files={"kb/scheduling/draft-gantt.md": draft})
    assert [p for p in problems(root) if "(in target internal)" in p and "draft-gantt.md" in p]
    assert not [p for p in problems(root) if "site" in p]


def test_claim_of_an_id_contexts_yml_does_not_list_is_an_error(make_project):
    page = page_text("KB-0100", "Heat map", "scheduling", "[portfolio.heatmap]")
    root = make_project("basic", files={"kb/scheduling/heatmap.md": page})
    assert problems(root) == [
        f"kb/scheduling/heatmap.md:{line_of(page, 'contexts:')}: unknown context ID 'portfolio.heatmap'; "
        "expected an ID listed in contexts.yml"
    ]


def test_ids_whose_exported_constants_collide_are_an_error(make_project):
    screens = with_screens(
        "schedule.gantt_view: {title: Gantt view, module: scheduling}",
        "schedule_gantt.view: {title: Another Gantt view, module: scheduling}",
    )
    root = make_project("basic", files={"contexts.yml": screens})
    assert (
        f"contexts.yml:{line_of(screens, 'schedule_gantt.view')}: screen 'schedule_gantt.view' exports the same "
        "constant KB_CONTEXT_SCHEDULE_GANTT_VIEW as 'schedule.gantt_view'; expected IDs that differ in more than "
        "'.' and '_'"
    ) in problems(root)


def test_hostile_ids_in_contexts_yml_are_refused_before_anything_is_written(make_project, run_kb):
    screens = with_screens(
        '"../../etc": {title: Escape, module: budgets}',
        '"<script>alert(1)</script>": {title: Markup, module: budgets}',
        f"? {'a' * 10_000}\n  : {{title: Long, module: budgets}}",  # an explicit key: YAML caps implicit ones
    )
    root = make_project("basic", files={"contexts.yml": screens})

    result = run_kb(root, "build")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        f"contexts.yml:{line_of(screens, '../../etc')}: context ID: expected something like 'schedule.gantt', "
        "got '../../etc'" in result.output
    )
    assert "contexts.yml:" in result.output and "'<script>alert(1)</script>'" in result.output
    assert "context ID: expected at most 100 characters like 'schedule.gantt', got 10000" in result.output
    assert "a" * 200 not in result.output
    assert not (root / "build/site").exists()


def test_client_maps_hold_only_that_clients_topics_and_licensed_screens(make_project, tmp_path):
    harbor_page = page_text("KB-0100", "Harbor budget overview", "budgets", "[budget.overview]", "clients: [harbor]\n")
    acme_page = page_text("KB-0101", "Acme Gantt colours", "scheduling", "[schedule.gantt]", "clients: [acme]\n")
    root = make_project(
        "basic", files={"kb/budgets/harbor-overview.md": harbor_page, "kb/scheduling/acme-gantt.md": acme_page}
    )
    catalog = load_catalog(root)
    acme_target, harbor_target = client_target(catalog.clients["acme"]), client_target(catalog.clients["harbor"])
    acme, harbor, site = coverage(catalog, [acme_target, harbor_target, SITE])

    # Acme licenses scheduling only: its application shows no budget screen, its map has none.
    assert sorted(acme.topics) == ["schedule.activity.edit", "schedule.gantt"]
    assert [p.id for p in acme.topics["schedule.gantt"].related] == ["KB-0101", "KB-0001"]  # by file
    assert [p.id for p in harbor.topics["schedule.gantt"].related] == ["KB-0001"]
    assert [p.id for p in harbor.topics["budget.overview"].related] == ["KB-0100"]
    assert [p.id for p in site.topics["budget.overview"].related] == []
    # Checked per client build: Harbor's page and the public one both claim the screen, neither as primary;
    # Acme's private page is not a topic Harbor's build "left out".
    found = check_contexts(catalog, [acme_target, harbor_target])
    assert sorted((p.path, p.is_error) for p in found) == [
        ("kb/budgets/budget-locked.md", True),
        ("kb/budgets/harbor-overview.md", True),
    ]
    assert all("budget.overview" in p.message and "(in target client-harbor)" in p.message for p in found)

    for context_map in (acme, harbor):
        write_context_help(context_map, tmp_path / context_map.target.client)
    acme_files = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "acme/context").rglob("*") if p.is_file())
    harbor_files = "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "harbor/context").rglob("*") if p.is_file()
    )
    assert "Acme Gantt colours" in acme_files and "KB-0101" in acme_files
    assert "Harbor" not in acme_files and "KB-0100" not in acme_files and "budget.overview" not in acme_files
    assert "Acme" not in harbor_files and "KB-0101" not in harbor_files


# `kb contexts`


def test_kb_contexts_prints_each_screen_per_target_and_the_coverage(run_kb, make_project):
    result = run_kb(make_project("basic"), "contexts")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ID                      Screen                site     internal  client-acme  client-harbor",
        "budget.overview         Budget overview       KB-0004  KB-0004   -            KB-0004",
        "schedule.activity.edit  Edit activity dialog  USR-001  USR-001   USR-001      USR-001",
        "schedule.gantt          Gantt chart           USR-001  USR-001   USR-001      USR-001",
        "",
        "site: 3 of 3 screens have a topic (100%)",
        "internal: 3 of 3 screens have a topic (100%)",
        "client-acme: 2 of 2 screens have a topic (100%)",  # Acme does not license budgets
        "client-harbor: 3 of 3 screens have a topic (100%)",
    ]


def test_kb_contexts_shows_fallbacks_and_gaps_and_fails_under_a_threshold(run_kb, make_project):
    chapter = (TESTS / "roots/basic/docs/user/01-gantt.md").read_text(encoding="utf-8")
    root = make_project(
        "basic",
        files={
            "contexts.yml": with_screens("budget.forecast: {title: Forecast editor, module: budgets}"),
            "docs/user/01-gantt.md": chapter.replace("module: scheduling\n", "module: scheduling\nconfidence: wip\n"),
        },
    )
    result = run_kb(root, "contexts", "--target", "site")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ID                      Screen                site                Topic",
        "budget.forecast         Forecast editor       search              a search for 'Forecast editor'",
        "budget.overview         Budget overview       KB-0004             Budget is locked for editing",
        "schedule.activity.edit  Edit activity dialog  module page         the module's page kb/scheduling/",
        "schedule.gantt          Gantt chart           KB-0001 (fallback)  Gantt chart shows no bars after import",
        "",
        "site: 2 of 4 screens have a topic (50%)",
    ]

    result = run_kb(root, "contexts", "--target", "site", "--target", "internal", "--fail-under", "90")
    assert result.exit_code == 1
    assert "site: 2 of 4 screens have a topic (50%)" in result.stdout
    assert "internal: 3 of 4 screens have a topic (75%)" in result.stdout
    assert result.stderr == (
        "Error: target 'site' covers 50% of the screens, target 'internal' covers 75% of the screens; "
        "--fail-under 90 requires 90%\n"
    )


def test_kb_contexts_explains_itself_and_refuses_unknown_targets(run_kb, make_project):
    result = run_kb(None, "contexts", "--help")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: kb contexts [OPTIONS]")
    assert "--fail-under PERCENT" in result.output
    result = run_kb(make_project("basic"), "contexts", "--target", "everything")
    assert result.exit_code == 1
    assert result.output == (
        "Error: --target 'everything': no such target; expected one of site, internal, client-acme, client-harbor\n"
    )
