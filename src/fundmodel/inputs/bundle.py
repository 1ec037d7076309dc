"""Compile the bundled-project rules of a scenario (:class:`fundmodel.scenario.funding.Bundle`)
to the ``bundle`` instrument (:mod:`fundmodel.engine.instruments.bundle`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..engine.model_inputs import Timeline
from ..engine.instruments import InstrumentInputs
from ..engine.instruments.bundle import BundleInputs, BundleLineInputs, write_bundles
from ..scenario import Scenario
from .shapes import draw_compound, rules_at, stack
from .grants import eligible_items

__all__ = ["compile_rules"]


def _lines(lines, scenario: Scenario, horizon: int) -> tuple[BundleLineInputs, ...]:
    return tuple(BundleLineInputs(
        amount=draw_compound(line.per_year if line.per_year is not None else line.amount),
        growth=draw_compound(line.growth if line.growth is not None else scenario.inflation),
        first=line.first_year(), last=line.last_year(horizon)) for line in lines or ())


def compile_rules(scenario: Scenario, indexes: Sequence[int],
                  timeline: Timeline) -> InstrumentInputs:
    """The ``bundle`` instrument of the bundle rules at ``indexes`` of ``scenario.funding``."""
    indexes = list(indexes)
    rules, labels = rules_at(scenario, indexes)
    horizon = timeline.horizon_years
    terms = BundleInputs(
        labels=labels, eligible=eligible_items(scenario, indexes),
        cap=stack([rule.cap for rule in rules], default=np.inf),
        cap_per_household=stack([rule.cap_per_household for rule in rules], default=np.inf),
        scale=stack([rule.scale for rule in rules]),
        capital=tuple(stack(list(rule.capital)) for rule in rules),
        revenues=tuple(_lines(rule.revenues, scenario, horizon) for rule in rules),
        costs=tuple(_lines(rule.operating_costs, scenario, horizon) for rule in rules),
        fixed_cost=stack([rule.fixed_cost_per_year for rule in rules]),
        fixed_growth=draw_compound(scenario.inflation),
        tax_rate=stack([rule.tax_rate for rule in rules]),
        required_return=stack([rule.required_return for rule in rules], default=np.nan),
        target_coverage=tuple(float(rule.target_coverage) for rule in rules),
        pooled=tuple(rule.pooled for rule in rules), members=np.ones((1, 1, len(rules))))
    return InstrumentInputs("bundle", "fund", write_bundles, terms, indexes=tuple(indexes),
                            labels=labels, groups=tuple(rule.payer for rule in rules))
