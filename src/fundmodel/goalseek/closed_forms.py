"""Closed forms: levers and targets whose per-draw answer the model already computes.

Each entry says: for lever ``lever`` and a per-draw target on ``metric``, the metric
``answer`` is, draw by draw, the lever value at which ``metric`` equals ``value``. With
``affine=True`` the metric is affine in the lever, so another target value ``c`` is reached at
``answer + (c − value) / K``, the slope ``K = (metric(x) − value) / (x − answer)`` read at the
lever's own value ``x`` (one more engine call only for draws where ``x`` is too close to the
answer to read it). ``increasing`` declares the metric's direction in the lever (None: read
from ``K``). :func:`fundmodel.goalseek.solve` uses an entry for ``method="closed_form"`` and
``"auto"`` and checks it against the search with ``check=True``.

Adding one is one line in :data:`CLOSED_FORMS`.
"""

from __future__ import annotations

from dataclasses import dataclass

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


CLOSED_FORMS: tuple[ClosedForm, ...] = (
    # NPV of operations is affine in the fee rate (engine/model.py: NPV(r) = NPV(r0) + (r − r0) K)
    ClosedForm("operations.property_fee.rate_per_m2_month", "npv_operations",
               "breakeven_fee_rate", affine=True, increasing=True),
)
"""The declared closed forms (the integrator adds the repairs fund's level contributions and
the street fallback cap here)."""
