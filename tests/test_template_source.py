"""Template syntax is evaluated only where a writer meant it: code, attribute lists and shell braces are text;
`{{ term() }}`, `{{ client.name }}`, `{{ chapter }}` and conditions in the prose still work."""

from __future__ import annotations

import html as html_module
import re

import pytest

from generator.build import build_target
from generator.catalog import load_catalog
from generator.model import SITE
from generator.render import make_environment, render_page
from generator.template_source import set_code_aside

ARTICLE = "---\nid: KB-0100\ntitle: Braces\nsummary: S.\ntype: faq\nmodule: scheduling\nconfidence: validated\n---\n\n"

LITERAL = {
    "fenced code": "```yaml\nimage: {{ .Values.image }}\n{% if x %}\n```\n",
    "tilde fence": "~~~\n{{ x }}\n~~~\n",
    "fenced code in an admonition": '!!! note\n\n    ```bash\n    echo "${#ARR[@]}" {{x}}\n    ```\n',
    "mermaid node": "```mermaid\ngraph LR\n  A{{x}} --> B{%y%}\n```\n",
    "code span": "Write `{{ name }}` or ``{% raw `x` %}`` in the mail template.\n",
    "heading attribute list": "## Install {#install}\n\n## Usage { #usage .wide }\n",
    "shell length in prose": "The length is ${#ARR[@]}, and {# is not a comment.\n",
}


def _render(root, src_uri: str, client: str | None = None) -> str:
    catalog = load_catalog(root)
    page = next(p for p in catalog.pages if p.src_uri == src_uri)
    return render_page(make_environment(catalog, client), page)


@pytest.mark.parametrize("text", LITERAL.values(), ids=LITERAL.keys())
def test_braces_in_code_and_attribute_lists_are_kept_as_written(make_project, text):
    root = make_project("basic", files={"kb/scheduling/braces.md": ARTICLE + text})
    assert _render(root, "kb/scheduling/braces.md") == "\n" + text


def test_templates_around_code_are_still_evaluated(make_project):
    text = 'A {{ term("project") }} for {{ client.name }}: `{{ term("project") }}`.\n\n```\n{{ x }}\n```\n'
    root = make_project("basic", files={"kb/scheduling/braces.md": ARTICLE + text})
    rendered = _render(root, "kb/scheduling/braces.md", client="acme")
    assert rendered == '\nA capital job for Acme Water: `{{ term("project") }}`.\n\n```\n{{ x }}\n```\n'


def test_a_template_mistake_after_code_is_reported_at_its_own_line(make_project, run_kb):
    text = "```\none\n{{ two }}\nthree\n```\n\nA `{{ code }}` span.\n{{ nope }}\n"
    root = make_project("basic", files={"kb/scheduling/braces.md": ARTICLE + text})
    result = run_kb(root, "check")
    line = (ARTICLE + text).split("\n").index("{{ nope }}") + 1
    assert f"kb/scheduling/braces.md:{line}: template: 'nope' is undefined" in result.output
    assert "{% raw %}" in result.output  # says what to write for braces meant as text


def test_kb_check_reports_every_template_mistake_of_every_page_with_the_other_problems(make_project, run_kb):
    files = {
        "kb/scheduling/one.md": ARTICLE + "{{ first }}\n",
        "kb/scheduling/two.md": ARTICLE.replace("KB-0100", "KB-0101") + "{% if %}\n\n[gone](missing.md)\n",
    }
    result = run_kb(make_project("basic", files=files), "check")
    assert result.exit_code == 1
    assert "kb/scheduling/one.md:10: template: 'first' is undefined" in result.output
    assert "kb/scheduling/two.md:10: template syntax: Expected an expression" in result.output
    assert "kb/scheduling/two.md:12: broken link 'missing.md'" in result.output


def test_set_code_aside_keeps_line_count_and_puts_code_back_exactly():
    body = "a `{{x}}` b\n```\n{{ y }}\n\n```\n{{ z }}\n"
    source, put_back = set_code_aside(body)
    assert source.count("\n") == body.count("\n")
    assert "{{x}}" not in source and "{{ y }}" not in source and "{{ z }}" in source
    assert put_back(source) == body


def test_built_page_shows_code_braces_and_keeps_the_heading_id(make_project, tmp_path):
    text = (
        "## Install {#install}\n\n```bash\necho ${#ARR[@]} {{ x }}\n```\n\n"
        "For `{{ name }}` in a {{ term('project') }}.\n"
    )
    root = make_project("basic", files={"kb/scheduling/braces.md": ARTICLE + text})
    out = build_target(root, SITE, tmp_path / "out").out
    html = (out / "kb/scheduling/braces/index.html").read_text(encoding="utf-8")
    assert 'id="install"' in html
    text_only = html_module.unescape(re.sub(r"<[^>]*>", "", html))
    assert "echo ${#ARR[@]} {{ x }}" in text_only
    assert "<code>{{ name }}</code>" in html
