"""What the command modules share: the group that loads them when asked for, the project root, --target."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from ..errors import KbError
from ..model import TARGETS


class KbGroup(click.Group):
    """Every mistake on the command line exits with 1 and one clear line, like mistakes in the sources.

    Its commands are named in `lazy` (name -> "module:attribute") and imported when one runs or a help
    lists them: `kb build` does not pay for the portal's Flask and SQLAlchemy, nor `kb check` for the
    engine and the search index (together about half a second of every command)."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attribute = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module, __package__), attribute), name)
        return super().get_command(ctx, name)

    def main(self, *args, **kwargs):
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except click.ClickException as exc:
            exc.show()
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def project_root(ctx: click.Context) -> Path:
    root: Path = ctx.obj["root"]
    if (root / "product.yml").is_dir():
        raise KbError("product.yml: is a folder; expected a YAML file")
    if not (root / "product.yml").is_file():
        raise KbError(
            f"{root}: no product.yml here; expected to run in a knowledge base project (or pass --root PROJECT)"
        )
    return root


def target_option(default: str):
    """--target, shared by the commands that build: which audience's site."""
    return click.option(
        "--target",
        type=click.Choice(sorted(TARGETS)),
        default=default,
        show_default=True,
        help="site: the public help centre. internal: for agents, with internal pages and drafts.",
    )
