"""``solve``: the lever value that meets a target, per draw or on a statistic over the draws.

The run's draws are sampled once per chunk (the same seed, sampler and draws as
:func:`fundmodel.simulate`), the lever's value is overridden by an array ``(n,)`` and every
round of the root finder is one engine call over the draws still unsolved
(:mod:`.roots`). A statistic target evaluates k candidate lever values in one engine call by
tiling the draws candidate-major (common random numbers: every candidate sees the same draws).
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel

from ...stats.blocks import MIN_REPLICATE_BLOCKS, replicate_mcse
from ...inputs.basecase import base_case
from ...inputs.lever_paths import checked_lever_values, field_at, lever_path
from ...catalog import QUANTILE_METHOD, QUANTILES, quantile_name
from ...inputs.draws import is_distribution, uncertain_inputs
from ...engine.model import ModelOutput, run_model
from ...errors import Issue, ModelError, ScenarioError, TargetNotMetError, quote, shorten
from ...inputs import model_inputs
from ...inputs.sampling import BLOCK_SIZE, input_space, sample_values
from ...scenario import Scenario
from ...scenario.checks import scenario_warnings
from ...scenario.distributions import largest_value
from ...io.limits import MAX_DRAWS, PLAUSIBLE_LEVER_FACTOR
from ...io.paths import Path, resolve_path
from ...scenario.simulation import SAMPLERS
from .closed_forms import CLOSED_FORMS, ClosedForm
from .roots import CONVERGED, NO_CROSSING, STATUS_TEXT, UNDEFINED, scalar_root, vector_roots
from .targets import Target, holds, parse_target

__all__ = ["solve", "Solution", "Reading"]

log = logging.getLogger("fundmodel")

METHODS = ("auto", "closed_form", "search")
CACHE_BYTES = 256 * 2**20
"""Sampled inputs up to this size are kept between rounds; larger runs sample each chunk
again (a pure function: the same numbers)."""
RESIDUAL_RTOL = 1e-9
"""Per-draw acceptance: ``|metric − value| ≤ 1e-9 × max(|value|, scale)``, scale the metric's
distance from the value at the lever's own value (the size of what was solved away)."""


# ----------------------------------------------------------------------------- the lever
def _field_range(model: BaseModel, name: str) -> tuple[float, float]:
    """The number range of a field (its ``ge``/``gt``/``le``/``lt``), ±inf where open."""
    lo, hi = -math.inf, math.inf
    seen: list[Any] = [type(model).model_fields[name]]
    while seen:
        node = seen.pop()
        for meta in getattr(node, "metadata", None) or getattr(node, "__metadata__", ()) or ():
            for attr, better in (("ge", max), ("gt", max), ("le", min), ("lt", min)):
                v = getattr(meta, attr, None)
                if isinstance(v, (int, float)):
                    if attr in ("gt", "lt"):   # open ends: the next float inside
                        v = math.nextafter(v, math.inf if attr == "gt" else -math.inf)
                    if attr in ("ge", "gt"):
                        lo = better(lo, float(v))
                    else:
                        hi = better(hi, float(v))
            seen.append(meta)
        ann = getattr(node, "annotation", None)
        if ann is not None:
            seen.append(ann)
        for arg in getattr(node, "__args__", ()) or ():
            if not (isinstance(arg, type) and issubclass(arg, BaseModel)):
                seen.append(arg)
        origin = getattr(node, "__origin__", None)
        if origin is not None and origin is not node and not isinstance(origin, type):
            seen.append(origin)
    return lo, hi


@dataclass(frozen=True)
class _Lever:
    text: str
    path: Path
    lo: float
    hi: float
    value: Any               # the scenario's value: a number or a distribution


def _lever(scenario: Scenario, text: str) -> _Lever:
    try:
        path = lever_path(scenario, text)
    except ScenarioError as exc:
        raise ScenarioError([Issue(i.path, i.message, "lever") for i in exc.issues]) from None
    model, name, value = field_at(scenario, path)
    lo, hi = _field_range(model, name)
    # only plausible values are searched (a fee's range goes up to the bound on money, 1e15)
    reach = PLAUSIBLE_LEVER_FACTOR * max(largest_value(value), 1.0)
    lo, hi = max(lo, -reach), min(hi, reach)
    return _Lever(text, path, lo, hi, value)


