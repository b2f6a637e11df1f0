"""Check the project's mkdocs.yml as strictly as the other sources: plain YAML, known shapes, extensions and
plugins that are installed, and no Python tags (kb configures what needs them itself)."""

from __future__ import annotations

import functools
import importlib.util
from importlib.metadata import distributions
from typing import Any

from .errors import Problem
from .yamlfile import YamlDoc

NAME = "mkdocs.yml"
# Set by `kb build` for every target: a value in mkdocs.yml would be replaced without a word.
OWNED_BY_KB = {
    "docs_dir": "kb stages the pages of each target itself",
    "site_dir": "kb build --out says where the site goes",
    "nav": "kb builds the navigation from kb/ and the books' chapter order",
}
# What a `!!python/name:` tag in a copied recipe was for, and what to do instead: kb adds these itself.
_NATIVE = (
    ("fence_code_format", "kb configures Mermaid itself: remove the custom fence (```mermaid works as it is)"),
    ("fence_div_format", "kb configures Mermaid itself: remove the custom fence (```mermaid works as it is)"),
    ("emoji", "kb configures icons and emoji itself: remove the emoji_index and emoji_generator options"),
    ("arithmatex", "kb configures math itself: remove the Python tag"),
)


def check_mkdocs_file(doc: YamlDoc) -> list[Problem]:
    """Problems in a parsed mkdocs.yml: its shape, keys kb owns, extensions and plugins that are missing."""
    data = doc.data
    if not isinstance(data, dict):
        return [Problem(NAME, doc.first_line, "expected a mapping of settings (site_name: ..., theme: ...)")]
    problems = [
        Problem(NAME, doc.line_of(key), f"'{key}' is ignored: {why}; expected it removed", severity="warning")
        for key, why in OWNED_BY_KB.items()
        if key in data
    ]
    for key, kind in (("site_name", str), ("site_url", str), ("extra", dict), ("validation", dict)):
        if key in data and data[key] is not None and not isinstance(data[key], kind):
            problems.append(Problem(NAME, doc.line_of(key), f"'{key}': expected {_KIND_WORDS[kind]}"))
    theme = data.get("theme")
    if theme is not None and not isinstance(theme, (str, dict)):
        problems.append(Problem(NAME, doc.line_of("theme"), "'theme': expected a mapping (name: material, ...)"))
    problems += _check_named_list(doc, "markdown_extensions", _extension_installed, "markdown extension")
    problems += _check_named_list(doc, "plugins", _plugin_installed, "MkDocs plugin")
    return problems


def python_tag_problem(problem: Problem) -> Problem:
    """A YAML tag problem in mkdocs.yml, said as what kb offers instead of the tag."""
    if "'!!python/" not in problem.message:
        return problem
    for hint, message in _NATIVE:
        if hint in problem.message:
            return Problem(problem.path, problem.line, f"a Python tag is not allowed: {message}")
    message = "a Python tag is not allowed: kb runs no code named in mkdocs.yml; expected plain values"
    return Problem(problem.path, problem.line, message)


_KIND_WORDS = {str: "a text", dict: "a mapping"}


def _check_named_list(doc: YamlDoc, key: str, installed, what: str) -> list[Problem]:
    entries = doc.data.get(key)
    if entries is None:
        return []
    if not isinstance(entries, list):
        return [Problem(NAME, doc.line_of(key), f"'{key}': expected a list of names (- name, or - name: options)")]
    problems = []
    for index, entry in enumerate(entries):
        name = _entry_name(entry)
        line = doc.line_of(key, index)
        if name is None:
            problems.append(
                Problem(NAME, line, f"'{key}': expected a name, or one name with its options (- name: {{...}})")
            )
        elif not installed(name):
            problems.append(
                Problem(NAME, line, f"{what} '{name}' is not available to kb; expected it removed, or installed")
            )
    return problems


def _entry_name(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and len(entry) == 1:
        name, options = next(iter(entry.items()))
        if isinstance(name, str) and (options is None or isinstance(options, dict)):
            return name
    return None


def _entry_point_names(group: str) -> frozenset[str]:
    """The names registered for `group`."""
    return _entry_points_by_group().get(group, frozenset())


@functools.cache
def _entry_points_by_group() -> dict[str, frozenset[str]]:
    """The names registered for each group, read once per process: reading every installed package's metadata
    took a tenth of each rebuild of `kb serve`, for a list that does not change while kb runs. Every group in
    one reading: each group asked for read them all (two groups, 0.015 s of every build)."""
    names: dict[str, set[str]] = {}
    for distribution in distributions():  # as entry_points() reads them, in every Python kb runs on
        for ep in distribution.entry_points:
            names.setdefault(ep.group, set()).add(ep.name)
    return {group: frozenset(found) for group, found in names.items()}


def _extension_installed(name: str) -> bool:
    """Python-Markdown's own short names (abbr, toc), registered names, or an importable module."""
    if name in _entry_point_names("markdown.extensions"):
        return True
    module = name.split(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package that is missing, or a name like '.x'
        return False


def _plugin_installed(name: str) -> bool:
    return name in _entry_point_names("mkdocs.plugins")
