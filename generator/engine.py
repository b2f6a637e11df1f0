"""Run the site engine (MkDocs + Material) on a staged project. With engine_budget.py, the only modules that
import MkDocs."""

from __future__ import annotations

import logging
from pathlib import Path

from .engine_budget import page_time_budget
from .errors import KbError


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_engine(config_file: Path, strict: bool = False) -> list[str]:
    """Build the site the staged mkdocs.yml describes; return the engine's warnings."""
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logger = logging.getLogger("mkdocs")
    collect = _Collect()
    logger.addHandler(collect)
    previous = logger.propagate
    logger.propagate = False  # the CLI reports the warnings itself, once
    try:
        config = load_config(config_file=str(config_file), strict=strict)
        with page_time_budget(config):  # a page past it raises EngineTooSlow, for the caller to name
            build(config)
    except exceptions.Abort as exc:
        details = "\n  ".join(collect.messages)
        raise KbError(f"the site engine stopped: {exc}\n  {details}".rstrip()) from None
    except exceptions.ConfigurationError as exc:
        raise KbError(f"mkdocs.yml: {exc}") from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = previous
    return collect.messages
