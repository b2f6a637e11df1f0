"""One declaration per source format (front matter, product.yml, client profiles, contexts.yml),
and the one function that validates a parsed YAML document against it."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import Problem
from .memo import remembered
from .versions.spec import SpecError, VersionSpec, parse_spec
from .yamlfile import YamlDoc

Check = Callable[[Any], Any]  # returns the clean value or raises Invalid("expected ...")


class Invalid(ValueError):
    """A value that does not fit its field; the message says what was expected."""


@dataclass(frozen=True)
class Field:
    """One key of a source format: how its value is checked, whether it must be there, what it means."""

    check: Check
    required: bool = False
    default: Any = None
    doc: str = ""


def text(value: Any) -> str:
    if isinstance(value, float):  # 2.10 would silently become 2.1
        raise Invalid(f"expected text, got the number {value!r}; put it in quotes")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Invalid("expected text")
    value = str(value).strip()
    if not value:
        raise Invalid("expected text, got an empty value")
    return value


def pattern(regex: str, example: str) -> Check:
    compiled = re.compile(regex)

    def check(value: Any) -> str:
        value = text(value)
        if not compiled.fullmatch(value):
            raise Invalid(f"expected something like {example}, got {value!r}")
        return value

    return check


def one_of(*choices: str) -> Check:
    def check(value: Any) -> str:
        if value not in choices:
            raise Invalid(f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    return check


def list_of(item: Check) -> Check:
    def check(value: Any) -> tuple:
        if isinstance(value, (str, int)):
            value = [value]  # `tags: import` means `tags: [import]`
        if not isinstance(value, list):
            raise Invalid("expected a list")
        out = []
        for index, element in enumerate(value):
            try:
                out.append(item(element))
            except Invalid as exc:
                raise Invalid(f"item {index + 1}: {exc}") from None
        return tuple(out)

    return check


def date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise Invalid(f"expected a date as YYYY-MM-DD, got {value!r}")


def positive_hours(value: Any) -> int:
    """A number of hours on a clock: a whole number from 1 to a year's."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24 * 366:
        raise Invalid(f"expected a whole number of hours from 1 to {24 * 366}, got {value!r}")
    return value


_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def mail_domain(value: Any) -> str:
    """A mail domain such as example.com, lower-cased (no @, no scheme, no wildcard)."""
    value = text(value).lower()
    if not _DOMAIN.fullmatch(value):
        raise Invalid(f"expected a mail domain such as example.com, got {value!r}")
    return value


def mail_address(value: Any) -> str:
    """A mail address such as dana@example.com, lower-cased: addresses are compared without case."""
    normalized, error = _checked_address(text(value), _validator_version())
    if error:
        raise Invalid(error)
    return normalized


@functools.cache
def _validator_version() -> str:
    import importlib.metadata  # when a profile names an admin: not at every import of the schema

    try:
        return importlib.metadata.version("email-validator")
    except importlib.metadata.PackageNotFoundError:
        return "-"


