"""The reverse stress test: from the kept draws, the ranges of the inputs that concentrate the
breaches (a cover below its threshold) — Friedman and Fisher's PRIM (patient rule induction),
as EMA Workbench's scenario discovery does, in numpy.

Peeling: start from the box holding every draw; at each step, for every input and each of its
two ends, consider cutting off the ``alpha`` share of the box's draws at that end; keep the cut
that most raises the share of breaches in the box (the *density*); stop when the box holds
fewer than ``min_support`` of the draws or no cut raises the density. Every box of the
trajectory is kept; the one returned is the densest whose *coverage* (the share of all
breaches it holds) is at least ``min_coverage``. An input is a *driver* when leaving out its
restriction lowers the box's density (by at least ``min_gain``): the drivers are ranked by
that loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ModelError

__all__ = ["ReverseStress", "prim_box", "reverse_stress"]


@dataclass(frozen=True)
class ReverseStress:
    """A PRIM box: ``box`` (one row per driver: ``low``, ``high``, ``full_low``, ``full_high``,
    ``density_without`` the box's density without that input's limits, ``loss`` the density
    lost), ``density`` (share of breaches in the box), ``coverage`` (share of all breaches
    in the box), ``support`` (share of draws in the box), ``base_rate`` (share of breaches in
    all the draws), ``trajectory`` (every box peeled: support, density, coverage)."""

    box: pd.DataFrame
    density: float
    coverage: float
    support: float
    base_rate: float
    trajectory: pd.DataFrame

    @property
    def drivers(self) -> list[str]:
        """The inputs whose limits concentrate the breaches, most important first."""
        return list(self.box.index)


def _inside(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.all((x >= low) & (x <= high), axis=1)


def prim_box(x: pd.DataFrame, breach: np.ndarray, *, alpha: float = 0.05,
             min_support: float = 0.05, min_coverage: float = 0.5,
             min_gain: float = 0.01) -> ReverseStress:
    """PRIM on inputs ``x`` (one row per draw, one column per input) and ``breach`` (bool,
    one per draw); see the module's docstring for the parameters.

    Raises
    ------
    ModelError
        No breach (or nothing but breaches), no input, or a shape mismatch.
    """
    values = x.to_numpy(dtype=float)
    y = np.asarray(breach, dtype=bool)
    n, d = values.shape
    if y.shape != (n,):
        raise ModelError(f"breach: one value per draw expected ({n}), got {y.shape}")
    if d == 0:
        raise ModelError("the run has no uncertain input to search")
    if not y.any() or y.all():
        raise ModelError(f"{int(y.sum()):,} of {n:,} draws breach: a reverse stress test "
                         "needs draws of both kinds")
    full_low, full_high = values.min(axis=0), values.max(axis=0)
    low, high = full_low.copy(), full_high.copy()
    inside = np.ones(n, dtype=bool)
    total = y.sum()
    steps = [(low.copy(), high.copy(), 1.0, y.mean(), 1.0)]
    while inside.sum() > min_support * n:
        best = None
        box_values, box_y = values[inside], y[inside]
        for j in range(d):                        # a loop over the inputs, not the draws
            column = box_values[:, j]
            for side, cut in (("low", np.quantile(column, alpha)),
                              ("high", np.quantile(column, 1 - alpha))):
                keep = column > cut if side == "low" else column < cut
                if not keep.any() or keep.all():
                    continue
                density = box_y[keep].mean()
                if best is None or density > best[0]:
                    best = (density, j, side, cut)
        if best is None or best[0] <= box_y.mean():
            break
        _, j, side, cut = best
        if side == "low":
            low[j] = np.min(values[inside & (values[:, j] > cut), j])
        else:
            high[j] = np.max(values[inside & (values[:, j] < cut), j])
        inside = _inside(values, low, high)
        steps.append((low.copy(), high.copy(), inside.mean(), y[inside].mean(),
                      y[inside].sum() / total))
    trajectory = pd.DataFrame([{"support": s, "density": de, "coverage": c}
                               for _, _, s, de, c in steps])
    ok = [k for k, (_, _, _, _, c) in enumerate(steps) if c >= min_coverage]
    k = max(ok, key=lambda i: (steps[i][3], -i)) if ok else 0
    low, high, support, density, coverage = steps[k]
    rows = {}
    for j, name in enumerate(x.columns):
        if low[j] <= full_low[j] and high[j] >= full_high[j]:
            continue
        lo, hi = low.copy(), high.copy()
        lo[j], hi[j] = full_low[j], full_high[j]
        without = y[_inside(values, lo, hi)].mean()
        if density - without >= min_gain:
            rows[name] = {"low": low[j], "high": high[j], "full_low": full_low[j],
                          "full_high": full_high[j], "density_without": without,
                          "loss": density - without}
    box = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["low", "high", "full_low", "full_high",
                                          "density_without", "loss"])
    box = box.sort_values("loss", ascending=False)
    box.index.name = "input"
    return ReverseStress(box, float(density), float(coverage), float(support),
                         float(y.mean()), trajectory)


def reverse_stress(result, metric: str, threshold: float, scenario=None,
                   **options) -> ReverseStress:
    """The inputs that drive ``metric < threshold`` over the draws of a Monte Carlo
    ``result`` kept with its inputs (``simulate(..., keep_draws=True)``): :func:`prim_box`
    on ``result.inputs`` (inputs the same in every draw left out) and the breaches. Draws
    where the metric is undefined (NaN) are left out. A district's run (``PortfolioResult``,
    with its ``scenario``): a pooled instrument's metric per draw (``result.programme``)
    against the inputs every compound shares (those drawn per compound have no single value
    per draw)."""
    if scenario is not None and scenario.portfolio is not None:
        from .programme import programme_inputs
        info = result.info
        x = programme_inputs(scenario, int(info["draws"]), int(info["seed"]), info["sampler"])
        values = result.programme[metric].to_numpy(dtype=float)
    else:
        x = result.inputs
        values = result.metric(metric)
    x = x.loc[:, x.nunique() > 1]
    defined = ~np.isnan(values)
    return prim_box(x[defined], values[defined] < threshold, **options)
