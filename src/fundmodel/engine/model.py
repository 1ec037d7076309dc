"""The whole model for one compound: realised scenario → per-draw metrics and yearly lines."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import finance
from ..scenario import Scenario
from ..scenario.funding import PAYERS
from .arrays import col, num, per_draw, row_sum
from .capital import item_costs, item_inputs
from .funding import apply_funding
from .operations import FEE_BASE, operating_statement

__all__ = ["ModelOutput", "run_model"]


@dataclass(frozen=True)
class ModelOutput:
    """Everything the model computes for ``n`` draws.

    Attributes
    ----------
    metrics : dict of str to ndarray (n,)
        Per-draw metrics (see :data:`fundmodel.catalog.METRICS`).
    yearly : dict of str to ndarray (n, horizon_years)
        Yearly lines of the operating statement.
    item_costs : ndarray (n, n_items)
        Cost of each renovation item, CNY.
    funding_offered, funding_applied : ndarray (n, n_rules)
        What each funding rule offers and pays, CNY.
    item_inputs : dict of str to ndarray (n, n_items)
        Each item's ``quantity`` (its unit), ``unit_cost`` (CNY/unit) and ``contingency``
        (share), see :func:`fundmodel.engine.capital.item_inputs`.
    """

    metrics: dict[str, np.ndarray]
    yearly: dict[str, np.ndarray]
    item_costs: np.ndarray
    funding_offered: np.ndarray
    funding_applied: np.ndarray
    item_inputs: dict[str, np.ndarray] = field(default_factory=dict)


def _first_true(mask: np.ndarray) -> np.ndarray:
    """1-based index of the first True along the last axis; NaN where none."""
    first = np.argmax(mask, axis=-1).astype(float) + 1.0
    return np.where(mask.any(axis=-1), first, np.nan)


def run_model(scenario: Scenario, n: int) -> ModelOutput:
    """Run the model on a realised scenario (see :func:`fundmodel.draws.realise`) of ``n`` draws.

    Pure: the same inputs give the same arrays, bit for bit, and draws never interact.
    """
    households = scenario.compound.households
    inputs = item_inputs(scenario.renovation, n)
    costs = item_costs(scenario.renovation, n, inputs)
    funding = apply_funding(scenario, costs)
    lines = operating_statement(scenario, n)
    fee_base = lines.pop(FEE_BASE)

    capex = row_sum(costs)
    gap = row_sum(funding.unfunded)
    payer = np.array([rule.payer for rule in scenario.funding], dtype=object)
    by_payer = {p: row_sum(funding.applied[:, payer == p]) for p in PAYERS}

    rate = (1.0 + num(scenario.discount_rate)) * (1.0 + num(scenario.inflation)) - 1.0
    df = finance.discount_factors(rate, scenario.horizon_years, start=1)  # (T,) or (n, T)
    surplus = lines["operating_surplus"]
    lines["discounted_surplus"] = surplus * df
    npv = row_sum(lines["discounted_surplus"])

    # NPV is affine in the fee rate r: NPV(r) = NPV(r0) + (r − r0)·K with K the present value of
    # the fee income net of VAT per unit rate, so the breakeven rate is r0 − NPV(r0)/K.
    net_fee_base = fee_base / (1.0 + col(scenario.operations.vat_rate))
    rate0 = num(scenario.operations.property_fee.rate_per_m2_month)
    k_npv = row_sum(net_fee_base * df)
    k_first = net_fee_base[:, 0]
    breakeven = rate0 - np.divide(npv, k_npv, out=np.full(n, np.nan), where=k_npv > 0)
    breakeven_first = rate0 - np.divide(surplus[:, 0], k_first, out=np.full(n, np.nan),
                                        where=k_first > 0)

    deficit = surplus < 0
    balance_final = lines["cumulative_balance"][:, -1]
    metrics = {
        "capex_total": capex,
        "funding_total": row_sum(funding.applied),
        "funding_gap": gap,
        "funding_gap_share": np.divide(gap, capex, out=np.zeros(n), where=capex > 0),
        "has_funding_gap": (gap > 0).astype(float),
        "government_cost": by_payer["government"],
        "resident_cost": by_payer["residents"],
        "government_cost_per_household": by_payer["government"] / households,
        "resident_cost_per_household": by_payer["residents"] / households,
        "funding_gap_per_household": gap / households,
        "fee_income_first_year": lines["property_fee_income"][:, 0],
        "operating_cost_first_year": lines["operating_cost"][:, 0],
        "operating_surplus_first_year": surplus[:, 0],
        "operating_deficit_years": deficit.sum(axis=1).astype(float),
        "any_operating_deficit": deficit.any(axis=1).astype(float),
        "first_deficit_year": _first_true(deficit),
        "cumulative_balance_final": balance_final,
        "balance_negative_at_horizon": (balance_final < 0).astype(float),
        "npv_operations": npv,
        "breakeven_fee_rate": breakeven,
        "breakeven_fee_rate_first_year": breakeven_first,
        "discount_rate_nominal": rate,
    }
    return ModelOutput({k: per_draw(v, n) for k, v in metrics.items()},
                       lines, costs, funding.offered, funding.applied, inputs)
