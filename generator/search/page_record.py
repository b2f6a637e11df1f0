"""The index's record of the pages it was made from: each page's key (documents.page_key, a digest of
everything its documents are made from) and its documents' IDs and digests, kept in the index folder.

An index update must know every document's digest to find what changed, and the documents of 10,000 pages
are their whole text: this record gives the digests of every page whose key it holds, so only an edited
page's documents are made. It is written with the index it describes, in the same new folder, and swapped
in with it. It was kept in the build's memo, which only the build's own process can write; in the index,
the update can be worked out by a child process while the engine runs (alongside.py).

Derived data, never trusted when in doubt: a record that is missing, damaged (its digest), made by other
code (engine_keys.code_key: how documents are made may have changed) or not in this form is ignored, and
every page's documents are made again, as for a new index."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from ..engine_keys import code_key

PAGES_FILE = "pages.tsv"
_HEADER = "kb-index-pages 1"  # then the code's key, the body's digest; then a line a page: key, then ID, digest...

Record = Mapping[str, tuple[tuple[str, str], ...]]


def write_page_record(record: Record, index_dir: Path) -> None:
    """Write `record` (page key -> its documents' (ID, digest)) into the index folder `index_dir`."""
    if any("\t" in doc_id or "\n" in doc_id for pairs in record.values() for doc_id, _ in pairs):
        return  # an ID a line cannot hold: no record, every page's documents made again next time
    lines = []
    for key, pairs in sorted(record.items()):
        fields = [key]
        for doc_id, digest in pairs:
            fields += (doc_id, digest)
        lines.append("\t".join(fields) + "\n")
    body = "".join(lines)
    header = f"{_HEADER}\t{code_key()}\t{_digest(body)}\n"
    (index_dir / PAGES_FILE).write_text(header + body, encoding="utf-8")


def load_page_record(index_dir: Path) -> dict[str, tuple[tuple[str, str], ...]]:
    """The record in the index folder `index_dir`; {} when there is none that can be trusted (see above)."""
    try:
        text = (index_dir / PAGES_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    header, _, body = text.partition("\n")
    if body and not body.endswith("\n"):
        return {}
    if header != f"{_HEADER}\t{code_key()}\t{_digest(body)}":
        return {}
    record = {}
    for line in body.split("\n")[:-1]:  # split at "\n" only: an ID may hold what splitlines() splits at
        fields = line.split("\t")
        if len(fields) % 2 != 1:
            return {}
        record[fields[0]] = tuple(zip(fields[1::2], fields[2::2], strict=True))
    return record


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
