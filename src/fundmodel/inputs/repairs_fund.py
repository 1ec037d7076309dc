"""Compile the scenario's ``repairs_fund`` section (:mod:`fundmodel.scenario.repairs_fund`) to
the engine's :class:`~fundmodel.engine.model_inputs.RepairsFundInputs`.

Only shapes and defaults here: a value becomes ``(D|1, C=1)``, each component's own (so a
component the same in every draw keeps a draw axis of 1); an absent term is 0 (no first deposit, no interest, no
top-up level of that form). The formulas are in :mod:`fundmodel.engine.repairs_fund`.
"""

from __future__ import annotations

import numpy as np

from ..engine.model_inputs import CompoundInputs, HouseholdInputs, RepairsFundInputs
from ..scenario import Scenario
from .shapes import draw_compound

__all__ = ["compile_repairs_fund"]


def _building_areas(scenario: Scenario, compounds: CompoundInputs, table
                    ) -> tuple[list[list], np.ndarray, np.ndarray | None]:
    """The buildings of every compound, the floor area of each ``(C, B)`` (units × area per
    unit; a building given no area: the compound's floor area per household), padded with 0
    to the most buildings of a compound, and each compound's buildings ``(C,)`` (None when
    none is padded)."""
    per_compound = scenario.household_buildings(table)
    counts = np.array([len(b) for b in per_compound], dtype=np.int64)
    area = np.zeros((len(per_compound), int(counts.max())))
    floor_area = np.asarray(compounds.floor_area_m2, dtype=float)
    households = np.asarray(compounds.households, dtype=float)
    made: dict[tuple[int, float], np.ndarray] = {}
    for c, buildings in enumerate(per_compound):     # compounds of the same facts: once
        key = (id(buildings), float(floor_area[c] / households[c]))
        if key not in made:
            made[key] = np.array([
                sum(u * a for u, a in zip(b.units(), b.areas_m2() or [key[1]] * b.floors))
                for b in buildings])
        area[c, :counts[c]] = made[key]
    return per_compound, area, None if np.all(counts == counts.max()) else counts


def _ballots(scenario: Scenario, households: HouseholdInputs, per_compound: list, item: str,
             width: int) -> np.ndarray:
    """``(C, B)``: the ballot (on ``households``' ballot axis) whose passing builds ``item``
    in each building of each compound — its building's own ballot for a decision voted
    building by building, the decision's one ballot otherwise — or −1 where the building
    does not vote on it (or does not exist)."""
    decisions = scenario.households.decisions
    k = next(j for j, d in enumerate(decisions) if item in d.items)
    decision = decisions[k]
    by_building = decision.vote_electorate() == "building"
    index = {(int(d), int(b)): j for j, (d, b) in
             enumerate(zip(households.ballot_decision, households.ballot_building))}
    out = np.full((len(per_compound), width), -1, dtype=np.int64)
    for c, buildings in enumerate(per_compound):
        names = [b.name for b in buildings]
        for b, name in enumerate(names):
            if decision.buildings is None or name in decision.buildings:
                out[c, b] = index[(k, b if by_building else -1)]
    return out


def compile_repairs_fund(scenario: Scenario, compounds: CompoundInputs,
                         households: HouseholdInputs | None = None,
                         table=None) -> RepairsFundInputs | None:
    """The engine inputs of a realised scenario's repairs fund, or None without one.

    The first deposit is ``deposit_share × deposit_base_per_m2 × floor_area_m2``: the share
    of the construction cost and the cost per m², or 1 and the deposit per m². Top-up levels
    and the threshold goal's floor are ``balance + share × first deposit (+ percent funded ×
    FFB for the floor)``, the terms not written 0; without a ``threshold`` section the floor
    is the top-up trigger (0 without a top-up rule). A component's growth defaults to the
    scenario's inflation. A component's ``cost_per_m2`` is CNY/m², the engine multiplies it
    by each account's floor area.

    Accounts: the compound's (its ``floor_area_m2``), or with ``accounts: building`` each
    building's of :meth:`~fundmodel.scenario.Scenario.household_buildings` (of the compounds
    of ``table`` in a district) and, for a component with an ``item``, the ballots of
    ``households`` that build it in each building.
    """
    fund = scenario.repairs_fund
    if fund is None:
        return None
    per_compound, sizes, ballots = None, None, None
    if fund.accounts == "building":
        per_compound, area, sizes = _building_areas(scenario, compounds, table)
    else:
        area = np.asarray(compounds.floor_area_m2, dtype=float)[:, None]
    deposit = fund.first_deposit
    if deposit is None:
        share, base = 0.0, 0.0
    elif deposit.per_m2 is not None:
        share, base = 1.0, deposit.per_m2
    else:
        share, base = deposit.share_of_construction_cost, deposit.construction_cost_per_m2
    top = fund.top_up
    trigger_balance = trigger_share = restore_balance = restore_share = 0.0
    if top is not None and top.by_share():
        trigger_share, restore_share = top.trigger_share, top.restore_share()
    elif top is not None:
        trigger_balance, restore_balance = top.trigger_balance, top.restore_to_balance
    goal = fund.threshold
    if goal is None:
        floor_balance, floor_share, floor_percent = trigger_balance, trigger_share, 0.0
    else:
        floor_balance = goal.floor if goal.floor is not None else 0.0
        floor_share = 0.0
        floor_percent = goal.percent_funded if goal.percent_funded is not None else 0.0
    components = fund.components
    return RepairsFundInputs(
        opening_balance=draw_compound(fund.opening_balance),
        deposit_share=draw_compound(share), deposit_base_per_m2=draw_compound(base),
        has_first_deposit=deposit is not None,
        contribution_per_m2_year=draw_compound(fund.contribution_per_m2_year),
        contribution_growth=draw_compound(fund.contribution_growth),
        interest_rate=draw_compound(None if fund.interest is None else fund.interest.rate),
        has_interest=fund.interest is not None,
        top_up=top is not None,
        trigger_balance=draw_compound(trigger_balance), trigger_share=draw_compound(trigger_share),
        restore_balance=draw_compound(restore_balance), restore_share=draw_compound(restore_share),
        threshold_balance=draw_compound(floor_balance), threshold_share_of_deposit=draw_compound(floor_share),
        threshold_percent_funded=draw_compound(floor_percent),
        names=tuple(c.name for c in components),
        cost=tuple(draw_compound(c.cost if c.cost is not None else c.cost_per_m2)
                   for c in components),
        growth=tuple(draw_compound(c.growth if c.growth is not None else scenario.inflation)
                     for c in components),
        useful_life=np.array([c.useful_life_years for c in components], dtype=np.int64),
        remaining_life=np.array([c.remaining() for c in components], dtype=np.int64),
        convention=fund.convention,
        area_m2=area, sizes=sizes, by_building=fund.accounts == "building",
        cost_basis=tuple("per_m2" if c.cost is None else
                         "per_account" if c.per == "building" else "shared"
                         for c in components),
        ballot=tuple(None if c.item is None else
                     _ballots(scenario, households, per_compound, c.item, area.shape[1])
                     for c in components))
