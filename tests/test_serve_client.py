"""`kb serve --client`: the real command in a subprocess, real HTTP requests. The preview is the client's
own help centre (branding, words, private pages, nothing of another client's); a book page links to its
handout, and the link prints it, again after a change."""

from __future__ import annotations

import io
import urllib.error
import urllib.request

import pytest
from conftest import copy_root
from pypdf import PdfReader
from test_serve import fetch, free_port, kb_serve, wait_for


def get(url: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=300) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def pdf_words(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def served_acme(tmp_path):
    root = copy_root("clients", tmp_path / "project")
    with kb_serve(root, "--client", "acme") as base:
        yield root, base


def test_serve_client_previews_the_clients_branded_site_and_prints_a_handout_when_asked(served_acme):
    root, base = served_acme
    assert wait_for(lambda: "Acme Water Authority" in (fetch(f"{base}/") or ""), 180), "kb serve --client did not start"
    home = fetch(f"{base}/")
    assert "Acme Water Authority · " in home  # the client's name in the header
    assert "assets/client-brand.css" in home and "#0b5394" in fetch(f"{base}/assets/client-brand.css")
    assert "MARKER-ACME-c0de" in fetch(f"{base}/kb/scheduling/acme-private/")  # acme's own private article
    gantt = fetch(f"{base}/user/gantt/")
    assert "Every capital job has a Gantt chart." in gantt  # acme's word for "project"
    assert "Harbor City Transit" not in gantt and "MARKER-HARBOR" not in gantt
    assert 'href="../../pdf/acme-user.pdf"' in gantt  # the book page links to its handout...
    assert not list((root / "build").rglob("*.pdf"))  # ...which nothing has printed yet,
    assert [folder.name for folder in (root / "build").iterdir()] == ["preview"]  # and nothing is published

    status, kind, data = get(f"{base}/pdf/acme-user.pdf")  # the link prints it
    assert (status, kind) == (200, "application/pdf")
    words = pdf_words(data)
    assert "Acme Water Authority" in words and "Every capital job has a Gantt chart." in words

    chapter = root / "docs" / "user" / "01-gantt.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nPRINTED-AFTER-THE-EDIT\n", encoding="utf-8")
    assert wait_for(lambda: "PRINTED-AFTER-THE-EDIT" in (fetch(f"{base}/user/gantt/") or ""), 180)
    status, _, data = get(f"{base}/pdf/acme-user.pdf")
    assert status == 200 and "PRINTED-AFTER-THE-EDIT" in pdf_words(data), "the handout is printed again"


def test_serve_client_serves_no_other_clients_handout(served_acme):
    _, base = served_acme
    assert wait_for(lambda: "Acme Water Authority" in (fetch(f"{base}/") or ""), 180), "kb serve --client did not start"
    for name in ("harbor-user.pdf", "..%2Fharbor-user.pdf", "acme-nonsense.pdf"):
        status, kind, _ = get(f"{base}/pdf/{name}")
        assert status == 404 and kind != "application/pdf"


def test_serve_client_needs_a_registered_client(make_project, run_kb):
    root = make_project("basic")
    result = run_kb(root, "serve", "--client", "../acme", "--port", str(free_port()))
    assert result.exit_code == 1
    assert "Error: --client '../acme': no such client profile" in result.output
