"""Compile the grant rules of a scenario (:mod:`fundmodel.scenario.funding`) to the engine's
:class:`~fundmodel.engine.model_inputs.RuleInputs` and the ``grants`` instrument
(:mod:`fundmodel.engine.instruments.grants`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..engine.model_inputs import RuleInputs, Timeline
from ..engine.instruments import InstrumentInputs
from ..engine.instruments.grants import write_grants
from ..scenario import Scenario
from .shapes import rules_at, stack

__all__ = ["compile_rules", "eligible_items"]


def eligible_items(scenario: Scenario, indexes: Sequence[int]) -> np.ndarray:
    """``(R, I)``: which items each of the funding rules at ``indexes`` may pay for."""
    items = scenario.renovation.items
    out = np.zeros((len(indexes), len(items)), dtype=bool)
    for row, r in enumerate(indexes):
        allowed = {it.name for it in scenario.eligible_items(r)}   # names are unique
        out[row] = [it.name in allowed for it in items]
    return out


def _instalments(rules, timeline: Timeline) -> np.ndarray:
    out = np.full((len(rules), timeline.n_years), np.nan)
    for r, rule in enumerate(rules):
        if rule.instalments is not None:
            out[r] = 0.0
            out[r, :len(rule.instalments)] = rule.instalments
    return out


def compile_rules(scenario: Scenario, indexes: Sequence[int],
                  timeline: Timeline) -> InstrumentInputs:
    """The ``grants`` instrument of the funding rules at ``indexes`` of ``scenario.funding``
    (every grant rule, in the order written)."""
    indexes = list(indexes)
    rules, labels = rules_at(scenario, indexes)
    matched = []
    for r, rule in enumerate(rules):
        of = getattr(rule, "match_of", ()) if getattr(rule, "match_ratio", None) is not None else ()
        matched.append(tuple(s for s in range(r) if rules[s].source in of or labels[s] in of))
    cap = stack([rule.cap for rule in rules], default=np.inf)
    terms = RuleInputs(
        labels=tuple(labels), sources=tuple(r.source for r in rules),
        groups=tuple(r.payer for r in rules), parties=tuple(r.party for r in rules),
        eligible=eligible_items(scenario, indexes),
        amount=stack([getattr(r, "amount", None) for r in rules]),
        per_household=stack([getattr(r, "per_household", None) for r in rules]),
        per_m2=stack([getattr(r, "per_m2", None) for r in rules]),
        per_unit=stack([getattr(r, "per_unit", None) for r in rules]),
        share=stack([getattr(r, "share", None) for r in rules]),
        uptake=stack([getattr(r, "uptake", None) for r in rules], default=1.0),
        match_ratio=stack([getattr(r, "match_ratio", None) for r in rules]),
        cap=cap, cap_per_household=stack([r.cap_per_household for r in rules], default=np.inf),
        matched=tuple(matched),
        instalments=_instalments(rules, timeline))
    return InstrumentInputs("grants", "fund", write_grants, terms, indexes=tuple(indexes),
                            labels=tuple(labels), groups=terms.groups)
