"""Lighthouse scores of the help centre and the portal as `make run` serves them: not a test, a measurement.

For each page (home, an article, a manual chapter, the search results, the case form, the demo screen with
the help panel open) Lighthouse runs once in Debian's Chromium, headless, and the four category scores
(performance, accessibility, best practices, SEO) are printed as a markdown table; `--details` lists each
audit below a perfect score under its page, for finding what to fix.

Lighthouse is a Node program kept outside the repository: install it into a folder of your own with
`npm i -E lighthouse@12.2.3` and give its program as --lighthouse or $LIGHTHOUSE (else `lighthouse` on PATH).
Without it this prints how to get it and exits 0. Start the server first (`make run`), then:

    .venv/bin/python bench/lighthouse.py [--base http://127.0.0.1:8000/] [--desktop] [--details]

Lighthouse's default is a phone on a slow 4G link with a slowed CPU (its "mobile" preset); --desktop is
its desktop preset. Scores of the performance category move from run to run by a few points, more on a
machine whose cores are shared."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import click

PAGES = {
    "home": "",
    "article": "kb/scheduling/gantt-empty-after-p6-import/",
    "chapter": "user/gantt-chart/",
    "search": "search?q=baseline",
    "case form": "cases/new",
    "demo + panel": "demo/#help=schedule.gantt",
}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROMIUM = "/usr/bin/chromium"


def find_lighthouse(given: str | None) -> str | None:
    """The lighthouse program: --lighthouse, $LIGHTHOUSE, or `lighthouse` on PATH."""
    candidate = given or os.environ.get("LIGHTHOUSE") or shutil.which("lighthouse")
    return candidate if candidate and Path(candidate).exists() else None


def run_lighthouse(program: str, url: str, chrome: str, desktop: bool) -> dict:
    """Lighthouse's JSON report of `url`."""
    with tempfile.TemporaryDirectory(prefix="kb-lighthouse-") as folder:
        report = Path(folder) / "report.json"
        command = [
            program,
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            # No sandbox: CI runs as root. A profile of its own in the temporary folder.
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run",
        ]
        if desktop:
            command.append("--preset=desktop")
        subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": chrome}, cwd=folder)
        return json.loads(report.read_text(encoding="utf-8"))


def scores(report: dict) -> dict[str, int]:
    return {name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def shortfalls(report: dict) -> list[str]:
    """The audits of the four categories below a perfect score, as 'category: title (score)'."""
    lines = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1:
                value = f", {audit['displayValue']}" if audit.get("displayValue") else ""
                lines.append(f"{name}: {audit['title']} ({audit['score']:.2f}{value})")
    return lines


@click.command(help=__doc__)
@click.option("--base", default="http://127.0.0.1:8000/", show_default=True, help="Where `make run` serves.")
@click.option("--lighthouse", "given", help="The lighthouse program (default: $LIGHTHOUSE, else on PATH).")
@click.option("--chrome", default=lambda: os.environ.get("CHROME_PATH", CHROMIUM), help="The Chromium to drive.")
@click.option("--desktop", is_flag=True, help="Lighthouse's desktop preset (default: its mobile one).")
@click.option("--details", is_flag=True, help="List each audit below a perfect score.")
def main(base: str, given: str | None, chrome: str, desktop: bool, details: bool) -> None:
    program = find_lighthouse(given)
    if program is None:
        click.echo(
            "lighthouse is not installed: skipped. Install it outside the repository "
            "(npm i -E lighthouse@12.2.3 in a folder of your own), then pass "
            "--lighthouse FOLDER/node_modules/.bin/lighthouse or set LIGHTHOUSE."
        )
        return
    if not Path(chrome).exists():
        click.echo(f"{chrome} is missing: skipped (apt-get install chromium, or --chrome PATH)")
        return
    base = base if base.endswith("/") else base + "/"
    click.echo(f"Lighthouse ({'desktop' if desktop else 'mobile'}) against {base}\n")
    click.echo("| page | performance | accessibility | best practices | SEO |")
    click.echo("|---|---:|---:|---:|---:|")
    notes = {}
    for name, path in PAGES.items():
        try:
            report = run_lighthouse(program, base + path, chrome, desktop)
        except subprocess.CalledProcessError as exc:
            click.echo(f"| {name} | lighthouse failed ({exc.returncode}) | | | |")
            continue
        row = scores(report)
        click.echo(f"| {name} | " + " | ".join(str(row[category]) for category in CATEGORIES) + " |")
        notes[name] = shortfalls(report)
    if details:
        for name, lines in notes.items():
            click.echo(f"\n{name}:")
            for line in lines or ["(every audit passed)"]:
                click.echo(f"  {line}")


if __name__ == "__main__":
    main()
