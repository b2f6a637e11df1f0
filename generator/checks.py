"""`kb check`: every problem in a catalog, from bad front matter to broken links, as a list."""

from __future__ import annotations

import dataclasses
from collections import Counter

from .contexts import check_contexts, every_target
from .errors import Problem
from .headings import atx_headings
from .html_safety import check_page_html
from .links import internal_links, relative_url, undefined_references
from .markdown_features import check_shortcodes
from .memo import remembered
from .model import Catalog, Page, Target
from .select import selected_for
from .snippets import check_snippets
from .suggest import Suggestions
from .versions import version_key


def check_catalog(catalog: Catalog) -> list[Problem]:
    """Loading problems plus cross-references: IDs, modules, clients, contexts, links, pictures, HTML the
    sanitiser would remove, and the coverage of the application's screens in every target, each client's included."""
    problems = list(catalog.problems)
    problems += _check_ids(catalog.pages)
    problems += _check_references(catalog)
    targets = every_target(catalog)
    published = selected_for(catalog, targets)  # for both checks below
    if not catalog.unloaded:  # a page that failed to load would leave its screens "without a topic" too
        problems += check_contexts(catalog, targets, published)
    problems += _check_links(catalog)
    problems += check_snippets(catalog)
    problems += _check_addresses(catalog, targets, published)
    problems += [problem for page in catalog.pages for problem in page_text_problems(page)]
    return sorted(set(problems))


@remembered("page_text_problems", key=lambda page: (page.src_uri, str(page.body_line), page.type, page.body))
def page_text_problems(page: Page) -> tuple[Problem, ...]:
    """The problems in a page's own text: HTML the sanitiser would remove, unknown shortcodes, reference
    links the page never defines and, in a troubleshooting article, KCS sections missing or out of order.
    From its text alone, so kept in the build's memo with its parse (page_facts.py): one result a page,
    where three asked of the memo were a twentieth of a second at 10,000 pages."""
    return (*check_page_html(page), *check_shortcodes(page), *_undefined_references(page), *_kcs_sections(page))


def _check_ids(pages: tuple[Page, ...]) -> list[Problem]:
    seen: dict[str, Page] = {}
    problems = []
    for page in sorted(pages, key=lambda p: p.src_uri):
        if page.id in seen:
            problems.append(
                Problem(
                    page.src_uri, page.line_of("id"), f"duplicate ID {page.id}; already used by {seen[page.id].src_uri}"
                )
            )
        else:
            seen[page.id] = page
    return problems


def _check_references(catalog: Catalog) -> list[Problem]:
    modules, clients, contexts = catalog.product.modules, catalog.clients, catalog.contexts
    # A file that failed to load is reported once, where it is wrong; what refers to it is not wrong too.
    failed = {problem.path for problem in catalog.problems if problem.is_error}
    if "product.yml" in failed:
        modules = None
    clients = set(clients) | {path[len("clients/") : -len(".yml")] for path in failed if _is_client_file(path)}
    problems = []
    for page in catalog.pages:
        if modules is not None and page.module and page.module not in modules:
            problems.append(
                Problem(
                    page.src_uri,
                    page.line_of("module"),
                    f"unknown module '{page.module}'; expected one of {', '.join(modules)}",
                )
            )
        for client in page.clients:
            if client not in clients:
                known = ", ".join(sorted(clients)) or "none registered in clients/"
                problems.append(
                    Problem(
                        page.src_uri, page.line_of("clients"), f"unknown client '{client}'; expected one of {known}"
                    )
                )
        for claim in page.contexts:
            if "contexts.yml" not in failed and claim.id not in contexts:
                problems.append(
                    Problem(
                        page.src_uri,
                        claim.line,
                        f"unknown context ID '{claim.id}'; expected an ID listed in contexts.yml",
                    )
                )
        if (page.versions is not None or page.changed_in) and modules is not None:
            problems += _check_versions_named(page, {version.name for version in catalog.product.versions})
    for context in catalog.contexts.values():
        if modules is not None and context.module not in modules:
            problems.append(Problem("contexts.yml", 0, f"context '{context.id}': unknown module '{context.module}'"))
    ids = {page.id for page in catalog.pages}
    for featured in catalog.product.featured:
        if featured not in ids and not catalog.unloaded:  # the ID may be that of a page that failed to load
            problems.append(Problem("product.yml", 0, f"'featured': no page has the ID {featured}"))
    return problems


def _check_versions_named(page: Page, known: set[str]) -> list[Problem]:
    """Front matter `versions:` and `changed_in` may name only versions product.yml lists: a typo would hide
    the page, or announce a change in a version that does not exist."""
    named = [("versions", name) for name in sorted(page.versions.named_versions())] if page.versions else []
    named += [("changed_in", page.changed_in)] if page.changed_in else []
    listed = ", ".join(sorted(known, key=version_key))
    return [
        Problem(
            page.src_uri,
            page.line_of(key),
            f"{key!r}: {name!r} is not a version of product.yml; expected one of {listed}",
        )
        for key, name in named
        if name not in known
    ]


