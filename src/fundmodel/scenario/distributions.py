"""Distributions an analyst may write in place of any uncertain number.

A number in a scenario is either plain (``unit_cost: 110``) or a distribution
(``unit_cost: {dist: triangular, low: 90, mode: 110, high: 150}``). Each distribution knows:

- its point estimates (:meth:`mean`, :meth:`median`, :meth:`mode`), used by a deterministic run;
- its support ``(low, high)``, checked against the range the field allows (a share must stay in
  [0, 1], a cost must not go negative);
- its inverse CDF :meth:`ppf`, which turns uniform numbers in (0, 1) into draws, so every sampler
  (pseudo-random, Latin hypercube, Sobol) and every copula feeds the same code.

scipy is imported inside the functions that compute numbers, never at module level, so loading
and validating a scenario does not import ``scipy.stats`` (about half a second). The inverse
CDFs call the special function under scipy's generic ``rv_continuous.ppf`` directly and compose
it as that method does (``_ppf(u) * scale + loc``): the draws are bit-identical to
``scipy.stats.<dist>.ppf`` without its argument checking and copying (tested).

The parameter names are those of the textbooks: ``normal(mean, sd)``, ``lognormal(mean, sd)`` or
``lognormal(mu, sigma)`` of the underlying normal, ``uniform(low, high)``,
``triangular(low, mode, high)``, ``pert(low, mode, high, shape=4)``, ``beta(a, b)`` optionally
scaled to ``[low, high]``.
"""

from __future__ import annotations

import importlib
import math
import sys
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import Field, ValidationInfo, model_validator

from ..errors import shorten
from .base import ScenarioModel, fail
from ..io.datafiles import read_csv_column
from ..io.limits import EXTREME_U, MAX_BETA_SHAPE, MAX_CHOICE_VALUES, MAX_EMPIRICAL_VALUES

__all__ = [
    "largest_value",
    "Distribution",
    "Normal",
    "LogNormal",
    "Uniform",
    "Triangular",
    "Pert",
    "Beta",
    "Choice",
    "Empirical",
    "PointEstimate",
    "DISTRIBUTION_NAMES",
]

PointEstimate = Literal["mean", "median", "mode"]

_WEIGHT_TOLERANCE = 1e-9
"""How far from 1 the weights of a ``choice`` may sum (and the median's tolerance on 0.5)."""

LOG_FLOAT_MAX = math.log(sys.float_info.max)
"""ln of the largest float (about 709.78): an exponent above it overflows."""


def _ndtri(u) -> np.ndarray:
    """Standard normal inverse CDF Φ⁻¹(u): ``scipy.special.ndtri``, which ``scipy.stats.norm``'s
    ``ppf`` calls (−inf at 0, +inf at 1)."""
    from scipy.special import ndtri
    return ndtri(np.asarray(u, dtype=float))


_BETA_PPF_UFUNC = ("scipy.special._ufuncs", "_beta_ppf")
"""Where scipy keeps the ufunc ``scipy.stats.beta``'s ``_ppf`` calls (scipy 1.14 on)."""


def _beta_ppf(u, a: float, b: float) -> np.ndarray:
    """Inverse CDF of the standard beta(a, b) on [0, 1] at ``u``: the function
    ``scipy.stats.beta.ppf`` calls for ``0 < u < 1`` (Boost's ``ibeta_inv``), without the
    generic method's argument checks and copies. Returns 0 at u = 0 and 1 at u = 1, as it does.

    ``scipy.special.betaincinv`` is public but, in the scipy versions supported, not the same
    wrapper (another Boost error policy: it returns NaN for u below about 1e-300, where
    ``stats.beta.ppf`` has a value), so the ufunc ``scipy.stats.beta`` itself uses is taken
    when this scipy has it; a scipy without it (it is being merged into ``betaincinv``, scipy
    gh-21725) gets that distribution's own ``_ppf``, whatever it calls — the same bits either
    way.
    """
    u = np.asarray(u, dtype=float)
    module, name = _BETA_PPF_UFUNC
    ibeta_inv = getattr(importlib.import_module(module), name, None)
    if ibeta_inv is None:  # a scipy without it: the distribution's own _ppf
        from scipy import stats
        ibeta_inv = stats.beta._ppf
    with np.errstate(over="ignore"):  # as scipy.stats.beta._ppf (scipy gh-17432)
        return ibeta_inv(u, a, b)


def _check_low_high(low: float | None, high: float | None) -> None:
    if low is not None and high is not None and not low < high:
        raise fail(f"low ({low:g}) must be below high ({high:g})", "low")


