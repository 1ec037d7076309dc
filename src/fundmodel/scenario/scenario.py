"""The scenario: everything an analyst states about one compound."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Iterator, Literal

import numpy as np

from pydantic import Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from .base import ScenarioModel, did_you_mean, fail
from .compound import Compound
from .fiscal import Fiscal
from .distributions import PointEstimate, DistributionBase, largest_value
from .ranges import bounded, uncertain
from ..io.limits import MAX_BUILD_YEARS, MAX_MONEY_CNY, MAX_RULES, RATE_MAX, RATE_MIN
from .funding import FundingRule
from .households import (MAX_DETAILED_HOUSEHOLDS, Building, Households, generated_buildings,
                         is_per_household)
from .levers import MAX_LEVERS, Lever
from .shocks import MAX_SHOCKS, Shock
from .operations import Operations
from ..io.paths import Path, format_path, iter_distributions, resolve_path
from .portfolio import PER_COMPOUND_SECTIONS, Portfolio
from .renovation import Renovation
from .repairs_fund import RepairsFund
from .simulation import Simulation

__all__ = ["Scenario", "RATE_TOLERANCE", "point_estimate_problems", "largest_value"]

RATE_TOLERANCE = 1e-6
"""Largest accepted difference between a given nominal rate and (1 + real)(1 + inflation) − 1."""

Rate = uncertain(ge=RATE_MIN, le=RATE_MAX, percent=True)
"""A yearly rate in [−0.5, 1]: a fraction (0.04 for 4 %); a larger number is a percentage."""


def _names(path: str, wanted: str) -> bool:
    """Whether ``wanted`` (a path or a section, as ``portfolio.per_compound`` writes them)
    names the input at ``path``."""
    return path == wanted or path.startswith(wanted + ".") or path.startswith(wanted + "[")


class Scenario(ScenarioModel):
    """One compound's renovation and upkeep, as the analyst states it.

    Conventions: money in CNY; rates as fractions; year 0 is the construction year (all
    renovation cost falls in it); operations run years 1..``horizon_years``; cash flows at year
    end. ``discount_rate`` is real; operating cash flows are nominal (lines grow with
    ``inflation`` unless they say otherwise), so they are discounted at the nominal rate
    ``(1 + discount_rate)(1 + inflation) − 1``.
    """

    name: str = Field(min_length=1)
    """Short identifier (used for output names)."""
    title: str | None = None
    """One-line description."""
    description: str | None = None
    """Longer description."""
    start_year: int = Field(ge=1900, le=2200)
    """Calendar year of year 0, the construction year."""
    horizon_years: int = Field(ge=1, le=100)
    """Operating years modelled after renovation (years 1..horizon)."""
    discount_rate: Rate
    """Real discount rate per year, a fraction in [−0.5, 1] (0.04 for 4 %: 4 would be a
    percentage); a negative one is reported as a warning."""
    discount_rate_nominal: bounded(float, ge=RATE_MIN, le=RATE_MAX, percent=True) | None = None
    """Nominal discount rate, in [−0.5, 1]; optional, and if given must equal
    (1 + real)(1 + inflation) − 1."""
    money_unit: Literal["CNY", "万元"] = "CNY"
    """The unit of the scenario's sums of money — every funding rule's amount and cap, a
    line's ``per_year`` or ``total``, a balance, a component's cost, a budget: ``CNY``
    (default) or ``万元`` (10,000 CNY, as disclosures write them). Prices and amounts per unit,
    m², household or month stay in CNY. The scenario, once loaded, holds CNY (its
    ``money_unit`` then reads ``CNY``; docs/scenario-format.md, *Money in 万元*)."""
    inflation: Rate = 0.0
    """General price growth per year, a fraction in [−0.5, 1] (0.02 for 2 %); the default
    growth of income and cost lines."""
    compound: Compound = None  # type: ignore[assignment]  # given, or filled from a portfolio
    """The compound (required, unless a ``portfolio`` gives the compounds)."""
    renovation: Renovation
    funding: list[FundingRule] = Field(default=[], max_length=MAX_RULES)
    """Funding rules. The allocation leaves the smallest gap their offers allow; among such
    allocations, rules written earlier pay first."""
    households: Households | None = None
    """The compound's buildings and households: items charged to their beneficiaries by floor,
    how households pay (channels) and the decisions they vote on (optional; without it the
    residents are one payer and every item is built). Checked against the rest of the
    scenario: the buildings hold exactly ``compound.households`` households (and
    ``compound.buildings`` buildings, if given) — one truth, never two counts; every item a
    charge or a decision names exists; an item is charged at most once and put to at most one
    vote; a building vote's items are charged to the voting buildings; a loan is repaid within
    the horizon."""
    operations: Operations
    fiscal: Fiscal | None = None
    """A level of government's general public budget, to read the project's yearly commitment
    as a share of it against a ceiling (``Result.fiscal()``; optional)."""
    repairs_fund: RepairsFund | None = None
    """The long-term repairs fund (维修资金): deposits, top-ups, interest and the components it
    replaces, with its funding goals (optional; see ``docs/repairs-fund.md``)."""
    simulation: Simulation = Simulation()
    portfolio: Portfolio | None = None
    """A district's compounds, from a table, under the rules of this scenario (see
    ``docs/portfolio.md``). ``compound`` is then not written: it is filled with the table's
    envelope (the largest value of every column), against which the checks of magnitude run."""
    shocks: list[Shock] = Field(default=[], max_length=MAX_SHOCKS)
    """Multiplicative or additive changes to groups of lines — revenue −10 %, cost +20 %,
    rate +100 bp — applied, in order, to every run of the scenario (docs/shocks.md)."""
    levers: list[Lever] = Field(default=[], max_length=MAX_LEVERS)
    """Named sets of overrides (measures), for ``fundmodel compare --levers``: the baseline,
    then each lever added on top of the ones before it (see ``docs/levers.md``). Names are
    unique; every path must resolve and every step be a valid scenario (checked on loading);
    not with a portfolio."""

    # ------------------------------------------------------------------ portfolio
    @classmethod
    def validate_raw(cls, obj: Any, **kwargs: Any):
        """As :meth:`ScenarioModel.validate_raw`; a portfolio's compounds table is read first
        (unless the context holds it), so that its mistakes are raised as they are found, each
        located in the table (``file:line:column``, the column's name) rather than folded into
        one message at ``portfolio.compounds``."""
        context = kwargs.get("context")
        if isinstance(obj, dict) and (context is None or context.get("compounds_table") is None):
            from ..io.compounds_table import compounds_table_for
            ctx = {"base_dir": None, "allow_outside_files": False, **(context or {})}
            table = compounds_table_for(obj, None, None, ctx)
            if table is not None:
                kwargs["context"] = context = {**ctx, "compounds_table": table}
        portfolio = obj.get("portfolio") if isinstance(obj, dict) else None
        table = (context or {}).get("compounds_table")
        file = portfolio.get("buildings") if isinstance(portfolio, dict) else None
        if table is not None and isinstance(file, str) and file and \
                context.get("buildings_table") is None:
            from ..errors import ScenarioError
            from ..io.buildings_table import read_buildings_table
            from .portfolio import buildings_issues
            base = context.get("base_dir")
            buildings = read_buildings_table(file, base_dir=None if base is None else base,
                                             allow_outside=bool(context.get(
                                                 "allow_outside_files")))
            issues = buildings_issues(buildings, table)
            if issues:
                raise ScenarioError(issues[:100])
            kwargs["context"] = {**context, "buildings_table": buildings}
        return super().validate_raw(obj, **kwargs)

    @model_validator(mode="before")
    @classmethod
    def _portfolio_compound(cls, data: Any, info: ValidationInfo) -> Any:
        """With a portfolio, ``compound`` is the envelope of its table."""
        if not (isinstance(data, dict) and isinstance(data.get("portfolio"), dict)):
            return data
        if "compound" in data:
            raise fail("a portfolio's compounds come from its table: remove compound "
                       "(or the portfolio section)", "compound", on_key=True)
        from .portfolio import envelope_of, table_for
        table = table_for(data["portfolio"], info.context)
        return data if table is None else {**data, "compound": envelope_of(table)}

    # ------------------------------------------------------------------ consistency
    @model_validator(mode="after")
    def _in_cny(self) -> "Scenario":
        """A scenario written in 万元 as CNY: its sums of money × 10,000 (before the checks
        below, which read CNY)."""
        if self.money_unit == "CNY":
            return self
        from .money import MONEY_UNITS, in_cny
        scaled = in_cny(self, MONEY_UNITS[self.money_unit])
        for name in type(self).model_fields:       # in place: also when built by __init__
            object.__setattr__(self, name, getattr(scaled, name))
        object.__setattr__(self, "money_unit", "CNY")
        return self

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "Scenario":
        if self.compound is None:
            raise fail("missing required key: give compound (one compound) or a portfolio "
                       "section (a table of compounds)", "compound")
        self._check_portfolio(info)
        self._check_applies_to(info)
        self._check_unique_names()
        self._check_funding_references()
        self._check_rates()
        self._check_point_estimates()
        self._check_magnitudes()
        self._check_correlations()
        self._check_schedules()
        self._check_sources()
        self._check_households()
        self._check_sections()
        self._check_levers()
        return self

    def _check_levers(self) -> None:
        if self.levers and self.portfolio is not None:
            raise fail("levers apply to one compound, not to a portfolio", "levers",
                       on_key=True)
        seen: dict[str, int] = {}
        for i, lever in enumerate(self.levers):
            if lever.name in seen:
                raise fail(f"duplicate name '{lever.name}' (also levers[{seen[lever.name]}])",
                           "levers", i, "name")
            seen[lever.name] = i

    def _check_portfolio(self, info: ValidationInfo) -> None:
        """Quantity rules read facts every compound has; a portfolio's per-compound inputs
        name distributions of the sections that may differ by compound; the sections not yet
        computed per compound are refused."""
        from .portfolio import check_rules_on_table
        portfolio = self.portfolio
        for i, item in enumerate(self.renovation.items):
            rule = item.quantity_rule
            if rule is None:
                continue
            for key, fact in (("per", rule.per), ("divide_by", rule.divide_by),
                              ("when", rule.when)):
                if fact is None:
                    continue
                value = self.compound.attribute(fact)
                if value is None:
                    where = ("the compounds table has no column" if portfolio is not None
                             else "the compound has no")
                    raise fail(f"{where} {fact!r}{did_you_mean(fact, self._facts())}",
                               "renovation", "items", i, "quantity_rule", key)
        if portfolio is None:
            for i, item in enumerate(self.renovation.items):
                rule = item.quantity_rule
                if rule is not None and rule.divide_by is not None and \
                        not self.compound.attribute(rule.divide_by) > 0:
                    raise fail(f"{rule.divide_by} must be > 0 to divide by it",
                               "renovation", "items", i, "quantity_rule", "divide_by")
            return
        table = (info.context or {}).get("compounds_table")
        if table is not None:
            from .portfolio import apply_programme, programme_entry_problem
            problem, table = apply_programme(table, portfolio.programme)
            problem = problem or programme_entry_problem(self, table)
            if problem is not None:
                raise fail(problem[0], "portfolio", "programme", *problem[1:])
            object.__setattr__(portfolio, "_table", table)
            if portfolio.buildings is not None:
                object.__setattr__(portfolio, "_buildings",
                                   (info.context or {}).get("buildings_table"))
            problem = check_rules_on_table(self.renovation.items, table)
            if problem is not None:
                raise fail(problem[0], "renovation", "items", *problem[1:])
            areas = portfolio.service_areas
            if areas is not None and areas.target_areas is not None and \
                    areas.target_areas > len(table):
                raise fail(f"target_areas is {areas.target_areas:,}, more than the table's "
                           f"{len(table):,} compounds", "portfolio", "service_areas",
                           "target_areas")
        paths = [format_path(p)
                 for p, _ in iter_distributions(self, lambda v: isinstance(v, DistributionBase))]
        for k, wanted in enumerate(portfolio.per_compound):
            if wanted.split(".")[0].split("[")[0] not in PER_COMPOUND_SECTIONS:
                raise fail(f"only inputs of {', '.join(PER_COMPOUND_SECTIONS)} may differ by "
                           "compound", "portfolio", "per_compound", k)
            if not any(_names(p, wanted) for p in paths):
                raise fail(f"{wanted!r} is not an uncertain input (a distribution) of this "
                           f"scenario{did_you_mean(wanted, paths)}", "portfolio",
                           "per_compound", k)

    def applies_to_fields(self) -> Iterator[tuple[tuple[str | int, ...], Any]]:
        """Every funding rule, item and operating line that carries ``applies_to``: its path
        (``("funding", 3)``) and its value."""
        for at, entries in ((("funding",), self.funding),
                            (("renovation", "items"), self.renovation.items),
                            (("operations", "income"), self.operations.income),
                            (("operations", "costs"), self.operations.costs)):
            for k, entry in enumerate(entries):
                if entry.applies_to is not None:
                    yield (*at, k), entry.applies_to

    def applies_facts(self, table=None):
        """The facts ``applies_to`` is read on: the compounds of ``table`` (a portfolio's, or a
        tile of it), else the one compound's (:mod:`fundmodel.scenario.applies`)."""
        from .applies import CompoundFacts, TableFacts
        return TableFacts(table) if table is not None else CompoundFacts(self.compound)

    def _check_applies_to(self, info: ValidationInfo) -> None:
        """Every ``applies_to`` reads columns (or ids) the compounds have: on a portfolio's
        table, or on the one compound's facts; the first mistake is reported, located."""
        from .applies import AppliesToError, applies_mask
        if self.portfolio is not None:
            table = (info.context or {}).get("compounds_table")
            if table is None:
                return
        else:
            table = None
        facts = self.applies_facts(table)
        for at, value in self.applies_to_fields():
            try:
                applies_mask(value, facts)
            except AppliesToError as exc:
                raise fail(exc.message, *at, "applies_to", *exc.at) from None

    def _facts(self) -> list[str]:
        from .compound import ATTRIBUTES
        return [*ATTRIBUTES, *self.compound.attributes]

    def per_compound_paths(self) -> list[Path]:
        """Paths of the uncertain inputs drawn for every compound (none without a
        portfolio)."""
        if self.portfolio is None or not self.portfolio.per_compound:
            return []
        wanted = self.portfolio.per_compound
        return [p for p, _ in iter_distributions(self, lambda v: isinstance(v, DistributionBase))
                if any(_names(format_path(p), w) for w in wanted)]

    def _check_sections(self) -> None:
        """The operations', the repairs fund's and each shock's own checks against the rest of
        the scenario (their ``problems_in``); the first problem is reported, located."""
        for name in ("operations", "repairs_fund"):
            section = getattr(self, name)
            for message, *at in (section.problems_in(self) if section is not None else ()):
                raise fail(message, name, *at)
        for k, shock in enumerate(self.shocks):
            for message, *at in shock.problems_in(self):
                raise fail(message, "shocks", k, *at)

    # ------------------------------------------------------------------ households
    def household_buildings(self, table=None) -> list[list[Building]]:
        """The buildings of every compound, one list per compound: of the compounds of
        ``table`` (a district's, or a tile of it), generated from its facts; of the one
        compound, as written in ``households.buildings`` or generated from
        ``compound.buildings`` and ``compound.storeys`` (:func:`generated_buildings`)."""
        hh = self.households
        if table is None:
            if hh.buildings is not None:
                return [list(hh.buildings)]
            c = self.compound
            return [generated_buildings(c.buildings, c.storeys, c.households, c.floor_area_m2)]
        listed = self.portfolio.buildings_table if self.portfolio is not None else None
        rows = listed.rows_of() if listed is not None else {}
        made: dict[tuple, list[Building]] = {}
        out = []
        for c, key in enumerate(zip(np.asarray(table.buildings), np.asarray(table.storeys),
                                    np.asarray(table.households),
                                    np.asarray(table.floor_area_m2))):
            mine = rows.get(table.ids[c])
            if mine is not None:          # the per-building table's
                area = float(key[3]) / int(key[2])
                out.append([Building(
                    name=listed.names[r], floors=int(listed.floors[r]),
                    units_per_floor=(list(listed.units_per_floor[r])
                                     if isinstance(listed.units_per_floor[r], tuple)
                                     else listed.units_per_floor[r]),
                    area_per_unit_m2=(area if np.isnan(listed.area_per_unit_m2[r])
                                      else float(listed.area_per_unit_m2[r])))
                    for r in mine])
                continue
            if key not in made:           # compounds of the same facts share their buildings
                made[key] = generated_buildings(int(key[0]), int(key[1]), int(key[2]),
                                                float(key[3]))
            out.append(made[key])
        return out

    def _check_district_households(self, table) -> None:
        """Every compound of a district's table can have its buildings generated: it gives
        ``buildings`` and ``storeys``, at least one household a building, at most
        :data:`MAX_DETAILED_HOUSEHOLDS`, and its buildings suit the charges' sharing rules."""
        at = ("households",)
        households = np.asarray(table.households)
        listed = self.portfolio.buildings_table
        generated = np.ones(len(table), dtype=bool)      # not in the per-building table
        if listed is not None:
            given = set(listed.compound_ids)
            generated = np.array([key not in given for key in table.ids], dtype=bool)

        def where(c: int) -> str:
            return f"compound {table.ids[c]!r} ({table.source} line {table.lines[c]})"

        for column in ("buildings", "storeys"):
            values = np.asarray(getattr(table, column), dtype=float)
            bad = np.flatnonzero(np.isnan(values) & generated)
            if not generated.any():
                break
            if bad.size == len(table) and listed is None:
                raise fail(f"the compounds table has no column {column!r}: a district's "
                           "households section generates each compound's buildings from its "
                           "buildings and storeys (or give them in portfolio.buildings)",
                           *at, on_key=True)
            if bad.size:
                more = f" and {bad.size - 1:,} other(s)" if bad.size > 1 else ""
                raise fail(f"{column} is empty for {where(int(bad[0]))}{more}: a district's "
                           "households section generates each compound's buildings from its "
                           "buildings and storeys", *at, on_key=True)
        few = np.flatnonzero((households < np.asarray(table.buildings)) & generated)
        if few.size:
            c = int(few[0])
            raise fail(f"{where(c)} has {int(households[c]):,} households in "
                       f"{int(table.buildings[c]):,} buildings: every building needs at least "
                       "one household", *at, on_key=True)
        big = np.flatnonzero(households > MAX_DETAILED_HOUSEHOLDS)
        if big.size:
            c = int(big[0])
            raise fail(f"{where(c)} has {int(households[c]):,} households; at most "
                       f"{MAX_DETAILED_HOUSEHOLDS:,} can be described one by one (every draw "
                       "holds a value per household): leave it out of the table or the "
                       "households section out", *at, on_key=True)
        seen: set = set()
        for c, buildings in enumerate(self.household_buildings(table)):
            if id(buildings) in seen:
                continue
            seen.add(id(buildings))
            try:
                self.households.check_buildings(buildings)
            except PydanticCustomError as exc:
                how = (f"whose {len(buildings)} building(s) of {buildings[0].floors} floor(s) "
                       "are generated from the table" if generated[c]
                       else f"whose {len(buildings)} building(s) are in portfolio.buildings")
                raise fail(f"{exc.message()} (for {where(c)}, {how})",
                           *at, *exc.context["at"]) from None

    def _check_households(self) -> None:
        hh = self.households
        if hh is None:
            return
        at = ("households",)
        if self.portfolio is not None:
            if hh.buildings is not None:
                raise fail("a district's buildings are generated from its compounds table "
                           "(buildings, storeys, households, floor_area_m2) and its section "
                           "gives the charges, channels and decisions for every compound: "
                           "remove households.buildings", *at, "buildings", on_key=True)
            table = self.portfolio._table
            if table is not None:
                self._check_district_households(table)
            all_buildings = ["building 1"]          # charges and decisions name none
        else:
            if hh.buildings is None:
                c = self.compound
                if c.buildings is None or c.storeys is None:
                    raise fail("give the buildings, or compound.buildings and compound.storeys "
                               "to generate them", *at, on_key=True)
                if c.households < c.buildings:
                    raise fail(f"{c.households:,} households in {c.buildings:,} buildings: "
                               "every building needs at least one household", *at, on_key=True)
                if c.households > MAX_DETAILED_HOUSEHOLDS:
                    raise fail(f"{c.households:,} households are described one by one; at most "
                               f"{MAX_DETAILED_HOUSEHOLDS:,} can be (every draw holds a value "
                               "per household): leave the households section out for a larger "
                               "compound", *at, on_key=True)
                try:
                    hh.check_buildings(self.household_buildings()[0])
                except PydanticCustomError as exc:
                    raise fail(f"{exc.message()} (the buildings generated from "
                               "compound.buildings and compound.storeys)",
                               *at, *exc.context["at"]) from None
            buildings = self.household_buildings()[0]
            total = sum(sum(b.units()) for b in buildings)
            if total != self.compound.households:
                raise fail(f"the buildings hold {total:,} households but compound.households "
                           f"is {self.compound.households:,}; the two counts must agree",
                           *at, "buildings")
            if self.compound.buildings is not None and \
                    self.compound.buildings != len(buildings):
                raise fail(f"{len(buildings)} building(s) are described but compound.buildings "
                           f"is {self.compound.buildings}; the two counts must agree",
                           *at, "buildings")
            if total > MAX_DETAILED_HOUSEHOLDS:
                raise fail(f"{total:,} households are described one by one; at most "
                           f"{MAX_DETAILED_HOUSEHOLDS:,} can be (every draw holds a value per "
                           "household): leave the households section out for a larger compound",
                           *at, "buildings")
            all_buildings = [b.name for b in buildings]
        names = [item.name for item in self.renovation.items]
        for path, item in hh.item_references():
            if item not in names:
                raise fail(f"no renovation item is named '{item}'{did_you_mean(item, names)}",
                           *at, *path)
        charged: dict[str, int] = {}
        for i, charge in enumerate(hh.charges):
            if charge.item in charged:
                raise fail(f"item '{charge.item}' is already charged by charges"
                           f"[{charged[charge.item]}]; an item is charged once",
                           *at, "charges", i, "item")
            charged[charge.item] = i
        voted: dict[str, int] = {}
        for k, decision in enumerate(hh.decisions):
            voters = set(decision.buildings or all_buildings)
            for j, item in enumerate(decision.items):
                where = (*at, "decisions", k, "items", j)
                if item in voted:
                    raise fail(f"item '{item}' is already put to the vote by decisions"
                               f"[{voted[item]}]; an item depends on one decision at most",
                               *where)
                voted[item] = k
                charge = hh.charges[charged[item]] if item in charged else None
                payers = set(charge.buildings or all_buildings) if charge else set(all_buildings)
                if decision.vote_electorate() == "building" and not payers <= voters:
                    whose = (f"charged to {', '.join(sorted(payers - voters))}" if charge else
                             "not charged, so every household pays for it, including those of "
                             f"{', '.join(sorted(payers - voters))}")
                    raise fail(f"each building votes on its own part of '{item}', but the item "
                               f"is {whose}, which do not vote; charge it to the voting "
                               "buildings or list them in decisions[].buildings", *where)
                if not payers & voters:
                    raise fail(f"none of the households that pay for '{item}' vote on it",
                               *where)
        ch = hh.channels
        if ch is not None and ch.loan_term_years is not None \
                and ch.loan_term_years > self.horizon_years:
            raise fail(f"a loan of {ch.loan_term_years} years would be repaid after the "
                       f"{self.horizon_years} years of the horizon; shorten it or lengthen "
                       "horizon_years", *at, "channels", "loan_term_years")

    # ------------------------------------------------------------------ the timeline
    def item_schedule(self, index: int) -> list[float]:
        """Shares of item ``index``'s cost built in each year from ``start_year``."""
        item = self.renovation.items[index]
        if item.schedule is not None:
            return list(item.schedule)
        offset = 0 if item.build_from is None else item.build_from - self.start_year
        years = item.build_years or 1
        return [0.0] * offset + [1.0 / years] * years

    def construction_years(self) -> int:
        """Years from ``start_year`` to the end of the last item's works (at least 1);
        operations start the year after."""
        return max([1] + [len(self.item_schedule(i)) for i in range(len(self.renovation.items))])

    def _check_schedules(self) -> None:
        for i, item in enumerate(self.renovation.items):
            if item.build_from is not None and item.build_from < self.start_year:
                raise fail(f"the works cannot start before start_year ({self.start_year})",
                           "renovation", "items", i, "build_from")
            if len(self.item_schedule(i)) > MAX_BUILD_YEARS:
                raise fail(f"the works would end more than {MAX_BUILD_YEARS} years after "
                           "start_year", "renovation", "items", i,
                           "build_from" if item.build_from is not None else "schedule")
        years = self.construction_years()
        for r, rule in enumerate(self.funding):
            if rule.instalments is not None and len(rule.instalments) > years:
                raise fail(f"{len(rule.instalments)} instalments, but the works take {years} "
                           f"year(s) from start_year; a source pays within the construction "
                           "years", "funding", r, "instalments")

    def _check_correlations(self) -> None:
        corr = self.simulation.correlations
        if corr is None:
            return
        seen: dict[Path, int] = {}
        for i, text in enumerate(corr.inputs):
            at = ("simulation", "correlations", "inputs", i)
            try:
                path = resolve_path(self, text)
            except ValueError as exc:
                raise fail(f"cannot find '{text}': {exc}", *at) from None
            value = self
            for part in path:
                value = value[part] if isinstance(part, int) else getattr(value, part)
            if not isinstance(value, DistributionBase):
                raise fail(f"'{text}' is a plain number, not a distribution; only uncertain "
                           "inputs can be correlated", *at)
            if value.each_year:
                raise fail(f"'{text}' is drawn each year and cannot be correlated", *at)
            if is_per_household(path):
                raise fail(f"'{text}' is drawn for every household separately and cannot be "
                           "correlated", *at)
            if path in seen:
                raise fail(f"'{text}' is listed twice (also inputs[{seen[path]}])", *at)
            seen[path] = i

    def correlated_paths(self) -> list[Path]:
        """The correlated inputs' paths, with indexes only, in the order of the matrix."""
        corr = self.simulation.correlations
        return [] if corr is None else [resolve_path(self, t) for t in corr.inputs]

    def _check_unique_names(self) -> None:
        for where, lines in (("renovation", ("items", self.renovation.items)),
                             ("operations", ("income", self.operations.income)),
                             ("operations", ("costs", self.operations.costs))):
            field, seq = lines
            seen: dict[str, int] = {}
            for i, line in enumerate(seq):
                if line.name in seen:
                    raise fail(f"duplicate name '{line.name}' (also {where}.{field}"
                               f"[{seen[line.name]}])", where, field, i, "name")
                seen[line.name] = i

    def largest_quantity(self, item) -> float:
        """The largest quantity ``item``'s draws can reach; with a quantity rule, on the
        compound (facts present and divisors > 0: checked first). A portfolio's envelope holds
        each fact's largest value, not its smallest divisor, so there the rule's numerator is
        the bound (divisors are counts ≥ 1 such as storeys)."""
        rule = item.quantity_rule
        if rule is None:
            return largest_value(item.quantity)
        value = largest_value(rule.factor) * self.compound.attribute(rule.per)
        if rule.divide_by is not None and self.portfolio is None:
            value /= self.compound.attribute(rule.divide_by)
        return value

    def eligible_items(self, r: int) -> list:
        """The renovation items funding rule ``r`` may pay for."""
        rule = self.funding[r]
        return [it for it in self.renovation.items
                if (rule.items is None or it.name in rule.items)
                and (rule.tiers is None or it.tier in rule.tiers)]

    def _check_funding_references(self) -> None:
        names = [item.name for item in self.renovation.items]
        earlier: dict[str, set[str]] = {}   # by instrument: only its own rules can be matched
        for i, rule in enumerate(self.funding):
            before = earlier.setdefault(type(rule).instrument, set())
            for j, item in enumerate(rule.items or []):
                if item not in names:
                    raise fail(f"no renovation item is named '{item}'{did_you_mean(item, names)}",
                               "funding", i, "items", j)
            if rule.items is not None and rule.tiers is not None:
                if not any(it.name in rule.items and it.tier in rule.tiers
                           for it in self.renovation.items):
                    raise fail("none of the named items is of the listed tiers",
                               "funding", i, "tiers")
            matches = getattr(rule, "match_ratio", None) is not None
            for j, src in enumerate(rule.match_of if matches else []):
                if src in before:
                    continue
                if "match_of" not in rule.model_fields_set:
                    raise fail(f"match_ratio matches {src} (the default match_of), but no funding "
                               "rule before this one has that source or label; put this rule "
                               "after it or set match_of", "funding", i, "match_ratio")
                later = [k for k, r in enumerate(self.funding)
                         if k > i and src in (r.source, r.label)]
                other = [k for k, r in enumerate(self.funding) if src in (r.source, r.label)
                         and type(r).instrument != type(rule).instrument]
                hint = (f"; funding[{other[0]}] has it, but only grants can be matched"
                        if other else
                        f"; funding[{later[0]}] has it, but rules apply in the order written: "
                        "put this rule after it" if later else did_you_mean(src, sorted(before)))
                raise fail(f"match_of names '{src}', but no earlier funding rule has that source "
                           f"or label{hint}", "funding", i, "match_of", j)
            before.update({rule.source, *([rule.label] if rule.label else [])})
        for i, rule in enumerate(self.funding):
            if getattr(rule, "per_unit", None) is None:
                continue
            units = sorted({it.unit for it in self.eligible_items(i)})
            if len(units) > 1:
                raise fail(f"per_unit pays per unit of quantity, but the items this rule may pay "
                           f"for are counted in different units ({', '.join(map(repr, units))}); "
                           "name items of one unit with items", "funding", i, "per_unit")
        labels = self.funding_labels()
        for i, label in enumerate(labels):
            if labels.index(label) != i:
                raise fail(f"two funding rules are labelled '{label}'; labels must be unique",
                           "funding", i, "label")

    def _check_sources(self) -> None:
        """Each source's own checks against the rest of the scenario (``Source.problems_in``:
        a term or concession beyond the horizon, a pledged or taken-over line that does not
        exist, flows outside the timeline); the first problem is reported, located."""
        for r, rule in enumerate(self.funding):
            for message, *at in rule.problems_in(self, r):
                raise fail(message, "funding", r, *at)

    def _check_rates(self) -> None:
        if self.discount_rate_nominal is None:
            return
        if isinstance(self.discount_rate, DistributionBase) or isinstance(self.inflation, DistributionBase):
            raise fail("discount_rate_nominal can only be checked against plain (not "
                       "uncertain) discount_rate and inflation; leave it out",
                       "discount_rate_nominal")
        implied = (1 + self.discount_rate) * (1 + self.inflation) - 1
        if abs(implied - self.discount_rate_nominal) > RATE_TOLERANCE:
            raise fail(f"inconsistent with discount_rate {self.discount_rate:g} (real) and "
                       f"inflation {self.inflation:g}: (1 + real)(1 + inflation) − 1 = "
                       f"{implied:.6g}, not {self.discount_rate_nominal:g}",
                       "discount_rate_nominal")

    def _check_point_estimates(self) -> None:
        how = self.simulation.point_estimate
        for path, problem in point_estimate_problems(self, how):
            raise fail(f"{problem}; simulation.point_estimate is '{how}'", *path)

    def _check_magnitudes(self) -> None:
        """What the model derives in year 1 from several inputs — an item's cost, the
        renovation total, a rule's offer per household or per m², a year's fee, income and
        cost — must stay within the bound on money too (each input alone is checked by its
        field). Distributions count with the largest value their draws reach."""
        def check(amount: float, what: str, *at: str | int) -> None:
            if not amount <= MAX_MONEY_CNY:  # also catches inf and nan
                raise fail(f"{what}: up to {amount:.3g} CNY, beyond the bound of "
                           f"{MAX_MONEY_CNY:g} CNY on any amount", *at)

        big = largest_value
        items = self.renovation.items
        total = 0.0
        for i, item in enumerate(items):
            contingency = item.contingency if item.contingency is not None \
                else self.renovation.contingency
            cost = self.largest_quantity(item) * big(item.unit_cost) * (1.0 + big(contingency))
            check(cost, "quantity × unit_cost × (1 + contingency)", "renovation", "items", i)
            total += cost
        check(total, "the cost of all items together", "renovation", "items")
        households, area = self.compound.households, self.compound.floor_area_m2
        for r, rule in enumerate(self.funding):
            if getattr(rule, "per_household", None) is not None:
                check(big(rule.per_household) * households, "per_household × households",
                      "funding", r, "per_household")
            if getattr(rule, "per_m2", None) is not None:
                check(big(rule.per_m2) * area, "per_m2 × floor_area_m2", "funding", r, "per_m2")
            if getattr(rule, "per_unit", None) is not None:
                quantity = sum(self.largest_quantity(it) for it in self.eligible_items(r))
                check(big(rule.per_unit) * quantity, "per_unit × the quantity of its items",
                      "funding", r, "per_unit")
        ops = self.operations
        fee = ops.property_fee
        check(big(fee.rate_per_m2_month) * self.compound.fee_area_m2 * 12.0,
              "the fee income of a year (rate × chargeable area × 12)",
              "operations", "property_fee", "rate_per_m2_month")
        income = 0.0
        for i, line in enumerate(ops.income):
            amount = (big(line.per_year) if line.per_year is not None
                      else big(line.units) * big(line.price_per_month) * 12.0)
            check(amount, f"the income line '{line.name}' in a year", "operations", "income", i)
            income += amount
        check(income, "the income lines of a year together", "operations", "income")
        cost = 0.0
        for i, line in enumerate(ops.costs):
            if line.per_job:       # this compound's jobs (a shared line's: problems_in)
                amount = (big(line.jobs_per_household_year) * self.compound.households
                          * big(line.price_per_job))
            else:
                amount = (big(line.per_year) if line.per_year is not None else
                          big(line.staff) * big(line.wage_per_month) * 12.0
                          * (1.0 + big(line.on_cost)))
            amount /= line.shared_by
            check(amount, f"the cost line '{line.name}' in a year", "operations", "costs", i)
            cost += amount
        check(cost * (1.0 + big(ops.management_margin)),
              "the cost lines of a year with the management margin", "operations", "costs")

    # ------------------------------------------------------------------ helpers
    def funding_labels(self) -> list[str]:
        """Display name of each funding rule: its label, or its source numbered if repeated."""
        counts = Counter(r.source for r in self.funding)
        seen: Counter[str] = Counter()
        labels = []
        for rule in self.funding:
            seen[rule.source] += 1
            if rule.label:
                labels.append(rule.label)
            elif counts[rule.source] > 1:
                labels.append(f"{rule.source} #{seen[rule.source]}")
            else:
                labels.append(rule.source)
        return labels


def point_estimate_problems(scenario: Scenario, how: PointEstimate | str) -> list[tuple[Path, str]]:
    """Every distribution whose ``how`` point estimate (mean, median or mode) a deterministic
    run cannot use: ``(path, what is wrong)`` pairs, in the order of the scenario.

    A U-shaped beta has no mode; any point estimate whose computation fails or is not a
    finite number is reported too.
    """
    problems: list[tuple[Path, str]] = []
    for path, dist in iter_distributions(scenario, lambda v: isinstance(v, DistributionBase)):
        if how == "mode" and (problem := dist.mode_problem()):
            problems.append((path, problem))
            continue
        try:
            with np.errstate(all="ignore"):
                value = dist.point(how)  # type: ignore[arg-type]
        except (ArithmeticError, ValueError) as exc:
            problems.append((path, f"its {how} cannot be computed ({exc})"))
            continue
        if not math.isfinite(value):
            problems.append((path, f"its {how} is {value:g}, not a finite number"))
    return problems
