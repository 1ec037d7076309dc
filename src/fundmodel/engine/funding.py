"""Funding phase: the waterfall of funding rules over the renovation items."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario import Scenario
from .arrays import num, row_sum

__all__ = ["FundingOutcome", "apply_funding", "eligible_items", "ROUNDING"]

ROUNDING = 1e-12
"""Relative shortfall of an offer below the cost it meets that is taken as rounding, not a gap."""


@dataclass(frozen=True)
class FundingOutcome:
    """Result of the funding waterfall for ``n`` draws and ``R`` rules.

    Attributes
    ----------
    offered : ndarray (n, R)
        What each rule would give (after its cap), CNY.
    applied : ndarray (n, R)
        What each rule actually pays: its offer, limited to the unfunded cost of the items it
        may pay for when its turn comes, CNY.
    unfunded : ndarray (n, n_items)
        Cost of each item that no rule covers, CNY. Its row sum is the funding gap.
    """

    offered: np.ndarray
    applied: np.ndarray
    unfunded: np.ndarray


def eligible_items(scenario: Scenario) -> np.ndarray:
    """Boolean array ``(R, n_items)``: which items each funding rule may pay for."""
    items = scenario.renovation.items
    out = np.ones((len(scenario.funding), len(items)), dtype=bool)
    for r, rule in enumerate(scenario.funding):
        for i, item in enumerate(items):
            if rule.items is not None and item.name not in rule.items:
                out[r, i] = False
            if rule.tiers is not None and item.tier not in rule.tiers:
                out[r, i] = False
    return out


def apply_funding(scenario: Scenario, costs: np.ndarray) -> FundingOutcome:
    """Apply the funding rules in order to what is still unfunded.

    For rule r with eligible items E_r::

        offered_r = min(cap_r, uptake_r × (amount_r + per_household_r × households
                        + per_m2_r × floor_area_m2 + share_r × Σ_{i∈E_r} cost_i
                        + match_ratio_r × Σ_{earlier s matched by r} applied_s))
        applied_r = min(offered_r, Σ_{i∈E_r} unfunded_i)

    ``applied_r`` is spent on the eligible items, first on those that fewer later rules may pay
    for (so general money does not crowd out a later source earmarked for named items or
    tiers), and within such a group in proportion to unfunded cost; later rules see what is left. Fields a rule does not have count
    as 0, a missing uptake as 1 and a missing cap as no cap.

    Parameters
    ----------
    scenario : Scenario
        A realised scenario (numbers or arrays of shape (n,)).
    costs : ndarray (n, n_items)
        Item costs from :func:`fundmodel.engine.capital.item_costs`.
    """
    n = costs.shape[0]
    compound = scenario.compound
    eligible = eligible_items(scenario)
    unfunded = costs.copy()
    rules = scenario.funding
    offered = np.zeros((n, len(rules)))
    applied = np.zeros((n, len(rules)))
    labels = scenario.funding_labels()
    for r, rule in enumerate(rules):
        e = eligible[r]
        offer = np.zeros(n)
        offer += num(getattr(rule, "amount", None))
        offer += num(getattr(rule, "per_household", None)) * compound.households
        offer += num(getattr(rule, "per_m2", None)) * compound.floor_area_m2
        if getattr(rule, "share", None) is not None:
            offer += num(rule.share) * row_sum(costs[:, e])
        if getattr(rule, "match_ratio", None) is not None:
            matched = [s for s in range(r)
                       if rules[s].source in rule.match_of or labels[s] in rule.match_of]
            offer += num(rule.match_ratio) * row_sum(applied[:, matched])
        offer *= num(getattr(rule, "uptake", None), default=1.0)
        if rule.cap is not None:
            offer = np.minimum(offer, num(rule.cap))
        pay = _spend(unfunded, offer, e, eligible[r + 1:].sum(axis=0))
        offered[:, r] = offer
        applied[:, r] = pay
    return FundingOutcome(offered, applied, unfunded)


def _spend(unfunded: np.ndarray, offer: np.ndarray, eligible: np.ndarray,
           later_eligible: np.ndarray) -> np.ndarray:
    """Spend ``offer`` on the unfunded cost of the eligible items (updating ``unfunded`` in
    place) and return what was spent.

    Items that fewer later rules may pay for are funded first (money that can go anywhere goes
    first where later earmarked money cannot); within a group, in proportion to unfunded cost.
    """
    n = unfunded.shape[0]
    left = offer.copy()
    for count in np.unique(later_eligible[eligible]):
        group = eligible & (later_eligible == count)
        available = row_sum(unfunded[:, group])
        pay = np.minimum(left, available)
        # an offer short of the cost by rounding only (sums taken in another order) pays it all
        pay = np.where(available - pay <= ROUNDING * available, available, pay)
        # share of each item's unfunded cost that stays unfunded: exactly 0 when all is paid
        kept = np.divide(available - pay, available, out=np.zeros(n), where=available > 0)
        unfunded[:, group] *= kept[:, None]
        left = np.maximum(left - pay, 0.0)
    return offer - left
