"""Operating phase: the yearly operating statement, years 1..horizon."""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario
from .arrays import col, growth_index

__all__ = ["operating_statement", "FEE_BASE"]

FEE_BASE = "fee_income_per_unit_rate"
"""Statement entry: fee income a fee rate of 1 CNY/m²/month would bring (before VAT)."""


def operating_statement(scenario: Scenario, n: int) -> dict[str, np.ndarray]:
    """Yearly operating statement, each line an array ``(n, horizon_years)``, CNY.

    With ``I_t`` the line's growth index (1 in year 1, ``Π (1 + growth)`` after)::

        property_fee_income  = rate × chargeable_m2 × 12 × collection_rate × I_t
        income[<name>]       = units × price_per_month × 12 × occupancy × I_t   (or per_year × I_t)
        cost[<name>]         = staff × wage_per_month × 12 × (1 + on_cost) × I_t / shared_by
                               (or per_year × I_t / shared_by)
        direct_cost          = Σ cost lines
        management_margin    = management_margin × direct_cost
        operating_cost       = direct_cost + management_margin
        vat                  = property_fee_income × vat_rate / (1 + vat_rate)   (fees include VAT)
        operating_surplus    = property_fee_income + other_income − operating_cost − vat
        cumulative_balance   = opening_balance + Σ_{s ≤ t} operating_surplus_s

    Lines without their own growth grow with ``inflation``; the fee's growth defaults to 0.
    Also returned: ``fee_income_per_unit_rate``, the fee income at a rate of 1 CNY/m²/month.
    A line that is the same in every draw is a read-only broadcast view (no memory per draw).
    """
    ops = scenario.operations
    years = scenario.horizon_years
    fee = ops.property_fee
    lines: dict[str, np.ndarray] = {}

    shape = (n, years)
    fee_base = np.broadcast_to(scenario.compound.fee_area_m2 * 12.0 * col(fee.collection_rate)
                               * growth_index(fee.growth, years), shape)
    lines["property_fee_income"] = col(fee.rate_per_m2_month) * fee_base

    def grown(line) -> np.ndarray:
        return growth_index(line.growth if line.growth is not None else scenario.inflation, years)

    other = np.zeros(shape)
    for line in ops.income:
        if line.per_year is not None:
            base = col(line.per_year)
        else:
            base = line.units * col(line.price_per_month) * 12.0 * col(line.occupancy)
        lines[f"income[{line.name}]"] = value = np.broadcast_to(base * grown(line), shape)
        other += value
    lines["other_income"] = other
    lines["total_income"] = lines["property_fee_income"] + other

    direct = np.zeros(shape)
    for line in ops.costs:
        if line.per_year is not None:
            base = col(line.per_year)
        else:
            base = col(line.staff) * col(line.wage_per_month) * 12.0 * (1.0 + col(line.on_cost))
        lines[f"cost[{line.name}]"] = value = np.broadcast_to(base * grown(line) / line.shared_by,
                                                              shape)
        direct += value
    lines["direct_cost"] = direct
    lines["management_margin"] = col(ops.management_margin) * direct
    lines["operating_cost"] = direct + lines["management_margin"]
    vat_rate = col(ops.vat_rate)
    lines["vat"] = lines["property_fee_income"] * (vat_rate / (1.0 + vat_rate))
    lines["operating_surplus"] = lines["total_income"] - lines["operating_cost"] - lines["vat"]
    lines["cumulative_balance"] = ops.opening_balance + np.cumsum(lines["operating_surplus"], axis=1)
    lines[FEE_BASE] = fee_base
    return lines
