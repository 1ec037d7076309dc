"""Residents as households: a building's cost shared by floor, and how each household pays.

Pure functions over numpy arrays; they import only numpy, :mod:`fundmodel.finance` and
:mod:`fundmodel.errors`.

Axes
----
Every array that varies by draw has the axes ``(draw, compound, household)``; a floor-level
array ``(draw, compound, floor)``. A value that is the same in every draw (or compound) has size
1 on that axis and broadcasts. The **household axis is ordered by floor**: the households of
floor 1 (the ground floor) first, then floor 2, and so on; within a floor, unit by unit. A
compound of several buildings concatenates its buildings' household axes (building by
building); compounds of different sizes are padded, and a padded household has weight 0
(it pays nothing and is in no electorate, see :mod:`fundmodel.engine.consent`).

Conventions
-----------
* Money in CNY; shares and take-ups are fractions.
* Floors are numbered from 1 (ground floor) to F.
* A loan's rate is a yearly nominal rate paid monthly at ``rate / 12`` (as Chinese banks quote
  their loans), over ``term_years × 12`` monthly payments at month end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import ModelError
from ..finance import pmt
from .arrays import household_sum

__all__ = [
    "SHARING_RULES",
    "CHANNELS",
    "ChannelAmounts",
    "HouseholdLayout",
    "units_by_floor",
    "household_floors",
    "floor_membership",
    "floor_weights",
    "household_shares",
    "shares_by_floor",
    "beneficiary_costs",
    "per_household_costs",
    "pay_by_channel",
]

SHARING_RULES = ("floors_travelled", "equal", "by_area", "table")
"""How a building's cost is shared by floor (see :func:`floor_weights`)."""

CHANNELS = ("cash", "repairs_fund", "provident_fund", "loan")
"""How a household pays its share (see :func:`pay_by_channel`)."""

FloatArray = NDArray[np.float64]
SharingRule = Literal["floors_travelled", "equal", "by_area", "table"]


@dataclass(frozen=True)
class HouseholdLayout:
    """Where each household of a compound lives: arrays ``(H,)`` over the compound's household
    axis, building after building, each ordered by floor."""

    building: NDArray[np.int64]
    """Index of the household's building (0-based, in the order given)."""
    floor: NDArray[np.int64]
    """The household's floor (1 = ground floor)."""
    area_m2: FloatArray
    """Exclusive area of the household's unit, m² (1 for every unit of a building given none:
    the count by area then equals the count by headcount)."""

    @classmethod
    def from_buildings(cls, units: Sequence[ArrayLike],
                       areas_m2: Sequence[ArrayLike | None] | None = None) -> "HouseholdLayout":
        """From the units per floor ``(F_b,)`` of each building b and, optionally, the area of
        a unit on each floor (a number or ``(F_b,)``; None: 1 for every unit)."""
        areas = list(areas_m2) if areas_m2 is not None else [None] * len(units)
        if len(areas) != len(units):
            raise ModelError("give one area entry per building")
        building, floor, area = [], [], []
        for b, (u, a) in enumerate(zip(units, areas)):
            u = np.asarray(u, dtype=np.int64)
            f = household_floors(u)
            building.append(np.full(f.size, b, dtype=np.int64))
            floor.append(f)
            a_floor = np.broadcast_to(np.asarray(1.0 if a is None else a, dtype=float), u.shape)
            area.append(np.repeat(a_floor, u))
        return cls(building=np.concatenate(building) if building else np.zeros(0, np.int64),
                   floor=np.concatenate(floor) if floor else np.zeros(0, np.int64),
                   area_m2=np.concatenate(area) if area else np.zeros(0))

    @property
    def size(self) -> int:
        """Number of households, H."""
        return int(self.building.size)

    def in_buildings(self, buildings: Sequence[int]) -> FloatArray:
        """0/1 array ``(H,)``: 1 for the households of the given buildings (an electorate, or
        the households a per-household item goes to)."""
        return np.isin(self.building, np.asarray(buildings, dtype=np.int64)).astype(float)

    def place(self, building: int, values: ArrayLike) -> FloatArray:
        """A building's household array ``(..., H_b)`` placed on the compound's household axis
        ``(..., H)``, 0 for the other buildings' households."""
        v = np.asarray(values, dtype=float)
        mask = self.building == building
        if v.shape[-1] != int(mask.sum()):
            raise ModelError(f"building {building} has {int(mask.sum())} households, got "
                             f"{v.shape[-1]} values")
        out = np.zeros(v.shape[:-1] + (self.size,))
        out[..., mask] = v
        return out


