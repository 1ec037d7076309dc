"""From a scenario and its sampled values to the engine's inputs (the compile step)."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from .draws import realise
from ..engine.model_inputs import ModelInputs
from ..scenario import Scenario
from ..io.paths import Path
from .compile import compile_inputs, timeline_of

__all__ = ["compile_inputs", "model_inputs", "timeline_of"]


def model_inputs(scenario: Scenario, values: Mapping[Path, np.ndarray], draws: int,
                 table=None, structure=None, complete: bool = False) -> ModelInputs:
    """Engine inputs of ``draws`` draws: every distribution of ``scenario`` takes its values
    from ``values`` (path → array ``(draws,)`` or ``(draws, T)``, or
    :class:`~fundmodel.inputs.shapes.ByCompound` ``(draws, C)`` for an input drawn per
    compound); with ``table``, of the compounds of that compounds table (``structure``: its
    households' static inputs, see :func:`compile_inputs`). ``complete``: the values are an
    input space's samples, one for every distribution (not checked again)."""
    return compile_inputs(realise(scenario, values, complete), draws, table, structure)
