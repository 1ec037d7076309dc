"""The residents' yearly burden by household: the reader of the declared table
``resident_burden`` (:data:`fundmodel.catalog.tables.TABLES`, where its columns and
conventions are declared).

It reads a :class:`~fundmodel.results.Result` through its public tables only: the operating
statement's ``property_fee_income``, ``fund_deposits`` and ``fund_top_up`` (means over the
draws), the households' table (``loan_payment_per_month_cny``) and the ledger's
``residents[loan]`` line (the years the residents' loans are drawn).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .result import Result

__all__ = ["resident_burden", "repaying_share", "LOAN_LINE"]

LOAN_LINE = "residents[loan]"
"""The ledger line of what the households borrow, by the year it is drawn."""


def repaying_share(drawn_cny: np.ndarray, term_years: int, n_years: int) -> np.ndarray:
    """Share of a loan still being repaid in each year of the timeline, ``(n_years,)``.

    A loan drawn at the end of year y is repaid in years ``y + 1 .. y + term_years`` (level
    monthly payments, :mod:`fundmodel.engine.instruments.residents`); ``drawn_cny[y]`` is
    what is drawn in timeline year y (only its proportions count):
    ``share_τ = Σ_{y < τ ≤ y + T} drawn_y / Σ_y drawn_y`` (0 everywhere when nothing is
    drawn).
    """
    drawn = np.asarray(drawn_cny, dtype=float)
    total = drawn.sum()
    share = np.zeros(n_years)
    if not total > 0:
        return share
    for y, amount in enumerate(drawn / total):
        share[y + 1:y + 1 + term_years] += amount
    return share


def _unit_areas(result: "Result") -> dict[tuple[str, int], float]:
    """The area of a unit on each floor of each building that gives one, m²."""
    areas = {}
    for b in result.scenario.household_buildings()[0]:
        for floor, area in enumerate(b.areas_m2() or [], start=1):
            areas[(b.name, floor)] = float(area)
    return areas


def resident_burden(result: "Result") -> pd.DataFrame | None:
    """One row per household type (building, floor) and operating year: what a household of
    the type pays, CNY a year, means over the draws (see the declaration's meaning); None
    for a scenario without a households section.

    Formulas (``a`` the type's unit area, ``A_fee`` the chargeable area, ``A`` the floor
    area, ``N`` the compound's households, ``t`` the operating year)::

        fee_t     = property_fee_income_t × a / A_fee    (a fee per m², a given)
                  = property_fee_income_t / N            (a fee per household, or no a)
        deposits_t = fund_deposits_t × a / A   (or / N);  top_up_t likewise
                     (accounts per building: its building's lines × a / A_b, A_b the
                     building's floor area, or / its households)
        loan_t    = 12 × loan_payment_per_month × share of the loan repaid in year t
        total_t   = fee_t + deposits_t + top_up_t + loan_t
    """
    if not result.has_households:
        return None
    sc = result.scenario
    compound = sc.compound
    n = float(compound.households)
    yearly = result.yearly()
    years = yearly.index.to_numpy()

    def line(name: str) -> np.ndarray:
        return (yearly[name].to_numpy(dtype=float) if name in yearly.columns
                else np.zeros(len(years)))

    fee, deposits, top_up = (line("property_fee_income"), line("fund_deposits"),
                             line("fund_top_up"))
    per_household_fee = sc.operations.property_fee.per_household
    areas = _unit_areas(result)

    channels = sc.households.channels
    first_operating = sc.construction_years()   # timeline index of operating year 1
    drawn = None
    if channels is not None and channels.loan_term_years:
        cf = result.cashflows()
        drawn = cf[cf["line"] == LOAN_LINE]
    if drawn is not None and len(drawn):
        n_timeline = first_operating + len(years)
        by_year = np.zeros(n_timeline)
        for year, amount in zip(drawn["year"], drawn["amount"]):
            if 0 <= year < n_timeline:
                by_year[int(year)] += amount
        repaying = repaying_share(by_year, int(channels.loan_term_years),
                                  n_timeline)[first_operating:]
    else:
        repaying = np.zeros(len(years))

    # a repairs fund kept per building: each household pays into its own building's account
    accounts = result.fund_building_means
    buildings = {b.name: (k, b) for k, b in enumerate(sc.household_buildings()[0])}

    households = result.households()
    frames = []
    for (building, floor), row in households.iterrows():
        area = areas.get((str(building), int(floor)))
        fee_part = 1.0 / n if per_household_fee or area is None else \
            area / float(compound.fee_area_m2)
        fund_part = 1.0 / n if area is None else area / float(compound.floor_area_m2)
        fund_deposits, fund_top_up = deposits, top_up
        if accounts:
            k, b = buildings[str(building)]
            fund_deposits, fund_top_up = accounts["fund_deposits"][k], accounts["fund_top_up"][k]
            fund_part = (1.0 / sum(b.units()) if area is None else
                         area / sum(u * a for u, a in zip(b.units(), b.areas_m2())))
        columns = {
            "fee_per_household": fee * fee_part,
            "fund_deposits_per_household": fund_deposits * fund_part,
            "fund_top_up_per_household": fund_top_up * fund_part,
            "loan_payment_per_household": 12.0 * float(row["loan_payment_per_month_cny"])
            * repaying,
        }
        frames.append(pd.DataFrame({
            "building": building, "floor": int(floor), "operating_year": years,
            "calendar_year": yearly["calendar_year"].to_numpy(),
            "households": int(row["households"]), **columns,
            "total_per_household": sum(columns.values())}))
    return pd.concat(frames, ignore_index=True).set_index(
        ["building", "floor", "operating_year"])
