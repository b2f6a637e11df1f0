"""The client profiles (clients/<slug>.yml) of a project: validated against the schema, their logos,
colours, terms and modules checked against the product, their support contracts read, and each domain
and admin claimed by one client only."""

from __future__ import annotations

import re
from pathlib import Path

from . import schema
from .contrast import contrast_warning
from .errors import Problem, rel
from .model import ClientProfile, Product, SupportContract, SupportHours
from .pictures import SUFFIXES as LOGO_KINDS
from .pictures import check_logo
from .source_files import inside_sources, load_yaml_file
from .yamlfile import YamlDoc


def load_clients(root: Path, problems: list[Problem], product: Product) -> dict[str, ClientProfile]:
    clients = {}
    claimed: dict[str, str] = {}  # a domain or admin address -> the client file that claimed it first
    folder = root / "clients"
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else ():
        name = rel(path, root)
        try:
            slug = schema.SLUG(path.stem)
        except schema.Invalid as exc:
            problems.append(Problem(name, 0, f"client file name: {exc}"))
            continue
        doc = load_yaml_file(root, name, problems)
        if not doc:
            continue
        values, found = schema.validate(doc, schema.CLIENT, name)
        found += _client_problems(root, name, doc, values, product)
        support, support_problems = _load_support(doc, name, values.get("support"))
        found += support_problems + _claim_people(doc, name, values, claimed)
        problems += found
        if not any(problem.is_error for problem in found):  # a warning (a colour's contrast) keeps the client
            clients[slug] = ClientProfile(
                slug,
                values["name"],
                values["logo"],
                values["colors"],
                values["modules"],
                values["terms"],
                values["contact"],
                values["domains"],
                values["admins"],
                support,
                values.get("version"),
            )
    return clients


def _load_support(doc: YamlDoc, name: str, given: dict | None) -> tuple[SupportContract | None, list[Problem]]:
    """The profile's `support:` contract: dates in order, hours per clock; None without one."""
    if given is None:
        return None, []
    values, problems = schema.validate(doc, schema.SUPPORT, name, ("support",))
    hours = SupportHours()
    if values.get("hours") is not None:
        spent, found = schema.validate(doc, schema.SUPPORT_HOURS, name, ("support", "hours"))
        problems += found
        hours = SupportHours(**spent)
    start, end = values.get("start"), values.get("end")
    if start and end and end < start:
        problems.append(
            Problem(
                name,
                doc.line_of("support", "end"),
                f"'support.end': {end} is before the start, {start}; expected the contract's last day after its first",
            )
        )
    if problems or not (start and end):
        return None, problems
    return SupportContract(start, end, values.get("plan"), hours), []


def _claim_people(doc: YamlDoc, name: str, values: dict, claimed: dict[str, str]) -> list[Problem]:
    """A domain or an admin belongs to one client: the portal decides a case's client by them."""
    problems = []
    for key in ("domains", "admins"):
        for index, value in enumerate(values.get(key) or ()):
            owner = claimed.setdefault(value, name)
            if owner != name:
                problems.append(
                    Problem(
                        name,
                        doc.line_of(key, index),
                        f"'{key}': {value!r} is already {owner}'s; expected each domain and admin in one client only",
                    )
                )
    return problems


LOGO_SUFFIXES = tuple(LOGO_KINDS)
COLOR_KEYS = ("primary", "accent")
CONTACT_KEYS = ("name", "email", "role")


def _client_problems(root: Path, name: str, doc: YamlDoc, values: dict, product: Product) -> list[Problem]:
    """What the schema cannot see: the logo is a picture inside the project, the colours and contact have
    known keys, the terms and modules are the product's."""
    problems = []
    # Checked here rather than in checks.py, which had no line to report them at (clients/acme.yml: ...).
    for index, module in enumerate(values.get("modules") or ()):
        if product.modules and module not in product.modules:
            problems.append(
                Problem(
                    name,
                    doc.line_of("modules", index),
                    f"'modules': unknown module {module!r}; expected one of {', '.join(product.modules)} (product.yml)",
                )
            )
    version = values.get("version")
    built = [v.name for v in product.versions if v.is_built]
    if version and product.versions and version not in built:
        problems.append(
            Problem(
                name,
                doc.line_of("version"),
                f"'version': {version!r} is not a released version of product.yml; expected one of {', '.join(built)}",
            )
        )
    logo = values.get("logo")
    if logo:
        path = (root / logo).resolve()
        if not inside_sources(path, root) or path.suffix.lower() not in LOGO_SUFFIXES or not path.is_file():
            problems.append(
                Problem(
                    name,
                    doc.line_of("logo"),
                    f"'logo': {logo!r} is not a picture in the project; expected a "
                    f"{', '.join(LOGO_SUFFIXES)} file such as clients/<client>/logo.svg",
                )
            )
        else:
            unusable = check_logo(path.read_bytes(), path.suffix)
            if unusable:
                problems.append(Problem(name, doc.line_of("logo"), f"'logo': {logo!r} is {unusable}"))
    for key, allowed in (("colors", COLOR_KEYS), ("contact", CONTACT_KEYS)):
        for unknown in set(values.get(key) or {}) - set(allowed):
            problems.append(
                Problem(
                    name, doc.line_of(key, unknown), f"'{key}': unknown key {unknown!r}; expected {', '.join(allowed)}"
                )
            )
    for role in COLOR_KEYS:
        color = (values.get("colors") or {}).get(role)
        hex_colour = isinstance(color, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", color)  # else: a schema error
        warning = contrast_warning(f"the {role} colour", color) if hex_colour else None
        if warning:
            problems.append(Problem(name, doc.line_of("colors", role), f"'colors': {warning}", severity="warning"))
    for term in values.get("terms") or {}:
        if product.modules and term not in product.terms:  # no modules: product.yml failed, reported there
            problems.append(
                Problem(
                    name,
                    doc.line_of("terms", term),
                    f"'terms': {term!r} is not a product term; expected one of "
                    f"{', '.join(product.terms)} (product.yml)",
                )
            )
    return problems
