"""What a run gives back, as plain data: the :class:`Result` and its tables.

- :mod:`.result`: :class:`Result` (metrics, summary, yearly, funding, households, …);
- :mod:`.cashflows`: the ledger as tables: cash flows, the parties' and the government's views;
- the declared outputs and their en/zh labels are below every layer that reads them, in
  :mod:`fundmodel.catalog` and :mod:`fundmodel.labels` (the engine's ledger and the scenario
  models read the parties and levels declared there);
- :mod:`.extensions`: the methods of :class:`Result` that live in higher layers (charts, the
  workbook), registered by the package's face.

``from fundmodel.results import Result`` keeps working; the names of :mod:`.result` load it on
first use, so ``fundmodel.labels`` comes without pandas.
"""

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["Result", "CashFlows", "ResidentsMeans", "QUANTILES", "CASHFLOW_QUANTILES",
           "PROBABILITIES", "BAND_LINES", "SUMMARY_COLUMNS", "YEARLY_STATISTICS", "summary_table",
           "quantile_name", "exact_summary_row", "ZERO_EVENTS_SE", "outcome_warnings"]

if TYPE_CHECKING:  # pragma: no cover
    from .result import (BAND_LINES, CASHFLOW_QUANTILES, PROBABILITIES, QUANTILES,
                         SUMMARY_COLUMNS, YEARLY_STATISTICS, ZERO_EVENTS_SE, CashFlows,
                         ResidentsMeans, Result, exact_summary_row, outcome_warnings,
                         quantile_name, summary_table)


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module(".result", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
