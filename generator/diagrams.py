"""Mermaid diagrams as pictures for the handouts: each diagram's source drawn to SVG at build time.

Mermaid exists only as JavaScript, and no well-kept Python renderer of it exists, so the diagrams are
drawn by the vendored mermaid.min.js (the site's own copy) in headless Chromium, all of a book's in one
run: exact, the same drawing as the site's. WeasyPrint cannot run script, and draws SVG without
`foreignObject`, so labels are drawn as SVG text (htmlLabels off). Chromium runs with no network (every
host resolves to nothing) and Mermaid's strict security level. Without Chromium, or when it fails, the
handout keeps each diagram's source as code and the build says why: a warning, never a failure."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .markdown_features import VENDOR

MERMAID_JS = VENDOR / "mermaid" / "mermaid.min.js"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SECONDS = 120  # for a whole book's diagrams
# The superfences custom fence's output (markdown_features.MERMAID_FENCE): the source, escaped, in <code>.
MERMAID_BLOCK = re.compile(r'<pre class="mermaid"><code>([^<]*)</code></pre>')
_RESULT = re.compile(r'<pre id="kb-result">([^<]*)</pre>')

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"></head><body>
<script src="{mermaid}"></script>
<script id="kb-sources" type="application/json">{sources}</script>
<script>
(async () => {{
  mermaid.initialize({{ startOnLoad: false, securityLevel: "strict", theme: "neutral", htmlLabels: false,
    flowchart: {{ htmlLabels: false }}, class: {{ htmlLabels: false }}, state: {{ htmlLabels: false }} }});
  const sources = JSON.parse(document.getElementById("kb-sources").textContent);
  const out = [];
  for (let i = 0; i < sources.length; i++) {{
    try {{
      out.push({{ svg: (await mermaid.render("kb-diagram-" + i, sources[i])).svg }});
    }} catch (error) {{
      out.push({{ error: String((error && error.message) || error) }});
    }}
  }}
  const result = document.createElement("pre");
  result.id = "kb-result";
  result.textContent = JSON.stringify(out);
  document.body.appendChild(result);
}})();
</script></body></html>
"""


@dataclass(frozen=True)
class Drawn:
    """Each source's SVG (None where it was not drawn) and what the writer should know."""

    svgs: tuple[str | None, ...]
    warnings: tuple[str, ...] = ()


def find_browser() -> str | None:
    """The Chromium on PATH (KB_CHROMIUM names another), or None."""
    named = os.environ.get("KB_CHROMIUM")
    if named:
        return shutil.which(named)
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def mermaid_sources(fragment: str) -> list[str]:
    """The diagrams' sources in an HTML fragment, in order."""
    return [html.unescape(match.group(1)) for match in MERMAID_BLOCK.finditer(fragment)]


def draw_mermaid(sources: list[str]) -> Drawn:
    """Draw each source to SVG with Mermaid in headless Chromium."""
    if not sources:
        return Drawn(())
    browser = find_browser()
    if browser is None:
        return Drawn(
            (None,) * len(sources),
            (f"{len(sources)} Mermaid diagram(s) printed as their source: Chromium is not installed",),
        )
    with tempfile.TemporaryDirectory(prefix="kb-diagrams-") as folder:
        page = Path(folder) / "diagrams.html"
        text = json.dumps(sources).replace("</", "<\\/")  # a source cannot close the data block
        page.write_text(_PAGE.format(mermaid=MERMAID_JS.resolve().as_uri(), sources=text), encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={folder}/profile",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # a diagram never reaches the network
            "--allow-file-access-from-files",
            "--virtual-time-budget=60000",
            "--dump-dom",
            page.as_uri(),
        ]
        if os.geteuid() == 0:  # Chromium's sandbox refuses root; the page is our own, the sources data
            command.insert(1, "--no-sandbox")
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS, check=False)
        except subprocess.TimeoutExpired:
            return Drawn(
                (None,) * len(sources),
                (f"{len(sources)} Mermaid diagram(s) printed as their source: Chromium took over {SECONDS} s",),
            )
    found = _RESULT.search(done.stdout)
    if not found:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return Drawn((None,) * len(sources), (f"Mermaid diagrams printed as their source: Chromium failed ({reason})",))
    results = json.loads(html.unescape(found.group(1)))
    warnings = tuple(
        f"a Mermaid diagram printed as its source: {result['error'][:200]}" for result in results if "error" in result
    )
    return Drawn(tuple(result.get("svg") for result in results), warnings)


def as_picture(svg: str) -> str:
    """A drawn diagram as the handout shows it: an SVG picture (an image, so its markup stays its own)."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<figure class="diagram"><img alt="Diagram" src="data:image/svg+xml;base64,{data}"></figure>'


def draw_diagrams(fragments: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """Each fragment with its Mermaid blocks replaced by their pictures (kept as code where not drawn),
    drawn in one browser run; and the warnings."""
    sources = [source for fragment in fragments for source in mermaid_sources(fragment)]
    drawn = draw_mermaid(sources)
    pictures = iter(drawn.svgs)

    def replace(match: re.Match) -> str:
        svg = next(pictures)
        return as_picture(svg) if svg else match.group(0)

    return [MERMAID_BLOCK.sub(replace, fragment) if sources else fragment for fragment in fragments], drawn.warnings
