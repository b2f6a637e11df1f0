"""The handouts' cache (generator/pdf_cache.py): a client build after an edit prints only the books the edit
reaches, and its output, PDFs included, is byte for byte what a clean full build makes. A cache entry that
is damaged is ignored, never trusted; a reuse that is wrong (a key missing an input) fails these tests, and
a handout carried into another client's build is stopped by the leak check, which reads reused PDFs too."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from build_compare import edit, tree

import generator.pdf
from generator.build import build_target
from generator.catalog import load_catalog
from generator.errors import KbError
from generator.model import client_target
from generator.pdf_cache import PdfCache, pdf_cache_beside

TODAY = dt.date(2026, 11, 30)  # the cover's date: a build on another day prints every book again
PICTURE = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="{w}" height="40"/></svg>'
FILES = {
    "docs/user/images/chart.svg": PICTURE.format(w=100),
    "snippets/clients/acme/sap-steps.md": "Post the costs from the SAP screen ZKB1.\n",
}
OUT = Path("build") / "client-acme"


def project(make_project) -> Path:
    root = make_project("clients", files=FILES)
    edit(root, "docs/user/01-gantt.md", "| Column |", "![The chart](images/chart.svg)\n\n| Column |")
    chapter = "clients/acme/training/05-acme-sap.md"
    (root / chapter).write_text((root / chapter).read_text() + '\n--8<-- "clients/acme/sap-steps.md"\n')
    return root


def build(root: Path, out: Path, full: bool = False, slug: str = "acme"):
    target = client_target(load_catalog(root).clients[slug])
    return build_target(root, target, out, formats=("site", "pdf"), today=TODAY, full=full)


def reused(result) -> dict[str, bool]:
    return {pdf.path.name: pdf.reused for pdf in result.pdfs}


def assert_same_as_full(root: Path, tmp_path: Path, name: str):
    """Build acme incrementally (into root/build) and from nothing (elsewhere): every file, PDFs included,
    must be the same bytes."""
    incremental = build(root, root / OUT)
    full = build(root, tmp_path / f"full-{name}" / "client-acme", full=True)
    assert not any(pdf.reused for pdf in full.pdfs)
    built, clean = tree(incremental.out), tree(full.out)
    assert sorted(built) == sorted(clean), f"after {name}: different files"
    assert any(path.endswith(".pdf") for path in clean), "the handouts are compared"
    differ = [path for path in clean if built[path] != clean[path]]
    assert not differ, f"after {name}: these files differ from a full build: {differ}"
    assert [(p.pages, p.chapters, p.warnings) for p in incremental.pdfs] == [
        (p.pages, p.chapters, p.warnings) for p in full.pdfs
    ]
    shutil.rmtree(tmp_path / f"full-{name}")
    return incremental


# (what changes, the change, which books are then reused: user, training)
EDITS = [
    ("nothing changed", lambda root: None, (True, True)),
    ("an article edit", lambda root: edit(root, "kb/scheduling/gantt-empty.md", "empty", "blank"), (True, True)),
    (
        "a chapter edit",
        lambda root: edit(root, "docs/user/01-gantt.md", "has a Gantt chart", "has a Gantt chart of its activities"),
        (False, True),
    ),
    (
        "a client snippet edit",
        lambda root: edit(root, "snippets/clients/acme/sap-steps.md", "ZKB1", "ZKB2"),
        (True, False),
    ),
    (  # the same address, another drawing: only the file WeasyPrint reads changed
        "a picture redrawn",
        lambda root: (root / "docs/user/images/chart.svg").write_text(PICTURE.format(w=60)),
        (False, True),
    ),
    (  # the covers' contact
        "a client profile edit",
        lambda root: edit(root, "clients/acme.yml", "name: Dana Whitfield", "name: Dana Whitfield-Moore"),
        (False, False),
    ),
    (
        "a branding edit",
        lambda root: edit(root, "clients/acme.yml", 'primary: "#0b5394"', 'primary: "#134f8c"'),
        (False, False),
    ),
    ("a logo redrawn", lambda root: edit(root, "clients/acme/logo.svg", "<svg", "<svg data-x='1'"), (False, False)),
]


def test_incremental_client_builds_with_handouts_match_full_builds(make_project, tmp_path):
    root = project(make_project)
    assert reused(build(root, root / OUT)) == {"acme-user.pdf": False, "acme-training.pdf": False}
    for name, change, (user, training) in EDITS:
        change(root)
        result = assert_same_as_full(root, tmp_path, name)
        assert reused(result) == {"acme-user.pdf": user, "acme-training.pdf": training}, f"after {name}"


def _flip_a_byte(entry: Path) -> None:
    data = bytearray(entry.with_suffix(".pdf").read_bytes())
    data[len(data) // 2] ^= 0x20
    entry.with_suffix(".pdf").write_bytes(bytes(data))


def _rewrite(change):
    def damage(entry: Path) -> None:
        record = json.loads(entry.read_text())
        change(record)
        entry.write_text(json.dumps(record))

    return damage


DAMAGE = {
    "a byte of the PDF changed": _flip_a_byte,
    "the PDF missing": lambda entry: entry.with_suffix(".pdf").unlink(),
    "the PDF cut short": lambda entry: entry.with_suffix(".pdf").write_bytes(b"%PDF-1.7\n"),
    "the record not JSON": lambda entry: entry.write_text("{not json"),
    "the record of another format": _rewrite(lambda record: record.update(format=0)),
    "the record with a field missing": _rewrite(lambda record: record.pop("pages")),
    "the record with a field of the wrong kind": _rewrite(lambda record: record.update(pages="44")),
    "a file read recorded otherwise": _rewrite(lambda rec: rec["read"].update(dict.fromkeys(rec["read"], "0"))),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_handout_cache_is_ignored_and_the_book_printed_again(make_project, tmp_path, damage):
    root = project(make_project)
    build(root, root / OUT)
    damage(pdf_cache_beside(root / OUT) / "acme-user.json")
    result = assert_same_as_full(root, tmp_path, "damage")
    assert reused(result) == {"acme-user.pdf": False, "acme-training.pdf": True}
    assert reused(build(root, root / OUT)) == {"acme-user.pdf": True, "acme-training.pdf": True}  # stored again


def test_kb_build_full_prints_every_book_again(make_project):
    root = project(make_project)
    build(root, root / OUT)
    assert reused(build(root, root / OUT, full=True)) == {"acme-user.pdf": False, "acme-training.pdf": False}


def test_a_folder_of_the_writers_where_the_cache_goes_gets_no_handouts(make_project):
    root = project(make_project)
    mine = root / "build" / "client-acme-cache"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("the writer's")
    build(root, root / OUT)
    assert reused(build(root, root / OUT)) == {"acme-user.pdf": False, "acme-training.pdf": False}
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


PLANTED = {
    # A key without the document: a chapter's or the cover's change would not print the book again.
    "a key that leaves out the document": (
        "book_key",
        lambda document, docs_dir, printing: "the same key",
        lambda root: edit(root, "clients/acme.yml", 'primary: "#0b5394"', 'primary: "#134f8c"'),
    ),
    # Files read not recorded: a picture redrawn at the same address would not print the book again.
    "files read left unrecorded": (
        "files_read",
        lambda urls, docs_dir: {},
        lambda root: (root / "docs/user/images/chart.svg").write_text(PICTURE.format(w=60)),
    ),
}


@pytest.mark.parametrize("planted", PLANTED.values(), ids=PLANTED.keys())
def test_a_reuse_bug_planted_in_the_cache_makes_the_comparison_fail(make_project, tmp_path, monkeypatch, planted):
    """The comparison above can fail: with a key that misses an input, an incremental build differs."""
    name, wrong, change = planted
    monkeypatch.setattr(generator.pdf, name, wrong)
    root = project(make_project)
    build(root, root / OUT)
    change(root)
    with pytest.raises(AssertionError, match="differ from a full build"):
        assert_same_as_full(root, tmp_path, "a planted bug")


def test_a_handout_reused_from_another_clients_cache_is_stopped_by_the_leak_check(make_project, monkeypatch):
    """Plant the worst reuse bug: one cache for every client, entries named by book alone, a constant key.
    Acme's build then takes harbor's handouts; the leak check reads them, names them and stops the build,
    and acme's published output stays as it was."""
    root = project(make_project)
    build(root, root / OUT)
    published = tree(root / OUT)
    shared = root / "build" / "shared-cache"
    monkeypatch.setattr(PdfCache, "beside", classmethod(lambda cls, out, trusted=True: cls(shared / "pdf", trusted)))
    monkeypatch.setattr(PdfCache, "_entry", lambda self, name, suffix: self.folder / (name.split("-")[-1] + suffix))
    monkeypatch.setattr(generator.pdf, "book_key", lambda document, docs_dir, printing: "the same key")
    assert build(root, root / "build" / "client-harbor", slug="harbor").pdfs
    with pytest.raises(KbError) as caught:
        build(root, root / OUT)
    message = caught.value.format_message()
    assert "pdf/acme-user.pdf: harbor's name 'Harbor City Transit'" in message
    assert tree(root / OUT) == published
