"""Load a project from disk into a Catalog: product, contexts, client profiles, pages and pictures.

Loading never stops at the first bad file: every problem is gathered into `Catalog.problems`."""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import schema
from .contrast import contrast_warning
from .errors import Problem, rel
from .mkdocs_file import NAME as MKDOCS_YML
from .mkdocs_file import check_mkdocs_file, python_tag_problem
from .model import (
    BOOKS,
    RELEASES_DIR,
    Catalog,
    ClientProfile,
    Context,
    Module,
    Page,
    Product,
    SupportContract,
    SupportHours,
    is_release_notes,
)
from .page_facts import parse_page
from .pictures import SUFFIXES as LOGO_KINDS
from .pictures import check_logo, check_svg
from .versions.load import load_versions
from .yamlfile import YamlDoc, YamlProblems, parse_yaml

SOURCE_DIRS = ("kb", "docs")
# Everything a build reads lies in these folders: pages and pictures, clients' chapters and logos, the theme
# overrides. A path (a symbolic link above all) that resolves outside them is refused: a link in kb/ to
# ../instance/secret_key published the portal's key.
SOURCE_FOLDERS = (*SOURCE_DIRS, "clients", "overrides", "snippets")  # snippets/: text pages include


def load_catalog(root: Path) -> Catalog:
    """Read every source under `root`; problems are collected, not raised."""
    root = root.resolve()
    problems: list[Problem] = []
    product = load_product(root, problems)
    contexts = _load_contexts(root, problems)
    clients = load_clients(root, problems, product)
    _check_mkdocs_yml(root, problems)
    pages, assets, unloaded = [], [], []
    _source_files(root, problems, tops=("overrides",))  # the theme's files are copied too: links checked
    for path in _source_files(root, problems):
        if path.suffix == ".md":
            page = _load_page(root, path, problems)
            if page:
                pages.append(page)
            else:
                unloaded.append(rel(path, root))
        else:
            unsafe = check_svg(path.read_bytes()) if path.suffix.lower() == ".svg" else None
            if unsafe:
                problems.append(Problem(rel(path, root), 0, unsafe))
            else:
                assets.append(rel(path, root))
    snippets = {}
    for path in _source_files(root, problems, tops=("snippets",)):
        text = _read_text(path, root, problems)
        if text is not None:
            snippets[path.relative_to(root / "snippets").as_posix()] = text
    return Catalog(
        root,
        product,
        tuple(pages),
        tuple(sorted(assets)),
        clients,
        contexts,
        tuple(problems),
        snippets,
        tuple(unloaded),
    )


# Limits on one source file. The largest sample page is 9 kB and its longest line 450 characters; a page
# of 1 MB is a book of some 150,000 words, past which the engine and the PDF printer take minutes and
# gigabytes (a 20 MB article built in 100 s at 0.5 GB). A markdown paragraph is one line: 20,000 characters
# is some 3,000 words, longer than any paragraph a reader finishes; longer lines are pasted data.
MAX_SOURCE_BYTES = 1_000_000
MAX_LINE_CHARS = 20_000


def _read_text(path: Path, root: Path, problems: list[Problem]) -> str | None:
    """A source file's text, or None with a problem: too large, not UTF-8, a NUL byte or an overlong line."""
    name = rel(path, root)
    try:
        size, data = _read_bytes(path)
    except OSError as exc:  # unreadable (permissions), a folder, a dangling link: the user can fix each
        problems.append(Problem(name, 0, f"cannot read the file: {exc.strerror or exc}; expected a readable file"))
        return None
    if size > MAX_SOURCE_BYTES:
        problems.append(
            Problem(
                name,
                0,
                f"the file has {size:,} bytes; the limit is {MAX_SOURCE_BYTES:,} bytes (1 MB) per source file, "
                "expected it split into several pages",
            )
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                name, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); expected UTF-8, save the file as UTF-8"
            )
        )
        return None
    found = _text_problems(name, text)
    problems += found
    return None if found else text


