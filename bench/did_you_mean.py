"""Benchmark: what "did you mean" costs `kb check` on a large project, against the link scan it adds to and
against the obvious implementation (difflib over every path).

In one run, on N synthetic articles (bench/synthetic.py, kb/<module>/<slug>.md) with B broken links (a letter
dropped from an existing file name, half of them in another module's folder, as a moved file):

- scan: find_links over every article body, the work kb check's link check does anyway (the baseline);
- suggestions: generator/suggest.py's Suggestions built over the paths, then asked for each broken link;
- naive: difflib.get_close_matches(broken path, every path) for the first --naive of the broken links (it
  takes seconds per link at 10,000 pages), compared per link.

Best of --repeat runs, ms, and the ratios suggestions/scan and naive/suggestions (per link).

    .venv/bin/python bench/did_you_mean.py [--pages 10000] [--broken 200] [--naive 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import difflib
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.synthetic import generate  # noqa: E402
from generator.links import find_links  # noqa: E402
from generator.suggest import Suggestions  # noqa: E402


def best_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def broken_links(paths: list[str], count: int, rng: random.Random) -> list[str]:
    folders = sorted({path.rsplit("/", 1)[0] for path in paths})
    broken = []
    for path in rng.sample(paths, count):
        folder, name = path.rsplit("/", 1)
        cut = rng.randrange(len(name) - 3)
        name = name[:cut] + name[cut + 1 :]
        broken.append(f"{rng.choice(folders) if len(broken) % 2 else folder}/{name}")
    return broken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--broken", type=int, default=200)
    parser.add_argument("--naive", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    articles = generate(args.pages)
    paths = [item.article.src_uri for item in articles]
    bodies = [item.body for item in articles]
    broken = broken_links(paths, args.broken, random.Random(7))

    scan = best_ms(lambda: [find_links(body) for body in bodies], args.repeat)

    def suggest():
        near = Suggestions(paths)
        return [near.closest(path) for path in broken]

    found = suggest()
    ours = best_ms(suggest, args.repeat)
    sample = broken[: args.naive]
    naive = best_ms(lambda: [difflib.get_close_matches(path, paths, n=1) for path in sample], 1)
    per_link, naive_per_link = ours / len(broken), naive / len(sample)
    hits = sum(1 for suggestion in found if suggestion)
    out = sys.stdout.write
    out(f"{args.pages} pages, {args.broken} broken links ({hits} with a suggestion)\n")
    out(f"  scan (baseline)  {scan:9.1f} ms\n")
    out(f"  suggestions      {ours:9.1f} ms   {ours / scan:.2f}x the scan, {per_link:.1f} ms per broken link\n")
    out(f"  naive difflib    {naive_per_link:9.1f} ms per broken link, {naive_per_link / per_link:.0f}x ours\n")


if __name__ == "__main__":
    main()
