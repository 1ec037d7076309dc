"""The compile step: a realised scenario (its distributions replaced by arrays of draws, see
:func:`fundmodel.inputs.draws.realise`) → :class:`~fundmodel.engine.model_inputs.ModelInputs`.

Only shapes change here, never a value: a plain number becomes an array ``(1, 1)`` (draw,
compound), a value per draw ``(n, 1)``, a value per draw and operating year ``(n, 1, T)``; the
model's formulas all live in the engine.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..engine.model_inputs import (CompoundInputs, CostLineInputs, DeviceInputs, FallbackInputs,
                                   OwnersAccountInputs,
                                   IncomeLineInputs, ItemInputs, MenuPackageInputs, ModelInputs,
                                   OperationsInputs, SharedServiceInputs, Timeline)
from ..scenario import Scenario
from ..scenario.operations import OwnersAccount
from ..scenario.renovation import TIERS
from .shapes import ByCompound, draw_compound, stack
from .households import compile_households, household_instruments
from .instruments import compile_instruments
from .repairs_fund import compile_repairs_fund
from .shocks import shocked

__all__ = ["compile_inputs", "compile_households", "timeline_of"]


def timeline_of(scenario: Scenario) -> Timeline:
    """The scenario's timeline: the construction years from ``start_year`` to the end of the
    last item's works, then ``horizon_years`` operating years."""
    return Timeline(scenario.start_year, scenario.construction_years(), scenario.horizon_years)


class _Facts:
    """The compounds' facts as arrays ``(C,)``: from a compounds table, or from the scenario's
    one compound."""

    def __init__(self, scenario: Scenario, table=None):
        self.table, self.compound, self.scenario = table, scenario.compound, scenario

    def __call__(self, name: str) -> np.ndarray:
        if self.table is not None:
            return np.asarray(self.table.attribute(name), dtype=float)
        value = self.compound.attribute(name)
        return np.array([np.nan if value is None else value])

    def applies(self, entries) -> np.ndarray | None:
        """``(C, K)`` bool: which of ``entries`` (funding rules, items or lines) exist for each
        compound, by their ``applies_to`` (the ids of a list checked when the scenario was
        read: a tile holds some of them); None when none of them has one. A table may read
        ``applies_to`` its own way (its ``applies`` method: a shared-service area's merged
        compounds)."""
        if all(e.applies_to is None for e in entries):
            return None
        from ..errors import ModelError
        from ..scenario.applies import AppliesToError, applies_mask
        own = getattr(self.table, "applies", None)
        facts = None if own is not None else self.scenario.applies_facts(self.table)
        try:
            return np.stack([own(e.applies_to) if own is not None
                             else applies_mask(e.applies_to, facts, strict=False)
                             for e in entries], axis=-1)
        except AppliesToError as exc:
            raise ModelError(f"applies_to: {exc.message}") from None

    def tiers(self) -> tuple[str | None, ...]:
        if self.table is not None:
            return tuple(self.table.tier_planned)
        return (self.compound.tier_planned,)

    def compounds(self) -> CompoundInputs:
        if self.table is not None:
            t = self.table
            return CompoundInputs(names=tuple(t.ids), households=np.asarray(t.households, float),
                                  floor_area_m2=np.asarray(t.floor_area_m2, float),
                                  fee_area_m2=np.asarray(t.chargeable_area_m2, float))
        c = self.compound
        return CompoundInputs(names=(c.name,), households=np.array([float(c.households)]),
                              floor_area_m2=np.array([float(c.floor_area_m2)]),
                              fee_area_m2=np.array([float(c.fee_area_m2)]))


def _quantity(item, facts: _Facts) -> Any:
    """An item's quantity: as written, or its rule on the compounds' facts, ``(D|1, C)``
    (``factor × per / divide_by × (when ≠ 0)``)."""
    rule = item.quantity_rule
    if rule is None:
        return item.quantity
    per = facts(rule.per)
    if rule.divide_by is not None:
        per = per / facts(rule.divide_by)
    if rule.when is not None:
        per = per * (facts(rule.when) != 0)
    return ByCompound(draw_compound(rule.factor) * per[None, :])


