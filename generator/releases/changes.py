"""What changed in a version's sources since the previous version: the public articles and chapters added
or changed (titles from their front matter at each side) and the screens added to contexts.yml. Only what
every reader of the version may see: a page private to a client, internal, not validated, or not for this
version (`versions:`) is not a change anyone outside the team hears of."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import schema
from ..model import BOOKS, is_release_notes
from ..page_parse import split_front_matter
from ..versions.gitref import changed_files, read_at
from ..versions.spec import SpecError, parse_spec
from ..yamlfile import YamlProblems, parse_yaml

SOURCE_FOLDERS = ("kb", *(f"docs/{book}" for book in BOOKS))


@dataclass(frozen=True)
class PageChange:
    src_uri: str
    added: bool  # False: changed
    title: str
    old_title: str | None  # its title at the previous version, when it differs
    module: str | None

    @property
    def is_article(self) -> bool:
        return self.src_uri.startswith("kb/")


@dataclass(frozen=True)
class Screen:
    id: str
    title: str
    module: str


def public_front_matter(text: str | None, path: str, version: str) -> dict | None:
    """The page's validated front matter when every reader of `version` may see it, else None."""
    if text is None:
        return None
    split = split_front_matter(text.lstrip("\ufeff"))
    if split is None:
        return None
    try:
        doc = parse_yaml(split[0], path, first_line=2)
    except YamlProblems:
        return None
    if not isinstance(doc.data, dict):
        return None
    values, problems = schema.validate(doc, schema.FRONT_MATTER, path)
    if any(problem.is_error for problem in problems):
        return None
    confidence = values.get("confidence") or ("validated" if not path.startswith("kb/") else None)
    if values["audience"] != "public" or values["clients"] or confidence != "validated":
        return None
    if doc.data.get("versions") is not None:
        try:
            if not parse_spec(doc.data["versions"]).matches(version):
                return None
        except SpecError:
            return None
    return values


def page_changes(root: Path, version: str, old_ref: str, new_ref: str | None) -> list[PageChange]:
    """The public pages added or changed from `old_ref` to `new_ref` (None: the working tree), by path."""
    found = []
    for status, path in changed_files(root, old_ref, new_ref, SOURCE_FOLDERS):
        if status not in ("A", "M") or not path.endswith(".md") or is_release_notes(path):
            continue
        if path.startswith("kb/") and path.endswith("/index.md"):
            continue
        new = public_front_matter(read_at(root, new_ref, path), path, version)
        if new is None:
            continue
        old = public_front_matter(read_at(root, old_ref, path), path, version) if status == "M" else None
        old_title = old["title"] if old and old["title"] != new["title"] else None
        found.append(PageChange(path, old is None, new["title"], old_title, new.get("module")))
    return found


def _screens(text: str | None) -> dict[str, tuple[str, str]]:
    if text is None:
        return {}
    try:
        data = parse_yaml(text, "contexts.yml").data
    except YamlProblems:
        return {}
    contexts = data.get("contexts") if isinstance(data, dict) else None
    if not isinstance(contexts, dict):
        return {}
    return {
        str(key): (str(value.get("title", key)), str(value.get("module", "")))
        for key, value in contexts.items()
        if isinstance(value, dict)
    }


def added_screens(root: Path, old_ref: str, new_ref: str | None) -> list[Screen]:
    """Screens in contexts.yml at `new_ref` that were not there at `old_ref`, by ID."""
    old, new = _screens(read_at(root, old_ref, "contexts.yml")), _screens(read_at(root, new_ref, "contexts.yml"))
    return [Screen(key, *new[key]) for key in sorted(new) if key not in old]