def units_by_floor(n_floors: int, units_per_floor: int | Sequence[int]) -> NDArray[np.int64]:
    """Units (households) on each floor, array ``(F,)`` of ints.

    ``units_per_floor`` is one count for every floor, or a sequence of ``n_floors`` counts
    (floor 1 first). A floor may have 0 units (shops on the ground floor).
    """
    if n_floors < 1:
        raise ModelError(f"a building needs at least one floor, got {n_floors}")
    u = np.broadcast_to(np.asarray(units_per_floor, dtype=np.int64), (n_floors,)).copy()
    if np.any(u < 0):
        raise ModelError("units per floor cannot be negative")
    return u


def household_floors(units: ArrayLike) -> NDArray[np.int64]:
    """Floor number (1-based) of each household, array ``(H,)``, ``H = Σ_k u_k``, ordered by
    floor: ``[1]*u_1 + [2]*u_2 + ...``."""
    u = np.asarray(units, dtype=np.int64)
    return np.repeat(np.arange(1, u.size + 1), u)


def floor_membership(units: ArrayLike) -> FloatArray:
    """0/1 matrix ``(H, F)``: entry ``(h, k)`` is 1 when household ``h`` lives on floor
    ``k + 1``. ``x @ floor_membership(u)`` sums a household array by floor."""
    u = np.asarray(units, dtype=np.int64)
    floors = household_floors(u)
    return (floors[:, None] == np.arange(1, u.size + 1)[None, :]).astype(float)


def floor_weights(rule: SharingRule, n_floors: int, *,
                  area_per_unit_m2: ArrayLike | None = None,
                  table: ArrayLike | None = None,
                  exempt_floors: Sequence[int] = (1,)) -> FloatArray:
    r"""Weight of **one household** on each floor, array ``(F,)`` (not normalised).

    ==================  =============================================================
    ``floors_travelled``  :math:`w_k = k - 1` (the floors a lift carries it up)
    ``equal``             :math:`w_k = 1`
    ``by_area``           :math:`w_k = a_k`, the area of a unit on floor k, m²
    ``table``             :math:`w_k` = ``table[k - 1]`` (e.g. a city's coefficients)
    ==================  =============================================================

    Floors in ``exempt_floors`` (default: the ground floor) get weight 0. The household shares
    are the weights normalised over the building's households, :func:`household_shares`.

    Parameters
    ----------
    rule : {'floors_travelled', 'equal', 'by_area', 'table'}
    n_floors : int
        Floors of the building, F ≥ 1.
    area_per_unit_m2 : float or array_like ``(F,)``, optional
        Area of a unit on each floor, m² (needed by ``by_area``).
    table : array_like ``(F,)``, optional
        Weight of a household on each floor, ≥ 0 (needed by ``table``).
    exempt_floors : sequence of int, default ``(1,)``
        Floors (1-based) that pay nothing.
    """
    k = np.arange(1, n_floors + 1, dtype=float)
    if rule == "floors_travelled":
        w = k - 1.0
    elif rule == "equal":
        w = np.ones(n_floors)
    elif rule == "by_area":
        if area_per_unit_m2 is None:
            raise ModelError("the by_area rule needs the area per unit")
        w = np.broadcast_to(np.asarray(area_per_unit_m2, dtype=float), (n_floors,)).copy()
    elif rule == "table":
        if table is None:
            raise ModelError("the table rule needs a table of coefficients")
        w = np.asarray(table, dtype=float).copy()
        if w.shape != (n_floors,):
            raise ModelError(f"the table has {w.size} coefficients for {n_floors} floors")
    else:
        raise ModelError(f"unknown sharing rule '{rule}' (one of {', '.join(SHARING_RULES)})")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ModelError("floor weights must be finite and not negative")
    for floor in exempt_floors:
        if 1 <= floor <= n_floors:
            w[floor - 1] = 0.0
    return w


