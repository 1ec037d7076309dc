"""The compile step: a realised scenario (its distributions replaced by arrays of draws, see
:func:`fundmodel.draws.realise`) → :class:`~fundmodel.engine.inputs.ModelInputs`.

Only shapes change here, never a value: a plain number becomes an array ``(1, 1)`` (draw,
compound), a value per draw ``(n, 1)``, a value per draw and operating year ``(n, 1, T)``; the
model's formulas all live in the engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.inputs import (CompoundInputs, CostLineInputs, IncomeLineInputs, ItemInputs,
                             ModelInputs, OperationsInputs, RuleInputs, Timeline)
from ..scenario import Scenario

__all__ = ["compile_inputs", "timeline_of"]


def _dc(value: Any, default: float | None = 0.0) -> np.ndarray | None:
    """A scenario value as ``(D|1, C=1)`` or ``(D|1, 1, T)``; None → ``default``."""
    if value is None:
        if default is None:
            return None
        value = default
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a[:, None]
    return a[:, None, :]


def _stack(values: list[Any], default: float = 0.0) -> np.ndarray:
    """Per-item (or per-rule) values stacked on a last axis: ``(D|1, 1, K)``."""
    cols = [_dc(v, default) for v in values]
    if not cols:
        return np.zeros((1, 1, 0))
    draws = max(c.shape[0] for c in cols)
    return np.stack([np.broadcast_to(c, (draws, 1)) for c in cols], axis=-1)


def timeline_of(scenario: Scenario) -> Timeline:
    """The scenario's timeline: the construction years from ``start_year`` to the end of the
    last item's works, then ``horizon_years`` operating years."""
    return Timeline(scenario.start_year, scenario.construction_years(), scenario.horizon_years)


def _eligible(scenario: Scenario) -> np.ndarray:
    """``(R, I)``: which items each funding rule may pay for."""
    items = scenario.renovation.items
    out = np.zeros((len(scenario.funding), len(items)), dtype=bool)
    for r in range(len(scenario.funding)):
        allowed = {it.name for it in scenario.eligible_items(r)}   # names are unique
        out[r] = [it.name in allowed for it in items]
    return out


def _items(scenario: Scenario, timeline: Timeline) -> ItemInputs:
    ren = scenario.renovation
    items = ren.items
    schedule = np.zeros((len(items), timeline.n_years))
    for i in range(len(items)):
        shares = scenario.item_schedule(i)
        schedule[i, :len(shares)] = shares
    return ItemInputs(
        names=tuple(i.name for i in items), tiers=tuple(i.tier for i in items),
        units=tuple(i.unit for i in items),
        quantity=_stack([i.quantity for i in items]),
        unit_cost=_stack([i.unit_cost for i in items]),
        contingency=_stack([i.contingency if i.contingency is not None else ren.contingency
                            for i in items]),
        schedule=schedule)


def _instalments(rules, timeline: Timeline) -> np.ndarray:
    out = np.full((len(rules), timeline.n_years), np.nan)
    for r, rule in enumerate(rules):
        if rule.instalments is not None:
            out[r] = 0.0
            out[r, :len(rule.instalments)] = rule.instalments
    return out


def _rules(scenario: Scenario, timeline: Timeline) -> RuleInputs:
    rules = scenario.funding
    labels = scenario.funding_labels()
    matched = []
    for r, rule in enumerate(rules):
        of = getattr(rule, "match_of", ()) if getattr(rule, "match_ratio", None) is not None else ()
        matched.append(tuple(s for s in range(r) if rules[s].source in of or labels[s] in of))
    cap = _stack([rule.cap for rule in rules], default=np.inf)
    return RuleInputs(
        labels=tuple(labels), sources=tuple(r.source for r in rules),
        groups=tuple(r.payer for r in rules), parties=tuple(r.party for r in rules),
        eligible=_eligible(scenario),
        amount=_stack([getattr(r, "amount", None) for r in rules]),
        per_household=_stack([getattr(r, "per_household", None) for r in rules]),
        per_m2=_stack([getattr(r, "per_m2", None) for r in rules]),
        per_unit=_stack([getattr(r, "per_unit", None) for r in rules]),
        share=_stack([getattr(r, "share", None) for r in rules]),
        uptake=_stack([getattr(r, "uptake", None) for r in rules], default=1.0),
        match_ratio=_stack([getattr(r, "match_ratio", None) for r in rules]),
        cap=cap, cap_per_household=_stack([r.cap_per_household for r in rules], default=np.inf),
        matched=tuple(matched),
        instalments=_instalments(rules, timeline))


def _operations(scenario: Scenario) -> OperationsInputs:
    ops = scenario.operations
    fee = ops.property_fee
    income = tuple(IncomeLineInputs(
        name=line.name, per_year=_dc(line.per_year, None), units=_dc(line.units, None),
        price_per_month=_dc(line.price_per_month, None), occupancy=_dc(line.occupancy),
        growth=_dc(line.growth if line.growth is not None else scenario.inflation))
        for line in ops.income)
    costs = tuple(CostLineInputs(
        name=line.name, per_year=_dc(line.per_year, None), staff=_dc(line.staff, None),
        wage_per_month=_dc(line.wage_per_month, None), on_cost=_dc(line.on_cost),
        shared_by=float(line.shared_by),
        growth=_dc(line.growth if line.growth is not None else scenario.inflation))
        for line in ops.costs)
    return OperationsInputs(
        fee_rate_per_m2_month=_dc(fee.rate_per_m2_month), collection_rate=_dc(fee.collection_rate),
        fee_growth=_dc(fee.growth), income=income, costs=costs,
        management_margin=_dc(ops.management_margin), vat_rate=_dc(ops.vat_rate),
        opening_balance=_dc(ops.opening_balance))


def compile_inputs(scenario: Scenario, draws: int) -> ModelInputs:
    """Engine inputs of a realised scenario of ``draws`` draws (one compound)."""
    timeline = timeline_of(scenario)
    c = scenario.compound
    compounds = CompoundInputs(names=(c.name,), households=np.array([float(c.households)]),
                               floor_area_m2=np.array([float(c.floor_area_m2)]),
                               fee_area_m2=np.array([float(c.fee_area_m2)]))
    return ModelInputs(draws=int(draws), timeline=timeline, compounds=compounds,
                       items=_items(scenario, timeline), rules=_rules(scenario, timeline),
                       operations=_operations(scenario),
                       discount_rate=_dc(scenario.discount_rate), inflation=_dc(scenario.inflation))
