"""Loan schedules per unit of principal, vectorised over leading axes (draws, compounds).

A leaf module like :mod:`fundmodel.finance`: numpy only, it imports nothing from fundmodel.

Conventions
-----------
* Year 1 is the first year of the term; flows fall at year end; **time is the last axis**
  (index 0 = year 1). Years after the term are 0.
* Everything is per unit of principal (1 CNY lent at the start of year 1): the service of a
  loan of ``P`` CNY is ``P ×`` these arrays, so debt service is linear in the principal.
* The first ``grace_years`` years are interest only; the principal is repaid over the
  remaining ``n = term_years − grace_years`` years.
* Interest of year t is ``rate × B_{t−1}``, with ``B_{t−1}`` the balance outstanding at the
  start of year t (``B_0 = 1``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["REPAYMENTS", "LoanSchedule", "repayment_profile", "unit_schedule",
           "loan_schedule", "sculpted_schedule", "construction_interest"]

REPAYMENTS = ("annuity", "equal_principal", "bullet", "sculpted", "profile")
"""Repayment profiles: level payments, equal principal, all at the end, sculpted to a cash
flow (see :func:`sculpted_schedule`), or a given share of the principal in each year
(``profile``, 分期还本)."""


@dataclass(frozen=True)
class LoanSchedule:
    """A schedule per unit of principal, arrays ``(..., n_years)`` (years 1..n_years).

    Attributes
    ----------
    interest, principal : ndarray
        Interest and principal paid at the end of each year, per unit of principal.
    balance : ndarray
        Balance outstanding at the start of each year (the opening balance), per unit.
    """

    interest: np.ndarray
    principal: np.ndarray
    balance: np.ndarray

    @property
    def debt_service(self) -> np.ndarray:
        """Interest + principal of each year, per unit of principal."""
        return self.interest + self.principal


def _check_term(term_years: int, grace_years: int, n_years: int) -> None:
    if not 0 <= grace_years < term_years <= n_years:
        raise ValueError(f"need 0 ≤ grace_years < term_years ≤ n_years, got {grace_years}, "
                         f"{term_years}, {n_years}")


def repayment_profile(rate: ArrayLike, term_years: int, grace_years: int = 0,
                      repayment: str = "annuity", n_years: int | None = None,
                      shares: ArrayLike | None = None) -> np.ndarray:
    r"""Principal repaid in each year per unit of principal, ``(..., n_years)``.

    With ``g = grace_years`` and ``n = term_years − g``, amortising year ``k = t − g`` (1..n):

    * ``annuity``: level payments :math:`A = r / (1 − (1+r)^{−n})`, whose principal part is
      :math:`p_k = r (1+r)^{k−1} / ((1+r)^n − 1)` (``1/n`` when ``r = 0``);
    * ``equal_principal``: :math:`p_k = 1/n`;
    * ``bullet``: everything in the last year of the term;
    * ``profile``: :math:`p_t` = ``shares[t − 1]``, the share of the principal repaid in term
      year t (``term_years`` shares ≥ 0 summing to 1, the grace years as leading 0).

    ``rate`` (per year, fraction ≥ 0) may be an array; ``n_years`` defaults to the term.
    """
    n_years = term_years if n_years is None else int(n_years)
    _check_term(term_years, grace_years, n_years)
    r = np.asarray(rate, dtype=float)[..., None]
    n = term_years - grace_years
    out = np.zeros(r.shape[:-1] + (n_years,))
    if repayment == "annuity":
        k = np.arange(1, n + 1, dtype=float)
        zero = r == 0.0
        safe = np.where(zero, 1.0, r)
        growth = np.expm1(n * np.log1p(safe))                       # (1 + r)^n − 1
        part = safe * np.exp((k - 1.0) * np.log1p(safe)) / growth
        out[..., grace_years:term_years] = np.where(zero, 1.0 / n, part)
    elif repayment == "equal_principal":
        out[..., grace_years:term_years] = 1.0 / n
    elif repayment == "bullet":
        out[..., term_years - 1] = 1.0
    elif repayment == "profile":
        shares = np.asarray(shares, dtype=float)
        if shares.shape != (term_years,) or (shares < 0).any() or \
                abs(math.fsum(shares) - 1.0) > 1e-9:
            raise ValueError(f"a profile needs {term_years} shares ≥ 0 summing to 1, got "
                             f"{shares.tolist()}")
        out[..., :term_years] = shares
    else:
        raise ValueError(f"unknown repayment {repayment!r}; expected annuity, "
                         "equal_principal, bullet or profile (sculpted: see "
                         "sculpted_schedule)")
    return out


def unit_schedule(rate: ArrayLike, principal: ArrayLike) -> LoanSchedule:
    r"""The schedule of a unit loan repaid by ``principal`` ``(..., T)``: opening balance
    :math:`B_{t−1} = 1 − \sum_{s<t} p_s` and interest :math:`r B_{t−1}`.

    ``rate`` broadcasts against the leading axes of ``principal``.
    """
    p = np.asarray(principal, dtype=float)
    r = np.asarray(rate, dtype=float)[..., None]
    repaid_before = np.zeros(np.broadcast_shapes(r.shape[:-1] + (1,), p.shape))
    repaid_before[..., 1:] = np.cumsum(p, axis=-1)[..., :-1]
    balance = 1.0 - repaid_before
    balance = np.where(np.abs(balance) < 1e-12, 0.0, balance)       # rounding of the sum
    return LoanSchedule(r * balance, np.broadcast_to(p, balance.shape).copy(), balance)


def loan_schedule(rate: ArrayLike, term_years: int, grace_years: int = 0,
                  repayment: str = "annuity", n_years: int | None = None,
                  shares: ArrayLike | None = None) -> LoanSchedule:
    """The unit schedule of an ``annuity``, ``equal_principal``, ``bullet`` or ``profile``
    loan (:func:`repayment_profile`, then :func:`unit_schedule`)."""
    return unit_schedule(rate, repayment_profile(rate, term_years, grace_years, repayment,
                                                 n_years, shares))


def construction_interest(rate: ArrayLike, drawn: ArrayLike, capitalised: bool
                          ) -> tuple[np.ndarray, np.ndarray]:
    r"""Interest during construction (建设期利息) on a loan drawn ``drawn`` ``(..., Yc)`` CNY in
    the construction years, drawn on average in mid-year (the convention of the feasibility
    studies, 当年借款按半年计息):

    .. math:: I_y = r \left(B_{y−1} + D_y / 2\right), \qquad B_y = B_{y−1} + D_y
              \;(+\, I_y \text{ when capitalised}), \quad B_{−1} = 0,

    so paid interest (not capitalised) runs on the amount drawn, capitalised interest also on
    the interest capitalised before (年初借款本息累计). Linear in ``drawn``.

    Returns
    -------
    interest : ndarray
        ``I_y`` of each construction year, ``(..., Yc)``.
    total : ndarray
        ``Σ_y I_y``, the leading axes: the interest added to the principal when capitalised.
    """
    d = np.asarray(drawn, dtype=float)
    r = np.asarray(rate, dtype=float)
    lead = np.broadcast_shapes(r.shape, d.shape[:-1])
    interest = np.zeros(lead + d.shape[-1:])
    balance = np.zeros(lead)
    total = np.zeros(lead)
    for y in range(d.shape[-1]):                # a loop over years
        interest[..., y] = r * (balance + d[..., y] / 2.0)
        balance = balance + d[..., y]
        if capitalised:
            balance = balance + interest[..., y]
        total = total + interest[..., y]
    return interest, total


def sculpted_schedule(rate: ArrayLike, debt_service: ArrayLike, term_years: int,
                      grace_years: int = 0) -> tuple[LoanSchedule, np.ndarray]:
    r"""A loan sculpted to a debt service profile: the unit schedule and the principal the
    profile repays.

    ``debt_service`` ``(..., T)`` is the debt service wanted in each year (CNY; e.g.
    ``max(CFADS_t, 0) / DSCR``); only its years ``g+1 .. term`` count (``g = grace_years``).
    The principal it repays is its present value at the loan rate at the end of the grace
    years (during which the balance stays whole, interest only),

    .. math:: P = \sum_{k=1}^{n} DS_{g+k} (1 + r)^{−k}, \qquad n = \text{term} − g,

    and the unit schedule pays ``r`` in the grace years and :math:`DS_t / P` after; its
    principal part ``DS_t / P − r B_{t−1}`` repays exactly 1 by the end of the term. Where
    ``P = 0`` (nothing to sculpt to; also a subnormal ``P`` below 2.2e-308 CNY, whose
    quotients lose their precision) nothing can be repaid: the unit schedule is 0 and the
    caller must lend 0.

    Returns
    -------
    schedule : LoanSchedule
        Per unit of principal, ``(..., T)``.
    principal : ndarray
        ``P``, CNY, shape of the leading axes.
    """
    ds = np.asarray(debt_service, dtype=float)
    n_years = ds.shape[-1]
    _check_term(term_years, grace_years, n_years)
    r = np.asarray(rate, dtype=float)
    lead = np.broadcast_shapes(r.shape, ds.shape[:-1])
    r = np.broadcast_to(r, lead)
    n = term_years - grace_years
    k = np.arange(1, n + 1, dtype=float)
    df = np.exp(-k * np.log1p(r)[..., None])                          # (1 + r)^−k
    pv = np.zeros(lead)
    for j in range(n):                        # years in order: the bits do not depend on D
        pv = pv + ds[..., grace_years + j] * df[..., j]
    # a subnormal P (< 2.2e-308 CNY) has lost its relative precision: DS / P would not sum back
    pv = np.where(pv >= np.finfo(float).tiny, pv, 0.0)
    service = np.zeros(lead + (n_years,))
    service[..., :grace_years] = r[..., None]
    unit = np.divide(ds[..., grace_years:term_years], pv[..., None],
                     out=np.zeros(lead + (n,)), where=pv[..., None] > 0)
    service[..., grace_years:term_years] = unit
    interest = np.zeros_like(service)
    principal = np.zeros_like(service)
    balance = np.zeros_like(service)
    open_ = np.ones(lead)
    for t in range(term_years):               # a loop over years
        balance[..., t] = open_
        interest[..., t] = r * open_
        principal[..., t] = service[..., t] - interest[..., t]
        open_ = open_ - principal[..., t]
    ok = pv[..., None] > 0
    return LoanSchedule(np.where(ok, interest, 0.0), np.where(ok, principal, 0.0),
                        np.where(ok, balance, 0.0)), pv