# ----------------------------------------------------------------------------- the draws
class _Runner:
    """The run's draws, chunk by chunk, and engine calls on them with the lever overridden."""

    def __init__(self, scenario: Scenario, lever: _Lever, target: Target, draws: int,
                 seed: int | None, sampler: str, point: bool, point_estimate, chunk_size: int):
        self.scenario, self.lever, self.target = scenario, lever, target
        self.point = point
        self.calls = self.evaluations = 0
        self.checked = False
        self.cache: dict[tuple[int, int], dict[Path, np.ndarray]] = {}
        if point:
            self.how, self.warnings, self.point_values = base_case(scenario, point_estimate)
            self.n, self.seed, self.sampler, self.space = 1, None, None, None
            self.keep = True
        else:
            self.space = input_space(scenario)
            self.warnings = scenario_warnings(scenario) + list(self.space.warnings)
            for w in self.warnings:
                log.warning(w)
            self.n, self.seed, self.sampler, self.how = draws, seed, sampler, None
            self.keep = draws * max(self.space.dims, 1) * 8 * 2 <= CACHE_BYTES
        self.chunk_size = chunk_size

    def chunks(self, size: int | None = None) -> list[tuple[int, int]]:
        size = size or self.chunk_size
        return [(s, min(s + size, self.n)) for s in range(0, self.n, size)]

    def values(self, start: int, stop: int) -> dict[Path, np.ndarray]:
        if self.point:
            return dict(self.point_values)
        key = (start, stop)
        if key in self.cache:
            return self.cache[key]
        v = sample_values(self.space, self.seed, self.sampler, start, stop, self.n)
        if self.keep:
            self.cache[key] = v
        return v

    def own_value(self, values: dict[Path, np.ndarray], m: int) -> np.ndarray:
        """The lever's own value in each of ``m`` draws (sampled, or the scenario's number)."""
        if self.lever.path in values:
            return np.broadcast_to(np.asarray(values[self.lever.path], dtype=float), (m,)).copy()
        return np.full(m, float(self.lever.value))

    def run(self, values: dict[Path, np.ndarray], x: np.ndarray) -> ModelOutput:
        v = dict(values)
        v[self.lever.path] = np.asarray(x, dtype=float)
        self.calls += 1
        self.evaluations += x.size
        out = run_model(model_inputs(self.scenario, v, x.size))
        if not self.checked:
            self.target.check_metric(out.metrics)
            self.checked = True
        return out

    def metric(self, values, x) -> np.ndarray:
        return np.asarray(self.run(values, x).metrics[self.target.metric], dtype=float)


def _take(values: dict[Path, np.ndarray], idx: np.ndarray, m: int) -> dict[Path, np.ndarray]:
    """The draws ``idx`` of chunk values of ``m`` draws (point values of one draw repeat)."""
    return {p: (v[idx] if v.shape[0] == m and m > 1 else np.repeat(v[:1], idx.size, axis=0))
            for p, v in values.items()}


def _tile(values: dict[Path, np.ndarray], k: int) -> dict[Path, np.ndarray]:
    """Every draw k times, candidate-major: ``(k·m, ...)``."""
    return {p: np.tile(v, (k,) + (1,) * (v.ndim - 1)) for p, v in values.items()}


# ----------------------------------------------------------------------------- per draw
_KIND = {"=": ("eq", 1.0), ">=": ("ge", 1.0), ">": ("gt", 1.0), "<=": ("ge", -1.0),
         "<": ("gt", -1.0)}


@dataclass
class _PerDraw:
    x: np.ndarray
    status: np.ndarray
    increasing: np.ndarray      # +1 / −1 / NaN: the metric's direction in the lever
    side: np.ndarray            # draws without a crossing: the metric above the value there
    scale: np.ndarray           # |metric − value| at the lever's own value
    method: str
    beyond: np.ndarray | None = None   # closed form: the answers outside the lever's range


def _closed_form_for(scenario: Scenario, lever: _Lever, target: Target, metric: str,
                     value: float) -> ClosedForm | None:
    for entry in CLOSED_FORMS:
        if entry.metric != metric or (value != entry.value and not entry.affine):
            continue
        if entry.applies is not None and not entry.applies(scenario):
            continue
        try:
            if resolve_path(scenario, entry.lever) == lever.path:
                return entry
        except ValueError:
            continue
    return None


def _per_draw_closed(runner: _Runner, entry: ClosedForm, metric: str, op: str, value: float,
                     start: int, stop: int, tol: float) -> _PerDraw:
    m = stop - start
    vals = runner.values(start, stop)
    x0 = np.clip(runner.own_value(vals, m), runner.lever.lo, runner.lever.hi)
    out = runner.run(vals, x0)
    ans = np.asarray(out.metrics[entry.answer], dtype=float)
    f0 = np.asarray(out.metrics[metric], dtype=float)
    slope = np.full(m, np.nan)
    if value != entry.value or entry.increasing is None:
        # read the slope where the metric is far from the value (at the lever's own value the
        # metric may be a small difference of large flows): one more call
        x1 = np.where(np.isfinite(ans), ans + np.fmax(np.abs(ans), 1.0), x0)
        x1 = np.clip(x1, runner.lever.lo, runner.lever.hi)
        x1 = np.where(x1 == ans, np.clip(ans - np.fmax(np.abs(ans), 1.0), runner.lever.lo,
                                         runner.lever.hi), x1)
        f1 = runner.metric(vals, x1)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (f1 - entry.value) / (x1 - ans)
    if value != entry.value:
        with np.errstate(divide="ignore", invalid="ignore"):
            x = ans + (value - entry.value) / slope
    else:
        x = ans.copy()
    inc = (np.full(m, 1.0 if entry.increasing else -1.0) if entry.increasing is not None
           else np.sign(slope))
    status = np.where(np.isfinite(x), CONVERGED, UNDEFINED)
    outside = np.isfinite(x) & ((x < runner.lever.lo) | (x > runner.lever.hi))
    status[outside] = NO_CROSSING
    beyond = x[outside].copy()
    x[status != CONVERGED] = np.nan
    if op != "=":        # an inequality's answer lies on its meeting side, as the search's
        sigma = _KIND[op][1]
        x = np.clip(x + sigma * inc * 0.5 * tol * np.fmax(np.abs(x), np.abs(x0)),
                    runner.lever.lo, runner.lever.hi)
    return _PerDraw(x, status, inc, f0 > value, np.abs(f0 - value), "closed_form", beyond)


