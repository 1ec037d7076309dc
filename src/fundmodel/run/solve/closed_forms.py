"""Closed forms: levers and targets whose per-draw answer the model already computes.

Each entry says: for lever ``lever`` and a per-draw target on ``metric``, the metric
``answer`` is, draw by draw, the lever value at which ``metric`` equals ``value``. With
``affine=True`` the metric is affine in the lever, so another target value ``c`` is reached at
``answer + (c − value) / K``, the slope ``K = (metric(x) − value) / (x − answer)`` read at the
lever's own value ``x`` (one more engine call only for draws where ``x`` is too close to the
answer to read it). ``increasing`` declares the metric's direction in the lever (None: read
from ``K``). :func:`fundmodel.run.solve.solve` uses an entry for ``method="closed_form"`` and
``"auto"`` and checks it against the search with ``check=True``.

Adding one is one line in :data:`CLOSED_FORMS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["ClosedForm", "CLOSED_FORMS"]


@dataclass(frozen=True)
class ClosedForm:
    """See the module docstring."""

    lever: str
    metric: str
    answer: str
    value: float = 0.0
    affine: bool = False
    increasing: bool | None = None
    applies: Callable[[Any], bool] | None = None
    """Whether the entry holds for a scenario (None: always)."""


def _fund_without_top_ups(scenario: Any) -> bool:
    """The level contributions are solved with top-ups off: they answer a target on the
    balance only for a fund without a top-up rule."""
    fund = scenario.repairs_fund
    return fund is not None and fund.top_up is None


CLOSED_FORMS: tuple[ClosedForm, ...] = (
    # NPV of operations is affine in the fee rate (engine/model.py: NPV(r) = NPV(r0) + (r − r0) K)
    ClosedForm("operations.property_fee.rate_per_m2_month", "npv_operations",
               "breakeven_fee_rate", affine=True, increasing=True),
    # the least level contribution keeping every year-end balance >= 0 (engine/repairs_fund.py)
    ClosedForm("repairs_fund.contribution_per_m2_year", "fund_balance_min",
               "level_contribution_baseline_per_m2", increasing=True,
               applies=_fund_without_top_ups),
    # (level_contribution_full_per_m2 is no closed form of `percent_funded_final >= 1`: the
    # full goal also keeps every year-end balance >= 0, so it may lie above that root)
    # the smallest cap keeping the operating account's balance >= 0 in every year
    # (engine/operations.py: fallback_recursion)
    ClosedForm("operations.fallback.cap_per_year", "cumulative_balance_min",
               "fallback_needed_max", increasing=True),
)
"""The declared closed forms (the integrator adds the repairs fund's level contributions and
the street fallback cap here)."""
