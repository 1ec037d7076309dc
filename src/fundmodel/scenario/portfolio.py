"""A district portfolio: many compounds, read from a table, under one set of rules.

A scenario with a ``portfolio:`` section gives its compounds in a table (CSV or Excel, see
``docs/compounds-table.md``) instead of one ``compound:``; every other section — the items
(their quantities from rules on each compound's facts), the funding rules, the service model
— applies to every compound. Its uncertain inputs are shared by all compounds unless named in
``per_compound``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PrivateAttr, model_validator

from .base import ScenarioModel, fail
from .fiscal import GOVERNMENT_LEVELS
from .ranges import bounded

__all__ = ["Portfolio", "Phasing", "ServiceAreas", "PER_COMPOUND_SECTIONS"]

PER_COMPOUND_SECTIONS: tuple[str, ...] = ("renovation", "funding", "operations")
"""Sections whose uncertain inputs may be drawn for every compound separately (the economy's
rates — inflation, the discount rate — are one for the district)."""


class Phasing(ScenarioModel):
    """Budget phasing: which compounds start their works in which year, within each level of
    government's yearly budget, serving the most (see ``docs/phasing.md``)."""

    first_year: int = Field(ge=1900, le=2200)
    """First calendar year of the plan."""
    years: int = Field(ge=1, le=30)
    """Years in the plan."""
    budgets_cny: dict[Literal["central_government", "provincial_government",
                              "city_district_government", "street_community"],
                      bounded(float, ge=0, le=1e15, reason="the bound on money")
                      | list[bounded(float, ge=0, le=1e15, reason="the bound on money")]
                      ] = Field(min_length=1)
    """Each level's budget for renovation: one amount a year, or a list with one per plan
    year, CNY. Levels not named are not limited."""
    weight: str = "households"
    """What serving a compound is worth: ``households``, ``condition_score``, ``floor_area_m2``
    or another numeric column of the compounds table."""
    max_overrun_probability: bounded(float, ge=0, le=1, percent=True) | None = None
    """With a bound, the plan is robust: over the Monte Carlo draws of the costs, the
    probability that any budget is exceeded stays at most this (default: plan on the point
    estimates)."""
    draws: int = Field(default=1000, ge=10, le=100_000)
    """Monte Carlo draws of the costs for a robust plan."""
    time_limit_s: bounded(float, gt=0, le=86_400, reason="a day") = 20.0
    """Most seconds the solver may spend on one plan; it then returns the best plan found and
    its gap to the bound (``Plan.mip_gap``)."""
    prefer_early: bool = True
    """Among plans serving as much, prefer the one serving earlier (a second solve; on a
    district of a thousand compounds it can take as long as the first)."""
    mip_rel_gap: bounded(float, ge=0, le=0.5, percent=True) = 1e-4
    """Relative gap at which the solver stops (1e-4: within 0.01 % of the best possible)."""

    @model_validator(mode="after")
    def _lengths(self) -> "Phasing":
        for level, value in self.budgets_cny.items():
            if isinstance(value, list) and len(value) != self.years:
                raise fail(f"give one budget a year: {self.years} values, got {len(value)}",
                           "budgets_cny", level)
        return self

    def budget_matrix(self):
        """Budgets as an array ``(levels, years)`` in :data:`GOVERNMENT_LEVELS` order, CNY
        (``inf`` for a level not named)."""
        import numpy as np
        out = np.full((len(GOVERNMENT_LEVELS), self.years), np.inf)
        for level, value in self.budgets_cny.items():
            out[GOVERNMENT_LEVELS.index(level)] = value
        return out


class ServiceAreas(ScenarioModel):
    """Shared-service areas: neighbouring small compounds under one property service contract
    (see ``docs/clustering.md``)."""

    max_distance_km: bounded(float, gt=0, le=1e4, reason="the bound on distances, km") = 1.0
    """Largest distance between two compounds of one area, km."""
    max_households: int | None = Field(default=None, ge=1)
    """Most households in one area (default: no limit)."""
    max_compounds: int | None = Field(default=None, ge=1, le=1_000)
    """Most compounds in one area (default: no limit)."""
    within: Literal["street", "neighbourhood", "district"] = "street"
    """Areas never cross this boundary (``district``: no boundary)."""
    method: Literal["greedy", "exact"] = "greedy"
    """``greedy`` merges the pair that saves most, round after round; ``exact`` solves the
    set partition (small districts only)."""


class Portfolio(ScenarioModel):
    """The compounds of a district programme and how their uncertainty is drawn."""

    compounds: str = Field(min_length=1)
    """The compounds table: a CSV or Excel (.xlsx) file, relative to the scenario file."""
    sheet: str | None = None
    """The Excel sheet (default: the first)."""
    per_compound: list[str] = Field(default=[], max_length=1_000)
    """Uncertain inputs drawn for every compound separately, by path
    (``renovation.items[2].unit_cost``) or by section (``renovation``: every distribution in
    it). Others are shared: one value per draw for the whole district."""
    compound_correlation: bounded(float, ge=0, lt=1, percent=True) = 0.0
    """Correlation between compounds of each per-compound input: the normal scores are
    ``√ρ·Z_district + √(1 − ρ)·Z_compound`` (one factor). 0: independent compounds."""
    phasing: Phasing | None = None
    service_areas: ServiceAreas | None = None

    _table = PrivateAttr(default=None)

    @property
    def table(self):
        """The compounds table (:class:`fundmodel.io.compounds_table.CompoundsTable`), read when
        the scenario was loaded."""
        if self._table is None:
            from ..io.compounds_table import read_compounds_table
            self._table = read_compounds_table(self.compounds, sheet=self.sheet)
        return self._table


