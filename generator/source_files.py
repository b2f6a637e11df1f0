"""A project's source files on disk: which folders hold sources, every file under them (links that
leave them refused), and a source's text or YAML read with the limits every source file has. The lowest
layer of loading: catalog.py and client_profiles.py read through it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from . import memo
from .errors import Problem, rel
from .yamlfile import YamlDoc, YamlProblems, parse_yaml

SOURCE_DIRS = ("kb", "docs")
# Everything a build reads lies in these folders: pages and pictures, clients' chapters and logos, the theme
# overrides. A path (a symbolic link above all) that resolves outside them is refused: a link in kb/ to
# ../instance/secret_key published the portal's key.
SOURCE_FOLDERS = (*SOURCE_DIRS, "clients", "overrides", "snippets")  # snippets/: text pages include


# Limits on one source file. The largest sample page is 9 kB and its longest line 450 characters; a page
# of 1 MB is a book of some 150,000 words, past which the engine and the PDF printer take minutes and
# gigabytes (a 20 MB article built in 100 s at 0.5 GB). A markdown paragraph is one line: 20,000 characters
# is some 3,000 words, longer than any paragraph a reader finishes; longer lines are pasted data.
MAX_SOURCE_BYTES = 1_000_000
MAX_LINE_CHARS = 20_000


def read_text(path: Path | str, root: Path, problems: list[Problem]) -> str | None:
    """A source file's text, or None with a problem: too large, not UTF-8, a NUL byte or an overlong line."""
    name = rel(path, root)
    try:
        size, data = _read_bytes(path)
    except OSError as exc:  # unreadable (permissions), a folder, a dangling link: the user can fix each
        problems.append(Problem(name, 0, f"cannot read the file: {exc.strerror or exc}; expected a readable file"))
        return None
    if size > MAX_SOURCE_BYTES:
        problems.append(
            Problem(
                name,
                0,
                f"the file has {size:,} bytes; the limit is {MAX_SOURCE_BYTES:,} bytes (1 MB) per source file, "
                "expected it split into several pages",
            )
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                name, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); expected UTF-8, save the file as UTF-8"
            )
        )
        return None
    found = _text_problems(name, text)
    problems += found
    return None if found else text


# What a page's text gives (its body, parse and facts: page_facts.page_source) kept in the build's memo
# with the file's recorded state (size, modification and change times, inode, device): a file whose
# state is the one it was kept with is not read again (reading 10,000 articles was a seventh
# of a second of every build), nor hashed to find its parse. A write, a rename over it or a time set on it
# (`touch`) changes its change time, which nothing but the system clock sets. A file changed less than
# SETTLED_NS before it was read is not kept: a change within the clock's tick after the read could leave
# the same state on other text (as git's "racily clean" entries).
TEXT_KIND = "source_text"
T = TypeVar("T")
SETTLED_NS = 2_000_000_000


def read_page_text(path: str, root: Path, problems: list[Problem], derive: Callable[[str], T]) -> T | None:
    """`derive` of a page's text (read_text; a pure function of the text, for this path, of what the caller
    needs of it); in a build, as kept in the memo for the file's state when it is (memo.recall), without
    reading the file. None when the text has a problem."""
    if not memo.active():
        text = read_text(path, root, problems)
        return None if text is None else derive(text)
    started = time.time_ns()
    try:
        found = os.stat(path)
    except OSError:  # read_text says what is wrong
        found = None
    if found is not None:
        state = f"{path}\0{found.st_size} {found.st_mtime_ns} {found.st_ctime_ns} {found.st_ino} {found.st_dev}"
        kept = memo.recall(TEXT_KIND, state)
        if kept is not None:
            return kept
    text = read_text(path, root, problems)
    if text is None:
        return None
    derived = derive(text)
    if found is not None and found.st_ctime_ns < started - SETTLED_NS:
        memo.keep(TEXT_KIND, state, derived)
    return derived