def _read_bytes(path: Path) -> tuple[int, bytes]:
    """A file's size and bytes (none past MAX_SOURCE_BYTES), with one open, one stat of what was opened and
    one read: Path.stat and Path.read_bytes took twice as long a file (10,000 of them each build)."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(handle).st_size
        if size > MAX_SOURCE_BYTES:
            return size, b""
        data = os.read(handle, size + 1)
        if len(data) != size:  # changed while read, or a short read: on to the end, as Path.read_bytes reads
            chunks, read = [data], len(data)
            while read <= MAX_SOURCE_BYTES and (chunk := os.read(handle, 1 << 16)):
                chunks.append(chunk)
                read += len(chunk)
            data = b"".join(chunks)
        return len(data), data if len(data) <= MAX_SOURCE_BYTES else b""
    finally:
        os.close(handle)


def _text_problems(name: str, text: str) -> list[Problem]:
    """A NUL character (a binary or damaged file; it would reach the built pages) and lines over the limit."""
    problems = []
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        problems.append(
            Problem(
                name, line, f"a NUL character (U+0000) at column {column}; expected text only (is it a binary file?)"
            )
        )
    if len(text) <= MAX_LINE_CHARS:  # no line can be over the limit: most files, not split into lines
        return problems
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            problems.append(
                Problem(
                    name,
                    number,
                    f"the line has {len(line):,} characters; the limit is {MAX_LINE_CHARS:,} per line, "
                    "expected shorter paragraphs (a line break between sentences is fine in markdown)",
                )
            )
            break  # one is enough: the rest of such a file is usually the same pasted data
    return problems


def load_yaml_file(root: Path, name: str, problems: list[Problem], required: bool = True) -> YamlDoc | None:
    path = root / name
    if path.is_dir():
        problems.append(Problem(name, 0, "is a folder; expected a YAML file"))
        return None
    if not path.is_file():
        if required:
            problems.append(Problem(name, 0, "missing; expected this file at the project root"))
        return None
    source = _read_text(path, root, problems)
    if source is None:
        return None
    try:
        return parse_yaml(source, name)
    except YamlProblems as exc:
        problems.extend(exc.problems)
        return None


def load_product(root: Path, problems: list[Problem]) -> Product:
    doc = load_yaml_file(root, "product.yml", problems)
    values, found = schema.validate(doc, schema.PRODUCT, "product.yml") if doc else ({}, [])
    problems += found
    modules = {}
    for slug, _ in (values.get("modules") or {}).items():
        try:
            schema.SLUG(slug)
        except schema.Invalid as exc:
            problems.append(Problem("product.yml", doc.line_of("modules", slug), f"module '{slug}': {exc}"))
            continue
        spec, found = schema.validate(doc, schema.MODULE, "product.yml", ("modules", slug))
        problems += found
        if not found:
            modules[slug] = Module(slug, spec["title"], spec["description"], spec["icon"])
    name = values.get("name") or "Help centre"
    return Product(
        name=name,
        short_name=values.get("short_name") or name,
        version=values.get("version") or "",
        vendor=values.get("vendor") or "",
        support_phone=values.get("support_phone"),
        terms=values.get("terms") or {},
        modules=modules,
        featured=values.get("featured") or (),
        synonyms=values.get("synonyms") or (),
        abbreviations=values.get("abbreviations") or {},
        versions=load_versions(doc, values.get("version") or "", problems) if doc else (),
    )


def _check_mkdocs_yml(root: Path, problems: list[Problem]) -> None:
    found: list[Problem] = []
    doc = load_yaml_file(root, MKDOCS_YML, found)
    problems += [python_tag_problem(problem) for problem in found]
    if doc:
        problems += check_mkdocs_file(doc)


def _load_contexts(root: Path, problems: list[Problem]) -> dict[str, Context]:
    doc = load_yaml_file(root, "contexts.yml", problems, required=False)
    if not doc:
        return {}
    if not isinstance(doc.data, dict) or set(doc.data) != {"contexts"} or not isinstance(doc.data["contexts"], dict):
        problems.append(
            Problem("contexts.yml", 1, "expected one key, 'contexts', mapping screen IDs to {title, module}")
        )
        return {}
    contexts = {}
    for context_id in doc.data["contexts"]:
        try:
            schema.CONTEXT_ID(context_id)
        except schema.Invalid as exc:
            problems.append(Problem("contexts.yml", doc.line_of("contexts", context_id), f"context ID: {exc}"))
            continue
        values, found = schema.validate(doc, schema.CONTEXT, "contexts.yml", ("contexts", context_id))
        problems += found
        if not found:
            contexts[context_id] = Context(
                context_id, values["title"], values["module"], doc.line_of("contexts", context_id)
            )
    return contexts


def load_clients(root: Path, problems: list[Problem], product: Product) -> dict[str, ClientProfile]:
    clients = {}
    claimed: dict[str, str] = {}  # a domain or admin address -> the client file that claimed it first
    folder = root / "clients"
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else ():
        name = rel(path, root)
        try:
            slug = schema.SLUG(path.stem)
        except schema.Invalid as exc:
            problems.append(Problem(name, 0, f"client file name: {exc}"))
            continue
        doc = load_yaml_file(root, name, problems)
        if not doc:
            continue
        values, found = schema.validate(doc, schema.CLIENT, name)
        found += _client_problems(root, name, doc, values, product)
        support, support_problems = _load_support(doc, name, values.get("support"))
        found += support_problems + _claim_people(doc, name, values, claimed)
        problems += found
        if not any(problem.is_error for problem in found):  # a warning (a colour's contrast) keeps the client
            clients[slug] = ClientProfile(
                slug,
                values["name"],
                values["logo"],
                values["colors"],
                values["modules"],
                values["terms"],
                values["contact"],
                values["domains"],
                values["admins"],
                support,
                values.get("version"),
            )
    return clients


def _load_support(doc: YamlDoc, name: str, given: dict | None) -> tuple[SupportContract | None, list[Problem]]:
    """The profile's `support:` contract: dates in order, hours per clock; None without one."""
    if given is None:
        return None, []
    values, problems = schema.validate(doc, schema.SUPPORT, name, ("support",))
    hours = SupportHours()
    if values.get("hours") is not None:
        spent, found = schema.validate(doc, schema.SUPPORT_HOURS, name, ("support", "hours"))
        problems += found
        hours = SupportHours(**spent)
    start, end = values.get("start"), values.get("end")
    if start and end and end < start:
        problems.append(
            Problem(
                name,
                doc.line_of("support", "end"),
                f"'support.end': {end} is before the start, {start}; expected the contract's last day after its first",
            )
        )
    if problems or not (start and end):
        return None, problems
    return SupportContract(start, end, values.get("plan"), hours), []


