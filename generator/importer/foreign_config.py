"""Read someone else's mkdocs.yml: safely, with its tags (!!python/name:, !ENV, ...) read as plain text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import KbError, Problem, SourceError


class _OpaqueTagsLoader(yaml.SafeLoader):
    """The safe loader, plus: a tagged value the safe loader does not know is kept as its text, never
    resolved or run (`!!python/name:material.extensions.emoji.twemoji`, `!ENV [SITE_URL, ...]`)."""


def _opaque(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = yaml.safe_dump(loader.construct_sequence(node, deep=True), default_flow_style=True).strip()
    else:
        value = yaml.safe_dump(loader.construct_mapping(node, deep=True), default_flow_style=True).strip()
    return f"{node.tag} {value}".strip()


_OpaqueTagsLoader.add_multi_constructor("tag:yaml.org,2002:python/", _opaque)
_OpaqueTagsLoader.add_multi_constructor("!", _opaque)


@dataclass(frozen=True)
class ForeignConfig:
    path: Path  # the mkdocs.yml
    site_name: str
    site_url: str | None
    docs_dir: Path
    nav: list | None
    extensions: tuple  # as written: names or {name: options}
    use_directory_urls: bool


def read_foreign_config(path: Path) -> ForeignConfig:
    """The parts of a foreign mkdocs.yml the importer uses; a file that is not YAML is an error at its line."""
    if not path.is_file():
        raise KbError(f"{path}: no such file; expected the mkdocs.yml of the project to import")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = yaml.load(text, Loader=_OpaqueTagsLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 0
        raise SourceError([Problem(str(path), line, f"not valid YAML: {exc.problem}")]) from None
    if not isinstance(data, dict):
        raise SourceError([Problem(str(path), 1, "expected a mapping of keys (site_name:, nav:, ...)")])
    if "INHERIT" in data:  # another file's settings: not read, so the import may miss its nav or extensions
        raise KbError(f"{path}: 'INHERIT: {data['INHERIT']}' is not followed; expected a mkdocs.yml without INHERIT")
    site_url = data.get("site_url")
    nav = data.get("nav")
    return ForeignConfig(
        path=path,
        site_name=str(data.get("site_name") or path.parent.name),
        site_url=site_url if isinstance(site_url, str) and site_url.startswith(("http://", "https://")) else None,
        docs_dir=path.parent / str(data.get("docs_dir") or "docs"),
        nav=nav if isinstance(nav, list) else None,
        extensions=tuple(data.get("markdown_extensions") or ()),
        use_directory_urls=data.get("use_directory_urls", True) is not False,
    )