def _check_links(catalog: Catalog) -> list[Problem]:
    # A page whose front matter is wrong is reported once, where it is wrong: links to it are not broken.
    pages = {page.src_uri for page in catalog.pages} | set(catalog.unloaded)
    sources = pages | set(catalog.assets)
    near: dict[bool, Suggestions] = {}  # made at the first broken link: indexing 10,000 names is not free
    problems = []
    for page in catalog.pages:
        for link, target, anchor in internal_links(page.src_uri, page.body):
            if target not in sources:
                what = "picture" if link.is_image else "link"
                if link.is_image not in near:
                    near[link.is_image] = Suggestions(catalog.assets if link.is_image else pages)
                near_path = near[link.is_image].closest(target)
                hint = f"; did you mean '{relative_url(page.src_uri, near_path)}{anchor}'?" if near_path else ""
                problems.append(
                    Problem(
                        page.src_uri,
                        page.body_line + link.line - 1,
                        f"broken {what} '{link.url}'; expected a file under kb/ or docs/{hint}",
                    )
                )
    return problems


def _undefined_references(page: Page) -> list[Problem]:
    return [
        Problem(
            page.src_uri,
            page.body_line + line - 1,
            f"reference link '[...][{label}]': the page has no definition '[{label}]: address'; it shows as text",
            severity="warning",
        )
        for line, label in undefined_references(page.body)
    ]


def _check_addresses(catalog: Catalog, targets: list[Target], published: dict[str, tuple[Page, ...]]) -> list[Problem]:
    """Two pages a target would publish at the same address (docs/user/01-intro.md and 02-intro.md, a client's
    chapter named like a core one): one would silently replace the other. Compared without case, as
    case-insensitive file systems and hosts would serve them."""
    addresses = {page.src_uri: page.url.casefold() for page in catalog.pages}  # once, not once a target
    # Pages that share an address in a target share it in the catalog: only those are looked at per target
    # (usually none; each target's every page was 50,000 lookups at 10,000 articles).
    counts = Counter(addresses.values())
    sharing = {src_uri for src_uri, address in addresses.items() if counts[address] > 1}
    found: dict[tuple[str, str], list[str]] = {}
    for target in targets:
        first: dict[str, str] = {}  # address -> the page found at it first
        shared: dict[str, list[str]] = {}  # address -> every page at it, when more than one
        for page in published[target.name] if sharing else ():
            if page.src_uri not in sharing:
                continue
            address = addresses[page.src_uri]
            earlier = first.setdefault(address, page.src_uri)
            if earlier != page.src_uri:
                shared.setdefault(address, [earlier]).append(page.src_uri)
        for pages in shared.values():  # sorted only where pages share an address: the first by name is kept
            earliest, *later = sorted(pages)
            for src_uri in later:
                found.setdefault((src_uri, earliest), []).append(target.name)
    by_path = {page.src_uri: page for page in catalog.pages}
    return [
        Problem(
            later,
            by_path[later].line_of("id"),
            f"publishes at the same address as {earlier} (/{by_path[later].url}, building {', '.join(targets)}); "
            "expected a different file name",
        )
        for (later, earlier), targets in found.items()
    ]


def _is_client_file(path: str) -> bool:
    return path.startswith("clients/") and path.endswith(".yml") and path.count("/") == 1


KCS_SECTIONS = ("Issue", "Environment", "Resolution", "Cause")


def _kcs_sections(page: Page) -> list[Problem]:
    """Troubleshooting articles follow the KCS template; a missing or reordered section is a warning."""
    if not (page.is_article and page.type == "troubleshooting"):
        return []
    found = kcs_sections(page.body)
    if found == KCS_SECTIONS:
        return []
    return [
        Problem(
            page.src_uri,
            page.body_line,
            f"troubleshooting article: expected the sections {', '.join(KCS_SECTIONS)} in that order, found "
            f"{', '.join(found) or 'none'}",
            severity="warning",
        )
    ]


def kcs_sections(body: str) -> tuple[str, ...]:
    """The KCS sections a body has, in order: its level-2 headings that name one."""
    return tuple(text for level, text in atx_headings(body) if level == 2 and text in KCS_SECTIONS)


def check_templates(catalog: Catalog) -> list[Problem]:
    """Evaluate every page's template for every target (site, internal, each client), as builds will: a
    term a client lacks, a misspelt variable or a bad `/// only` block is found before anyone builds that
    client. Each problem once, with the targets it occurs in; a page past its time budget is not evaluated
    again for the other targets (a minute of waiting per client, for the same problem)."""
    from .render import render_selection, render_titles
    from .select import select
    from .template_budget import OVER_TIME

    failed = {problem.path for problem in catalog.problems if problem.is_error}
    if failed & {"product.yml", "mkdocs.yml"} or any(_is_client_file(path) for path in failed):
        # Templates read the product's terms, the clients' profiles and mkdocs.yml: with one of those wrong, every
        # page would fail for it. The mistake is reported once, where it is (one mistake, one problem).
        return []
    found: dict[Problem, list[str]] = {}
    too_slow: set[str] = set()
    for target in every_target(catalog):
        selection, title_problems = render_titles(catalog, select(catalog, target))
        selection = dataclasses.replace(selection, pages=tuple(p for p in selection.pages if p.src_uri not in too_slow))
        for problem in title_problems + render_selection(catalog, selection)[1]:
            found.setdefault(problem, []).append(target.name)
            if problem.message.startswith(f"template: {OVER_TIME}"):
                too_slow.add(problem.path)
    return [
        Problem(p.path, p.line, f"{p.message} (building {', '.join(targets)})", p.severity)
        for p, targets in found.items()
    ]