def _per_draw_search(runner: _Runner, metric: str, op: str, value: float, start: int,
                     stop: int, tol: float, integer: bool, bounds) -> _PerDraw:
    m = stop - start
    vals = runner.values(start, stop)
    kind, sigma = _KIND[op]

    def h(x, idx):
        sub = vals if idx.size == m and (idx == np.arange(m)).all() else _take(vals, idx, m)
        return sigma * (runner.metric(sub, x) - value)

    x0 = runner.own_value(vals, m)
    res = vector_roots(h, x0, runner.lever.lo, runner.lever.hi, kind=kind, tol=tol,
                       integer=integer, bounds=bounds)
    side = res.side if sigma > 0 else ~res.side   # the metric above the value there
    return _PerDraw(res.x, res.status, sigma * res.slope_sign, side, res.scale, "search")


def _per_draw_all(runner: _Runner, metric: str, op: str, value: float, method: str,
                  tol: float, integer: bool, bounds) -> tuple[_PerDraw, str]:
    entry = None
    if method != "search" and not integer and bounds is None:
        entry = _closed_form_for(runner.scenario, runner.lever, runner.target, metric, value)
    if method == "closed_form" and entry is None:
        raise ModelError(f"no closed form is declared for lever {runner.lever.text} and "
                         f"target metric {metric}" + (" with integer=True or bounds"
                                                      if integer or bounds else "")
                         + "; use method='search' or 'auto'")
    parts = []
    for start, stop in runner.chunks():
        if entry is not None:
            parts.append(_per_draw_closed(runner, entry, metric, op, value, start, stop, tol))
        else:
            parts.append(_per_draw_search(runner, metric, op, value, start, stop, tol,
                                          integer, bounds))
    cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
    beyond = [p.beyond for p in parts if p.beyond is not None]
    return _PerDraw(cat("x"), cat("status"), cat("increasing"), cat("side"), cat("scale"),
                    parts[0].method, np.concatenate(beyond) if beyond else None), \
        parts[0].method


