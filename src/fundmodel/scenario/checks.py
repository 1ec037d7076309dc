"""Warnings: values a scenario may hold but that analysts seldom mean.

Unlike the errors of validation these do not stop a run; :func:`fundmodel.evaluate` and
:func:`fundmodel.simulate` put them into ``result.info["warnings"]`` and log them. Each is
``"dotted.path: message"``. A distribution is judged by its mean.
"""

from __future__ import annotations

from typing import Any

from .distributions import DistributionBase
from .scenario import Scenario

__all__ = ["scenario_warnings", "MAX_USUAL_FEE_RATE", "MIN_USUAL_COLLECTION_RATE",
           "MAX_USUAL_MANAGEMENT_MARGIN"]

MAX_USUAL_FEE_RATE = 10.0
"""CNY/m²/month. Guided fees are about 0.3–0.6 for old multi-storey housing and 1.0–1.9 with
lifts; a rate above 10 is usually a yearly fee or a fee per household written per m²."""
MIN_USUAL_COLLECTION_RATE = 0.3
"""Residential fee collection averages about 0.76 nationally; below 0.3 is usually a
percentage misread or the share of residents who refuse instead of those who pay."""
MAX_USUAL_MANAGEMENT_MARGIN = 0.5
"""Overhead and profit of property companies are about 0.05–0.15 of costs; above 0.5 is
usually a share of income or a percentage."""


def _value(x: Any) -> tuple[float, str]:
    """A number's value for judging it, and how to say what it is."""
    if isinstance(x, DistributionBase):
        return x.mean(), f"{x.mean():.4g} (the mean of its {x.dist} distribution)"
    return float(x), f"{float(x):g}"


def scenario_warnings(scenario: Scenario) -> list[str]:
    """Warnings about allowed but suspicious values, each ``"dotted.path: message"``.

    - ``compound.chargeable_area_m2`` above ``floor_area_m2``: the fee is charged on more area
      than there is;
    - a negative real ``discount_rate``: later years weigh more than today;
    - ``operations.property_fee.rate_per_m2_month`` above 10 CNY/m²/month;
    - ``operations.property_fee.collection_rate`` below 0.3;
    - ``operations.management_margin`` above 0.5.

    Pure: reads the scenario, returns a new list, logs nothing.
    """
    out: list[str] = []
    compound = scenario.compound
    if compound.chargeable_area_m2 is not None and \
            compound.chargeable_area_m2 > compound.floor_area_m2:
        out.append(f"compound.chargeable_area_m2: the fee is charged on "
                   f"{compound.chargeable_area_m2:,.0f} m², more than the floor area of "
                   f"{compound.floor_area_m2:,.0f} m²")
    rate, said = _value(scenario.discount_rate)
    if rate < 0:
        out.append(f"discount_rate: the real discount rate {said} is negative: later years "
                   "weigh more than today's, which inflates the NPV of long horizons")
    fee = scenario.operations.property_fee
    value, said = _value(fee.rate_per_m2_month or 0.0)   # (none for a fee per household)
    if value > MAX_USUAL_FEE_RATE:
        out.append(f"operations.property_fee.rate_per_m2_month: {said} is far above guided "
                   "fees of 0.3–1.9 CNY/m²/month; is it a yearly fee (divide by 12)?")
    value, said = _value(fee.collection_rate)
    if value < MIN_USUAL_COLLECTION_RATE:
        out.append(f"operations.property_fee.collection_rate: {said} is far below the national "
                   "average of about 0.76; it is the share of the billed fee collected")
    value, said = _value(scenario.operations.management_margin)
    if value > MAX_USUAL_MANAGEMENT_MARGIN:
        out.append(f"operations.management_margin: {said} of the cost lines is far above the "
                   "usual 0.05–0.15 of overhead and profit")
    return out
