"""The compile step: a realised scenario (its distributions replaced by arrays of draws, see
:func:`fundmodel.draws.realise`) → :class:`~fundmodel.engine.inputs.ModelInputs`.

Only shapes change here, never a value: a plain number becomes an array ``(1, 1)`` (draw,
compound), a value per draw ``(n, 1)``, a value per draw and operating year ``(n, 1, T)``; the
model's formulas all live in the engine.
"""

from __future__ import annotations

import numpy as np

from ..engine.inputs import (CompoundInputs, CostLineInputs, IncomeLineInputs,
                             ItemInputs, ModelInputs, OperationsInputs, Timeline)
from ..scenario import Scenario
from .arrays import _dc, stack
from .households import compile_households, household_instruments
from .instruments import compile_instruments
from .repairs_fund import compile_repairs_fund

__all__ = ["compile_inputs", "compile_households", "timeline_of"]


def timeline_of(scenario: Scenario) -> Timeline:
    """The scenario's timeline: the construction years from ``start_year`` to the end of the
    last item's works, then ``horizon_years`` operating years."""
    return Timeline(scenario.start_year, scenario.construction_years(), scenario.horizon_years)


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
        quantity=stack([i.quantity for i in items]),
        unit_cost=stack([i.unit_cost for i in items]),
        contingency=stack([i.contingency if i.contingency is not None else ren.contingency
                            for i in items]),
        schedule=schedule)


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
    households = compile_households(scenario)
    instruments = household_instruments(households, compile_instruments(scenario, timeline))
    return ModelInputs(draws=int(draws), timeline=timeline, compounds=compounds,
                       items=_items(scenario, timeline), operations=_operations(scenario),
                       discount_rate=_dc(scenario.discount_rate), inflation=_dc(scenario.inflation),
                       households=households, instruments=instruments,
                       repairs_fund=compile_repairs_fund(scenario))