def household_shares(weights: ArrayLike, units: ArrayLike) -> FloatArray:
    r"""Each household's share of a building's cost, array ``(..., H)`` summing to 1.

    .. math:: s_h = \frac{w_{k(h)}}{\sum_j u_j w_j}

    where ``k(h)`` is household h's floor, ``w`` the per-household floor weights
    (:func:`floor_weights`, axes ``(..., F)``; leading axes broadcast) and ``u`` the units per
    floor ``(F,)``. Floor k as a whole pays ``u_k w_k / Σ_j u_j w_j``.

    Raises
    ------
    ModelError
        If no household has a positive weight (nobody to share the cost).
    """
    w = np.asarray(weights, dtype=float)
    u = np.asarray(units, dtype=np.int64)
    total = w @ u.astype(float)
    if np.any(~(total > 0)):
        raise ModelError("no household of the building has a positive weight: nobody would pay")
    per_floor = w / np.asarray(total)[..., None]
    return np.repeat(per_floor, u, axis=-1)


def shares_by_floor(per_household: ArrayLike, units: ArrayLike) -> FloatArray:
    """Sum of a household array ``(..., H)`` over each floor's households, ``(..., F)``."""
    return np.asarray(per_household, dtype=float) @ floor_membership(units)


def beneficiary_costs(resident_amount_cny: ArrayLike, shares: ArrayLike) -> FloatArray:
    """What each household pays of a cost the residents of a building share, CNY.

    ``amount_h = resident_amount × s_h``: ``resident_amount_cny`` is the residents' part of the
    building's cost, ``(draw, compound)`` (or a scalar), and ``shares`` the household shares
    ``(H,)`` or ``(compound, H)`` of :func:`household_shares` (0 for households outside the
    building). Returns ``(draw, compound, H)``; over the households it sums to the residents'
    amount.
    """
    amount = np.asarray(resident_amount_cny, dtype=float)
    amount = amount.reshape(amount.shape + (1,) * (2 - amount.ndim)) if amount.ndim < 2 else amount
    return amount[..., None] * np.asarray(shares, dtype=float)


def per_household_costs(cost_per_household_cny: ArrayLike, present: ArrayLike) -> FloatArray:
    """A per-household item (doors, windows, in-home pipes): each household present pays the
    cost of its own, CNY, ``(draw, compound, H)``.

    ``cost_per_household_cny`` is ``(draw, compound)`` or a scalar; ``present`` a 0/1 array
    ``(H,)`` or ``(compound, H)`` (1 for the households that get the item).
    """
    cost = np.asarray(cost_per_household_cny, dtype=float)
    cost = cost.reshape(cost.shape + (1,) * (2 - cost.ndim)) if cost.ndim < 2 else cost
    return cost[..., None] * np.asarray(present, dtype=float)


@dataclass(frozen=True)
class ChannelAmounts:
    """How the households pay their shares, CNY; each array ``(draw, compound, H)``.

    ``cash + repairs_fund + provident_fund + loan + unpaid`` equals the household's share.
    Amounts are expected values over a floor's households (take-ups are shares of households).
    """

    cash_cny: FloatArray | None
    """Paid in cash, including what a capped channel could not cover (None: not asked for)."""
    repairs_fund_cny: FloatArray
    """Withdrawn from the compound's repairs fund (维修资金)."""
    provident_fund_cny: FloatArray
    """Withdrawn from the owners' housing provident funds (公积金)."""
    loan_cny: FloatArray
    """Borrowed from a bank."""
    unpaid_cny: FloatArray | None
    """Not paid by the residents (households that take up no channel; None: not asked
    for)."""
    loan_payment_per_month_cny: FloatArray | None
    """Monthly payment of a household that borrows its whole share, CNY per month (positive);
    None when not asked for."""
    repairs_fund_factor: FloatArray
    """Share of the requested repairs-fund withdrawals the balance allows, ``(draw,
    compound)``, in [0, 1]."""


def _dc(x: ArrayLike) -> FloatArray:
    """A ``(draw, compound)`` value (or scalar) as an array that broadcasts against
    ``(draw, compound, H)``."""
    a = np.asarray(x, dtype=float)
    if a.ndim > 2:
        raise ModelError(f"expected a (draw, compound) array, got shape {a.shape}")
    return a.reshape(a.shape + (1,) * (3 - a.ndim)) if a.ndim else a


