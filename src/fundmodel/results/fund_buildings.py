"""Each building's repairs fund account: the reader of the declared table ``fund_buildings``
(:data:`fundmodel.catalog.tables.TABLES`, where its columns and conventions are declared).

It reads a :class:`~fundmodel.results.Result` through its public parts only: the buildings'
yearly means (``Result.fund_building_means``), the operating statement's calendar years and
the scenario's buildings (their names, in the order of the account axis).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .result import Result

__all__ = ["fund_buildings", "LINES"]

LINES = ("fund_deposits", "fund_interest", "fund_expenditure", "fund_top_up", "fund_balance")
"""The yearly lines read from each building's account, in the declaration's order (its
columns ``building_<line>``)."""


def fund_buildings(result: "Result") -> pd.DataFrame | None:
    """One row per building and operating year: its account's deposits, interest,
    replacements, top-ups and year-end balance, CNY, means over the draws; None without a
    repairs fund kept per building."""
    means = result.fund_building_means
    if not means:
        return None
    names = [b.name for b in result.scenario.household_buildings()[0]]
    yearly = result.yearly()
    years = yearly.index.to_numpy()
    frames = [pd.DataFrame({"building": name, "operating_year": years,
                            "calendar_year": yearly["calendar_year"].to_numpy(),
                            **{f"building_{line}": means[line][b] for line in LINES}})
              for b, name in enumerate(names)]
    return pd.concat(frames, ignore_index=True).set_index(["building", "operating_year"])
