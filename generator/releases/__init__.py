"""A version's release notes (`kb release notes`): what changed since the previous version, from git (read
through generator/versions/gitref.py) and from the case database's defects. changes.py judges what changed and
may be told, notes.py writes docs/releases/<version>.md; cli.py is `kb release notes|publish` (publishing itself is the
portal's: generator/portal/defects/publish.py)."""

from .changes import PageChange, Screen, added_screens, page_changes
from .notes import Fix, ReleaseNotes, collect_notes, render_notes, write_notes

__all__ = [
    "Fix",
    "PageChange",
    "ReleaseNotes",
    "Screen",
    "added_screens",
    "collect_notes",
    "page_changes",
    "render_notes",
    "write_notes",
]
