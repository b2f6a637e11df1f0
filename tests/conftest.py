"""Shared fixtures: sample projects copied from tests/roots/ (Sphinx style), and the `kb` command run
in-process through click's CliRunner."""

from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.build import build_target, render_target
from generator.cli import cli
from generator.model import SITE, TARGETS
from generator.progress import SilentReporter
from generator.search import documents_for

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
ROOTS = TESTS / "roots"


def copy_root(
    name: str, dest: Path, files: Mapping[str, str | bytes] | None = None, remove: Iterable[str] = ()
) -> Path:
    """Copy tests/roots/<name>/ to `dest`, with the repository's mkdocs.yml and overrides/ unless the root
    has its own; write `files` (str as UTF-8 text, bytes as they are), delete `remove`; return `dest`."""
    shutil.copytree(ROOTS / name, dest, symlinks=True)
    if not (dest / "mkdocs.yml").exists():
        shutil.copyfile(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    if not (dest / "overrides").exists():
        shutil.copytree(REPO / "overrides", dest / "overrides")
    for rel, content in (files or {}).items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for rel in remove:
        path = dest / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    return dest


@pytest.fixture
def settled(monkeypatch):
    """Every file counts as changed long enough before it is read (a project written just now does not):
    the pages' texts are kept in the memo by their files' state (source_files.SETTLED_NS)."""
    import generator.source_files

    monkeypatch.setattr(generator.source_files, "SETTLED_NS", -3600 * 10**9)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """make_project("basic", files={"kb/x.md": "..."}, remove=["kb/..."]) -> tmp_path/"project"."""

    def make(name: str = "basic", files: Mapping[str, str | bytes] | None = None, remove: Iterable[str] = ()) -> Path:
        return copy_root(name, tmp_path / "project", files, remove)

    return make


@pytest.fixture
def run_kb() -> Callable[..., Result]:
    """run_kb(root, "check", "--strict") runs `kb --root ROOT check --strict`; root None omits --root.

    `kb` exits through sys.exit (1 for anything the user can fix), which the runner turns into
    `exit_code`. Any other exception is a bug: it is not caught, so the test fails with its traceback."""
    runner = CliRunner()

    def run(root: Path | str | None, *args: str) -> Result:
        argv = [*(["--root", str(root)] if root is not None else []), *args]
        return runner.invoke(cli, argv, prog_name="kb", catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def built_basic(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """built_basic("site") -> the output folder of tests/roots/basic built for that target, once per session.

    For tests that only read the output; a test that changes sources uses make_project and builds itself."""
    built: dict[str, Path] = {}

    def get(target: str) -> Path:
        if target not in built:
            root = copy_root("basic", tmp_path_factory.mktemp(f"basic-{target}") / "project")
            built[target] = build_target(root, TARGETS[target], root / "build" / target).out
        return built[target]

    return get


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own sample project (the Meridian help centre, with its demo/) built for `site` into
    a temporary folder, once per session: for the few tests of what a newcomer gets from `make run`."""
    return build_target(REPO, TARGETS["site"], tmp_path_factory.mktemp("sample") / "site").out


@pytest.fixture(scope="session")
def built_client_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project's client Acme (clients/acme.yml) built as `kb build --client acme` builds its site:
    its branding, words, licensed modules and chapters, with the demo screen; once per session."""
    from generator.catalog import load_catalog
    from generator.model import client_target

    profile = load_catalog(REPO).clients["acme"]
    return build_target(REPO, client_target(profile), tmp_path_factory.mktemp("sample-acme") / "client-acme").out


@pytest.fixture
def site_documents(make_project):
    """The search documents of tests/roots/basic's public site, as `kb build` indexes them."""
    rendered = render_target(make_project("basic"), SITE, False, SilentReporter())
    return documents_for(rendered.selection, rendered.pages)


@pytest.fixture(scope="session")
def finishes() -> Callable[..., bool]:
    """finishes(function, *args) runs function(*args) in a child process: True when it returns within a
    minute (linear code needs well under a second), False when it is still running and has been killed.
    A process rather than a timer: a regular expression backtracking in C holds the GIL and never sees
    a signal, so only a process can be stopped."""
    context = multiprocessing.get_context("fork")  # the child needs the function, not a fresh interpreter

    def run(function: Callable[..., object], *args: object, seconds: float = 60) -> bool:
        child = context.Process(target=function, args=args)
        child.start()
        child.join(seconds)
        if child.is_alive():
            child.kill()
            child.join()
            return False
        return child.exitcode == 0

    return run
