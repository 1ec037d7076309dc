"""Compile the contributions in kind of a scenario (:class:`fundmodel.scenario.funding.InKind`)
to the ``in_kind`` instrument (:mod:`fundmodel.engine.instruments.in_kind`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..engine.model_inputs import Timeline
from ..engine.instruments import InstrumentInputs
from ..engine.instruments.in_kind import InKindInputs, write_in_kind
from ..scenario import Scenario
from .shapes import draw_compound, rules_at, stack

__all__ = ["compile_rules"]


def compile_rules(scenario: Scenario, indexes: Sequence[int],
                  timeline: Timeline) -> InstrumentInputs:
    """The ``in_kind`` instrument of the rules at ``indexes``: value = ``value`` or
    ``quantity × unit_price``, CNY (in operating year 1, for a service); a service's own
    ``growth`` ``(D|1, C|1)`` or ``(D|1, C|1, T)``, None to grow as the line it replaces."""
    indexes = list(indexes)
    rules, labels = rules_at(scenario, indexes)
    names = [item.name for item in scenario.renovation.items]
    value = stack([rule.value if rule.value is not None else 0.0 for rule in rules])
    priced = stack([rule.quantity if rule.value is None else 0.0 for rule in rules])
    price = stack([rule.unit_price if rule.value is None else 0.0 for rule in rules])
    terms = InKindInputs(
        labels=labels, parties=tuple(rule.given_by for rule in rules),
        item=tuple(-1 if rule.item is None else names.index(rule.item) for rule in rules),
        replaces=tuple(None if rule.replaces is None else f"cost[{rule.replaces}]"
                       for rule in rules),
        value=value + priced * price,
        growth=tuple(None if rule.growth is None else draw_compound(rule.growth)
                     for rule in rules),
        cap=stack([rule.cap for rule in rules], default=np.inf))
    return InstrumentInputs("in_kind", "fund", write_in_kind, terms, indexes=tuple(indexes),
                            labels=labels, groups=tuple(rule.payer for rule in rules))
