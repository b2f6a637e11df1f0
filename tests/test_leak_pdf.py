"""The leak check reads PDFs with PDFium: markers planted in real WeasyPrint handouts are found wherever a
reader would see them (wrapped across lines, broken after a hyphen, only in a bookmark, in the metadata),
and whole words stay whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from weasyprint import HTML

from generator.leaks import Needle, find_leaks

MARKER = Needle("marker-harbor-4a7b", "harbor's marker", strict=True)
NAME = Needle("harbor city transit", "harbor's name 'Harbor City Transit'", strict=True)
ID = Needle("kb-0016", "harbor's private page KB-0016", strict=True)


def write_pdf(folder: Path, body: str, css: str = "", title: str = "Handout") -> Path:
    """A real PDF made by WeasyPrint, as the handouts are."""
    folder.mkdir(parents=True, exist_ok=True)
    document = f"<html><head><title>{title}</title><style>{css}</style></head><body>{body}</body></html>"
    path = folder / "handout.pdf"
    HTML(string=document).write_pdf(path)
    return path


def leaks_in(folder: Path, *needles: Needle) -> list[str]:
    return sorted(leak.what for leak in find_leaks(list(needles), [folder], folder))


def test_a_name_wrapped_across_lines_is_found(tmp_path):
    # A column one word wide: every word of the name is on a line of its own.
    write_pdf(tmp_path, "<p style='width: 4em'>Please call Harbor City Transit today.</p>")
    assert leaks_in(tmp_path, NAME) == [NAME.what]


def test_a_marker_broken_after_a_hyphen_at_a_line_end_is_found(tmp_path):
    # The marker does not fit the column: the line breaks after a hyphen inside it.
    path = write_pdf(tmp_path, "<p style='width: 5em; font-size: 14pt'>See MARKER-HARBOR-4a7b here.</p>")
    from pypdf import PdfReader  # the test's own reader: the marker really is broken across two lines

    broken = PdfReader(path).pages[0].extract_text()
    assert "MARKER-HARBOR-4a7b" not in broken and "MARKER-" in broken
    assert leaks_in(tmp_path, MARKER) == [MARKER.what]


def test_a_marker_only_in_a_bookmark_is_found(tmp_path):
    css = "h1 { bookmark-label: 'Notes for Harbor City Transit'; }"
    write_pdf(tmp_path, "<h1>Notes</h1><p>Nothing private on the page.</p>", css)
    assert leaks_in(tmp_path, NAME) == [NAME.what]


def test_a_marker_only_in_the_metadata_is_found(tmp_path):
    write_pdf(tmp_path, "<p>Nothing private on the page.</p>", title="Handout KB-0016")
    assert leaks_in(tmp_path, ID) == [ID.what]


def test_table_cells_side_by_side_keep_their_word_boundaries(tmp_path):
    cells = "<table style='border-collapse: collapse'><tr><td>KB-0016</td><td>Total</td></tr></table>"
    write_pdf(tmp_path, cells)
    assert leaks_in(tmp_path, ID) == [ID.what]


def test_an_id_drawn_right_after_a_word_in_a_picture_is_found(tmp_path):
    # An SVG's text is drawn glyph by glyph: the PDF has no gap between "Description" and the ID.
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40" font-size="12">'
        '<text x="0" y="20">Description</text><text x="62" y="20">KB-0016</text></svg>'
    )
    write_pdf(tmp_path, f"<p>{svg}</p>")
    assert leaks_in(tmp_path, ID) == [ID.what]


@pytest.mark.parametrize("text", ["KB-00160 is public.", "Harbor City Transitway opens.", "XMARKER-HARBOR-4a7b"])
def test_pdf_text_matches_whole_words_only(tmp_path, text):
    write_pdf(tmp_path, f"<p>{text}</p>")
    assert leaks_in(tmp_path, MARKER, NAME, ID) == []


def test_a_clean_pdf_has_no_leaks(tmp_path):
    write_pdf(tmp_path, "<h1>Gantt chart</h1><p>Bars show planned dates.</p>")
    assert leaks_in(tmp_path, MARKER, NAME, ID) == []
