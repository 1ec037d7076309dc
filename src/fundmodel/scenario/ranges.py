"""Numbers with the range they must lie in: the field types of every scenario number.

:func:`uncertain` is a number that may be written as a distribution, :func:`bounded` a plain
number. A plain number is checked against its range (with "did you mean 0.035?" for a rate
written as a percentage); a distribution must have its whole support inside the range, and its
mean and the values its draws can reach within the magnitude bound.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Union

import numpy as np
from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag
from pydantic_core import PydanticCustomError

from .base import fail
from .distributions import Distribution, DistributionBase

__all__ = ["uncertain", "bounded", "Uncertain"]


_HOW_TO_WRITE = ("expected a number or a distribution such as "
                 "{dist: triangular, low: 90, mode: 110, high: 150}")


def _number_or_distribution(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(value, (dict, DistributionBase)):
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


def _scaled_text(d: "DistributionBase", factor: float) -> str:
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
        if percent and abs(value) < 1e300 and _inside(value / 100, ge, gt, le, lt):
            hint = _PERCENT_HINT.format(f"{value / 100:g}")   # (an int of 400 digits: no hint)
        shown = f"{bound:,}" if isinstance(bound, int) else _fmt(bound)
        raise fail(f"Input should be {word} {shown}, got {_written(value)}{hint}")
    return check


def _support_check(ge, gt, le, lt, each_year_ok, magnitude=None, what=None, percent=False):
    def check(d: DistributionBase) -> DistributionBase:
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
    a distribution's draws can reach, see :meth:`DistributionBase.reach`), ``what`` names the quantity in
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
