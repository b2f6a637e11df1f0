"""Versions side by side in one help centre: the current version at the site's root, each older one under
v/<version>/, and what the theme's switcher and notices need to move between them without a 404.

    build/site/versions.json          the versions, their status and which are published (root only)
    build/site/kb-pages.json          page ID -> address, in every version's site
    build/site/v/2026.2/...           an older version's own site (its own search, context map)

An older version is built into a folder of its own (build/versions/<name>/site, with its search index and
engine cache beside it) and published into v/<name>/ as hard links, swapped in whole; a build of the
current version carries the published v/ folders over into its new site, so neither build loses the other's
work and no file is copied."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from ..errors import KbError
from ..model import Page, Product, Target
from ..output import OUTPUT_MARK, mark_output, new_folder_beside, swap_into_place
from .model import ProductVersion

VERSIONS_DIR = "v"
VERSIONS_JSON = "versions.json"
PAGE_MAP = "kb-pages.json"


def is_versioned(product: Product) -> bool:
    """Whether the help centre publishes more than one version (else nothing here is written)."""
    return sum(1 for version in product.versions if version.is_built) > 1


def version_path(version: ProductVersion) -> str:
    """Where a version's site is, relative to the help centre's root: '' for the current one, else v/<name>/."""
    return "" if version.is_current else f"{VERSIONS_DIR}/{version.name}/"


def switcher_extra(product: Product, target: Target) -> dict[str, Any]:
    """The theme's `extra.kb` for the switcher and the notices: every built version (newest first), the
    current one, and the way from this version's root up to the help centre's root. Only the public help
    centre has versions side by side; a client's or the agents' build shows one version."""
    if target.name != "site" or not is_versioned(product):
        return {}
    this = product.find_version(product.version)
    current = next(version for version in product.versions if version.is_current)
    return {
        "versions": [
            {"name": version.name, "status": version.status.value, "path": version_path(version)}
            for version in product.versions
            if version.is_built
        ],
        "current_version": current.name,
        "version_status": this.status.value if this else "current",
        "site_root": "" if this is None or this.is_current else "../" * version_path(this).count("/"),
        "version_path": version_path(this) if this else "",
    }


def write_page_map(pages: tuple[Page, ...], site: Path) -> None:
    """kb-pages.json: each page's ID -> its address in this site, for the switcher to find the same page."""
    data = {"pages": {page.id: page.url for page in sorted(pages, key=lambda page: page.id)}}
    (site / PAGE_MAP).write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")


def write_versions_index(site: Path, product: Product) -> None:
    """versions.json at the help centre's root: every built version, with whether its site is there."""
    entries = []
    for version in product.versions:
        if not version.is_built:
            continue
        path = version_path(version)
        published = (site / path / "index.html").is_file()  # the current one too: a version may come first
        entries.append({"name": version.name, "status": version.status.value, "path": path, "published": published})
    current = next(version.name for version in product.versions if version.is_current)
    text = json.dumps({"current": current, "versions": entries}, indent=1) + "\n"
    scratch = site / f".{VERSIONS_JSON}.new"
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, site / VERSIONS_JSON)


def link_tree(source: Path, dest: Path) -> None:
    """A copy of `source` at `dest` made of hard links: no file's bytes are copied."""
    shutil.copytree(source, dest, copy_function=os.link, symlinks=True)


def carry_versions(old_site: Path, new_site: Path) -> None:
    """Before a new build of the current version replaces `old_site`: the older versions published in it
    come along into `new_site` (hard links), so `kb build` does not unpublish them."""
    published = old_site / VERSIONS_DIR
    if not published.is_dir() or not (old_site / OUTPUT_MARK).is_file():
        return
    carried = new_site / VERSIONS_DIR
    if carried.is_dir() and not any(path.is_file() for path in carried.rglob("*")):
        shutil.rmtree(carried)  # folders a reused output kept from an earlier carry (output_reuse.py), emptied
    if carried.exists():
        raise KbError(
            f"the help centre has a page or folder at {VERSIONS_DIR}/, where older versions are published; "
            "expected that address free (rename the page)"
        )
    link_tree(published, new_site / VERSIONS_DIR)


def publish_version(version_site: Path, site: Path, product: Product, name: str) -> Path:
    """Put an older version's built site at <site>/v/<name>/ (whole, in one swap) and update versions.json;
    returns where it went. `site` is made (empty, marked as a build's) when the current one is not built yet."""
    if not site.is_dir():
        site.mkdir(parents=True)
        mark_output(site)
    dest = site / VERSIONS_DIR / name
    dest.parent.mkdir(exist_ok=True)
    with new_folder_beside(dest) as scratch:
        link_tree(version_site, scratch / "site")
        swap_into_place(scratch / "site", dest)
    write_versions_index(site, product)
    return dest
