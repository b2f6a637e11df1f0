"""Reading product.yml's `versions:` into ProductVersion values, with a problem for each mistake."""

from __future__ import annotations

from .. import schema
from ..errors import Problem
from ..yamlfile import YamlDoc
from .model import VERSION_NAME, WRITABLE_STATUSES, ProductVersion, VersionStatus, newest_first

VERSION: dict[str, schema.Field] = {
    "ref": schema.Field(
        schema.text, doc="The git commit id, tag or branch of this repository holding that version's sources."
    ),
    "status": schema.Field(
        schema.one_of(*WRITABLE_STATUSES),
        default=VersionStatus.SUPPORTED.value,
        doc="supported (default), unsupported (still published, marked so) or planned (not released yet).",
    ),
    "released": schema.Field(schema.date, doc="The day the version was released, YYYY-MM-DD."),
}


def load_versions(doc: YamlDoc, current: str, problems: list[Problem]) -> tuple[ProductVersion, ...]:
    """product.yml's versions, newest first; the current one (`version:`) is always among them."""
    raw = doc.data.get("versions") if isinstance(doc.data, dict) else None
    versions: dict[str, ProductVersion] = {}
    for key in raw or {}:
        line = doc.line_of("versions", key)
        if not isinstance(key, str):  # 2026.10 unquoted is the number 2026.1
            problems.append(Problem("product.yml", line, f'version {key!r}: expected the version in quotes, "{key}"'))
            continue
        if not VERSION_NAME.fullmatch(key):
            problems.append(
                Problem(
                    "product.yml", line, f"version {key!r}: expected a name such as 2026.3 (letters, digits, . - _ +)"
                )
            )
            continue
        if raw[key] is None:  # `"2026.3":` with nothing under it
            values, found = {"status": VersionStatus.SUPPORTED.value, "ref": None, "released": None}, []
        else:
            values, found = schema.validate(doc, VERSION, "product.yml", ("versions", key))
        problems += found
        if found:
            continue
        status = VersionStatus(values["status"])
        if key == current:
            if raw[key] and "status" in raw[key]:
                problems.append(
                    Problem(
                        "product.yml", line, f"version {key}: it is the current version (`version:`); remove its status"
                    )
                )
                continue
            status = VersionStatus.CURRENT
        elif status is not VersionStatus.PLANNED and not values["ref"]:
            problems.append(
                Problem(
                    "product.yml",
                    line,
                    f"version {key}: missing 'ref', the git commit id, tag or branch holding its sources "
                    "(or status: planned for a version not released yet)",
                )
            )
            continue
        versions[key] = ProductVersion(key, status, values["ref"], values["released"])
    if current and current not in versions:
        versions[current] = ProductVersion(current, VersionStatus.CURRENT)
    return tuple(newest_first(list(versions.values())))
