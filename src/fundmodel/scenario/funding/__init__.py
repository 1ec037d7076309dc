"""Funding sources: what the analyst writes under ``funding:``, one module per instrument (the
grants, social capital, a bundled project, debt, the treasury's top-up, ...), on
:class:`~.source.Source`.

The instruments are registered once, in :data:`fundmodel.catalog.instruments.REGISTERED`: each
declaration names its scenario models (``models``), and :data:`SOURCES` is read from there, in
the order the instruments run. Every public name of a registered model's module is exported
here (``from fundmodel.scenario.funding import SpecialBond``). See ``docs/instruments.md``.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Union

from pydantic import Field

from ...catalog import DECLARED_INSTRUMENTS
from .source import FINANCING_PAYERS, PAYERS, Source


def _model(path: str) -> tuple[type[Source], ...]:
    """The model class (or tuple of classes) at ``"module:name"``."""
    module, _, name = path.partition(":")
    found = getattr(importlib.import_module(module), name)
    return tuple(found) if isinstance(found, tuple) else (found,)


_MODULES = tuple(dict.fromkeys(path.partition(":")[0] for instrument in
                               DECLARED_INSTRUMENTS.values() for path in instrument.models))
_EXPORTED = {name: getattr(module, name) for module in map(importlib.import_module, _MODULES)
             for name in module.__all__}
globals().update(_EXPORTED)

SOURCES: tuple[type[Source], ...] = tuple(
    cls for instrument in DECLARED_INSTRUMENTS.values() for path in instrument.models
    for cls in _model(path))
"""Every source a scenario may list under ``funding:``, read from the instruments' registry
(:data:`fundmodel.catalog.instruments.REGISTERED`). Each names the module that compiles it
(``instrument``); the instruments run in the order of the registry."""

FundingRule = Annotated[Union[SOURCES], Field(discriminator="source")]
"""One funding rule, chosen by its ``source`` key."""

SOURCE_NAMES = tuple(cls.model_fields["source"].annotation.__args__[0] for cls in SOURCES)
"""The ``source`` keys of :data:`SOURCES`, in order."""

__all__ = [*_EXPORTED, "Source", "FundingRule", "PAYERS", "FINANCING_PAYERS", "SOURCES",
           "SOURCE_NAMES"]
