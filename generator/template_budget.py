"""A sandbox with a budget per page: time, text size and number size, so that no template runs for minutes,
fills the memory or raises OverflowError instead of being reported at its file:line.

Jinja2's sandbox stops templates from reaching Python's internals, not from working forever. The budget is
checked wherever a template can spend: each step of every loop and each `~` (both rewritten at parse time,
the one use of Jinja2's internals, `_parse`, guarded by tests/test_templates.py), each call, each filter,
the operators that build large values (`*`, `**`, `%`, `+`), values stored in a namespace, every `{{ }}`
output (also inside `{% set %}` blocks and macros), and each piece of the page as it is generated."""

from __future__ import annotations

import functools
import math
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any

from jinja2 import nodes, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import Namespace, generate_lorem_ipsum
from jinja2.visitor import NodeTransformer

# The sample's pages evaluate in milliseconds; ten seconds is a page that will never finish (`kb check` of a
# nested loop over range(100000) ran for minutes). Two million characters is twice the largest source file
# (1 MB, generator/catalog.py), room for terms that grow a page, and far below what exhausts memory.
PAGE_SECONDS = 10.0
MAX_PAGE_CHARS = 2_000_000
# Whole numbers up to some 3,000 digits: Python refuses to print more than 4,300 (ValueError), and each
# multiplication of larger ones takes longer than the last.
MAX_INT_BITS = 10_000
MAX_LIPSUM = 20  # paragraphs, and 200 words a paragraph: placeholder text, never a load test

OVER_TIME = "the page's template ran for more than"  # how that problem starts (checks.py looks for it)
_PRODUCED = "the text the page's template makes"
_CHECK_EVERY = 1024  # loop steps between looks at the clock
_DIGITS = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"%(?:\([^()]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?")  # '%(name)-*.3f'


class BudgetExceeded(Exception):
    """A template went past its page's limits (or made a NUL character); carries the message for the writer."""


