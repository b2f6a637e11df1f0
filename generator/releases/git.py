"""What the release notes read from git: the files changed between two refs (or a ref and the working tree)
and a file's text at a ref. Plumbing only; nothing here checks anything out or touches the index."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ..errors import KbError

WORKING_TREE = None  # a side of the comparison that is the working tree, not a ref


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # reading only: never take the index's lock
    try:
        return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, check=False)
    except FileNotFoundError:
        raise KbError("git is not installed; the release notes read what changed from git") from None


def check_ref(root: Path, ref: str) -> None:
    """KbError unless `ref` names a commit of the repository at `root`."""
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if found.returncode != 0:
        raise KbError(f"product.yml: ref {ref!r} is not a commit, tag or branch of the repository at {root}")


def changed_files(root: Path, old: str, new: str | None, folders: tuple[str, ...]) -> list[tuple[str, str]]:
    """(status, path) for each file under `folders` that differs from `old` to `new` (None: the working
    tree, its new files not yet added to git included): A added, M changed, D deleted. Renames are a
    deletion and an addition, so a moved page is judged at its new path."""
    args = ["diff", "--name-status", "--no-renames", "-z", old, *([new] if new else []), "--", *folders]
    diff = _git(root, *args)
    if diff.returncode != 0:
        raise KbError(f"git diff {old} {new or '(working tree)'}: {diff.stderr.decode(errors='replace').strip()}")
    fields = diff.stdout.decode("utf-8", errors="replace").split("\0")
    changes = [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]
    if new is None:
        untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *folders)
        changes += [("A", path) for path in untracked.stdout.decode("utf-8", errors="replace").split("\0") if path]
    return sorted(changes, key=lambda change: change[1])


def read_at(root: Path, ref: str | None, path: str) -> str | None:
    """The text of `path` at `ref` (None: the working tree), or None when it is not there."""
    if ref is None:
        file = root / path
        return file.read_text(encoding="utf-8", errors="replace") if file.is_file() else None
    shown = _git(root, "show", f"{ref}:{path}")
    return shown.stdout.decode("utf-8", errors="replace") if shown.returncode == 0 else None
