"""Links to anchors are checked in every target: `page.md#heading` and `#heading` must name a heading (as the
toc extension slugs it) or an explicit id of the target page; headings made by a template keep the id of
their public words in a client's build."""

from __future__ import annotations

import re

from generator.anchors import page_anchors, with_stable_heading_ids
from generator.build import build_target
from generator.catalog import load_catalog
from generator.checks import check_templates
from generator.model import SITE, client_target

ARTICLE = "---\nid: KB-0100\ntitle: Anchors\nsummary: S.\ntype: faq\nmodule: scheduling\nconfidence: validated\n---\n\n"
HEADINGS = (
    "# The `kb_check` *command*\n\n## Install {#setup}\n\n## Usage { .wide #use }\n\n## Usage\n\n## Usage\n\n"
    "## [Links](gantt-empty.md) & _emphasis_ in Ünïcode\n\n## C++ / C#\n\n"
    '<a id="legacy-anchor"></a>\n\nText {: #para }\n\n```bash\n# not a heading\n```\n\nA note[^n].\n\n[^n]: Note.\n'
)


def test_page_anchors_are_the_ids_the_toc_extension_gives(make_project, tmp_path):
    root = make_project("basic", files={"kb/scheduling/anchors.md": ARTICLE + HEADINGS})
    out = build_target(root, SITE, tmp_path / "out").out
    html = (out / "kb/scheduling/anchors/index.html").read_text(encoding="utf-8")
    article = html[html.index("<article") : html.index("</article>")]
    built_heading_ids = set(re.findall(r"<h[1-6][^>]* id=\"([^\"]+)\"", article))
    anchors = page_anchors(HEADINGS)
    assert len(built_heading_ids) >= 7 and built_heading_ids <= anchors, (built_heading_ids, anchors)
    assert {"setup", "use", "usage", "usage_1", "legacy-anchor", "para", "fn:n"} <= anchors
    assert "not-a-heading" not in anchors


def test_the_projects_toc_separator_is_used():
    assert "install_the_app" in page_anchors("## Install the app\n", separator="_")


def _problems(root) -> list[str]:
    return [f"{p.path}:{p.line}: {p.message}" for p in check_templates(load_catalog(root))]


def test_a_link_to_a_missing_heading_is_a_problem_with_the_closest_heading(make_project):
    body = (
        "## Edit the dates\n\nSee [above](#edit-the-date), [the chart](../../docs/user/01-gantt.md#edit-activity)"
        " and [ok](../../docs/user/01-gantt.md#edit-activity-dialog), [self](#edit-the-dates).\n"
    )
    problems = _problems(make_project("basic", files={"kb/scheduling/anchors.md": ARTICLE + body}))
    assert (
        "kb/scheduling/anchors.md:12: broken anchor '#edit-the-date': this page has no heading or id "
        "'edit-the-date'; did you mean '#edit-the-dates'? (building site, internal, client-acme, client-harbor)"
    ) in problems
    assert any(
        p.startswith(
            "kb/scheduling/anchors.md:12: broken anchor '../../docs/user/01-gantt.md#edit-activity': "
            "docs/user/01-gantt.md has no heading or id 'edit-activity'; did you mean '#edit-activity-dialog'?"
        )
        for p in problems
    ), problems
    assert len(problems) == 2


def test_explicit_ids_html_ids_and_footnotes_are_anchors(make_project):
    body = HEADINGS + "\n[a](#setup) [b](#use) [c](#legacy-anchor) [d](#para) [e](#usage_1) [f](#fn:n)\n"
    assert _problems(make_project("basic", files={"kb/scheduling/anchors.md": ARTICLE + body})) == []


def test_a_heading_a_term_changes_keeps_its_public_id_in_a_client_build(make_project, tmp_path):
    files = {
        "kb/scheduling/anchors.md": ARTICLE + '## Create a {{ term("project") }}\n\nSee [it](#create-a-project).\n',
    }
    root = make_project("basic", files=files)
    assert _problems(root) == []
    catalog = load_catalog(root)
    out = build_target(root, client_target(catalog.clients["acme"]), tmp_path / "out").out
    html = (out / "kb/scheduling/anchors/index.html").read_text(encoding="utf-8")
    assert re.search(r'<h2 id="create-a-project">Create a capital job', html), html


def test_a_heading_only_some_targets_have_is_a_broken_anchor_in_the_others(make_project):
    body = "/// only | module=budgets\n## Budget lines\n///\n\nSee [budget lines](#budget-lines).\n"
    problems = _problems(make_project("basic", files={"kb/scheduling/anchors.md": ARTICLE + body}))
    assert problems == [
        "kb/scheduling/anchors.md:14: broken anchor '#budget-lines': this page has no heading or id "
        "'budget-lines'; expected a heading's id or an explicit {#id} (building client-acme)"
    ]


def test_two_headings_with_the_same_template_get_distinct_ids():
    text = '## A {{ term("project") }}\n\n## A {{ term("project") }}\n'
    assert with_stable_heading_ids(text, lambda heading: "A project") == (
        '## A {{ term("project") }} { #a-project }\n\n## A {{ term("project") }} { #a-project_1 }\n'
    )
