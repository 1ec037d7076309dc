"""Distributions an analyst may write in place of any uncertain number.

A number in a scenario is either plain (``unit_cost: 110``) or a distribution
(``unit_cost: {dist: triangular, low: 90, mode: 110, high: 150}``). Each distribution knows:

- its point estimates (:meth:`mean`, :meth:`median`, :meth:`mode`), used by a deterministic run;
- its support ``(low, high)``, checked against the range the field allows (a share must stay in
  [0, 1], a cost must not go negative);
- its inverse CDF :meth:`ppf`, which turns uniform numbers in (0, 1) into draws, so every sampler
  (pseudo-random, Latin hypercube, Sobol) and every copula feeds the same code.

The parameter names are those of the textbooks: ``normal(mean, sd)``, ``lognormal(mean, sd)`` or
``lognormal(mu, sigma)`` of the underlying normal, ``uniform(low, high)``,
``triangular(low, mode, high)``, ``pert(low, mode, high, shape=4)``, ``beta(a, b)`` optionally
scaled to ``[low, high]``.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import stat
import sys
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import (AfterValidator, BeforeValidator, Discriminator, Field, Tag, ValidationInfo,
                      model_validator)
from pydantic_core import PydanticCustomError
from scipy import stats

from .base import ScenarioModel, did_you_mean, fail
from .limits import EXTREME_U, MAX_CHOICE_VALUES, MAX_EMPIRICAL_VALUES
from .yamlio import not_utf8_issue_parts

__all__ = [
    "Distribution",
    "Normal",
    "LogNormal",
    "Uniform",
    "Triangular",
    "Pert",
    "Beta",
    "Choice",
    "Empirical",
    "Uncertain",
    "uncertain",
    "bounded",
    "PointEstimate",
    "DISTRIBUTION_NAMES",
]

PointEstimate = Literal["mean", "median", "mode"]

_WEIGHT_TOLERANCE = 1e-9
"""How far from 1 the weights of a ``choice`` may sum (and the median's tolerance on 0.5)."""

LOG_FLOAT_MAX = math.log(sys.float_info.max)
"""ln of the largest float (about 709.78): an exponent above it overflows."""


def _check_low_high(low: float | None, high: float | None) -> None:
    if low is not None and high is not None and not low < high:
        raise fail(f"low ({low:g}) must be below high ({high:g})", "low")


def _check_width(low: float, high: float) -> None:
    """The width ``high − low`` enters every draw: it must be a finite number."""
    if not math.isfinite(high - low):
        raise fail(f"high − low = {high:g} − ({low:g}) is beyond float range (about 1.8e308)",
                   "high")


class _Dist(ScenarioModel):
    """Common interface of every distribution."""

    each_year: bool = False
    """Draw a new value for every operating year (growth rates only) instead of one per draw."""

    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

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
        (:data:`~fundmodel.scenario.limits.EXTREME_U`)."""
        lo, hi = self.support()
        if math.isinf(lo) or math.isinf(hi):
            with np.errstate(all="ignore"):
                ends = np.asarray(self.ppf(np.array(EXTREME_U)), dtype=float)
            lo = float(ends[0]) if math.isinf(lo) else lo
            hi = float(ends[1]) if math.isinf(hi) else hi
        return float(lo), float(hi)

    def numeric_problem(self) -> str | None:
        """Why the engine could not compute with this distribution — its mean or the values
        its draws reach are beyond float range or undefined — or None."""
        with np.errstate(all="ignore"):
            try:
                mean = float(self.mean())
                lo, hi = self.reach()
            except (ArithmeticError, ValueError) as exc:
                return f"its mean or range cannot be computed ({exc})"
        if math.isnan(mean):
            return "its mean is undefined (nan) for these parameters"
        if not math.isfinite(mean):
            return f"its mean is {mean:g}: beyond float range (about 1.8e308)"
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return (f"its draws reach [{_fmt(lo)}, {_fmt(hi)}]: beyond float range "
                    "(about 1.8e308)")
        return None

    def point(self, how: PointEstimate) -> float:
        """The point estimate a deterministic run uses: ``mean``, ``median`` or ``mode``."""
        return float({"mean": self.mean, "median": self.median, "mode": self.mode}[how]())


class Normal(_Dist):
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
            return float(f.mean())

    def mode(self) -> float:
        lo, hi = self._trunc()
        return float(min(max(self.mean_, lo), hi))

    def support(self) -> tuple[float, float]:
        if self.sd == 0:
            m = self.mode()
            return m, m
        return self._trunc()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        f = self._frozen()
        if f is None:
            return np.full(np.shape(u), self.mode())
        if self.low is None and self.high is None:
            return stats.norm.ppf(u, loc=self.mean_, scale=self.sd)
        return f.ppf(u)


class LogNormal(_Dist):
    """Log-normal distribution given by the mean and sd of the variable itself, or by ``mu``
    and ``sigma`` of its logarithm (exactly one of the two pairs).

    With mean m and sd s: ``sigma² = ln(1 + s²/m²)``, ``mu = ln m − sigma²/2``.
    """

    dist: Literal["lognormal"]
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
        return np.exp(mu + s * stats.norm.ppf(u))


class Uniform(_Dist):
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


class _ThreePoint(_Dist):
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
        lo, m, hi = self.low, self.mode_, self.high
        return stats.triang.ppf(u, (m - lo) / (hi - lo), loc=lo, scale=hi - lo)


class Pert(_ThreePoint):
    """(Modified) PERT distribution: a beta on ``[low, high]`` with
    ``alpha = 1 + shape·(mode − low)/(high − low)``, ``beta = 1 + shape·(high − mode)/(high − low)``;
    mean ``(low + shape·mode + high) / (shape + 2)``; the classic PERT has shape 4."""

    dist: Literal["pert"]
    shape: float = Field(default=4.0, gt=0)
    """Weight of the mode (4 for the classic PERT)."""

    def _ab(self) -> tuple[float, float]:
        w = self.high - self.low
        return (1 + self.shape * (self.mode_ - self.low) / w,
                1 + self.shape * (self.high - self.mode_) / w)

    def mean(self) -> float:
        return (self.low + self.shape * self.mode_ + self.high) / (self.shape + 2)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, b = self._ab()
        return stats.beta.ppf(u, a, b, loc=self.low, scale=self.high - self.low)


class Beta(_Dist):
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
        return stats.beta.ppf(u, self.a, self.b, loc=self.low, scale=self.high - self.low)


class Choice(_Dist):
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


class Empirical(_Dist):
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
            values = _read_csv_column(context.get("base_dir", "."), self.file, self.column,
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


MAX_CSV_BYTES = 10_000_000
"""Largest CSV file an ``empirical`` distribution reads (10 MB)."""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_ECHO = 40  # longest cell or column name repeated in a message


def _in_folder(folder: str, path: str) -> bool:
    folder, path = os.path.realpath(folder), os.path.realpath(path)
    return os.path.commonpath([folder, path]) == folder


def _read_csv_bytes(base_dir: str, file: str, allow_outside: bool) -> tuple[str, bytes]:
    path = os.path.join(base_dir, file)
    problem = None
    try:
        if not allow_outside and not _in_folder(base_dir, path):
            problem = (f"{file} is outside the scenario's folder; copy it there, or allow data "
                       "files outside it (load_scenario(..., allow_outside_files=True), "
                       "--allow-outside-files)")
        elif not stat.S_ISREG((info := os.stat(path)).st_mode):
            problem = f"{path} is not a regular file"
        elif info.st_size > MAX_CSV_BYTES:
            problem = f"{path} is larger than {MAX_CSV_BYTES:,} bytes ({info.st_size:,})"
        else:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_CSV_BYTES + 1)
            if len(raw) > MAX_CSV_BYTES:  # it grew while being read
                problem = f"{path} is larger than {MAX_CSV_BYTES:,} bytes"
    except OSError as exc:
        problem = f"cannot read {path}: {exc.strerror or exc}"
    except ValueError as exc:  # a NUL character in the name
        problem = f"cannot read {file!r}: {exc}"
    if problem is not None:
        raise fail(problem, "file")
    return path, raw


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _looks_like_a_table(header: list[str], rows: list[list[str]]) -> bool:
    """Whether a file is a CSV table of data (so its column names may be shown): a header of
    short printable names, rows as wide as it, and a column of numbers. A file that is not
    (/etc/passwd, a binary file) is never echoed in a message."""
    if not header or not rows or len(header) > 200:
        return False
    if not all(0 < len(h) <= _MAX_ECHO and h.isprintable() for h in header):
        return False
    if any(len(r) != len(header) for r in rows if r):
        return False
    return any(all(_is_number(r[k].strip()) for r in rows if r and r[k].strip())
               and any(r and r[k].strip() for r in rows) for k in range(len(header)))


def _read_csv_column(base_dir: str, file: str, column: str,
                     allow_outside: bool = False) -> list[float]:
    """The numbers of one column of a CSV file (UTF-8, header line first, empty cells
    skipped), at most :data:`~fundmodel.scenario.limits.MAX_EMPIRICAL_VALUES` of them.

    Every problem is raised with :func:`fail` at ``file`` (or ``column``); no message holds
    the content of a file that is not a CSV table of numbers.
    """
    path, raw = _read_csv_bytes(base_dir, file, allow_outside)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message, line, _ = not_utf8_issue_parts(raw, exc)
        raise fail(f"{path}:{line}: {message.replace('the file is ', '', 1)}", "file") from None
    if m := _CONTROL.search(text):
        line = text.count("\n", 0, m.start()) + 1
        raise fail(f"{path}:{line}: not a CSV text file (it holds the control character "
                   f"U+{ord(m.group()):04X})", "file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit()
        raise fail(f"{path}:{reader.line_num}: not a readable CSV file ({exc})", "file") from None
    if not rows:
        raise fail(f"{path} is empty", "file")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    if column not in header:
        if _looks_like_a_table(header, body):
            listed = ", ".join(header[:20]) + (", ..." if len(header) > 20 else "")
            raise fail(f"{path} has no column '{column}'{did_you_mean(column, header)}; "
                       f"columns: {listed}", "column")
        raise fail(f"{path} has no column '{column}', and its first line is not the header "
                   "of a CSV table of numbers; is it the right file?", "column")
    k = header.index(column)
    values: list[float] = []
    bad: tuple[int, str] | None = None
    for line, row in enumerate(body, start=2):
        cell = row[k].strip() if k < len(row) else ""
        if cell == "":
            continue
        try:
            values.append(float(cell))
        except ValueError:
            bad = bad or (line, cell)
        if len(values) > MAX_EMPIRICAL_VALUES:
            raise fail(f"{path}: more than {MAX_EMPIRICAL_VALUES:,} values in column "
                       f"'{column}'; resample them to fewer", "file")
    if bad is not None:
        line, cell = bad
        if not values:
            raise fail(f"column '{column}' of {path} holds no numbers; is it the right file?",
                       "file")
        shown = f"{cell!r} " if len(cell) <= _MAX_ECHO and cell.isprintable() else ""
        raise fail(f"{path}:{line}: the value {shown}in column '{column}' is not a number",
                   "file")
    return values


Distribution = Annotated[
    Union[Normal, LogNormal, Uniform, Triangular, Pert, Beta, Choice, Empirical],
    Field(discriminator="dist"),
]
"""Any distribution, chosen by its ``dist`` key."""

DISTRIBUTION_NAMES = ("normal", "lognormal", "uniform", "triangular", "pert", "beta", "choice",
                      "empirical")

_HOW_TO_WRITE = ("expected a number or a distribution such as "
                 "{dist: triangular, low: 90, mode: 110, high: 150}")


def _number_or_distribution(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(value, (dict, _Dist)):
        return "distribution"
    return None


def _fmt(x: float) -> str:
    return f"{x:g}"


def _written(value: int | float) -> str:
    """A number as an error message shows it; a huge whole number shortened (1.00e+400)."""
    if isinstance(value, int) and abs(value) >= 10**16:
        digits = str(abs(value))
        sign = "-" if value < 0 else ""
        return f"{sign}{digits[0]}.{digits[1:3]}e+{len(digits) - 1}"
    return _fmt(value) if isinstance(value, float) else str(value)


def _range_text(ge, gt, le, lt) -> str:
    lo = f"[{_fmt(ge)}" if ge is not None else (f"({_fmt(gt)}" if gt is not None else "(-inf")
    hi = f"{_fmt(le)}]" if le is not None else (f"{_fmt(lt)})" if lt is not None else "inf)")
    return f"{lo}, {hi}"


def _inside(x: float, ge, gt, le, lt) -> bool:
    return not ((ge is not None and x < ge) or (gt is not None and x <= gt)
                or (le is not None and x > le) or (lt is not None and x >= lt))


_PERCENT_HINT = " (rates and shares are fractions: did you mean {}?)"

# the parameters of each distribution that are values of the variable (scaled with it)
_VALUE_PARAMS = {"normal": ("mean", "sd", "low", "high"), "lognormal": ("mean", "sd"),
                 "uniform": ("low", "high"), "triangular": ("low", "mode", "high"),
                 "pert": ("low", "mode", "high"), "beta": ("low", "high"),
                 "choice": ("values",), "empirical": ("values",)}


def _scaled_text(d: "_Dist", factor: float) -> str:
    """The distribution as YAML with its value parameters multiplied by ``factor``."""
    data = d.model_dump(by_alias=True, exclude_none=True)
    if getattr(d, "file", None) is not None:
        return f"the values of {d.file} divided by {1 / factor:g}"
    parts = [f"dist: {d.dist}"]
    for key, value in data.items():
        if key in ("dist", "each_year") or (key == "weights" and value is None):
            continue
        if key in _VALUE_PARAMS.get(d.dist, ()):
            value = ([float(f"{v * factor:.12g}") for v in value] if isinstance(value, list)
                     else float(f"{value * factor:.12g}"))
        parts.append(f"{key}: {value:g}" if isinstance(value, float) else f"{key}: {value}")
    return "{" + ", ".join(parts) + "}"


def _number_check(ge, gt, le, lt, percent: bool, reason: str | None,
                  lower_reason: str | None = None):
    """Before pydantic's own range check: an upper-bound error that says why the bound is there
    (``reason``; ``lower_reason`` for the lower bound when it is a magnitude too), and for rates
    and shares the percentage the analyst probably wrote."""
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            return value
        if isinstance(value, float) and not math.isfinite(value):
            return value  # "must be a finite number" comes from the field itself
        if lower_reason and not _inside(value, ge, gt, None, None):
            word, bound = ("greater than or equal to", ge) if ge is not None else ("greater than",
                                                                                 gt)
            raise fail(f"Input should be {word} {_fmt(bound)}, got {_written(value)} "
                       f"({lower_reason})")
        if _inside(value, None, None, le, lt):
            return value
        word, bound = ("less than or equal to", le) if le is not None else ("less than", lt)
        hint = f" ({reason})" if reason else ""
        if percent and _inside(value / 100, ge, gt, le, lt):
            hint = _PERCENT_HINT.format(f"{value / 100:g}")
        shown = f"{bound:,}" if isinstance(bound, int) else _fmt(bound)
        raise fail(f"Input should be {word} {shown}, got {_written(value)}{hint}")
    return check


def _support_check(ge, gt, le, lt, each_year_ok, magnitude=None, what=None, percent=False):
    def check(d: _Dist) -> _Dist:
        if d.each_year and not each_year_ok:
            raise PydanticCustomError(
                "distribution_each_year",
                "each_year is only allowed for growth rates (a value drawn anew every year)")
        if problem := d.numeric_problem():
            raise fail(f"this {d.dist} distribution cannot be computed with: {problem}")
        with np.errstate(all="ignore"):  # finite, as just checked; scipy may still complain
            mean = float(d.mean())
            reach = d.reach()
        lo, hi = d.support()
        bad = ((ge is not None and lo < ge) or (gt is not None and lo <= gt)
               or (le is not None and hi > le) or (lt is not None and hi >= lt))
        if bad:
            allowed = _range_text(ge, gt, le, lt)
            hint = ""
            if (percent and not _inside(mean, ge, gt, le, lt)
                    and _inside(mean / 100, ge, gt, le, lt)):
                hint = _PERCENT_HINT.format(_scaled_text(d, 0.01))
            if math.isinf(lo) or math.isinf(hi):
                raise PydanticCustomError(
                    "distribution_range",
                    f"a {d.dist} distribution is unbounded but this value must lie in {allowed}; "
                    "truncate it with low/high or use a bounded distribution "
                    f"(beta, triangular, pert, uniform){hint}")
            raise PydanticCustomError(
                "distribution_range",
                f"this {d.dist} distribution ranges over [{_fmt(lo)}, {_fmt(hi)}] "
                f"but the value must lie in {allowed}{hint}")
        if magnitude is not None:
            lo, hi = reach
            if max(abs(lo), abs(hi)) > magnitude:
                x = hi if abs(hi) >= abs(lo) else lo
                raise fail(f"this {d.dist} distribution can draw values as large as {x:.3g}, "
                           f"beyond the bound of {magnitude:g} on {what}")
            if abs(mean) > magnitude:
                raise fail(f"this {d.dist} distribution has a mean of {mean:.3g}, beyond the "
                           f"bound of {magnitude:g} on {what}")
        return d
    return check


def uncertain(*, ge: float | None = None, gt: float | None = None,
              le: float | None = None, lt: float | None = None, each_year: bool = False,
              magnitude: float | None = None, what: str | None = None,
              percent: bool = False) -> Any:
    """The type of a number that may be uncertain, with the range it must lie in.

    A plain number is checked against the range; a distribution must have its whole support
    inside it. ``each_year`` allows distributions drawn anew every operating year.

    ``magnitude`` bounds the absolute value (of a plain number; of the mean and of every value
    a distribution's draws can reach, see :meth:`_Dist.reach`), ``what`` names the quantity in
    messages. ``percent`` marks rates and shares: a value above the range that fits once divided
    by 100 is reported as a percentage ("did you mean 0.035?").
    """
    n_ge, n_le = ge, le
    if magnitude is not None:
        if le is None and lt is None:
            n_le = magnitude
        if ge is None and gt is None:
            n_ge = -magnitude
    reason = f"the bound on {what}" if magnitude is not None and what else None
    lower_reason = reason if magnitude is not None and ge is None and gt is None else None
    return Annotated[
        Union[
            Annotated[float, Field(ge=n_ge, gt=gt, le=n_le, lt=lt),
                      BeforeValidator(_number_check(n_ge, gt, n_le, lt, percent, reason,
                                                    lower_reason)),
                      Tag("number")],
            Annotated[Distribution,
                      AfterValidator(_support_check(ge, gt, le, lt, each_year, magnitude, what,
                                                    percent)),
                      Tag("distribution")],
        ],
        Discriminator(_number_or_distribution, custom_error_type="uncertain",
                      custom_error_message=_HOW_TO_WRITE),
    ]


def bounded(kind: type, *, ge: float | None = None, gt: float | None = None,
            le: float | None = None, lt: float | None = None, percent: bool = False,
            reason: str | None = None, lower_reason: str | None = None) -> Any:
    """A plain (never uncertain) ``float`` or ``int`` in a range, with the same messages as
    :func:`uncertain`: the reason for an upper bound (and for a lower one given
    ``lower_reason``), or the percentage behind a rate."""
    return Annotated[kind, Field(ge=ge, gt=gt, le=le, lt=lt),
                     BeforeValidator(_number_check(ge, gt, le, lt, percent, reason,
                                                   lower_reason))]


Uncertain = uncertain()
"""Any real number or distribution."""
