"""Compile the social-capital rules of a scenario
(:class:`fundmodel.scenario.funding.SocialCapital`) to the ``investor`` instrument
(:mod:`fundmodel.engine.instruments.investor`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..engine.model_inputs import Timeline
from ..engine.instruments import InstrumentInputs
from ..engine.instruments.investor import InvestorInputs, StreamInputs, write_investors
from ..scenario import Scenario
from .shapes import draw_compound, rules_at, stack
from .grants import eligible_items

__all__ = ["compile_rules"]


def _streams(scenario: Scenario, rule) -> tuple[StreamInputs, ...]:
    return tuple(StreamInputs(
        name=s.name, per_year=draw_compound(s.per_year, None), units=draw_compound(s.units, None),
        price_per_month=draw_compound(s.price_per_month, None), occupancy=draw_compound(s.occupancy),
        operating_cost_per_year=draw_compound(s.operating_cost_per_year),
        growth=draw_compound(s.growth if s.growth is not None else scenario.inflation))
        for s in rule.streams or ())


def compile_rules(scenario: Scenario, indexes: Sequence[int],
                  timeline: Timeline) -> InstrumentInputs:
    """The ``investor`` instrument of the social-capital rules at ``indexes`` of
    ``scenario.funding``."""
    indexes = list(indexes)
    rules, labels = rules_at(scenario, indexes)
    terms = InvestorInputs(
        labels=labels, eligible=eligible_items(scenario, indexes),
        modes=tuple(rule.invests for rule in rules),
        amount=stack([rule.amount for rule in rules]),
        cap=stack([rule.cap for rule in rules], default=np.inf),
        cap_per_household=stack([rule.cap_per_household for rule in rules], default=np.inf),
        hurdle=stack([rule.hurdle_rate for rule in rules]),
        concession_years=tuple(int(rule.concession_years) for rule in rules),
        takes_over=tuple(tuple(rule.takes_over or ()) for rule in rules),
        streams=tuple(_streams(scenario, rule) for rule in rules),
        pooled=tuple(rule.pooled for rule in rules), members=np.ones((1, 1, len(rules))))
    return InstrumentInputs("investor", "fund", write_investors, terms, indexes=tuple(indexes),
                            labels=labels, groups=tuple(rule.payer for rule in rules))
