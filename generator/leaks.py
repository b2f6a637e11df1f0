"""The leak check: nothing private to one client may appear in another client's output.

Selection already keeps other clients' pages out; this is the proof, run on what was actually written.
Every output file is read as text (HTML without its tags, JSON, the sitemap, the engine's search index,
the PDF's text, the Whoosh index's stored fields) and searched for every other client's private content:
their name, their own terms, their private pages' IDs, titles and sentences. Any hit fails the build and
names the file.

Another client's name and their private pages' IDs are leaks wherever they appear, a public page included:
they identify the client. Terms, titles and sentences that this build's own pages also contain are not
(a private page may repeat a public sentence, and a term may be an ordinary word), so a public page that
copies a private sentence word for word is not caught here: it is public text from then on."""

from __future__ import annotations

import gzip
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import KbError
from .model import Catalog, Selection
from .search import plain_text
from .snippets import snippet_owner

_TAGS = re.compile(r"<[^<>]+>")  # not `[^>]`: from each of many unclosed `<`, that scanned to the end
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+")
MIN_SENTENCE = 40  # shorter sentences ("Select Save.") are shared by everyone and prove nothing
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
TEXT_SUFFIXES = {".html", ".htm", ".xml", ".json", ".txt", ".js", ".css", ".svg", ".md", ".yml", ".properties", ".h"}


@dataclass(frozen=True)
class Needle:
    text: str  # normalised: case-folded, whitespace collapsed
    what: str  # "harbor's private article KB-0016"
    # A name or an ID: a leak even where this build's own pages hold it (a public page naming another
    # client is a leak too). Before, every needle found in the build's pages was dropped, names included.
    strict: bool = False


@dataclass(frozen=True)
class Leak:
    path: str
    what: str


class LeakError(KbError):
    def __init__(self, client: str, leaks: list[Leak]):
        lines = [f"  {leak.path}: {leak.what}" for leak in leaks[:50]]
        more = f"\n  ... and {len(leaks) - 50} more" if len(leaks) > 50 else ""
        super().__init__(
            f"the build for client '{client}' holds another client's private content; nothing was published:\n"
            + "\n".join(lines)
            + more
        )
        self.leaks = leaks


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def private_needles(catalog: Catalog, selection: Selection, rendered: dict[str, str]) -> list[Needle]:
    """What other clients own and this build must not contain: names and private page IDs always; terms,
    titles and sentences unless this build's own pages also contain them (shared with a public page, they
    are not a leak)."""
    client = selection.target.client
    allowed = normalise(" ".join(plain_text(rendered[page.src_uri]) + " " + page.title for page in selection.pages))
    own = catalog.clients.get(client)
    own_words = {normalise(word) for word in (*catalog.product.terms.values(), *(own.terms.values() if own else ()))}
    product = catalog.product
    # A name inside the client's own name or the product's ("Acme" in "Acme Water") is not theirs alone.
    own_names = normalise(" | ".join([own.name if own else "", product.name, product.short_name, product.vendor]))
    needles: list[Needle] = []
    for slug, profile in catalog.clients.items():
        if slug == client:
            continue
        name = normalise(profile.name)
        needles.append(Needle(name, f"{slug}'s name '{profile.name}'", strict=name not in own_names))
        for word, theirs in profile.terms.items():
            if normalise(theirs) not in own_words:
                needles.append(Needle(normalise(theirs), f"{slug}'s term '{theirs}' (for '{word}')"))
    for page in catalog.pages:
        if not page.clients or client in page.clients:
            continue
        owners = "/".join(page.clients)
        needles.append(Needle(page.id.casefold(), f"{owners}'s private page {page.id}", strict=True))
        needles.append(Needle(normalise(page.title), f"the title of {owners}'s private page {page.id}"))
        for sentence in _SENTENCE_END.split(plain_text(page.body)):
            sentence = normalise(sentence)
            if len(sentence) >= MIN_SENTENCE:
                needles.append(Needle(sentence, f"text of {owners}'s private page {page.id}: '{sentence[:60]}...'"))
    for name, text in catalog.snippets.items():  # a client's own reusable text (snippets/clients/<slug>/)
        owner = snippet_owner(name)
        if owner and owner != client:
            for sentence in _SENTENCE_END.split(plain_text(text)):
                sentence = normalise(sentence)
                if len(sentence) >= MIN_SENTENCE:
                    needles.append(Needle(sentence, f"text of {owner}'s snippet snippets/{name}: '{sentence[:60]}...'"))
    unique: dict[str, Needle] = {}
    for needle in sorted(needles, key=lambda n: n.strict):  # a strict needle wins over one of the same text
        if needle.text and (needle.strict or needle.text not in allowed):
            unique[needle.text] = needle
    return list(unique.values())


def find_leaks(needles: list[Needle], outputs: list[Path], base: Path) -> list[Leak]:
    """Every (file, needle) hit in the output folders and files; `base` makes the paths readable."""
    if not needles:
        return []
    by_text = {needle.text: needle for needle in needles}
    matcher = _Matcher(by_text)
    leaks = []
    for path, text in _output_texts(outputs):
        found = matcher.found(normalise(text))
        shown = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.as_posix()
        leaks += [Leak(shown, by_text[hit].what) for hit in sorted(found)]
    return leaks