def _items(scenario: Scenario, timeline: Timeline, facts: _Facts) -> ItemInputs:
    ren = scenario.renovation
    items = ren.items
    schedule = np.zeros((len(items), timeline.n_years))
    for i in range(len(items)):
        shares = scenario.item_schedule(i)
        schedule[i, :len(shares)] = shares
    quantity = stack([_quantity(i, facts) for i in items])
    planned = facts.tiers()
    if any(t is not None for t in planned):      # items above a compound's tier are not built
        rank = np.array([TIERS.index(t or TIERS[-1]) for t in planned])
        built = np.array([TIERS.index(i.tier) for i in items])[None, :] <= rank[:, None]
        quantity = quantity * built[None]
    applies = facts.applies(items)
    if applies is not None:                      # items that do not apply have quantity 0
        quantity = np.where(applies[None], quantity, 0.0)
    return ItemInputs(
        names=tuple(i.name for i in items), tiers=tuple(i.tier for i in items),
        units=tuple(i.unit for i in items),
        quantity=quantity,
        unit_cost=stack([i.unit_cost for i in items]),
        contingency=stack([i.contingency if i.contingency is not None else ren.contingency
                            for i in items]),
        schedule=schedule)


def _only_where(value: np.ndarray | None, applies: np.ndarray | None, k: int
                ) -> np.ndarray | None:
    """A line's term ``(D|1, C|1)`` (or ``(D|1, C|1, T)``: a total spread by year) set to 0
    for the compounds the line ``k`` does not apply to (``applies (C, K)``; unchanged without
    one)."""
    if value is None or applies is None or applies[:, k].all():
        return value
    where = applies[None, :, k]
    return np.where(where if value.ndim == 2 else where[..., None], value, 0.0)


def _yearly(line, horizon: int) -> np.ndarray | None:
    """A line's amount: ``per_year`` ``(D|1, C|1)``, or its ``total`` spread by its shares
    over the years it runs, ``(D|1, C|1, T)`` (0 in the others); None for neither."""
    if getattr(line, "total", None) is None:
        return draw_compound(line.per_year, None)
    shares = np.zeros(horizon)
    shares[line.first_year - 1:line.last_year(horizon)] = line.shares(horizon)
    return draw_compound(line.total)[..., None] * shares


def _operations(scenario: Scenario, facts: _Facts) -> OperationsInputs:
    """The operating lines; a line that does not apply to a compound is 0 there (its
    ``per_year``, its ``price_per_month`` or ``wage_per_month`` 0)."""
    ops = scenario.operations
    fee = ops.property_fee
    horizon = scenario.horizon_years

    def growth(value, line=None):
        if getattr(line, "total", None) is not None:
            return draw_compound(0.0)        # a total's years are in their own money
        return draw_compound(value if value is not None else scenario.inflation)

    def last(line) -> int | None:
        return None if line.years is None else line.last_year(horizon)

    items = [item.name for item in scenario.renovation.items]

    def item(line) -> int | None:
        return None if line.item is None else items.index(line.item)

    on_income, on_costs = facts.applies(ops.income), facts.applies(ops.costs)
    income = tuple(IncomeLineInputs(
        name=line.name, per_year=_only_where(_yearly(line, horizon), on_income, k),
        units=draw_compound(line.units, None),
        price_per_month=_only_where(draw_compound(line.price_per_month, None), on_income, k),
        occupancy=draw_compound(line.occupancy),
        growth=growth(line.growth, line), payer=line.payer, first_year=line.first_year,
        last_year=last(line), item=item(line), paid_to=line.paid_to)
        for k, line in enumerate(ops.income))
    costs = tuple(CostLineInputs(
        name=line.name, per_year=_only_where(_yearly(line, horizon), on_costs, k),
        staff=draw_compound(line.staff, None),
        wage_per_month=_only_where(draw_compound(line.wage_per_month, None), on_costs, k),
        on_cost=draw_compound(line.on_cost),
        shared_by=float(line.shared_by), growth=growth(line.growth, line),
        norm={"m2_per_staff": "m2", "households_per_staff": "households"}.get(line.norm or ""),
        per_staff=draw_compound(getattr(line, line.norm), None) if line.norm else None,
        round_up=line.rounding == "up", shared=line.shared, ageing=draw_compound(line.ageing),
        first_year=line.first_year, last_year=last(line), item=item(line),
        jobs_per_household_year=draw_compound(line.jobs_per_household_year, None),
        price_per_job=_only_where(draw_compound(line.price_per_job, None), on_costs, k),
        discount=draw_compound(line.discount) if line.per_job else None,
        runs=ops.runs(line))
        for k, line in enumerate(ops.costs))
    shared = ops.shared_service
    names = [line.name for line in ops.costs]
    return OperationsInputs(
        fee_rate=draw_compound(fee.per_household_month if fee.per_household else fee.rate_per_m2_month),
        fee_per_household=fee.per_household,
        collection_rate=draw_compound(fee.collection_rate),
        collection_ramp=(None if fee.collection_ramp is None
                         else np.array(fee.collection_ramp, dtype=float)),
        fee_growth=draw_compound(fee.growth), income=income, costs=costs,
        management_margin=draw_compound(ops.management_margin), vat_rate=draw_compound(ops.vat_rate),
        opening_balance=draw_compound(ops.opening_balance),
        shared_service=None if shared is None else SharedServiceInputs(
            partners=draw_compound(shared.partners),
            partner_households=draw_compound(shared.partner_households, None),
            partner_floor_area_m2=draw_compound(shared.partner_floor_area_m2, None), split=shared.split),
        menu=tuple(MenuPackageInputs(
            name=p.name, price_per_household_month=draw_compound(p.price_per_household_month),
            take_up=draw_compound(p.take_up), cost_per_household_month=draw_compound(p.cost_per_household_month,
                                                                 None),
            growth=growth(p.growth)) for p in ops.menu),
        devices=tuple(DeviceInputs(
            name=d.name, platform_fee_per_year=draw_compound(d.platform_fee_per_year),
            replaces=names.index(d.replaces), staff=draw_compound(d.staff), growth=growth(d.growth))
            for d in ops.devices),
        fallback=None if ops.fallback is None else FallbackInputs(
            payer=ops.fallback.payer, cap_per_year=draw_compound(ops.fallback.cap_per_year),
            growth=draw_compound(ops.fallback.growth)),
        owners_account=_owners_account(ops))


