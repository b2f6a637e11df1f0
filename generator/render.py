"""Render each selected page as a sandboxed Jinja2 template, then point its links at the staged files.

Only writers' files are ever template source; the values passed in (titles, client names, terms) are data,
and reach the page as text (escaped for markdown and HTML), never as markup."""

from __future__ import annotations

import dataclasses
import posixpath
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import jinja2

from . import client_words
from .anchors import check_anchors, page_anchors, toc_separator, with_stable_heading_ids
from .errors import Problem
from .links import Link, internal_links, is_internal, relative_url, resolve, rewrite_links, with_url
from .memo import remembered
from .model import BOOKS, Catalog, Page, Selection, url_of, without_order_prefixes
from .portal.drafts import as_text
from .select import chapter_numbers
from .snippets import expand_snippets
from .template_budget import BudgetedEnvironment, BudgetExceeded
from .template_source import NO_COMMENT_END, NO_COMMENT_START, set_code_aside


@dataclass(frozen=True)
class ProductView:
    """What `{{ product.* }}` shows a page."""

    name: str
    short_name: str
    version: str
    vendor: str


class TemplateProblem(Exception):
    """A writer's mistake in a template, raised from inside a render to be reported at file:line."""


class ReaderView:
    """What `{{ client.* }}` shows a page: the reader the target is built for (the public, or a client)."""

    def __init__(self, catalog: Catalog, client: str | None):
        self._modules = catalog.product.modules
        profile = catalog.clients.get(client) if client else None
        self.name = as_text(profile.name if profile else catalog.product.vendor + " customers")  # text, as term()
        self.slug = profile.slug if profile else None
        self._licensed = set(profile.modules) if profile else set(self._modules)
        self._known_clients = frozenset(catalog.clients)  # underscore: the sandbox hides it from templates

    def licenses(self, module: str) -> bool:
        if module not in self._modules:
            raise TemplateProblem(
                f"client.licenses({module!r}): unknown module; expected one of {', '.join(self._modules)}"
            )
        return module in self._licensed


def make_environment(catalog: Catalog, client: str | None) -> BudgetedEnvironment:
    """A sandboxed environment with a budget per page (generator/template_budget.py): undefined names are
    errors, no file but the page itself can be loaded."""
    env = BudgetedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        loader=jinja2.FunctionLoader(lambda name: None),
        comment_start_string=NO_COMMENT_START,  # `{#id}` is a heading's attribute list, not a comment
        comment_end_string=NO_COMMENT_END,
    )
    product = catalog.product
    terms = dict(product.terms)
    if client and client in catalog.clients:
        terms.update(catalog.clients[client].terms)

    def term(word: str, plural: bool = False, capital: bool = False) -> str:
        """The word as text: a client's `<script>` term shows as those characters, it is never markup.
        `plural=True`: "capital jobs"; `capital=True`: "Capital job" (client_words.py's word forms)."""
        if word not in terms:
            raise TemplateProblem(f"term({word!r}): not a product term; expected one of {', '.join(terms)}")
        text = client_words.plural(terms[word]) if plural else terms[word]
        return as_text(client_words.capital(text) if capital else text)

    env.globals.update(
        product=ProductView(*(as_text(v) for v in (product.name, product.short_name, product.version, product.vendor))),
        client=ReaderView(catalog, client),
        term=term,
    )
    return env


# What a writer's expression can raise besides Jinja2's own errors: {{ 1 / 0 }}, {{ 'a' - 1 }},
# {{ 'x' | int(base=99) }}, a float too large, a macro that calls itself forever, memory for a value the
# budget could not foresee. Only template code runs inside a render, so these are the writer's to fix.
_EXPRESSION_ERRORS = (ArithmeticError, ValueError, TypeError, LookupError, MemoryError, RecursionError)


