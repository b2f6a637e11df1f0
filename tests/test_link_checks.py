"""`kb check` on pages: one mistake is one problem, messages say what to write, two pages never share an
address, and a broken link says which file was probably meant."""

from __future__ import annotations

from generator.catalog import load_catalog
from generator.checks import check_catalog
from generator.suggest import Suggestions
from tests.conftest import ROOTS

GANTT = "docs/user/01-gantt.md"  # linked from docs/user/index.md and kb/scheduling/gantt-empty.md
ARTICLE = "kb/scheduling/new.md"


def problems_with(make_project, files: dict[str, str]) -> list[str]:
    return [str(problem) for problem in check_catalog(load_catalog(make_project("basic", files=files)))]


def article(body: str = "Some text.\n", title: str = "A new article", page_id: str = "KB-0100") -> str:
    return (
        f"---\nid: {page_id}\ntitle: {title}\nsummary: One sentence.\ntype: faq\nmodule: scheduling\n"
        f"confidence: validated\n---\n\n{body}"
    )


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


# One mistake, one problem


def test_a_typo_in_front_matter_is_one_problem_not_one_per_link_to_the_page(make_project):
    text = "---\nid: USR-001\ntitle: The Gantt chart\ntag: [gantt]\n---\n\n# The Gantt chart\n"
    problems = problems_with(make_project, {GANTT: text})
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{GANTT}:4: unknown key 'tag'")


def test_a_missing_closing_line_is_reported_as_such_at_the_opening_line(make_project):
    text = "---\nid: KB-0100\ntitle: A new article\n\nSome text.\n"
    assert problems_with(make_project, {ARTICLE: text}) == [
        f"{ARTICLE}:1: the front matter opened here has no closing '---'; expected a line '---' after its last key"
    ]


def test_a_page_without_front_matter_still_says_so(make_project):
    assert problems_with(make_project, {ARTICLE: "# Just text\n"}) == [
        f"{ARTICLE}:1: no front matter; expected the file to start with '---', YAML keys (id, title, ...), then '---'"
    ]


def test_an_unquoted_colon_in_a_title_says_to_quote_the_value(make_project):
    text = article(title="Error: disk full")
    assert problems_with(make_project, {ARTICLE: text}) == [
        f"{ARTICLE}:{line_of(text, 'title:')}: invalid YAML: the value of 'title' has a ': ' in it; "
        'quote the value: title: "Error: disk full"'
    ]


# Two pages at one address


def test_two_chapters_differing_only_in_their_order_prefix_are_an_error_naming_both(make_project, run_kb):
    text = "---\nid: USR-002\ntitle: Gantt again\n---\n\n# Gantt again\n"
    root = make_project("basic", files={"docs/user/02-gantt.md": text})
    result = run_kb(root, "check")
    assert result.exit_code == 1
    assert (
        "docs/user/02-gantt.md:2: publishes at the same address as docs/user/01-gantt.md (/user/gantt/, "
        "building site, internal, client-acme, client-harbor); expected a different file name"
    ) in result.output


def test_a_client_chapter_named_like_a_core_chapter_is_an_error_in_that_clients_build(make_project):
    text = "---\nid: ACM-001\ntitle: Acme's Gantt\n---\n\n# Acme's Gantt\n"
    problems = problems_with(make_project, {"clients/acme/user/05-gantt.md": text})
    clashes = [p for p in problems if "same address" in p]
    assert clashes == [
        "docs/user/01-gantt.md:2: publishes at the same address as clients/acme/user/05-gantt.md (/user/gantt/, "
        "building client-acme); expected a different file name"
    ]


def test_two_articles_whose_names_differ_only_in_case_are_an_error(make_project):
    source = (ROOTS / "basic/kb/scheduling/gantt-empty.md").read_text(encoding="utf-8")
    copy = source.replace("id: KB-", "id: KB-9")
    problems = problems_with(make_project, {"kb/scheduling/Gantt-Empty.md": copy})
    assert [p for p in problems if "same address" in p] == [
        "kb/scheduling/gantt-empty.md:2: publishes at the same address as kb/scheduling/Gantt-Empty.md "
        "(/kb/scheduling/gantt-empty/, building site, internal, client-acme, client-harbor); "
        "expected a different file name"
    ]


# Did you mean


def test_a_broken_link_suggests_the_closest_page_in_the_same_folder(make_project):
    text = article("See [the chart](../../docs/user/01-gant.md#bars).\n")
    assert problems_with(make_project, {ARTICLE: text}) == [
        f"{ARTICLE}:{line_of(text, 'See [')}: broken link '../../docs/user/01-gant.md#bars'; expected a file under "
        "kb/ or docs/; did you mean '../../docs/user/01-gantt.md#bars'?"
    ]


def test_a_broken_link_to_a_moved_page_suggests_where_it_is_now(make_project):
    text = article("See [the fix](../budgets/gantt-empty.md).\n")
    problems = problems_with(make_project, {ARTICLE: text})
    assert problems == [
        f"{ARTICLE}:{line_of(text, 'See [')}: broken link '../budgets/gantt-empty.md'; expected a file under "
        "kb/ or docs/; did you mean 'gantt-empty.md'?"
    ]


def test_a_broken_picture_suggests_a_picture(make_project):
    text = "---\nid: USR-002\ntitle: Budgets\n---\n\n![A chart](images/gant.svg)\n"
    assert problems_with(make_project, {"docs/user/02-budgets.md": text}) == [
        "docs/user/02-budgets.md:6: broken picture 'images/gant.svg'; expected a file under kb/ or docs/; "
        "did you mean 'images/gantt.svg'?"
    ]


def test_a_broken_link_with_nothing_close_suggests_nothing(make_project):
    text = article("See [it](zzz-unrelated.md).\n")
    [problem] = problems_with(make_project, {ARTICLE: text})
    assert "did you mean" not in problem


def test_suggestions_drop_order_prefixes_and_prefer_the_same_folder():
    near = Suggestions(["docs/user/04-gantt.md", "docs/admin/gantt.md", "kb/scheduling/gantt-empty.md"])
    assert near.closest("docs/user/gantt.md") == "docs/user/04-gantt.md"
    assert near.closest("docs/admin/03-gant.md") == "docs/admin/gantt.md"
    assert near.closest("kb/budgets/gantt-empty.md") == "kb/scheduling/gantt-empty.md"
    assert near.closest("docs/user/budget.md") is None


def test_a_featured_article_with_a_typo_is_one_problem_not_a_missing_feature_or_screen(make_project):
    source = (ROOTS / "basic/kb/scheduling/gantt-empty.md").read_text(encoding="utf-8")
    text = source.replace("\ntags:", "\ntag:", 1)
    assert text != source
    problems = problems_with(make_project, {"kb/scheduling/gantt-empty.md": text})
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"kb/scheduling/gantt-empty.md:{line_of(text, 'tag:')}: unknown key 'tag'")
