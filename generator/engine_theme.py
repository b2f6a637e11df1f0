"""The theme's Jinja2 environment for the site engine (engine.py): kept warm in the process between builds
(`kb serve`), its compiled templates kept in the engine cache's folder for the next process."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The theme's compiled templates, kept from one build to the next in this process (`kb serve`): compiling
# Material's templates is most of a small rebuild. Keyed by the engine key, which holds the theme's
# configuration and every file of its custom_dir, so an edited override gets a new environment.
_warm_envs: dict[tuple[Any, ...], Any] = {}


def theme_env(config: Any, key: str | None, cache_dir: Path | None = None) -> Any:
    """The theme's Jinja2 environment: the one an earlier build in this process made for the same key;
    else a new one whose compiled templates are kept in `cache_dir` for the next process (compiling
    Material's templates was a second of every `kb build`)."""
    if key is None:  # plugins kb does not know may change the environment: a new one every build
        return config.theme.get_env()
    warm = (key, tuple(config.theme.dirs), config.theme.locale)
    if warm not in _warm_envs:
        env = config.theme.get_env()
        if cache_dir is not None:
            env.bytecode_cache = _compiled_templates(cache_dir / "templates", key)
        env.list_templates = _listed_once(env.list_templates, env.loader)
        _warm_envs.clear()  # one project and target at a time: no growth over a long `kb serve`
        _warm_envs[warm] = env
    return _warm_envs[warm]


def _compiled_templates(folder: Path, key: str) -> Any:
    """Jinja2's own cache of compiled templates, in a folder per engine key (the theme's files and
    configuration, kb's code, the libraries' versions): Jinja2 checks each entry against its template's
    source and ignores one it cannot read; the folders of other keys are removed."""
    import jinja2

    folder.mkdir(parents=True, exist_ok=True)
    for other in folder.iterdir():
        if other.name != key:
            shutil.rmtree(other, ignore_errors=True)
    (folder / key).mkdir(exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder / key))


def _listed_once(list_templates: Callable[..., list[str]], loader: Any = None) -> Callable[..., list[str]]:
    """The theme's files, listed once: listing walks the theme's folders, whose files do not change while the
    environment is warm (an edited override makes a new one). MkDocs passes the same filter every build.
    For MkDocs' own filter of the theme's static files, the folders it leaves out whole are not walked
    (_undotted_templates)."""
    listed: dict[Any, list[str]] = {}

    def once(extensions: Any = None, filter_func: Callable[[str], bool] | None = None) -> list[str]:
        key = (extensions, filter_func.__code__ if filter_func else None)
        if key not in listed:
            if extensions is None and _drops_dotted(filter_func) and type(loader).__name__ == "FileSystemLoader":
                listed[key] = [name for name in _undotted_templates(loader) if filter_func(name)]
            else:
                listed[key] = list_templates(extensions, filter_func)
        return listed[key]

    return once


def _drops_dotted(filter_func: Callable[[str], bool] | None) -> bool:
    """Whether `filter_func` is MkDocs' filter of a theme's static files (Files.add_files_from_theme), which
    leaves out every path with a part that starts with a dot (its patterns '.*' and '*/.*'): Material's
    `.icons` folder alone is 14,000 files, each walked and matched against some twenty patterns every build
    (a twentieth of a second). Asked of the filter itself too, so that a MkDocs that keeps such paths gets the
    whole listing; tests/test_engine_theme.py holds the two listings equal."""
    if filter_func is None or getattr(filter_func, "__module__", None) != "mkdocs.structure.files":
        return False
    if getattr(filter_func, "__qualname__", "") != "Files.add_files_from_theme.<locals>.filter":
        return False
    return not any(map(filter_func, (".icons/a.css", "x/.icons/a.css", ".a.js", "x/.a.js")))


def _undotted_templates(loader: Any) -> list[str]:
    """jinja2's FileSystemLoader.list_templates, without the files under folders whose name starts with a dot."""
    found = set()
    for searchpath in loader.searchpath:
        for dirpath, dirnames, filenames in os.walk(searchpath, followlinks=loader.followlinks):
            dirnames[:] = [name for name in dirnames if not name.startswith(".")]
            for filename in filenames:
                template = (
                    os.path.join(dirpath, filename)[len(searchpath) :].strip(os.path.sep).replace(os.path.sep, "/")
                )
                if template[:2] == "./":
                    template = template[2:]
                found.add(template)
    return sorted(found)
