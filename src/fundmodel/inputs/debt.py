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
from ..scenario.funding.debt import profile_shares
from .shapes import ByCompound, draw_compound, rules_at, stack
from .grants import eligible_items

__all__ = ["compile_rules"]


def _shares(pledges) -> tuple[float, ...]:
    """The share of each pledged line (1.0: the whole line, pledged by its name)."""
    return tuple(1.0 if share is None else share for _, share in pledges)


def _tranches(scenario: Scenario, rules, timeline: Timeline) -> dict:
    """The tranches of the rules, flattened (see :class:`DebtInputs`), and per rule the
    amount asked (Σ amounts), the rate (their mean weighted by amount: the LLCR's discount
    rate), the operating years its service spans and its repayment (``tranches``)."""
    first = timeline.first_operating_index
    out = {"tranches": [], "tranche_issue": [], "tranche_term": [], "tranche_grace": [],
           "tranche_repayment": [], "tranche_profile": []}
    amounts, rates, per_rule = [], [], []
    for rule in rules:
        if rule.tranches is None:
            out["tranches"].append(())
            per_rule.append(None)
            continue
        ks, total, weighted, last = [], 0.0, 0.0, 0
        for k, tranche in enumerate(rule.tranches):
            term, grace, repayment, profile = rule.tranche_terms(k)
            issue = tranche.year - scenario.start_year - first      # ≤ −1: before year 1
            amount = draw_compound(tranche.amount)
            rate = draw_compound(tranche.rate if tranche.rate is not None else rule.rate)
            ks.append(len(amounts))
            amounts.append(amount)
            rates.append(rate)
            total = total + amount
            weighted = weighted + amount * rate
            last = max(last, issue + term + 1)     # operating years its service spans
            out["tranche_issue"].append(issue)
            out["tranche_term"].append(term)
            out["tranche_grace"].append(grace)
            out["tranche_repayment"].append(repayment)
            out["tranche_profile"].append(profile_shares(profile))
        out["tranches"].append(tuple(ks))
        mean = np.where(total > 0, weighted / np.where(total > 0, total, 1.0), rates[ks[0]])
        per_rule.append((ByCompound(total), ByCompound(mean), last))
    if amounts:
        out["tranche_amount"] = stack([ByCompound(a) for a in amounts])
        out["tranche_rate"] = stack([ByCompound(a) for a in rates])
    return {k: tuple(v) if isinstance(v, list) else v for k, v in out.items()}, per_rule


def compile_rules(scenario: Scenario, indexes: Sequence[int],
                  timeline: Timeline) -> InstrumentInputs:
    """The ``debt`` instrument of the bank loans and special bonds at ``indexes`` of
    ``scenario.funding``, in the order written."""
    indexes = list(indexes)
    rules, labels = rules_at(scenario, indexes)
    tranches, issued = _tranches(scenario, rules, timeline)
    issuers = tuple(getattr(rule, "issuer", None) for rule in rules)
    guarantees = [getattr(rule, "guarantee", None) for rule in rules]
    terms = DebtInputs(
        labels=labels,
        obligors=tuple(issuer or rule.obligor for rule, issuer in zip(rules, issuers)),
        issuers=issuers,
        guarantors=tuple(None if g is None else g.by for g in guarantees),
        eligible=eligible_items(scenario, indexes),
        amount=stack([rule.amount if t is None else t[0] for rule, t in zip(rules, issued)],
                     default=np.inf),
        dscr_target=stack([rule.dscr_target for rule in rules], default=np.nan),
        gearing=stack([rule.gearing for rule in rules], default=np.inf),
        cap=stack([rule.cap for rule in rules], default=np.inf),
        cap_per_household=stack([rule.cap_per_household for rule in rules], default=np.inf),
        rate=stack([rule.rate if t is None else t[1] for rule, t in zip(rules, issued)]),
        guarantee_share=stack([None if g is None else g.share for g in guarantees]),
        term_years=tuple(rule.term_years if t is None else t[2]
                         for rule, t in zip(rules, issued)),
        grace_years=tuple(rule.grace() for rule in rules),
        repayment=tuple(rule.repayment if t is None else "tranches"
                        for rule, t in zip(rules, issued)),
        profiles=tuple(rule.profile_shares() for rule in rules),
        construction_interest=tuple(rule.construction_interest for rule in rules),
        issuance_fee=tuple(float(rule.issuance_fee or 0.0) for rule in rules),
        annual_fee=tuple(float(rule.annual_fee or 0.0) for rule in rules),
        redemption_fee=tuple(float(rule.redemption_fee or 0.0) for rule in rules),
        capital_share=tuple(float(getattr(rule, "capital_share", None) or 0.0)
                            for rule in rules),
        coverage_bases=tuple(rule.coverage_bases for rule in rules),
        **tranches,
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
