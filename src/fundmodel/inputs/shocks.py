"""A scenario's shocks on its compiled inputs (:class:`fundmodel.scenario.shocks.Shock`).

Each shock multiplies (or, on rates, shifts) the terms its lines are made of, in the order
written: an income line's ``per_year`` and ``price_per_month``, the fee's rate, a cost line's
``per_year``, ``wage_per_month`` and ``price_per_job``, an item's ``unit_cost``, every debt's
``rate`` (and each of its tranches' coupons). A delay moves the operation later: the fee is not
collected and every income and cost line starts that many years late. Every amount a line gives
is linear in those terms, so the line is multiplied; a factor of 1 (or a shift of 0) changes no
bit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..engine.model_inputs import ModelInputs
from ..scenario.shocks import shock_target
from .shapes import draw_compound

__all__ = ["shocked"]

_INCOME_TERMS = ("per_year", "price_per_month")
_COST_TERMS = ("per_year", "wage_per_month", "price_per_job")


def _times(line: Any, terms: tuple[str, ...], factor: np.ndarray) -> Any:
    """The line's ``terms`` × ``factor`` ``(D|1, C|1)`` (a term by year, a total spread:
    each year's)."""
    return replace(line, **{t: value * (factor if value.ndim == 2 else factor[..., None])
                            for t in terms if (value := getattr(line, t)) is not None})


def _moved_rate(rate: np.ndarray, shock: Any) -> np.ndarray:
    """Rates ``(D|1, C|1, R or K)`` shifted by the shock's ``add`` or times its factor."""
    if shock.add is not None:
        return rate + draw_compound(shock.add)[..., None]
    return rate * draw_compound(shock.factor)[..., None]


def _later(line: Any, years: int, horizon: int) -> Any:
    """A line moved ``years`` operating years later (ending at the horizon at the latest; a
    total spread by year moves with it)."""
    last = None if line.last_year is None else min(line.last_year + years, horizon)
    moved = {}
    if line.per_year is not None and line.per_year.ndim == 3:
        by_year = np.zeros_like(line.per_year)
        by_year[..., years:] = line.per_year[..., :horizon - years]
        moved["per_year"] = by_year
    return replace(line, first_year=line.first_year + years, last_year=last, **moved)


def _delayed(inputs: ModelInputs, years: int) -> ModelInputs:
    """The operation ``years`` late: no fee collected and every income and cost line moved
    that many years later (in year-1 prices still: a line's growth runs from year 1)."""
    ops = inputs.operations
    horizon = inputs.timeline.horizon_years
    ramp = np.zeros(years) if ops.collection_ramp is None else np.concatenate(
        [np.zeros(years), np.asarray(ops.collection_ramp, dtype=float)])
    return replace(inputs, operations=replace(
        ops, collection_ramp=ramp,
        income=tuple(_later(line, years, horizon) for line in ops.income),
        costs=tuple(_later(line, years, horizon) for line in ops.costs)))


def _one(inputs: ModelInputs, shock: Any) -> ModelInputs:
    group, name = shock_target(shock.target)
    ops, items = inputs.operations, inputs.items
    if group == "delay":
        return _delayed(inputs, int(shock.years))
    if group == "rates":
        debts = []
        for instrument in inputs.instruments:
            if instrument.name == "debt":       # every rate: each rule's and each tranche's
                params = instrument.params
                moved = {name: _moved_rate(getattr(params, name), shock)
                         for name in ("rate", "tranche_rate")
                         if getattr(params, name, None) is not None}
                instrument = replace(instrument, params=replace(params, **moved))
            debts.append(instrument)
        return replace(inputs, instruments=tuple(debts))
    factor = draw_compound(shock.factor)
    if group == "capex":
        k = None if name is None else items.names.index(name)
        scale = factor[..., None] if k is None else np.where(
            np.arange(len(items.names)) == k, factor[..., None], 1.0)
        return replace(inputs, items=replace(items, unit_cost=items.unit_cost * scale))
    if group == "costs":
        costs = tuple(_times(line, _COST_TERMS, factor) if name in (None, line.name) else line
                      for line in ops.costs)
        return replace(inputs, operations=replace(ops, costs=costs))
    changes: dict[str, Any] = {}
    if group in ("income", "property_fee") and name is None:
        changes["fee_rate"] = ops.fee_rate * factor
    if group == "income":
        changes["income"] = tuple(_times(line, _INCOME_TERMS, factor)
                                  if name in (None, line.name) else line
                                  for line in ops.income)
    return replace(inputs, operations=replace(ops, **changes))


def shocked(inputs: ModelInputs, shocks: list) -> ModelInputs:
    """``inputs`` with every shock of ``shocks`` (the realised scenario's, in order)
    applied."""
    for shock in shocks:
        inputs = _one(inputs, shock)
    return inputs
