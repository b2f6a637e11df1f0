"""kb's theme and a project's overrides of it, as one folder for the engine.

kb ships its theme with the generator (generator/theme/: the templates that put the case link, the version
switcher and the portal's search on every page, their scripts and kb-theme.css). A project's `overrides/`
holds its brand (kb.css, the logo) and any file of the theme it changes: a file there wins over kb's file of
the same name. MkDocs takes one custom_dir, so staging copies both into the staged project's theme/ folder.
A project made by `kb init` thus gets kb's theme as kb improves, rather than a copy frozen on the day."""

from __future__ import annotations

import os
from pathlib import Path

THEME = Path(__file__).resolve().parent / "theme"
THEME_CSS = "assets/kb-theme.css"  # before the project's own extra_css, which may override it
PROJECT_THEME = "overrides"


def theme_files(root: Path) -> dict[str, Path]:
    """{path in the theme folder: the file to stage there}: kb's theme, then the project's overrides over it."""
    files = _files_under(THEME)
    files.update(_files_under(root / PROJECT_THEME))
    return files


def _files_under(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = Path(top, name)
            found[path.relative_to(folder).as_posix()] = path
    return found
