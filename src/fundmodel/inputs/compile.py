"""The compile step: a realised scenario (its distributions replaced by arrays of draws, see
:func:`fundmodel.draws.realise`) → :class:`~fundmodel.engine.inputs.ModelInputs`.

Only shapes change here, never a value: a plain number becomes an array ``(1, 1)`` (draw,
compound), a value per draw ``(n, 1)``, a value per draw and operating year ``(n, 1, T)``; the
model's formulas all live in the engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.consent import ConsentRule
from ..engine.households import HouseholdLayout, floor_weights, household_shares
from ..engine.inputs import (CompoundInputs, CostLineInputs, HouseholdInputs, IncomeLineInputs,
                             ItemInputs, ModelInputs, OperationsInputs, Timeline)
from ..engine.instruments import InstrumentInputs
from ..engine.instruments.residents import write_channels, write_consent
from ..scenario import Scenario
from .arrays import _dc, stack
from .instruments import compile_instruments

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


def _per_household(value: Any) -> np.ndarray:
    """A willingness to pay as ``(D|1, C=1, H|1)``: a number, a value per draw ``(D,)`` or a
    value per draw and household ``(D, H)``."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1, 1)
    if a.ndim == 1:
        return a[:, None, None]
    return a[:, None, :]


def _charge_weights(scenario: Scenario, layout: HouseholdLayout) -> np.ndarray:
    """``(I, H)``: each household's share of the residents' part of each item."""
    hh = scenario.households
    names = [b.name for b in hh.buildings]
    items = [it.name for it in scenario.renovation.items]
    out = np.full((len(items), layout.size), 1.0 / layout.size)   # not charged: every household
    for charge in hh.charges:
        chosen = [names.index(b) for b in (charge.buildings or names)]
        row = np.zeros(layout.size)
        sharing = charge.floor_sharing()
        if sharing is None:                                        # shared_by: household
            present = layout.in_buildings(chosen)
            row = present / present.sum()
        else:
            for b in chosen:
                building = hh.buildings[b]
                w = floor_weights(sharing.rule, building.floors,
                                  area_per_unit_m2=building.areas_m2(), table=sharing.table,
                                  exempt_floors=sharing.exempt_floors)
                row += layout.place(b, household_shares(w, building.units()) / len(chosen))
        out[items.index(charge.item)] = row
    return out


def compile_households(scenario: Scenario) -> HouseholdInputs | None:
    """Engine inputs of a realised scenario's ``households`` section (None without one)."""
    hh = scenario.households
    if hh is None:
        return None
    layout = HouseholdLayout.from_buildings([b.units() for b in hh.buildings],
                                            [b.areas_m2() for b in hh.buildings])
    names = [b.name for b in hh.buildings]
    items = [it.name for it in scenario.renovation.items]
    decision_items = np.zeros((len(hh.decisions), len(items)), dtype=bool)
    ballots: list[tuple[int, int, np.ndarray]] = []
    rules = []
    for k, decision in enumerate(hh.decisions):
        decision_items[k] = [name in decision.items for name in items]
        voters = [names.index(b) for b in (decision.buildings or names)]
        if decision.vote_electorate() == "building":
            ballots += [(k, b, layout.in_buildings([b])) for b in voters]
        else:
            ballots.append((k, -1, layout.in_buildings(voters)))
        r = decision.vote_rule()
        rules.append(ConsentRule(quorum_headcount=r.quorum_headcount, quorum_area=r.quorum_area,
                                 approval_headcount=r.approval_headcount,
                                 approval_area=r.approval_area, strict=r.strict, base=r.base))
    ch = hh.channels
    takeup = ch.takeup if ch is not None else None

    def channel(value: Any, default: float) -> np.ndarray:
        return _dc(value, default)

    return HouseholdInputs(
        layout=layout, building_names=tuple(names),
        weights=_charge_weights(scenario, layout),
        residents_rules=np.array([r.source == "residents" for r in scenario.funding], dtype=bool),
        decision_names=tuple(d.name for d in hh.decisions),
        decision_items=decision_items,
        decision_by_building=np.array([d.vote_electorate() == "building" for d in hh.decisions],
                                      dtype=bool),
        rules=tuple(rules),
        participation=tuple(_dc(d.participation) for d in hh.decisions),
        wtp_cny=tuple(_per_household(d.willingness_to_pay_cny) for d in hh.decisions),
        ballot_decision=np.array([b[0] for b in ballots], dtype=np.int64),
        ballot_building=np.array([b[1] for b in ballots], dtype=np.int64),
        electorate=(np.stack([b[2] for b in ballots]) if ballots
                    else np.zeros((0, layout.size))),
        takeup_repairs_fund=channel(takeup and takeup.repairs_fund, 0.0),
        takeup_provident_fund=channel(takeup and takeup.provident_fund, 0.0),
        takeup_loan=channel(takeup and takeup.loan, 0.0),
        repairs_fund_balance_cny=channel(ch and ch.repairs_fund_balance_cny, np.inf),
        provident_fund_cap_cny=channel(ch and ch.provident_fund_cap_per_owner_cny, np.inf),
        loan_rate=channel(ch and ch.loan_rate, 0.0),
        loan_term_years=int(ch.loan_term_years) if ch is not None and ch.loan_term_years
        else 1)


def compile_inputs(scenario: Scenario, draws: int) -> ModelInputs:
    """Engine inputs of a realised scenario of ``draws`` draws (one compound)."""
    timeline = timeline_of(scenario)
    c = scenario.compound
    compounds = CompoundInputs(names=(c.name,), households=np.array([float(c.households)]),
                               floor_area_m2=np.array([float(c.floor_area_m2)]),
                               fee_area_m2=np.array([float(c.fee_area_m2)]))
    households = compile_households(scenario)
    instruments = compile_instruments(scenario, timeline)
    if households is not None:       # the residents' votes decide, their channels pay last
        instruments = (InstrumentInputs("consent", "decide", write_consent, households),
                       *instruments,
                       InstrumentInputs("residents", "fund", write_channels, households))
    return ModelInputs(draws=int(draws), timeline=timeline, compounds=compounds,
                       items=_items(scenario, timeline), operations=_operations(scenario),
                       discount_rate=_dc(scenario.discount_rate), inflation=_dc(scenario.inflation),
                       households=households, instruments=instruments)
