"""`kb serve`: the real command in a subprocess; an edit shows up in the served page without a restart."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def served(make_project):
    root = make_project("basic")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(root), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield root, f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_serve_shows_an_edit_without_a_restart(served):
    root, base = served
    page = f"{base}/kb/scheduling/gantt-empty/"
    assert wait_for(lambda: "Gantt chart shows no bars" in (fetch(page) or ""), 30), "kb serve did not start"
    assert "livereload" in fetch(page)

    article = root / "kb/scheduling/gantt-empty.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("Imports do not recalculate.", "EDITED-WHILE-SERVING"),
        encoding="utf-8",
    )
    assert wait_for(lambda: "EDITED-WHILE-SERVING" in (fetch(page) or ""), 20)


def test_serve_keeps_the_last_good_build_when_a_source_breaks(served):
    root, base = served
    page = f"{base}/kb/scheduling/gantt-empty/"
    assert wait_for(lambda: "Gantt chart shows no bars" in (fetch(page) or ""), 30)
    (root / "kb/scheduling/gantt-empty.md").write_text("---\nid: [broken\n---\n", encoding="utf-8")
    time.sleep(2)
    assert "Gantt chart shows no bars" in (fetch(page) or "")
