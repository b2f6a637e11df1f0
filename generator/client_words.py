"""A client's words for the product's terms, wherever kb writes words and wherever a writer forgot them.

Writers mark a term in a page (`{{ term("project") }}`, `{{ term("project", plural=True, capital=True) }}`);
the labels kb itself writes for a client's build (module titles on the nav and the home page's cards, the
screens' titles in the context map and the help panel) are put in the client's words here, by whole word
and keeping a capital. `literal_terms` finds a renamed term a writer wrote as plain text, for `kb check
--client` and the client's build to list, so a trainer can decide page by page.

Word forms are English: a plural adds "s" ("es" after s, x, z, ch, sh; "ies" for a consonant and y), on the
last word of a term of several words ("capital job" -> "capital jobs")."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .model import Catalog, Page

_CODE = re.compile(r"^(?:```|~~~).*?^(?:```|~~~)[ \t]*$|`[^`\n]+`|\{\{.*?\}\}|\{%.*?%\}", re.DOTALL | re.MULTILINE)


def plural(word: str) -> str:
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def capital(word: str) -> str:
    return word[:1].upper() + word[1:]


def forms(word: str) -> tuple[str, str, str, str]:
    """singular, plural, and both with a capital first letter."""
    many = plural(word)
    return word, many, capital(word), capital(many)


def renamed(catalog: Catalog, client: str | None) -> dict[str, str]:
    """{a form of the product's word: the same form of the client's word} for every term the client renames."""
    profile = catalog.clients.get(client) if client else None
    if profile is None:
        return {}
    pairs = {}
    for key, theirs in profile.terms.items():
        ours = catalog.product.terms.get(key)
        if ours and theirs and ours.casefold() != theirs.casefold():
            pairs.update(zip(forms(ours), forms(theirs), strict=True))
    return pairs


def _pattern(pairs: dict[str, str]) -> re.Pattern | None:
    if not pairs:
        return None
    longest_first = sorted(pairs, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(form) for form in longest_first) + r")\b")


def in_client_words(text: str, pairs: dict[str, str]) -> str:
    """`text` with every form of a renamed term in the client's word ("Project settings" -> "Capital job
    settings")."""
    pattern = _pattern(pairs)
    return pattern.sub(lambda match: pairs[match.group(0)], text) if pattern else text


def target_catalog(catalog: Catalog, client: str | None) -> Catalog:
    """The catalog as a client's build shows it: module titles and descriptions and the screens' titles in
    the client's words. Pages are untouched: their titles and text are the writer's (render.py)."""
    pairs = renamed(catalog, client)
    if not pairs:
        return catalog
    modules = {
        slug: dataclasses.replace(
            module, title=in_client_words(module.title, pairs), description=in_client_words(module.description, pairs)
        )
        for slug, module in catalog.product.modules.items()
    }
    contexts = {
        key: dataclasses.replace(context, title=in_client_words(context.title, pairs))
        for key, context in catalog.contexts.items()
    }
    product = dataclasses.replace(catalog.product, modules=modules)
    return dataclasses.replace(catalog, product=product, contexts=contexts)


@dataclass(frozen=True)
class Literal:
    """A renamed term written as plain text in a page: where, the word as written, and the client's word."""

    path: str
    line: int
    written: str
    theirs: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.written!r} is {self.theirs!r} in this client's words"


def literal_terms(pages: tuple[Page, ...], pairs: dict[str, str]) -> Iterator[Literal]:
    """Every renamed term a page's title or text says literally, outside code and template expressions."""
    pattern = _pattern(pairs)
    if pattern is None:
        return
    for page in pages:
        if pattern.search(page.title):
            yield from (
                Literal(page.src_uri, page.line_of("title"), m.group(0), pairs[m.group(0)])
                for m in pattern.finditer(page.title)
            )
        # Code and `{{ ... }}` are blanked, keeping their newlines, so line numbers stay the source's.
        body = _CODE.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), page.body)
        for match in pattern.finditer(body):
            line = page.body_line + body.count("\n", 0, match.start())
            yield Literal(page.src_uri, line, match.group(0), pairs[match.group(0)])