def render_page(
    env: BudgetedEnvironment,
    page: Page,
    chapter: str | None = None,
    public: BudgetedEnvironment | None = None,
    separator: str = "-",
    snippets: dict[str, str] | None = None,
) -> str:
    """The page's body with its snippets included (snippets.py) and its template evaluated; raises
    TemplateProblem-bearing Problem on mistakes. A book chapter also gets `{{ chapter }}`, its number in
    this build (a client's book may have fewer).
    Headings made by a template keep the id of their public words (`public`: the public site's
    environment, when `env` is a client's; see anchors.py)."""
    page = dataclasses.replace(page, body=expand_snippets(page, snippets)) if snippets else page
    body = only_blocks(page, env.globals["client"]) if "/// only" in page.body else page.body
    # Nothing to evaluate: no template compiled. A brace first: one character is found many times faster than
    # two, and most pages have none (the two searches were a tenth of a second at 10,000 pages).
    if "{" not in body or ("{{" not in body and "{%" not in body):
        return body
    context = {"chapter": chapter} if chapter else {}
    body = with_stable_heading_ids(body, lambda text: _public_words(public or env, text, context), separator)
    return _evaluate(env, page, body, context, lambda line: page.body_line + (line or 1) - 1)


# A title is not a template: only `{{ term("word") }}` is replaced, so that a title written from a case
# (portal drafts keep the customer's words) never becomes template source, and `{{ 7*7 }}` stays text.
_TITLE_TERM = re.compile(r"\{\{ *+term\( *+([\"'])([\w -]++)\1 *+\) *+\}\}")


def render_title(env: BudgetedEnvironment, page: Page) -> str:
    """The page's `title:` with each `{{ term("word") }}` replaced by this target's word."""
    if "{{" not in page.title:
        return page.title
    term = env.globals["term"]
    try:
        return _TITLE_TERM.sub(lambda found: term(found.group(2)), page.title)
    except TemplateProblem as exc:
        raise _problem(page, page.line_of("title"), f"'title': {exc}") from None


def render_titles(catalog: Catalog, selection: Selection) -> tuple[Selection, list[Problem]]:
    """The selection with every page's title rendered for its target (nav, page title, contents, search and
    PDF then show the target's words), plus the problems found."""
    env = make_environment(catalog, selection.target.client)
    pages, problems = [], []
    for page in selection.pages:
        try:
            title = render_title(env, page)
            pages.append(page if title == page.title else dataclasses.replace(page, title=title))
        except RenderError as exc:
            problems.append(exc.problem)
            pages.append(page)
    return dataclasses.replace(selection, pages=tuple(pages)), problems


def _evaluate(
    env: BudgetedEnvironment,
    page: Page,
    text: str,
    context: dict,
    file_line: Callable[[int | None], int],
    what: str = "",
) -> str:
    """`text` (a page's body or title) evaluated with its code set aside; mistakes raised as RenderError at
    file_line(the template's line)."""

    def problem(line: int | None, message: str) -> RenderError:
        return _problem(page, file_line(line), what + message)

    source, put_back = set_code_aside(text)
    try:
        env.start_page()
        return put_back(env.render_budgeted(source, **context))
    except jinja2.TemplateSyntaxError as exc:
        raise problem(exc.lineno, f"template syntax: {exc.message}; {_LITERAL_HINT}") from None
    except jinja2.UndefinedError as exc:
        raise problem(_template_line(exc), f"template: {exc.message}; {_LITERAL_HINT}") from None
    except jinja2.TemplateNotFound as exc:
        raise problem(_template_line(exc), "template: pages cannot include, import or extend other files") from None
    except jinja2.TemplateError as exc:
        raise problem(_template_line(exc), f"template: {exc.message}") from None
    except (TemplateProblem, BudgetExceeded) as exc:
        raise problem(_template_line(exc), f"template: {exc}") from None
    except _EXPRESSION_ERRORS as exc:
        raise problem(_template_line(exc), f"template: {_describe(exc)}") from None


# What to write instead, for braces that were never meant as a template.
_LITERAL_HINT = (
    "if the braces are meant as text, put them in `code` or between {% raw %} and {% endraw %}; "
    'variables are product.*, client.*, term("word") and, in book chapters, chapter'
)


def _public_words(public: BudgetedEnvironment, heading: str, context: dict) -> str | None:
    """A heading's text as the public site shows it; None when it is not a valid template (the page's own
    render reports that, at its line)."""
    try:
        public.start_page()
        return public.render_budgeted(heading, **context)
    except (jinja2.TemplateError, TemplateProblem, BudgetExceeded, *_EXPRESSION_ERRORS):
        return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "not enough memory for a value (MemoryError); expected smaller values"
    if isinstance(exc, RecursionError):
        return "a macro or recursive loop calls itself without end (RecursionError)"
    return f"{exc} ({type(exc).__name__})"


