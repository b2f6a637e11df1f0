"""What `kb serve` builds from and watches: the working tree, or, for a client on an older product version
(`version:` in clients/<slug>.yml), that version's sources read from its git ref, as `kb build --client`
builds it (versions/builds.py's client_sources). A trainer previewing a client's manual sees what the
client will get.

What is watched for an older version, and why: its pages, chapters, snippets and screens are the ref's, so
an edit under kb/, docs/ or snippets/ of the working tree cannot change them, and a rebuild for it would show
the same site; those are not watched (the preview says so). What the working tree does decide for it is
watched: overrides/ (every version is built with today's theme), product.yml (the versions and their refs)
and the client's own profile (which version it runs). Git's files are not watched: a ref that moves (a
branch with a new commit) is read again at the next rebuild, or when kb serve starts again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import Target, client_target

# The working tree's sources and project files, watched when the preview is built from them.
WATCHED = ("kb", "docs", "snippets", "clients", "overrides", "demo", "product.yml", "contexts.yml", "mkdocs.yml")


@dataclass(frozen=True)
class PreviewSource:
    """Where a preview's build reads (`root`; `sources` already loaded for an older version), what it builds,
    which version that is (None: the working tree), and what of the project to watch (relative paths)."""

    root: Path
    target: Target
    sources: Any  # build.Sources, or None: loaded from `root` by each build
    version: str | None
    watched: tuple[str, ...]
    message: str | None = None  # what the preview says it shows, for a client


def preview_source(root: Path, target: Target) -> PreviewSource:
    """What to build and watch to preview `target` of the project at `root`; KbError when the client's profile
    or its version cannot be read (a ref missing from git, say)."""
    if not target.is_client:
        return PreviewSource(root, target, None, None, WATCHED)
    from .versions.builds import client_sources

    on = client_sources(root, _profile(root, target.client))
    if on.version is None:
        return PreviewSource(root, client_target(on.profile), None, None, WATCHED, on.describe("previewed"))
    watched = ("overrides", "product.yml", f"clients/{on.profile.slug}.yml")
    message = (
        f"{on.describe('previewed')}. Edits to kb/, docs/ and the other sources of the working tree do not "
        f"change version {on.version.name}, so they are not watched; overrides/ (today's theme), product.yml "
        f"and clients/{on.profile.slug}.yml are."
    )
    return PreviewSource(on.root, client_target(on.profile), on.sources, on.version.name, watched, message)


def _profile(root: Path, slug: str):
    """The client's profile as the working tree has it now, read without the pages (a rebuild reads it again
    to notice a changed `version:`); a broken or removed profile is the KbError `kb build --client` gives."""
    from .catalog import load_catalog, load_clients, load_product

    problems: list = []
    root = root.resolve()  # as load_catalog reads it: a profile's files are checked to be inside it
    profile = load_clients(root, problems, load_product(root, problems)).get(slug)
    if profile is not None:
        return profile
    from .client_builds import resolve_client

    return resolve_client(load_catalog(root), slug)  # raises, with the profile's own problems when it has some
