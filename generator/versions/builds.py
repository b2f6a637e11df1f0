"""`kb build --version` and `--all-versions`, and a client's build on the version it runs: an older version's
help centre built by today's generator from the sources its git ref holds (gitref.py), then published
under the current site's v/<name>/ (publish.py).

    build/versions/<name>/src          the ref's sources (kept while the ref's tree is the same)
    build/versions/<name>/site         that version's site; -search and -cache beside it, as for build/site
    build/versions/<name>/built.json   what the published site was made from: skipped when that is unchanged

A version's sources are loaded and checked as the current ones are, against today's list of versions (its
pages' `versions:` and the switcher use product.yml as it is now); a mistake in them is reported with the
version and the ref it is in. Each version keeps its own engine cache, so a rebuild of a version whose ref
moved re-renders only what changed."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..catalog import load_catalog, load_product
from ..errors import KbError, Problem, SourceError
from ..model import SITE, ClientProfile, Product
from ..output import check_out_dir
from ..progress import Reporter
from .gitref import VersionSources, load_version_sources
from .model import ProductVersion, version_key
from .publish import publish_version

STAMP = "built.json"


def versions_dir(root: Path) -> Path:
    return root / "build" / "versions"


def load_current_product(root: Path) -> Product:
    """The working tree's product.yml, which lists the versions; its problems stop the build."""
    problems: list[Problem] = []
    product = load_product(root, problems)
    errors = [problem for problem in problems if problem.is_error]
    if errors:
        raise SourceError(errors)
    return product


def find_built_version(product: Product, name: str, asked: str = "--version") -> ProductVersion:
    """The version `name` names exactly, when it has sources to build; else a KbError listing those that do."""
    built = [version.name for version in product.versions if version.is_built]
    version = product.find_version(name)
    if version is None or not version.is_built:
        why = "is planned (not released: no sources yet)" if version else "is not a version of product.yml"
        raise KbError(f"{asked} {name[:60]!r}: {why}; expected one of {', '.join(built)}")
    return version


@dataclass(frozen=True)
class LoadedVersion:
    """A version's sources on disk, loaded and checked as `kb build` loads the current ones (build.Sources)."""

    version: ProductVersion
    files: VersionSources
    sources: Any  # build.Sources


def load_version(
    root: Path, product: Product, version: ProductVersion, files: VersionSources | None = None
) -> LoadedVersion:
    """Read `version`'s sources from its ref (unless `files` holds them already) and load them, with today's
    list of versions."""
    from ..build import Sources
    from ..checks import check_catalog

    files = files or load_version_sources(root, version, versions_dir(root) / version.name / "src")
    catalog = load_catalog(files.root)
    catalog = dataclasses.replace(
        catalog, product=dataclasses.replace(catalog.product, version=version.name, versions=product.versions)
    )
    return LoadedVersion(version, files, Sources(catalog, tuple(check_catalog(catalog))))


@contextmanager
def errors_named(version: ProductVersion) -> Iterator[None]:
    """A mistake in an older version's sources says which version and ref it is in (the file is in git)."""
    try:
        yield
    except KbError as exc:
        raise KbError(f"version {version.name} (ref {version.ref}): {exc.format_message()}") from None


class VersionReporter:
    """A reporter that says which version each step is of, for builds of several versions in one run."""

    def __init__(self, inner: Reporter, name: str):
        self.inner, self.name = inner, name

    def step(self, message: str) -> None:
        self.inner.step(f"[{self.name}] {message}")

    def advance(self, total: int) -> Callable[[Any], None]:
        return self.inner.advance(total)


@dataclass(frozen=True)
class VersionOutcome:
    name: str
    pages: int
    skipped: bool  # unchanged since the site published there was built
    published: Path


def _stamp(files: VersionSources, product: Product, root: Path) -> dict[str, Any]:
    from ..engine_keys import code_key

    listed = [[v.name, v.status.value, v.ref] for v in product.versions]  # the switcher and notices show these
    return {"tree": files.tree, "code": code_key(root / "overrides"), "versions": listed}


