"""Pruning the handouts' cache (generator/pdf_cache.py): the entry of a book a client no longer has, and
the whole cache of a client whose profile is gone, are removed; every entry a build of the same output could
still use is kept: the other books', a `--book` build's, another target's names, a client's whose profile is
back, one a running build holds. Real client builds printing real PDFs, real caches on disk."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from generator.build import build_target
from generator.catalog import load_catalog
from generator.model import client_target
from generator.output import locked
from generator.pdf_cache import pdf_cache_beside, prune_gone_clients

TODAY = dt.date(2026, 11, 30)
OUT = Path("build") / "client-acme"


def build(root: Path, out: Path, slug: str = "acme", books: frozenset[str] | None = None, formats=("site", "pdf")):
    target = client_target(load_catalog(root).clients[slug], books)
    return build_target(root, target, out, formats=formats, today=TODAY)


def entries(cache: Path) -> list[str]:
    return sorted(path.name for path in cache.iterdir())


def test_a_book_the_client_no_longer_has_is_pruned_and_the_others_kept(make_project):
    root = make_project("clients")
    build(root, root / OUT)
    cache = pdf_cache_beside(root / OUT)
    assert entries(cache) == ["acme-training.json", "acme-training.pdf", "acme-user.json", "acme-user.pdf"]
    (cache / "harbor-user.pdf").write_bytes(b"another target's name: not this build's to judge")
    (cache / ".acme-training.pdf-k1ll3d").write_bytes(b"%PDF-1.7\n")  # what a build killed mid-write leaves

    # A build of one book does not know which books the whole target holds: it prunes nothing.
    build(root, root / OUT, books=frozenset({"user"}), formats=("pdf",))
    assert "acme-training.pdf" in entries(cache) and ".acme-training.pdf-k1ll3d" in entries(cache)

    # Acme no longer has a training manual (its chapters went): that entry goes, the user manual's stays.
    shutil.rmtree(root / "docs/training")
    shutil.rmtree(root / "clients/acme/training")
    result = build(root, root / OUT)
    assert {pdf.path.name: pdf.reused for pdf in result.pdfs} == {"acme-user.pdf": True}
    assert entries(cache) == ["acme-user.json", "acme-user.pdf", "harbor-user.pdf"]


def test_a_damaged_entry_of_a_kept_book_is_printed_again_and_one_of_a_dropped_book_removed(make_project):
    root = make_project("clients")
    build(root, root / OUT)
    cache = pdf_cache_beside(root / OUT)
    (cache / "acme-user.json").write_text("{not json")  # damaged: ignored, never trusted, not in the way
    (cache / "acme-training.pdf").write_bytes(b"%PDF-1.7\ncut short")
    shutil.rmtree(root / "docs/training")
    shutil.rmtree(root / "clients/acme/training")
    result = build(root, root / OUT)
    assert {pdf.path.name: pdf.reused for pdf in result.pdfs} == {"acme-user.pdf": False}
    assert entries(cache) == ["acme-user.json", "acme-user.pdf"]
    assert {pdf.path.name: pdf.reused for pdf in build(root, root / OUT).pdfs} == {"acme-user.pdf": True}


def test_the_handouts_kept_for_a_client_whose_profile_is_gone_are_removed(make_project):
    root = make_project("clients")
    build(root, root / "build" / "client-harbor", slug="harbor", formats=("pdf",))
    harbor = pdf_cache_beside(root / "build" / "client-harbor")
    preview = root / "build/preview/client-harbor/handouts-cache"  # kb serve --client harbor's, the same kind
    shutil.copytree(harbor.parent, preview)
    build(root, root / OUT, formats=("pdf",))
    acme = pdf_cache_beside(root / OUT)
    # A client named "north-cache" publishes into build/client-north-cache: an output, not north's cache.
    (root / "clients/north-cache.yml").write_text("name: North\n")
    output = root / "build/client-north-cache"
    (output / "pdf").mkdir(parents=True)
    (output / "pdf/north-cache-user.pdf").write_bytes(b"%PDF-1.7\n")
    (output / ".kb-output").write_text("a build's\n")

    assert prune_gone_clients(root) == []  # every profile is there
    profile = root / "clients/harbor.yml"
    text = profile.read_text(encoding="utf-8")
    profile.unlink()
    with locked(harbor.parent):  # a build of harbor runs (its profile came back meanwhile): left alone
        assert prune_gone_clients(root) == ["harbor"]  # the preview's cache, which nobody holds
    assert harbor.is_dir() and not (preview / "pdf").exists()
    assert prune_gone_clients(root) == ["harbor"]
    assert not harbor.exists() and harbor.parent.is_dir()  # only the handouts: the engine's cache is not ours
    assert entries(acme) == ["acme-training.json", "acme-training.pdf", "acme-user.json", "acme-user.pdf"]
    assert (output / "pdf/north-cache-user.pdf").is_file()
    profile.write_text(text, encoding="utf-8")
    assert prune_gone_clients(root) == []


def test_kb_build_all_clients_removes_the_handouts_kept_for_a_removed_client(make_project, run_kb):
    root = make_project("clients", files={"clients/gone.yml": "name: Gone Client\nmodules: [scheduling]\n"})
    build(root, root / "build" / "client-gone", slug="gone", formats=("pdf",))
    kept = pdf_cache_beside(root / "build" / "client-gone")
    assert entries(kept)
    (root / "clients/gone.yml").unlink()
    result = run_kb(root, "build", "--all-clients", "--format", "site")
    assert result.exit_code == 0, result.output
    assert "Removed the handouts kept for clients with no profile any more: gone" in result.output
    assert not kept.exists()
