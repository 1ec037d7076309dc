"""Operating phase: the yearly flows of the running of the compound, operating years 1..T."""

from __future__ import annotations

import numpy as np

from .arrays import growth_index, multiply_lines, sum_lines
from .inputs import CompoundInputs, OperationsInputs

__all__ = ["operating_flows", "FEE_BASE"]

FEE_BASE = "fee_income_per_unit_rate"
"""Entry of :func:`operating_flows`: fee income a rate of 1 CNY/m²/month would bring (before
VAT), the derivative of the fee income by the rate (for the breakeven fee)."""


def operating_flows(ops: OperationsInputs, compounds: CompoundInputs, draws: int,
                    years: int) -> dict[str, np.ndarray]:
    """The operating flows, each ``(D|1, C, T)`` CNY over operating years 1..``years``.

    With ``I_t`` the line's growth index (1 in year 1, ``Π (1 + growth)`` after)::

        property_fee       = rate × chargeable_m2 × 12 × collection_rate × I_t
        income[<name>]     = units × price_per_month × 12 × occupancy × I_t   (or per_year × I_t)
        cost[<name>]       = staff × wage_per_month × 12 × (1 + on_cost) × I_t / shared_by
                             (or per_year × I_t / shared_by)
        management_margin  = management_margin × Σ cost lines
        vat                = property_fee × vat_rate / (1 + vat_rate)   (fees include VAT)

    Also returned: :data:`FEE_BASE`, the fee income at a rate of 1 CNY/m²/month. A flow that is
    the same in every draw has a draw axis of size 1 (computed once, no memory per draw); one
    that differs by draw is laid out draw-fastest (:func:`.arrays.lines_empty`).
    """
    shape = (draws, len(compounds.names), years)
    fee_area = compounds.fee_area_m2[None, :, None]
    fee_base = multiply_lines(fee_area * 12.0 * ops.collection_rate[..., None],
                              growth_index(ops.fee_growth, years), shape)
    flows: dict[str, np.ndarray] = {
        "property_fee": multiply_lines(ops.fee_rate_per_m2_month[..., None], fee_base, shape)}
    for line in ops.income:
        if line.per_year is not None:
            base = line.per_year[..., None]
        else:
            base = (line.units[..., None] * line.price_per_month[..., None] * 12.0
                    * line.occupancy[..., None])
        flows[f"income[{line.name}]"] = multiply_lines(base, growth_index(line.growth, years),
                                                       shape)
    costs = []
    for line in ops.costs:
        if line.per_year is not None:
            base = line.per_year[..., None]
        else:
            base = (line.staff[..., None] * line.wage_per_month[..., None] * 12.0
                    * (1.0 + line.on_cost[..., None]))
        value = multiply_lines(base, growth_index(line.growth, years), shape)
        flows[f"cost[{line.name}]"] = value = (np.broadcast_to(value / line.shared_by, value.shape)
                                               if value.shape[0] == 1
                                               else np.divide(value, line.shared_by, out=value))
        costs.append(value)
    direct = sum_lines(costs, shape)
    flows["management_margin"] = ops.management_margin[..., None] * direct
    vat_rate = ops.vat_rate[..., None]
    flows["vat"] = multiply_lines(flows["property_fee"], vat_rate / (1.0 + vat_rate), shape)
    flows[FEE_BASE] = fee_base
    return flows
