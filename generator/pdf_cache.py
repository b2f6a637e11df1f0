"""The handouts' cache: a book's PDF as the last build printed it, reused when nothing that goes into it
changed, so that a client build after one edit prints only the books the edit reaches.

A book's PDF is made by WeasyPrint from one HTML document (pdf.write_book_pdf: the chapters' HTML with
their drawn diagrams, the cover with the client's name, colours, contact and date, the print CSS inline),
the files WeasyPrint reads for it (pictures, the logo), the fonts fontconfig offers, and the code that
prints (WeasyPrint and the libraries under it, kb's own package). The key is a digest of the document and
of everything else but the files read; those are recorded while the book prints, with a digest of each,
and checked again before a reuse (as the site engine checks a page's links, engine_cache.py). The
document names the build's scratch folder (a new one each build) in its pictures' addresses: that part
is written as `<docs>/` in the key, since WeasyPrint reads the files and never writes their paths.

Printing a book chapter by chapter and joining them would not give the same PDF: page numbers, the
contents' page references, the answer key's "see page", running headers and bookmarks all depend on the
layout of the whole book. So a book is reused whole or printed whole.

The cache sits in the engine's cache folder beside the output (`build/client-acme-cache/pdf/`), one entry
per book file: `<name>.pdf` and `<name>.json` (its key, the PDF's digest, its page count, the files read).
It is never trusted blindly: an entry whose record is unreadable or malformed, whose key differs, whose
PDF is not the one recorded (its digest), or whose files read are not as recorded is ignored and the book
printed again. The PDF is written first and the record last, each by one rename.

Pruning: an entry is only ever replaced by the next print of the same book file, so the entry of a book a
target no longer has (its modules dropped, its chapters gone) stayed for ever. `prune` removes them, judged
by file name alone (a damaged entry of a book the target still has is replaced by its next print, not
removed). Only a build of the whole target prunes, and only after every book printed, under the lock that
builds of the same output take (build.py), so no build that could use the entry is running: a `--book`
build does not know which books the whole target holds and prunes nothing, and entries of another target's
names (an `--out` shared on purpose) are left alone. `prune_gone_clients` removes the whole cache of the
handouts of a client whose profile is gone (`kb build --all-clients` runs it), unless its profile is back
on disk or a build holds its cache folder."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .engine_cache import cache_beside, ours_to_write
from .engine_keys import code_digest, digest
from .model import BOOKS, Target
from .output import locked_if_free, mark_output

FORMAT = 1  # bump when what a record holds, or how a key is made, changes
DOCS = "<docs>/"  # the scratch folder's address in a key and in the files read
# What turns the document into PDF bytes: WeasyPrint and the Python libraries it prints with.
_LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "fonttools", "pillow", "cffi")


def pdf_cache_beside(out: Path) -> Path:
    """Where the handouts of the output `out` are kept between builds: in its engine cache folder."""
    return cache_beside(out) / "pdf"


@dataclass(frozen=True)
class Reused:
    pdf: bytes
    pages: int


class PdfCache:
    """The books a previous build printed into `folder` (None: no cache), and this build's."""

    def __init__(self, folder: Path | None, trusted: bool = True):
        self.folder, self.trusted = folder, trusted
        # Once per build, here (before the books' processes fork), not once per book.
        self.printing = printing_digest() if folder is not None else ""

    @classmethod
    def beside(cls, out: Path, trusted: bool = True) -> PdfCache:
        """The cache for the output `out`; none when its cache folder is not kb's to write (a writer's folder
        that happens to sit there). `trusted` False (`kb build --full`): nothing is reused, all is stored."""
        folder = cache_beside(out)
        return cls(pdf_cache_beside(out) if ours_to_write(folder) else None, trusted)

    def reuse(self, name: str, key: str, docs_dir: Path) -> Reused | None:
        """The PDF stored for the book file `name` under `key`, when it and the files it read are exactly as
        recorded; else None (print it)."""
        if self.folder is None or not self.trusted:
            return None
        record = _load_record(self._entry(name, ".json"))
        if record is None or record["key"] != key:
            return None
        try:
            pdf = self._entry(name, ".pdf").read_bytes()
        except OSError:
            return None
        if hashlib.sha256(pdf).hexdigest() != record["pdf"]:
            return None
        if any(file_digest(url, docs_dir) != found for url, found in record["read"].items()):
            return None
        return Reused(pdf, record["pages"])

    def _entry(self, name: str, suffix: str) -> Path:
        """A file of the book file `name`'s entry (acme-user.pdf: acme-user.json, acme-user.pdf)."""
        return self.folder / (Path(name).stem + suffix)

    def store(self, name: str, key: str, pdf: Path, pages: int, read: dict[str, str | None]) -> None:
        """Keep the book just printed at `pdf` for the next build: its key, page count and the files it read."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        mark_output(self.folder.parent)  # the engine's test for a cache folder kb may write
        data = pdf.read_bytes()
        _write(self._entry(name, ".pdf"), data)
        record = {"format": FORMAT, "key": key, "pdf": hashlib.sha256(data).hexdigest(), "pages": pages, "read": read}
        _write(self._entry(name, ".json"), json.dumps(record, sort_keys=True).encode("utf-8"))

    def prune(self, target: Target, printed: set[str]) -> list[str]:
        """After a build of the whole `target` printed the book files `printed` (acme-user.pdf, ...): remove
        the entries of its other book files, which it no longer has, and what builds killed while writing an
        entry left; returns the names of the files removed. Call it under the output's lock (see above)."""
        if self.folder is None or target.books is not None or not self.folder.is_dir():
            return []
        ours = {Path(target.pdf_name(book)).stem for book in BOOKS}  # acme-user, acme-admin, acme-training
        dropped = ours - {Path(name).stem for name in printed}
        removed = []
        for path in sorted(self.folder.iterdir()):
            # _write's scratch files: .acme-user.pdf-<random>; nothing writes them now (the lock, every child done)
            scratch = any(path.name.startswith(f".{stem}.") for stem in ours)
            if scratch or (path.suffix in (".pdf", ".json") and path.stem in dropped):
                path.unlink(missing_ok=True)
                removed.append(path.name)
        return removed


