"""Books have sections: a sub-folder of a book is a section in the nav, in the chapter numbers and in the
PDF's contents and bookmarks (two levels)."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from generator.catalog import load_catalog
from generator.model import SITE
from generator.select import chapter_numbers, section_titles, select

SECTION = {
    "docs/user/02-scheduling/index.md": "---\nid: USR-010\ntitle: Planning the work\n---\n\n# Planning the work\n",
    "docs/user/02-scheduling/01-activities.md": (
        "---\nid: USR-011\ntitle: Activities\n---\n\n# Activities\n\nSee [milestones](02-milestones.md#dates) "
        "and ![the chart](images/plan.svg).\n"
    ),
    "docs/user/02-scheduling/02-milestones.md": (
        "---\nid: USR-012\ntitle: Milestones\n---\n\n# Milestones\n\n## Dates\n"
    ),
    "docs/user/02-scheduling/images/plan.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>',
    "docs/user/03-reporting/01-exports.md": "---\nid: USR-013\ntitle: Exports\n---\n\n# Exports\n",
    "docs/user/04-glossary.md": "---\nid: USR-014\ntitle: Glossary\n---\n\n# Glossary\n",
}


@pytest.fixture
def sectioned(make_project):
    return make_project("basic", files=SECTION)


def test_a_section_and_its_pages_are_numbered_within_the_book(sectioned):
    catalog = load_catalog(sectioned)
    numbers = chapter_numbers(select(catalog, SITE), ("user",))
    assert numbers == {
        "docs/user/01-gantt.md": "1",
        "docs/user/02-scheduling/index.md": "2",
        "docs/user/02-scheduling/01-activities.md": "2.1",
        "docs/user/02-scheduling/02-milestones.md": "2.2",
        "docs/user/03-reporting/01-exports.md": "3.1",
        "docs/user/04-glossary.md": "4",
    }


def test_a_section_is_titled_by_its_index_page_else_by_its_folder(sectioned):
    pages = [p for p in load_catalog(sectioned).pages if p.book == "user"]
    assert section_titles(pages) == {"02-scheduling": "Planning the work", "03-reporting": "Reporting"}


def test_section_pages_publish_without_order_prefixes_in_a_nav_group(sectioned, run_kb):
    result = run_kb(sectioned, "build", "--book", "user", "--format", "site,pdf")
    assert result.exit_code == 0, result.output
    site = sectioned / "build" / "site"
    page = (site / "user" / "scheduling" / "activities" / "index.html").read_text(encoding="utf-8")
    assert (site / "user" / "scheduling" / "images" / "plan.svg").is_file()
    assert 'href="../milestones/#dates"' in page and 'src="../images/plan.svg"' in page
    assert "Chapter 2.1" in page
    nav = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "2. Planning the work" in nav and "2.2. Milestones" in nav and "3. Reporting" in nav
    assert "4. Glossary" in nav
    exports = (site / "user" / "reporting" / "exports" / "index.html").read_text(encoding="utf-8")
    assert "3.1. Exports" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", exports))  # the open group (prune)


def test_the_pdf_contents_and_bookmarks_have_two_levels(sectioned, run_kb):
    assert run_kb(sectioned, "build", "--book", "user", "--format", "pdf").exit_code == 0
    reader = PdfReader(sectioned / "build" / "site" / "pdf" / "site-user.pdf")

    def numbered(items, depth=1):  # (depth, title) of the chapters' bookmarks, not their headings'
        for item in items:
            if isinstance(item, list):
                yield from numbered(item, depth + 1)
            elif re.match(r"\d", item.title):
                yield depth, item.title

    assert list(numbered(reader.outline)) == [
        (1, "1. The Gantt chart"),
        (1, "2. Planning the work"),
        (2, "2.1. Activities"),
        (2, "2.2. Milestones"),
        (1, "3. Reporting"),
        (2, "3.1. Exports"),
        (1, "4. Glossary"),
    ]
    contents = reader.pages[1].extract_text()
    assert re.search(r"2\.1\s*Activities", contents) and re.search(r"3\s*Reporting", contents)