def table_for(portfolio: dict, context: dict | None):
    """The compounds table of a portfolio's raw data: the one the loader read (in the
    validation context), else read now relative to the context's ``base_dir`` (None when the
    section names no file; a table that cannot be read is reported at
    ``portfolio.compounds``)."""
    context = context or {}
    if context.get("compounds_table") is not None:
        return context["compounds_table"]
    file = portfolio.get("compounds")
    if not isinstance(file, str) or not file:
        return None
    from ..errors import ScenarioError
    from ..io.compounds_table import read_compounds_table
    try:
        return read_compounds_table(file, base_dir=context.get("base_dir"),
                                    allow_outside=bool(context.get("allow_outside_files")),
                                    sheet=portfolio.get("sheet"))
    except ScenarioError as exc:
        raise fail("; ".join(str(i) for i in exc.issues[:5]), "portfolio", "compounds") from None


def envelope_of(table) -> dict:
    """The compound that bounds every compound of ``table``: the largest value of each column
    (``tier_planned`` upgrade, ``lifts_possible`` if any compound's), as raw scenario data."""
    import numpy as np

    def top(values):
        values = np.asarray(values, dtype=float)
        return None if values.size == 0 or np.all(np.isnan(values)) else float(np.nanmax(values))

    out = {"name": f"the envelope of {len(table):,} compounds", "id": "envelope",
           "households": int(top(table.households)),
           "floor_area_m2": top(table.floor_area_m2),
           "chargeable_area_m2": top(table.chargeable_area_m2),
           "lifts_possible": bool(np.any(table.lifts_possible)), "tier_planned": "upgrade",
           "attributes": {k: top(v) for k, v in table.extra.items() if top(v) is not None}}
    for name, kind in (("buildings", int), ("storeys", int), ("built_year", int),
                       ("condition_score", float)):
        value = top(getattr(table, name))
        if value is not None:
            out[name] = kind(value)
    return out


def check_rules_on_table(items, table) -> tuple | None:
    """The first problem of the items' quantity rules on the compounds of ``table`` (a fact
    missing for some compound, a divisor ≤ 0), as ``(message, item index, 'quantity_rule',
    key)``; None when there is none."""
    import numpy as np
    for i, item in enumerate(items):
        rule = item.quantity_rule
        if rule is None:
            continue
        for key, fact in (("per", rule.per), ("divide_by", rule.divide_by), ("when", rule.when)):
            if fact is None:
                continue
            values = table.attribute(fact)
            bad = np.flatnonzero(np.isnan(values) | ((values <= 0) if key == "divide_by"
                                                     else False))
            if bad.size:
                c = int(bad[0])
                what = "is empty" if np.isnan(values[c]) else "must be > 0 to divide by it"
                return (f"{fact} {what} for compound {table.ids[c]!r} ({table.source} line "
                        f"{table.lines[c]}) and {bad.size - 1:,} other(s)" if bad.size > 1 else
                        f"{fact} {what} for compound {table.ids[c]!r} ({table.source} line "
                        f"{table.lines[c]})", i, "quantity_rule", key)
    return None


def compound_of(table, i: int) -> dict:
    """Compound ``i`` of ``table`` as raw scenario data for ``compound:`` (empty facts left
    out)."""
    import math

    def number(values, kind=float):
        v = float(values[i])
        return None if math.isnan(v) else kind(v)

    out = {"name": table.names[i], "id": table.ids[i],
           "households": int(table.households[i]),
           "floor_area_m2": float(table.floor_area_m2[i]),
           "chargeable_area_m2": float(table.chargeable_area_m2[i]),
           "buildings": number(table.buildings, int), "storeys": number(table.storeys, int),
           "built_year": number(table.built_year, int),
           "lifts_possible": bool(table.lifts_possible[i]),
           "tier_planned": table.tier_planned[i] or None,
           "x_km": number(table.x_km), "y_km": number(table.y_km),
           "condition_score": number(table.condition_score),
           "street": table.streets[i] or None, "neighbourhood": table.neighbourhood[i] or None,
           "attributes": {k: float(v[i]) for k, v in table.extra.items()
                          if not math.isnan(float(v[i]))}}
    return {k: v for k, v in out.items() if v is not None}


def one_compound(scenario, i: int):
    """The scenario of compound ``i`` of a portfolio alone: its facts as ``compound:``, the
    portfolio section gone (the reference a portfolio run must agree with). Every rule, item
    and line is kept with its ``applies_to``, which the one-compound scenario reads on these
    facts (its ``id`` and ``attributes``: a yes/no column as 1.0 or 0.0)."""
    data = scenario.model_dump(mode="python", exclude={"portfolio", "compound"},
                               exclude_none=True, by_alias=True)
    data["compound"] = compound_of(scenario.portfolio.table, i)
    return type(scenario).model_validate(data)
