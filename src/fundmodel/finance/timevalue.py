"""Vectorised time-value-of-money primitives.

This module is a leaf of :mod:`fundmodel`: pure arithmetic on numpy arrays.
It imports nothing but numpy, prints nothing and holds no state.

Conventions
-----------
* Money is in CNY; rates and growth rates are fractions (``0.04``, not ``4``).
* Cash flows fall at year end.  **Time is the last axis**: index 0 of a
  cash-flow series is year 0 (today, undiscounted) and index ``t`` is
  discounted by ``(1 + rate) ** t``.
* Leading axes broadcast.  The typical input is a Monte Carlo block of shape
  ``(n_draws, n_years)``; a rate may then be a scalar or an array of shape
  ``(n_draws,)``, which is matched against the *leading* axes of the cash
  flows (``rate[..., None]`` against ``cashflows``).
* A 1-D series gives a 0-d (scalar) result.
* Rates must lie in the economic domain ``rate > -1``; a rate at or below
  -100 % raises :class:`ValueError`.  NaN inputs propagate as NaN.

Everything is vectorised over the draws; the only Python loops run over years
(Horner recursions), over the iterations of the IRR solver (all draws advance
together), and over fixed-size blocks of rows in the IRR bracketing pass
(which only bounds the size of temporaries).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "IRR_ALL_ZERO",
    "IRR_INVALID_INPUT",
    "IRR_NO_CONVERGENCE",
    "IRR_NO_ROOT_FOUND",
    "IRR_NO_SIGN_CHANGE",
    "IRR_OK",
    "IRR_REASONS",
    "discount_factors",
    "escalating_annuity_factor",
    "ipmt",
    "irr",
    "npv",
    "payback_period",
    "pmt",
    "ppmt",
    "pv_annuity_factor",
    "spv",
    "upv",
    "upv_star",
]

# --------------------------------------------------------------------------
# IRR reason codes
# --------------------------------------------------------------------------

IRR_OK: Final[int] = 0
"""A root was found and converged to the requested tolerance."""
IRR_NO_SIGN_CHANGE: Final[int] = 1
"""The cash flows never change sign (all >= 0 or all <= 0, not all zero):
NPV has no root above -100 %, so no IRR exists."""
IRR_NO_CONVERGENCE: Final[int] = 2
"""A sign change of NPV was bracketed but the iteration did not reach the
tolerance within ``maxiter`` iterations."""
IRR_ALL_ZERO: Final[int] = 3
"""Every cash flow is zero: NPV is identically zero and the IRR is undefined."""
IRR_NO_ROOT_FOUND: Final[int] = 4
"""The cash flows change sign but NPV does not change sign between any two
neighbouring points of the bracketing grid (no real root, or only roots of
even multiplicity / pairs of roots closer together than the grid spacing)."""
IRR_INVALID_INPUT: Final[int] = 5
"""The series contains NaN or an infinite value."""

IRR_REASONS: Final[dict[int, str]] = {
    IRR_OK: "ok",
    IRR_NO_SIGN_CHANGE: "cash flows do not change sign",
    IRR_NO_CONVERGENCE: "no convergence within maxiter",
    IRR_ALL_ZERO: "all cash flows are zero",
    IRR_NO_ROOT_FOUND: "no sign change of NPV on the bracketing grid",
    IRR_INVALID_INPUT: "non-finite cash flow",
}
"""Human-readable description of each IRR reason code."""

# Interior points of the bracketing grid used by :func:`irr` (rates).  Dense
# where project returns live, sparse towards the ends; the two ends of the
# domain (-1 and +inf) are added as limit points.
_IRR_GRID: Final[NDArray[np.float64]] = np.unique(
    np.concatenate(
        [
            [-0.999999, -0.9999, -0.999, -0.99, -0.98, -0.95, -0.9, -0.85],
            np.arange(-0.80, -0.30, 0.05),
            np.arange(-0.30, 0.30, 0.02),
            np.arange(0.30, 0.60, 0.05),
            [0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0],
            [10.0, 15.0, 20.0, 30.0, 50.0, 100.0, 1e3, 1e4, 1e6],
        ]
    ).round(12)
)

# Largest |log| of a discount factor used when bracketing / evaluating NPV
# (exp(575) ~ 1e250): keeps every product with a cash flow far from overflow.
_IRR_MAX_LOG: Final[float] = 575.0

# Rows per block in the grid-bracketing pass of irr (bounds temporaries to a
# few tens of MB whatever the number of draws).
_IRR_BLOCK_ROWS: Final[int] = 1 << 15

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _as_float(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _check_rate(rate: FloatArray, name: str = "rate") -> None:
    # NaN compares False and is allowed through (it propagates).
    if np.any(rate <= -1.0):
        raise ValueError(f"{name} must be greater than -1 (i.e. above -100 %)")


def _scalarise(a: FloatArray) -> Any:
    """Return a numpy scalar for 0-d arrays, the array itself otherwise."""
    return a[()] if a.ndim == 0 else a


def _as_cashflows(cashflows: ArrayLike) -> FloatArray:
    cf = _as_float(cashflows)
    if cf.ndim == 0:
        raise ValueError("cashflows must have a time axis (last axis)")
    if cf.shape[-1] == 0:
        raise ValueError("cashflows must contain at least one period")
    return cf


# --------------------------------------------------------------------------
# discounting
# --------------------------------------------------------------------------


def discount_factors(rate: ArrayLike, n_periods: int, start: int = 0) -> FloatArray:
    r"""Discount factors :math:`(1 + r)^{-t}` for consecutive years.

    .. math:: d_t = (1 + r)^{-t}, \qquad t = \text{start}, \dots,
              \text{start} + \text{n\_periods} - 1

    Parameters
    ----------
    rate : float or array_like
        Discount rate per year as a fraction (``0.04`` for 4 %), ``> -1``.
        Any shape; a new last axis of length `n_periods` is appended.
    n_periods : int
        Number of years, ``>= 0``.
    start : int, default 0
        Year of the first factor.  ``start=0`` gives the factor of year 0,
        which is 1 (cash flows at index 0 are undiscounted).

    Returns
    -------
    ndarray
        Shape ``np.shape(rate) + (n_periods,)``; dimensionless.

    Raises
    ------
    ValueError
        If any rate is ``<= -1`` or `n_periods` is negative.

    Examples
    --------
    >>> discount_factors(0.1, 3)
    array([1.        , 0.90909091, 0.82644628])
    >>> discount_factors([0.0, 1.0], 2, start=1)
    array([[1.  , 1.  ],
           [0.5 , 0.25]])
    """
    n_periods = int(n_periods)
    if n_periods < 0:
        raise ValueError("n_periods must be >= 0")
    r = _as_float(rate)
    _check_rate(r)
    t = np.arange(int(start), int(start) + n_periods, dtype=np.float64)
    return np.power(1.0 + r[..., np.newaxis], -t)


def npv(rate: ArrayLike, cashflows: ArrayLike) -> Any:
    r"""Net present value of year-end cash flows, year 0 undiscounted.

    .. math:: \mathrm{NPV} = \sum_{t=0}^{T-1} \frac{CF_t}{(1 + r)^t}

    where ``t`` runs along the last axis of `cashflows`.

    This is numpy-financial's convention, **not** Excel's ``NPV``: Excel's
    ``NPV(r, v1, ..., vn)`` discounts its first value by one full period,
    :math:`\sum_{i=1}^{n} v_i / (1+r)^i`.  To reproduce Excel either divide
    by ``1 + r`` (``npv(r, v) / (1 + r)``) or prepend a zero year
    (``npv(r, [0, *v])``).  The usual spreadsheet idiom
    ``= CF0 + NPV(r, CF1..CFn)`` equals ``npv(r, [CF0, CF1, ..., CFn])``.

    Parameters
    ----------
    rate : float or array_like
        Discount rate per year (fraction, ``> -1``).  A scalar, or an array
        broadcasting against the leading axes ``cashflows.shape[:-1]`` (for
        example shape ``(n_draws,)`` with cash flows ``(n_draws, n_years)``).
    cashflows : array_like
        Cash flows in CNY, shape ``(..., n_years)``; time on the last axis.

    Returns
    -------
    float or ndarray
        NPV in CNY, shape ``broadcast(rate.shape, cashflows.shape[:-1])``;
        a numpy scalar for a 1-D series and scalar rate.

    Examples
    --------
    >>> round(float(npv(0.1, [-100, 60, 60])), 10)  # -100 + 60/1.1 + 60/1.21
    4.132231405
    """
    cf = _as_cashflows(cashflows)
    r = _as_float(rate)
    _check_rate(r)
    n_years = cf.shape[-1]
    if r.ndim == 0:
        # One discount vector for every series: a single matrix-vector product.
        out = cf @ discount_factors(r, n_years)
    else:
        out = np.vecdot(cf, discount_factors(r, n_years), axis=-1)
    return _scalarise(np.asarray(out, dtype=np.float64))


# --------------------------------------------------------------------------
# annuities
# --------------------------------------------------------------------------


def pv_annuity_factor(rate: ArrayLike, n: ArrayLike) -> Any:
    r"""Present value of 1 CNY paid at the end of each of `n` years.

    .. math:: a_{\overline{n}|r} = \sum_{t=1}^{n} (1 + r)^{-t}
              = \frac{1 - (1 + r)^{-n}}{r}, \qquad
              a_{\overline{n}|0} = n

    The closed form is evaluated as ``-expm1(-n * log1p(r)) / r``, which
    stays accurate for rates close to 0; ``rate == 0`` returns exactly `n`.

    Parameters
    ----------
    rate : float or array_like
        Discount rate per year (fraction, ``> -1``).
    n : int, float or array_like
        Number of annual payments (years); broadcasts with `rate`.

    Returns
    -------
    float or ndarray
        Annuity factor in years (CNY of present value per CNY of annual
        payment), shape ``broadcast(rate, n)``.

    Examples
    --------
    >>> round(float(pv_annuity_factor(0.1, 2)), 10)  # 1/1.1 + 1/1.21
    1.7355371901
    >>> float(pv_annuity_factor(0.0, 20))
    20.0
    """
    r = _as_float(rate)
    _check_rate(r)
    nn = _as_float(n)
    zero = r == 0.0
    r_safe = np.where(zero, 1.0, r)
    factor = -np.expm1(-nn * np.log1p(r_safe)) / r_safe
    return _scalarise(np.asarray(np.where(zero, nn, factor), dtype=np.float64))


def escalating_annuity_factor(rate: ArrayLike, growth: ArrayLike, n: ArrayLike) -> Any:
    r"""Present value of an annual payment growing at `growth` for `n` years.

    The payment is 1 CNY at the end of year 1, ``(1+g)`` at the end of year
    2, ..., ``(1+g)^{n-1}`` at the end of year `n` (a growing annuity):

    .. math:: \sum_{t=1}^{n} \frac{(1 + g)^{t-1}}{(1 + r)^{t}}
              = \frac{1 - \left(\frac{1+g}{1+r}\right)^{n}}{r - g},
              \qquad r = g:\ \frac{n}{1 + r}

    The power ``((1+g)/(1+r))**n`` is evaluated through ``log1p`` /
    ``expm1`` of ``(g - r) / (1 + r)``, so the result is continuous and
    accurate as ``g -> r``; ``g == r`` is handled exactly.  With ``g = 0``
    the factor equals :func:`pv_annuity_factor`.

    Parameters
    ----------
    rate : float or array_like
        Discount rate per year (fraction, ``> -1``).
    growth : float or array_like
        Annual growth rate of the payment (fraction, ``> -1``).
    n : int, float or array_like
        Number of annual payments (years).  All three inputs broadcast.

    Returns
    -------
    float or ndarray
        Factor in years (CNY of present value per CNY of first payment).

    Examples
    --------
    >>> round(float(escalating_annuity_factor(0.1, 0.05, 2)), 10)  # 1/1.1 + 1.05/1.21
    1.7768595041
    >>> round(float(escalating_annuity_factor(0.05, 0.05, 10)), 10)  # 10 / 1.05
    9.5238095238
    """
    r = _as_float(rate)
    g = _as_float(growth)
    _check_rate(r)
    _check_rate(g, "growth")
    nn = _as_float(n)
    diff = g - r
    equal = diff == 0.0
    one_r = 1.0 + r
    x = diff / one_r  # (1+g)/(1+r) - 1
    small = np.abs(x) < 0.5
    # log((1+g)/(1+r)): log1p(x) is accurate for small x; otherwise the
    # difference of logs avoids x rounding to -1 when g is close to -1.
    log_q = np.where(
        small,
        np.log1p(np.where(small, x, 0.0)),
        np.log1p(g) - np.log1p(r),
    )
    diff_safe = np.where(equal, 1.0, diff)
    factor = np.expm1(nn * log_q) / diff_safe  # (q**n - 1) / (g - r)
    out = np.where(equal, nn / one_r, factor)
    return _scalarise(np.asarray(out, dtype=np.float64))


# --------------------------------------------------------------------------
# NIST Handbook 135 present-value factors
# --------------------------------------------------------------------------
# Named and defined as published in NIST Handbook 135 (Life-Cycle Costing
# Manual for the Federal Energy Management Program) and its annual
# supplement of discount factors, so that figures can be checked against the
# published tables.  ``d`` is the discount rate, ``e`` the escalation rate,
# ``n`` the number of years; amounts fall at year end.


def spv(rate: ArrayLike, n: ArrayLike) -> Any:
    r"""NIST single present value factor: today's value of 1 CNY paid at the end of year `n`.

    .. math:: \mathrm{SPV}(d, n) = \frac{1}{(1 + d)^{n}}

    The same number as ``discount_factors(rate, 1, start=n)``, for any
    (broadcast) `n`.

    Parameters
    ----------
    rate : float or array_like
        Discount rate ``d`` per year (fraction, ``> -1``).
    n : int, float or array_like
        Year of the payment; broadcasts with `rate`.

    Returns
    -------
    float or ndarray
        Present value per CNY paid (dimensionless), shape ``broadcast(rate, n)``.

    Examples
    --------
    >>> round(float(spv(0.03, 10)), 4)  # NIST Handbook 135: 0.7441
    0.7441
    """
    d = _as_float(rate)
    _check_rate(d)
    nn = _as_float(n)
    return _scalarise(np.asarray(np.exp(-nn * np.log1p(d)), dtype=np.float64))


def upv(rate: ArrayLike, n: ArrayLike) -> Any:
    r"""NIST uniform present value factor: today's value of 1 CNY a year for `n` years.

    .. math:: \mathrm{UPV}(d, n) = \sum_{t=1}^{n} \frac{1}{(1 + d)^{t}}
              = \frac{(1 + d)^{n} - 1}{d\,(1 + d)^{n}}, \qquad \mathrm{UPV}(0, n) = n

    Payments at the end of years 1..n; this is the same factor as
    :func:`pv_annuity_factor` (the annuity-certain :math:`a_{\overline{n}|d}`),
    under the Handbook's name.

    Parameters
    ----------
    rate : float or array_like
        Discount rate ``d`` per year (fraction, ``> -1``).
    n : int, float or array_like
        Number of annual payments (years); broadcasts with `rate`.

    Returns
    -------
    float or ndarray
        Years of payment (CNY of present value per CNY a year).

    Examples
    --------
    >>> round(float(upv(0.03, 10)), 3)  # NIST Handbook 135: 8.530
    8.53
    """
    return pv_annuity_factor(rate, n)


def upv_star(rate: ArrayLike, escalation: ArrayLike, n: ArrayLike) -> Any:
    r"""NIST modified uniform present value factor UPV*: an annual amount escalating from year 0.

    The amount is 1 CNY in today's prices and escalates at `escalation` from
    year 0, so the payment at the end of year ``t`` is :math:`(1 + e)^{t}`
    (the first payment, end of year 1, is already :math:`1 + e`):

    .. math:: \mathrm{UPV^*}(d, e, n) = \sum_{t=1}^{n} \left(\frac{1 + e}{1 + d}\right)^{t}
              = \frac{1 + e}{d - e}\left[1 - \left(\frac{1 + e}{1 + d}\right)^{n}\right],
              \qquad d = e:\ n

    This differs from :func:`escalating_annuity_factor`, whose first payment
    is 1 (payments :math:`(1+g)^{t-1}`): ``upv_star(d, e, n) ==
    (1 + e) * escalating_annuity_factor(d, e, n)``.  With ``e = 0`` it equals
    :func:`upv`.

    Parameters
    ----------
    rate : float or array_like
        Discount rate ``d`` per year (fraction, ``> -1``).
    escalation : float or array_like
        Escalation rate ``e`` of the amount per year (fraction, ``> -1``).
    n : int, float or array_like
        Number of annual payments (years).  All three inputs broadcast.

    Returns
    -------
    float or ndarray
        Factor in years (CNY of present value per CNY a year in year-0 prices).

    Examples
    --------
    >>> round(float(upv_star(0.03, 0.03, 10)), 10)  # d = e: n
    10.0
    """
    e = _as_float(escalation)
    factor = _as_float(escalating_annuity_factor(rate, e, n))
    return _scalarise(np.asarray((1.0 + e) * factor, dtype=np.float64))


def pmt(
    rate: ArrayLike,
    nper: ArrayLike,
    pv: ArrayLike,
    fv: ArrayLike = 0,
    when: str | int | ArrayLike = "end",
) -> Any:
    r"""Level periodic payment that amortises `pv` to `fv` over `nper` periods.

    Solves the time-value-of-money identity used by numpy-financial and
    spreadsheets,

    .. math:: fv + pv (1 + r)^n + pmt\,(1 + r\,w)\,\frac{(1 + r)^n - 1}{r} = 0,

    for ``pmt``, where ``w = 0`` for payments at the end of each period and
    ``w = 1`` at the beginning; for ``r = 0`` the fraction becomes ``n`` and
    ``pmt = -(fv + pv) / n``.

    Sign convention (numpy-financial / Excel): money received is positive
    and money paid out negative, so a loan received (``pv > 0``) gives a
    negative payment.

    Parameters
    ----------
    rate : float or array_like
        Interest rate per period (fraction, ``> -1``).
    nper : float or array_like
        Number of periods, ``> 0``.
    pv : float or array_like
        Present value (CNY).
    fv : float or array_like, default 0
        Future value remaining after the last payment (CNY).
    when : {'end', 'begin', 0, 1} or array_like of {0, 1}, default 'end'
        Timing of the payments within each period.

    Returns
    -------
    float or ndarray
        Payment per period (CNY), shape ``broadcast(rate, nper, pv, fv, when)``.

    Raises
    ------
    ValueError
        If a rate is ``<= -1``, a `nper` is ``<= 0`` or `when` is not valid.

    Examples
    --------
    >>> round(float(pmt(0.1, 2, 100)), 10)  # -100 / (1/1.1 + 1/1.21)
    -57.619047619
    >>> float(pmt(0.0, 4, 100))
    -25.0
    """
    r = _as_float(rate)
    _check_rate(r)
    n = _as_float(nper)
    if np.any(n <= 0):
        raise ValueError("nper must be > 0")
    pv_ = _as_float(pv)
    fv_ = _as_float(fv)
    w = _when_to_float(when)
    zero = r == 0.0
    r_safe = np.where(zero, 1.0, r)
    log_growth = n * np.log1p(r_safe)
    growth = np.exp(log_growth)  # (1+r)**n
    fact = np.where(zero, n, (1.0 + r_safe * w) * np.expm1(log_growth) / r_safe)
    growth = np.where(zero, 1.0, growth)
    out = -(fv_ + pv_ * growth) / fact
    return _scalarise(np.asarray(out, dtype=np.float64))


def ipmt(
    rate: ArrayLike,
    per: ArrayLike,
    nper: ArrayLike,
    pv: ArrayLike,
    fv: ArrayLike = 0,
    when: str | int | ArrayLike = "end",
) -> Any:
    r"""Interest part of the level payment :func:`pmt` in period `per` (1-based).

    The interest of period ``k`` is the rate times the balance after ``k − 1`` payments,

    .. math:: B_{k-1} = pv (1 + r)^{k-1}
              + pmt\,(1 + r\,w)\,\frac{(1 + r)^{k-1} - 1}{r}, \qquad
              ipmt_k = -r\,B_{k-1}

    (numpy-financial's convention and sign: a loan received, ``pv > 0``, pays negative
    interest). With payments at the beginning (``w = 1``) no interest has accrued in period 1
    (0), and later periods are discounted by one period, ``/(1 + r)``. For ``r = 0`` the
    interest is 0. A `per` below 1 gives NaN.

    Parameters
    ----------
    rate : float or array_like
        Interest rate per period (fraction, ``> -1``).
    per : int or array_like
        The period, 1..`nper`.
    nper : float or array_like
        Number of periods, ``> 0``.
    pv, fv : float or array_like
        Present value and the value left after the last payment (CNY).
    when : {'end', 'begin', 0, 1} or array_like of {0, 1}, default 'end'
        Timing of the payments within each period.

    Returns
    -------
    float or ndarray
        Interest paid in period `per` (CNY), shape ``broadcast(rate, per, nper, pv, fv,
        when)``.

    Examples
    --------
    >>> round(float(ipmt(0.1, 1, 2, 100)), 10)  # 10 % of 100 in the first year
    -10.0
    >>> round(float(ipmt(0.1, 2, 2, 100)), 10)  # 10 % of 100 − (57.619… − 10)
    -5.2380952381
    """
    r = _as_float(rate)
    _check_rate(r)
    k = _as_float(per)
    w = _when_to_float(when)
    payment = _as_float(pmt(r, nper, pv, fv, w))
    r, k, w, payment, pv_ = np.broadcast_arrays(r, k, w, payment, _as_float(pv))
    zero = r == 0.0
    safe = np.where(zero, 1.0, r)
    log_growth = (k - 1.0) * np.log1p(safe)
    fact = np.where(zero, k - 1.0, (1.0 + safe * w) * np.expm1(log_growth) / safe)
    balance = pv_ * np.exp(np.where(zero, 0.0, log_growth)) + payment * fact
    out = -r * balance
    out = np.where((w == 1.0) & (k > 1), out / (1.0 + r), out)
    out = np.where((w == 1.0) & (k == 1), 0.0, out)
    out = np.where(k < 1, np.nan, out)
    return _scalarise(np.asarray(out, dtype=np.float64))


def ppmt(
    rate: ArrayLike,
    per: ArrayLike,
    nper: ArrayLike,
    pv: ArrayLike,
    fv: ArrayLike = 0,
    when: str | int | ArrayLike = "end",
) -> Any:
    r"""Principal part of the level payment :func:`pmt` in period `per` (1-based):
    ``pmt − ipmt`` (numpy-financial's convention and sign; see :func:`ipmt`).

    Examples
    --------
    >>> round(float(ppmt(0.1, 1, 2, 100)), 10)  # −57.619… + 10
    -47.619047619
    >>> float(ppmt(0.0, 3, 4, 100))
    -25.0
    """
    return _scalarise(np.asarray(_as_float(pmt(rate, nper, pv, fv, when))
                                 - _as_float(ipmt(rate, per, nper, pv, fv, when)),
                                 dtype=np.float64))


_WHEN_END: Final[tuple[str, ...]] = ("end", "e", "finish")
_WHEN_BEGIN: Final[tuple[str, ...]] = ("begin", "b", "start")


def _when_to_float(when: str | int | ArrayLike) -> FloatArray:
    """Map `when` ('end'/'begin' or 0/1, scalar or array) to 0.0 / 1.0."""
    arr = np.asarray(when)
    if arr.dtype.kind in "US":
        low = np.char.lower(arr.astype(str))
        begin = np.isin(low, _WHEN_BEGIN)
        if not np.all(begin | np.isin(low, _WHEN_END)):
            raise ValueError(f"when must be 'end' or 'begin', got {when!r}")
        return begin.astype(np.float64)
    w = arr.astype(np.float64)
    if not np.all((w == 0.0) | (w == 1.0)):
        raise ValueError("when must be 0 ('end') or 1 ('begin')")
    return w


# --------------------------------------------------------------------------
# IRR
# --------------------------------------------------------------------------


def _irr_grid(guess: float, n_years: int) -> tuple[FloatArray, int]:
    """Bracketing grid for series of `n_years` years, with `guess` inserted.

    Negative rates whose discount factor ``(1+r)**-(T-1)`` would exceed
    ``exp(_IRR_MAX_LOG)`` are dropped (their cells merge into the end cell
    next to -1).  Returns the sorted grid and the index of `guess` among the
    points ``[-1, *grid, +inf]``.  A `guess` below the lowest usable rate
    splits the grid at that rate instead.
    """
    grid = _IRR_GRID
    if n_years > 1:
        grid = grid[-np.log1p(grid) * (n_years - 1) <= _IRR_MAX_LOG]
    split = max(guess, float(grid[0]))
    grid = np.unique(np.append(grid, split))
    return grid, 1 + int(np.searchsorted(grid, split))


def _newton_eval(
    cft: FloatArray, r: FloatArray, deg: NDArray[np.intp]
) -> tuple[FloatArray, FloatArray]:
    """Sign-carrying NPV value and Newton step ``-NPV(r)/NPV'(r)``.

    `cft` has shape (T, m) (time first, contiguous rows) and holds series
    whose first cash flow is non-zero; `deg` (m,) is the index of the last
    non-zero cash flow; `r` (m,) with ``r > -1``.  Returns ``(g, step)``:
    ``g`` has the sign of NPV(r) (NPV times a positive factor) and ``step``
    is the Newton correction of the rate (NaN where the derivative
    vanishes).

    NPV is evaluated by Horner's scheme as the polynomial
    ``P(v) = sum cf_t v**t`` in ``v = 1/(1+r)``; where ``v**deg`` could
    overflow (rates very close to -1) it is evaluated instead as
    ``Q(u) = u**deg * NPV = sum cf_t u**(deg-t)`` in ``u = 1+r``, whose
    constant term ``cf_deg`` is non-zero, so neither form can underflow to a
    spurious zero.
    """
    n_years = cft.shape[0]
    m = r.shape[0]
    if n_years == 1:
        return cft[0].copy(), np.full(m, np.nan)
    log_v = -np.log1p(np.where(r > -1.0, r, 0.0))
    use_rev = (r <= -1.0) | (deg * log_v > _IRR_MAX_LOG)
    v = 1.0 / (1.0 + np.where(use_rev, 0.0, r))

    if not np.any(use_rev):
        p = cft[n_years - 1].copy()
        dp = np.zeros(m)
        for k in range(n_years - 2, -1, -1):
            np.multiply(dp, v, out=dp)
            dp += p
            np.multiply(p, v, out=p)
            p += cft[k]
        # NPV = P(v), dNPV/dr = -P'(v) v**2  =>  step = P / (P'(v) v**2)
        den = dp * v * v
        ok = den != 0.0
        with np.errstate(over="ignore"):    # an infinite step is refused: bisection
            step = np.where(ok, p / np.where(ok, den, 1.0), np.nan)
        return p, step

    # Mixed: forward rows run Horner on cf[T-1], ..., cf[0] in v; reversed
    # rows on cf[0], ..., cf[deg] in u (and stop after their degree).
    u = 1.0 + r
    x = np.where(use_rev, u, v)
    p = np.where(use_rev, cft[0], cft[n_years - 1])
    dp = np.zeros(m)
    c = np.empty(m)
    for k in range(1, n_years):
        np.copyto(c, cft[n_years - 1 - k])
        np.copyto(c, cft[k], where=use_rev)
        upd = ~use_rev | (k <= deg)
        dp_new = dp * x + p
        p_new = p * x + c
        np.copyto(dp, dp_new, where=upd)
        np.copyto(p, p_new, where=upd)
    # reversed: NPV = u**-deg Q(u)  =>  step = -u Q / (u Q'(u) - deg Q)
    num = np.where(use_rev, -u * p, p)
    den = np.where(use_rev, u * dp - deg * p, dp * x * x)
    ok = den != 0.0
    with np.errstate(over="ignore"):        # an infinite step is refused: bisection
        step = np.where(ok, num / np.where(ok, den, 1.0), np.nan)
    return p, step


def _bisect_point(lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Midpoint of [lo, hi]; for ``hi = +inf`` the midpoint in ``x = 1/(2+r)``.

    With ``x_hi = 0`` the x-midpoint is ``x_lo / 2``, i.e. ``r = 2 lo + 2``
    (the bracket is expanded geometrically towards +inf).
    """
    inf_hi = np.isinf(hi)
    mid = 0.5 * (lo + np.where(inf_hi, lo, hi))
    return np.where(inf_hi, 2.0 * lo + 2.0, mid)


def _solve_brackets(
    cft: FloatArray,
    deg: NDArray[np.intp],
    lo: FloatArray,
    hi: FloatArray,
    lo_pos: NDArray[np.bool_],
    r0: FloatArray,
    tol: float,
    maxiter: int,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Safeguarded Newton (rtsafe) on many brackets at once.

    Column ``j`` of `cft` (shape (T, m), first cash flow non-zero, last
    non-zero one at ``deg[j]``) is a series whose NPV changes sign on
    ``(lo[j], hi[j])``; `lo_pos` tells whether NPV is positive at (or
    towards) ``lo``; `r0` is a starting point strictly inside the bracket.
    All brackets advance together, one vectorised Horner pass per
    iteration; finished brackets are frozen and dropped from the working set
    once they make up half of it.  Returns the roots and a converged
    mask.
    """
    m_total = lo.shape[0]
    root = np.full(m_total, np.nan)
    converged = np.zeros(m_total, dtype=bool)
    if m_total == 0:
        return root, converged

    idx = np.arange(m_total)
    lo = lo.copy()
    hi = hi.copy()
    r = r0.copy()
    dx = np.where(np.isinf(hi), np.inf, hi - lo)  # last update
    dx_old = dx.copy()  # update before last
    fin = np.zeros(m_total, dtype=bool)
    work = cft
    any_inf = bool(np.isinf(hi).any())

    for _ in range(maxiter):
        g, step = _newton_eval(work, r, deg)
        g_pos = g > 0.0
        g_neg = g < 0.0
        is_root = g == 0.0
        # keep the sign change inside [lo, hi]
        np.copyto(lo, r, where=np.where(lo_pos, g_pos, g_neg))
        np.copyto(hi, r, where=np.where(lo_pos, g_neg, g_pos))

        # A NaN step (vanishing derivative) fails every comparison below and
        # falls back to bisection.
        abs_step = np.abs(step)
        r_newton = r + step
        tiny = abs_step <= tol * (1.0 + r)          # relative to the growth factor 1 + r
        # Newton is taken when it lands strictly inside the bracket and the
        # update at least halves every two iterations (rtsafe rule).
        take = (r_newton > lo) & (r_newton < hi) & (abs_step <= 0.5 * dx_old)
        take |= tiny
        mid = _bisect_point(lo, hi) if any_inf else 0.5 * (lo + hi)
        r_new = np.where(take, r_newton, mid)
        np.copyto(r_new, r, where=is_root)
        upd = np.abs(r_new - r)
        # Converged: NPV exactly zero, a Newton step below tolerance, an
        # update below tolerance, or a bracket that cannot be split further.
        done = upd <= tol * (1.0 + r_new)
        done |= is_root | tiny | (r_new <= lo) | (r_new >= hi)
        done &= (g_pos | g_neg | is_root) & ~fin  # g is not NaN
        if np.any(done):
            root[idx[done]] = r_new[done]
            converged[idx[done]] = True
            fin |= done
        dx_old = dx
        dx = upd
        np.copyto(r, r_new, where=~fin)

        n_fin = int(np.count_nonzero(fin))
        if n_fin == fin.shape[0]:
            break
        if n_fin >= 0.5 * fin.shape[0]:
            keep = ~fin
            idx = idx[keep]
            lo = lo[keep]
            hi = hi[keep]
            lo_pos = lo_pos[keep]
            deg = deg[keep]
            r = r[keep]
            dx = dx[keep]
            dx_old = dx_old[keep]
            fin = fin[keep]
            work = np.ascontiguousarray(work[:, keep])
            any_inf = bool(np.isinf(hi).any())
    return root, converged


def irr(
    cashflows: ArrayLike,
    *,
    guess: float = 0.1,
    tol: float = 1e-12,
    maxiter: int = 100,
    return_reason: bool = False,
) -> Any:
    r"""Internal rate of return of every series along the leading axes.

    The IRR is a rate :math:`r > -1` at which the NPV of the series is zero,

    .. math:: \sum_{t=0}^{T-1} \frac{CF_t}{(1 + r)^t} = 0,

    with time on the last axis and year 0 undiscounted (the convention of
    :func:`npv` and of numpy-financial).

    **Algorithm.**  (1) The sign of NPV is evaluated for all series at once
    on a fixed grid of about 80 candidate rates from -0.999999 to 1e6, plus
    `guess` itself, plus the two ends of the domain (the sign of NPV as
    ``r -> -1`` is that of the last non-zero cash flow and as
    ``r -> +inf`` that of the first non-zero cash flow).  Every pair of
    neighbouring grid points where NPV changes sign brackets at least one
    root; a grid point where NPV is exactly zero is itself a root.  (On
    long series, grid rates so close to -1 that ``(1+r)**-(T-1)`` would
    exceed ~1e250 are left out; leading and trailing zero years are
    ignored, as they do not move the roots.)
    The grid's NPVs come from a matrix product, whose last bits depend on
    how many series are computed together; a series with a grid NPV within
    the product's rounding bound of zero is evaluated again by Horner's
    scheme, so the signs, the bracket and (from the cell's ends, evaluated
    per series) the starting point depend on the series alone: **a series'
    IRR has the same bits alone or in any batch.**
    (2) The selected bracket(s) are refined for all series together by a
    safeguarded Newton iteration: the bracket ``[lo, hi]`` is kept, the
    Newton step is taken when it lands inside the bracket (and shrinks fast
    enough), otherwise the bracket is bisected.  Iteration stops when the
    update is below ``tol * (1 + |r|)``; because the last update is a
    Newton step the error of the result is far smaller than that bound for
    simple roots.

    **Several roots.**  A conventional series (outflows, then inflows; one
    sign change) has exactly one IRR above -100 % and it is always found.
    When NPV has several roots, the rule is: *the root closest to `guess`*
    (ties go to the lower rate).  Precisely, among the roots isolated by the
    grid, the nearest one at or below `guess` and the nearest one at or
    above `guess` are both solved and the closer of the two is returned.
    Roots are resolved down to the grid spacing (0.02 between -30 % and
    +30 %); if one grid cell holds three roots, one of them is returned;
    two roots inside one cell cancel out and are not seen.  With the default
    ``guess=0.1`` the series ``[-100, 230, -132]`` (roots 10 % and 20 %)
    gives 0.10; with ``guess=0.18`` it gives 0.20.

    Parameters
    ----------
    cashflows : array_like
        Cash flows in CNY, shape ``(..., n_years)``; time on the last axis.
    guess : float, default 0.1
        Reference rate used only to choose among several roots (see above);
        must be ``> -1``.
    tol : float, default 1e-12
        Convergence tolerance on the rate update, relative to ``1 + r``.
    maxiter : int, default 100
        Maximum number of safeguarded Newton iterations.
    return_reason : bool, default False
        If True, also return the reason codes.

    Returns
    -------
    rate : float or ndarray
        IRR as a fraction per year, shape ``cashflows.shape[:-1]`` (a numpy
        scalar for a 1-D series); NaN where no IRR was found.
    reason : numpy.int8 or ndarray of int8
        Only with ``return_reason=True``: :data:`IRR_OK` (0),
        :data:`IRR_NO_SIGN_CHANGE` (1), :data:`IRR_NO_CONVERGENCE` (2),
        :data:`IRR_ALL_ZERO` (3), :data:`IRR_NO_ROOT_FOUND` (4) or
        :data:`IRR_INVALID_INPUT` (5); see :data:`IRR_REASONS`.

    Notes
    -----
    Work is O(n_series x n_years x grid size) for the bracketing pass (done
    as matrix products over blocks of rows) plus a few Horner passes for the
    Newton iterations; there is no Python loop over series.

    Examples
    --------
    >>> round(float(irr([-100, 110])), 12)
    0.1
    >>> r, why = irr([[-100, 39, 59, 55, 20], [100, 10, 10, 10, 10]],
    ...              return_reason=True)
    >>> np.round(r, 5), why
    (array([0.28095,     nan]), array([0, 1], dtype=int8))
    """
    cf = _as_cashflows(cashflows)
    guess = float(guess)
    if not guess > -1.0 or not np.isfinite(guess):
        raise ValueError("guess must be a finite rate greater than -1")
    tol = float(tol)
    if not tol > 0.0:
        raise ValueError("tol must be positive")
    maxiter = int(maxiter)
    if maxiter < 1:
        raise ValueError("maxiter must be >= 1")

    lead_shape = cf.shape[:-1]
    n_years = cf.shape[-1]
    flat = cf.reshape(-1, n_years)
    n = flat.shape[0]

    grid, g_pt = _irr_grid(guess, n_years)
    points = np.concatenate([[-1.0], grid, [np.inf]])
    with np.errstate(under="ignore"):  # (1 + r)^−t below 1e-308 for a high rate: 0 is right
        mat = np.power(1.0 + grid[np.newaxis, :],
                       -np.arange(n_years, dtype=np.float64)[:, np.newaxis])

    # Pass 1 (blocks of rows, bounded memory): reason codes and, on each side
    # of guess, the nearest bracketing candidate.  Also fills the time-major
    # copy of the (left-aligned) cash flows used by the Horner passes.
    reason = np.empty(n, dtype=np.int8)
    deg = np.empty(n, dtype=np.intp)
    side_info = [_SideInfo.empty(n), _SideInfo.empty(n)]
    cft = np.empty((n_years, n))
    for start in range(0, n, _IRR_BLOCK_ROWS):
        sl = slice(start, min(start + _IRR_BLOCK_ROWS, n))
        reason[sl], deg[sl], below, above = _bracket_block(flat[sl], mat, g_pt, points, cft[:, sl])
        side_info[0].store(sl, below)
        side_info[1].store(sl, above)

    # Candidates: column 0 = nearest root at or below guess, 1 = above.
    cand = np.full((n, 2), np.nan)
    cand_ok = np.zeros((n, 2), dtype=bool)
    for col, info in enumerate(side_info):
        exact = info.kind == _EXACT
        cand[exact, col] = points[info.at[exact]]
        cand_ok[exact, col] = True
    attempted = np.stack([info.kind != _NONE for info in side_info], axis=1)

    # Pass 2: refine every bracketing cell, all series advancing together.
    b_info, a_info = side_info
    has_b = b_info.kind == _CELL
    has_a = a_info.kind == _CELL
    if n and bool(np.all(has_b != has_a)):
        # Common case (e.g. conventional series): exactly one cell per series,
        # solved in row order on the time-major array without any gather.
        rows = np.arange(n)
        col_idx = has_a.astype(np.intp)
        cell = np.where(has_b, b_info.at, a_info.at)
        root, ok = _solve_brackets(
            cft,
            deg,
            points[cell],
            points[cell + 1],
            np.where(has_b, b_info.lo_pos, a_info.lo_pos),
            np.where(has_b, b_info.start, a_info.start),
            tol,
            maxiter,
        )
        cand[rows, col_idx] = root
        cand_ok[rows, col_idx] = ok
    elif np.any(has_b) or np.any(has_a):
        rows_b = np.flatnonzero(has_b)
        rows_a = np.flatnonzero(has_a)
        rows = np.concatenate([rows_b, rows_a])
        col_idx = np.repeat(np.array([0, 1], dtype=np.intp), [rows_b.size, rows_a.size])
        cell = np.concatenate([b_info.at[rows_b], a_info.at[rows_a]])
        root, ok = _solve_brackets(
            np.take(cft, rows, axis=1),
            deg[rows],
            points[cell],
            points[cell + 1],
            np.concatenate([b_info.lo_pos[rows_b], a_info.lo_pos[rows_a]]),
            np.concatenate([b_info.start[rows_b], a_info.start[rows_a]]),
            tol,
            maxiter,
        )
        cand[rows, col_idx] = root
        cand_ok[rows, col_idx] = ok
    del cft

    # Choose the candidate closest to guess (tie -> lower rate, column 0).
    any_attempt = attempted.any(axis=1)
    failed = (attempted & ~cand_ok).any(axis=1)
    dist = np.where(cand_ok, np.abs(np.where(cand_ok, cand, 0.0) - guess), np.inf)
    pick = (dist[:, 1] < dist[:, 0]).astype(np.intp)
    chosen = cand[np.arange(n), pick]
    good = any_attempt & ~failed
    rates = np.where(good, chosen, np.nan)
    reason[good] = IRR_OK
    reason[any_attempt & failed] = IRR_NO_CONVERGENCE

    rates = rates.reshape(lead_shape)
    reason = reason.reshape(lead_shape)
    if return_reason:
        return _scalarise(rates), _scalarise(reason)
    return _scalarise(rates)


_NONE: Final[int] = 0
_EXACT: Final[int] = 1
_CELL: Final[int] = 2


class _SideInfo:
    """Per-series bracketing candidate on one side of guess (see irr)."""

    __slots__ = ("at", "kind", "lo_pos", "start")

    def __init__(
        self,
        kind: NDArray[np.int8],
        at: NDArray[np.intp],
        lo_pos: NDArray[np.bool_],
        start: FloatArray,
    ) -> None:
        self.kind = kind  # _NONE, _EXACT (grid point with NPV == 0) or _CELL
        self.at = at  # point index (exact) or cell index (cell)
        self.lo_pos = lo_pos  # NPV > 0 at the lower end of the cell
        self.start = start  # starting rate inside the cell

    @classmethod
    def empty(cls, n: int) -> _SideInfo:
        return cls(
            np.zeros(n, dtype=np.int8),
            np.zeros(n, dtype=np.intp),
            np.zeros(n, dtype=bool),
            np.zeros(n),
        )

    def store(self, sl: slice, other: _SideInfo) -> None:
        self.kind[sl] = other.kind
        self.at[sl] = other.at
        self.lo_pos[sl] = other.lo_pos
        self.start[sl] = other.start


def _bracket_block(
    blk: FloatArray, mat: FloatArray, g_pt: int, points: FloatArray, out_t: FloatArray
) -> tuple[NDArray[np.int8], NDArray[np.intp], _SideInfo, _SideInfo]:
    """Grid pass of :func:`irr` for one block of rows.

    Points are indexed ``0 .. n_pts-1``: 0 is the limit ``r -> -1``, then the
    grid rates (columns of `mat`, the discount factors), then the limit
    ``r -> +inf``; `g_pt` is the index of `guess`.  Cell ``c`` is the open
    interval between points ``c`` and ``c+1``.

    Each series is first shifted left so that its first cash flow is
    non-zero (a time shift multiplies NPV by ``(1+r)**k`` and leaves the
    roots unchanged) and written, time-major, into `out_t`.  Returns the
    reason codes (``IRR_NO_ROOT_FOUND`` for series that may have a root;
    the caller overwrites it), the index of the last non-zero cash flow, and
    for each side of guess the nearest candidate: a cell where NPV changes
    sign or a grid point where it is exactly zero.
    """
    m, n_years = blk.shape
    n_pts = mat.shape[1] + 2
    rows = np.arange(m)

    finite = np.isfinite(blk).all(axis=1)
    has_pos = (blk > 0.0).any(axis=1)
    has_neg = (blk < 0.0).any(axis=1)
    reason = np.full(m, IRR_NO_ROOT_FOUND, dtype=np.int8)
    reason[~(has_pos & has_neg)] = IRR_NO_SIGN_CHANGE
    reason[finite & ~has_pos & ~has_neg] = IRR_ALL_ZERO
    reason[~finite] = IRR_INVALID_INPUT
    active = finite & has_pos & has_neg
    if not np.all(finite):
        blk = np.where(finite[:, np.newaxis], blk, 0.0)

    if not np.all(blk[:, 0] != 0.0):
        # left-align: blk[i, t] <- blk[i, t + first[i]], zero-filled
        first = np.argmax(blk != 0.0, axis=1)
        src = np.arange(n_years)[np.newaxis, :] + first[:, np.newaxis]
        blk = np.take_along_axis(blk, np.minimum(src, n_years - 1), axis=1)
        blk[src >= n_years] = 0.0
    if np.all(blk[:, -1] != 0.0):
        deg = np.full(m, n_years - 1, dtype=np.intp)
    else:
        deg = (n_years - 1) - np.argmax(blk[:, ::-1] != 0.0, axis=1)
    out_t[...] = blk.T

    y = _grid_npv(blk, out_t, mat, points)  # NPV at the grid rates
    pos = np.empty((m, n_pts), dtype=bool)
    np.greater(y, 0.0, out=pos[:, 1:-1])
    # r -> -1: the last non-zero flow dominates; r -> +inf: the first one.
    pos[:, 0] = blk[rows, deg] > 0.0
    pos[:, -1] = blk[:, 0] > 0.0

    zero = (y == 0.0) & active[:, np.newaxis]
    exact_zeros = bool(np.any(zero))
    if exact_zeros:
        neg = np.empty_like(pos)
        np.less(y, 0.0, out=neg[:, 1:-1])
        neg[:, 0] = ~pos[:, 0]
        neg[:, -1] = ~pos[:, -1]
        flip = (pos[:, :-1] & neg[:, 1:]) | (neg[:, :-1] & pos[:, 1:])
    else:
        flip = pos[:, :-1] != pos[:, 1:]

    # nearest sign-change cell below guess (cells g_pt-1, ..., 0) and above
    # (cells g_pt, ..., n_pts-2)
    fb = flip[:, g_pt - 1 :: -1]
    jb = np.argmax(fb, axis=1)
    cell_b = (g_pt - 1) - jb
    b_kind = np.where(fb[rows, jb], _CELL, _NONE).astype(np.int8)
    b_at = cell_b
    fa = flip[:, g_pt:]
    ja = np.argmax(fa, axis=1)
    cell_a = g_pt + ja
    a_kind = np.where(fa[rows, ja], _CELL, _NONE).astype(np.int8)
    a_at = cell_a

    if exact_zeros:
        # Grid points where NPV is exactly zero are roots themselves.  On the
        # interleaved line point p sits at 2p and cell c at 2c+1.
        zero_pt = np.zeros((m, n_pts), dtype=bool)
        zero_pt[:, 1:-1] = zero
        at_guess = zero_pt[:, g_pt]
        zb = zero_pt[:, g_pt - 1 : 0 : -1]  # points g_pt-1, ..., 1
        if zb.shape[1]:
            kb = np.argmax(zb, axis=1)
            pt_b = (g_pt - 1) - kb
            use_pt = zb[rows, kb] & ((b_kind == _NONE) | (2 * pt_b > 2 * cell_b + 1))
            b_kind = np.where(use_pt, _EXACT, b_kind).astype(np.int8)
            b_at = np.where(use_pt, pt_b, b_at)
        za = zero_pt[:, g_pt + 1 : n_pts - 1]  # points g_pt+1, ..., n_pts-2
        if za.shape[1]:
            ka = np.argmax(za, axis=1)
            pt_a = g_pt + 1 + ka
            use_pt = za[rows, ka] & ((a_kind == _NONE) | (2 * pt_a < 2 * cell_a + 1))
            a_kind = np.where(use_pt, _EXACT, a_kind).astype(np.int8)
            a_at = np.where(use_pt, pt_a, a_at)
        # a root exactly at guess is the closest possible
        b_kind[at_guess] = _EXACT
        b_at = np.where(at_guess, g_pt, b_at)
        a_kind[at_guess] = _NONE

    b_kind[~active] = _NONE
    a_kind[~active] = _NONE
    start_b, start_a = _regula_falsi(out_t, (cell_b, cell_a), points)
    below = _SideInfo(b_kind, b_at, pos[rows, cell_b], start_b)
    above = _SideInfo(a_kind, a_at, pos[rows, cell_a], start_a)
    return reason, deg, below, above


_IRR_FRAGILE: Final = 8.0 * np.finfo(np.float64).eps
"""Per year of the series: a grid NPV within ``_IRR_FRAGILE × n_years × max_t|CF_t| Σ_t v^t``
of 0 may have the wrong sign in a matrix product (the bound of its rounding is about
``n_years × eps/2 × Σ_t |CF_t| v^t``, whatever the order of the additions)."""


def _horner_npv(cft: FloatArray, v: FloatArray) -> FloatArray:
    """NPV of each series (a column of the time-major `cft` (T, m)) at the discount factors
    `v` (m, k): ``Σ_t CF_t v^t`` by Horner's scheme — elementwise, so a series' bits depend
    on that series alone (not on the others computed with it); ``(m, k)``."""
    out = np.repeat(cft[-1][:, np.newaxis], v.shape[1], axis=1)
    for t in range(cft.shape[0] - 2, -1, -1):
        out *= v
        out += cft[t][:, np.newaxis]
    return out


def _grid_npv(blk: FloatArray, cft: FloatArray, mat: FloatArray,
              points: FloatArray) -> FloatArray:
    """NPV of each row at every grid rate, ``(m, grid)``, with signs that do not depend on
    the other rows.

    The matrix product ``blk @ mat`` is fast, but its bits depend on the shape of the block
    (the BLAS kernel that computes a row). Its signs do not, except where a value lies within
    its rounding bound of 0: the rows holding such a value are evaluated again by Horner's
    scheme (:func:`_horner_npv`), whose bits depend on the row alone. Where the bound is not
    reached both ways give the true sign, so the brackets chosen never depend on which series
    are computed together.
    """
    y = blk @ mat
    bound = np.multiply.outer((_IRR_FRAGILE * blk.shape[1]) * np.abs(blk).max(axis=1),
                              mat.sum(axis=0))
    fragile = (np.abs(y) <= bound).any(axis=1)
    if fragile.any():
        v = 1.0 / (1.0 + points[1:-1])
        y[fragile] = _horner_npv(cft[:, fragile], np.broadcast_to(v, (int(fragile.sum()), v.size)))
    return y


def _regula_falsi(cft: FloatArray, cells: tuple[NDArray[np.intp], ...],
                  points: FloatArray) -> list[FloatArray]:
    """Starting rate inside each cell ``(points[cell], points[cell+1])`` of `cells` (one
    array of cells per side of guess) for the series of the time-major `cft` (T, m).

    Linear interpolation of NPV between the cell's ends, evaluated for each row alone
    (:func:`_horner_npv`: the start, hence the root's last bits, never depend on the other
    series); the bisection point for the two end cells, which reach -1 or +inf, or when
    interpolation is not usable.
    """
    n_cols = points.shape[0] - 2
    ends = [points[c] for cell in cells for c in (cell, cell + 1)]
    inner = [(cell > 0) & (cell < n_cols) for cell in cells for _ in (0, 1)]
    v = np.stack([1.0 / (1.0 + np.where(ok, r, 0.0)) for r, ok in zip(ends, inner)], axis=1)
    y = _horner_npv(cft, v)
    starts = []
    for k, cell in enumerate(cells):
        lo, hi = ends[2 * k], ends[2 * k + 1]
        y_lo, y_hi = y[:, 2 * k], y[:, 2 * k + 1]
        den = y_lo - y_hi
        ok = (den != 0.0) & inner[2 * k]
        with np.errstate(over="ignore"):    # an infinite weight leaves the cell: bisection
            w = y_lo / np.where(ok, den, 1.0)
        start = lo + w * np.where(ok, hi - lo, 0.0)
        ok &= (start > lo) & (start < hi)
        starts.append(np.where(ok, start, _bisect_point(lo, hi)))
    return starts


# --------------------------------------------------------------------------
# payback
# --------------------------------------------------------------------------


def payback_period(cashflows: ArrayLike, discount_rate: ArrayLike | None = None) -> Any:
    r"""Payback period in years, with linear interpolation inside the year.

    Let :math:`C_t = \sum_{s \le t} CF_s\,d_s` be the cumulative cash flow at
    the end of year ``t`` (``d_s = 1``, or ``d_s = (1 + r)^{-s}`` for the
    *discounted* payback when `discount_rate` is given).  The payback
    period is the first time the cumulative cash flow turns from negative
    to non-negative: with ``k + 1`` the first year such that
    :math:`C_k < 0 \le C_{k+1}`,

    .. math:: \text{payback} = k + \frac{-C_k}{C_{k+1} - C_k},

    i.e. year ``k+1``'s (discounted) flow is assumed to accrue evenly over
    that year, so the result lies in ``(k, k+1]``.  For example
    ``[-100, 60, 60]`` gives ``1 + 40/60 = 1.667`` years.

    * If the cumulative cash flow is never negative, the payback is 0.
    * If it becomes negative and never returns to >= 0, the result is NaN.
    * Only the first recovery counts: a later dip below zero (e.g. a major
      repair in year 15) does not change the result.

    Parameters
    ----------
    cashflows : array_like
        Cash flows in CNY, shape ``(..., n_years)``; time on the last axis,
        index 0 = year 0.
    discount_rate : float or array_like, optional
        If given, discount rate (fraction, ``> -1``) for a discounted
        payback; scalar or broadcasting against the leading axes.

    Returns
    -------
    float or ndarray
        Payback period in years, shape of the leading axes (numpy scalar for
        a 1-D series); NaN if never paid back.

    Examples
    --------
    >>> round(float(payback_period([-100, 60, 60])), 3)
    1.667
    """
    cf = _as_cashflows(cashflows)
    if discount_rate is not None:
        r = _as_float(discount_rate)
        _check_rate(r, "discount_rate")
        cf = cf * discount_factors(r, cf.shape[-1])
    cum = np.cumsum(cf, axis=-1)
    last = cum.shape[-1] - 1
    # cross[..., k]: C_k < 0 <= C_{k+1} (the final column stays False, which
    # also covers one-year series); NaN never counts as recovered.
    cross = np.zeros(cum.shape, dtype=bool)
    np.logical_and(cum[..., :-1] < 0.0, cum[..., 1:] >= 0.0, out=cross[..., :-1])
    has_cross = cross.any(axis=-1)
    k = np.argmax(cross, axis=-1)[..., np.newaxis]
    c_k = np.take_along_axis(cum, k, axis=-1)[..., 0]
    c_k1 = np.take_along_axis(cum, np.minimum(k + 1, last), axis=-1)[..., 0]
    step = np.where(has_cross, c_k1 - c_k, 1.0)
    out = np.where(has_cross, k[..., 0] + (-c_k) / step, np.nan)
    never_negative = np.all(cum >= 0.0, axis=-1)
    out = np.where(never_negative, 0.0, out)
    return _scalarise(np.asarray(out, dtype=np.float64))