def _claim_people(doc: YamlDoc, name: str, values: dict, claimed: dict[str, str]) -> list[Problem]:
    """A domain or an admin belongs to one client: the portal decides a case's client by them."""
    problems = []
    for key in ("domains", "admins"):
        for index, value in enumerate(values.get(key) or ()):
            owner = claimed.setdefault(value, name)
            if owner != name:
                problems.append(
                    Problem(
                        name,
                        doc.line_of(key, index),
                        f"'{key}': {value!r} is already {owner}'s; expected each domain and admin in one client only",
                    )
                )
    return problems


LOGO_SUFFIXES = tuple(LOGO_KINDS)
COLOR_KEYS = ("primary", "accent")
CONTACT_KEYS = ("name", "email", "role")


def _client_problems(root: Path, name: str, doc: YamlDoc, values: dict, product: Product) -> list[Problem]:
    """What the schema cannot see: the logo is a picture inside the project, the colours and contact have
    known keys, the terms and modules are the product's."""
    problems = []
    # Checked here rather than in checks.py, which had no line to report them at (clients/acme.yml: ...).
    for index, module in enumerate(values.get("modules") or ()):
        if product.modules and module not in product.modules:
            problems.append(
                Problem(
                    name,
                    doc.line_of("modules", index),
                    f"'modules': unknown module {module!r}; expected one of {', '.join(product.modules)} (product.yml)",
                )
            )
    version = values.get("version")
    built = [v.name for v in product.versions if v.is_built]
    if version and product.versions and version not in built:
        problems.append(
            Problem(
                name,
                doc.line_of("version"),
                f"'version': {version!r} is not a released version of product.yml; expected one of {', '.join(built)}",
            )
        )
    logo = values.get("logo")
    if logo:
        path = (root / logo).resolve()
        if not inside_sources(path, root) or path.suffix.lower() not in LOGO_SUFFIXES or not path.is_file():
            problems.append(
                Problem(
                    name,
                    doc.line_of("logo"),
                    f"'logo': {logo!r} is not a picture in the project; expected a "
                    f"{', '.join(LOGO_SUFFIXES)} file such as clients/<client>/logo.svg",
                )
            )
        else:
            unusable = check_logo(path.read_bytes(), path.suffix)
            if unusable:
                problems.append(Problem(name, doc.line_of("logo"), f"'logo': {logo!r} is {unusable}"))
    for key, allowed in (("colors", COLOR_KEYS), ("contact", CONTACT_KEYS)):
        for unknown in set(values.get(key) or {}) - set(allowed):
            problems.append(
                Problem(
                    name, doc.line_of(key, unknown), f"'{key}': unknown key {unknown!r}; expected {', '.join(allowed)}"
                )
            )
    for role in COLOR_KEYS:
        color = (values.get("colors") or {}).get(role)
        hex_colour = isinstance(color, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", color)  # else: a schema error
        warning = contrast_warning(f"the {role} colour", color) if hex_colour else None
        if warning:
            problems.append(Problem(name, doc.line_of("colors", role), f"'colors': {warning}", severity="warning"))
    for term in values.get("terms") or {}:
        if product.modules and term not in product.terms:  # no modules: product.yml failed, reported there
            problems.append(
                Problem(
                    name,
                    doc.line_of("terms", term),
                    f"'terms': {term!r} is not a product term; expected one of "
                    f"{', '.join(product.terms)} (product.yml)",
                )
            )
    return problems


def inside_sources(path: Path, root: Path) -> bool:
    """Whether the resolved `path` lies in one of the project's source folders."""
    return any(path.is_relative_to(root / folder) for folder in SOURCE_FOLDERS)


def _source_files(root: Path, problems: list[Problem], tops: tuple[str, ...] | None = None) -> list[Path]:
    """Every file under kb/, docs/ and clients/<slug>/ (a client's own chapters), or under `tops`, sorted.
    A link that leaves the source folders or points nowhere is a problem and is not followed: a source tree
    must not pull in files from elsewhere, in the project (instance/) or outside it."""
    found = []
    if tops is None:
        client_dirs = sorted(p.relative_to(root).as_posix() for p in (root / "clients").glob("*/") if p.is_dir())
        tops = (*SOURCE_DIRS, *client_dirs)
    for top in tops:
        if _link_ok(root / top, root, problems) and (root / top).is_dir():
            _walk(root / top, root, problems, found)
    return found


def _walk(folder: Path, root: Path, problems: list[Problem], found: list[Path]) -> None:
    """os.walk's order (a folder's files by name, then its sub-folders by name), from the folder's entries:
    whether an entry is a link comes with it, where a Path and an lstat per file took 0.3 s at 10,000
    articles. A linked folder is checked but, as with os.walk, not entered."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted((entry for entry in listing if not entry.name.startswith(".")), key=lambda e: e.name)
    except OSError:  # unreadable or gone: os.walk skipped it too
        return
    folders = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        link = entry.is_symlink()
        if link and not _link_ok(Path(entry.path), root, problems):
            continue
        if not is_dir:
            found.append(Path(entry.path))
        elif not link:
            folders.append(entry.path)
    for path in folders:
        _walk(Path(path), root, problems, found)


def _link_ok(path: Path, root: Path, problems: list[Problem]) -> bool:
    if not path.is_symlink():
        return True
    target = path.resolve()
    if not inside_sources(target, root):
        problems.append(
            Problem(
                rel(path, root),
                0,
                "symbolic link points outside the project's source folders; expected a file inside "
                + ", ".join(f"{folder}/" for folder in SOURCE_FOLDERS),
            )
        )
    elif not target.exists():
        problems.append(Problem(rel(path, root), 0, "symbolic link points to a file that does not exist"))
    else:
        return True
    return False


def _load_page(root: Path, path: Path, problems: list[Problem]) -> Page | None:
    src_uri = rel(path, root)
    parts = src_uri.split("/")
    if is_release_notes(src_uri) and len(parts) != 3:
        problems.append(Problem(src_uri, 0, f"release notes go in {RELEASES_DIR}/<version>.md, not in a sub-folder"))
        return None
    if parts[0] == "docs" and not is_release_notes(src_uri) and (len(parts) < 3 or parts[1] not in BOOKS):
        problems.append(
            Problem(src_uri, 0, f"manual pages go in docs/<book>/, expected a book among {', '.join(BOOKS)}")
        )
        return None
    if parts[0] == "clients" and (len(parts) < 4 or parts[2] not in BOOKS):
        problems.append(
            Problem(src_uri, 0, f"a client's chapters go in clients/<client>/<book>/, a book among {', '.join(BOOKS)}")
        )
        return None
    if parts[0] == "kb" and parts[-1] == "index.md":
        problems.append(
            Problem(
                src_uri, 0, "index.md is reserved in kb/ for the generated module pages; expected another file name"
            )
        )
        return None
    source = _read_text(path, root, problems)
    if source is None:
        return None
    page, found = parse_page(src_uri, source)
    problems += found
    return page