# ----------------------------------------------------------------------------- statistics
def _se_mean(values: np.ndarray, sampler: str | None) -> float:
    """Monte Carlo standard error of the mean of ``values`` (NaN left out): sd/√n for random
    draws, the spread of block means for lhs and sobol (from 10 blocks), as simulate does; a
    0/1 variable whose draws all agree gets 1.5/n."""
    ok = np.isfinite(values)
    n = int(ok.sum())
    if n < 2:
        return math.nan
    v = values[ok]
    if np.all(v == v[0]):
        return 1.5 / n if v[0] in (0.0, 1.0) else 0.0
    if sampler in ("lhs", "sobol"):
        blocks = -(-values.size // BLOCK_SIZE)
        if blocks >= MIN_REPLICATE_BLOCKS:
            pad = np.full(blocks * BLOCK_SIZE, np.nan)
            pad[:values.size] = values
            b = pad.reshape(blocks, BLOCK_SIZE)
            counts = np.isfinite(b).sum(axis=1)
            with np.errstate(invalid="ignore"):
                means = np.nansum(b, axis=1) / np.maximum(counts, 1)
            return float(replicate_mcse(counts[:, None], means[:, None])[0])
    return float(np.std(v, ddof=1) / math.sqrt(n))


def _statistic(target: Target, values: np.ndarray, sampler: str | None) -> tuple[float, float]:
    """The target's statistic over the draws' metric values and its Monte Carlo error."""
    if target.kind == "probability":
        with np.errstate(invalid="ignore"):
            events = holds(target.event_op, values, target.event_value).astype(float)
        p = float(events.mean())
        return p, _se_mean(events, sampler)
    if target.kind == "mean":
        ok = values[np.isfinite(values)]
        return (float(ok.mean()) if ok.size else math.nan), _se_mean(values, sampler)
    ok = np.sort(values[np.isfinite(values)])
    if ok.size == 0:
        return math.nan, math.nan
    q = float(np.quantile(ok, target.level, method=QUANTILE_METHOD))
    return q, _rank_spread(ok, target.level * ok.size, target.level)


def _rank_spread(ordered: np.ndarray, rank: float, share: float) -> float:
    """Monte Carlo error of an order statistic: half the distance between the order
    statistics one binomial sd, ``√(n × share × (1 − share))``, either side of ``rank`` in the
    sorted values ``ordered`` (n of them)."""
    n = ordered.size
    d = math.sqrt(n * share * (1 - share))
    lo = ordered[max(int(math.floor(rank - d)), 0)]
    hi = ordered[min(int(math.ceil(rank + d)), n - 1)]
    return float(hi - lo) / 2.0


def _candidates(runner: _Runner, k: int) -> int:
    return int(np.clip(runner.chunk_size // max(runner.n, 1), 4, 16)) if k is None else k


def _statistic_search(runner: _Runner, target: Target, tol: float, integer: bool, bounds,
                      k: int | None) -> tuple[float, float, float, bool, str]:
    """Answer, statistic there, its mcse, monotone seen, note."""
    k = _candidates(runner, k)
    kind, sigma = _KIND[target.op]
    stats: dict[float, tuple[float, float]] = {}
    per_call = max(runner.chunk_size // k, 1)

    def H(cands: np.ndarray) -> np.ndarray:
        kk = cands.size
        M = np.empty((kk, runner.n))
        for start, stop in runner.chunks(per_call):
            vals = runner.values(start, stop)
            m = stop - start
            tiled = _tile(vals, kk)
            M[:, start:stop] = runner.metric(tiled, np.repeat(cands, m)).reshape(kk, m)
        out = np.empty(kk)
        for i, c in enumerate(cands):
            s, se = _statistic(target, M[i], runner.sampler)
            stats[float(c)] = (s, se)
            out[i] = sigma * (s - target.value)
        return out

    own = runner.lever.value
    own = float(own.point("mean") if is_distribution(own) else own)
    res = scalar_root(H, own, runner.lever.lo, runner.lever.hi, kind=kind, tol=tol, k=k,
                      integer=integer, bounds=bounds)
    s, se = stats.get(res.x, (math.nan, math.nan))
    note = res.note
    if not res.monotone:
        note = ("the statistic is not monotone in the lever over the points tried (several "
                "crossings); the answer is the lowest crossing" + (f"; {note}" if note else ""))
    unmet = None
    if math.isnan(res.x) and not res.note.startswith("the target is met everywhere"):
        lo, hi = bounds if bounds is not None else (runner.lever.lo, runner.lever.hi)
        why = ("not reached" if "not met" in res.note else res.note)
        unmet = f"{why} for {runner.lever.text} in [{format_number(lo)}, {format_number(hi)}]"
        tried = [(x, h) for x, h in res.points if math.isfinite(h)]
        if tried:   # the point nearest to meeting it
            bx, _ = (min(tried, key=lambda p: abs(p[1])) if kind == "eq"
                     else max(tried, key=lambda p: p[1]))
            unmet += (f"; the closest: {target.statistic_text()} = {format_number(stats[bx][0])} at "
                      f"{runner.lever.text} = {format_number(bx)}")
    return res.x, s, se, res.monotone, note, unmet


def _statistic_quantile(runner: _Runner, target: Target, per: _PerDraw, tol: float
                        ) -> tuple[float, float, float, float, str] | None:
    """``P(metric op v) cmp α`` from the per-draw roots ``x_d`` of ``metric = v``: an order
    statistic of x_d. None when the per-draw directions disagree (not monotone)."""
    n = runner.n
    ok = per.status == CONVERGED
    inc = per.increasing[ok]
    if inc.size and not (np.all(inc > 0) or np.all(inc < 0)):
        return None
    above_op = target.event_op in (">", ">=")
    # no crossing: the event holds or not whatever the lever; NaN metric: never
    const = (per.status == NO_CROSSING) & (per.side == above_op)
    c0 = int(const.sum())
    x = np.sort(per.x[ok])
    # the event holds for L ≥ x_d ("above" type) or L ≤ x_d
    above = (inc.size == 0 or inc[0] > 0) == above_op
    if not above:                 # mirror: L' = −L
        x = np.sort(-x)
    cnt = x.size
    a = target.value * n - c0
    eps = 1e-9
    if target.op in (">=", ">"):
        need = math.ceil(a - eps) if target.op == ">=" else math.floor(a + eps) + 1
        if not target.met((c0 + need) / n):     # the share as a float, read as met reads it
            need += 1
        if need <= 0:
            return math.nan, math.nan, math.nan, math.nan, "the target is met everywhere in the lever's range"
        if need > cnt:
            return math.nan, math.nan, math.nan, math.nan, "the target is met nowhere in the lever's range"
        j = need - 1
        # the answer lies on the meeting side, L ≥ x_(need), beyond the roots' own tolerance
        # (roots that close count as one)
        nudge = 2 * tol * abs(x[j])
        count = int(np.searchsorted(x, x[j] + nudge, "right"))
    else:
        allowed = math.floor(a + eps) if target.op == "<=" else math.ceil(a - eps) - 1
        if not target.met((c0 + allowed) / n):  # e.g. 490/500 is above α = 0.9799999999999999
            allowed -= 1
        if allowed < 0:
            return math.nan, math.nan, math.nan, math.nan, "the target is met nowhere in the lever's range"
        if allowed >= cnt:
            return math.nan, math.nan, math.nan, math.nan, "the target is met everywhere in the lever's range"
        j = allowed
        # the meeting side, L < x_(allowed + 1)
        nudge = -2 * tol * abs(x[j])
        count = int(np.searchsorted(x, x[j] + nudge, "right"))
    value = float(x[j] + nudge)
    p = (c0 + count) / n
    se = math.sqrt(p * (1 - p) / n) if 0 < p < 1 else 1.5 / n
    value_se = _rank_spread(x, j, (j + 0.5) / cnt)
    if not above:
        value = -value
    return value, p, se, value_se, ""


# ----------------------------------------------------------------------------- the answer
@dataclass(frozen=True)
class Reading:
    """What the target reads at the answer put back (:meth:`Solution.check`).

    ``value``: per draw, the metric ``(n,)`` (NaN where no answer); for a statistic, the
    statistic. ``mcse``: the statistic's Monte Carlo error (None per draw). ``met``: per draw,
    whether each draw meets the target (an equality within :data:`RESIDUAL_RTOL` of the
    solved-away scale); for a statistic, whether it meets it within 2 mcse.
    ``residual``: per draw, ``|metric − value| / max(|value|, scale)`` (the largest over the
    draws in ``max_residual``).
    """

    value: Any
    mcse: float | None
    met: Any
    residual: np.ndarray | None = None

    @property
    def max_residual(self) -> float:
        r = self.residual
        return float(np.nanmax(r)) if r is not None and np.isfinite(r).any() else math.nan


@dataclass
class Solution:
    """The answer of :func:`solve`.

    Attributes
    ----------
    lever : str
        The lever's path as given.
    target : Target
    value : float or ndarray (n,)
        A statistic target: the lever value (NaN if none in the lever's range). A per-draw
        target: the lever value in each draw (NaN where the draw has no root).
    statistic, mcse : float or None
        A statistic target: the statistic at the answer and its Monte Carlo standard error.
    value_mcse : float or None
        A probability target solved by the order statistic: the answer's own Monte Carlo
        error (the spread of the order statistics one binomial sd either side).
    method : str
        ``closed_form`` or ``search`` (a probability target's closed form is the order
        statistic of the per-draw roots).
    draws, seed, sampler, point
        The run solved over (``point``: one draw at the point estimates).
    engine_calls, draw_evaluations, seconds, evaluations_per_second
        The work done.
    no_root : int
        Draws without an answer (per draw); ``no_root_reasons`` counts them by reason.
    disagreement : float or None
        With ``check=True``: the largest relative difference between the closed form and the
        search (per draw: over the draws with both answers).
    monotone : bool
        False when the search saw the statistic cross the target more than once.
    unmet : str or None
        Why the target cannot be met, when it cannot: a statistic with no answer in the
        lever's range (with the closest point tried), or no draw with an answer (per draw).
        None when it is met (or met everywhere). The CLI prints it as its one line and exits 2.
    notes : list of str
    status : ndarray (n,) or None
        Per draw: 0 solved, 1 no crossing in the lever's range, 2 metric undefined, 3 not
        converged.
    scale : ndarray (n,) or None
        Per draw: ``|metric − value|`` at the lever's own value (residuals are relative to it).
    """

    lever: str
    target: Target
    value: Any
    method: str
    draws: int
    seed: int | None
    sampler: str | None
    point: bool
    engine_calls: int
    draw_evaluations: int
    seconds: float
    statistic: float | None = None
    mcse: float | None = None
    value_mcse: float | None = None
    no_root: int = 0
    no_root_reasons: dict[str, int] = field(default_factory=dict)
    disagreement: float | None = None
    monotone: bool = True
    notes: list[str] = field(default_factory=list)
    status: np.ndarray | None = None
    scale: np.ndarray | None = None
    warnings: list[str] = field(default_factory=list)
    unmet: str | None = None
    _scenario: Scenario | None = field(default=None, repr=False)
    _path: Path = field(default=(), repr=False)
    _point_estimate: Any = field(default=None, repr=False)
    _chunk_size: int = field(default=65536, repr=False)

    @property
    def evaluations_per_second(self) -> float:
        return self.draw_evaluations / self.seconds if self.seconds > 0 else math.inf

    @property
    def per_draw(self) -> bool:
        return self.target.kind == "per_draw"

    def summary(self) -> dict[str, float]:
        """Per draw: mean, sd, p5 … p95, min, max of the answers over the draws that have
        one, with ``n`` and ``no_root``; a statistic target: the value, statistic and mcse."""
        if not self.per_draw:
            return {"value": float(self.value), "statistic": self.statistic,
                    "mcse": self.mcse, "value_mcse": self.value_mcse}
        v = np.asarray(self.value)
        ok = v[np.isfinite(v)]
        out = {"n": int(ok.size), "no_root": int(self.no_root)}
        if ok.size:
            out.update(mean=float(ok.mean()), sd=float(ok.std(ddof=1)) if ok.size > 1 else 0.0,
                       min=float(ok.min()), max=float(ok.max()))
            for q in QUANTILES:
                out[quantile_name(q)] = float(np.quantile(ok, q, method=QUANTILE_METHOD))
        return out

    def require_met(self) -> "Solution":
        """This solution, or :class:`~fundmodel.errors.TargetNotMetError` when the target
        cannot be met (:attr:`unmet`)."""
        if self.unmet:
            raise TargetNotMetError(f"the target {quote(self.target)} cannot be met: "
                                    f"{self.unmet}", self)
        return self

    def scenario(self) -> Scenario:
        """The scenario with the lever set to the answer (a statistic target, or a per-draw
        target of a one-draw run).

        Raises
        ------
        ModelError
            For a per-draw answer over many draws (one value per draw: no single scenario),
            or no answer.
        """
        if self.per_draw and np.asarray(self.value).size != 1:
            raise ModelError("a per-draw answer over many draws has one lever value per draw; "
                             "set one of them, or solve a statistic target")
        value = float(np.asarray(self.value).reshape(-1)[0])
        if not math.isfinite(value):
            raise ModelError("there is no answer to put in the scenario (no root)")
        return _with_value(self._scenario, self._path, value)

    def check(self) -> Reading:
        """Put the answer back and read the target there.

        Per draw: one engine pass over the run's draws with each draw's answer as the lever's
        value. A statistic: :func:`fundmodel.simulate` of :meth:`scenario` with the same seed,
        sampler and draws (the same draws when the lever was a plain number in the scenario;
        a lever that was a distribution no longer takes a column, so the other inputs' draws
        differ and the statistic agrees within its Monte Carlo error).
        """
        t = self.target
        if not self.per_draw:
            from ..api import evaluate, simulate
            sc = self.scenario()
            if self.point:
                res = evaluate(sc, self._point_estimate)
            else:
                res = simulate(sc, draws=self.draws, seed=self.seed, sampler=self.sampler,
                               keep_draws=True, bands=False)
            s, se = _statistic(t, np.asarray(res.metric(t.metric), dtype=float), self.sampler)
            gap = s - t.value
            tol = 2 * (se if math.isfinite(se) else 0.0) + 1.0 / self.draws * (
                t.kind == "probability")
            met = bool(t.met(s)) or abs(gap) <= tol
            return Reading(s, se, met)
        runner = _Runner(self._scenario, _lever(self._scenario, self.lever), t, self.draws,
                         self.seed, self.sampler or "random", self.point, self._point_estimate,
                         self._chunk_size)
        x = np.asarray(self.value, dtype=float)
        out = np.full(x.size, np.nan)
        for start, stop in runner.chunks():
            vals = runner.values(start, stop)
            xs = x[start:stop]
            ok = np.isfinite(xs)
            if ok.any():
                idx = np.flatnonzero(ok)
                out[start + idx] = runner.metric(_take(vals, idx, stop - start), xs[ok])
        scale = np.fmax(np.abs(t.value), self.scale if self.scale is not None else 0.0)
        scale = np.where(scale > 0, scale, 1.0)
        residual = np.abs(out - t.value) / scale
        if t.op == "=":
            met = residual <= RESIDUAL_RTOL
        else:
            with np.errstate(invalid="ignore"):
                met = holds(t.op, out, t.value)
        return Reading(out, None, met, residual)

    @property
    def unit(self) -> str:
        """The lever's unit, read from its field's name (:func:`fundmodel.labels.field_unit`:
        ``rate_per_m2_month`` → ``CNY/m²/month``, ``collection_rate`` → ``share``); '' when
        the name does not say."""
        from ...labels import field_unit

        names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", self.lever)
        return field_unit(names[-1]) if names else ""

    def answer_text(self, value: float, lang: str = "en") -> str:
        """A lever value with its unit (:attr:`unit`): ``3.21308 CNY/m²/month``, a share
        also as a percentage ``0.85 (85.0%)``."""
        from ...labels import unit as unit_label

        text = format_number(value)
        if value is None or not math.isfinite(value):
            return text
        if self.unit == "share":
            return f"{text} ({100 * value:.1f}%)"
        shown = unit_label(self.unit, lang) if self.unit else ""
        return f"{text} {shown}" if shown else text

    def __str__(self) -> str:
        return _describe(self)

    def __repr__(self) -> str:
        sm = self.summary()
        if not self.per_draw:
            answer = self.answer_text(float(self.value))
        elif self.draws == 1:
            answer = self.answer_text(float(np.asarray(self.value).reshape(-1)[0]))
        else:
            answer = (f"mean {self.answer_text(sm['mean'])} over {sm['n']:,} draws"
                      if sm["n"] else "no root")
        return f"<Solution {self.lever} for {self.target.text}: {answer}>"

    def _repr_html_(self) -> str:
        """The answer as an HTML table (Jupyter): the lever, the target, the answer with its
        unit (per draw: its mean and quantiles), the statistic there, and the work done."""
        from ...labels import label
        from ...results.result import html_table

        rows = [("Lever", self.lever), ("Target", self.target.text.replace(
            self.target.metric, label(self.target.metric))),
            ("Run", "one draw at the point estimates" if self.point else
             f"{self.draws:,} draws, {self.sampler} sampler, seed {self.seed}"),
            ("Method", self.method.replace("_", " "))]
        sm = self.summary()
        if not self.per_draw:
            rows.append(("Answer", self.answer_text(float(self.value))))
            if self.statistic is not None and math.isfinite(self.statistic):
                rows.append(("Statistic there", f"{format_number(self.statistic)} ± {format_number(self.mcse)}"))
        elif self.draws == 1:
            rows.append(("Answer", self.answer_text(float(np.asarray(self.value)
                                                          .reshape(-1)[0]))))
        elif sm["n"]:
            for key, name in (("mean", "Answer, mean"), ("p5", "Answer, P5"),
                              ("p50", "Answer, P50"), ("p95", "Answer, P95")):
                rows.append((name, self.answer_text(sm[key])))
        if self.no_root:
            rows.append(("Draws without an answer", f"{self.no_root:,} of {self.draws:,}"))
        rows += [("Note", n) for n in self.notes]
        rows.append(("Work", f"{self.engine_calls:,} engine calls, {self.seconds:.2f} s"))
        return html_table(f"Solution: {self.lever}", ["", ""], rows)


def _with_value(scenario: Scenario, path: Path, value: float) -> Scenario:
    data = scenario.model_dump(mode="python", by_alias=True, exclude_unset=True,
                               round_trip=True)
    node: Any = data
    for part in path[:-1]:
        if isinstance(part, int):
            node = node[part]
        else:
            node = node.setdefault(part, {})
    node[path[-1]] = value
    return Scenario.model_validate(data)


def format_number(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.0f}"


def _describe(s: Solution) -> str:
    how = ("one draw at the point estimates" if s.point else
           f"{s.draws:,} draws, {s.sampler} sampler, seed {s.seed}")
    lines = [f"solve {s.lever} for {s.target} ({how}; {s.method.replace('_', ' ')})"]
    if s.unmet:
        lines.append(f"the target cannot be met: {s.unmet}")
    if s.per_draw:
        sm = s.summary()
        if s.draws == 1:
            lines.append(f"answer: {s.answer_text(float(np.asarray(s.value)[0]))}")
        elif sm["n"]:
            lines.append(f"answer per draw: mean {format_number(sm['mean'])}, p5 {format_number(sm['p5'])}, "
                         f"p50 {format_number(sm['p50'])}, p95 {s.answer_text(sm['p95'])} (over "
                         f"{sm['n']:,} draws)")
    else:
        lines.append(f"answer: {s.answer_text(s.value)}" + (
            f" (± {format_number(s.value_mcse)} Monte Carlo)" if s.value_mcse else ""))
        if s.statistic is not None and math.isfinite(s.statistic):
            lines.append(f"the statistic there: {format_number(s.statistic)} ± {format_number(s.mcse)}")
    if s.no_root:
        why = ", ".join(f"{k}: {v:,}" for k, v in s.no_root_reasons.items())
        lines.append(f"no root in {s.no_root:,} of {s.draws:,} draws ({why})")
    if s.disagreement is not None:
        lines.append(f"closed form against search: largest relative difference "
                     f"{s.disagreement:.2e}")
    for note in s.notes:
        lines.append(f"note: {note}")
    lines.append(f"{s.engine_calls:,} engine calls, {s.draw_evaluations:,} draw evaluations, "
                 f"{s.seconds:.2f} s ({s.evaluations_per_second:,.0f} evaluations/s)")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- solve
def _check_options(method, tol, bounds, integer, target, lever, scenario, chunk_size):
    if method not in METHODS:
        raise ModelError(f"method must be one of {', '.join(METHODS)}, got "
                         f"{shorten(repr(method))}")
    if not (isinstance(tol, (int, float)) and 0 < tol < 1):
        raise ModelError(f"tol must be a number in (0, 1), got {tol!r}")
    if integer and target.op == "=":
        raise ScenarioError([Issue("", "integer=True finds the smallest or largest whole "
                                   "value meeting an inequality; use >=, >, <= or <",
                                   "target")])
    if bounds is not None:
        a = checked_lever_values(scenario, lever.path, list(bounds), lever.text)
        if a.size != 2 or not a[0] < a[1]:
            raise ScenarioError([Issue(lever.text, "bounds must be two values, low < high",
                                       "lever")])
        return float(a[0]), float(a[1])
    return None


def solve(scenario: Scenario, lever: str, target: str | Target, *, draws: int | None = None,
          seed: int | None = None, sampler: str | None = None, point: bool = False,
          point_estimate=None, method: str = "auto", check: bool = False,
          bounds: tuple[float, float] | None = None, integer: bool = False,
          tol: float = 1e-12, candidates: int | None = None,
          chunk_size: int | None = None) -> Solution:
    """The lever value that meets a target: per draw, or on a statistic over the draws.

    Parameters
    ----------
    scenario : Scenario
    lever : str
        A number field by dotted path, as in :func:`fundmodel.evaluate_batch`
        (``operations.property_fee.rate_per_m2_month``).
    target : str or Target
        ``"npv_operations = 0"``, ``"fund_balance_min >= 0"`` (per draw) or a statistic:
        ``"P(cumulative_balance_final < 0) <= 0.10"``, ``"p90(metric) <= 50000"``,
        ``"mean(npv_operations) >= 0"`` (see :mod:`fundmodel.run.solve.targets`).
    draws, seed, sampler : optional
        The Monte Carlo run (defaults: the scenario's ``simulation``), sampled exactly as
        :func:`fundmodel.simulate` samples it. A scenario without distributions, or
        ``point=True``, is one draw at the point estimates (``point_estimate``).
    method : {'auto', 'closed_form', 'search'}
        ``closed_form`` uses a declared closed form (:data:`~.closed_forms.CLOSED_FORMS`; for a
        probability target the order statistic of the per-draw roots); ``search`` always
        root-finds; ``auto`` takes the closed form where there is one.
    check : bool
        With ``auto``: also run the search and report the largest disagreement.
    bounds : (low, high), optional
        Search the lever in this range only (default: an expanding bracket from the
        scenario's value within the field's range).
    integer : bool
        Whole lever values only (an inequality target: the smallest/largest whole value
        meeting it).
    tol : float
        Relative tolerance on the lever (default 1e-12).
    candidates : int, optional
        Lever values per engine call of a statistic search (default: as many as fit the chunk,
        4 to 16).
    chunk_size : int, optional
        Draws per engine call (default the scenario's ``simulation.chunk_size``): bounds memory.

    Returns
    -------
    Solution

    Raises
    ------
    ScenarioError
        A bad lever (located ``lever``), a malformed target or unknown metric (located
        ``target:1:COLUMN``, near names listed), bounds outside the field's range.
    ModelError
        Bad options (method, tol, draws), or ``method='closed_form'`` where none is declared.
    """
    started = time.perf_counter()
    t = parse_target(target)
    lv = _lever(scenario, lever)
    bounds = _check_options(method, tol, bounds, integer, t, lv, scenario, chunk_size)
    sim = scenario.simulation
    point = bool(point) or not uncertain_inputs(scenario)
    draws = 1 if point else (sim.draws if draws is None else draws)
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= MAX_DRAWS:
        raise ModelError(f"draws must be a whole number in 1..{MAX_DRAWS:,}, got {draws!r}")
    sampler = sim.sampler if sampler is None else sampler
    if sampler not in SAMPLERS:
        raise ModelError(f"sampler must be one of {', '.join(SAMPLERS)}, got "
                         f"{shorten(repr(sampler))}")
    seed = sim.seed if seed is None else seed
    if not point and seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    chunk = int(chunk_size or sim.chunk_size)
    runner = _Runner(scenario, lv, t, draws, seed, sampler, point, point_estimate, chunk)
    notes: list[str] = []
    common = dict(lever=lever, target=t, draws=runner.n, seed=None if point else int(seed),
                  sampler=None if point else sampler, point=point, warnings=runner.warnings,
                  _scenario=scenario, _path=lv.path, _point_estimate=point_estimate,
                  _chunk_size=chunk)

    def finish(**kw) -> Solution:
        seconds = time.perf_counter() - started
        sol = Solution(engine_calls=runner.calls, draw_evaluations=runner.evaluations,
                       seconds=seconds, notes=notes, **common, **kw)
        if sol.unmet:
            log.warning("solve %s for %s: the target cannot be met: %s", lever, t, sol.unmet)
        log.info("solve %s for %s: %s", lever, t, sol.method)
        return sol

    span = f"[{format_number(bounds[0] if bounds else lv.lo)}, {format_number(bounds[1] if bounds else lv.hi)}]"

    if t.kind == "per_draw":
        use = "search" if method == "search" else method
        per, used = _per_draw_all(runner, t.metric, t.op, t.value, use, tol, integer, bounds)
        disagreement = None
        if check and used == "closed_form":
            calls, evals = runner.calls, runner.evaluations
            other, _ = _per_draw_all(runner, t.metric, t.op, t.value, "search", tol, integer,
                                     bounds)
            disagreement = _relative_gap(per.x, other.x)
            notes.append(f"the check's search took {runner.calls - calls} engine calls, "
                         f"{runner.evaluations - evals:,} draw evaluations")
        reasons = {STATUS_TEXT[c]: int((per.status == c).sum())
                   for c in np.unique(per.status) if c != CONVERGED}
        unmet = None
        if not (per.status == CONVERGED).any():
            why = (", ".join(reasons) if runner.n == 1 else
                   ", ".join(f"{k}: {v:,}" for k, v in reasons.items()))
            unmet = (f"{'not met' if runner.n == 1 else 'no draw meets it'} for {lv.text} in "
                     f"{span} ({why})")
            if per.beyond is not None and per.beyond.size:
                b = per.beyond
                unmet += (f"; it would need {lv.text} = {format_number(float(np.median(b)))}"
                          + (f" (from {format_number(float(b.min()))} to {format_number(float(b.max()))})"
                             if b.size > 1 and b.min() < b.max() else "")
                          + ", outside any plausible range")
        return finish(value=per.x, method=used, no_root=int((per.status != CONVERGED).sum()),
                      no_root_reasons=reasons, disagreement=disagreement, status=per.status,
                      scale=per.scale, unmet=unmet)

    # a statistic
    if t.kind == "probability" and method != "search" and not integer and bounds is None:
        # each draw's boundary of the event (an inequality: unique where the metric has a
        # plateau, e.g. a top-up that is 0 above some contribution, where "= v" is not)
        per, used = _per_draw_all(runner, t.metric, t.event_op, t.event_value, "auto", tol,
                                  False, None)
        q = _statistic_quantile(runner, t, per, tol)
        if q is None:
            notes.append("the per-draw metric rises with the lever in some draws and falls in "
                          "others: the order statistic does not apply; searched instead")
        else:
            value, p, se, value_se, note = q
            if note:
                notes.append(note)
            unmet = None
            if "met nowhere" in note:
                unmet = (f"not reached for {lv.text} in {span}: even where the most draws meet "
                         f"{t.metric} {t.event_op} {t.event_value:g}, their share is not "
                         f"{t.op} {t.value:g}")
            disagreement = None
            if check:
                sv, _, _, mono, snote, _ = _statistic_search(runner, t, tol, False, None,
                                                             candidates)
                disagreement = _relative_gap(np.array([value]), np.array([sv]))
                if snote:
                    notes.append(f"search: {snote}")
            return finish(value=value, method="closed_form", statistic=p, mcse=se,
                          value_mcse=value_se, disagreement=disagreement, unmet=unmet)
    if method == "closed_form" and t.kind != "probability":
        raise ModelError(f"no closed form for a {t.kind} target; use method='search' or 'auto'")
    value, s, se, mono, note, unmet = _statistic_search(runner, t, tol, integer, bounds,
                                                        candidates)
    if note:
        notes.append(note)
    return finish(value=value, method="search", statistic=s, mcse=se, monotone=mono,
                  unmet=unmet)


def _relative_gap(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return math.nan
    scale = np.fmax(np.fmax(np.abs(a[ok]), np.abs(b[ok])), 1e-300)
    return float(np.max(np.abs(a[ok] - b[ok]) / scale))
