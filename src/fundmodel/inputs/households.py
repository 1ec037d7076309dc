"""Compile the scenario's ``households`` section (:mod:`fundmodel.scenario.households`) to the
engine's :class:`~fundmodel.engine.model_inputs.HouseholdInputs` and the residents' two instruments
(:mod:`fundmodel.engine.instruments.residents`): ``consent`` decides what is built, ``residents``
shows how the households pay, after every other source."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..engine.consent import ConsentRule
from ..engine.households import HouseholdLayout, floor_weights, household_shares
from ..engine.model_inputs import HouseholdInputs
from ..engine.instruments import InstrumentInputs
from ..engine.instruments.residents import building_ballots, write_channels, write_consent
from ..scenario import Scenario
from .shapes import ByCompound, ByHousehold, draw_compound

__all__ = ["compile_households", "household_structure", "household_instruments"]


def _per_household(value: Any, compounds: np.ndarray, width: int) -> np.ndarray:
    """A willingness to pay as ``(D|1, C|1, H|1)``: a number, a value per draw ``(D,)``, a
    value per draw and household ``(D, H)``, or a district's per household
    (:class:`~fundmodel.inputs.shapes.ByHousehold` ``(D, Σ H_c)``: the compounds at
    positions ``compounds`` on an axis of ``width`` households)."""
    if isinstance(value, ByHousehold):
        return value.padded(compounds, width)
    if isinstance(value, ByCompound):
        return value.view(np.ndarray)
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1, 1)
    if a.ndim == 1:
        return a[:, None, None]
    return a[:, None, :]


def _charge_weights(scenario: Scenario, buildings: list, layout: HouseholdLayout) -> np.ndarray:
    """``(I, H)``: each household's share of the residents' part of each item."""
    hh = scenario.households
    names = [b.name for b in buildings]
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
                building = buildings[b]
                w = floor_weights(sharing.rule, building.floors,
                                  area_per_unit_m2=building.areas_m2(), table=sharing.table,
                                  exempt_floors=sharing.exempt_floors)
                row += layout.place(b, household_shares(w, building.units()) / len(chosen))
        out[items.index(charge.item)] = row
    return out


def _compound(scenario: Scenario, buildings: list):
    """One compound's layout, charge weights ``(I, H_c)`` and ballots ``{(decision,
    building): electorate (H_c,)}`` in order (building −1: a whole-electorate ballot)."""
    hh = scenario.households
    layout = HouseholdLayout.from_buildings([b.units() for b in buildings],
                                            [b.areas_m2() for b in buildings])
    names = [b.name for b in buildings]
    ballots: dict[tuple[int, int], np.ndarray] = {}
    for k, decision in enumerate(hh.decisions):
        voters = [names.index(b) for b in (decision.buildings or names)]
        if decision.vote_electorate() == "building":
            ballots.update({(k, b): layout.in_buildings([b]) for b in voters})
        else:
            ballots[(k, -1)] = layout.in_buildings(voters)
    return layout, names, _charge_weights(scenario, buildings, layout), ballots


def _ballot_keys(compounds: list) -> list[tuple[int, int]]:
    """The ballots ``(decision, building)`` of the compounds (their :func:`_compound`
    tuples), by decision, each in its buildings' order."""
    return sorted(dict.fromkeys(key for c in compounds for key in c[3]), key=lambda key: key[0])


def _padded(scenario: Scenario, compounds: list, at: np.ndarray | None,
            keys: list[tuple[int, int]], width: int | None = None) -> HouseholdInputs:
    """The static inputs (layouts, charge weights, ballots ``keys``) of the compounds
    ``compounds`` (their :func:`_compound` tuples) on a household axis padded to the most
    households among them (``width`` given: that many, 0 for none); the per-draw values are
    left at their defaults (:func:`compile_households` sets them). ``at``: their positions on
    the run's compound axis (None: all of them)."""
    hh = scenario.households
    layout, names = compounds[0][0], compounds[0][1]
    sizes = np.array([c[0].size for c in compounds], dtype=np.int64)
    n_c = len(compounds)
    width = int(sizes.max()) if width is None else width
    n_items = len(scenario.renovation.items)
    weights = np.zeros((n_items, n_c, width))
    area = np.zeros((n_c, width))
    electorate = np.zeros((len(keys), n_c, width))
    present = np.zeros((len(keys), n_c), dtype=bool)
    for c, (lay, _, w, ballots) in enumerate(compounds):
        h = min(lay.size, width)
        weights[:, c, :h] = w[:, :h]
        area[c, :h] = lay.area_m2[:h]
        for j, key in enumerate(keys):
            if key in ballots:
                electorate[j, c, :h] = ballots[key][:h]
                present[j, c] = True
    items = [it.name for it in scenario.renovation.items]
    decision_items = np.zeros((len(hh.decisions), len(items)), dtype=bool)
    rules = []
    for k, decision in enumerate(hh.decisions):
        decision_items[k] = [name in decision.items for name in items]
        r = decision.vote_rule()
        rules.append(ConsentRule(quorum_headcount=r.quorum_headcount, quorum_area=r.quorum_area,
                                 approval_headcount=r.approval_headcount,
                                 approval_area=r.approval_area, strict=r.strict, base=r.base))
    one = np.zeros((1, 1))
    return HouseholdInputs(
        layout=layout, building_names=tuple(names), weights=weights,
        decision_names=tuple(d.name for d in hh.decisions), decision_items=decision_items,
        decision_by_building=np.array([d.vote_electorate() == "building" for d in hh.decisions],
                                      dtype=bool),
        rules=tuple(rules), participation=(), wtp_cny=(),
        ballot_decision=np.array([k for k, _ in keys], dtype=np.int64),
        ballot_building=np.array([b for _, b in keys], dtype=np.int64),
        electorate=electorate, takeup_repairs_fund=one, takeup_provident_fund=one,
        takeup_loan=one, repairs_fund_balance_cny=one, provident_fund_cap_cny=one,
        loan_rate=one, loan_term_years=1, area_m2=area, sizes=sizes, ballot_present=present,
        compounds=at)


