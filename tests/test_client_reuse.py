"""`kb build --all-clients` shares the loaded sources and the imported pipeline between the clients' builds;
what each client gets must still be exactly its own build: every file of each client's output is the one
`kb build --client` makes on its own, byte for byte, and its search index holds the same documents. A
reuse that carried one client's page, term, branding or handout into another's build fails here, as does
one that carried anything from the client built before in the same process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_root
from test_clients import CLIENTS, MARKERS, PRIVATE, holders, squeezed_texts, whoosh_text

# MkDocs stamps the gzipped sitemap with the build's time unless told which time to use.
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "NO_MKDOCS_2_WARNING": "1"}


def kb(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(root), "build", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env=ENV,
    )


def output_of(root: Path, slug: str) -> dict[str, bytes]:
    out = root / "build" / f"client-{slug}"
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    files["(search index)"] = " ".join(sorted(whoosh_text(out.with_name(out.name + "-search")).split())).encode()
    return files


@pytest.fixture(scope="module")
def together_and_alone(tmp_path_factory) -> tuple[Path, dict[str, dict[str, bytes]], dict[str, dict[str, bytes]]]:
    root = copy_root("clients", tmp_path_factory.mktemp("reuse") / "project")
    run = kb(root, "--all-clients", "--jobs", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    together = {slug: output_of(root, slug) for slug in CLIENTS}
    alone = {}
    for slug in CLIENTS:
        run = kb(root, "--client", slug)
        assert run.returncode == 0, run.stdout + run.stderr
        alone[slug] = output_of(root, slug)
    return root, together, alone


@pytest.mark.parametrize("slug", CLIENTS)
def test_all_clients_gives_each_client_exactly_its_own_build(together_and_alone, slug):
    _, together, alone = together_and_alone
    assert sorted(together[slug]) == sorted(alone[slug])
    different = [name for name in alone[slug] if together[slug][name] != alone[slug][name]]
    assert different == []
    assert any(name.endswith(".pdf") for name in alone[slug]), "the handouts are compared too"


@pytest.mark.parametrize("slug", CLIENTS)
def test_no_client_output_holds_another_clients_private_content_after_reuse(together_and_alone, slug):
    root, _, _ = together_and_alone
    texts = squeezed_texts(root / "build" / f"client-{slug}")
    assert holders(texts, MARKERS[slug]), "the client's own private article is in its build"
    for other in CLIENTS:
        if other != slug:
            assert {needle: holders(texts, needle) for needle in PRIVATE[other]} == dict.fromkeys(PRIVATE[other], [])
