"""The methods of a result that live in higher layers, registered from above.

``Result.plot``, ``Result.to_excel`` and their district twins are drawn or written by
:mod:`fundmodel.plots` and :mod:`fundmodel.export.excel`, which read results: were the results
to import them, the two layers would import each other. Instead the package's face
(``fundmodel/__init__.py``) registers each method's maker here by its path, as pandas
registers accessors, and a result asks for it when the method is called; the maker's module is
imported then (matplotlib and openpyxl come only with the first chart or workbook).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["register", "maker", "REGISTERED", "load"]

REGISTERED: dict[str, str] = {}
"""Method name → ``"module:attribute"`` of its maker, e.g.
``"Result.plot" → "fundmodel.plots:ResultPlots"``."""


def register(name: str, target: str) -> None:
    """Register the maker of ``name`` (``"Result.plot"``) as ``"module:attribute"``."""
    module, sep, attribute = target.partition(":")
    if not (module and sep and attribute):
        raise ValueError(f"a maker is named as 'module:attribute', got {target!r}")
    REGISTERED[name] = target


def load(target: str) -> Any:
    """The object named ``"module:attribute"``, its module imported now (if not yet)."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def maker(name: str) -> Any:
    """The registered maker of ``name``, its module imported on first use."""
    try:
        target = REGISTERED[name]
    except KeyError:
        raise LookupError(f"nothing is registered for {name}; import fundmodel first") from None
    return load(target)
