"""Run an import: lay the planned pages out in the project, write them, copy their files, keep the manifest."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from slugify import slugify

from ..catalog import load_catalog
from ..errors import KbError, Problem
from ..model import without_order_prefixes
from ..scaffold import next_article_id, next_order_number, next_page_ids, page_text
from .extensions import carry_extensions, extension_name
from .foreign_config import ForeignConfig, read_foreign_config
from .manifest import digest, load_manifest, save_manifest
from .plan import PlannedPage, page_title, plan_import, split_source
from .relink import Places, relink

# Front matter of the source's pages that kb keeps (under its own name); any other key is reported.
CARRIED_KEYS = {"title": "title", "description": "summary", "tags": "tags"}
# MkDocs' own keys that only steer the source's theme: dropped without a word.
DROPPED_KEYS = {"template", "hide", "search", "status", "icon", "subtitle", "comments"}


@dataclass
class ImportResult:
    into: str  # docs/user or kb/<module>
    written: dict[str, list[str]] = field(default_factory=dict)  # status -> project files
    assets: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)  # the index.md of each new section
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # what needs a person, at file:line


@dataclass(frozen=True)
class Where:
    """The import's destination: a book's chapters, or a module's articles."""

    book: str | None
    module: str | None

    @property
    def folder(self) -> str:
        return f"docs/{self.book}" if self.book else f"kb/{self.module}"


def import_mkdocs(root: Path, config_path: Path, where: Where, today: dt.date) -> ImportResult:
    """Import the project of `config_path` into `root`; a second run updates what the first wrote."""
    catalog = load_catalog(root)
    if where.module and where.module not in catalog.product.modules:
        known = ", ".join(catalog.product.modules)
        raise KbError(f"--module {where.module!r}: unknown module; expected one of {known}")
    config = read_foreign_config(config_path)
    if not config.docs_dir.is_dir():
        raise KbError(f"{config_path}: its docs folder {config.docs_dir.name}/ does not exist")
    plan = plan_import(config)
    manifest = load_manifest(root)
    key = f"{config.site_name} -> {where.folder}"
    previous = manifest.get(key, {}).get("pages", {})
    dests = _layout(root, plan.pages, where, previous)
    ids = _new_ids(catalog, where)
    result = ImportResult(where.folder, notes=list(plan.notes))
    places = Places(config, dests, where.folder)
    record = {}
    sections = _sections(dests, plan.pages) if where.book else {}
    for planned in plan.pages:
        folder = sections.pop(planned.section, None)
        if (
            folder and f"{folder}/index.md" not in dests.values() and not (root / folder / "index.md").exists()
        ):  # the nav's word for it, not the folder's
            index = page_text({"id": next(ids), "title": planned.section}, f"# {planned.section}\n")
            _write(root / folder / "index.md", index.encode("utf-8"), None)
            result.sections.append(f"{folder}/index.md")
        text = (config.docs_dir / planned.source).read_text(encoding="utf-8", errors="replace")
        meta, body = split_source(text)
        body = body.lstrip("\n")  # the front matter is followed by one blank line, the source's or not
        dest = dests[planned.source]
        before = previous.get(planned.source, {})
        front = _front_matter(planned, meta, body, before.get("id") or next(ids), where)
        head = page_text(front, "")
        relinked = relink(planned.source, dest, body, places)
        offset = head.count("\n")
        result.problems += [Problem(dest, offset + line, message, "warning") for line, message in relinked.problems]
        result.problems += _leftovers(meta, dest)
        result.problems += _unsupported_lines(relinked.body, dest, offset, config)
        content = (head + relinked.body).encode("utf-8")
        status = _write(root / dest, content, before.get("sha256"))
        result.written.setdefault(status, []).append(dest)
        record[planned.source] = {"file": dest, "id": front["id"], "sha256": before.get("sha256") or digest(content)}
        if status in ("new", "updated"):
            record[planned.source]["sha256"] = digest(content)
        for source_file, dest_file in relinked.assets.items():
            copied = _copy(config.docs_dir / source_file, root / dest_file)
            if copied is None:
                result.notes.append(f"{dest_file}: a different file is already there; kept it, not {source_file}")
            elif copied:
                result.assets.append(dest_file)
    result.notes += carry_extensions(root / "mkdocs.yml", config.extensions)
    manifest[key] = {"pages": {**previous, **record}}
    save_manifest(root, manifest)
    return result