def prune_gone_clients(root: Path) -> list[str]:
    """Remove the handouts' cache of each client with none of its profile left (clients/<slug>.yml): beside its
    output (build/client-<slug>-cache/pdf) and beside kb serve's preview of it; returns those clients' slugs.
    A cache folder a live build holds is left (a build of that slug runs: its profile came back)."""
    build = root / "build"
    found: dict[str, list[Path]] = {}
    for cache in sorted(build.glob("client-*-cache")):
        slug = cache.name[len("client-") : -len("-cache")]
        if not (root / "clients" / f"{slug}-cache.yml").exists():  # else it is client <slug>-cache's output
            found.setdefault(slug, []).append(cache)
    for preview in sorted((build / "preview").glob("client-*")):
        found.setdefault(preview.name[len("client-") :], []).append(preview / "handouts-cache")
    gone = []
    for slug, caches in sorted(found.items()):
        if (root / "clients" / f"{slug}.yml").exists():
            continue
        for cache in caches:
            if not (cache / "pdf").is_dir() or cache.is_symlink() or not ours_to_write(cache):
                continue
            with locked_if_free(cache) as free:
                if free and not (root / "clients" / f"{slug}.yml").exists():
                    shutil.rmtree(cache / "pdf")
                    gone.append(slug)
    return sorted(set(gone))


def book_key(document: str, docs_dir: Path, printing: str) -> str:
    """The key of a book printed from the HTML `document` with its files under `docs_dir` (the scratch
    folder's address written as DOCS) by `printing` (printing_digest)."""
    return digest(str(FORMAT), document.replace(_docs_uri(docs_dir), DOCS), printing)


def printing_digest() -> str:
    """A digest of what prints a document: the printing libraries' versions, the fonts and kb's code."""
    return digest(*(f"{name}={_version(name)}" for name in _LIBRARIES), *_native_libraries(), *_fonts(), code_digest())


def files_read(urls: set[str], docs_dir: Path) -> dict[str, str | None]:
    """What WeasyPrint read while printing (file: URLs), as {address with DOCS: digest of the file or None}."""
    base = _docs_uri(docs_dir)
    read = {}
    for url in sorted(urls):
        address = DOCS + url[len(base) :] if url.startswith(base) else url
        read[address] = file_digest(address, docs_dir)
    return read


def file_digest(address: str, docs_dir: Path) -> str | None:
    """The digest of the file at a recorded `address` (under DOCS: in this build's `docs_dir`); None for none."""
    url = _docs_uri(docs_dir) + address[len(DOCS) :] if address.startswith(DOCS) else address
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    try:
        return hashlib.sha256(Path(unquote(parts.path)).read_bytes()).hexdigest()
    except OSError:
        return None


def _docs_uri(docs_dir: Path) -> str:
    return docs_dir.resolve().as_uri() + "/"


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _native_libraries() -> list[str]:
    """The version of Pango, the C library that lays out the text (WeasyPrint's bindings ask no other's)."""
    from weasyprint.text.ffi import pango

    return [f"pango={pango.pango_version()}"]


def _fonts() -> list[str]:
    """Every font fontconfig offers (file, size, modification time) and its configuration files' contents:
    a font installed, removed or upgraded may change which glyphs a book is set in."""
    from weasyprint.text.ffi import ffi, fontconfig

    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        fonts = fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem)
        name = ffi.new("FcChar8 **")
        files = set()
        for number in range(fonts.nfont if fonts != ffi.NULL else 0):
            if fontconfig.FcPatternGetString(fonts.fonts[number], b"file", 0, name) == fontconfig.FcResultMatch:
                files.add(ffi.string(name[0]).decode("utf-8", "surrogateescape"))
        configs = fontconfig.FcConfigGetConfigFiles(config)
        config_files = []
        while configs != ffi.NULL and (entry := fontconfig.FcStrListNext(configs)) != ffi.NULL:
            config_files.append(ffi.string(entry).decode("utf-8", "surrogateescape"))
    finally:
        fontconfig.FcConfigDestroy(config)
    parts = []
    for path in sorted(files):
        try:
            stat = os.stat(path)
            parts.append(f"font:{path}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(f"font:{path}:-")
    for path in sorted(config_files):
        try:
            parts.append(f"config:{path}:{hashlib.sha256(Path(path).read_bytes()).hexdigest()}")
        except OSError:  # a folder of configuration files, or one gone: its name is enough
            parts.append(f"config:{path}:-")
    return parts


def _load_record(path: Path) -> dict | None:
    """A book's record when it is exactly one this code wrote; else None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    kinds = {"format": int, "key": str, "pdf": str, "pages": int, "read": dict}
    if not isinstance(data, dict) or set(data) != set(kinds) or data.get("format") != FORMAT:
        return None
    if any(not isinstance(data[name], kind) for name, kind in kinds.items()):
        return None
    read = data["read"].items()
    if not all(isinstance(url, str) and (found is None or isinstance(found, str)) for url, found in read):
        return None
    return data


def _write(path: Path, data: bytes) -> None:
    """Write `data` at `path` in one rename: a build killed meanwhile leaves the old file or none, never half."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
