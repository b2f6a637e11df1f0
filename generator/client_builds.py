"""Client builds: which client a command line means, and every client at once, in parallel processes.

A client ID from the command line is only ever compared with the registered profiles' slugs; paths are
made from the profile's slug (which comes from a validated file name), never from what was typed. So
`../acme`, `ACME ` or a look-alike `аcme` (Cyrillic a) is an error, not a folder."""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import KbError, SourceError
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


class QueueReporter:
    """A build's steps, sent from a worker process to the parent, which shows them with the client's name."""

    def __init__(self, name: str, messages):
        self.name, self.messages = name, messages

    def step(self, message: str) -> None:
        self.messages.put((self.name, message))

    def advance(self, total: int) -> Callable[[Any], None]:
        return lambda item: None

    @contextmanager
    def watch(self, site_dir: Path, expected: int) -> Iterator[None]:
        yield


@dataclass(frozen=True)
class ClientOutcome:
    slug: str
    seconds: float
    error: str | None  # the KbError's message when the build failed
    pages: int = 0
    pdfs: tuple[str, ...] = ()


def build_clients_in_parallel(
    build_one: Callable[..., ClientOutcome],
    slugs: list[str],
    jobs: int,
    show: Callable[[str], None],
    **kwargs: Any,
) -> list[ClientOutcome]:
    """Run `build_one(slug, reporter=..., **kwargs)` for every client in up to `jobs` processes, showing
    each client's steps as they happen. One client's failure does not stop the others."""
    context = multiprocessing.get_context("spawn")  # no forked copies of locks or threads from this process
    with context.Manager() as manager:
        messages = manager.Queue()
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(slugs))), mp_context=context) as pool:
            futures = {pool.submit(_run_one, build_one, slug, messages, kwargs): slug for slug in slugs}
            progress, reported = Progress(len(slugs), time.monotonic, "clients done"), 0
            while any(not f.done() for f in futures):
                _drain(messages, show, timeout=0.2)
                progress.done = sum(f.done() for f in futures)
                if progress.done != reported:
                    reported = progress.done
                    show(f"[{time.monotonic() - progress.started:6.1f}s]{progress.line()}")
            _drain(messages, show, timeout=0)
            return [future.result() for future in futures]


def build_client(
    slug: str, reporter, root: Path, books: frozenset[str] | None, formats: tuple[str, ...], full_index: bool
) -> ClientOutcome:
    """One client's build, as a worker process runs it: into build/client-<slug>."""
    from .build import build_target
    from .catalog import load_catalog
    from .model import client_target

    started = time.monotonic()
    profile = resolve_client(load_catalog(root), slug)
    target = client_target(profile, books)
    out = check_out_dir(root / "build" / target.name, root)
    result = build_target(root, target, out, reporter=reporter, full_index=full_index, formats=formats)
    pdfs = tuple(pdf.path.relative_to(root).as_posix() for pdf in result.pdfs)
    return ClientOutcome(slug, time.monotonic() - started, None, result.pages, pdfs)


def _run_one(build_one: Callable[..., ClientOutcome], slug: str, messages, kwargs: dict) -> ClientOutcome:
    started = time.monotonic()
    try:
        return build_one(slug, reporter=QueueReporter(slug, messages), **kwargs)
    except KbError as exc:
        return ClientOutcome(slug, time.monotonic() - started, exc.format_message())


def _drain(messages, show: Callable[[str], None], timeout: float) -> None:
    try:
        while True:
            name, message = messages.get(timeout=timeout)
            show(f"[{name}] {message}")
            timeout = 0
    except queue_module.Empty:
        pass
