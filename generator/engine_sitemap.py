"""The site's sitemap.xml and sitemap.xml.gz, kept in the engine cache by what they are made from.

MkDocs renders its sitemap template over every page each build and compresses it (0.06 s of a one-edit
build at 10,000 articles). MkDocs' own template reads of each page only its address (is_link, abs_url,
canonical_url) and its update date, so the two files a build made are kept under a digest of those and
of the engine key (kb's code, the libraries' versions, the theme and the configuration), and written again
as they were when a later build's pages give the same digest.

Only MkDocs' own template is kept so (a theme's or an override's sitemap.xml may read anything), and only
when no plugin hooks templates. The kept file carries a digest of its contents: one that does not match,
or any other file, is ignored and the sitemap rendered, as it is with `kb build --full`."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from .engine_keys import digest
from .memo import remove_path

SITEMAP = "sitemap.xml"
KEPT = "sitemap"  # the folder of the kept sitemap in the engine cache's folder
_TEMPLATE_EVENTS = ("pre_template", "template_context", "post_template")


def build_sitemap(
    env: Any, files: Any, config: Any, nav: Any, engine_key: str, folder: Path | None, trusted: bool = True
) -> None:
    """Write the site's sitemap.xml and .gz as MkDocs' build does: the ones kept in `folder` (the engine cache's,
    None for none) for the same pages and `engine_key`, else (or not `trusted`: `--full`) rendered by MkDocs
    and kept there."""
    from mkdocs.commands import build

    key = _sitemap_key(env, files, config, engine_key) if folder is not None else None
    if key is None or folder is None:
        build._build_theme_template(SITEMAP, env, files, config, nav)
        return
    kept = _read_kept(folder / KEPT / key) if trusted else None
    site_dir = config.site_dir
    if kept is not None:
        for name, data in zip((SITEMAP, f"{SITEMAP}.gz"), kept, strict=True):
            _write(data, os.path.join(site_dir, name))
        return
    build._build_theme_template(SITEMAP, env, files, config, nav)
    try:
        made = [Path(site_dir, name).read_bytes() for name in (SITEMAP, f"{SITEMAP}.gz")]
    except OSError:  # the template made nothing (MkDocs skips an empty one): nothing to keep
        return
    _keep(folder / KEPT, key, *made)


def _sitemap_key(env: Any, files: Any, config: Any, engine_key: str) -> str | None:
    """The digest of what MkDocs' own sitemap template reads, or None when the sitemap is not MkDocs' own
    template or a plugin may change what it makes."""
    from mkdocs import utils

    if any(config.plugins.events.get(event) for event in _TEMPLATE_EVENTS):
        return None
    from jinja2 import TemplateNotFound

    try:
        template = env.get_template(SITEMAP)
    except TemplateNotFound:  # MkDocs' to report
        return None
    own = os.path.join(os.path.dirname(utils.__file__), os.pardir, "templates", SITEMAP)
    if template.filename is None or os.path.realpath(template.filename) != os.path.realpath(own):
        return None
    fields = []
    for file in files.documentation_pages():  # the context's `pages`, as MkDocs' get_context gives them
        page = file.page
        if page is None:
            fields.append("\x01")
        else:
            fields.append(f"{page.is_link!r}\x01{page.abs_url}\x01{page.canonical_url}\x01{page.update_date}")
    return digest(engine_key, SITEMAP, *fields)


def _read_kept(path: Path) -> tuple[bytes, bytes] | None:
    """The sitemap and its compressed copy kept at `path`, when the file is intact (its digest matches)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, _, rest = data.partition(b"\n")
    sizes, _, body = rest.partition(b"\n")
    if hashlib.sha256(rest).hexdigest().encode() != head or not sizes.isdigit():
        return None
    size = int(sizes)
    if size > len(body):
        return None
    return body[:size], body[size:]


def _keep(folder: Path, key: str, xml: bytes, gz: bytes) -> None:
    """Keep the sitemap made for `key` (in one rename), and no other."""
    if not folder.is_dir() or folder.is_symlink():
        remove_path(folder)
        folder.mkdir()
    rest = b"%d\n%s%s" % (len(xml), xml, gz)
    handle, temporary = tempfile.mkstemp(prefix=".sitemap-", dir=folder)
    with os.fdopen(handle, "wb") as stream:
        stream.writelines([hashlib.sha256(rest).hexdigest().encode(), b"\n", rest])
    if (folder / key).is_dir() and not (folder / key).is_symlink():  # a folder planted in its place
        remove_path(folder / key)
    os.replace(temporary, folder / key)
    for other in folder.iterdir():
        if other.name != key:
            remove_path(other)


def _write(data: bytes, path: str) -> None:
    """As MkDocs writes a file of the site (utils.write_file)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as stream:
        stream.write(data)