class BudgetedEnvironment(SandboxedEnvironment):
    """SandboxedEnvironment whose templates each get PAGE_SECONDS and MAX_PAGE_CHARS (start_page())."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any):
        super().__init__(finalize=self._count_output, **options)
        self.deadline = math.inf
        self.produced = 0  # characters of `{{ }}` output and of loops' plain text this page, kept or not
        self.globals["namespace"] = _BudgetedNamespace
        self.globals["lipsum"] = _lipsum
        self.filters = {name: _budgeted_filter(name, function) for name, function in self.filters.items()}

    def start_page(self) -> None:
        """Give the next page its own time budget."""
        self.deadline = time.monotonic() + PAGE_SECONDS
        self.produced = 0

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(
                f"{OVER_TIME} {PAGE_SECONDS:g} s (the limit per page); expected loops over fewer items"
            )

    def render_budgeted(self, source: str, **context: Any) -> str:
        """The template `source` evaluated within the page's budget (start_page() first)."""
        pieces, size, out = self.from_string(source).generate(**context), 0, []
        for piece in pieces:
            out.append(piece)
            size += len(piece)
            try:
                if size > MAX_PAGE_CHARS:
                    raise BudgetExceeded(_too_long("the page's text"))
                self.check_time()
            except BudgetExceeded as exc:
                pieces.throw(exc)  # raised where the template is suspended, so that the error names that line
        return "".join(out)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _Budgeting().visit(super()._parse(source, name, filename))

    def _count_output(self, value: Any) -> Any:
        """Jinja2's `finalize`: sees every `{{ }}` value, also those a `{% set %}` block or a macro keeps."""
        text = value if isinstance(value, str) else str(value)
        self.produced += len(text)
        if self.produced > MAX_PAGE_CHARS:
            raise BudgetExceeded(_too_long(_PRODUCED))
        if "\x00" in text:  # {{ '\x00' }}: sources with NULs are refused (catalog.py), so are values with them
            raise BudgetExceeded("a NUL character (U+0000) in the output; expected text only")
        return value

    @pass_eval_context
    def budgeted_concat(self, eval_ctx: EvalContext, *parts: Any) -> str:
        """What every `a ~ b` calls: the joined text, if it stays within the budget."""
        _check_length(sum(len(part) if isinstance(part, str) else len(str(part)) for part in parts), "the text of ~")
        return (markup_join if eval_ctx.autoescape else str_join)(parts)

    def budgeted_loop(self, items: Iterable[Any], text: int) -> Iterator[Any]:
        """What every `{% for %}` iterates: the items, counting the `text` characters of plain text in the
        loop's body at each step (whether an `{% if %}` keeps them or not), with a look at the clock every
        so often."""
        for count, item in enumerate(items):
            self.produced += text
            if self.produced > MAX_PAGE_CHARS:
                raise BudgetExceeded(_too_long(_PRODUCED))
            if count % _CHECK_EVERY == 0:
                self.check_time()
            yield item

    def call(self, context: Any, function: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.check_time()
        target = getattr(function, "__self__", None)
        if isinstance(target, str | list | tuple):
            _check_method(target, getattr(function, "__name__", ""), args)
        result = _checked_size(super().call(context, function, *args, **kwargs), "the result of a call")
        if isinstance(target, list | dict | set):  # {{ items.extend(items) }} in a loop doubles each time
            _checked_size(target, f"the {type(target).__name__} after {getattr(function, '__name__', 'a call')}()")
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None or not _check_braces(value.__self__):
            return wrapper

        @functools.wraps(wrapper)
        def widths_checked(*args: Any, **kwargs: Any) -> str:  # '{:{}}'.format(x, 10**9): widths from values
            _check_numbers((*args, *kwargs.values()), "the format's width")
            return wrapper(*args, **kwargs)

        return widths_checked

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.check_time()
        if operator == "*":
            _check_product(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "%" and isinstance(left, str):
            _check_percent(left, right)
        elif operator == "+" and isinstance(left, str | list | tuple) and isinstance(right, Sized):
            _check_length(len(left) + len(right), "the sum")
        return super().call_binop(context, operator, left, right)


class _Budgeting(NodeTransformer):
    """Every `{% for %}` iterates through budgeted_loop, told how much plain text its body holds (a
    `{% set %}` block repeating a paragraph 100,000 times is never yielded, so it is counted per step);
    every `~` is a call to budgeted_concat."""

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        text = sum(len(data.data) for part in node.body for data in part.find_all(nodes.TemplateData))
        node.iter = _call_environment("budgeted_loop", [node.iter, nodes.Const(text)], node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:
        self.generic_visit(node)
        return _call_environment("budgeted_concat", list(node.nodes), node.lineno)


def _call_environment(method: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(method, lineno=lineno), args, [], None, None, lineno=lineno)


class _BudgetedNamespace(Namespace):
    """`namespace()`: a value kept across loop steps (`{% set ns.text = ns.text ~ ns.text %}`) stays in budget."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, _checked_size(value, f"namespace value '{name}'"))


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    if n > MAX_LIPSUM or max > 10 * MAX_LIPSUM:
        raise BudgetExceeded(f"lipsum(): at most {MAX_LIPSUM} paragraphs of {10 * MAX_LIPSUM} words")
    return generate_lorem_ipsum(n, html, min, max)


# Filter arguments after the value are widths and counts (center, indent, wordwrap, truncate, batch, slice,
# tojson's indent, ...), except these, which are values.
_VALUE_ARGUMENTS = {"default", "d", "format"}


def _budgeted_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """The filter, refusing widths and counts past the budget and results larger than a page."""
    skip = 2 if hasattr(function, "jinja_pass_arg") else 1  # (environment or context,) value

    @functools.wraps(function)  # keeps `jinja_pass_arg`, which tells Jinja what to pass first
    def budgeted(*args: Any, **kwargs: Any) -> Any:
        value, rest = args[skip - 1] if len(args) >= skip else None, args[skip:]
        if name not in _VALUE_ARGUMENTS:
            _check_numbers((*rest, *kwargs.values()), f"'{name}' filter")
        if name == "format" and isinstance(value, str):
            _check_percent(value, rest or tuple(kwargs.values()))
        elif name == "join" and isinstance(value, Sized):
            separator = rest[0] if rest else kwargs.get("d", "")
            _check_length(len(str(separator)) * len(value), "the joined text")
        elif name == "replace" and isinstance(value, str) and len(rest) >= 2:
            old, new = str(rest[0]), str(rest[1])
            _check_length(len(value) + (value.count(old) + 1) * max(0, len(new) - len(old)), "the replaced text")
        return _checked_size(function(*args, **kwargs), f"the result of the '{name}' filter")

    return budgeted


def _check_method(target: str | list | tuple, name: str, args: tuple) -> None:
    """str.center(10**9) and friends: check the size before Python allocates it."""
    if name in ("center", "ljust", "rjust", "zfill", "expandtabs"):
        _check_numbers(args, f"{name}()")
    elif name == "join" and args and isinstance(args[0], Sized):
        _check_length(len(target) * len(args[0]), "the joined text")
    elif name == "replace" and isinstance(target, str) and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        _check_length(len(target) + (target.count(old) + 1) * max(0, len(new) - len(old)), "the replaced text")


def _check_product(left: Any, right: Any) -> None:
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(times, int):
            _check_length(len(sequence) * times, "the repeated text")
    if isinstance(left, int) and isinstance(right, int):
        _check_bits(left.bit_length() + right.bit_length())


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        _check_bits(exponent * base.bit_length())


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise BudgetExceeded(f"a number of some {int(bits * 0.30103):,} digits; the limit is about 3,000 digits")


def _check_percent(template: str, values: Any) -> None:
    """'%999999999s' % x asks for that many characters: refused before they are made; '%*s' takes the
    width from the values."""
    for match in _PERCENT_SPEC.finditer(template):
        for number in match.groups():
            if number == "*":
                _check_numbers(values if isinstance(values, tuple) else (values,), "the format's width")
            elif number:
                _check_width(number, template)


def _check_braces(template: str) -> bool:
    """'{:>999999999}'.format(x): the same, for str.format; True when a width comes from the values."""
    from_values = False
    for _, _, spec, _ in string.Formatter().parse(template):
        for number in _DIGITS.findall(spec or ""):
            _check_width(number, template)
        from_values = from_values or "{" in (spec or "")
    return from_values


def _check_width(digits: str, template: str) -> None:
    if len(digits) > 7 or int(digits) > MAX_PAGE_CHARS:
        raise BudgetExceeded(f"the format '{template[:40]}' asks for a width over {MAX_PAGE_CHARS:,}")


def _check_numbers(values: Iterable[Any], what: str) -> None:
    for number in values:
        if isinstance(number, int) and abs(number) > MAX_PAGE_CHARS:
            raise BudgetExceeded(f"{what}: {number} is too large; the limit is {MAX_PAGE_CHARS:,}")


def _check_length(length: int, what: str) -> None:
    if length > MAX_PAGE_CHARS:
        raise BudgetExceeded(_too_long(what, length))


def _checked_size(value: Any, what: str) -> Any:
    if isinstance(value, str | list | tuple | dict | set) and len(value) > MAX_PAGE_CHARS:
        raise BudgetExceeded(_too_long(what, len(value), "characters" if isinstance(value, str) else "items"))
    return value


def _too_long(what: str, length: int | None = None, unit: str = "characters") -> str:
    size = f" ({length:,})" if length is not None else ""
    return f"{what} would pass {MAX_PAGE_CHARS:,} {unit}{size}, the limit per page"
