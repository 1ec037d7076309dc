"""The instruments of a scenario, compiled in the order money is committed.

Each funding source of :data:`fundmodel.scenario.funding.SOURCES` names the module that
compiles it (its ``instrument`` class attribute). That module has one function,
``compile_rules(scenario, indexes, timeline) → InstrumentInputs``, given the positions in
``scenario.funding`` of every rule it compiles, in the order written. Instruments come in the
order their first source appears in ``SOURCES``; one whose sources the scenario does not use is
left out. See ``docs/instruments.md``.
"""

from __future__ import annotations

import importlib

from ..engine.model_inputs import Timeline
from ..scenario import Scenario
from ..scenario.funding import SOURCES

__all__ = ["compile_instruments", "instrument_modules"]


def instrument_modules() -> tuple[str, ...]:
    """The compiling modules of the registered sources, in the order instruments run."""
    return tuple(dict.fromkeys(source.instrument for source in SOURCES))


def compile_instruments(scenario: Scenario, timeline: Timeline) -> tuple:
    """The scenario's :class:`~fundmodel.engine.instruments.InstrumentInputs`, in order."""
    by_module: dict[str, list[int]] = {}
    for r, rule in enumerate(scenario.funding):
        by_module.setdefault(type(rule).instrument, []).append(r)
    return tuple(importlib.import_module(module).compile_rules(scenario, by_module[module],
                                                               timeline)
                 for module in instrument_modules() if module in by_module)