@remembered("mail_address")
def _checked_address(value: str, validator: str) -> tuple[str, str]:
    """(the address normalised, "") or ("", what is wrong), by email_validator (of version `validator`);
    kept in a build's memo: importing it compiles large patterns, a fortieth of a second of every build
    of a project whose client profiles name admins."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized.lower(), ""
    except EmailNotValidError as exc:
        return "", f"expected a mail address such as dana@example.com, got {value!r}: {exc}"


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, got {value!r}")
    return value


def mapping(value: Any) -> dict:
    """A mapping whose entries are checked elsewhere, key by key (modules, working hours)."""
    if not isinstance(value, dict):
        raise Invalid("expected a mapping of names to values")
    return value


def mapping_of(value_check: Check) -> Check:
    def check(value: Any) -> dict:
        if not isinstance(value, dict):
            raise Invalid("expected a mapping of names to values")
        return {text(k): value_check(v) for k, v in value.items()}

    return check


def synonym_group(value: Any) -> tuple[str, ...]:
    """A group of words or phrases that mean the same to a searcher: two or more, each once."""
    group = list_of(text)(value)
    if len(group) < 2:
        raise Invalid(f"expected a list of two or more words that mean the same, got {list(group)!r}")
    seen = [member.lower() for member in group]
    repeated = sorted({member for member in seen if seen.count(member) > 1})
    if repeated:
        raise Invalid(f"{repeated[0]!r} appears twice in the group")
    return group


SLUG = pattern(r"[a-z][a-z0-9_-]*", "'scheduling' (lower case, digits, - and _)")
CONTEXT_ID_MAX = 100  # a context ID names a folder of the site (/context/<id>/) and a C constant
_context_id_pattern = pattern(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*", "'schedule.gantt'")


def CONTEXT_ID(value: Any) -> str:
    """A screen ID of contexts.yml; named like the patterns beside it. The length is checked first, so a
    10,000-character value is not echoed back in the message."""
    if isinstance(value, str) and len(value) > CONTEXT_ID_MAX:
        raise Invalid(f"expected at most {CONTEXT_ID_MAX} characters like 'schedule.gantt', got {len(value)}")
    return _context_id_pattern(value)


PAGE_ID = pattern(r"(KB-\d{4,6}|[A-Z]{3}-\d{3})", "KB-0042 (articles) or USR-001 (manual pages)")
CASE_ID = pattern(r"CASE-\d{6}", "CASE-000123")
COLOR = pattern(r"#[0-9a-fA-F]{6}", "#0b5394")

PAGE_TYPES = ("troubleshooting", "howto", "reference", "faq", "concept", "lesson")
AUDIENCES = ("public", "internal")
CONFIDENCES = ("wip", "not_validated", "validated", "archived")


def version_spec(value: Any) -> VersionSpec:
    """Front matter `versions:` (generator/versions/spec.py); the versions it names are checked against
    product.yml by the checks, which know the product."""
    try:
        return parse_spec(value)
    except SpecError as exc:
        raise Invalid(str(exc)) from None


def context_claim(value: Any) -> tuple[str, bool]:
    """`schedule.gantt` or `{id: schedule.gantt, primary: true}` -> (id, primary)."""
    if isinstance(value, dict):
        unknown = set(value) - {"id", "primary"}
        if unknown or "id" not in value:
            raise Invalid("expected a context ID or {id: ..., primary: true}")
        return CONTEXT_ID(value["id"]), boolean(value.get("primary", False))
    return CONTEXT_ID(value), False


FRONT_MATTER: dict[str, Field] = {
    "id": Field(PAGE_ID, required=True, doc="Stable ID, never reused; the permanent link /a/<id>/."),
    "title": Field(text, required=True, doc="Main issue + main environment (KCS)."),
    "summary": Field(text, doc="One or two sentences for search results and suggestions."),
    "type": Field(one_of(*PAGE_TYPES), doc="What kind of page; troubleshooting follows the KCS sections."),
    "module": Field(SLUG, doc="Product module (product.yml): licensing, folders, search facets."),
    "audience": Field(one_of(*AUDIENCES), default="public", doc="internal = support agents only."),
    "confidence": Field(one_of(*CONFIDENCES), doc="KCS state; public builds take validated only."),
    "clients": Field(list_of(SLUG), default=(), doc="Absent: everyone. A list: private to those clients."),
    "contexts": Field(list_of(context_claim), default=(), doc="Screens (contexts.yml) this page answers."),
    "tags": Field(list_of(text), default=(), doc="Taxonomy for search and related pages."),
    "updated": Field(date, doc="Last reviewed, YYYY-MM-DD."),
    "source_cases": Field(list_of(CASE_ID), default=(), doc="Cases the article was written from."),
    "versions": Field(
        version_spec, doc="The product versions the page applies to: '>=2026.2', or a list; absent: every version."
    ),
    "changed_in": Field(text, doc="The product version that changed what the page describes, shown as a note."),
}

MODULE: dict[str, Field] = {
    "title": Field(text, required=True, doc="The module's name as the product shows it."),
    "description": Field(text, required=True, doc="One sentence for the home page."),
    # A pattern, not any text: the icon's name is pasted into the home page's markdown as `:name:`.
    "icon": Field(
        pattern(r"[a-z0-9-]+(/[a-z0-9-]+)+", "material/book-outline"),
        default="material/book-outline",
        doc="A Material icon name.",
    ),
}

PRODUCT: dict[str, Field] = {
    "name": Field(text, required=True, doc="The product's full name."),
    "short_name": Field(text, doc="A short name for headers; defaults to the name."),
    "version": Field(text, required=True, doc="The documented release."),
    "vendor": Field(text, required=True, doc="Who publishes the product."),
    "support_phone": Field(text, doc="Shown on the help centre's contact block."),
    "terms": Field(mapping_of(text), default={}, doc="Product terms a client may rename, with their word."),
    "modules": Field(mapping, required=True, doc="slug: {title, description, icon}."),
    "featured": Field(list_of(PAGE_ID), default=(), doc="Articles shown as popular on the home page."),
    "synonyms": Field(
        list_of(synonym_group), default=(), doc="Groups of words search treats as one: [[formula, expression]]."
    ),
    "abbreviations": Field(
        mapping_of(text), default={}, doc="Short forms search treats as their long form: {EAC: estimate at completion}."
    ),
    "versions": Field(
        mapping, doc='The product\'s versions: {"2026.2": {ref: <commit>, status, released}} (generator/versions).'
    ),
}

CLIENT: dict[str, Field] = {
    "name": Field(text, required=True, doc="The client's display name."),
    "logo": Field(text, doc="Path of the logo, relative to the project root."),
    "colors": Field(mapping_of(COLOR), default={}, doc="primary and accent brand colours."),
    "modules": Field(list_of(SLUG), required=True, doc="Licensed modules."),
    "terms": Field(mapping_of(text), default={}, doc="The client's own words for product terms."),
    "contact": Field(mapping_of(text), default={}, doc="The trainer's name, email and role, for covers."),
    "domains": Field(list_of(mail_domain), default=(), doc="Mail domains of the client's people: example.com."),
    "admins": Field(
        list_of(mail_address), default=(), doc="Addresses that may see all the client's cases in the portal."
    ),
    "support": Field(mapping, doc="The support contract: start, end (YYYY-MM-DD), plan, hours."),
    "version": Field(text, doc="The product version the client runs (product.yml `versions`); default: the current."),
}

SUPPORT: dict[str, Field] = {
    "start": Field(date, required=True, doc="The first day the contract covers."),
    "end": Field(date, required=True, doc="The last day it covers."),
    "plan": Field(text, doc="The plan's name, as agents see it: Gold, Standard."),
    "hours": Field(mapping, doc="first_response, updates, resolution: hours replacing portal.yml's clocks."),
}

SUPPORT_HOURS: dict[str, Field] = {
    "first_response": Field(
        positive_hours,
        doc="The first response is due this many hours after the case arrives (default: the end of the working day).",
    ),
    "updates": Field(positive_hours, doc="A customer update at least this often (default update_every_hours)."),
    "resolution": Field(positive_hours, doc="Level 1 resolves within this, else escalates (default level1_hours)."),
}

CONTEXT: dict[str, Field] = {
    "title": Field(text, required=True, doc="The screen's name as the application shows it."),
    "module": Field(SLUG, required=True, doc="The module the screen belongs to."),
}


def validate(doc: YamlDoc, fields: dict[str, Field], path: str, place: tuple = ()) -> tuple[dict, list[Problem]]:
    """Check the mapping at `place` in `doc` against `fields`: clean values (with defaults), problems."""
    data = doc.data
    for key in place:
        data = data[key]
    if not isinstance(data, dict):
        if place:
            what = f"'{'.'.join(map(str, place))}'"
        else:  # a page's front matter, or a whole YAML file such as product.yml
            what = "front matter" if path.endswith(".md") else "the file"
        found = " (it is empty)" if data is None else ""
        return {}, [Problem(path, doc.line_of(*place), f"{what}: expected a mapping of keys to values{found}")]
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key in data:
        if key not in fields:
            allowed = ", ".join(fields)
            problems.append(Problem(path, doc.line_of(*place, key), f"unknown key '{key}'; expected one of {allowed}"))
    for key, spec in fields.items():
        if key not in data or data[key] is None:
            if spec.required:
                problems.append(Problem(path, doc.line_of(*place), f"missing required key '{key}'"))
            values[key] = spec.default
            continue
        try:
            values[key] = spec.check(data[key])
        except Invalid as exc:
            problems.append(Problem(path, doc.line_of(*place, key), f"'{key}': {exc}"))
            values[key] = spec.default
    return values, problems