def _owners_account(ops) -> OwnersAccountInputs | None:
    """The owners' account: as written, or its defaults when an income line is paid to it
    (None when neither)."""
    if not ops.has_owners_account():
        return None
    account = ops.owners_account if ops.owners_account is not None else OwnersAccount()
    return OwnersAccountInputs(opening_balance=draw_compound(account.opening_balance),
                               covers_deficit=account.covers_deficit,
                               to_repairs_fund_share=draw_compound(account.to_repairs_fund_share))


MASKED_TERMS = ("cap", "scale", "fixed_cost", "members")
"""The terms ``(D|1, C|1, R)`` of an instrument's rules set to 0 for the compounds a rule does
not apply to: its cap (it pays nothing there), for a bundled project its scale and fixed cost
(none of its own business there), and a pooled debt's ``members`` (the package it pools)."""


def _only_where_rules(instruments: tuple, applies: np.ndarray | None) -> tuple:
    """The instruments with :data:`MASKED_TERMS` of each rule 0 for the compounds the rule does
    not apply to (``applies (C, R)`` over ``scenario.funding``)."""
    if applies is None:
        return instruments
    out = []
    for instrument in instruments:
        mask = applies[:, list(instrument.indexes)]                     # (C, R)
        if mask.all():
            out.append(instrument)
            continue
        params = instrument.params
        changes = {name: np.where(mask[None], getattr(params, name), 0.0)
                   for name in MASKED_TERMS
                   if isinstance(getattr(params, name, None), np.ndarray)}
        out.append(replace(instrument, params=replace(params, **changes)))
    return tuple(out)


def refuse_portfolio(scenario: Scenario) -> None:
    """Raise ModelError when ``scenario`` is a portfolio: a one-compound run cannot take it."""
    if scenario.portfolio is not None:
        from ..errors import ModelError
        raise ModelError(f"{scenario.name} is a portfolio of {len(scenario.portfolio.table):,} "
                         "compounds: run it with fundmodel.simulate_portfolio (or the CLI's "
                         "`fundmodel district`), or one compound with "
                         "fundmodel.scenario.portfolio.one_compound")


def compile_inputs(scenario: Scenario, draws: int, table=None,
                   structure=None) -> ModelInputs:
    """Engine inputs of a realised scenario of ``draws`` draws: of its one compound, or of the
    compounds of ``table`` (a :class:`~fundmodel.io.compounds_table.CompoundsTable`, e.g. a
    tile of a portfolio's table) on the compound axis. ``structure``: the households'
    static inputs of those compounds (:func:`~fundmodel.inputs.households.
    household_structure`), when the caller computed them once for many chunks."""
    if table is None:
        refuse_portfolio(scenario)
    timeline = timeline_of(scenario)
    facts = _Facts(scenario, table)
    compounds = facts.compounds()
    households = compile_households(scenario, table, structure)
    instruments = household_instruments(households, _only_where_rules(
        compile_instruments(scenario, timeline), facts.applies(scenario.funding)))
    inputs = ModelInputs(draws=int(draws), timeline=timeline, compounds=compounds,
                         items=_items(scenario, timeline, facts),
                         operations=_operations(scenario, facts),
                         discount_rate=draw_compound(scenario.discount_rate),
                         inflation=draw_compound(scenario.inflation),
                         households=households, instruments=instruments,
                         repairs_fund=compile_repairs_fund(scenario, compounds, households,
                                                           table))
    return shocked(inputs, scenario.shocks) if scenario.shocks else inputs