def _check_width(low: float, high: float) -> None:
    """The width ``high − low`` enters every draw: it must be a finite number."""
    if not math.isfinite(high - low):
        raise fail(f"high − low = {high:g} − ({low:g}) is beyond float range (about 1.8e308)",
                   "high")


def _too_narrow(key: str, value: float) -> str:
    return (f"{key} = {value:g} is above {MAX_BETA_SHAPE:g}: a distribution that narrow is a "
            "fixed number (its sd is below 1e-5 of its width) and its inverse CDF cannot be "
            "computed accurately; write the number itself, or a shape up to "
            f"{MAX_BETA_SHAPE:g}")


class DistributionBase(ScenarioModel):
    """Common interface of every distribution."""

    each_year: bool = False
    """Draw a new value for every operating year (growth rates only) instead of one per draw."""

    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    _SCALED = ("mean_", "sd", "low", "high", "mode_", "values")

    def scaled(self, k: float) -> "DistributionBase":
        """The distribution of ``k × X`` (k > 0): its location and scale parameters times k
        (a money sum read in 万元: ``scenario.money``); shape parameters unchanged."""
        update = {}
        for name in self._SCALED:
            value = getattr(self, name, None) if name in type(self).model_fields else None
            if value is not None:
                update[name] = ([float(v) * k for v in value] if isinstance(value, list)
                                else float(value) * k)
        return self.model_copy(update=update)

    def median(self) -> float:
        """The median point estimate: ``ppf(0.5)``. For the discrete distributions (``choice``,
        ``empirical``) this is the smallest value x with P(X ≤ x) ≥ 0.5 — the lower of two
        middle values, the inverted-CDF definition results use for quantiles."""
        return float(self.ppf(np.array([0.5]))[0])

    def mode(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def support(self) -> tuple[float, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Inverse CDF: values whose cumulative probability is ``u`` (array in (0, 1))."""
        raise NotImplementedError

    def mode_problem(self) -> str | None:
        """Why the mode is undefined, or None when it is defined."""
        return None

    def reach(self) -> tuple[float, float]:
        """The smallest and largest values a draw can take: the support, with an unbounded end
        replaced by the inverse CDF at the most extreme uniform number a sampler produces
        (:data:`~fundmodel.io.limits.EXTREME_U`)."""
        lo, hi = self.support()
        if math.isinf(lo) or math.isinf(hi):
            with np.errstate(all="ignore"):
                ends = np.asarray(self.ppf(np.array(EXTREME_U)), dtype=float)
            lo = float(ends[0]) if math.isinf(lo) else lo
            hi = float(ends[1]) if math.isinf(hi) else hi
        return float(lo), float(hi)

    def numeric_problem(self) -> str | None:
        """Why the engine could not compute with this distribution — its mean or the values
        its draws reach are beyond float range or undefined — or None.

        The inverse CDF is tried at the most extreme uniform numbers a sampler produces and at
        0.5 (:data:`~fundmodel.io.limits.EXTREME_U`): its draws must be finite and
        inside the support (a normal cut to a window far out in its tail, or a beta with
        tiny shapes, gives NaN or an overflow there)."""
        with np.errstate(all="ignore"):
            try:
                mean = float(self.mean())
                lo, hi = self.reach()
                u = np.array([EXTREME_U[0], 0.5, EXTREME_U[1]])
                draws = np.asarray(self.ppf(u), dtype=float)
            except (ArithmeticError, ValueError) as exc:
                return f"its mean or range cannot be computed ({shorten(exc)})"
        if math.isnan(mean):
            return "its mean is undefined (nan) for these parameters"
        if not math.isfinite(mean):
            return f"its mean is {mean:g}: beyond float range (about 1.8e308)"
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return (f"its draws reach [{lo:g}, {hi:g}]: beyond float range "
                    "(about 1.8e308)")
        if not np.isfinite(draws).all() or (draws < lo).any() or (draws > hi).any():
            shown = ", ".join(f"{x:g}" for x in draws)
            return (f"its inverse CDF gives {shown} at u = 2⁻⁵⁴, 0.5, 1 − 2⁻⁵³: not finite "
                    f"draws in [{lo:g}, {hi:g}] (the parameters are too extreme to compute "
                    "with; a window far out in a tail, or shapes near 0)")
        return None

    def point(self, how: PointEstimate) -> float:
        """The point estimate a deterministic run uses: ``mean``, ``median`` or ``mode``."""
        return float({"mean": self.mean, "median": self.median, "mode": self.mode}[how]())


class Normal(DistributionBase):
    """Normal distribution, optionally truncated to ``[low, high]``."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean")
    """Mean of the (untruncated) normal."""
    sd: float = Field(ge=0)
    """Standard deviation of the (untruncated) normal; 0 gives a constant."""
    low: float | None = None
    """Optional lower truncation point."""
    high: float | None = None
    """Optional upper truncation point."""

    model_config = {"serialize_by_alias": True}

    @model_validator(mode="after")
    def _check(self) -> "Normal":
        _check_low_high(self.low, self.high)
        if self.sd > 0 and 2 * math.log(self.sd) > LOG_FLOAT_MAX:
            raise fail(f"its variance sd² = ({self.sd:g})² is beyond float range "
                       "(about 1.8e308)", "sd")
        if self.low is not None and self.high is not None:
            _check_width(self.low, self.high)
        return self

    def _trunc(self) -> tuple[float, float]:
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        return lo, hi

    def _frozen(self):
        lo, hi = self._trunc()
        if self.sd == 0:
            return None
        from scipy import stats
        return stats.truncnorm((lo - self.mean_) / self.sd, (hi - self.mean_) / self.sd,
                               loc=self.mean_, scale=self.sd)

    def mean(self) -> float:
        f = self._frozen()
        if f is None:
            lo, hi = self._trunc()
            return float(min(max(self.mean_, lo), hi))
        if self.low is None and self.high is None:
            return float(self.mean_)
        with np.errstate(all="ignore"):  # scipy's moments of far tails; checked finite on load
            m = float(f.mean())
        lo, hi = self._trunc()
        if lo <= m <= hi:
            return m
        # scipy loses the mean of a window far out in one tail (e.g. mean 667,971 cut to
        # [0, 1] gave −11.9); there the density is nearly exponential from the near bound,
        # with rate (distance to the mean)/sd², so the mean is that bound moved by sd²/distance
        if self.mean_ > hi:
            return float(max(lo, hi - self.sd ** 2 / (self.mean_ - hi)))
        if self.mean_ < lo:
            return float(min(hi, lo + self.sd ** 2 / (lo - self.mean_)))
        return float(min(max(m, lo), hi))

    def mode(self) -> float:
        lo, hi = self._trunc()
        return float(min(max(self.mean_, lo), hi))

    def support(self) -> tuple[float, float]:
        if self.sd == 0:
            m = self.mode()
            return m, m
        return self._trunc()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """``mean + sd·Φ⁻¹(u)``; truncated: scipy's ``truncnorm.ppf`` (its tail-aware routine is
        kept as it is)."""
        if self.sd == 0:
            return np.full(np.shape(u), self.mode())
        if self.low is None and self.high is None:
            return _ndtri(u) * self.sd + self.mean_
        return self._frozen().ppf(u)


class LogNormal(DistributionBase):
    """Log-normal distribution given by the mean and sd of the variable itself, or by ``mu``
    and ``sigma`` of its logarithm (exactly one of the two pairs).

    With mean m and sd s: ``sigma² = ln(1 + s²/m²)``, ``mu = ln m − sigma²/2``.
    """

    dist: Literal["lognormal"]

    def scaled(self, k: float) -> "LogNormal":
        """``k × X``: mean and sd times k, or mu + ln k (sigma unchanged)."""
        out = super().scaled(k)
        return out if self.mu is None else out.model_copy(update={"mu": self.mu + math.log(k)})

    mean_: float | None = Field(default=None, alias="mean", gt=0)
    """Mean of the variable (with ``sd``)."""
    sd: float | None = Field(default=None, ge=0)
    """Standard deviation of the variable (with ``mean``)."""
    mu: float | None = None
    """Mean of ln(X) (with ``sigma``)."""
    sigma: float | None = Field(default=None, ge=0)
    """Standard deviation of ln(X) (with ``mu``)."""

    model_config = {"serialize_by_alias": True}

    @model_validator(mode="after")
    def _check(self) -> "LogNormal":
        by_moments = self.mean_ is not None or self.sd is not None
        by_logs = self.mu is not None or self.sigma is not None
        if by_moments == by_logs:
            raise fail("give either mean and sd, or mu and sigma (of the logarithm)")
        if by_moments and (self.mean_ is None or self.sd is None):
            raise fail("give both mean and sd", "sd" if self.sd is None else "mean", on_key=False)
        if by_logs and (self.mu is None or self.sigma is None):
            raise fail("give both mu and sigma")
        log_mean, log_var = self.log_moments()
        if by_logs and log_mean > LOG_FLOAT_MAX:
            raise fail(f"its mean exp(mu + sigma²/2) = e^{log_mean:.6g} is beyond float range "
                       "(about 1.8e308 = e^709.8): mu or sigma is far too large")
        if log_var > LOG_FLOAT_MAX:
            what = ("sd²" if by_moments else "(exp(sigma²) − 1)·exp(2·mu + sigma²)")
            raise fail(f"its variance {what} = e^{log_var:.6g} is beyond float range (about "
                       "1.8e308 = e^709.8)", *(("sd",) if by_moments else ()))
        return self

    def log_params(self) -> tuple[float, float]:
        """``(mu, sigma)`` of ln(X)."""
        if self.mu is not None:
            return float(self.mu), float(self.sigma)
        ratio = self.sd / self.mean_
        # ln(1 + r²) without overflowing r² for a huge ratio
        s2 = math.log1p(ratio**2) if ratio < 1e150 else 2 * math.log(ratio) + math.log1p(ratio**-2)
        return math.log(self.mean_) - s2 / 2, math.sqrt(s2)

    def log_moments(self) -> tuple[float, float]:
        """``(ln E[X], ln Var[X])``, computed without overflow (``-inf`` for no variance)."""
        if self.mu is None:
            return math.log(self.mean_), (2 * math.log(self.sd) if self.sd > 0 else -math.inf)
        mu, s = float(self.mu), float(self.sigma)
        s2 = s * s
        if s2 == 0:
            return mu, -math.inf
        # Var = (e^{s²} − 1)·e^{2mu + s²}  →  ln Var = 2mu + 2s² + ln(1 − e^{−s²})
        return mu + s2 / 2, 2 * mu + 2 * s2 + math.log(-math.expm1(-s2))

    def mean(self) -> float:
        mu, s = self.log_params()
        return float(self.mean_) if self.mean_ is not None else math.exp(mu + s * s / 2)

    def median(self) -> float:
        return math.exp(self.log_params()[0])

    def mode(self) -> float:
        mu, s = self.log_params()
        return math.exp(mu - s * s)

    def support(self) -> tuple[float, float]:
        mu, s = self.log_params()
        if s == 0:
            return math.exp(mu), math.exp(mu)
        return 0.0, math.inf

    def ppf(self, u: np.ndarray) -> np.ndarray:
        mu, s = self.log_params()
        if s == 0:
            return np.full(np.shape(u), math.exp(mu))
        return np.exp(mu + s * _ndtri(u))


class Uniform(DistributionBase):
    """Uniform distribution on ``[low, high]``. Its mode is taken as the midpoint."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> "Uniform":
        _check_low_high(self.low, self.high)
        _check_width(self.low, self.high)
        return self

    def mean(self) -> float:
        return (self.low + self.high) / 2

    median = mean
    mode = mean

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)


class _ThreePoint(DistributionBase):
    low: float
    mode_: float = Field(alias="mode")
    high: float

    model_config = {"serialize_by_alias": True}

    @model_validator(mode="after")
    def _check(self) -> "_ThreePoint":
        _check_low_high(self.low, self.high)
        if not self.low <= self.mode_ <= self.high:
            raise fail(f"mode ({self.mode_}) must lie between low ({self.low}) and high "
                       f"({self.high})", "mode")
        _check_width(self.low, self.high)
        return self

    def mode(self) -> float:
        return float(self.mode_)

    def support(self) -> tuple[float, float]:
        return self.low, self.high


class Triangular(_ThreePoint):
    """Triangular distribution; mean ``(low + mode + high) / 3``."""

    dist: Literal["triangular"]

    def mean(self) -> float:
        return (self.low + self.mode_ + self.high) / 3

    def median(self) -> float:
        lo, m, hi = self.low, self.mode_, self.high
        if m >= (lo + hi) / 2:
            return lo + math.sqrt((hi - lo) * (m - lo) / 2)
        return hi - math.sqrt((hi - lo) * (hi - m) / 2)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """With ``c = (mode − low)/(high − low)``: ``low + (high − low)·√(c·u)`` for u < c, else
        ``low + (high − low)·(1 − √((1 − c)(1 − u)))`` — scipy's ``triang`` formula, composed as
        its ``ppf`` does."""
        lo, m, hi = self.low, self.mode_, self.high
        c = (m - lo) / (hi - lo)
        u = np.asarray(u, dtype=float)
        if u.ndim == 0:
            x = np.where(u < c, np.sqrt(c * u), 1 - np.sqrt((1 - c) * (1 - u)))
            return x * (hi - lo) + lo
        # the same operations in place (a district draws millions of these per run)
        below = np.sqrt(c * u)
        x = np.subtract(1.0, u)
        x *= 1 - c
        np.sqrt(x, out=x)
        np.subtract(1.0, x, out=x)
        np.copyto(x, below, where=u < c)
        x *= hi - lo
        x += lo
        return x


class Pert(_ThreePoint):
    """(Modified) PERT distribution: a beta on ``[low, high]`` with
    ``alpha = 1 + shape·(mode − low)/(high − low)``, ``beta = 1 + shape·(high − mode)/(high − low)``;
    mean ``(low + shape·mode + high) / (shape + 2)``; the classic PERT has shape 4."""

    dist: Literal["pert"]
    shape: float = Field(default=4.0, gt=0)
    """Weight of the mode (4 for the classic PERT)."""

    @model_validator(mode="after")
    def _check_shape(self) -> "Pert":
        if self.shape > MAX_BETA_SHAPE:
            raise fail(_too_narrow("shape", self.shape), "shape")
        return self

    def _ab(self) -> tuple[float, float]:
        w = self.high - self.low
        return (1 + self.shape * (self.mode_ - self.low) / w,
                1 + self.shape * (self.high - self.mode_) / w)

    def mean(self) -> float:
        return (self.low + self.shape * self.mode_ + self.high) / (self.shape + 2)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, b = self._ab()
        return _beta_ppf(u, a, b) * (self.high - self.low) + self.low


class Beta(DistributionBase):
    """Beta distribution with shape parameters ``a`` and ``b``, on ``[low, high]``
    (default ``[0, 1]``); mean ``low + (high − low)·a/(a + b)``."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _check(self) -> "Beta":
        _check_low_high(self.low, self.high)
        _check_width(self.low, self.high)
        for key in ("a", "b"):
            if getattr(self, key) > MAX_BETA_SHAPE:
                raise fail(_too_narrow(key, getattr(self, key)), key)
        return self

    def mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def mode_problem(self) -> str | None:
        if self.a < 1 and self.b < 1:
            return f"beta(a={self.a}, b={self.b}) is U-shaped and has no single mode"
        return None

    def mode(self) -> float:
        a, b = self.a, self.b
        if problem := self.mode_problem():
            raise ValueError(problem)
        if a == 1 and b == 1:
            x = 0.5
        elif a <= 1:
            x = 0.0
        elif b <= 1:
            x = 1.0
        else:
            x = (a - 1) / (a + b - 2)
        return self.low + (self.high - self.low) * x

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return _beta_ppf(u, self.a, self.b) * (self.high - self.low) + self.low


class Choice(DistributionBase):
    """Discrete choice among ``values`` with probabilities ``weights`` (default: equal)."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1, max_length=MAX_CHOICE_VALUES)
    """The possible values."""
    weights: list[float] | None = Field(default=None, max_length=MAX_CHOICE_VALUES)
    """Their probabilities: non-negative, summing to 1 (within 1e-9)."""

    @model_validator(mode="after")
    def _check(self) -> "Choice":
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise fail(f"{len(self.weights)} weights for {len(self.values)} values", "weights")
            for i, w in enumerate(self.weights):
                if not (w >= 0 and math.isfinite(w)):
                    raise fail(f"weight {w} is negative or not finite", "weights", i)
            if abs(math.fsum(self.weights) - 1.0) > _WEIGHT_TOLERANCE:
                raise fail(f"weights sum to {math.fsum(self.weights):.12g}, not 1", "weights")
        return self

    def _p(self) -> np.ndarray:
        if self.weights is None:
            return np.full(len(self.values), 1.0 / len(self.values))
        return np.asarray(self.weights, dtype=float)

    def mean(self) -> float:
        return float(math.fsum(v * p for v, p in zip(self.values, self._p())))

    def mode(self) -> float:
        return float(self.values[int(np.argmax(self._p()))])

    def support(self) -> tuple[float, float]:
        used = [v for v, p in zip(self.values, self._p()) if p > 0]
        return min(used), max(used)

    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """Values in increasing order with their probabilities, and the cumulative
        probabilities (correctly rounded prefix sums; the last is set to 1)."""
        values = np.asarray(self.values, dtype=float)
        order = np.argsort(values, kind="stable")
        p = self._p()[order]
        cum = np.array([math.fsum(p[:i + 1]) for i in range(p.size)])
        cum[-1] = 1.0
        return values[order], cum

    def median(self) -> float:
        """The smallest value x with P(X ≤ x) ≥ 0.5, the cumulative probability taken to the
        1e-9 the weights are checked to: ``[2, 1]`` at equal weights has median 1, ``[3, 1, 2]``
        has 2."""
        values, cum = self._sorted()
        idx = int(np.searchsorted(cum, 0.5 - _WEIGHT_TOLERANCE, side="left"))
        return float(values[min(idx, values.size - 1)])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF ``F⁻¹(u) = min{x : P(X ≤ x) ≥ u}`` over the values sorted in increasing
        order (whatever the order written), so draws are monotone in ``u`` and rank
        correlations apply to the values as numbers. ``ppf(0.5)`` is the median."""
        values, cum = self._sorted()
        idx = np.searchsorted(cum, np.asarray(u, dtype=float), side="left")
        return values[np.minimum(idx, values.size - 1)]


class Empirical(DistributionBase):
    """Resampling of observed values, given inline (``values``) or read from a CSV column
    (``file`` and ``column``; the file name is relative to the scenario file, and must lie in
    its folder unless the loader allows files outside it).

    Each draw takes one of the values with equal probability (the inverse of the empirical
    CDF). The mode is the most frequent value (the smallest among ties).

    A model read from a file keeps its values: ``file`` and ``column`` are not serialised, so
    ``model_dump_json`` round-trips without the file.
    """

    dist: Literal["empirical"]
    values: list[float] | None = Field(default=None, max_length=MAX_EMPIRICAL_VALUES)
    """The observed values (filled from the file when ``file`` is given)."""
    file: str | None = Field(default=None, exclude=True)
    """CSV file holding the values, relative to the scenario file."""
    column: str | None = Field(default=None, exclude=True)
    """Header of the CSV column to read."""

    @model_validator(mode="after")
    def _load(self, info: ValidationInfo) -> "Empirical":
        if self.values is None:
            if self.file is None or self.column is None:
                raise fail("give values, or file and column")
            context = info.context or {}
            values = read_csv_column(context.get("base_dir", "."), self.file, self.column,
                                      bool(context.get("allow_outside_files", False)))
            object.__setattr__(self, "values", values)
        elif self.file is not None:
            raise fail("give either values or file (and column), not both", "file",
                       on_key=True)
        elif self.column is not None:
            raise fail("column needs a file", "column")
        if not self.values:
            raise fail("no values", "values")
        if not all(math.isfinite(v) for v in self.values):
            raise fail("values must be finite numbers", "values")
        return self

    def _sorted(self) -> np.ndarray:
        return np.sort(np.asarray(self.values, dtype=float))

    def mean(self) -> float:
        return float(math.fsum(self.values) / len(self.values))

    def median(self) -> float:
        """The smallest value x with P(X ≤ x) ≥ 0.5 (as for ``choice``): of n sorted values,
        the ⌈n/2⌉-th — the lower of the two middle values when n is even."""
        x = self._sorted()
        return float(x[(x.size + 1) // 2 - 1])

    def mode(self) -> float:
        vals, counts = np.unique(self._sorted(), return_counts=True)
        return float(vals[int(np.argmax(counts))])

    def support(self) -> tuple[float, float]:
        return float(min(self.values)), float(max(self.values))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        x = self._sorted()
        idx = np.floor(np.asarray(u, dtype=float) * x.size).astype(np.int64)
        return x[np.clip(idx, 0, x.size - 1)]


Distribution = Annotated[
    Union[Normal, LogNormal, Uniform, Triangular, Pert, Beta, Choice, Empirical],
    Field(discriminator="dist"),
]
"""Any distribution, chosen by its ``dist`` key."""

DISTRIBUTION_NAMES = ("normal", "lognormal", "uniform", "triangular", "pert", "beta", "choice",
                      "empirical")


def largest_value(value: Any) -> float:
    """The largest absolute value an input takes: a plain number's own, a distribution's
    largest over its mean and the values its draws reach (:meth:`DistributionBase.reach`); 0 for None."""
    if value is None:
        return 0.0
    if isinstance(value, DistributionBase):
        with np.errstate(all="ignore"):
            lo, hi = value.reach()
            return max(abs(lo), abs(hi), abs(float(value.mean())))
    return abs(float(value))

