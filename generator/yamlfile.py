"""Strict YAML: plain data only (no tags, anchors or aliases, no duplicate keys), every key's line kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Problem

# libyaml's parser where it is installed: the same events and marks, several times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Path_ = tuple[Any, ...]  # a place in a document: ("contexts", 0, "id")


@dataclass
class YamlDoc:
    """A parsed document and the line (1-based, in the file) of each key and list item in it."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    first_line: int = 1

    def line_of(self, *place: Any) -> int:
        """The line of the deepest known part of `place`, else the document's first line."""
        while place:
            if place in self.lines:
                return self.lines[place]
            place = place[:-1]
        return self.first_line


class YamlProblems(Exception):
    """Raised by parse_yaml with every problem found in one document."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def parse_yaml(text: str, path: str, first_line: int = 1) -> YamlDoc:
    """Parse one YAML document from `text` (which starts at `first_line` of file `path`)."""
    offset = first_line - 1

    def problem(mark, message: str) -> Problem:
        return Problem(path, (mark.line + 1 + offset) if mark else first_line, message)

    try:
        problems = _check_events(text, problem)
        if problems:
            raise YamlProblems(problems)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return YamlDoc(None, {}, first_line)
            lines: dict[Path_, int] = {(): node.start_mark.line + 1 + offset}  # where the document's value starts
            problems = _walk(node, (), lines, offset, problem, loader)
            if problems:
                raise YamlProblems(problems)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        lines = text.splitlines()
        if mark and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
            message = "invalid YAML: a tab character; YAML is indented with spaces, expected spaces"
        elif mark and mark.line < len(lines) and _colon_in_value(exc, lines[mark.line]):
            message = _colon_in_value(exc, lines[mark.line])
        else:
            message = _describe(exc)
            if exc.context_mark and mark and exc.context_mark.line != mark.line:
                message += f" (started on line {exc.context_mark.line + 1 + offset})"
        raise YamlProblems([problem(exc.problem_mark, message)]) from None
    except yaml.YAMLError as exc:
        raise YamlProblems([Problem(path, first_line, f"invalid YAML: {exc}")]) from None
    return YamlDoc(data, lines, first_line)


def _colon_in_value(exc: yaml.MarkedYAMLError, line: str) -> str | None:
    """`title: Error: disk full` -> the advice to quote the value, in place of 'mapping values are not allowed'."""
    if not (exc.problem or "").startswith("mapping values are not allowed"):
        return None
    key, colon, value = line.partition(": ")
    value = value.strip()
    if not colon or not key.strip() or key.lstrip().startswith(("-", "#")) or value[:1] in ("'", '"'):
        return None
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"invalid YAML: the value of '{key.strip()}' has a ': ' in it; quote the value: {key.strip()}: {quoted}"


def _describe(exc: yaml.MarkedYAMLError) -> str:
    """The parser's own words, with the context it was in."""
    text = f"{exc.problem}" if exc.problem else "invalid YAML"
    context = f" {exc.context}" if exc.context else ""
    return f"invalid YAML:{context} {text}".replace("  ", " ")


def _check_events(text: str, problem) -> list[Problem]:
    """Tags, anchors and aliases are errors: sources are plain data, never objects or references."""
    problems = []
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            problems.append(
                problem(
                    event.start_mark,
                    f"YAML alias '*{event.anchor}' is not allowed; expected plain values (write the value out)",
                )
            )
            continue
        anchor = getattr(event, "anchor", None)
        if anchor:
            problems.append(problem(event.start_mark, f"YAML anchor '&{anchor}' is not allowed; expected plain values"))
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            tag = tag.replace("tag:yaml.org,2002:", "!!")
            problems.append(
                problem(
                    event.start_mark,
                    f"YAML tag '{tag}' is not allowed; expected plain values (strings, numbers, lists, mappings)",
                )
            )
    return problems


def _walk(node, place: Path_, lines, offset, problem, loader) -> list[Problem]:
    """Record each key's and item's line; report duplicate keys."""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            line = key_node.start_mark.line + 1 + offset
            try:
                hash(key)
            except TypeError:
                problems.append(problem(key_node.start_mark, "a mapping key must be a plain value"))
                continue
            if key in seen:
                problems.append(problem(key_node.start_mark, f"duplicate key '{key}' (first on line {seen[key]})"))
                continue
            seen[key] = line
            lines[(*place, key)] = line
            problems += _walk(value_node, (*place, key), lines, offset, problem, loader)
    elif isinstance(node, yaml.ScalarNode):
        try:
            loader.construct_object(node)
        except ValueError as exc:  # e.g. the date 2026-02-30
            problems.append(problem(node.start_mark, f"invalid value {node.value!r}: {exc}"))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*place, index)] = item.start_mark.line + 1 + offset
            problems += _walk(item, (*place, index), lines, offset, problem, loader)
    return problems
