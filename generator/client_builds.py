"""Client builds: which client a command line means, and every client at once, in parallel processes that
share the loaded sources and the imported pipeline.

A client ID from the command line is only ever compared with the registered profiles' slugs; paths are
made from the profile's slug (which comes from a validated file name), never from what was typed. So
`../acme`, `ACME ` or a look-alike `аcme` (Cyrillic a) is an error, not a folder."""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.connection
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .catalog import load_catalog
from .errors import KbError, SourceError
from .forking import alone_in_process
from .model import Catalog, ClientProfile
from .output import check_out_dir
from .progress import Progress


def resolve_client(catalog: Catalog, typed: str) -> ClientProfile:
    """The registered profile `typed` names exactly; else a KbError (the profile's own problems, when it
    exists but is invalid)."""
    if typed in catalog.clients:
        return catalog.clients[typed]
    # A profile with mistakes is not registered: show its problems (clients/acme.yml:3: ...) rather than
    # "no such client". Only problem paths are compared with what was typed; no path is made from it.
    own = [p for p in catalog.problems if p.is_error and p.path == f"clients/{typed}.yml"]
    if own:
        raise SourceError(own)
    known = ", ".join(sorted(catalog.clients)) or "none (add clients/<slug>.yml)"
    # repr() once (it was applied twice to unprintable input), and a look-alike letter is named: 'аcme'
    # with a Cyrillic а reads exactly like acme.
    shown = repr(typed[:60]) + ("..." if len(typed) > 60 else "")
    foreign = sorted({char for char in typed[:60] if not char.isascii()})
    note = (
        "; it has non-ASCII characters: " + ", ".join(f"{char!r} (U+{ord(char):04X})" for char in foreign[:5])
        if foreign
        else ""
    )
    raise KbError(f"--client {shown}: no such client profile; expected one of {known}{note}")


class PipeReporter:
    """A client build's steps, sent from its process to the parent, which shows them with the client's name."""

    def __init__(self, name: str, connection: Connection):
        self.name, self.connection = name, connection

    def step(self, message: str) -> None:
        self.connection.send(("step", message))

    def advance(self, total: int) -> Callable[[Any], None]:
        return lambda item: None


@dataclass(frozen=True)
class ClientOutcome:
    slug: str
    seconds: float
    error: str | None  # the KbError's message when the build failed
    pages: int = 0
    pdfs: tuple[str, ...] = ()


def build_all_clients(
    root: Path,
    slugs: list[str],
    jobs: int,
    show: Callable[[str], None],
    books: frozenset[str] | None,
    formats: tuple[str, ...],
    full_index: bool,
) -> list[ClientOutcome]:
    """Every client's build, in up to `jobs` processes, sharing what the clients share: the sources are
    loaded and checked once (a mistake in them is reported once, not once per client), and the site
    engine, the printer and the search index are imported once, here; each client is then built in a
    process forked from this one, which starts with all of that in memory instead of from nothing.

    Each client's build is the one `kb build --client` makes: its selection, rendering, output, leak check
    and index are its own; only the loaded sources (read-only) are shared. One client's failure does not
    stop the others. Without `fork` (not Linux), the clients are built here, one after another."""
    from .build import load_sources

    sources = load_sources(root)
    if any(problem.is_error for problem in sources.problems):
        raise SourceError([problem for problem in sources.problems if problem.is_error])
    _import_the_pipeline(formats)
    from .versions.builds import prepare_client_versions

    prepare_client_versions(root, [sources.catalog.clients[slug] for slug in slugs if slug in sources.catalog.clients])
    build = functools.partial(
        build_client, root=root, books=books, formats=formats, full_index=full_index, sources=sources
    )
    if not alone_in_process():
        return [_outcome(slug, build, _ShowReporter(slug, show)) for slug in slugs]
    context = multiprocessing.get_context("fork")
    progress = Progress(len(slugs), time.monotonic, "clients done")
    waiting, running, outcomes = list(slugs), {}, {}
    try:
        while waiting or running:
            while waiting and len(running) < max(1, jobs):
                slug = waiting.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_build_in_child, args=(send, slug, build))
                process.start()
                send.close()
                running[receive] = (slug, process, time.monotonic())
            for connection in multiprocessing.connection.wait(list(running)):
                slug, process, started = running[connection]
                try:
                    kind, payload = connection.recv()
                except EOFError:  # it died without a word: a bug (its traceback is above) or a signal
                    process.join()
                    kind, payload = (
                        "done",
                        ClientOutcome(
                            slug, time.monotonic() - started, f"the build stopped (exit code {process.exitcode})"
                        ),
                    )
                if kind == "step":
                    show(f"[{slug}] {payload}")
                    continue
                connection.close()
                process.join()
                del running[connection]
                outcomes[slug] = payload
                progress.done = len(outcomes)
                show(f"[{time.monotonic() - progress.started:6.1f}s]{progress.line()}")
    finally:
        for _, process, _ in running.values():  # interrupted: no client build outlives the command
            process.terminate()
            process.join()
    return [outcomes[slug] for slug in slugs]


def build_client(
    slug: str,
    reporter,
    root: Path,
    books: frozenset[str] | None,
    formats: tuple[str, ...],
    full_index: bool,
    sources=None,
) -> ClientOutcome:
    """One client's build into build/client-<slug>, from `sources` when they are loaded already."""
    from .build import build_target
    from .model import client_target
    from .versions.builds import client_sources

    started = time.monotonic()
    catalog = sources.catalog if sources else load_catalog(root)
    on = client_sources(root, resolve_client(catalog, slug))  # a client on an older version: its ref's sources
    target = client_target(on.profile, books)
    out = check_out_dir(root / "build" / target.name, root)
    build_root, sources = (on.root, on.sources) if on.version else (root, sources)
    result = build_target(
        build_root, target, out, reporter=reporter, full_index=full_index, formats=formats, sources=sources
    )
    pdfs = tuple(pdf.path.relative_to(root).as_posix() for pdf in result.pdfs)
    return ClientOutcome(slug, time.monotonic() - started, None, result.pages, pdfs)


def _import_the_pipeline(formats: tuple[str, ...]) -> None:
    """Import what every client build uses, so that each forked build has it already (a second or two of
    imports per process, on two cores, was a fifth of a client's build)."""
    import mkdocs.commands.build  # noqa: F401
    import whoosh.index  # noqa: F401

    from . import engine, search  # noqa: F401

    if "pdf" in formats:
        from . import pdf  # noqa: F401 - WeasyPrint, and the fonts it loads on import
        from .engine_keys import code_digest

        code_digest()  # read once here for every client's handouts' keys (pdf_cache.py), not once per client


def _build_in_child(send: Connection, slug: str, build: Callable[..., ClientOutcome]) -> None:
    """In the forked process: build, sending the steps and then the outcome to the parent."""
    outcome = _outcome(slug, build, PipeReporter(slug, send))
    send.send(("done", outcome))
    send.close()


def _outcome(slug: str, build: Callable[..., ClientOutcome], reporter) -> ClientOutcome:
    started = time.monotonic()
    try:
        return build(slug, reporter)
    except KbError as exc:
        return ClientOutcome(slug, time.monotonic() - started, exc.format_message())


class _ShowReporter(PipeReporter):
    """The steps of a client built in this process, shown as the forked builds' are."""

    def __init__(self, name: str, show: Callable[[str], None]):
        self.name, self.show = name, show

    def step(self, message: str) -> None:
        self.show(f"[{self.name}] {message}")
