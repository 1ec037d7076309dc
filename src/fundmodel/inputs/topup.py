"""Compile the top-up rules of a scenario (:class:`fundmodel.scenario.funding.TopUp`) to the
``top_up`` instrument (:mod:`fundmodel.engine.instruments.topup`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..engine.model_inputs import Timeline
from ..engine.instruments import InstrumentInputs
from ..engine.instruments.topup import TopUpInputs, write_top_ups
from ..scenario import Scenario
from .shapes import rules_at, stack
from .grants import eligible_items

__all__ = ["compile_rules"]


def compile_rules(scenario: Scenario, indexes: Sequence[int],
                  timeline: Timeline) -> InstrumentInputs:
    """The ``top_up`` instrument of the top-up rules at ``indexes`` of ``scenario.funding``."""
    indexes = list(indexes)
    rules, labels = rules_at(scenario, indexes)
    terms = TopUpInputs(
        labels=labels, parties=tuple(rule.paid_by for rule in rules),
        eligible=eligible_items(scenario, indexes),
        share=stack([rule.share for rule in rules]),
        cap=stack([rule.cap for rule in rules], default=np.inf),
        cap_per_household=stack([rule.cap_per_household for rule in rules], default=np.inf))
    return InstrumentInputs("top_up", "fund", write_top_ups, terms, indexes=tuple(indexes),
                            labels=labels, groups=tuple(rule.payer for rule in rules))
