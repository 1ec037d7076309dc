"""Shocks: multiplicative or additive changes to groups of lines (docs/shocks.md) — the stress
tests of a bond's financial evaluation (revenue −10 %, cost +20 %, rate +100 bp) written once
and read by every command: a run, levers, compare, solve and Monte Carlo alike (a factor may
be uncertain)."""

from __future__ import annotations

import re
from typing import Any, Iterator

from pydantic import Field, model_validator

from .base import ScenarioModel, did_you_mean, fail
from .ranges import uncertain

__all__ = ["Shock", "SHOCK_GROUPS", "MAX_SHOCKS", "shock_target"]

MAX_SHOCKS = 100
"""Most shocks a scenario may carry."""

SHOCK_GROUPS = {
    "income": "every income: the property fee and every income line",
    "property_fee": "the property fee",
    "income[<name>]": "one income line",
    "costs": "every operating cost line",
    "cost[<name>]": "one operating cost line",
    "capex": "every renovation item's unit cost",
    "item[<name>]": "one renovation item's unit cost",
    "rates": "every debt's interest rate",
    "delay": "the operation starts later: the fee, every income and cost line",
}
"""What a shock may act on (``target``), and what that is."""

_NAMED = re.compile(r"^(income|cost|item)\[(.+)\]$", re.DOTALL)

Factor = uncertain(ge=0, le=100)
"""A multiplier in [0, 100] (0.9 for −10 %), or a distribution of it."""
Added = uncertain(ge=-1, le=1)
"""A shift of a rate in [−1, 1], a fraction (0.01 for +100 bp), or a distribution of it."""


def shock_target(target: str) -> tuple[str, str | None]:
    """``(group, name)`` of a shock's ``target``: ``("income", None)``, ``("income", "parking")``
    for ``income[parking]``, ``("costs", ...)``... (a named line's group is its kind's)."""
    m = _NAMED.match(target)
    if m is None:
        return target, None
    return {"income": "income", "cost": "costs", "item": "capex"}[m.group(1)], m.group(2)


class Shock(ScenarioModel):
    """One shock: ``target`` a group of lines, a ``factor`` (× the lines' amounts) or, for
    ``rates``, an ``add`` (a shift of the rate)::

        shocks:
          - {target: income, factor: 0.9}          # revenue −10 %
          - {target: costs, factor: 1.2}           # operating cost +20 %
          - {target: rates, add: 0.01}             # +100 bp on every debt

    Shocks compose in order (factors multiply, shifts add). A factor multiplies what the lines
    are made of — an income line's ``per_year`` or ``price_per_month``, the fee's rate, a cost
    line's ``per_year``, ``wage_per_month`` or ``price_per_job``, an item's ``unit_cost`` — so
    every amount of the line is multiplied, and a factor of 1 changes no bit."""

    target: str = Field(min_length=1)
    """What the shock acts on: ``income``, ``property_fee``, ``income[<name>]``, ``costs``,
    ``cost[<name>]``, ``capex``, ``item[<name>]`` or ``rates``."""
    factor: Factor | None = None
    """Multiplier of the lines' amounts (0.9 for −10 %), in [0, 100]; may be uncertain."""
    add: Added | None = None
    years: int | None = Field(default=None, ge=1, le=10)
    """With ``target: delay``: operating years by which the operation starts late (1 to 10):
    the fee is not collected and every income and cost line is moved that many years later,
    while the works, the funding and the debts keep their years."""
    """With ``target: rates``: added to every debt's interest rate (0.01 for +100 bp), in
    [−1, 1]; may be uncertain."""
    label: str | None = None
    """What the shock is (a stress test's name), for tables."""

    @model_validator(mode="after")
    def _one_form(self) -> "Shock":
        group, _ = shock_target(self.target)
        allowed = [g for g in SHOCK_GROUPS if "<" not in g]
        if group not in allowed:
            raise fail(f"'{self.target}' is not something a shock acts on"
                       f"{did_you_mean(self.target, list(SHOCK_GROUPS))}; give one of "
                       f"{', '.join(SHOCK_GROUPS)}", "target")
        if group == "delay":
            if self.years is None or self.factor is not None or self.add is not None:
                raise fail("a delay is a number of years: give years (and no factor or add)",
                           *(("factor",) if self.factor is not None else
                             ("add",) if self.add is not None else ()))
            return self
        if self.years is not None:
            raise fail("years is for target: delay", "years")
        if (self.factor is None) == (self.add is None):
            raise fail("give either factor (a multiplier) or add (a shift of a rate)",
                       *(("factor",) if self.factor is not None else ()))
        if self.add is not None and group != "rates":
            raise fail(f"add shifts a rate: on '{self.target}' give a factor instead", "add")
        return self

    def problems_in(self, scenario: Any) -> Iterator[tuple]:
        """A named line or item that the scenario does not have; ``rates`` without a debt."""
        group, name = shock_target(self.target)
        if name is not None:
            names = {"income": [line.name for line in scenario.operations.income],
                     "costs": [line.name for line in scenario.operations.costs],
                     "capex": [item.name for item in scenario.renovation.items]}[group]
            if name not in names:
                kind = {"income": "income line", "costs": "cost line",
                        "capex": "renovation item"}[group]
                yield (f"no {kind} is named '{name}'{did_you_mean(name, names)}", "target")
        ops = scenario.operations
        if group == "delay" and (ops.menu or ops.devices or ops.shared_service is not None):
            yield ("a delay moves the fee, the income and the cost lines; it does not move "
                   "menu packages, devices or a shared service yet", "target")
        if group == "rates" and not any(hasattr(rule, "rate") and hasattr(rule, "term_years")
                                        for rule in scenario.funding):
            yield ("no funding rule is a debt: a shock on rates has nothing to act on",
                   "target")
