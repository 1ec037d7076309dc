"""The scenario: everything an analyst states about one compound."""

from __future__ import annotations

from collections import Counter

from pydantic import Field, model_validator

from .base import MAX_RULES, ScenarioModel, did_you_mean, fail
from .compound import Compound
from .distributions import _Dist, uncertain
from .funding import FundingRule
from .operations import Operations
from .paths import Path, iter_distributions, resolve_path
from .renovation import Renovation
from .simulation import Simulation

__all__ = ["Scenario", "RATE_TOLERANCE"]

RATE_TOLERANCE = 1e-6
"""Largest accepted difference between a given nominal rate and (1 + real)(1 + inflation) − 1."""

Rate = uncertain(gt=-1)


class Scenario(ScenarioModel):
    """One compound's renovation and upkeep, as the analyst states it.

    Conventions: money in CNY; rates as fractions; year 0 is the construction year (all
    renovation cost falls in it); operations run years 1..``horizon_years``; cash flows at year
    end. ``discount_rate`` is real; operating cash flows are nominal (lines grow with
    ``inflation`` unless they say otherwise), so they are discounted at the nominal rate
    ``(1 + discount_rate)(1 + inflation) − 1``.
    """

    name: str = Field(min_length=1)
    """Short identifier (used for output names)."""
    title: str | None = None
    """One-line description."""
    description: str | None = None
    """Longer description."""
    start_year: int = Field(ge=1900, le=2200)
    """Calendar year of year 0, the construction year."""
    horizon_years: int = Field(ge=1, le=100)
    """Operating years modelled after renovation (years 1..horizon)."""
    discount_rate: Rate
    """Real discount rate per year."""
    discount_rate_nominal: float | None = Field(default=None, gt=-1)
    """Nominal discount rate; optional, and if given must equal (1 + real)(1 + inflation) − 1."""
    inflation: Rate = 0.0
    """General price growth per year; the default growth of income and cost lines."""
    compound: Compound
    renovation: Renovation
    funding: list[FundingRule] = Field(default=[], max_length=MAX_RULES)
    """Funding rules, applied in this order to what is still unfunded."""
    operations: Operations
    simulation: Simulation = Simulation()

    # ------------------------------------------------------------------ consistency
    @model_validator(mode="after")
    def _consistent(self) -> "Scenario":
        self._check_unique_names()
        self._check_funding_references()
        self._check_rates()
        self._check_point_estimates()
        self._check_correlations()
        return self

    def _check_correlations(self) -> None:
        corr = self.simulation.correlations
        if corr is None:
            return
        seen: dict[Path, int] = {}
        for i, text in enumerate(corr.inputs):
            at = ("simulation", "correlations", "inputs", i)
            try:
                path = resolve_path(self, text)
            except ValueError as exc:
                raise fail(f"cannot find '{text}': {exc}", *at) from None
            value = self
            for part in path:
                value = value[part] if isinstance(part, int) else getattr(value, part)
            if not isinstance(value, _Dist):
                raise fail(f"'{text}' is a plain number, not a distribution; only uncertain "
                           "inputs can be correlated", *at)
            if value.each_year:
                raise fail(f"'{text}' is drawn each year and cannot be correlated", *at)
            if path in seen:
                raise fail(f"'{text}' is listed twice (also inputs[{seen[path]}])", *at)
            seen[path] = i

    def correlated_paths(self) -> list[Path]:
        """The correlated inputs' paths, with indexes only, in the order of the matrix."""
        corr = self.simulation.correlations
        return [] if corr is None else [resolve_path(self, t) for t in corr.inputs]

    def _check_unique_names(self) -> None:
        for where, lines in (("renovation", ("items", self.renovation.items)),
                             ("operations", ("income", self.operations.income)),
                             ("operations", ("costs", self.operations.costs))):
            field, seq = lines
            seen: dict[str, int] = {}
            for i, line in enumerate(seq):
                if line.name in seen:
                    raise fail(f"duplicate name '{line.name}' (also {where}.{field}"
                               f"[{seen[line.name]}])", where, field, i, "name")
                seen[line.name] = i

    def _check_funding_references(self) -> None:
        names = [item.name for item in self.renovation.items]
        earlier: set[str] = set()
        for i, rule in enumerate(self.funding):
            for j, item in enumerate(rule.items or []):
                if item not in names:
                    raise fail(f"no renovation item is named '{item}'{did_you_mean(item, names)}",
                               "funding", i, "items", j)
            if rule.items is not None and rule.tiers is not None:
                if not any(it.name in rule.items and it.tier in rule.tiers
                           for it in self.renovation.items):
                    raise fail("none of the named items is of the listed tiers",
                               "funding", i, "tiers")
            matches = getattr(rule, "match_ratio", None) is not None
            for j, src in enumerate(rule.match_of if matches else []):
                if src in earlier:
                    continue
                if "match_of" not in rule.model_fields_set:
                    raise fail(f"match_ratio matches {src} (the default match_of), but no funding "
                               "rule before this one has that source or label; put this rule "
                               "after it or set match_of", "funding", i, "match_ratio")
                later = [k for k, r in enumerate(self.funding)
                         if k > i and src in (r.source, r.label)]
                hint = (f"; funding[{later[0]}] has it, but rules apply in the order written: "
                        "put this rule after it" if later else did_you_mean(src, sorted(earlier)))
                raise fail(f"match_of names '{src}', but no earlier funding rule has that source "
                           f"or label{hint}", "funding", i, "match_of", j)
            earlier.update({rule.source, *([rule.label] if rule.label else [])})
        labels = self.funding_labels()
        for i, label in enumerate(labels):
            if labels.index(label) != i:
                raise fail(f"two funding rules are labelled '{label}'; labels must be unique",
                           "funding", i, "label")

    def _check_rates(self) -> None:
        if self.discount_rate_nominal is None:
            return
        if isinstance(self.discount_rate, _Dist) or isinstance(self.inflation, _Dist):
            raise fail("discount_rate_nominal can only be checked against plain (not "
                       "uncertain) discount_rate and inflation; leave it out",
                       "discount_rate_nominal")
        implied = (1 + self.discount_rate) * (1 + self.inflation) - 1
        if abs(implied - self.discount_rate_nominal) > RATE_TOLERANCE:
            raise fail(f"inconsistent with discount_rate {self.discount_rate:g} (real) and "
                       f"inflation {self.inflation:g}: (1 + real)(1 + inflation) − 1 = "
                       f"{implied:.6g}, not {self.discount_rate_nominal:g}",
                       "discount_rate_nominal")

    def _check_point_estimates(self) -> None:
        if self.simulation.point_estimate != "mode":
            return
        for path, dist in iter_distributions(self, lambda v: isinstance(v, _Dist)):
            if problem := dist.mode_problem():
                raise fail(f"{problem}; simulation.point_estimate is 'mode'", *path)

    # ------------------------------------------------------------------ helpers
    def funding_labels(self) -> list[str]:
        """Display name of each funding rule: its label, or its source numbered if repeated."""
        counts = Counter(r.source for r in self.funding)
        seen: Counter[str] = Counter()
        labels = []
        for rule in self.funding:
            seen[rule.source] += 1
            if rule.label:
                labels.append(rule.label)
            elif counts[rule.source] > 1:
                labels.append(f"{rule.source} #{seen[rule.source]}")
            else:
                labels.append(rule.source)
        return labels
