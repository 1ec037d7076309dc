"""A district portfolio: many compounds, read from a table, under one set of rules.

A scenario with a ``portfolio:`` section gives its compounds in a table (CSV or Excel, see
``docs/compounds-table.md``) instead of one ``compound:``; every other section — the items
(their quantities from rules on each compound's facts), the funding rules, the service model
— applies to every compound. Its uncertain inputs are shared by all compounds unless named in
``per_compound``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, model_validator

from .base import ScenarioModel, did_you_mean, fail
from .fiscal import GOVERNMENT_LEVELS
from .ranges import bounded
from ..io.limits import MAX_MONEY_CNY
from .money import MONEY_SUM

__all__ = ["Portfolio", "Phasing", "ServiceAreas", "Reward", "ProgrammeEntry",
           "PER_COMPOUND_SECTIONS", "apply_programme", "programme_entry_problem",
           "start_year_problem",
           "programme_issues", "programme_start_years"]

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
    budgets_cny: Annotated[dict[Literal["central_government", "provincial_government",
                              "city_district_government", "street_community"],
                      bounded(float, ge=0, le=1e15, reason="the bound on money")
                      | list[bounded(float, ge=0, le=1e15, reason="the bound on money")]
                      ], MONEY_SUM] = Field(min_length=1)
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
    tier_weights: dict[Literal["basic", "complete", "upgrade"],
                       bounded(float, ge=0, le=1e6, reason="a weight")] | None = None
    """What each tier is worth, multiplying the compound's weight, when the plan chooses the
    tier of compounds whose ``tiers_allowed`` (compounds table) names several (e.g.
    ``{basic: 1, complete: 1.6, upgrade: 2}``); needed then, a tier not named is worth 1."""

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
    merge_cost_per_compound: bounded(float, ge=0, le=MAX_MONEY_CNY,
                                     reason="the bound on an amount of money, CNY") = 0.0
    """Capital cost of merging compounds into one area (合围并院: walls, gates, access
    control), CNY per compound of an area of two or more; counted against what sharing
    saves."""
    merge_cost_per_km: bounded(float, ge=0, le=MAX_MONEY_CNY,
                               reason="the bound on an amount of money, CNY") = 0.0
    """Capital cost of merging, CNY per km of the shortest network joining an area's compounds
    (the minimum spanning tree of their ``x_km``, ``y_km``)."""
    target_areas: int | None = Field(default=None, ge=1)
    """The number of areas to end with (e.g. 270 for Xinghualing's 983 compounds), at most the
    compounds; default: as many as the least subsidy and merge cost give."""


class Reward(ScenarioModel):
    """A performance reward (奖补, seeds/000 and /002): an extra grant to every compound whose
    works end by a deadline, paid by one level of government the year after they end (see
    ``docs/portfolio.md``, "Performance rewards")."""

    amount_per_household: bounded(float, gt=0, le=1e9, reason="the bound on money per "
                                  "household")
    """Reward per household of the compound, CNY."""
    paid_by: Literal["central_government", "provincial_government",
                     "city_district_government", "street_community"]
    """The level of government that pays it (its outlay)."""
    deadline: int = Field(ge=1900, le=2200)
    """Last calendar year in which the works may end to earn it."""


class ProgrammeEntry(ScenarioModel):
    """The programme status of some compounds, given in the scenario instead of (or over) the
    compounds table's columns of the same names (docs/compounds-table.md, "Programme
    status"). Fields not given keep the table's values."""

    compounds: list[str] = Field(min_length=1, max_length=1_000_000)
    """The compounds' ids (the table's ``id``)."""
    status: Literal["done", "under_way", "planned"] | None = None
    """``done`` (renovated before the plan), ``under_way`` (started in ``start_year``) or
    ``planned``."""
    start_year: int | None = Field(default=None, ge=1900, le=2200)
    """Fixed calendar year the works start."""
    required: bool | None = None
    """Whether the plan must include them (an under_way compound always is)."""
    tiers_allowed: list[Literal["basic", "complete", "upgrade"]] | None = Field(
        default=None, min_length=1)
    """The tiers the plan may choose among (a ``tier_planned`` outside them becomes the
    highest of them)."""


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
    programme: list[ProgrammeEntry] = Field(default=[], max_length=10_000)
    """Programme status of listed compounds (over the compounds table's ``status``,
    ``start_year``, ``required`` and ``tiers_allowed``); a compound in one entry at most."""
    rewards: list[Reward] = Field(default=[], max_length=100)
    """Performance rewards (奖补): each compound run whose works end by a reward's deadline
    receives households × ``amount_per_household``, in ``paid_by``'s outlay the year after
    its works end."""

    buildings: str | None = Field(default=None, min_length=1)
    """A per-building table for the ``households`` section: a CSV file, relative to the
    scenario file, one row per building (``compound_id``, ``building``, ``floors``,
    ``units_per_floor``, ``area_per_unit_m2``); the compounds it lists have these buildings,
    the others buildings generated from their facts (docs/portfolio.md)."""

    _table = PrivateAttr(default=None)
    _buildings = PrivateAttr(default=None)

    @property
    def buildings_table(self):
        """The per-building table (:class:`fundmodel.io.buildings_table.BuildingsTable`), or
        None without one; read when the scenario was loaded."""
        if self.buildings is None:
            return None
        if self._buildings is None:
            from ..io.buildings_table import read_buildings_table
            self._buildings = read_buildings_table(self.buildings)
        return self._buildings

    @property
    def table(self):
        """The compounds table (:class:`fundmodel.io.compounds_table.CompoundsTable`), read when
        the scenario was loaded."""
        if self._table is None:
            from ..io.compounds_table import read_compounds_table
            table = read_compounds_table(self.compounds, sheet=self.sheet)
            problem, table = apply_programme(table, self.programme)
            if problem is not None:
                from ..errors import ModelError
                where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                                for p in problem[1:])
                raise ModelError(f"portfolio.programme{where}: {problem[0]}")
            self._table = table
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
    portfolio section gone (the reference a portfolio run must agree with); with a
    ``households`` section, its buildings generated from its facts are written out. Every rule, item
    and line is kept with its ``applies_to``, which the one-compound scenario reads on these
    facts (its ``id`` and ``attributes``: a yes/no column as 1.0 or 0.0)."""
    data = scenario.model_dump(mode="python", exclude={"portfolio", "compound"},
                               exclude_none=True, exclude_unset=True, by_alias=True)
    table = scenario.portfolio.table
    data["compound"] = compound_of(table, i)
    if scenario.households is not None:     # its buildings, generated from its facts, written
        buildings = scenario.household_buildings(table.take([i]))[0]
        data["households"]["buildings"] = [b.model_dump(mode="python", exclude_none=True)
                                           for b in buildings]
    return type(scenario).model_validate(data)


def programme_issues(scenario) -> list:
    """The programme columns of a portfolio's compounds table against the scenario, one
    located issue (the table's file, line, column) per compound: a fixed ``start_year`` of a
    compound not ``done`` must be in the plan's years with its works ending in them
    (``portfolio.phasing``), or without a plan from the scenario's ``start_year`` to 100 years
    after it. Also: several ``tiers_allowed`` with a plan need ``phasing.tier_weights``.
    Empty when all is well."""
    import numpy as np
    from ..errors import Issue
    portfolio = scenario.portfolio
    if portfolio is None:
        return []
    table = portfolio.table
    phasing = portfolio.phasing
    issues = []
    start = np.asarray(table.start_year)
    fixed = ~np.isnan(start) & (np.asarray(table.status) != "done")
    # start years given in portfolio.programme are checked there (located in the scenario)
    from_entries = {key for e in portfolio.programme if e.start_year is not None
                    for key in e.compounds}
    fixed &= np.array([key not in from_entries for key in table.ids], dtype=bool)
    column = table.columns.get("start_year")
    for c in np.flatnonzero(fixed)[:100]:
        why = start_year_problem(scenario, int(start[c]))
        if why is not None:
            issues.append(Issue(f"compounds[{c}].start_year", why, table.source,
                                table.lines[c], column))
    several = [c for c, t in enumerate(table.tiers_allowed) if len(t) > 1]
    if phasing is not None and several:
        first = several[0]
        where = dict(file=table.source, line=table.lines[first],
                     column=table.columns.get("tiers_allowed"))
        if phasing.tier_weights is None:
            issues.append(Issue(f"compounds[{first}].tiers_allowed",
                                f"{len(several):,} compounds allow several tiers: give "
                                "portfolio.phasing.tier_weights (what each tier is worth, e.g. "
                                "{basic: 1, complete: 1.6, upgrade: 2})", **where))
    return issues


def start_year_problem(scenario, year: int) -> str | None:
    """What is wrong with a compound's fixed start year ``year`` (None: nothing): with
    ``portfolio.phasing`` it must be in the plan's years with the works (the scenario's
    construction years) ending in them; without, from the scenario's ``start_year`` to 100
    years after it."""
    phasing = scenario.portfolio.phasing
    if phasing is not None:
        build = max(1, scenario.construction_years())
        first, last = phasing.first_year, phasing.first_year + phasing.years - 1
        if not first <= year <= last:
            return (f"start_year {year} is outside the plan's years {first}–{last} "
                    "(portfolio.phasing)")
        if year + build - 1 > last:
            return (f"works of {build} years starting in {year} would end in "
                    f"{year + build - 1}, after the plan's last year {last}")
        if year < scenario.start_year:
            return f"start_year {year} is before the scenario's start_year {scenario.start_year}"
        return None
    if not scenario.start_year <= year <= scenario.start_year + 100:
        return (f"start_year {year} is outside the years a run covers, "
                f"{scenario.start_year} (the scenario's start_year) to "
                f"{scenario.start_year + 100}")
    return None


def programme_entry_problem(scenario, table) -> tuple | None:
    """The first ``portfolio.programme`` entry whose ``start_year`` does not fit the plan or
    the run (:func:`start_year_problem`), as ``(message, entry index, 'start_year')``; entries
    of done compounds only are not checked. None when all fit."""
    done = {key for key, s in zip(table.ids, table.status) if s == "done"}
    for k, entry in enumerate(scenario.portfolio.programme):
        if entry.start_year is not None and not set(entry.compounds) <= done:
            why = start_year_problem(scenario, entry.start_year)
            if why is not None:
                return why, k, "start_year"
    return None


def programme_start_years(scenario):
    """Each compound's start year for a run without a plan, from the compounds table's
    programme columns: −1 for a ``done`` compound (renovated before: not run), its fixed
    ``start_year`` if it has one, else the scenario's ``start_year``; None when the table has
    no programme column (every compound in ``start_year``)."""
    import numpy as np
    table = scenario.portfolio.table
    if not table.has_programme:
        return None
    start = np.asarray(table.start_year)
    out = np.where(np.isnan(start), scenario.start_year, np.nan_to_num(start)).astype(np.int64)
    out[np.asarray(table.status) == "done"] = -1
    return out


def apply_programme(table, entries) -> tuple[tuple | None, object]:
    """``(problem, table)``: the compounds table with the scenario's ``portfolio.programme``
    entries applied over its programme columns, and the first problem as ``(message, entry
    index, field…)`` (None when there is none): an unknown id, a compound in two entries, an
    under_way compound without a start year or marked not required, a done one marked
    required."""
    import dataclasses

    import numpy as np
    from ..io.compounds_table import TIERS
    if not entries:
        return None, table
    position = {key: i for i, key in enumerate(table.ids)}
    status = list(table.status)
    start = np.array(table.start_year, dtype=float)
    required = np.array(table.required, dtype=bool)
    explicit = {}                                   # compound → required as the entry says
    allowed = list(table.tiers_allowed)
    planned = list(table.tier_planned)
    seen: dict[int, int] = {}
    for k, entry in enumerate(entries):
        for j, key in enumerate(entry.compounds):
            c = position.get(key)
            if c is None:
                return (f"no compound has id {key!r} in {table.source}"
                        f"{did_you_mean(key, list(table.ids))}", k, "compounds", j), table
            if c in seen:
                return (f"{key!r} is also in portfolio.programme[{seen[c]}]: a compound in "
                        "one entry at most", k, "compounds", j), table
            seen[c] = k
            if entry.status is not None:
                status[c] = entry.status
            if entry.start_year is not None:
                start[c] = entry.start_year
            if entry.required is not None:
                explicit[c] = entry.required
            if entry.tiers_allowed is not None:
                allowed[c] = tuple(t for t in TIERS if t in entry.tiers_allowed)
                if planned[c] not in allowed[c]:
                    planned[c] = allowed[c][-1]
    for c, k in seen.items():
        given = explicit.get(c)
        wanted = bool(required[c]) if given is None else given
        if status[c] == "under_way" and np.isnan(start[c]):
            return (f"{table.ids[c]!r} is under_way and needs its start_year (the year its "
                    "works started)", k, "start_year"), table
        if status[c] == "under_way" and given is False:
            return (f"{table.ids[c]!r} is under_way: it is always in the plan", k,
                    "required"), table
        if status[c] == "done" and wanted:
            return (f"{table.ids[c]!r} is done (renovated before the plan) and cannot be "
                    "required in it", k, "required" if given else "status"), table
        required[c] = status[c] == "under_way" or wanted
    table = dataclasses.replace(table, status=tuple(status), start_year=start,
                                required=required, tiers_allowed=tuple(allowed),
                                tier_planned=tuple(planned))
    return None, table


def buildings_issues(buildings, table) -> list:
    """The per-building table against the compounds table, one located issue (in the
    per-building file) per mistake: a compound id the compounds table lacks, a compound whose
    buildings hold another number of households than the table gives, or another number of
    buildings than its ``buildings`` column."""
    import numpy as np
    issues = []
    position = {key: c for c, key in enumerate(table.ids)}
    for key, rows in buildings.rows_of().items():
        c = position.get(key)
        if c is None:
            issues.append(buildings.issue(rows[0], "compound_id", f"no compound has id {key!r} "
                                          f"in {table.source}"
                                          f"{did_you_mean(key, list(table.ids))}"))
            continue
        held = sum(buildings.households(r) for r in rows)
        if held != int(table.households[c]):
            issues.append(buildings.issue(rows[0], "units_per_floor", f"the buildings of "
                                          f"compound {key!r} hold {held:,} households but "
                                          f"{table.source} line {table.lines[c]} gives "
                                          f"{int(table.households[c]):,}; the two counts must "
                                          "agree"))
        given = float(table.buildings[c])
        if not np.isnan(given) and int(given) != len(rows):
            issues.append(buildings.issue(rows[0], "building", f"{len(rows)} building(s) of "
                                          f"compound {key!r} are listed but {table.source} "
                                          f"line {table.lines[c]} gives {int(given)}; the two "
                                          "counts must agree"))
    return issues
