"""Benchmark: reading a client's handouts back for the leak check, PDFium (pypdfium2, what leaks.py uses)
against pypdf (what it used before), on the same PDFs in the same run.

Prints the seconds of each (best of N) and the ratio, and checks that both find the same words (any
word pypdf reads that PDFium's text lacks is listed). Without --pdfs, prints acme's
handouts first from a copy of the sample project (`kb build --client acme --format pdf`).

    .venv/bin/python bench/pdf_text.py [--pdfs DIR] [--repeat N]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
COPIED = ("product.yml", "contexts.yml", "kb", "docs", "clients", "mkdocs.yml", "overrides", "demo")


def with_pypdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    parts = [page.extract_text() or "" for page in reader.pages]
    parts += [str(value) for value in (reader.metadata or {}).values()]
    parts += [item.title for item in reader.outline if not isinstance(item, list)]
    return " ".join(parts)


def with_pdfium(path: Path) -> str:
    from generator.leaks import pdf_text

    return pdf_text(path)


def best(read: Callable[[Path], str], pdfs: list[Path], repeat: int) -> tuple[float, str]:
    times, text = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        text = " ".join(read(pdf) for pdf in pdfs)
        times.append(time.perf_counter() - started)
    return min(times), text


def print_handouts(folder: Path) -> Path:
    root = folder / "project"
    root.mkdir()
    for name in COPIED:
        if (REPO / name).exists():
            (shutil.copytree if (REPO / name).is_dir() else shutil.copyfile)(REPO / name, root / name)
    argv = [sys.executable, "-m", "generator", "--root", str(root), "build", "--client", "acme", "--format", "pdf"]
    subprocess.run(argv, check=True, capture_output=True, cwd=folder, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return root / "build" / "client-acme" / "pdf"


@click.command()
@click.option("--pdfs", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Folder of PDFs.")
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(1, 20), help="Best of N reads.")
def main(pdfs: Path | None, repeat: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kb-bench-pdf-text-"))
    try:
        files = sorted((pdfs or print_handouts(folder)).glob("*.pdf"))
        if not files:
            raise click.ClickException("no PDF to read")
        from pypdf import PdfReader

        pages = sum(len(PdfReader(path).pages) for path in files)
        fast, fast_text = best(with_pdfium, files, repeat)
        slow, slow_text = best(with_pypdf, files, repeat)
        missing = set(re.findall(r"\w+", slow_text.casefold())) - set(re.findall(r"\w+", fast_text.casefold()))
        click.echo("| reader | seconds |")
        click.echo("|---|---:|")
        click.echo(f"| pypdf (before) | {slow:.2f} |")
        click.echo(f"| PDFium, pypdfium2 (leaks.pdf_text: page text, text runs, bookmarks, metadata) | {fast:.2f} |")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        click.echo(f"\n{len(files)} PDFs, {pages} pages; best of {repeat}; load average {load}")
        click.echo(f"words pypdf read that PDFium's text lacks: {len(missing)} {sorted(missing)[:12]}")
        click.echo(f"\n==> PDFium / pypdf = {fast / slow:.3f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