def pay_by_channel(share_cny: ArrayLike, *, takeup_cash: ArrayLike = 0.0,
                   takeup_repairs_fund: ArrayLike = 0.0, takeup_provident_fund: ArrayLike = 0.0,
                   takeup_loan: ArrayLike = 0.0, repairs_fund_balance_cny: ArrayLike = np.inf,
                   provident_fund_cap_cny: ArrayLike = np.inf, loan_rate: ArrayLike = 0.0,
                   loan_term_years: ArrayLike = 1.0,
                   sizes: ArrayLike | None = None, payments: bool = True) -> ChannelAmounts:
    r"""Split each household's share ``s_h`` (CNY, ``(draw, compound, H)``) among the channels.

    A take-up ``t_j`` is the share of households that pay through channel j, each paying its
    whole share that way; ``Σ_j t_j ≤ 1`` and the rest ``1 − Σ t_j`` do not pay (``unpaid``).
    Take-ups, the balance, the cap and the loan terms are ``(draw, compound)`` or scalars.

    .. math::

        \text{fund}_h &= t_f\, s_h\, \phi, \quad
            \phi = \min\Bigl(1, \frac{B}{\sum_h t_f s_h}\Bigr) \quad (1 \text{ if nothing is
            requested})\\
        \text{provident}_h &= t_p \min(s_h, \text{cap})\\
        \text{loan}_h &= t_l\, s_h, \qquad
            \text{payment}_h = -\mathrm{pmt}(r/12,\; 12\,T,\; s_h)\\
        \text{cash}_h &= t_c\, s_h + t_f s_h (1 - \phi) + t_p \max(s_h - \text{cap}, 0)\\
        \text{unpaid}_h &= (1 - t_c - t_f - t_p - t_l)\, s_h

    The repairs fund is the compound's: when the requests exceed its balance ``B``, every
    request is cut by the same factor φ (pro rata). What the fund or the provident-fund cap
    cannot cover is paid in cash. ``payment_h`` is the level monthly payment (month end) of a
    household borrowing ``s_h`` at the yearly rate ``r`` over ``T`` years. ``sizes (C,)``: each
    compound's households when the household axis is padded (the requests are summed over a
    compound's own households, :func:`fundmodel.engine.arrays.household_sum`). ``payments``
    False: only the withdrawals (fund, provident fund, loan) and φ are computed — what a
    district reads —, and ``cash_cny``, ``unpaid_cny`` and ``loan_payment_per_month_cny``
    are None.

    Raises
    ------
    ModelError
        If a take-up is outside [0, 1], the take-ups sum to more than 1, or a balance, cap,
        share or loan term is negative.
    """
    s = np.asarray(share_cny, dtype=float)
    if s.ndim != 3:
        raise ModelError(f"shares must be (draw, compound, household), got shape {s.shape}")
    t_c, t_f, t_p, t_l = (_dc(t) for t in (takeup_cash, takeup_repairs_fund,
                                            takeup_provident_fund, takeup_loan))
    total = t_c + t_f + t_p + t_l
    if any(np.any((t < 0) | (t > 1)) for t in (t_c, t_f, t_p, t_l)) or np.any(total > 1 + 1e-12):
        raise ModelError("take-ups must lie in [0, 1] and sum to at most 1")
    balance, cap = _dc(repairs_fund_balance_cny), _dc(provident_fund_cap_cny)
    if np.any(s < 0) or np.any(balance < 0) or np.any(cap < 0):
        raise ModelError("shares, the repairs fund balance and the provident-fund cap must "
                         "not be negative")
    requested = t_f * s
    requested_total = (requested.sum(axis=-1, keepdims=True) if sizes is None
                       else household_sum(requested, sizes)[..., None])
    over = requested_total > balance
    factor = np.divide(np.broadcast_to(balance, over.shape), requested_total,
                       out=np.ones(over.shape), where=over)  # pro rata when the fund is short
    fund = requested * factor
    provident = t_p * np.minimum(s, cap)
    loan = t_l * s
    rate, term = _dc(loan_rate), _dc(loan_term_years)
    if np.any(term <= 0):
        raise ModelError("the loan term must be positive")
    if not payments:
        return ChannelAmounts(cash_cny=None, repairs_fund_cny=fund, provident_fund_cny=provident,
                              loan_cny=loan, unpaid_cny=None, loan_payment_per_month_cny=None,
                              repairs_fund_factor=factor[..., 0])
    cash = t_c * s + (requested - fund) + t_p * np.maximum(s - cap, 0.0)
    unpaid = np.maximum(1.0 - total, 0.0) * s
    payment = -np.asarray(pmt(rate / 12.0, term * 12.0, s), dtype=float)
    return ChannelAmounts(cash_cny=cash, repairs_fund_cny=fund, provident_fund_cny=provident,
                          loan_cny=loan, unpaid_cny=unpaid, loan_payment_per_month_cny=payment,
                          repairs_fund_factor=factor[..., 0])
