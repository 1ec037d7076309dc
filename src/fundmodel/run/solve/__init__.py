"""Goal seeking: ``fundmodel.solve(scenario, lever=PATH, target=...)``.

- :mod:`.targets`: the target grammar and :class:`Target` (per draw, probability, quantile,
  mean);
- :mod:`.roots`: bracketed root finding for all draws at once, and for a statistic with k
  candidates per engine call;
- :mod:`.closed_forms`: the declared fast paths (lever, metric) → the metric that is the answer;
- :mod:`.core`: :func:`solve` and :class:`Solution`.

(The package is not named ``solve``: importing a submodule ``fundmodel.solve`` would replace
the function ``fundmodel.solve`` by the module.)
"""

from .closed_forms import CLOSED_FORMS, ClosedForm
from .core import Reading, Solution, solve
from .targets import Target, parse_target

__all__ = ["solve", "Solution", "Reading", "Target", "parse_target", "ClosedForm",
           "CLOSED_FORMS"]
