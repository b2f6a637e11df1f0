"""`kb init`: a new, empty project that checks and builds, from the generator's skeleton."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from .errors import KbError

# The skeleton's files by their place in the new project; `gitignore` is stored without its dot so that
# packaging tools do not treat it as the generator's own.
_RENAMED = {"gitignore": ".gitignore"}


def skeleton_files() -> dict[str, bytes]:
    """{path in the new project: content} for every file of the skeleton."""
    with as_file(files("generator") / "skeleton") as folder:
        found = {}
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                name = path.relative_to(folder).as_posix()
                found[_RENAMED.get(name, name)] = path.read_bytes()
        return found


def init_project(folder: Path, force: bool = False) -> list[str]:
    """Write the skeleton into `folder`; return the files written. A folder that already holds files is
    refused unless `force`, and even then no existing file is overwritten (they are left out and kept)."""
    if folder.exists() and not folder.is_dir():
        raise KbError(f"{folder}: not a folder; expected a new or empty folder for the project")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise KbError(
            f"{folder}: the folder is not empty; expected a new or empty folder "
            "(--force adds the missing files and keeps every existing one)"
        )
    written = []
    for name, content in skeleton_files().items():
        path = folder / name
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as handle:
            handle.write(content)
        written.append(name)
    return written