# Greedy `(.*)`: the lazy `(.*?)\s*$` it replaces retried the end at every character, quadratic in spaces.
_FENCE_OPEN = re.compile(r"^(/{3,})\s*([\w-]+)(?:\s*\|\s*(.*))?\s*$")
_FENCE_CLOSE = re.compile(r"^(/{3,})\s*$")
_CONDITION = re.compile(r"^(module|client)\s*=\s*([\w,\s-]+)$")


def only_blocks(page: Page, reader: ReaderView) -> str:
    """`/// only | module=budgets` ... `///`: the block stays when the reader licenses one of the modules
    (or, with `client=acme,harbor`, is one of the clients), else it goes. Removed lines become empty lines,
    so that later problems still point at the right line of the file."""
    lines = page.body.split("\n")
    stack: list[tuple[int, str, bool]] = []  # (line index, fence, keep) of the open blocks
    for index, line in enumerate(lines):
        opening = _FENCE_OPEN.match(line)
        if opening:
            fence, name, args = opening.groups()
            keep = _condition(page, index, reader, (args or "").rstrip()) if name == "only" else None
            stack.append((index, fence, keep))
            continue
        closing = _FENCE_CLOSE.match(line)
        if closing and stack:
            start, fence, keep = stack.pop()
            if keep is None:
                continue  # another block type (caption, details, ...): the engine handles it
            if keep:
                lines[start] = lines[index] = ""
            else:
                lines[start : index + 1] = [""] * (index + 1 - start)
    for start, _, keep in stack:
        if keep is not None:
            raise _problem(
                page, page.body_line + start, "'/// only' block is not closed; expected a line '///' after its content"
            )
    return "\n".join(lines)


def _condition(page: Page, index: int, reader: ReaderView, args: str) -> bool:
    found = _CONDITION.match(args.strip())
    if not found:
        raise _problem(
            page, page.body_line + index, f"'/// only | {args}': expected 'module=NAME[,NAME]' or 'client=SLUG[,SLUG]'"
        )
    key, values = found.group(1), [v.strip() for v in found.group(2).split(",") if v.strip()]
    if key == "module":
        try:
            return any(reader.licenses(module) for module in values)
        except TemplateProblem as exc:
            raise _problem(page, page.body_line + index, f"'/// only': {exc}") from None
    unknown = [v for v in values if v not in reader._known_clients]
    if unknown:
        expected = ", ".join(sorted(reader._known_clients))
        raise _problem(
            page, page.body_line + index, f"'/// only': unknown client {unknown[0]!r}; expected one of {expected}"
        )
    return reader.slug in values


class RenderError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


# Jinja names the Python class in "has no attribute" messages; writers know these objects by their names.
_VIEW_NAMES = {f"'{__name__}.ReaderView object'": "client", f"'{__name__}.ProductView object'": "product"}


def _problem(page: Page, line: int, message: str) -> RenderError:
    for internal, name in _VIEW_NAMES.items():
        message = message.replace(internal, name)
    return RenderError(Problem(page.src_uri, line, message))


def _template_line(exc: BaseException) -> int | None:
    """Jinja2 rewrites tracebacks so the template's own line shows up as a frame named '<template>'."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == "<template>" and frame.lineno:
            return frame.lineno
    return None


def point_links(page: Page, body: str, selection: Selection, dest_of: Mapping[str, str]) -> str:
    """Rewrite relative links for the staged layout; a link to a page the target leaves out becomes its
    text (a reference definition to one is dropped, and its uses become text). Kept in the build's memo by
    the page's places, its text and where each page it links to goes in this target."""
    links = internal_links(page.src_uri, body)
    if page.dest_uri == page.src_uri and all(dest_of.get(target) == target for _, target, _ in links):
        # An article whose links all go to sources staged at their own paths (articles, their pictures):
        # whether its links change is a fact of its text (some 7 microseconds a page less than the memo).
        if links_as_written(page.src_uri, body):
            return body
    excluded = selection.excluded
    targets = "\n".join(f"{target}\t{dest_of.get(target, '')}\t{target in excluded}" for _, target, _ in links)
    pointed = _pointed_links(page, body, selection, dest_of, targets)
    return body if pointed is None else pointed


