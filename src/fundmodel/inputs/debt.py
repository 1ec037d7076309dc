"""Compile the debt rules of a scenario (:class:`fundmodel.scenario.funding.BankLoan`,
:class:`~fundmodel.scenario.funding.SpecialBond`) to the ``debt`` instrument
(:mod:`fundmodel.engine.instruments.debt`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..engine.model_inputs import Timeline
from ..engine.instruments import InstrumentInputs
from ..engine.instruments.debt import DebtInputs, write_debt
from ..scenario import Scenario
from .shapes import rules_at, stack
from .grants import eligible_items

__all__ = ["compile_rules"]


def _shares(pledges) -> tuple[float, ...]:
    """The share of each pledged line (1.0: the whole line, pledged by its name)."""
    return tuple(1.0 if share is None else share for _, share in pledges)


def compile_rules(scenario: Scenario, indexes: Sequence[int],
                  timeline: Timeline) -> InstrumentInputs:
    """The ``debt`` instrument of the bank loans and special bonds at ``indexes`` of
    ``scenario.funding``, in the order written."""
    indexes = list(indexes)
    rules, labels = rules_at(scenario, indexes)
    issuers = tuple(getattr(rule, "issuer", None) for rule in rules)
    guarantees = [getattr(rule, "guarantee", None) for rule in rules]
    terms = DebtInputs(
        labels=labels,
        obligors=tuple(issuer or rule.obligor for rule, issuer in zip(rules, issuers)),
        issuers=issuers,
        guarantors=tuple(None if g is None else g.by for g in guarantees),
        eligible=eligible_items(scenario, indexes),
        amount=stack([rule.amount for rule in rules], default=np.inf),
        dscr_target=stack([rule.dscr_target for rule in rules], default=np.nan),
        gearing=stack([rule.gearing for rule in rules], default=np.inf),
        cap=stack([rule.cap for rule in rules], default=np.inf),
        cap_per_household=stack([rule.cap_per_household for rule in rules], default=np.inf),
        rate=stack([rule.rate for rule in rules]),
        guarantee_share=stack([None if g is None else g.share for g in guarantees]),
        term_years=tuple(rule.term_years for rule in rules),
        grace_years=tuple(rule.grace() for rule in rules),
        repayment=tuple(rule.repayment for rule in rules),
        profiles=tuple(rule.profile_shares() for rule in rules),
        construction_interest=tuple(rule.construction_interest for rule in rules),
        issuance_fee=tuple(float(rule.issuance_fee or 0.0) for rule in rules),
        annual_fee=tuple(float(rule.annual_fee or 0.0) for rule in rules),
        redemption_fee=tuple(float(rule.redemption_fee or 0.0) for rule in rules),
        pledged=tuple(tuple(line for line, _ in rule.pledges()) for rule in rules),
        pledged_costs=tuple(tuple(line for line, _ in rule.pledges("pledged_costs"))
                            for rule in rules),
        coverage_threshold=tuple(float(rule.coverage_threshold) for rule in rules),
        pledged_shares=tuple(_shares(rule.pledges()) for rule in rules),
        pledged_cost_shares=tuple(_shares(rule.pledges("pledged_costs")) for rule in rules),
        pooled=tuple(rule.pooled for rule in rules),
        allocation=tuple(rule.allocation or "gap" for rule in rules),
        members=np.ones((1, 1, len(rules))))
    return InstrumentInputs("debt", "fund", write_debt, terms, indexes=tuple(indexes),
                            labels=labels, groups=tuple(rule.payer for rule in rules))
