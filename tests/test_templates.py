"""Templates within a budget: a writer's template that would run for minutes, fill the memory or overflow is
a problem at its file:line from `kb check` and `kb build`, never a traceback; ordinary templates still work."""

from __future__ import annotations

import pytest

import generator.template_budget
from generator.catalog import load_catalog
from generator.checks import check_templates
from generator.template_budget import MAX_LIPSUM, MAX_PAGE_CHARS

PATH = "kb/scheduling/templated.md"
ARTICLE = """---
id: KB-0100
title: A templated article
summary: One sentence.
type: faq
module: scheduling
confidence: validated
---

First line of the body.
{template}
Last line.
"""
TEMPLATE_LINE = 11  # the line of {template} in ARTICLE


HOSTILE = {
    "a range of a billion": ("{% for i in range(10**9) %}x{% endfor %}", "Range too big"),
    "a trillion characters": ("{{ 'x' * 10**12 }}", "the repeated text would pass 2,000,000 characters"),
    "a million paragraphs of lipsum": ("{{ lipsum(10**6) }}", f"lipsum(): at most {MAX_LIPSUM} paragraphs"),
    "a number of a million digits": ("{{ 10 ** 1000000 }}", "the limit is about 3,000 digits"),
    "a float too large": ("{{ 2.0 ** 100000 }}", "(OverflowError)"),
    "a division by zero": ("{{ 1 / 0 }}", "division by zero (ZeroDivisionError)"),
    "text minus a number": ("{{ 'a' - 1 }}", "(TypeError)"),
    "a macro calling itself": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "calls itself without end"),
    "a namespace doubling its text": (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "would pass 2,000,000 characters (2,097,152)",
    ),
    "a list extending itself": (
        "{% set l = [1] %}{% for i in range(64) %}{{ l.extend(l) }}{% endfor %}",
        "the list after extend() would pass",
    ),
    "a centre a trillion wide": ("{{ 'x' | center(10**12) }}", "'center' filter: 1000000000000 is too large"),
    "a format a billion wide": ("{{ '%999999999s' | format(1) }}", "asks for a width over"),
    "a %-format a billion wide": ("{{ '%999999999s' % 1 }}", "asks for a width over"),
    "a str.format a billion wide": ("{{ '{:>999999999}'.format(1) }}", "asks for a width over"),
    "a %-format taking a billion width": ("{{ '%*s' % (10**9, 'x') }}", "the format's width: 1000000000 is too large"),
    "a str.format taking a billion width": ("{{ '{:{}}'.format('x', 10**9) }}", "the format's width: 1000000000"),
    "a ljust ten billion wide": ("{{ 'x'.ljust(10**10) }}", "ljust(): 10000000000 is too large"),
    "a replace that grows": ("{{ ('x' * 1000000) | replace('x', 'yyyyy') }}", "the replaced text would pass"),
    "a join that grows": ("{{ (['ab'] * 1000000) | join('----') }}", "the joined text would pass"),
    "text joined with ~ past the page": (
        "{% set x = 'x' * 1000000 %}{{ x ~ x ~ x ~ x }}",
        "the text of ~ would pass 2,000,000 characters",
    ),
    "a set block collecting a loop": (
        "{% set x = 'y' * 20000 %}{% set b %}{% for i in range(100000) %}{{ x }}{% endfor %}{% endset %}",
        "the text the page's template makes would pass 2,000,000 characters",
    ),
    "a set block repeating plain text": (
        "{% set b %}{% for i in range(100000) %}" + "plain text " * 10 + "{% endfor %}{% endset %}",
        "the text the page's template makes would pass 2,000,000 characters",
    ),
    "a NUL character": ("{{ 'a\\x00b' }}", "a NUL character (U+0000) in the output"),
    "a page of ten million characters": (
        "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
        "the page's text would pass 2,000,000 characters",
    ),
}


def templated(make_project, template: str):
    return make_project("basic", files={PATH: ARTICLE.format(template=template)})


@pytest.mark.parametrize(("template", "expected"), HOSTILE.values(), ids=HOSTILE.keys())
def test_kb_check_reports_a_template_over_budget_at_its_line(make_project, run_kb, template, expected):
    result = run_kb(templated(make_project, template), "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line.strip() for line in result.output.splitlines() if line.strip().startswith(PATH)]
    assert lines and all(line.startswith(f"{PATH}:{TEMPLATE_LINE}: template: ") for line in lines), result.output
    assert expected in lines[0]


def test_kb_build_reports_a_template_over_budget_without_a_traceback(make_project, run_kb, tmp_path):
    root = templated(make_project, HOSTILE["a trillion characters"][0])
    result = run_kb(root, "build", "--out", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert f"{PATH}:{TEMPLATE_LINE}: template: the repeated text would pass" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "template",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% set s = 'x' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ '' }}{% endfor %}{% endfor %}",
    ],
    ids=["nested ranges", "nested loops over text", "nested loops with output"],
)
def test_a_template_that_runs_past_the_time_budget_is_stopped_at_its_line(make_project, monkeypatch, template):
    monkeypatch.setattr(generator.template_budget, "PAGE_SECONDS", 1.0)  # ten times less waiting in tests
    problems = [str(p) for p in check_templates(load_catalog(templated(make_project, template)))]
    # Once, for the first target: the other targets do not wait for the same page again.
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{PATH}:{TEMPLATE_LINE}: template: the page's template ran for more than 1 s")
    assert problems[0].endswith("(building site)")


def test_templates_within_the_budget_still_render(make_project, run_kb, tmp_path):
    template = (
        "{% for x in [1, 2, 3] %}{{ loop.index }}/{{ loop.length }}{% if loop.last %}!{% endif %} {% endfor %}"
        "{% for x in [[1, [2]], [3]] recursive %}{% if x is iterable %}{{ loop(x) }}{% else %}{{ x }}{% endif %}"
        "{% endfor %} {{ '%d users' | format(25000000) }} {{ '{:,}'.format(1234567890) }} "
        "{{ 'Order 12345678: %s' % 'ok' }} {{ 'Call 5551234567 {}'.format('now') }} "
        "{{ '%5.2f|%-4s|' % (3.14159, 'a') }} "
        "{{ lipsum(2, html=False) | length > 0 }} {{ 'ab' * 3 }} {{ 2 ** 64 }} {{ client.name }} "
        "{{ ['a', 'b'] | join(', ') }} {% set ns = namespace(n=0) %}{% for i in range(1000) %}"
        "{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }} {{ ('x' * (MAX - 100)) | length }} "
        "{{ 'a' ~ 1 ~ client.name }} {% macro m(a) %}[{{ a }}]{% endmacro %}{{ m('q') ~ '!' }}"
    ).replace("MAX", str(MAX_PAGE_CHARS))
    root = templated(make_project, template)
    result = run_kb(root, "build", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    html = (tmp_path / "site" / "kb" / "scheduling" / "templated" / "index.html").read_text(encoding="utf-8")
    expected = (
        "1/3 2/3 3/3! 123 25000000 users 1,234,567,890 Order 12345678: ok Call 5551234567 now  3.14|a   | "
        "True ababab 18446744073709551616"
    )
    assert expected in html
    assert f"a, b 499500 {MAX_PAGE_CHARS - 100} a1Sample Software customers [q]!" in html
