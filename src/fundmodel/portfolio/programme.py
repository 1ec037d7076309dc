"""A district's programme instruments: the packages of its pooled funding rules.

A funding rule written ``pooled: true`` (a debt, a bundled project, an investor) is one
instrument for the compounds of the run it ``applies_to`` — its *package*. Its metrics other
than each member's part (:func:`fundmodel.catalog.programme_metric_names`) are the package's,
the same for every member: the district result carries them once per draw, read from the
package's first member (``PortfolioResult.district``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..catalog import programme_metric_names
from ..errors import ModelError

__all__ = ["Package", "packages", "check_start_years", "programme_metrics"]


@dataclass(frozen=True)
class Package:
    """A pooled funding rule over the compounds of a run: its label, its metrics (the
    package's own) and its members ``(C,)`` bool over the run's table."""

    label: str
    metrics: tuple[str, ...]
    members: np.ndarray

    @property
    def first(self) -> int | None:
        """The first member's row in the run's table (None for an empty package)."""
        return int(np.argmax(self.members)) if self.members.any() else None


def packages(scenario, table) -> list[Package]:
    """The packages of the scenario's pooled rules over ``table`` (the compounds run), in
    the order of ``funding``."""
    from ..scenario.applies import TableFacts, applies_mask
    found = []
    for rule, label in zip(scenario.funding, scenario.funding_labels()):
        if not getattr(rule, "pooled", False):
            continue
        members = applies_mask(getattr(rule, "applies_to", None), TableFacts(table),
                               strict=False)
        names = programme_metric_names([(rule.source, label, True, rule.terms_given())])
        found.append(Package(label, tuple(names), members))
    return found


def check_start_years(scenario, table, offsets: np.ndarray) -> None:
    """Refuse a package whose compounds start in different years: a pooled instrument is one
    debt, project or concession on one timeline (its service, pledged income and cover are
    summed year by year over the members).

    Raises
    ------
    ModelError
        Naming the package, its first two start years and a compound starting in each.
    """
    for package in packages(scenario, table):
        years = np.asarray(offsets)[package.members]
        if years.size and (years != years[0]).any():
            at = np.flatnonzero(package.members)
            other = at[np.flatnonzero(years != years[0])[0]]
            first = scenario.start_year + int(years[0])
            second = scenario.start_year + int(offsets[other])
            raise ModelError(
                f"the pooled funding rule {package.label!r} covers compounds that start in "
                f"different years ({table.ids[at[0]]} in {first}, {table.ids[other]} in "
                f"{second}): a package is one instrument on one timeline. Give its compounds "
                "one start year (the compounds table's start_year, or portfolio.programme), "
                "or split it into packages by applies_to (a phasing plan keeps a package "
                "together)")


def programme_metrics(found: list[Package], kept: dict[str, np.ndarray],
                      start: int, stop: int) -> dict[str, np.ndarray]:
    """The packages' per-draw metrics ``(draws,)`` from ``kept[name]`` ``(draws, compounds
    start .. stop − 1)``: each package's from its first member, if it is among those
    compounds."""
    out = {}
    for package in found:
        first = package.first
        if first is not None and start <= first < stop:
            out.update({name: kept[name][:, first - start].copy() for name in package.metrics})
    return out
