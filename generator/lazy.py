"""A package's names, imported from its parts when first used (PEP 562): importing one light part of a
package (the search's plain_text, for the leak check) need not import its heavy ones (numpy, Whoosh's
searching) in every `kb build`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_names(package: str, parts: dict[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """The package's module `__getattr__`: `parts` maps each part (a module of `package`) to the names it
    gives; a name is imported from its part on first use, then found as any other module attribute."""
    where = {name: part for part, names in parts.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        setattr(importlib.import_module(package), name, value)
        return value

    return __getattr__
