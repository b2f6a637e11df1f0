"""Pictures a build copies into the site as they are: a client's logo, checked when its profile loads (a
raster picture that is what its name says, or an SVG that cannot run or fetch anything), and every SVG
under kb/, docs/ and clients/ (an SVG opened on its own is a document of the help centre's origin).

The logo is copied into every page's header and onto the PDF cover as it is, so an SVG with a script
ran on the help centre's origin. Sniffed, not trusted by suffix: a `logo.png` that is really HTML or SVG
is refused. SVGs are refused rather than rewritten: a picture is made once, and its designer can export
it without scripts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

RASTER_SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
}
SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp", ".svg": "svg"}
# Elements that run script, embed other documents, or (animate, set) can turn a link into javascript:.
_SVG_REFUSED = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener", "set", "animate"}
_EXTERNAL_CSS = re.compile(r"@import|url\(\s*(?!['\"]?\s*#)", re.IGNORECASE)


def sniff(data: bytes) -> str | None:
    """'png', 'jpeg', 'gif' or 'webp' from the file's first bytes; None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return next((kind for kind, marks in RASTER_SIGNATURES.items() if data.startswith(marks)), None)


def check_logo(data: bytes, suffix: str) -> str | None:
    """Why the logo file `data` (named with `suffix`) cannot be used, or None when it can."""
    kind = SUFFIXES.get(suffix.lower())
    if kind is None:
        return f"not a picture; expected a file ending in {', '.join(SUFFIXES)}"
    if kind != "svg":
        found = sniff(data)
        return None if found == kind else f"its content is not a {kind.upper()} picture ({found or 'unknown'})"
    return check_svg(data)


def check_svg(data: bytes) -> str | None:
    """Why an SVG file cannot be published (script, handlers, embedded documents, references), or None."""
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        return "an SVG with a DOCTYPE or entities; expected plain SVG"
    try:
        tree = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"not a well-formed SVG ({exc})"
    if _local(tree.tag) != "svg":
        return f"not an SVG (its root element is <{_local(tree.tag)}>)"
    for element in tree.iter():
        name = _local(element.tag).lower()
        if name in _SVG_REFUSED:
            return f"an SVG with a <{_local(element.tag)}> element; expected one without scripts or embedded content"
        if name == "style" and _EXTERNAL_CSS.search(element.text or ""):
            return "an SVG whose style loads from elsewhere; expected one that references nothing outside it"
        for attribute, value in element.attrib.items():
            attribute = _local(attribute).lower()
            if attribute.startswith("on"):
                return f"an SVG with an event handler ({attribute}); expected one without scripts"
            if attribute in ("href", "src") and not value.strip().startswith("#"):
                return f"an SVG with an external reference ({attribute}={value[:60]!r}); expected one without"
            if attribute == "style" and _EXTERNAL_CSS.search(value):
                return "an SVG whose style loads from elsewhere; expected one that references nothing outside it"
    return None


def _local(tag: str) -> str:
    """'{http://www.w3.org/2000/svg}svg' -> 'svg'."""
    return tag.rpartition("}")[2]
