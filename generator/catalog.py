"""Load a project from disk into a Catalog: product, contexts, client profiles (client_profiles.py), pages
(page_facts.py, page_parse.py) and pictures, each file read through source_files.py.

Loading never stops at the first bad file: every problem is gathered into `Catalog.problems`."""

from __future__ import annotations

from pathlib import Path

from . import schema
from .client_profiles import load_clients
from .errors import Problem
from .mkdocs_file import NAME as MKDOCS_YML
from .mkdocs_file import check_mkdocs_file, python_tag_problem
from .model import BOOKS, RELEASES_DIR, Catalog, Context, Module, Page, Product, is_release_notes
from .page_facts import page_source, parse_page
from .pictures import check_svg
from .source_files import load_yaml_file, read_page_text, read_text, source_files
from .versions.load import load_versions


def load_catalog(root: Path) -> Catalog:
    """Read every source under `root`; problems are collected, not raised."""
    root = root.resolve()
    problems: list[Problem] = []
    product = load_product(root, problems)
    contexts = _load_contexts(root, problems)
    clients = load_clients(root, problems, product)
    _check_mkdocs_yml(root, problems)
    pages, assets, unloaded = [], [], []
    source_files(root, problems, tops=("overrides",))  # the theme's files are copied too: links checked
    within = len(str(root)) + 1  # a file's name in the project: its path (text, from the walk) after the root
    for path in source_files(root, problems):
        name = path[within:]
        if name.endswith(".md"):
            page = _load_page(root, path, name, problems)
            if page:
                pages.append(page)
            else:
                unloaded.append(name)
        else:
            unsafe = check_svg(Path(path).read_bytes()) if name.lower().endswith(".svg") else None
            if unsafe:
                problems.append(Problem(name, 0, unsafe))
            else:
                assets.append(name)
    snippets = {}
    for path in source_files(root, problems, tops=("snippets",)):
        text = read_text(path, root, problems)
        if text is not None:
            snippets[Path(path).relative_to(root / "snippets").as_posix()] = text
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


def _load_page(root: Path, path: str, src_uri: str, problems: list[Problem]) -> Page | None:
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
    read = read_page_text(path, root, problems, lambda text: page_source(src_uri, text))
    if read is None:
        return None
    page, found = parse_page(src_uri, *read)
    problems += found
    return page
