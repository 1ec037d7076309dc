"""Sensitivity: which uncertain input drives a result.

- :func:`tornado`: each input alone at a low and a high quantile (one batch call);
- :func:`rank_correlations`: Spearman rank correlations of the metrics with the inputs over the
  draws of a Monte Carlo run (:attr:`fundmodel.results.Result.inputs`);
- :func:`sobol`: first- and total-order Sobol indices with SALib (an optional dependency,
  imported when called);
- :func:`problem`: the input space as a SALib problem.

See docs/sensitivity.md. Nothing heavy is imported here: SALib and scipy.stats load inside the
functions that need them.
"""

from __future__ import annotations

from .correlation import rank_correlations
from .sobol import sobol
from .space import factors, input_columns, problem
from .tornado import tornado

__all__ = ["tornado", "rank_correlations", "sobol", "problem", "factors", "input_columns"]