def _layout(root: Path, pages: tuple[PlannedPage, ...], where: Where, previous: dict) -> dict[str, str]:
    """{source: project file}: a page imported before keeps its file; a new one takes the next number of
    its folder (a section's folder is the one its pages went to before, else a new NN-section/)."""
    folder = root / where.folder
    dests: dict[str, str] = {}
    if where.module:
        taken = {p.name for p in folder.glob("*.md")} if folder.is_dir() else set()
        for planned in pages:
            if planned.source in previous:
                dests[planned.source] = previous[planned.source]["file"]
                continue
            path = Path(planned.source).with_suffix("")  # index.md is reserved in kb/: setup/index -> setup
            stem = slugify((path.parent if path.name == "index" else path).as_posix(), max_length=60) or "home"
            name = next(f"{stem}{n or ''}.md" for n in itertools.count() if f"{stem}{n or ''}.md" not in taken)
            taken.add(name)
            dests[planned.source] = f"{where.folder}/{name}"
        return dests
    numbers = {where.folder: next_order_number(folder)}  # chapters and sections share the book's numbers
    sections: dict[str, str] = {}
    used: dict[str, set[str]] = {}
    for planned in pages:  # the sections' folders first: those of pages imported before
        if planned.section and planned.source in previous:
            sections.setdefault(planned.section, previous[planned.source]["file"].rsplit("/", 1)[0])
    for planned in pages:
        if planned.source in previous:
            dests[planned.source] = previous[planned.source]["file"]
            continue
        parent = where.folder
        if planned.section:
            if planned.section not in sections:
                sections[planned.section] = _free_name(
                    root, where.folder, numbers[where.folder], planned.section, "", used
                )
                numbers[where.folder] += 1
            parent = sections[planned.section]
            index = f"{parent}/index.md"
            if Path(planned.source).name == "index.md" and index not in dests.values():
                dests[planned.source] = index  # the group's own page (Material's navigation.indexes)
                continue
        if parent not in numbers:
            numbers[parent] = next_order_number(root / parent)
        source = Path(planned.source)  # an index.md is named for its folder: index.md is the book's own page
        title = planned.title or (source.parent.name or "home" if source.stem == "index" else source.stem)
        dests[planned.source] = _free_name(root, parent, numbers[parent], title, ".md", used)
        numbers[parent] += 1
    return dests


def _free_name(root: Path, parent: str, number: int, title: str, suffix: str, used: dict[str, set[str]]) -> str:
    """parent/NN-slug[suffix], the slug made unique among the folder's addresses (its names without their
    prefixes): a second 'Advanced' section would publish at the first one's address."""
    if parent not in used:
        folder = root / parent
        names = (p.name.removesuffix(".md") for p in folder.iterdir()) if folder.is_dir() else ()
        used[parent] = {without_order_prefixes(name) for name in names}
    slug = slugify(title, max_length=60, word_boundary=True) or "page"
    candidates = itertools.chain([slug], (f"{slug}-{n}" for n in itertools.count(2)))
    name = next(s for s in candidates if s not in used[parent])
    used[parent].add(name)
    return f"{parent}/{number:02d}-{name}{suffix}"


def _sections(dests: dict[str, str], pages: tuple[PlannedPage, ...]) -> dict[str, str]:
    """{section title: its folder} for the sections of a book import."""
    return {p.section: dests[p.source].rsplit("/", 1)[0] for p in pages if p.section and "/" in dests[p.source]}


def _new_ids(catalog, where: Where):
    if where.book:
        return next_page_ids(catalog, where.book)
    first = int(next_article_id(catalog).removeprefix("KB-"))
    return (f"KB-{n:04d}" for n in itertools.count(first))


def _front_matter(planned: PlannedPage, meta: dict, body: str, page_id: str, where: Where) -> dict:
    front: dict = {"id": page_id, "title": page_title(planned, meta, body)}
    if isinstance(meta.get("description"), str):
        front["summary"] = meta["description"]
    elif where.module:
        front["summary"] = "TODO: one or two sentences for search results."
    if where.module:
        front.update(type="reference", module=where.module, audience="public", confidence="validated")
    tags = meta.get("tags")
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        front["tags"] = tags
    return front


def _leftovers(meta: dict, dest: str) -> list[Problem]:
    """Front matter keys of the source page that kb has no place for."""
    left = sorted(str(k) for k in meta if k not in CARRIED_KEYS and k not in DROPPED_KEYS)
    if not left:
        return []
    return [
        Problem(
            dest, 2, f"the source page's front matter {', '.join(left)}: not carried (kb has no such key)", "warning"
        )
    ]


def _unsupported_lines(body: str, dest: str, offset: int, config: ForeignConfig) -> list[Problem]:
    """The `::: name` lines of mkautodoc (and mkdocstrings), kept as text: a person writes that reference."""
    names = {extension_name(entry) for entry in config.extensions}
    if not names & {"mkautodoc"}:
        return []
    lines = [number for number, line in enumerate(body.splitlines(), start=1) if line.startswith("::: ")]
    if not lines:
        return []
    count = f"{len(lines)} `::: name` line{'s' * (len(lines) != 1)}"
    return [
        Problem(dest, offset + lines[0], f"mkautodoc is not supported: {count} from here on stay as text", "warning")
    ]


def _write(path: Path, content: bytes, written_before: str | None) -> str:
    """Write a page: 'new', 'updated', 'unchanged', or 'kept' when a person edited it since the import."""
    if path.is_file():
        current = path.read_bytes()
        if current == content:
            return "unchanged"
        if written_before is None or digest(current) != written_before:
            return "kept"
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    path.write_bytes(content)
    return "updated" if existed else "new"


def _copy(source: Path, dest: Path) -> bool | None:
    """Copy a picture or other file: True, or False when the same file is there, None when a different one
    is (it is never overwritten)."""
    if dest.is_file():
        return False if dest.read_bytes() == source.read_bytes() else None
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    return True
