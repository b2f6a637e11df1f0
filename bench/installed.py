"""kb's code as an installed kb has it: its modules compiled to bytecode.

`pip install` compiles a package's modules as it installs them, so a user's `kb` imports bytecode. An
editable install has none, and an environment that sets PYTHONDONTWRITEBYTECODE (this kind of machine does)
never writes any: each `kb` a benchmark starts would compile kb's 70 modules again, 0.1 s of every run
that the plain engine, installed with its bytecode, never pays. So the benchmarks compile kb once before
they time it."""

from __future__ import annotations

import compileall
from pathlib import Path

import click


def compile_package(folder: Path) -> None:
    """Compile every module under `folder` (a package's code) to bytecode beside it, as pip install does."""
    if not compileall.compile_dir(str(folder), quiet=1):
        raise click.ClickException(f"{folder}: a module does not compile")
