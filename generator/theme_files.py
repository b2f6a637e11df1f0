"""kb's theme and a project's overrides of it, as one folder for the engine.

kb ships its theme with the generator (generator/theme/: the templates that put the case link, the version
switcher and the portal's search on every page, their scripts and kb-theme.css). A project's `overrides/`
holds its brand (kb.css, the logo) and any file of the theme it changes: a file there wins over kb's file of
the same name. MkDocs takes one custom_dir, so staging copies both into the staged project's theme/ folder.
A project made by `kb init` thus gets kb's theme as kb improves, rather than a copy frozen on the day."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

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


def theme_listing(env: Any) -> Callable[..., list[str]]:
    """`env.list_templates`, with MkDocs' listing of the theme's static files taken without descending into
    hidden folders. Material's `.icons` holds 14,000 of its 14,500 files, and MkDocs' filter turns down every
    name with a part starting with a dot after walking and matching each of them (0.05 s of every build);
    skipping those folders gives the same list. Any other listing, or a loader kb does not know, is the
    environment's own."""
    own = env.list_templates
    loader = env.loader

    def list_templates(extensions: Any = None, filter_func: Callable[[str], bool] | None = None) -> list[str]:
        if not (isinstance(loader, jinja2.FileSystemLoader) and _is_mkdocs_theme_filter(filter_func)):
            return own(extensions, filter_func)
        return [name for name in _visible_names(loader) if filter_func(name)]

    return list_templates


def _is_mkdocs_theme_filter(filter_func: Callable[[str], bool] | None) -> bool:
    # MkDocs' own filter (by where its code is), and it turns down hidden names at the top and further in:
    # if a later MkDocs changes either, the full listing is used.
    return (
        filter_func is not None
        and getattr(filter_func, "__module__", None) == "mkdocs.structure.files"
        and getattr(filter_func, "__qualname__", None) == "Files.add_files_from_theme.<locals>.filter"
        and not filter_func(".hidden/name.svg")
        and not filter_func("folder/.hidden/name.svg")
        and not filter_func(".name.css")
    )


def _visible_names(loader: jinja2.FileSystemLoader) -> list[str]:
    """What `loader.list_templates()` lists, less the files inside hidden folders."""
    found: set[str] = set()
    for searchpath in loader.searchpath:
        for top, dirs, names in os.walk(searchpath, followlinks=loader.followlinks):
            dirs[:] = [name for name in dirs if not name.startswith(".")]
            folder = os.path.relpath(top, searchpath).replace(os.sep, "/")
            prefix = "" if folder == "." else f"{folder}/"
            found.update(prefix + name for name in names)
    return sorted(found)
