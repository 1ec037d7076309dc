"""Consent: the residents' vote on a decision, per draw, and the willingness to pay it needs.

Pure functions over numpy arrays; they import only numpy and :mod:`fundmodel.errors`.

Axes
----
Household arrays are ``(draw, compound, household)`` (the household axis of
:mod:`fundmodel.engine.households`, ordered by floor); results are ``(draw, compound)``. A
value the same in every draw has size 1 on the draw axis and broadcasts.

The count (Civil Code art. 278, the default)
--------------------------------------------
Each household is one owner with its exclusive area ``a_h`` (m²). Over the electorate
(``e_h`` = 1 for the households that vote: a building's, or the whole compound's; 0 for the
others and for padding), with participation weights ``p_h`` in [0, 1] (1 = takes part; a share
``p`` of households written as ``p`` for every household is the expected count) and
``y_h`` = 1 when household h votes yes (its share of the cost is within its willingness to pay,
``share_h ≤ wtp_h``):

=====================  ====================  ===========================
                       headcount              area
=====================  ====================  ===========================
electorate             N = Σ e_h              A = Σ e_h a_h
participants           P_N = Σ e_h p_h        P_A = Σ e_h p_h a_h
yes                    Y_N = Σ e_h p_h y_h    Y_A = Σ e_h p_h a_h y_h
=====================  ====================  ===========================

The vote passes when the electorate is not empty and

* quorum: ``P_N ≥ q_N N`` and ``P_A ≥ q_A A`` (三分之二以上: "以上" includes the bound);
* approval: ``Y_N ≥ t_N B_N`` and ``Y_A ≥ t_A B_A``, or ``>`` when ``strict`` (过半数, more
  than half), where the base ``B`` is the participants (the Civil Code) or the whole
  electorate (local rules such as "a lift needs 2/3 of its building's households").

Defaults: ``q = 2/3``; ``t = 3/4`` (≥) for raising the repairs fund, rebuilding and changing
the use of common parts; ``t = 1/2`` strictly (>) for the rest. A threshold set to None is not
counted. Comparisons allow a relative tolerance of 1e-9 of the bound, so that exactly 2/3 of 9
households (6) meets a 2/3 quorum despite rounding.

Compounds of different sizes (a district) pad the household axis; ``sizes (C,)`` gives each
compound's households, and every sum over households runs over a compound's own households
alone (:func:`fundmodel.engine.arrays.household_sum`), so a compound's count has the bits of
its own run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import ModelError
from .arrays import household_sum

__all__ = [
    "ConsentRule",
    "Tally",
    "REL_TOL",
    "votes_yes",
    "tally",
    "decide",
    "vote",
    "pass_probability",
    "critical_level",
    "wtp_threshold",
    "wtp_scale_threshold",
]

REL_TOL = 1e-9
"""Relative tolerance of the comparisons with a threshold."""

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ConsentRule:
    """The thresholds of a vote (fractions; None: that measure is not counted).

    The defaults are the Civil Code art. 278 for raising the repairs fund, rebuilding and
    changing the use of common parts; :meth:`civil_code` gives the simple-majority rule too.
    """

    quorum_headcount: float | None = 2 / 3
    """Least share of the electorate's owners taking part (≥)."""
    quorum_area: float | None = 2 / 3
    """Least share of the electorate's area taking part (≥)."""
    approval_headcount: float | None = 3 / 4
    """Least share of the base's owners voting yes (≥, or > when ``strict``)."""
    approval_area: float | None = 3 / 4
    """Least share of the base's area voting yes (≥, or > when ``strict``)."""
    strict: bool = False
    """Approval needs more than the threshold (过半数) rather than at least it (以上)."""
    base: Literal["participants", "electorate"] = "participants"
    """What the approval shares are of: those who take part, or the whole electorate."""

    def __post_init__(self) -> None:
        for name in ("quorum_headcount", "quorum_area", "approval_headcount", "approval_area"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1:
                raise ModelError(f"{name} must lie in [0, 1], got {value}")
        if self.base not in ("participants", "electorate"):
            raise ModelError(f"base must be 'participants' or 'electorate', got {self.base!r}")

    @classmethod
    def civil_code(cls, major: bool) -> "ConsentRule":
        """Civil Code art. 278: quorum 2/3 by area and headcount; approval by at least 3/4 of
        the participants (``major``: raising the repairs fund, rebuilding, changing the use of
        common parts) or by more than half of them (the rest)."""
        if major:
            return cls()
        return cls(approval_headcount=1 / 2, approval_area=1 / 2, strict=True)


@dataclass(frozen=True)
class Tally:
    """The count of a vote, each array ``(draw, compound)``: headcounts (owners) and areas
    (m²) of the electorate, the participants and the yes votes."""

    electorate_headcount: FloatArray
    electorate_area_m2: FloatArray
    participants_headcount: FloatArray
    participants_area_m2: FloatArray
    yes_headcount: FloatArray
    yes_area_m2: FloatArray


def votes_yes(share_cny: ArrayLike, wtp_cny: ArrayLike) -> NDArray[np.bool_]:
    """A household votes yes when its share of the cost is within its willingness to pay:
    ``share ≤ wtp`` (CNY; arrays broadcast). A household whose share is 0 always votes yes."""
    return np.asarray(share_cny, dtype=float) <= np.asarray(wtp_cny, dtype=float)


def _weights(shape: tuple[int, ...], area_m2: ArrayLike, electorate: ArrayLike,
             participation: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Headcount and area weights of the electorate and of the participants, each broadcast
    to ``shape`` (draw, compound, household)."""
    e = np.asarray(electorate, dtype=float)
    p = np.asarray(participation, dtype=float)
    a = np.asarray(area_m2, dtype=float)
    if np.any((e < 0) | (e > 1)) or np.any((p < 0) | (p > 1)):
        raise ModelError("electorate and participation weights must lie in [0, 1]")
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise ModelError("areas must be finite and not negative")
    e_n = np.broadcast_to(e, shape)
    e_a = np.broadcast_to(e * a, shape)
    return e_n, e_a, np.broadcast_to(e * p, shape), np.broadcast_to(e * p * a, shape)


def tally(yes: ArrayLike, area_m2: ArrayLike, electorate: ArrayLike = 1.0,
          participation: ArrayLike = 1.0, sizes: ArrayLike | None = None) -> Tally:
    """Count a vote.

    Parameters
    ----------
    yes : array_like of bool ``(draw, compound, household)``
        Whether each household votes yes if it takes part.
    area_m2 : array_like ``(household,)`` or broadcastable
        Exclusive area of each household, m².
    electorate : array_like of {0, 1}, broadcastable, default 1
        1 for the households that vote (the building's or the compound's), 0 otherwise.
    participation : array_like in [0, 1], broadcastable, default 1
        Whether (or the expected share in which) each household takes part.
    sizes : array_like of int ``(compound,)``, optional
        Households of each compound (the rest of its row is padding).
    """
    y = np.asarray(yes)
    if y.ndim != 3:
        raise ModelError(f"votes must be (draw, compound, household), got shape {y.shape}")
    y = y.astype(float)
    e_n, e_a, p_n, p_a = _weights(y.shape, area_m2, electorate, participation)
    def total(x):     # a sum the same in every draw (a broadcast view) is taken once
        if x.ndim and x.shape[0] > 1 and x.strides[0] == 0:
            return np.broadcast_to(household_sum(x[:1], sizes), x.shape[:-1])
        return household_sum(x, sizes)

    return Tally(electorate_headcount=total(e_n), electorate_area_m2=total(e_a),
                 participants_headcount=total(p_n), participants_area_m2=total(p_a),
                 yes_headcount=total(p_n * y), yes_area_m2=total(p_a * y))


def _meets(x: ArrayLike, share: float | None, base: ArrayLike, strict: bool = False):
    """``x ≥ share × base`` (``>`` when strict), with a relative tolerance on the bound; True
    when ``share`` is None."""
    if share is None:
        return True
    bound = share * np.asarray(base, dtype=float)
    slack = REL_TOL * np.abs(bound)
    return x > bound + slack if strict else x >= bound - slack


def _passes(rule: ConsentRule, n, area, p_n, p_a, y_n, y_a):
    base_n, base_a = (p_n, p_a) if rule.base == "participants" else (n, area)
    return ((n > 0)
            & _meets(p_n, rule.quorum_headcount, n) & _meets(p_a, rule.quorum_area, area)
            & _meets(y_n, rule.approval_headcount, base_n, rule.strict)
            & _meets(y_a, rule.approval_area, base_a, rule.strict))


def decide(count: Tally, rule: ConsentRule) -> NDArray[np.bool_]:
    """Pass (True) or fail per draw and compound, ``(draw, compound)``: quorum and approval of
    ``rule`` on the count (see the module's docstring)."""
    return np.asarray(_passes(rule, count.electorate_headcount, count.electorate_area_m2,
                              count.participants_headcount, count.participants_area_m2,
                              count.yes_headcount, count.yes_area_m2), dtype=bool)


def vote(share_cny: ArrayLike, wtp_cny: ArrayLike, area_m2: ArrayLike, rule: ConsentRule, *,
         electorate: ArrayLike = 1.0, participation: ArrayLike = 1.0,
         sizes: ArrayLike | None = None) -> tuple[NDArray[np.bool_], Tally]:
    """The vote on a decision: each household's share of its cost ``share_cny`` against its
    willingness to pay ``wtp_cny`` (both CNY, broadcast to ``(draw, compound, household)``).

    Returns
    -------
    passed : ndarray of bool ``(draw, compound)``
    count : Tally
    """
    share = np.asarray(share_cny, dtype=float)
    wtp = np.asarray(wtp_cny, dtype=float)
    shape = np.broadcast_shapes(share.shape, wtp.shape)
    if len(shape) != 3:
        raise ModelError(f"shares and willingness to pay must broadcast to (draw, compound, "
                         f"household), got shape {shape}")
    count = tally(np.broadcast_to(votes_yes(share, wtp), shape), area_m2, electorate,
                  participation, sizes)
    return decide(count, rule), count


def pass_probability(passed: ArrayLike) -> FloatArray:
    """P(pass) per compound: the share of draws in which the vote passes, ``(compound,)``."""
    return np.asarray(passed, dtype=float).mean(axis=0)


def critical_level(key: ArrayLike, area_m2: ArrayLike, rule: ConsentRule, *,
                   electorate: ArrayLike = 1.0, participation: ArrayLike = 1.0,
                   sizes: ArrayLike | None = None) -> FloatArray:
    r"""The least level ``L`` at which the vote passes when household h votes yes iff
    ``key_h ≤ L``, ``(draw, compound)``; ``inf`` where no level passes.

    Raising L only adds yes votes, so passing is monotone in L and the answer is one of the
    keys: sort the households by key, accumulate the yes headcount and area in that order, and
    take the key of the first household at which the rule is met. Vectorised: one sort along
    the household axis, no loop. With ``sizes`` (padded compounds) the padding's keys are
    taken as ``inf``: it sorts after every household and adds nothing to the running counts.
    """
    k = np.asarray(key, dtype=float)
    if sizes is not None and k.ndim == 3:
        present = np.arange(k.shape[-1])[None, :] < np.asarray(sizes)[:, None]
        k = np.where(present, k, np.inf)
    if k.ndim != 3:
        raise ModelError(f"keys must be (draw, compound, household), got shape {k.shape}")
    if np.any(np.isnan(k)):
        raise ModelError("keys must not be NaN")
    e_n, e_a, p_n, p_a = _weights(k.shape, area_m2, electorate, participation)
    order = np.argsort(k, axis=-1, kind="stable")
    sorted_key = np.take_along_axis(k, order, axis=-1)
    y_n = np.cumsum(np.take_along_axis(p_n, order, axis=-1), axis=-1)
    y_a = np.cumsum(np.take_along_axis(p_a, order, axis=-1), axis=-1)
    totals = [household_sum(x, sizes)[..., None] for x in (e_n, e_a, p_n, p_a)]
    ok = _passes(rule, *totals, y_n, y_a)
    ok = np.broadcast_to(ok, k.shape)
    if k.shape[-1] == 0:
        return np.full(k.shape[:-1], np.inf)
    first = np.argmax(ok, axis=-1)
    level = np.take_along_axis(sorted_key, first[..., None], axis=-1)[..., 0]
    return np.where(ok.any(axis=-1), level, np.inf)


def wtp_threshold(share_cny: ArrayLike, area_m2: ArrayLike, rule: ConsentRule, *,
                  electorate: ArrayLike = 1.0, participation: ArrayLike = 1.0,
                  sizes: ArrayLike | None = None) -> FloatArray:
    """The least willingness to pay, CNY, **common to every household** of the electorate, at
    which the vote passes, ``(draw, compound)`` (``inf``: none does, e.g. the quorum fails).

    With a common WTP ``w`` household h votes yes iff ``share_h ≤ w``, so this is
    :func:`critical_level` with the shares as keys: the vote passes exactly when ``w`` is at
    least this threshold.
    """
    return critical_level(share_cny, area_m2, rule, electorate=electorate,
                          participation=participation, sizes=sizes)


def wtp_scale_threshold(share_cny: ArrayLike, wtp_cny: ArrayLike, area_m2: ArrayLike,
                        rule: ConsentRule, *, electorate: ArrayLike = 1.0,
                        participation: ArrayLike = 1.0) -> FloatArray:
    r"""The least factor ``λ`` by which every household's willingness to pay must be scaled for
    the vote to pass, ``(draw, compound)`` (1 or less: it passes as is; ``inf``: no factor).

    Household h votes yes at ``λ`` iff ``share_h ≤ λ wtp_h``, i.e. ``λ ≥ share_h / wtp_h``
    (0 when ``share_h = 0``; ``inf`` when ``wtp_h = 0 < share_h``): :func:`critical_level`
    with those ratios as keys.
    """
    share = np.asarray(share_cny, dtype=float)
    wtp = np.asarray(wtp_cny, dtype=float)
    if np.any(share < 0) or np.any(wtp < 0):
        raise ModelError("shares and willingness to pay must not be negative")
    share, wtp = np.broadcast_arrays(share, wtp)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(share == 0, 0.0, share / wtp)
    return critical_level(ratio, area_m2, rule, electorate=electorate,
                          participation=participation)
