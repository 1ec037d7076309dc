"""Compile the scenario's ``repairs_fund`` section (:mod:`fundmodel.scenario.repairs_fund`) to
the engine's :class:`~fundmodel.engine.model_inputs.RepairsFundInputs`.

Only shapes and defaults here: a value becomes ``(D|1, C=1)``, each component's own (so a
component the same in every draw keeps a draw axis of 1); an absent term is 0 (no first deposit, no interest, no
top-up level of that form). The formulas are in :mod:`fundmodel.engine.repairs_fund`.
"""

from __future__ import annotations

import numpy as np

from ..engine.model_inputs import RepairsFundInputs
from ..scenario import Scenario
from .shapes import draw_compound

__all__ = ["compile_repairs_fund"]


def compile_repairs_fund(scenario: Scenario,
                         floor_area_m2: np.ndarray) -> RepairsFundInputs | None:
    """The engine inputs of a realised scenario's repairs fund, or None without one.

    The first deposit is ``deposit_share × deposit_base_per_m2 × floor_area_m2``: the share
    of the construction cost and the cost per m², or 1 and the deposit per m². Top-up levels
    and the threshold goal's floor are ``balance + share × first deposit (+ percent funded ×
    FFB for the floor)``, the terms not written 0; without a ``threshold`` section the floor
    is the top-up trigger (0 without a top-up rule). A component's growth defaults to the
    scenario's inflation. A component's ``cost_per_m2`` is multiplied by each compound's
    ``floor_area_m2`` ``(C,)``: its cost is ``(D|1, C)``.
    """
    fund = scenario.repairs_fund
    if fund is None:
        return None
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
        cost=tuple(draw_compound(c.cost) if c.cost is not None else
                   draw_compound(c.cost_per_m2) * np.asarray(floor_area_m2, dtype=float)[None, :]
                   for c in components),
        growth=tuple(draw_compound(c.growth if c.growth is not None else scenario.inflation)
                     for c in components),
        useful_life=np.array([c.useful_life_years for c in components], dtype=np.int64),
        remaining_life=np.array([c.remaining() for c in components], dtype=np.int64),
        convention=fund.convention)
