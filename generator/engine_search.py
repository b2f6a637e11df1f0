"""The site's own search index (Material's search plugin, search/search_index.json) from each page's entries:
a page's entries kept as the JSON text Material writes for them (search_json), and the index joined from
them in the order of a full build rather than encoded again (assemble_search_index)."""

from __future__ import annotations

import json
from typing import Any


def search_json(entries: list[dict[str, Any]]) -> str:
    """A page's search entries as the JSON text Material's search plugin writes for them in its index (its
    separators, `default=str`), comma-separated: the index's "docs" list is these texts joined."""
    return ",".join(json.dumps(entry, separators=(",", ":"), default=str) for entry in entries)


def assemble_search_index(search: Any, pages: list[str]) -> None:
    """Have Material's search plugin write the index joined from each page's entries (search_json, in the
    order of the pages): the JSON it makes of its own entries, without encoding ten thousand pages' entries
    again. Material's layout is taken from the index it makes with no entries; a layout other than
    `{..."docs":[]}` gets the entries decoded, for Material to write as it would."""
    index = search.search_index
    index.entries = []
    empty = index.generate_search_index(None)
    docs = [page for page in pages if page]
    if not empty.endswith('"docs":[]}'):
        index.entries = json.loads(f"[{','.join(docs)}]")
        return
    if docs:  # one join, Material's layout around the entries: tens of megabytes copied once, not twice
        docs[0] = empty[:-2] + docs[0]
        docs[-1] += "]}"
    joined = ",".join(docs) if docs else empty
    # kb never builds "dirty" (MkDocs' serve with --dirty), the only case with a previous index to merge.
    index.generate_search_index = lambda previous: joined


def search_plugin(config: Any) -> Any:
    """Material's search plugin, whose index kb assembles from each page's entries; None without it."""
    for _, plugin in config.plugins.items():
        if hasattr(plugin, "search_index") and hasattr(plugin.search_index, "entries"):
            return plugin
    return None