def build_version(
    root: Path,
    product: Product,
    version: ProductVersion,
    reporter: Reporter,
    strict: bool = False,
    full: bool = False,
    reuse: bool = True,
) -> VersionOutcome:
    """Build an older `version` from its ref and publish it under build/site/v/<name>/. With `reuse`, a version
    whose ref's tree, kb's code and theme, and the list of versions are those of its published site is left as
    it is."""
    from ..build import build_target, index_beside

    site = check_out_dir(root / "build" / "site", root)
    folder = versions_dir(root) / version.name
    out = check_out_dir(folder / "site", root)
    check_out_dir(index_beside(out), root)
    reporter = VersionReporter(reporter, version.name)
    reporter.step(f"Reading the sources of version {version.name} from git ({version.ref})")
    with errors_named(version):
        files = load_version_sources(root, version, folder / "src")
        stamp = _stamp(files, product, root)
        published = site / "v" / version.name
        if reuse and not full and _read_stamp(folder) == stamp and (published / "index.html").is_file():
            reporter.step("Unchanged since its last build: kept as published")
            return VersionOutcome(version.name, 0, True, published)
        loaded = load_version(root, product, version, files)
        if full:
            from ..engine_cache import cache_beside

            shutil.rmtree(cache_beside(out), ignore_errors=True)
        result = build_target(loaded.files.root, SITE, out, strict=strict, reporter=reporter, sources=loaded.sources)
        for warning in result.warnings:
            reporter.step(f"warning: {warning}")
    (folder / STAMP).write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")
    published = publish_version(out, site, product, version.name)
    reporter.step(f"Published at {published.relative_to(root).as_posix()}/")
    return VersionOutcome(version.name, result.pages, False, published)


def older_versions(product: Product) -> list[ProductVersion]:
    """The versions built under v/, newest first."""
    return sorted(
        (version for version in product.versions if version.is_built and not version.is_current),
        key=lambda version: version_key(version.name),
        reverse=True,
    )


def _read_stamp(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class ClientSources:
    """Where a client's build reads from: the working tree (`sources` None) or its version's ref."""

    root: Path
    profile: ClientProfile
    sources: Any  # build.Sources or None
    version: ProductVersion | None
    runs: str = ""  # the name of the version the client runs (the current one's when `version` is None)

    def describe(self, doing: str) -> str:
        """`doing` (e.g. "built") said with the version it is of: "Acme runs version 2026.2: built from v2026.2"."""
        if self.version is not None:
            return f"{self.profile.name} runs version {self.version.name}: {doing} from {self.version.ref}"
        return f"{self.profile.name} runs version {self.runs}, the current one: {doing} from the working tree"


def client_sources(root: Path, profile: ClientProfile) -> ClientSources:
    """A client on an older version (`version:` in clients/<slug>.yml) is built from that version's ref: its
    pages, PDFs and context map (contexts.yml) are that version's. Its profile is the one in that ref."""
    product = load_current_product(root)
    if not profile.version or profile.version == product.version:
        return ClientSources(root, profile, None, None, product.version)
    version = find_built_version(product, profile.version, f"clients/{profile.slug}.yml: 'version':")
    with errors_named(version):
        loaded = load_version(root, product, version)
        theirs = loaded.sources.catalog.clients.get(profile.slug)
        if theirs is None:
            raise KbError(
                f"clients/{profile.slug}.yml runs {version.name}, whose sources have no clients/{profile.slug}.yml; "
                "expected the client's profile in that version (or a later `version:`)"
            )
    return ClientSources(loaded.files.root, theirs, loaded.sources, version, version.name)


def prepare_client_versions(root: Path, profiles: list[ClientProfile]) -> None:
    """Read the sources of every version these clients run, once, before their builds run in parallel
    (each then finds them ready instead of extracting the same ref at the same time)."""
    product = load_current_product(root)
    for name in sorted({profile.version for profile in profiles if profile.version} - {product.version}):
        version = find_built_version(product, name, "'version':")
        with errors_named(version):
            load_version_sources(root, version, versions_dir(root) / version.name / "src")