class _InPlace(Mapping[str, str]):
    """Every source staged at its own path: `dest_of` for links_as_written."""

    def __getitem__(self, src_uri: str) -> str:
        return src_uri

    def __contains__(self, src_uri: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@remembered("links_as_written")
def links_as_written(src_uri: str, body: str) -> bool:
    """Whether pointing the links of `body` (the text of `src_uri`) leaves them as written when the page and
    every source it links to are staged at their own paths, as an article and the articles and pictures it
    links to are: point_links then has nothing to do. From the text alone (page_facts.py)."""
    return _point_links(src_uri, src_uri, url_of(src_uri), body, frozenset(), _InPlace()) == body


def _pointed_links_inputs(page: Page, body: str, selection: Selection, dest_of: Mapping, targets: str) -> tuple:
    return (page.src_uri, body, targets)  # the page's dest_uri and url follow from its src_uri


@remembered("pointed_links", key=_pointed_links_inputs)
def _pointed_links(page: Page, body: str, selection: Selection, dest_of: Mapping[str, str], targets: str) -> str | None:
    """point_links' result, None when it is `body` as it was (an article's links to articles keep their
    address: the memo does not hold such a body twice)."""
    pointed = _point_links(page.src_uri, page.dest_uri, page.url, body, selection.excluded, dest_of)
    return None if pointed == body else pointed


def _point_links(
    src_uri: str, dest_uri: str, url: str, body: str, excluded: frozenset[str], dest_of: Mapping[str, str]
) -> str:
    """`body` (of the page at `src_uri`, staged at `dest_uri`, published at `url`) with its links pointed."""
    dropped_labels = []

    def replace(link: Link, original: str) -> str | None:
        if not is_internal(link.url):
            return None
        target, anchor = resolve(src_uri, link.url)
        if target in dest_of and link.text == "":  # raw HTML, which the engine leaves as it is: from the address
            return with_url(link, original, posixpath.relpath(dest_of[target], url or ".") + anchor)
        if target in dest_of:
            return with_url(link, original, relative_url(dest_uri, dest_of[target]) + anchor)
        if target in excluded:
            if link.text is None:
                dropped_labels.append(original.strip()[1 : original.strip().index("]:")])
                return "\n" if original.endswith("\n") else ""
            return None if link.is_image else link.text
        return None

    body = rewrite_links(body, replace)
    for label in dropped_labels:
        body = re.sub(
            r"\[([^\[\]]+)\]\[" + re.escape(label) + r"\]|\[(" + re.escape(label) + r")\](?:\[\])?",
            lambda m: m.group(1) or m.group(2),
            body,
            flags=re.IGNORECASE,
        )
    return body


def render_selection(
    catalog: Catalog, selection: Selection, progress: Callable[[Page], None] = lambda page: None
) -> tuple[dict[str, str], list[Problem]]:
    """Every selected page rendered and re-linked: {src_uri: markdown}, plus the problems found."""
    env = make_environment(catalog, selection.target.client)
    dest_of = {page.src_uri: page.dest_uri for page in selection.pages}
    dest_of.update({asset: asset_dest(asset) for asset in selection.assets})
    chapters = chapter_numbers(selection, BOOKS)
    public = make_environment(catalog, None) if selection.target.client else env
    separator = toc_separator(catalog.root)
    bodies, problems = {}, []
    for page in selection.pages:
        try:
            chapter = chapters.get(page.src_uri)
            bodies[page.src_uri] = render_page(env, page, chapter, public, separator, catalog.snippets)
        except RenderError as exc:
            problems.append(exc.problem)
        progress(page)
    anchors: dict[str, set[str]] = {}

    def anchors_of(src_uri: str) -> set[str]:
        if src_uri not in anchors:
            anchors[src_uri] = page_anchors(bodies[src_uri], separator)
        return anchors[src_uri]

    rendered = {}
    for page in selection.pages:
        if page.src_uri in bodies:  # anchors are checked in this target's words, after every page rendered
            problems += check_anchors(page, bodies[page.src_uri], bodies, anchors_of)
            rendered[page.src_uri] = point_links(page, bodies[page.src_uri], selection, dest_of)
    return rendered, problems


def asset_dest(src_uri: str) -> str:
    """Pictures keep their place beside the pages: docs/user/images/a.svg -> user/images/a.svg, and in a
    section docs/user/03-scheduling/images/a.svg -> user/scheduling/images/a.svg, as its pages go."""
    return without_order_prefixes(src_uri.removeprefix("docs/")) if src_uri.startswith("docs/") else src_uri
