"""Benchmark: what the builder's hardening costs, and what it saves, against the code it replaced.

In one run, on the sample project (or --root):

- templates: every page of the site target rendered with kb's budgeted sandbox (generator/template_budget.py)
  and with Jinja2's plain SandboxedEnvironment holding the same globals, plus a loop-heavy template
  (20,000 loop steps with output); best of --repeat runs, ms, and the ratio budgeted/plain;
- scanning: the link checker, the KCS heading check and the search index's plain text (find_links,
  atx_headings, plain_text) over every page body, against the regular expressions they replaced (kept
  below as the baseline); then both on hostile lines of growing length (backticks, spaces in a heading,
  unclosed link titles, blank lines), where the old patterns grow quadratically or worse; a baseline
  slower than --give-up seconds is not run at larger sizes.

    .venv/bin/python bench/robustness.py [--root PATH] [--repeat 5] [--give-up 2]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.catalog import load_catalog  # noqa: E402
from generator.headings import atx_headings  # noqa: E402
from generator.links import find_links  # noqa: E402
from generator.model import SITE  # noqa: E402
from generator.render import make_environment, only_blocks  # noqa: E402
from generator.search import plain_text  # noqa: E402
from generator.select import select  # noqa: E402

# The patterns as they were before issue 11 (generator/links.py, checks.py, search.py).
OLD_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
OLD_INLINE = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?(?P<url>[^)\s>]*)>?(?:\s+[\"'][^)]*[\"'])?\s*\)"
)
OLD_H2 = re.compile(r"^##\s+(.+?)\s*#*\s*$", re.MULTILINE)
OLD_PLAIN = [
    (re.compile(r"^\s*(```|~~~).*$", re.MULTILINE), " "),
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<[^>]+>"), " "),
    (re.compile(r"^\s*(#{1,6}|!!!|\?\?\?\+?|///|===|[-*+]|\d+\.)\s*|[|>{}]+|\+\+", re.MULTILINE), " "),
    (re.compile(r"\*+|`+|(?<!\w)_+|_+(?!\w)"), ""),
]


def old_scan(body: str) -> None:
    for line in body.splitlines():
        code = [m.span() for m in OLD_CODE_SPAN.finditer(line)]
        for match in OLD_INLINE.finditer(line):
            any(start <= match.start() < end for start, end in code)
    OLD_H2.findall(body)
    for pattern, replacement in OLD_PLAIN:
        body = pattern.sub(replacement, body)


def new_scan(body: str) -> None:
    find_links(body)
    atx_headings(body)
    plain_text(body)


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_templates(root: Path, repeat: int) -> list[tuple[str, float, float]]:
    catalog = load_catalog(root)
    selection = select(catalog, SITE)
    budgeted = make_environment(catalog, None)
    plain = SandboxedEnvironment(undefined=budgeted.undefined, autoescape=False, keep_trailing_newline=True)
    plain.globals.update({k: budgeted.globals[k] for k in ("product", "client", "term")})
    bodies = [
        only_blocks(page, budgeted.globals["client"]) if "/// only" in page.body else page.body
        for page in selection.pages
    ]

    def render_all(env) -> None:
        for body in bodies:
            if hasattr(env, "start_page"):
                env.start_page()
                env.render_budgeted(body, chapter=1)
            else:
                env.from_string(body).render(chapter=1)

    loops = "{% for i in range(20000) %}{{ i }} {% if loop.last %}end{% endif %}{% endfor %}"
    return [
        (
            f"{len(bodies)} sample pages",
            best(lambda: render_all(budgeted), repeat),
            best(lambda: render_all(plain), repeat),
        ),
        (
            "20,000 loop steps",
            best(lambda: (budgeted.start_page(), budgeted.render_budgeted(loops)), repeat),
            best(lambda: plain.from_string(loops).render(), repeat),
        ),
    ]


HOSTILE = {
    "backticks then a letter": lambda n: "Text " + "`" * n + " x",
    "spaces in a heading": lambda n: "## Issue" + " " * n + "x",
    "unclosed link titles": lambda n: '[a](b "' * (n // 7),
    "blank lines": lambda n: "\n" * n + "x",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--give-up", type=float, default=2.0, help="seconds; a slower baseline is not grown")
    args = parser.parse_args()
    out = sys.stdout.write

    out(f"\n## Templates (best of {args.repeat})\n\n")
    out("| input | budgeted ms | plain sandbox ms | ratio |\n|---|---|---|---|\n")
    for name, new, old in bench_templates(args.root, args.repeat):
        out(f"| {name} | {new * 1000:.1f} | {old * 1000:.1f} | {new / old:.2f} |\n")

    bodies = [page.body for page in load_catalog(args.root).pages]
    new = best(lambda: [new_scan(body) for body in bodies], args.repeat)
    old = best(lambda: [old_scan(body) for body in bodies], args.repeat)
    out(f"\n## Scanning (best of {args.repeat})\n\n| input | new ms | old ms | ratio new/old |\n|---|---|---|---|\n")
    out(f"| {len(bodies)} sample pages | {new * 1000:.1f} | {old * 1000:.1f} | {new / old:.2f} |\n")
    for name, make in HOSTILE.items():
        gave_up = False
        for size in (500, 1_000, 2_000, 4_000, 16_000, 64_000):
            text = make(size)
            new = best(lambda text=text: new_scan(text), 1)
            if gave_up:
                out(f"| {name}, {size:,} chars | {new * 1000:.1f} | (not run) | |\n")
                continue
            old = best(lambda text=text: old_scan(text), 1)
            out(f"| {name}, {size:,} chars | {new * 1000:.1f} | {old * 1000:.1f} | {new / old:.4f} |\n")
            gave_up = old > args.give_up
            sys.stdout.flush()


if __name__ == "__main__":
    main()
