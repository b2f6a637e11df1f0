"""Stage a target: a fresh folder holding only the selected pages, their pictures, the generated landing
pages and a generated mkdocs.yml. A folder that holds only allowed files is the boundary, not nav."""

from __future__ import annotations

import functools
import html
import os
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jinja2
import yaml

from .contrast import text_on
from .html_safety import SANITISER
from .markdown_features import THEME_FEATURES, PythonName, engine_extensions, vendored_files
from .memo import collector_paused, keep, recall, remembered, seeded_for
from .model import BOOKS, Catalog, ClientProfile, Module, Page, Selection
from .portal.drafts import as_text
from .render import asset_dest
from .select import book_pages, chapter_numbers, section_titles
from .staged_files import Staged
from .theme_files import THEME_CSS, theme_files
from .yamlfile import parse_yaml

BOOK_TITLES = {"user": "User Manual", "admin": "Administrator Guide", "training": "Training"}
TYPE_TITLES = {
    "troubleshooting": "Troubleshooting",
    "howto": "How-to guides",
    "faq": "Questions and answers",
    "reference": "Reference",
    "concept": "Concepts",
    "lesson": "Lessons",
}


class _RememberedBytecode(jinja2.BytecodeCache):
    """The landing pages' templates compiled in an earlier build, kept in the build's memo (by the template's
    name and a checksum of its text; jinja2 refuses code of another Python or jinja2 version): compiling
    them was a sixtieth of a second of every build. Outside a build, compiled as ever."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = recall(_BYTECODE, bucket.key + bucket.checksum)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        keep(_BYTECODE, bucket.key + bucket.checksum, bucket.bytecode_to_string())


_BYTECODE = "template_bytecode"
_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("generator", "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    bytecode_cache=_RememberedBytecode(),
)
# Titles and summaries are data (an article drafted from a case carries the customer's words in both): the
# landing pages' markdown shows them with `md_text`, never as markdown or HTML.
_templates.filters["md_text"] = as_text


def _html_text(value: str, quote: bool = False) -> str:
    """A title or summary for the theme, which writes page titles, nav titles and the description as HTML
    unescaped (`<title>`, the header, the nav, the <h1>, the search index, `<meta content="...">`): a
    title `<img src=x onerror=alert(1)>` ran in every page that listed it. The same for product.yml's and
    client profiles' words (site name, module titles): a client named `<script>...` ran in every page."""
    return html.escape(value, quote=quote)


_templates.filters["html_text"] = _html_text


THEME_FOLDER = "theme"  # beside the staged docs/: kb's theme and the project's overrides, the engine's custom_dir

# `!!python/name:` in the staged mkdocs.yml: the engine imports what markdown_features names.
yaml.SafeDumper.add_representer(
    PythonName, lambda dumper, value: dumper.represent_scalar(f"tag:yaml.org,2002:python/name:{value}", "")
)


def stage_project(
    catalog: Catalog,
    selection: Selection,
    rendered: dict[str, str],
    folder: Path,
    site_dir: Path,
    extra: dict[str, Any] | None = None,
    sources: dict[str, tuple[str, list[int]]] | None = None,
) -> Path:
    """Write the staged project into `folder`; return its mkdocs.yml. A `folder` an earlier build staged
    (kept in the cache's folder) is brought up to date: a file is written only when it changed, and every
    file this staging did not write is removed, so the folder holds exactly the allowed files, as a new
    one would (writing 10,000 unchanged pages was seconds of every build).

    `sources`, when given, is filled with what staging knows of each file it wrote or found unchanged in
    the staged docs (`Staged.sources`, by src_uri), for the engine of the same build (EngineCache.take_staged)."""
    staged = Staged(folder)
    with collector_paused(keep=True):  # as for the render (build.py): its runs would scan every page's objects
        config = _stage_project(catalog, selection, rendered, staged, site_dir, extra)
    if sources is not None:
        sources.update(staged.sources("docs"))
    return config


