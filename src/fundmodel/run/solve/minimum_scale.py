"""One-call answers read from a result: the smallest bundled project that pays for the gap."""

from __future__ import annotations

import re

import numpy as np

from ...catalog import QUANTILE_METHOD
from ...results.result import Result

__all__ = ["minimum_bundle_scale"]

_MINIMUM_SCALE = re.compile(r"^bundle\[(.+)\]\.minimum_scale$", re.DOTALL)


def _bundle_labels(result: Result) -> list[str]:
    return [m.group(1) for name in result._metric_names
            if (m := _MINIMUM_SCALE.match(name)) is not None]


def minimum_bundle_scale(result: Result, label: str | None = None, *, quantile: float = 0.9,
                         coverage: float | None = None) -> float:
    """The scale of a bundled project that balances it in ``quantile`` of the draws.

    Each draw's ``bundle[<label>].minimum_scale`` is the smallest scale at which the bundle's
    coverage (PV of its operating surplus over PV of its capital and the transfer, at its
    required return) reaches its target — 1 by default, i.e. NPV = 0. This returns the
    ``quantile`` of it over the draws (numpy's ``inverted_cdf``), a draw in which no scale
    balances the bundle counting as an infinite scale: at the returned scale the bundle
    balances in at least that share of the draws. For a deterministic result it is the
    point value.

    Parameters
    ----------
    result : Result
        From :func:`fundmodel.evaluate` or :func:`fundmodel.simulate` (with the per-draw
        metrics kept) of a scenario with a ``bundle`` funding rule.
    label : str, optional
        The bundle's label; needed only when the scenario has several.
    quantile : float, default 0.9
        Share of the draws in which the bundle must balance, in (0, 1].
    coverage : float, optional
        A coverage target instead of the rule's ``target_coverage`` (e.g. 1.2: the surplus
        is worth 1.2 times the outlay), in (0, 10]. The run is repeated with that target (the
        same draws: ``evaluate`` at the same point estimate, or ``simulate`` with the same
        seed, sampler and number of draws).

    Returns
    -------
    float
        Units of the rule's ``scale_unit``; ``inf`` if no scale balances the bundle in that
        share of the draws.

    Raises
    ------
    ValueError
        If the result has no bundle (or no bundle of that label, or several and no label),
        kept no per-draw metrics, or ``quantile``/``coverage`` is out of range.
    """
    if not 0.0 < quantile <= 1.0:
        raise ValueError(f"quantile must lie in (0, 1], got {quantile}")
    labels = _bundle_labels(result)
    if not labels:
        raise ValueError("the result has no bundled project (no funding rule with source: "
                         "bundle)")
    if label is None:
        if len(labels) > 1:
            raise ValueError(f"the scenario has {len(labels)} bundles; name one: "
                             f"{', '.join(labels)}")
        label = labels[0]
    elif label not in labels:
        raise ValueError(f"no bundle is labelled {label!r}; the bundles are: "
                         f"{', '.join(labels)}")
    if coverage is not None:
        result = _rerun_with_coverage(result, label, coverage)
    if not result.has_draws:
        raise ValueError("this run did not keep per-draw metrics (keep_draws=False); run "
                         "again with keep_draws=True")
    values = np.asarray(result.metric(f"bundle[{label}].minimum_scale"), dtype=float)
    values = np.where(np.isnan(values), np.inf, values)
    return float(np.quantile(values, quantile, method=QUANTILE_METHOD))


def _rerun_with_coverage(result: Result, label: str, coverage: float) -> Result:
    from ..api import evaluate, simulate
    from ...scenario import Scenario

    coverage = float(coverage)
    scenario = result.scenario
    index = scenario.funding_labels().index(label)
    rule = scenario.funding[index]
    if coverage == rule.target_coverage:
        return result
    data = scenario.model_dump(mode="python", by_alias=True, exclude_unset=True,
                               round_trip=True)
    data["funding"][index]["target_coverage"] = coverage
    try:
        changed = Scenario.model_validate(data)
    except ValueError as exc:
        raise ValueError(f"coverage {coverage}: {exc}") from None
    kind = result.info.get("kind")
    if kind == "deterministic":
        return evaluate(changed, result.info.get("point_estimate"))
    if kind == "monte_carlo":
        return simulate(changed, draws=result.info["draws"], seed=result.info["seed"],
                        sampler=result.info["sampler"], keep_draws=True,
                        bands=result.info.get("bands") != "deferred")
    raise ValueError(f"a coverage target needs a result of evaluate or simulate, not {kind!r}")
