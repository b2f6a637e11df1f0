"""`kb serve`: the real command in a subprocess; an edit shows up in the served page without a restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

# A guard against a kb serve that never stops, not a timing.
STOPPED_WITHIN = 60


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


@contextmanager
def kb_serve(root, *args: str, output=subprocess.PIPE) -> Iterator[str]:
    """`kb serve ARGS` of the project at `root` on a free port, in a subprocess (its output into `output`)
    stopped afterwards; yields the base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(root), "serve", *args, "--port", str(port)],
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def served(make_project):
    root = make_project("basic")
    with kb_serve(root) as base:
        yield root, base


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


def test_serve_on_a_port_in_use_is_one_line_and_exit_1(make_project, run_kb, tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    root = make_project("basic")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_kb(root, "serve", "--port", str(port))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: cannot serve on 127.0.0.1:{port}: Address already in use; pass another --port (or --host)"
    ]
    assert list(temporary.iterdir()) == []  # it stopped before building anything


def listening(base: str) -> bool:
    host, port = base.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def serve_in(root, temporary):
    """`kb serve` in a subprocess whose temporary folders go into `temporary`; (process, base URL)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(root), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TMPDIR": str(temporary)},
        # Ctrl+C reaches it as it reaches a command started at a terminal: a test run started in the
        # background by a shell without job control ignores SIGINT, which its children inherit, and Python
        # then leaves it ignored (every stop below then waited in vain).
        preexec_fn=_interruptible,
    )
    return process, f"http://127.0.0.1:{port}"


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "terminate"])
def test_serve_keeps_its_preview_in_build_and_nothing_in_the_temporary_folder(make_project, tmp_path, stop):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    root = make_project("basic")
    process, base = serve_in(root, temporary)
    try:
        assert wait_for(lambda: fetch(f"{base}/kb/scheduling/gantt-empty/") is not None, 30), "kb serve did not start"
        process.send_signal(stop)
        output, _ = process.communicate(timeout=STOPPED_WITHIN)
    finally:
        process.kill()
    assert "Traceback" not in output
    assert list(temporary.iterdir()) == []
    assert (root / "build/preview/internal/site/kb/scheduling/gantt-empty/index.html").is_file()
    # Nothing only the portal reads: no Whoosh index, no script manifest (the theme's search serves the preview).
    assert sorted(p.name for p in (root / "build/preview/internal").iterdir() if "search" in p.name) == []
    assert not (root / "build/preview/internal/site/.kb-scripts.json").exists()
    assert (root / "build/preview/internal/site/search/search_index.json").is_file()


def test_a_second_serve_starts_from_the_first_ones_preview(make_project, tmp_path):
    """The preview and its cache stay in build/preview/: the next `kb serve` renders only what changed since
    (a full build of a large knowledge base took minutes)."""
    root = make_project("basic")
    outputs = []
    for run, edit in enumerate(("", "EDITED-BETWEEN-RUNS")):
        if edit:
            article = root / "kb/scheduling/gantt-empty.md"
            text = article.read_text(encoding="utf-8")
            article.write_text(text.replace("Imports do not recalculate.", edit), encoding="utf-8")
        process, base = serve_in(root, tmp_path)
        try:
            shown = (edit or "Gantt chart shows no bars", f"{base}/kb/scheduling/gantt-empty/")
            assert wait_for(lambda shown=shown: shown[0] in (fetch(shown[1]) or ""), 30), run
            process.send_signal(signal.SIGINT)
            outputs.append(process.communicate(timeout=STOPPED_WITHIN)[0])
        finally:
            process.kill()
    assert "Site: 1 pages rendered" not in outputs[0]
    assert "Site: 1 pages rendered" in outputs[1], outputs[1]


def test_serve_builds_in_a_temporary_folder_where_build_cannot_be_written(make_project, tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    root = make_project("basic")
    (root / "build").write_text("not a folder: nothing can be made under it\n", encoding="utf-8")
    process, base = serve_in(root, temporary)
    try:
        assert wait_for(lambda: fetch(f"{base}/kb/scheduling/gantt-empty/") is not None, 30), "kb serve did not start"
        assert list(temporary.iterdir()), "kb serve builds into a temporary folder"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=STOPPED_WITHIN)
    finally:
        process.kill()
    assert "Traceback" not in output
    assert list(temporary.iterdir()) == []


def test_serve_leaves_no_temporary_folder_after_a_build_error(make_project, tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    root = make_project("basic", files={"kb/scheduling/gantt-empty.md": "---\nid: [broken\n---\n"})
    process, base = serve_in(root, temporary)
    try:
        assert wait_for(lambda: listening(base), 30), "kb serve did not start"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=STOPPED_WITHIN)
    finally:
        process.kill()
    assert "kb/scheduling/gantt-empty.md:3: invalid YAML" in output
    assert "Traceback" not in output
    assert list(temporary.iterdir()) == []


def test_the_first_save_after_a_first_serve_is_made_in_the_site_kept_at_the_start(served):
    """A project's first `kb serve` makes its site from nothing; the copy of it it keeps (hard links) is the one
    the first save's rebuild is made in, as every later save's is in the site the one before replaced."""
    root, base = served
    page = f"{base}/kb/scheduling/gantt-empty/"
    assert wait_for(lambda: "Gantt chart shows no bars" in (fetch(page) or ""), 30), "kb serve did not start"
    site, kept = root / "build/preview/internal/site", root / "build/preview/internal/site-cache/previous-site"
    folder = "kb/scheduling/gantt-empty"
    assert (kept / folder / "index.html").samefile(site / folder / "index.html")
    kept_folder = (kept / folder).stat().st_ino
    article = root / "kb/scheduling/gantt-empty.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("Imports do not recalculate.", "EDITED-WHILE-SERVING"),
        encoding="utf-8",
    )
    assert wait_for(lambda: "EDITED-WHILE-SERVING" in (fetch(page) or ""), 20)
    assert (site / folder).stat().st_ino == kept_folder