def _stage_project(
    catalog: Catalog,
    selection: Selection,
    rendered: dict[str, str],
    staged: Staged,
    site_dir: Path,
    extra: dict[str, Any] | None,
) -> Path:
    folder = staged.folder
    docs = folder / "docs"
    numbers = chapter_numbers(selection, BOOKS)
    within = f"{docs}{os.sep}"  # each page's path as text, as a walk spells it: a Path a page cost twice as much
    for page in selection.pages:
        path = within + page.dest_uri
        if "//" in path or "/." in path:  # an empty part (a folder named `01-` alone) or a dot: as a Path has it
            path = os.path.normpath(path)
        body, chapter = rendered[page.src_uri], numbers.get(page.src_uri)
        kept = seeded_for(STAGED_FRONT_MATTER, page) if chapter is None else None
        if kept is not None and kept[1] is not None and body is page.body:
            # The page as written and as parsed (the very object): its staged text's digest was worked out
            # when its text was kept (page_facts.page_source), so the text is made only if it is written.
            staged.put_known(path, kept[1], functools.partial(_joined, kept[0], body))
        else:
            staged.write(path, staged_front_matter(page, chapter) + body)
    for asset in selection.assets:
        staged.copy(catalog.root / asset, docs / asset_dest(asset))
    for dest_uri, text in landing_pages(catalog, selection).items():
        staged.write(docs / dest_uri, text)
    for name, source in vendored_files([rendered[page.src_uri] for page in selection.pages]):
        staged.copy(source, docs / "assets" / "vendor" / name)
    for name, source in theme_files(catalog.root).items():  # kb's theme with the project's overrides
        staged.copy(source, folder / THEME_FOLDER / name)
    config = engine_config(catalog, selection, docs, site_dir, extra or {})
    if selection.target.client:
        config = brand(config, catalog.clients[selection.target.client], catalog, docs, staged)
    config_path = folder / "mkdocs.yml"
    staged.write(config_path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    staged.remove_the_rest()
    return config_path


def _joined(front_matter: str, body: str) -> bytes:
    return (front_matter + body).encode("utf-8")


def brand(
    config: dict[str, Any], client: ClientProfile, catalog: Catalog, docs: Path, staged: Staged | None = None
) -> dict[str, Any]:
    """A client's build in the client's colours, with their logo and name in the header."""
    staged = staged or Staged(docs.parent)
    config = dict(config)
    config["site_name"] = _html_text(f"{client.name} · {catalog.product.short_name} Help Centre")
    theme = dict(config["theme"])
    if client.logo:
        logo = Path(client.logo)
        dest = docs / "assets" / f"client-logo{logo.suffix.lower()}"
        staged.copy(catalog.root / logo, dest)
        theme["logo"] = f"assets/{dest.name}"
    config["theme"] = theme
    colors = client.colors
    if colors:
        css = [":root, [data-md-color-scheme] {"]
        # Text on a brand colour in white or dark, whichever reads (contrast.py; kb check warns with the ratio).
        if "primary" in colors:
            on_primary = text_on(colors["primary"])
            css += [
                f"  --md-primary-fg-color: {colors['primary']};",
                f"  --md-primary-fg-color--light: color-mix(in srgb, {colors['primary']} 75%, white);",
                f"  --md-primary-fg-color--dark: color-mix(in srgb, {colors['primary']} 75%, black);",
                f"  --md-primary-bg-color: {on_primary};",
                f"  --md-primary-bg-color--light: {on_primary}b3;",
            ]
        if "accent" in colors:
            css += [
                f"  --md-accent-fg-color: {colors['accent']};",
                f"  --md-accent-bg-color: {text_on(colors['accent'])};",
            ]
        css.append("}")
        staged.write(docs / "assets" / "client-brand.css", "\n".join(css) + "\n")
        config["extra_css"] = [*(config.get("extra_css") or []), "assets/client-brand.css"]
    return config


# libyaml's emitter where PyYAML has it: the Python one took a fifth of a rebuild's time at 1,000 pages.
_FastDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# seed_for, by the page object: its staged front matter without a chapter number, and the digest of that front
# matter followed by its body (None where it is not kept with it: page_facts.page_source).
STAGED_FRONT_MATTER = "staged front matter of a page as parsed"


def staged_front_matter(page: Page, chapter: str | None) -> str:
    """The staged page's meta for the theme: written with a YAML dumper, never pasted text. Kept in the
    build's memo by what it is made of (a YAML dump per page was a second of a one-edit build at 10,000);
    without a chapter number, for the page as parsed, kept with the page's other facts (page_facts.py)."""
    if chapter is None:
        known = seeded_for(STAGED_FRONT_MATTER, page)
        if known is not None:
            return known[0]
    return _dumped_front_matter(page, chapter or "", repr(_front_matter_inputs(page)))


def _front_matter_inputs(page: Page) -> tuple:
    """Everything of a page that _front_matter_of reads: its memo key, in repr (strings, None, a date)."""
    return (
        page.src_uri,  # whether it is an article, and its book
        page.title,
        page.id,
        page.type,
        page.confidence,
        page.summary,
        page.module,
        tuple(claim.id for claim in page.contexts),
        page.updated,
        page.changed_in,
    )


@remembered("staged_front_matter", key=lambda page, chapter, inputs: (chapter, inputs))
def _dumped_front_matter(page: Page, chapter: str, inputs: str) -> str:
    return _front_matter_of(page, chapter or None)


def _front_matter_of(page: Page, chapter: str | None) -> str:
    meta = {"title": _html_text(page.title), "kb_id": page.id, "kb_type": page.type, "kb_confidence": page.confidence}
    if chapter:
        meta["kb_chapter"] = chapter
    if not page.is_article:
        meta["kb_book"] = page.book
    if page.summary:
        meta["description"] = _html_text(page.summary, quote=True)
    if page.module:
        meta["kb_module"] = page.module
    if page.contexts:
        meta["kb_contexts"] = [claim.id for claim in page.contexts]
    if page.updated:
        meta["kb_updated"] = page.updated.isoformat()
    if page.changed_in:
        meta["kb_changed_in"] = _html_text(page.changed_in)
    return "---\n" + yaml.dump(meta, Dumper=_FastDumper, sort_keys=False, allow_unicode=True) + "---\n\n"


def articles_by_module(selection: Selection) -> dict[str, list[Page]]:
    grouped: dict[str, list[Page]] = defaultdict(list)
    for page in selection.pages:
        if page.is_article:
            grouped[page.module].append(page)
    for pages in grouped.values():
        pages.sort(key=lambda p: p.title.lower())
    return grouped


def landing_pages(catalog: Catalog, selection: Selection) -> dict[str, str]:
    """The home page, the knowledge base's index and one page per module, from the generator's templates."""
    modules = catalog.product.modules
    grouped = articles_by_module(selection)
    shown = [modules[slug] for slug in modules if slug in grouped]
    by_id = {page.id: page for page in selection.pages}
    featured = [by_id[i] for i in catalog.product.featured if i in by_id]
    books = [(book, _book_index(selection, book)) for book in BOOKS]
    pages = {
        "index.md": _templates.get_template("home.md.j2").render(
            product=catalog.product,
            modules=shown,
            grouped=grouped,
            featured=featured,
            books=[(b, p) for b, p in books if p],
            book_titles=BOOK_TITLES,
        ),
    }
    if selection.target.books is None:  # `--book` leaves the knowledge base out: no empty index page of it
        pages["kb/index.md"] = _templates.get_template("kb-index.md.j2").render(
            product=catalog.product, modules=shown, grouped=grouped
        )
    for module in shown:
        listing = "\n".join(repr((p.type, p.title, p.dest_uri, p.summary)) for p in grouped[module.slug])
        pages[f"kb/{module.slug}/index.md"] = _module_page(module, grouped[module.slug], listing)
    return pages


@remembered("module_page", key=lambda module, pages, listing: (module.slug, module.title, module.description, listing))
def _module_page(module: Module, pages: list[Page], listing: str) -> str:
    """A module's landing page, listing its articles by type: kept in the build's memo by what it shows
    (`listing`: each article's type, title, file and summary, in order), as an edit seldom changes it and
    the module pages of 10,000 articles took a sixth of a second to render."""
    by_type = _group_by_type(pages)
    return _templates.get_template("module-index.md.j2").render(
        module=module, by_type=[(TYPE_TITLES[t], by_type[t]) for t in TYPE_TITLES if t in by_type]
    )


def _book_index(selection: Selection, book: str) -> Page | None:
    index = f"{book}/index.md"  # the address first: one comparison a page, not its book worked out
    return next((p for p in selection.pages if p.dest_uri == index and p.book == book), None)


def build_nav(catalog: Catalog, selection: Selection) -> list:
    """Home, the knowledge base's modules (each its landing page), then each book in chapter order.

    Articles are not in the navigation: a module's landing page lists them, by type, as help centres do, and
    an article's page opens its module in the navigation (engine.adopt_pages_outside_nav). So what the theme
    renders into a page does not grow with the knowledge base (1,400 siblings in every article of a module
    at 10,000 articles), and an article's new title changes its landing page, not every sibling's page."""
    modules = catalog.product.modules
    with_articles = {page.module for page in selection.pages if page.is_article}  # their order is the landing's
    kb_nav: list = ["kb/index.md"]
    for slug in modules:
        if slug in with_articles:
            kb_nav.append({_html_text(modules[slug].title): [f"kb/{slug}/index.md"]})
    nav: list = [{"Home": "index.md"}]
    if selection.target.books is None:  # as in landing_pages: `--book` leaves the knowledge base out
        nav.append({"Knowledge base": kb_nav})
    numbers = chapter_numbers(selection, BOOKS)
    for book in BOOKS:
        pages = book_pages(selection, book)
        if pages:
            nav.append({BOOK_TITLES[book]: _book_nav(pages, numbers)})
    return nav


def _book_nav(pages: list[Page], numbers: dict[str, str]) -> list:
    """A book's chapters in order; a section is a group of its own, its index.md (if any) the group's page."""
    titles = section_titles(pages)
    entries: list = []
    group: list = []
    section = None
    for page in pages:
        entry = page.dest_uri
        if page.src_uri in numbers and not (page.section and page.dest_uri.endswith("/index.md")):
            entry = {f"{numbers[page.src_uri]}. {_html_text(page.title)}": page.dest_uri}
        if page.section is None:
            entries.append(entry)
        else:
            if page.section != section:
                group = []
                entries.append({f"{numbers[page.src_uri].split('.')[0]}. {_html_text(titles[page.section])}": group})
            group.append(entry)
        section = page.section
    return entries


def _group_by_type(pages: list[Page]) -> dict[str, list[Page]]:
    by_type: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        by_type[page.type].append(page)
    return by_type


def engine_config(
    catalog: Catalog, selection: Selection, docs: Path, site_dir: Path, extra: dict[str, Any]
) -> dict[str, Any]:
    """The project's mkdocs.yml with what the generator owns filled in."""
    base = parse_yaml((catalog.root / "mkdocs.yml").read_text(encoding="utf-8"), "mkdocs.yml").data or {}
    config = dict(base)
    config["site_name"] = _html_text(f"{catalog.product.short_name} Help Centre")
    config["docs_dir"] = str(docs)
    config["site_dir"] = str(site_dir)
    if extra.get("version_path") and config.get("site_url"):  # an older version's sitemap and canonical links
        config["site_url"] = urljoin(str(config["site_url"]).rstrip("/") + "/", extra["version_path"])
    config["nav"] = build_nav(catalog, selection)
    config["extra_css"] = [THEME_CSS, *(css for css in base.get("extra_css") or [] if css != THEME_CSS)]
    theme = dict(config.get("theme") or {"name": "material"})
    theme["custom_dir"] = str(docs.parent / THEME_FOLDER)  # staged by stage_project (theme_files.py)
    config["theme"] = theme
    config["extra"] = {
        **(base.get("extra") or {}),
        "kb": {
            "target": selection.target.name,
            "client": selection.target.client,  # carried by "Log a case", so the case knows its client
            "product": catalog.product.name,
            "version": catalog.product.version,
            **extra,
        },
    }
    # kb leaves articles out of the navigation on purpose (build_nav): not a warning for the writer.
    validation = dict(config.get("validation") or {})
    validation["nav"] = {**(validation.get("nav") or {}), "omitted_files": "info"}
    config["validation"] = validation
    features = list(theme.get("features") or [])
    theme["features"] = [*features, *(f for f in THEME_FEATURES if f not in features)]
    extensions = engine_extensions([_snippets_restricted(e, docs) for e in config.get("markdown_extensions") or []])
    # Last, so that it cleans what every other extension produced: no page carries script (html_safety).
    extensions.append(SANITISER)
    config["markdown_extensions"] = extensions
    return config


def _snippets_restricted(extension: Any, docs: Path) -> Any:
    """pymdownx.snippets, if the project enables it, reads nothing: kb includes snippets/ itself (snippets.py)
    and the engine would read from where it runs (its base_path '.') or the web."""
    name = next(iter(extension), None) if isinstance(extension, dict) else extension
    if name != "pymdownx.snippets":
        return extension
    nowhere = str(docs.parent / "no-snippets")  # never written: the engine drops an include it finds in code
    return {name: {"base_path": [nowhere], "restrict_base_path": True, "url_download": False, "check_paths": False}}