def _read_bytes(path: Path | str) -> tuple[int, bytes]:
    """A file's size and bytes (none past MAX_SOURCE_BYTES), with one open, one stat of what was opened and
    one read: Path.stat and Path.read_bytes took twice as long a file (10,000 of them each build)."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(handle).st_size
        if size > MAX_SOURCE_BYTES:
            return size, b""
        data = os.read(handle, size + 1)
        if len(data) != size:  # changed while read, or a short read: on to the end, as Path.read_bytes reads
            chunks, read = [data], len(data)
            while read <= MAX_SOURCE_BYTES and (chunk := os.read(handle, 1 << 16)):
                chunks.append(chunk)
                read += len(chunk)
            data = b"".join(chunks)
        return len(data), data if len(data) <= MAX_SOURCE_BYTES else b""
    finally:
        os.close(handle)


def _text_problems(name: str, text: str) -> list[Problem]:
    """A NUL character (a binary or damaged file; it would reach the built pages) and lines over the limit."""
    problems = []
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        problems.append(
            Problem(
                name, line, f"a NUL character (U+0000) at column {column}; expected text only (is it a binary file?)"
            )
        )
    if len(text) <= MAX_LINE_CHARS:  # no line can be over the limit: most files, not split into lines
        return problems
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            problems.append(
                Problem(
                    name,
                    number,
                    f"the line has {len(line):,} characters; the limit is {MAX_LINE_CHARS:,} per line, "
                    "expected shorter paragraphs (a line break between sentences is fine in markdown)",
                )
            )
            break  # one is enough: the rest of such a file is usually the same pasted data
    return problems


def load_yaml_file(root: Path, name: str, problems: list[Problem], required: bool = True) -> YamlDoc | None:
    """The YAML file `name` at the project root, parsed; None with a problem when it is missing (and
    `required`), a folder, unreadable or not valid YAML."""
    path = root / name
    if path.is_dir():
        problems.append(Problem(name, 0, "is a folder; expected a YAML file"))
        return None
    if not path.is_file():
        if required:
            problems.append(Problem(name, 0, "missing; expected this file at the project root"))
        return None
    source = read_text(path, root, problems)
    if source is None:
        return None
    try:
        return parse_yaml(source, name)
    except YamlProblems as exc:
        problems.extend(exc.problems)
        return None


def inside_sources(path: Path, root: Path) -> bool:
    """Whether the resolved `path` lies in one of the project's source folders."""
    return any(path.is_relative_to(root / folder) for folder in SOURCE_FOLDERS)


def source_files(root: Path, problems: list[Problem], tops: tuple[str, ...] | None = None) -> list[str]:
    """Every file under kb/, docs/ and clients/<slug>/ (a client's own chapters), or under `tops`, sorted:
    paths as text, `root`'s then the file's name in the project (a Path a file cost more than reading it).
    A link that leaves the source folders or points nowhere is a problem and is not followed: a source tree
    must not pull in files from elsewhere, in the project (instance/) or outside it."""
    found = []
    if tops is None:
        client_dirs = sorted(p.relative_to(root).as_posix() for p in (root / "clients").glob("*/") if p.is_dir())
        tops = (*SOURCE_DIRS, *client_dirs)
    for top in tops:
        if _link_ok(root / top, root, problems) and (root / top).is_dir():
            _walk(root / top, root, problems, found)
    return found


def _walk(folder: Path, root: Path, problems: list[Problem], found: list[str]) -> None:
    """os.walk's order (a folder's files by name, then its sub-folders by name), from the folder's entries:
    whether an entry is a link comes with it, where a Path and an lstat per file took 0.3 s at 10,000
    articles. A linked folder is checked but, as with os.walk, not entered."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted((entry for entry in listing if not entry.name.startswith(".")), key=lambda e: e.name)
    except OSError:  # unreadable or gone: os.walk skipped it too
        return
    folders = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        link = entry.is_symlink()
        if link and not _link_ok(Path(entry.path), root, problems):
            continue
        if not is_dir:
            found.append(entry.path)
        elif not link:
            folders.append(entry.path)
    for path in folders:
        _walk(Path(path), root, problems, found)


def _link_ok(path: Path, root: Path, problems: list[Problem]) -> bool:
    if not path.is_symlink():
        return True
    target = path.resolve()
    if not inside_sources(target, root):
        problems.append(
            Problem(
                rel(path, root),
                0,
                "symbolic link points outside the project's source folders; expected a file inside "
                + ", ".join(f"{folder}/" for folder in SOURCE_FOLDERS),
            )
        )
    elif not target.exists():
        problems.append(Problem(rel(path, root), 0, "symbolic link points to a file that does not exist"))
    else:
        return True
    return False