def household_structure(scenario: Scenario, table=None,
                        classes: bool = True) -> HouseholdInputs | None:
    """What of the households section does not change from draw to draw (None without one):
    every compound's buildings, charge weights and ballots, of its one compound or of the
    compounds of ``table`` (a loop over the compounds' distinct buildings). A district whose
    compounds fall in several size classes (household counts of different binary lengths)
    gets each class on its own padded axis (``HouseholdInputs.classes``, its compounds by
    number of households, so a sum over each one's own is a few runs of rows). Computed once for
    every chunk of a tile (:func:`compile_households`'s ``structure``). ``classes`` False: one
    axis padded to the most households of a compound (the same bits, more cells)."""
    if scenario.households is None:
        return None
    per_compound = scenario.household_buildings(table)
    made: dict[int, tuple] = {}
    compounds = []
    for buildings in per_compound:                  # compounds of the same facts: once
        if id(buildings) not in made:
            made[id(buildings)] = _compound(scenario, buildings)
        compounds.append(made[id(buildings)])
    keys = _ballot_keys(compounds)
    bits = np.array([int(c[0].size).bit_length() for c in compounds])
    lengths = np.unique(bits)

    def laid_out(part: HouseholdInputs) -> HouseholdInputs:
        return replace(part, building_ballots=tuple(
            building_ballots(part, k) for k in range(len(part.decision_names))))

    if lengths.size == 1 or not classes:
        return laid_out(_padded(scenario, compounds, None, keys))
    sizes = np.array([c[0].size for c in compounds])
    parts = []
    for n in lengths:                       # a loop over the classes, each by households
        at = np.flatnonzero(bits == n)
        at = at[np.argsort(sizes[at], kind="stable")]
        parts.append(laid_out(_padded(scenario, [compounds[c] for c in at], at, keys)))
    return replace(_padded(scenario, compounds, None, keys, width=0), classes=tuple(parts))


def _of_compounds(a: np.ndarray, at) -> np.ndarray:
    """A ``(D|1, C|1, ...)`` value for the compounds at positions ``at``."""
    return a if a.shape[1] == 1 else a[:, at]


def compile_households(scenario: Scenario, table=None,
                       structure: HouseholdInputs | None = None) -> HouseholdInputs | None:
    """Engine inputs of a realised scenario's ``households`` section (None without one): of
    its one compound, or of the compounds of ``table`` (a district's, or a tile of it) on a
    household axis padded to the most households of a compound, or of its size class
    (:func:`household_structure`, computed here unless given as ``structure``)."""
    hh = scenario.households
    if hh is None:
        return None
    if structure is None:
        structure = household_structure(scenario, table)
    ch = hh.channels
    takeup = ch.takeup if ch is not None else None
    values = dict(
        participation=tuple(draw_compound(d.participation) for d in hh.decisions),
        takeup_repairs_fund=draw_compound(takeup and takeup.repairs_fund, 0.0),
        takeup_provident_fund=draw_compound(takeup and takeup.provident_fund, 0.0),
        takeup_loan=draw_compound(takeup and takeup.loan, 0.0),
        repairs_fund_balance_cny=draw_compound(ch and ch.repairs_fund_balance_cny, np.inf),
        provident_fund_cap_cny=draw_compound(ch and ch.provident_fund_cap_per_owner_cny, np.inf),
        loan_rate=draw_compound(ch and ch.loan_rate, 0.0),
        loan_term_years=int(ch.loan_term_years) if ch is not None and ch.loan_term_years
        else 1)
    wtp = [d.willingness_to_pay_cny for d in hh.decisions]
    if not structure.classes:
        every = np.arange(structure.sizes.size)
        return replace(structure, **values,
                       wtp_cny=tuple(_per_household(v, every, structure.size) for v in wtp))
    per_compound = ("takeup_repairs_fund", "takeup_provident_fund", "takeup_loan",
                    "repairs_fund_balance_cny", "provident_fund_cap_cny", "loan_rate")
    classes = tuple(replace(
        part, **{k: _of_compounds(values[k], part.compounds) for k in per_compound},
        participation=tuple(_of_compounds(p, part.compounds) for p in values["participation"]),
        loan_term_years=values["loan_term_years"],
        wtp_cny=tuple(_per_household(v, part.compounds, part.size) for v in wtp))
        for part in structure.classes)
    return replace(structure, **values, wtp_cny=(), classes=classes)


def household_instruments(households: HouseholdInputs | None,
                          instruments: tuple[InstrumentInputs, ...]) -> tuple:
    """``instruments`` with the residents' votes first (phase ``decide``) and their payment
    channels last (after every source of the ``fund`` phase); unchanged without households."""
    if households is None:
        return instruments
    return (InstrumentInputs("consent", "decide", write_consent, households), *instruments,
            InstrumentInputs("residents", "fund", write_channels, households))