class _Matcher:
    """Every needle in one pass over a text (Aho-Corasick), whole words only: the private ID KB-0014 is
    not in KB-00140 (IDs have 4 to 6 digits), and the name "Acme" is not in "Acmeville".

    One regular expression of all the needles (as before) tried each of hundreds of sentences at every
    position of every file: 7 of a client build's 24 seconds. The automaton reads each text once, and it
    finds a needle inside another one too (a private title within a private sentence)."""

    def __init__(self, texts):
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        for text in texts:
            self._automaton.add_word(text, text)
        self._automaton.make_automaton()

    def found(self, text: str) -> set[str]:
        hits: set[str] = set()
        for end, needle in self._automaton.iter(text):
            if needle in hits:
                continue
            start = end - len(needle) + 1
            if _is_word(needle[0]) and start > 0 and _is_word(text[start - 1]):
                continue
            if _is_word(needle[-1]) and end + 1 < len(text) and _is_word(text[end + 1]):
                continue
            hits.add(needle)
        return hits


def _is_word(char: str) -> bool:
    """What `\\w` matches in a str pattern."""
    return char.isalnum() or char == "_"


def check_client_outputs(
    catalog: Catalog, selection: Selection, rendered: dict[str, str], outputs: list[Path], base: Path
) -> None:
    """Raise LeakError naming every file that holds another client's private content."""
    if selection.target.client is None:
        return
    leaks = find_leaks(private_needles(catalog, selection, rendered), outputs, base)
    if leaks:
        raise LeakError(selection.target.client, leaks)


def _output_texts(outputs: list[Path]) -> Iterator[tuple[Path, str]]:
    for output in outputs:
        if _is_whoosh(output):
            yield output, _whoosh_text(output)
            continue
        files = sorted(p for p in output.rglob("*") if p.is_file()) if output.is_dir() else [output]
        for path in files:
            text = _file_text(path)
            if text is not None:
                yield path, text


def _file_text(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_text(path)
    if suffix == ".gz":
        data = gzip.decompress(path.read_bytes())
        return data.decode("utf-8", errors="replace")
    if suffix not in TEXT_SUFFIXES:
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    if suffix in (".html", ".htm", ".xml", ".svg"):
        text = html.unescape(_TAGS.sub(" ", text)) + " " + text  # the words a reader sees, and the attributes
    elif suffix in (".json", ".js"):
        # \u00fc escapes decoded one by one: decoding the whole file as "unicode_escape" (as before) turned
        # every raw UTF-8 character into mojibake, so a name like "Zürich" was missed in a file with both.
        text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "\\u" in text else text
        # The engine's search index holds titles and text as HTML (stage.py escapes titles for the theme):
        # "R&amp;D" must still be found as "R&D".
        text = html.unescape(text) + " " + text
    return text


def pdf_text(path: Path) -> str:
    """A PDF's words as a reader sees them, from PDFium (pypdfium2): its pages' text, its bookmarks and its
    metadata. PDFium reads our handouts 10 to 25 times faster than pypdf (bench/pdf_text.py), which was a
    third of a client's build; Poppler is about as fast but needs a system library and a compiled binding,
    where pypdfium2 is a wheel, with the bookmarks and metadata in the same API.

    PDFium's page text joins a word broken after a hyphen at the end of a line (`start-to-` / `finish`)
    and marks the break with U+0002: read as the hyphen it stands for, and as nothing (a word broken by
    hyphenation), so that MARKER-HARBOR-4a7b broken after `MARKER-` is still found (pypdf gave
    `marker- harbor-4a7b`, which no needle matched). PDFium's page text also runs the cells of a table
    row together (`KB-0016Total`), which would hide an ID's word boundary: the text of each text object
    (one run of a line), spaced, is read too."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_raw

    document = pdfium.PdfDocument(path)
    try:
        lines, runs = [], []
        for page in document:
            textpage = page.get_textpage()
            lines.append(textpage.get_text_bounded())
            for run in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT], max_depth=15):
                run.textpage = textpage  # extract() reads through the page's text
                try:
                    runs.append(run.extract())
                except pdfium.PdfiumError:  # a run without text (PDFium says "failed"): the page text has it
                    pass
        marks = [item.get_title() or "" for item in document.get_toc()]
        marks += [str(value) for value in document.get_metadata_dict().values()]
    finally:
        document.close()
    text = "\n".join(lines)
    hyphens = text.replace(_LINE_END_HYPHEN, "-")
    # Text drawn glyph by glyph (the words of an SVG picture) comes out of PDFium (and pypdf) without the
    # gaps between neighbouring words: `DescriptionKB-0016`. Where a lower-case letter meets a capital,
    # the words are read apart too, so that the ID's word boundary is there.
    apart = _CASE_JOIN.sub(" ", hyphens)
    return " ".join((hyphens, text.replace(_LINE_END_HYPHEN, ""), apart, *runs, *marks))


_LINE_END_HYPHEN = "\x02"  # PDFium's mark for a hyphen at which a line breaks
_CASE_JOIN = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _is_whoosh(path: Path) -> bool:
    return path.is_dir() and any(p.suffix == ".toc" for p in path.iterdir())


def _whoosh_text(index_dir: Path) -> str:
    from whoosh import index

    with index.open_dir(str(index_dir)).searcher() as searcher:
        return " ".join(" ".join(str(v) for v in fields.values()) for fields in searcher.all_stored_fields())
