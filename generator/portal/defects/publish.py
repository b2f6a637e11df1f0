"""Publishing a release: the version is marked released once, and every defect whose fix was planned for it
ships, resolving the cases waiting on it (actions.Defects.ship). Run again, it says when and by whom the
version was published and changes nothing; a run stopped half-way is finished by the next one."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Row

from ..db import releases, writing
from ..desk import InvalidAction, NotAllowed
from .actions import Defects, Shipped
from .store import published


@dataclass(frozen=True)
class Published:
    version: str
    release: Row  # the releases row: when, by whom, the notes' address
    already: bool  # True: published before, nothing changed
    shipped: tuple[Shipped, ...] = ()

    @property
    def resolved(self) -> tuple[str, ...]:
        return tuple(number for defect in self.shipped for number in defect.resolved)

    @property
    def contract_ended(self) -> tuple[str, ...]:
        return tuple(number for defect in self.shipped for number in defect.contract_ended)


def notes_url(base_url: str, version: str) -> str:
    """Where a version's release notes are published: docs/releases/<version>.md is the user manual's
    "What's new" section (generator/model.py), at the help centre the portal serves at its root."""
    return f"{base_url.rstrip('/')}/user/whats-new/{version}/"


def publish_release(defects: Defects, version: str, by: str, agent: Row | None = None) -> Published:
    """Mark `version` released (product.yml must list it) and ship every open defect planned for it.
    `agent`: the console's admin who publishes; None from the command line (`by` names who ran it)."""
    if agent is not None and not agent.is_admin:
        raise NotAllowed("Only an admin publishes a release")
    desk = defects.desk
    known = [v.name for v in desk.config.product_versions]
    if version not in known:
        raise InvalidAction(
            f"{version!r} is not one of product.yml's versions; expected one of {', '.join(known) or 'none'}"
        )
    now = desk.now()
    with writing(desk.engine) as conn:
        before = published(conn).get(version)
        if before is None:
            values = {"version": version, "published_at": now, "published_by": agent.username if agent else by}
            values["notes_url"] = notes_url(desk.config.base_url, version)
            conn.execute(releases.insert(), values)
        release = conn.execute(sa.select(releases).where(releases.c.version == version)).one()
    waiting = defects.open_for(version)
    if before is not None and not waiting:
        return Published(version, release, already=True)
    shipped = tuple(
        defects.ship(defect.id, version, release.published_by, agent, release.notes_url) for defect in waiting
    )
    return Published(version, release, already=False, shipped=shipped)
