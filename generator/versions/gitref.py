"""A version's sources, read from its git ref with git plumbing into a folder of their own; and what the
release notes read from git (files changed between two refs, a file's text at a ref).

`git archive` reads the ref's tree straight from the object database: the working tree, the index and
HEAD are never touched, so a writer's uncommitted edits stay as they are while an old version builds.
Only the project's sources are taken (SOURCES); the generator and the theme (overrides/) are today's, so
every version gets today's fixes, switcher and notices. The folder is kept and reused while the ref's tree
(its id, which changes with any file in it) is the same: an unchanged version is not extracted again."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import KbError
from ..yamlfile import YamlProblems, parse_yaml
from .model import ProductVersion

# What a version's build reads from its ref (a project root's files and folders); anything else is today's.
SOURCES = ("product.yml", "contexts.yml", "mkdocs.yml", "kb", "docs", "snippets", "clients", "demo")
TREE_MARK = ".kb-tree"  # in an extracted folder: the tree id it holds, and the theme's digest


@dataclass(frozen=True)
class VersionSources:
    """A version's sources on disk: `root` is a project root holding the ref's files; `tree` the ref's tree id."""

    version: ProductVersion
    root: Path
    tree: str
    extracted: bool  # False: the folder from an earlier build was reused


def _where(root: Path, version: ProductVersion) -> str:
    """product.yml:<line> of the version's ref, for errors the writer fixes there."""
    try:
        doc = parse_yaml((root / "product.yml").read_text(encoding="utf-8"), "product.yml")
        line = doc.line_of("versions", version.name, "ref") or doc.line_of("versions", version.name)
    except (OSError, YamlProblems):  # only for the line number; the file was loaded and checked already
        line = 0
    return f"product.yml:{line}" if line else "product.yml"


def _git(root: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}  # read only: no index refresh
    try:
        return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=not binary, check=False)
    except FileNotFoundError:
        raise KbError("git is not installed here; versions and release notes are read from git") from None


def commit_of(root: Path, ref: str) -> str | None:
    """The commit id `ref` names in the repository at `root`, or None when it names none."""
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    return found.stdout.strip() or None if found.returncode == 0 else None


def changed_files(root: Path, old: str, new: str | None, folders: tuple[str, ...]) -> list[tuple[str, str]]:
    """(status, path) for each file under `folders` that differs from `old` to `new` (None: the working
    tree, its new files not yet added to git included): A added, M changed, D deleted. Renames are a
    deletion and an addition, so a moved page is judged at its new path."""
    args = ["diff", "--name-status", "--no-renames", "-z", old, *([new] if new else []), "--", *folders]
    diff = _git(root, *args, binary=True)
    if diff.returncode != 0:
        raise KbError(f"git diff {old} {new or '(working tree)'}: {diff.stderr.decode(errors='replace').strip()}")
    fields = diff.stdout.decode("utf-8", errors="replace").split("\0")
    changes = [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]
    if new is None:
        untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *folders, binary=True)
        changes += [("A", path) for path in untracked.stdout.decode("utf-8", errors="replace").split("\0") if path]
    return sorted(changes, key=lambda change: change[1])


def read_at(root: Path, ref: str | None, path: str) -> str | None:
    """The text of `path` at `ref` (None: the working tree), or None when it is not there."""
    if ref is None:
        file = root / path
        return file.read_text(encoding="utf-8", errors="replace") if file.is_file() else None
    shown = _git(root, "show", f"{ref}:{path}", binary=True)
    return shown.stdout.decode("utf-8", errors="replace") if shown.returncode == 0 else None


def resolve_tree(root: Path, version: ProductVersion) -> str:
    """The id of the tree the version's ref holds for this project (its folder within the repository)."""
    where = _where(root, version)
    if not version.ref:
        raise KbError(
            f"{where}: version {version.name} has no 'ref'; expected the commit id, tag or branch of its sources"
        )
    if shutil.which("git") is None:
        raise KbError(f"{where}: version {version.name} is read from git, and git is not installed here")
    prefix = _git(root, "rev-parse", "--show-prefix")
    if prefix.returncode != 0:
        raise KbError(
            f"{where}: version {version.name}: the project is not in a git repository; "
            f"expected one holding ref {version.ref!r}"
        )
    folder = prefix.stdout.strip()
    commit = commit_of(root, version.ref)
    if commit is None:
        raise KbError(
            f"{where}: version {version.name}: ref {version.ref!r} is not a commit of this repository; expected a "
            "commit id, tag or branch it has (a tag may be missing from a clone: `git fetch --tags`)"
        )
    tree = _git(root, "rev-parse", "--verify", "--quiet", f"{commit}:{folder}")
    if tree.returncode != 0:
        raise KbError(
            f"{where}: version {version.name}: ref {version.ref!r} has no folder {folder!r}; expected the project there"
        )
    return tree.stdout.strip()


def load_version_sources(root: Path, version: ProductVersion, dest: Path) -> VersionSources:
    """The version's sources in `dest`, with today's theme (overrides/) beside them, replaced when the ref's
    tree or the theme changed; KbError naming product.yml's line when git or the ref is missing."""
    from ..engine_keys import code_key

    tree = resolve_tree(root, version)
    made_from = f"{tree} {code_key(root / 'overrides')}"
    mark = dest / TREE_MARK
    if mark.is_file() and mark.read_text(encoding="utf-8").strip() == made_from:
        return VersionSources(version, dest, tree, extracted=False)
    dest.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{dest.name}.new-", dir=dest.parent))
    try:
        _extract(root, version, tree, scratch)
        if (root / "overrides").is_dir():
            shutil.copytree(root / "overrides", scratch / "overrides")
        (scratch / TREE_MARK).write_text(made_from + "\n", encoding="utf-8")
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(scratch, dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return VersionSources(version, dest, tree, extracted=True)


def _extract(root: Path, version: ProductVersion, tree: str, into: Path) -> None:
    listing = _git(root, "ls-tree", "-z", "--name-only", tree)
    if listing.returncode != 0:
        raise KbError(f"{_where(root, version)}: version {version.name}: git could not list {version.ref!r}")
    names = [name for name in listing.stdout.split("\0") if name in SOURCES]
    if "product.yml" not in names:
        raise KbError(
            f"{_where(root, version)}: version {version.name}: ref {version.ref!r} has no product.yml; "
            "expected the project's sources at that commit"
        )
    archive = _git(root, "archive", "--format=tar", tree, "--", *names, binary=True)
    if archive.returncode != 0:
        message = archive.stderr.decode("utf-8", "replace").strip()
        raise KbError(f"{_where(root, version)}: version {version.name}: git archive failed: {message}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")  # no absolute paths, links out of the folder or devices
