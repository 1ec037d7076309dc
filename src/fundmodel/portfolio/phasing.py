"""Budget phasing of a district's renovation: which compound starts its works in which year.

A mixed-integer programme solved with :func:`scipy.optimize.milp` (HiGHS). The formulation,
the tie rule and the robust variant are written out in ``docs/phasing.md``.

Conventions: money in CNY; years are calendar years (consecutive ints); compounds are indexed
0..C-1 in the order of the table, levels of government in the order of ``levels``
(:data:`GOVERNMENT_LEVELS` by default). A compound's works must end inside the plan: a start
whose works would spill past the last plan year is not allowed (so every planned compound is
paid for in full by the budgets of the plan).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ..errors import ModelError
from ..scenario.fiscal import GOVERNMENT_LEVELS

__all__ = ["Plan", "RobustPlan", "phase", "phase_robust", "overrun_frequency",
           "BUDGET_RTOL"]

logger = logging.getLogger("fundmodel")

BUDGET_RTOL = 1e-9
"""A budget is respected when the outlay is at most ``budget × (1 + BUDGET_RTOL)`` (floating
point sums of the same costs in another order differ in the last bits)."""

_REPAIRS = 5          # re-solves that tighten a row HiGHS left violated within its tolerance
_MARGIN_MAX = 64.0    # the robust search's largest margin, in standard deviations
_STATUS = {0: "optimal", 1: "time_limit", 2: "infeasible", 3: "unbounded", 4: "error"}


@dataclass(frozen=True)
class Plan:
    """A phasing plan: the year each compound starts its works.

    Attributes
    ----------
    start_year : ndarray of int, shape (C,)
        Calendar year the compound's works start; −1 when it is not in the plan.
    table : DataFrame
        One row per compound, in order: ``id``, ``start_year`` and ``end_year`` (Int64, <NA>
        when not planned), ``required``, ``weight``, ``cost_<level>_cny`` (the compound's total
        cost to each level over its works) and ``cost_cny`` (all levels).
    budget_use : DataFrame
        One row per level and plan year: ``level``, ``year``, ``budget_cny`` (inf: no limit),
        ``used_cny`` (the plan's outlay) and ``share`` (used / budget; 0 where the budget is
        infinite or both are 0).
    outlay_cny : ndarray, shape (L, Y)
        What the plan costs each level in each plan year:
        ``Σ_c Σ_k cost[c, l, k] · [start of c = year y − k]``, CNY.
    objective : float
        Σ weight of the compounds in the plan (nan when the solver found no plan).
    served : int
        Number of compounds in the plan.
    weight_total : float
        Σ weight of all compounds (``objective / weight_total`` is the share served).
    status : str
        ``optimal`` (within ``mip_rel_gap``), ``time_limit`` (the best plan found when the time
        ran out; see ``mip_gap``), ``infeasible`` (the required compounds do not fit the
        budgets) or ``error``.
    mip_gap : float
        Relative gap between the plan's objective and HiGHS's bound on the best objective
        (0 when proven optimal; nan without a plan).
    solve_time_s : float
        Wall time of the solves, seconds.
    years : tuple of int
        The plan's calendar years.
    levels : tuple of str
        The levels of government, in the order of the cost and budget arrays.
    tier : tuple of str or None
        When the plan chose tiers (``phase(..., tiers=...)``): each compound's tier, ``''``
        when it is not in the plan; None otherwise (the table then has no ``tier`` column).
    """

    start_year: np.ndarray
    table: pd.DataFrame
    budget_use: pd.DataFrame
    outlay_cny: np.ndarray
    objective: float
    served: int
    weight_total: float
    status: str
    mip_gap: float
    solve_time_s: float
    years: tuple[int, ...]
    levels: tuple[str, ...]
    tier: tuple[str, ...] | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class RobustPlan(Plan):
    """A plan whose probability of overrunning any budget is within a bound.

    The fields of :class:`Plan` (``table``, ``budget_use`` and ``outlay_cny`` at the draws'
    mean cost; ``budget_use`` has one more column, ``overrun_probability``: the share of the
    draws in which that level's budget of that year is exceeded), and:

    Attributes
    ----------
    overrun_probability : float
        Share of the D draws in which the plan exceeds at least one budget (any level, any
        year), recomputed from the draws for this plan.
    overrun_probability_se : float
        Its Monte Carlo standard error, ``sqrt(p (1 − p) / D)``.
    max_overrun_probability : float
        The bound asked for.
    margin_sd : float
        The plan was solved on ``mean + margin_sd × sd`` of each compound's cost (over the
        draws, per level and year of works).
    bound_met : bool
        Whether ``overrun_probability ≤ max_overrun_probability`` (False only when no margin
        tried met it — e.g. required compounds alone overrun too often).
    draws : int
        D.
    search : DataFrame
        Every margin tried: ``margin_sd``, ``status``, ``objective``, ``overrun_probability``.
    """

    overrun_probability: float
    overrun_probability_se: float
    max_overrun_probability: float
    margin_sd: float
    bound_met: bool
    draws: int
    search: pd.DataFrame


# ---------------------------------------------------------------------------------------------
# argument checks


def _fail(message: str):
    return ModelError(message)


def _float_array(value, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise _fail(f"{name}: not an array of numbers ({exc})") from None
    if np.isnan(arr).any():
        raise _fail(f"{name}: contains NaN")
    return arr


def _check_levels(levels) -> tuple[str, ...]:
    if isinstance(levels, str):
        raise _fail("levels: a sequence of level names, not one string")
    levels = tuple(levels)
    if not levels or not all(isinstance(x, str) and x for x in levels):
        raise _fail("levels: give at least one level, each a non-empty string")
    if len(set(levels)) != len(levels):
        raise _fail(f"levels: names repeat: {list(levels)}")
    return levels


def _check_years(years) -> tuple[int, ...]:
    try:
        arr = np.asarray(list(years))
    except TypeError:
        raise _fail("years: a sequence of calendar years, e.g. range(2024, 2030)") from None
    if arr.ndim != 1 or arr.size == 0:
        raise _fail("years: give at least one calendar year, as a flat sequence")
    if not np.issubdtype(arr.dtype, np.number) or arr.dtype == bool:
        raise _fail("years: calendar years must be integers")
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        raise _fail("years: calendar years must be integers")
    arr = arr.astype(np.int64)
    if arr.size > 1 and not np.all(np.diff(arr) == 1):
        raise _fail(f"years: must be consecutive calendar years, got {arr.tolist()}")
    return tuple(int(y) for y in arr)


def _check_cost(cost, name: str, n_levels: int, lead: int) -> np.ndarray:
    """``cost`` as (..., C, L, K); ``lead`` leading axes before C (0, or 1 for the draws)."""
    arr = _float_array(cost, name)
    if arr.ndim == lead + 2:
        arr = arr[..., None]
    shape_text = "(D, C, L, K) or (D, C, L)" if lead else "(C, L, K) or (C, L)"
    if arr.ndim != lead + 3:
        raise _fail(f"{name}: shape {shape_text} expected, got {np.shape(cost)}")
    if arr.shape[lead + 1] != n_levels:
        raise _fail(f"{name}: axis of levels has {arr.shape[lead + 1]} entries, levels has "
                    f"{n_levels}")
    if arr.shape[lead + 2] == 0:
        raise _fail(f"{name}: at least one year of works (K ≥ 1)")
    if lead and arr.shape[0] == 0:
        raise _fail(f"{name}: at least one draw")
    if not np.all(np.isfinite(arr)):
        raise _fail(f"{name}: costs must be finite")
    if (arr < 0).any():
        raise _fail(f"{name}: costs must be ≥ 0")
    return arr


def _check_budget(budget, n_levels: int, n_years: int) -> np.ndarray:
    arr = _float_array(budget, "budget_cny")
    if arr.shape != (n_levels, n_years):
        raise _fail(f"budget_cny: shape (L, Y) = ({n_levels}, {n_years}) expected "
                    f"(levels × years), got {arr.shape}")
    if (arr < 0).any():
        raise _fail("budget_cny: budgets must be ≥ 0 (np.inf: no limit)")
    return arr


def _check_weight(weight, n: int) -> np.ndarray:
    arr = _float_array(weight, "weight")
    if arr.shape != (n,):
        raise _fail(f"weight: shape ({n},) expected (one per compound), got {arr.shape}")
    if not np.all(np.isfinite(arr)) or (arr < 0).any():
        raise _fail("weight: must be finite and ≥ 0")
    return arr


def _check_ids(ids, n: int) -> list[str]:
    if ids is None:
        return [str(i) for i in range(n)]
    if isinstance(ids, str):
        raise _fail("ids: a sequence of compound ids, not one string")
    ids = [str(i) for i in ids]
    if len(ids) != n:
        raise _fail(f"ids: {len(ids)} ids for {n} compounds")
    if len(set(ids)) != n:
        raise _fail("ids: ids repeat")
    return ids


def _check_bound_years(value, name: str, n: int) -> np.ndarray | None:
    if value is None:
        return None
    arr = _float_array(value, name)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise _fail(f"{name}: shape ({n},) expected (one calendar year per compound), "
                    f"got {arr.shape}")
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        raise _fail(f"{name}: calendar years must be integers")
    return arr.astype(np.int64)


def _check_required(required, n: int, ids: list[str]) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    if required is None:
        return mask
    arr = np.asarray(required)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise _fail(f"required: a boolean mask of shape ({n},) expected, got {arr.shape}")
        return arr.copy()
    if arr.ndim != 1:
        raise _fail("required: a boolean mask, or a sequence of compound ids or indexes")
    position = {key: i for i, key in enumerate(ids)}
    for item in arr.tolist():
        if isinstance(item, str):
            if item not in position:
                raise _fail(f"required: no compound has id {item!r}")
            mask[position[item]] = True
        elif isinstance(item, int) and 0 <= item < n:
            mask[item] = True
        else:
            raise _fail(f"required: {item!r} is neither a compound id nor an index in "
                        f"0..{n - 1}")
    return mask


def _check_together(together, n: int, ids: list[str]) -> np.ndarray | None:
    """Groups of compounds that start together as a label per compound ``(C,)`` (−1: in no
    group; groups sharing a compound are one group), or None without any."""
    if together is None:
        return None
    label = np.arange(n)
    index = {name: i for i, name in enumerate(ids)}
    for k, group in enumerate(together):
        members = []
        for m in group:
            if isinstance(m, str):
                if m not in index:
                    raise _fail(f"together[{k}]: no compound has id {m!r}")
                members.append(index[m])
            elif isinstance(m, (int, np.integer)) and 0 <= int(m) < n:
                members.append(int(m))
            else:
                raise _fail(f"together[{k}]: {m!r} is neither a compound's id nor an index "
                            f"0..{n - 1}")
        if len(members) > 1:
            old = np.unique(label[members])
            label[np.isin(label, old)] = old.min()
    sizes = np.bincount(label, minlength=n)
    return np.where(sizes[label] > 1, label, -1)


def _together_rows(together: np.ndarray, group: np.ndarray, var_c: np.ndarray,
                   var_y: np.ndarray, n_years: int) -> LinearConstraint | None:
    """``x[c, t] = x[first, t]`` for every compound c of a group but its first and every plan
    year t (summed over a compound's options), as equality rows; a start not allowed for one
    member is then impossible for the group."""
    labels = together[group[var_c]]                     # the group of each variable
    firsts = {int(g): int(np.flatnonzero(together == g)[0]) for g in np.unique(together)
              if g >= 0}
    rows, cols, vals = [], [], []
    base = 0
    for g, first in firsts.items():                      # a loop over the groups
        others = np.flatnonzero(together == g)
        others = others[others != first]
        slot = np.full(together.size, -1)
        slot[others] = np.arange(others.size)
        mine = (labels == g) & (group[var_c] != first)
        rows.append(base + slot[group[var_c[mine]]] * n_years + var_y[mine])
        cols.append(np.flatnonzero(mine))
        vals.append(np.ones(int(mine.sum())))
        lead = np.flatnonzero(group[var_c] == first)
        rows.append((base + np.arange(others.size)[:, None] * n_years
                     + var_y[lead][None, :]).ravel())
        cols.append(np.tile(lead, others.size))
        vals.append(np.full(lead.size * others.size, -1.0))
        base += others.size * n_years
    if base == 0:
        return None
    matrix = sparse.csr_array((np.concatenate(vals), (np.concatenate(rows),
                                                      np.concatenate(cols))),
                              shape=(base, var_c.size))
    return LinearConstraint(matrix, 0.0, 0.0)


def _check_solver_args(time_limit_s, mip_rel_gap) -> None:
    if time_limit_s is not None and not (np.isfinite(time_limit_s) and time_limit_s > 0):
        raise _fail(f"time_limit_s: a positive number of seconds, got {time_limit_s!r}")
    if not (0.0 <= mip_rel_gap < 1.0):
        raise _fail(f"mip_rel_gap: must lie in [0, 1), got {mip_rel_gap!r}")


def _duration(cost: np.ndarray) -> np.ndarray:
    """Years of works of each compound: 1 + the last k with a cost to some level (≥ 1)."""
    any_cost = (cost > 0).any(axis=-2)                       # (..., C, K)
    K = any_cost.shape[-1]
    last = np.where(any_cost, np.arange(K), -1).max(axis=-1)
    return np.maximum(last + 1, 1)


def _prepare(cost_cny, budget_cny, weight, years, levels, ids, earliest, latest, required,
             time_limit_s, mip_rel_gap, *, draws: bool = False):
    levels = _check_levels(levels)
    years = _check_years(years)
    name = "cost_draws_cny" if draws else "cost_cny"
    cost = _check_cost(cost_cny, name, len(levels), 1 if draws else 0)
    n = cost.shape[-3]
    budget = _check_budget(budget_cny, len(levels), len(years))
    weight = _check_weight(weight, n)
    ids = _check_ids(ids, n)
    earliest = _check_bound_years(earliest, "earliest", n)
    latest = _check_bound_years(latest, "latest", n)
    if earliest is not None and latest is not None and (earliest > latest).any():
        bad = [ids[i] for i in np.flatnonzero(earliest > latest)[:5]]
        raise _fail(f"earliest/latest: earliest is after latest for compounds {bad}")
    required = _check_required(required, n, ids)
    _check_solver_args(time_limit_s, mip_rel_gap)

    # allowed starts: within [earliest, latest] and the works end inside the plan
    Y = len(years)
    cal = np.asarray(years, dtype=np.int64)
    duration = _duration(cost.max(axis=0) if draws else cost)
    allowed = (np.arange(Y)[None, :] + duration[:, None]) <= Y
    if earliest is not None:
        allowed &= cal[None, :] >= earliest[:, None]
    if latest is not None:
        allowed &= cal[None, :] <= latest[:, None]
    stuck = required & ~allowed.any(axis=1)
    if stuck.any():
        bad = [ids[i] for i in np.flatnonzero(stuck)[:5]]
        raise _fail(f"required: compounds {bad} cannot start in any plan year (earliest, "
                    f"latest, or works longer than what is left of the plan)")
    return cost, budget, weight, years, levels, ids, required, allowed


# ---------------------------------------------------------------------------------------------
# the programme


def _budget_matrix(cost: np.ndarray, var_c: np.ndarray, var_y: np.ndarray, n_years: int):
    """Sparse (L·Y, V) matrix: row l·Y + t, column v holds cost[c_v, l, t − y_v]."""
    C, L, K = cost.shape
    rows, cols, vals = [], [], []
    v = np.arange(var_c.size)
    for k in range(K):
        t = var_y + k
        inside = t < n_years
        for l in range(L):
            val = cost[var_c[inside], l, k]
            keep = val != 0
            rows.append(l * n_years + t[inside][keep])
            cols.append(v[inside][keep])
            vals.append(val[keep])
    rows, cols, vals = (np.concatenate(a) for a in (rows, cols, vals))
    return sparse.csr_array((vals, (rows, cols)), shape=(L * n_years, var_c.size))


def _outlay(cost: np.ndarray, start_index: np.ndarray, n_years: int) -> np.ndarray:
    """(L, Y) outlay of a plan given each compound's start index (−1: not planned)."""
    C, L, K = cost.shape
    out = np.zeros((L, n_years))
    for k in range(K):
        t = start_index + k
        ok = (start_index >= 0) & (t < n_years)
        for l in range(L):
            out[l] += np.bincount(t[ok], weights=cost[ok, l, k], minlength=n_years)
    return out


def _within(used: np.ndarray, budget: np.ndarray) -> np.ndarray:
    return used <= budget * (1.0 + BUDGET_RTOL)


def _solve(cost, budget, weight, required, allowed, *, time_limit_s, mip_rel_gap,
           prefer_early, group=None, together=None):
    """Solve the programme.

    ``cost``, ``weight`` and ``allowed`` are per option (a compound, or a compound at a tier),
    ``group`` (O,) the compound of each option (default: option = compound) and ``required``
    per compound: at most one option of a compound starts, exactly one if it is required.
    ``together`` (C,): each compound's group (:func:`_check_together`), whose compounds start
    in the same year or not at all.

    Returns (start_index (O,) with −1 for not planned, status, mip_gap, seconds, found), where
    ``found`` says whether the solver returned a plan.
    """
    C, L, K = cost.shape
    if group is None:
        group = np.arange(C)
    n_groups = required.shape[0]
    Y = budget.shape[1]
    t0 = time.perf_counter()
    allowed = allowed.copy()
    # an option worth nothing whose compound is not required is never planned: it adds
    # nothing to either objective and only uses budget
    grouped = np.zeros(n_groups, dtype=bool) if together is None else together >= 0
    allowed[(weight == 0) & ~required[group] & ~grouped[group]] = False
    # a start that by itself exceeds a budget (e.g. a budget of 0) is dropped from the model
    var_c, var_y = np.nonzero(allowed)
    if var_c.size:
        coo = _budget_matrix(cost, var_c, var_y, Y).tocoo()
        b = budget.reshape(-1)
        alone_over = ~_within(coo.data, b[coo.row])
        too_big = np.bincount(coo.col[alone_over], minlength=var_c.size) > 0
        allowed[var_c[too_big], var_y[too_big]] = False
    stuck = required & (np.bincount(group, allowed.any(axis=1), minlength=n_groups) == 0)
    start = np.full(C, -1, dtype=np.int64)
    if stuck.any():
        return start, "infeasible", float("nan"), time.perf_counter() - t0, False
    var_c, var_y = np.nonzero(allowed)
    if var_c.size == 0:
        return start, "optimal", 0.0, time.perf_counter() - t0, True
    V = var_c.size

    A_budget = _budget_matrix(cost, var_c, var_y, Y)
    b_budget = budget.reshape(-1)
    live = np.isfinite(b_budget) & (np.diff(A_budget.indptr) > 0)
    A_budget = A_budget[live]
    b_budget = b_budget[live]
    # scale each budget row to a right-hand side of 1: HiGHS's tolerances become relative
    scale = np.where(b_budget > 0, 1.0 / np.maximum(b_budget, 1e-300), 1.0)
    A_budget = sparse.diags_array(scale) @ A_budget
    rhs = b_budget * scale

    A_assign = sparse.csr_array((np.ones(V), (group[var_c], np.arange(V))),
                                shape=(n_groups, V))
    has_var = np.diff(A_assign.indptr) > 0
    A_assign = A_assign[has_var]
    lo_assign = np.where(required[has_var], 1.0, 0.0)

    w = weight[var_c]
    tied = () if together is None else tuple(
        c for c in [_together_rows(together, group, var_c, var_y, Y)] if c is not None)
    options = {"mip_rel_gap": mip_rel_gap}
    deadline = None if time_limit_s is None else t0 + time_limit_s

    def run(c, extra=()):
        opts = dict(options)
        if deadline is not None:
            opts["time_limit"] = max(deadline - time.perf_counter(), 1e-3)
        rhs_now = rhs.copy()
        for _ in range(_REPAIRS):
            cons = [LinearConstraint(A_budget, -np.inf, rhs_now),
                    LinearConstraint(A_assign, lo_assign, 1.0), *tied, *extra]
            res = milp(c, integrality=np.ones(V), bounds=Bounds(0, 1), constraints=cons,
                       options=opts)
            if res.x is None:
                return None, res
            x = np.round(res.x).astype(bool)
            used = (A_budget @ x.astype(float))
            over = used > rhs * (1.0 + BUDGET_RTOL)
            if not over.any():
                return x, res
            # HiGHS accepted a row within its own tolerance: tighten it and solve again
            rhs_now = np.where(over, rhs_now - (used - rhs) - 1e-9 * rhs, rhs_now)
            logger.debug("phasing: %d budget rows tightened after a solve", int(over.sum()))
        return None, res

    x, res = run(-w)
    status = _STATUS.get(res.status, "error")
    gap = float(res.mip_gap) if res.x is not None and res.mip_gap is not None else float("nan")
    if x is None:
        if status == "optimal":
            status = "error"
        return start, status, float("nan"), time.perf_counter() - t0, False
    if status == "optimal":
        gap = max(gap, 0.0)
    value = float(w @ x)
    if prefer_early and status == "optimal" and value > 0:
        # lexicographic second solve: keep Σ w x at its optimum, serve early
        floor = value - 1e-9 * max(1.0, abs(value))
        keep = LinearConstraint(sparse.csr_array(w[None, :]), floor, np.inf)
        early = w * (Y - var_y)
        x2, res2 = run(-early, (keep,))
        # accept only a plan with the first objective at least as good (checked exactly)
        if x2 is not None and float(w @ x2) >= value:
            x = x2
    start[var_c[x]] = var_y[x]
    return start, status, gap, time.perf_counter() - t0, True


def _plan(cost, budget, weight, years, levels, ids, required, start, status, gap,
          seconds, found) -> dict:
    C, L, K = cost.shape
    Y = len(years)
    outlay = _outlay(cost, start, Y)
    planned = start >= 0
    cal = np.asarray(years, dtype=np.int64)
    start_year = np.where(planned, cal[np.maximum(start, 0)], -1)
    duration = _duration(cost)
    table = pd.DataFrame({
        "id": ids,
        "start_year": pd.array(np.where(planned, start_year, 0), dtype="Int64"),
        "end_year": pd.array(np.where(planned, start_year + duration - 1, 0), dtype="Int64"),
        "required": required,
        "weight": weight,
    })
    table.loc[~planned, ["start_year", "end_year"]] = pd.NA
    totals = cost.sum(axis=2)
    for l, level in enumerate(levels):
        table[f"cost_{level}_cny"] = totals[:, l]
    table["cost_cny"] = totals.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(np.isinf(budget) | ((budget == 0) & (outlay == 0)), 0.0,
                         outlay / budget)
    budget_use = pd.DataFrame({
        "level": np.repeat(levels, Y),
        "year": np.tile(cal, L),
        "budget_cny": budget.reshape(-1),
        "used_cny": outlay.reshape(-1),
        "share": share.reshape(-1),
    })
    objective = float(weight[planned].sum()) if found else float("nan")
    return dict(start_year=start_year, table=table, budget_use=budget_use, outlay_cny=outlay,
                objective=objective, served=int(planned.sum()),
                weight_total=float(weight.sum()), status=status, mip_gap=gap,
                solve_time_s=seconds, years=years, levels=levels)


def phase(cost_cny, budget_cny, weight, *, years, levels=GOVERNMENT_LEVELS, ids=None,
          earliest=None, latest=None, required=None, time_limit_s=None, mip_rel_gap=1e-6,
          prefer_early=True, tiers=None, tier_allowed=None, together=None) -> Plan:
    """Which compound starts its works in which year, to serve the most within the budgets.

    Maximize ``Σ_c Σ_y weight[c] · x[c, y]`` over ``x[c, y] ∈ {0, 1}`` (compound c starts in
    plan year y) subject to, for every level l and plan year t,
    ``Σ_c Σ_k cost[c, l, k] · x[c, t − k] ≤ budget[l, t]``, each compound starting at most
    once (exactly once if required), not before ``earliest`` nor after ``latest``, and its
    works ending inside the plan. Ties between plans of the same value go to the plan that
    serves earliest: a second solve keeps ``Σ w x`` at the optimum found and maximizes
    ``Σ w_c (Y − y) x[c, y]`` (the plan is kept only if its first objective is checked to be
    no lower).

    Parameters
    ----------
    cost_cny : array_like, shape (C, L, K) or (C, L)
        What compound c costs level l in the k-th year of its works (k = 0: the year it
        starts), CNY, ≥ 0. (C, L) is a one-year build.
    budget_cny : array_like, shape (L, Y)
        Budget of each level in each plan year, CNY, ≥ 0; ``np.inf``: no limit.
    weight : array_like, shape (C,)
        What serving a compound is worth (households, or a priority score), ≥ 0. A compound
        of weight 0 is planned only if required.
    years : sequence of int
        The Y consecutive calendar years of the plan.
    levels : sequence of str, default GOVERNMENT_LEVELS
        The L levels, in the order of the cost and budget arrays.
    ids : sequence of str, optional
        The compounds' ids (default "0".."C-1").
    earliest, latest : array_like of int, shape (C,), optional
        First and last calendar year each compound may start.
    required : bool mask (C,) or sequence of ids or indexes, optional
        Compounds that must be in the plan.
    time_limit_s : float, optional
        Wall-time limit of the solves, seconds; the best plan found by then is returned with
        status ``time_limit``.
    mip_rel_gap : float, default 1e-6
        HiGHS's relative optimality gap.
    prefer_early : bool, default True
        Break ties between plans of the same value by serving earlier (a second solve).
    tiers : sequence of str, optional
        The plan chooses each compound's tier among these T tiers: ``cost_cny`` is then
        ``(C, T, L, K)`` (or ``(C, T, L)``), the cost of the compound's works at each tier,
        ``weight`` ``(C, T)`` (or ``(C,)``: the same at every tier), and one binary
        ``x[c, j, y]`` per compound, tier and start year with ``Σ_j Σ_y x ≤ 1`` (= 1 if
        required). ``Plan.tier`` and the table's ``tier`` column give the choice.
    tier_allowed : bool array (C, T), optional
        The tiers each compound may take (default: all); each compound needs one.
    together : sequence of sequences of ids or indexes, optional
        Groups of compounds that start in the same year or not at all (a programme's package
        under one pooled instrument): ``x[c, y] = x[first, y]`` for every compound c of a
        group and year y (groups sharing a compound are one group).

    Returns
    -------
    Plan

    Raises
    ------
    ModelError
        A bad argument (shape, NaN, negative cost, budget or weight, years not consecutive,
        earliest after latest, a required compound with no year it could start in).
        Required compounds that do not fit the budgets together give a plan with status
        ``infeasible``, not an exception.
    """
    if tiers is not None:
        return _phase_tiers(cost_cny, budget_cny, weight, years, levels, ids, earliest, latest,
                            required, time_limit_s, mip_rel_gap, prefer_early, tiers,
                            tier_allowed, together)
    cost, budget, weight, years, levels, ids, required, allowed = _prepare(
        cost_cny, budget_cny, weight, years, levels, ids, earliest, latest, required,
        time_limit_s, mip_rel_gap)
    plan = _phase(cost, budget, weight, years, levels, ids, required, allowed,
                  time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, prefer_early=prefer_early,
                  together=_check_together(together, len(ids), ids))
    if plan.status == "infeasible":
        raise _infeasible(ids, required)
    return plan


def _infeasible(ids, required) -> ModelError:
    names = [ids[i] for i in np.flatnonzero(required)]
    shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    return _fail(f"required: the {len(names)} required compounds ({shown}) do not fit the "
                 f"budgets together (or one of them alone exceeds a budget in every year it "
                 f"could start)")


@dataclass(frozen=True)
class _Tiers:
    """A plan that chooses tiers: T tiers, each (compound, tier) an option ``o = c·T + j``."""

    names: tuple[str, ...]
    allowed: np.ndarray          # (C, T) bool
    required: np.ndarray         # (C,) bool
    ids: list[str]

    @property
    def group(self) -> np.ndarray:
        C, T = self.allowed.shape
        return np.repeat(np.arange(C), T)


def _tier_inputs(cost_cny, budget_cny, weight, years, levels, ids, earliest, latest, required,
                 time_limit_s, mip_rel_gap, tiers, tier_allowed, *, draws: bool = False):
    """Check a tier plan's arguments and flatten them to options: ``(cost (…, C·T, L, K),
    budget, weight (C·T,), years, levels, allowed (C·T, Y), _Tiers)``."""
    if isinstance(tiers, str):
        raise _fail("tiers: a sequence of tier names, not one string")
    tiers = tuple(str(t) for t in tiers)
    T = len(tiers)
    if T == 0 or len(set(tiers)) != T:
        raise _fail(f"tiers: give at least one tier, each once: {list(tiers)}")
    name = "cost_draws_cny" if draws else "cost_cny"
    lead = 1 if draws else 0
    arr = _float_array(cost_cny, name)
    if arr.ndim == lead + 3:
        arr = arr[..., None]
    if arr.ndim != lead + 4 or arr.shape[lead + 1] != T:
        shape = "(D, C, T, L, K) or (D, C, T, L)" if draws else "(C, T, L, K) or (C, T, L)"
        raise _fail(f"{name}: shape {shape} with T = {T} tiers expected, got "
                    f"{np.shape(cost_cny)}")
    C = arr.shape[lead]
    ids = _check_ids(ids, C)
    w = _float_array(weight, "weight")
    if w.shape == (C,):
        w = np.repeat(w[:, None], T, axis=1)
    if w.shape != (C, T):
        raise _fail(f"weight: shape ({C}, {T}) or ({C},) expected, got {w.shape}")
    mask = np.ones((C, T), dtype=bool) if tier_allowed is None else np.asarray(tier_allowed)
    if mask.dtype != bool or mask.shape != (C, T):
        raise _fail(f"tier_allowed: a boolean mask of shape ({C}, {T}) expected")
    if not mask.any(axis=1).all():
        bad = [ids[i] for i in np.flatnonzero(~mask.any(axis=1))[:5]]
        raise _fail(f"tier_allowed: compounds {bad} allow no tier")
    info = _Tiers(tiers, mask, _check_required(required, C, ids), ids)
    earliest = _check_bound_years(earliest, "earliest", C)
    latest = _check_bound_years(latest, "latest", C)
    group = info.group
    option_ids = [f"{i}@{t}" for i in ids for t in tiers]
    cost, budget, w_o, years, levels, _, _, allowed = _prepare(
        arr.reshape(*arr.shape[:lead], C * T, *arr.shape[lead + 2:]), budget_cny,
        w.reshape(-1), years, levels, option_ids,
        None if earliest is None else earliest[group],
        None if latest is None else latest[group], None, time_limit_s, mip_rel_gap,
        draws=draws)
    allowed &= mask.reshape(-1)[:, None]
    stuck = info.required & (np.bincount(group, allowed.any(axis=1), minlength=C) == 0)
    if stuck.any():
        bad = [ids[i] for i in np.flatnonzero(stuck)[:5]]
        raise _fail(f"required: compounds {bad} cannot start in any plan year (earliest, "
                    f"latest, or works longer than what is left of the plan)")
    return cost, budget, w_o, years, levels, allowed, info


def _tier_pick(info: _Tiers, start_o: np.ndarray) -> np.ndarray:
    """Each compound's option: the one started, else its highest allowed tier's."""
    C, T = info.allowed.shape
    started = (start_o >= 0).reshape(C, T)
    highest = T - 1 - np.argmax(info.allowed[:, ::-1], axis=1)
    chosen = np.where(started.any(axis=1), np.argmax(started, axis=1), highest)
    return np.arange(C) * T + chosen


def _tier_fields(fields: dict, info: _Tiers, pick: np.ndarray) -> dict:
    """The plan's fields with the chosen tiers: ``tier`` and the table's ``tier`` column."""
    T = len(info.names)
    tier = tuple(info.names[o % T] if s >= 0 else "" for o, s in zip(pick,
                                                                     fields["start_year"]))
    fields["table"].insert(fields["table"].columns.get_loc("end_year") + 1, "tier",
                           [t or pd.NA for t in tier])
    return {**fields, "tier": tier}


def _phase_options(cost, budget, w_o, years, levels, allowed, info: _Tiers, *, time_limit_s,
                   mip_rel_gap, prefer_early, together=None) -> Plan:
    """Solve a tier plan on options (cost (C·T, L, K)) and report it per compound (the chosen
    option's cost and weight; a compound not planned shows its highest allowed tier's)."""
    start_o, status, gap, seconds, found = _solve(
        cost, budget, w_o, info.required, allowed, time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap, prefer_early=prefer_early, group=info.group,
        together=together)
    _log(status, gap)
    pick = _tier_pick(info, start_o)
    fields = _plan(cost[pick], budget, w_o[pick], years, levels, info.ids, info.required,
                   start_o[pick], status, gap, seconds, found)
    return Plan(**_tier_fields(fields, info, pick))


def _phase_tiers(cost_cny, budget_cny, weight, years, levels, ids, earliest, latest, required,
                 time_limit_s, mip_rel_gap, prefer_early, tiers, tier_allowed,
                 together=None) -> Plan:
    """:func:`phase` choosing tiers: every (compound, tier) an option of its own, at most one
    option of a compound started (the assignment rows group a compound's options)."""
    cost, budget, w_o, years, levels, allowed, info = _tier_inputs(
        cost_cny, budget_cny, weight, years, levels, ids, earliest, latest, required,
        time_limit_s, mip_rel_gap, tiers, tier_allowed)
    plan = _phase_options(cost, budget, w_o, years, levels, allowed, info,
                          time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                          prefer_early=prefer_early,
                          together=_check_together(together, len(info.ids), info.ids))
    if plan.status == "infeasible":
        raise _infeasible(info.ids, info.required)
    return plan


def _phase(cost, budget, weight, years, levels, ids, required, allowed, *, time_limit_s,
           mip_rel_gap, prefer_early, together=None) -> Plan:
    start, status, gap, seconds, found = _solve(
        cost, budget, weight, required, allowed, time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap, prefer_early=prefer_early, together=together)
    _log(status, gap)
    return Plan(**_plan(cost, budget, weight, years, levels, ids, required, start, status,
                        gap, seconds, found))


def _log(status: str, gap: float) -> None:
    if status == "time_limit":
        logger.warning("phasing: time limit reached; the plan is within %.3g of the optimum",
                       gap)
    elif status != "optimal":
        logger.warning("phasing: no plan (%s)", status)


# ---------------------------------------------------------------------------------------------
# the robust variant


def overrun_frequency(cost_draws_cny, start_year, budget_cny, years) -> tuple[float, np.ndarray]:
    """Share of the draws in which a plan exceeds a budget.

    Parameters
    ----------
    cost_draws_cny : ndarray, shape (D, C, L, K) or (D, C, L)
        Each draw's costs, CNY.
    start_year : ndarray of int, shape (C,)
        The plan (calendar year of start, −1: not planned).
    budget_cny : ndarray, shape (L, Y)
    years : sequence of int

    Returns
    -------
    any_share : float
        Share of the draws in which at least one level's budget of one year is exceeded
        (outlay > budget × (1 + BUDGET_RTOL)).
    cell_share : ndarray, shape (L, Y)
        Share of the draws in which that level's budget of that year is exceeded.
    """
    cost = np.asarray(cost_draws_cny, dtype=float)
    if cost.ndim == 3:
        cost = cost[..., None]
    D, C, L, K = cost.shape
    cal = np.asarray(years, dtype=np.int64)
    start_year = np.asarray(start_year, dtype=np.int64)
    planned = np.flatnonzero(start_year >= 0)
    Y = cal.size
    onehot = np.zeros((planned.size, Y))
    onehot[np.arange(planned.size), start_year[planned] - cal[0]] = 1.0
    outlay = np.zeros((D, L, Y))
    for k in range(K):
        # (D, P, L) against (P, Y − k): each draw's outlay of works in their k-th year
        outlay[:, :, k:] += np.einsum("dpl,py->dly", cost[..., k][:, planned],
                                      onehot[:, :Y - k], optimize=True)
    budget = np.asarray(budget_cny, dtype=float)
    over = ~_within(outlay, budget[None])
    return float(over.any(axis=(1, 2)).mean()), over.mean(axis=0)


def phase_robust(cost_draws_cny, budget_cny, weight, *, years, max_overrun_probability=0.1,
                 levels=GOVERNMENT_LEVELS, ids=None, earliest=None, latest=None,
                 required=None, time_limit_s=None, mip_rel_gap=1e-6, prefer_early=True,
                 margin_tolerance_sd=0.01, max_solves=20, tiers=None,
                 tier_allowed=None, together=None) -> RobustPlan:
    """A plan that overruns some budget in at most ``max_overrun_probability`` of the draws.

    The plan is solved by :func:`phase` on a margin-scaled cost, ``mean + m × sd`` of each
    compound's cost over the draws (per level and year of works), and the margin ``m ≥ 0``
    (standard deviations) is searched: m = 0 first (the mean plan); if it overruns too often,
    m doubles from 1 until a plan meets the bound, then bisection between the last failing
    and the first passing margin until they are ``margin_tolerance_sd`` apart (or a passing
    plan is worth as much as the mean plan: none can be worth more). Each plan's
    overrun frequency is computed exactly over the D draws (:func:`overrun_frequency`). The
    plan returned is the one of highest objective among those meeting the bound (ties: the
    smaller margin). With ``max_overrun_probability = 1`` it is the mean plan.

    Parameters
    ----------
    cost_draws_cny : array_like, shape (D, C, L, K) or (D, C, L)
        Monte Carlo draws of the costs, CNY, ≥ 0.
    budget_cny, weight, years, levels, ids, earliest, latest, required, mip_rel_gap,
    prefer_early, together
        As in :func:`phase`.
    max_overrun_probability : float, default 0.1
        Largest acceptable share of draws in which any budget is exceeded, in [0, 1].
    time_limit_s : float, optional
        Wall-time limit of each solve, seconds.
    margin_tolerance_sd : float, default 0.01
        Width at which the bisection on the margin stops.
    max_solves : int, default 20
        Most solves the search may use.
    tiers, tier_allowed
        As in :func:`phase`: the plan chooses tiers; ``cost_draws_cny`` is then
        ``(D, C, T, L, K)`` (or ``(D, C, T, L)``) and the margin applies to each tier's cost;
        the overrun frequency is computed with each compound's chosen tier.

    Returns
    -------
    RobustPlan
        ``bound_met`` is False when no margin tried meets the bound (the plan is then the one
        of least overrun frequency).

    Notes
    -----
    The frequency is not monotone in the margin in general (a larger margin can give a
    different plan that overruns more often): bisection finds *a* passing margin near the
    boundary, not a proven least one; every plan tried is listed in ``search``. The standard
    error ``sqrt(p (1 − p) / D)`` says how far the frequency over these D draws may be from
    the probability.
    """
    info = None
    if tiers is None:
        cost_d, budget, weight, years, levels, ids, required, allowed = _prepare(
            cost_draws_cny, budget_cny, weight, years, levels, ids, earliest, latest,
            required, time_limit_s, mip_rel_gap, draws=True)
    else:   # options (compound, tier): cost_d (D, C·T, L, K), weight (C·T,)
        cost_d, budget, weight, years, levels, allowed, info = _tier_inputs(
            cost_draws_cny, budget_cny, weight, years, levels, ids, earliest, latest,
            required, time_limit_s, mip_rel_gap, tiers, tier_allowed, draws=True)
        ids, required = info.ids, info.required
    bound = float(max_overrun_probability)
    if not (0.0 <= bound <= 1.0):
        raise _fail(f"max_overrun_probability: must lie in [0, 1], got "
                    f"{max_overrun_probability!r}")
    if not (margin_tolerance_sd > 0):
        raise _fail("margin_tolerance_sd: must be > 0")
    if int(max_solves) < 1:
        raise _fail("max_solves: at least 1")
    D = cost_d.shape[0]
    mean = cost_d.mean(axis=0)
    sd = cost_d.std(axis=0)
    common = dict(time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
                  prefer_early=prefer_early, together=_check_together(together, len(ids), ids))
    tried: list[tuple[float, Plan, float, np.ndarray]] = []

    def pick_of(plan) -> np.ndarray:
        """Each compound's option in the plan (all compounds: their own, without tiers)."""
        if info is None:
            return np.arange(len(ids))
        T = len(info.names)
        highest = _tier_pick(info, np.full(len(ids) * T, -1))
        tier = np.array([info.names.index(t) if t else -1 for t in plan.tier])
        return np.where(tier >= 0, np.arange(len(ids)) * T + tier, highest)

    def attempt(m: float):
        if info is None:
            plan = _phase(mean + m * sd, budget, weight, years, levels, ids, required,
                          allowed, **common)
        else:
            plan = _phase_options(mean + m * sd, budget, weight, years, levels, allowed, info,
                                  **common)
        if np.isfinite(plan.objective):
            p, cells = overrun_frequency(cost_d[:, pick_of(plan)], plan.start_year, budget,
                                         years)
        else:
            p, cells = float("nan"), np.full(budget.shape, np.nan)
        tried.append((m, plan, p, cells))
        return p

    def passes(p):
        return np.isfinite(p) and p <= bound

    def done():
        # the planning cost grows with the margin, so no plan of a margin > 0 is worth more
        # than the mean plan: a passing plan worth as much ends the search
        return any(passes(t[2]) and t[1].objective >= tried[0][1].objective for t in tried)

    p = attempt(0.0)
    if tried[0][1].status == "infeasible":
        raise _fail("required: the required compounds do not fit the budgets together at "
                    "the draws' mean cost")
    # with costs that do not vary over the draws a margin changes nothing
    if not passes(p) and np.isfinite(p) and (sd > 0).any():
        lo, hi = 0.0, 1.0
        while len(tried) < max_solves:
            p = attempt(hi)
            if passes(p) or not np.isfinite(p) or hi >= _MARGIN_MAX:
                break
            lo, hi = hi, 2.0 * hi
        if passes(p):
            while hi - lo > margin_tolerance_sd and len(tried) < max_solves and not done():
                mid = 0.5 * (lo + hi)
                if passes(attempt(mid)):
                    hi = mid
                else:
                    lo = mid

    ok = [t for t in tried if passes(t[2])]
    if ok:
        m, plan, p, cells = min(ok, key=lambda t: (-t[1].objective, t[0]))
    else:
        finite = [t for t in tried if np.isfinite(t[2])]
        m, plan, p, cells = (min(finite, key=lambda t: (t[2], t[0])) if finite else tried[0])
        logger.warning("phasing: no margin tried keeps the overrun probability within %g",
                       bound)
    search = pd.DataFrame({"margin_sd": [t[0] for t in tried],
                           "status": [t[1].status for t in tried],
                           "objective": [t[1].objective for t in tried],
                           "overrun_probability": [t[2] for t in tried]})
    # report the plan at the draws' mean cost
    start_index = np.where(plan.start_year >= 0, plan.start_year - years[0], -1)
    pick = pick_of(plan)
    fields = _plan(mean[pick], budget, weight[pick], years, levels, ids, required, start_index,
                   plan.status, plan.mip_gap, float(sum(t[1].solve_time_s for t in tried)),
                   bool(np.isfinite(plan.objective)))
    if info is not None:
        fields = _tier_fields(fields, info, pick)
    fields["budget_use"]["overrun_probability"] = cells.reshape(-1)
    se = float(np.sqrt(p * (1.0 - p) / D)) if np.isfinite(p) else float("nan")
    return RobustPlan(**fields, overrun_probability=p, overrun_probability_se=se,
                      max_overrun_probability=bound, margin_sd=m, bound_met=bool(ok),
                      draws=D, search=search)
