"""Bracketed root finding for many independent problems at once (pure numpy).

:func:`vector_roots` solves ``h_d(x) = 0`` for every draw ``d`` together: each round asks
the caller for ``h`` at ONE new point per unfinished draw (one engine call over the draws), so
the rounds, not the draws, are the loop. Steps: two starting points, then secant steps
(extrapolating to bracket the root, growth capped), then Illinois regula falsi inside the
bracket with a bisection after three steps in a row that fail to halve it. An affine ``h`` is solved in three
rounds (two points give the exact secant root, the third confirms it).

:func:`scalar_root` solves one equation ``H(x) = 0`` (a statistic over the draws) by
evaluating ``k`` candidate points per round (the caller tiles the draws: still one engine call
per round): the regula falsi point, two points just beside it and a grid over the bracket.

Conventions: the meeting side of an inequality is ``h ≥ 0`` (``h > 0`` when strict); for an
equality the root itself is sought. The answer of an inequality is an evaluated point on its
meeting side within ``tol`` of the boundary; of an equality the point where the predicted
secant step is within ``tol`` (or the better end of a bracket narrower than ``tol``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["vector_roots", "scalar_root", "RootResult", "ScalarRoot", "CONVERGED",
           "NO_CROSSING", "UNDEFINED", "NOT_CONVERGED", "STATUS_TEXT"]

CONVERGED, NO_CROSSING, UNDEFINED, NOT_CONVERGED = 0, 1, 2, 3
STATUS_TEXT = {CONVERGED: "converged", NO_CROSSING: "no crossing in the lever's range",
               UNDEFINED: "metric undefined (NaN)", NOT_CONVERGED: "not converged"}
GROWTH = 1e8
"""Largest secant extrapolation, in multiples of the last two points' distance."""


def _side(h: np.ndarray, kind: str) -> np.ndarray:
    """True on the meeting side: ``h ≥ 0`` ('ge'), ``h > 0`` ('gt'), ``h > 0`` ('eq')."""
    return h >= 0 if kind == "ge" else h > 0


@dataclass
class RootResult:
    """Per draw: the answer ``x`` (NaN where none), the status code, the sign of ``dh/dx``
    at the answer (+1, −1; NaN unknown), the meeting side at the last point (for draws without
    a crossing), the size of ``h`` at the two starting points (a scale for residuals), the
    rounds and point evaluations used."""
    x: np.ndarray
    status: np.ndarray
    slope_sign: np.ndarray
    side: np.ndarray
    scale: np.ndarray
    rounds: int
    evaluations: int


def vector_roots(h: Callable[[np.ndarray, np.ndarray], np.ndarray], x0: np.ndarray,
                 lo: float, hi: float, *, kind: str = "eq", tol: float = 1e-12,
                 integer: bool = False, bounds: tuple[float, float] | None = None,
                 max_rounds: int = 200) -> RootResult:
    """Solve ``h(x) = 0`` (kind 'eq') or find the boundary of ``h ≥ 0`` / ``h > 0`` (kinds
    'ge', 'gt') for every draw.

    Parameters
    ----------
    h : callable
        ``h(x, idx)``: the function at points ``x`` (m,) for the draws ``idx`` (m,) (indexes
        into ``x0``); returns (m,). Called once per round.
    x0 : ndarray (n,)
        Starting points (the lever's value in each draw).
    lo, hi : float
        The lever's range (points are kept inside it; ±inf allowed).
    kind : {'eq', 'ge', 'gt'}
    tol : float
        Relative tolerance on x: ``tol × max(|x|, scale)``, scale the first step's size.
    integer : bool
        Whole values only; the answer of an inequality is the meeting whole value next to the
        boundary (rounds stop when the bracket is 1 wide).
    bounds : (a, b), optional
        Search only in [a, b] (both ends evaluated first; no crossing → no root).
    """
    x0 = np.clip(np.asarray(x0, dtype=float), lo, hi)
    n = x0.size
    if integer:
        x0 = np.clip(np.round(x0), np.ceil(lo), np.floor(hi))
    xs = np.full(n, np.nan)
    status = np.full(n, NOT_CONVERGED)
    slope_sign = np.full(n, np.nan)
    side_out = np.zeros(n, dtype=bool)
    rounds = evals = 0

    def call(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        nonlocal rounds, evals
        rounds += 1
        evals += idx.size
        return np.asarray(h(x, idx), dtype=float)

    if bounds is not None:
        a, b = float(bounds[0]), float(bounds[1])
        xa, xb = np.full(n, a), np.full(n, b)
        lo, hi = a, b
    else:
        xa = x0
        scale = np.where(x0 != 0, 0.1 * np.abs(x0), 0.1 * min(1.0, (hi - lo) / 2))
        if integer:
            scale = np.maximum(1.0, np.round(scale))
        xb = np.where(x0 + scale <= hi, x0 + scale, x0 - scale)
        xb = np.clip(xb, lo, hi)
    all_idx = np.arange(n)
    ha = call(xa, all_idx)
    hb = call(xb, all_idx)
    h_scale = np.fmax(np.abs(ha), np.abs(hb))
    xscale = np.maximum(np.abs(xa), np.abs(xb - xa))
    xscale = np.where(xscale > 0, xscale, 1.0)

    def tol_at(x, idx):
        return 1.0 if integer else tol * np.maximum(np.abs(x), xscale[idx])

    # state: unbracketed (p0, p1 = last two points) or bracketed (xp meets, xn does not)
    p0x, p0h, p1x, p1h = xa.copy(), ha.copy(), xb.copy(), hb.copy()
    bracketed = np.zeros(n, dtype=bool)
    xp, hp, xn, hn = (np.full(n, np.nan) for _ in range(4))
    wp, wn = np.ones(n), np.ones(n)             # Illinois weights
    last_kept = np.zeros(n, dtype=np.int8)      # +1: xp kept last round, −1: xn kept
    stall = np.zeros(n, dtype=np.int8)         # rounds in a row the bracket did not halve
    active = np.ones(n, dtype=bool)

    def finish(mask, x, code, sgn=None):
        xs[mask] = x if np.ndim(x) == 0 else x[mask]
        status[mask] = code
        if sgn is not None:
            slope_sign[mask] = sgn[mask] if np.ndim(sgn) else sgn
        active[mask] = False

    # undefined points end a draw
    bad = ~np.isfinite(ha) | ~np.isfinite(hb)
    finish(bad, np.nan, UNDEFINED)

    def check_point(idx, x, hx, slope, prev_width=None):
        """Converged draws among ``idx`` after evaluating ``x``: exact hit, or predicted step
        within tolerance on the meeting side (equalities: either side)."""
        t = tol_at(x, idx)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.abs(hx / slope)
        # an inequality converges on a point strictly inside its meeting side (h = 0 may be a
        # plateau whose far end is the boundary: those end by the bracket's width)
        meets = hx > 0 if kind != "eq" else np.ones_like(hx, dtype=bool)
        exact = (hx == 0) & (kind == "eq")
        if integer:
            return exact & False  # integers stop on a bracket one wide only
        return exact | ((step <= t) & meets & np.isfinite(step))

    # the two starting points may already be answers
    with np.errstate(divide="ignore", invalid="ignore"):
        s01 = (hb - ha) / (xb - xa)
    for x, hx in ((xa, ha), (xb, hb)):
        idx = np.flatnonzero(active)
        ok = check_point(idx, x[idx], hx[idx], s01[idx])
        done = np.zeros(n, dtype=bool)
        done[idx[ok]] = True
        finish(done, x, CONVERGED, np.sign(s01))

    # initial brackets
    sa, sb = _side(ha, kind), _side(hb, kind)
    new = active & (sa != sb)
    bracketed[new] = True
    xp[new] = np.where(sa, xa, xb)[new]
    hp[new] = np.where(sa, ha, hb)[new]
    xn[new] = np.where(sa, xb, xa)[new]
    hn[new] = np.where(sa, hb, ha)[new]
    if bounds is not None:
        stuck = active & ~bracketed
        side_out[stuck] = sb[stuck]
        finish(stuck, np.nan, NO_CROSSING)

    while active.any() and rounds < max_rounds:
        idx = np.flatnonzero(active)
        br = bracketed[idx]
        x_new = np.empty(idx.size)
        # --- unbracketed: secant extrapolation
        u = idx[~br]
        if u.size:
            with np.errstate(divide="ignore", invalid="ignore"):
                s = (p1h[u] - p0h[u]) / (p1x[u] - p0x[u])
                best = np.where(np.abs(p1h[u]) <= np.abs(p0h[u]), p1x[u], p0x[u])
                hbest = np.where(np.abs(p1h[u]) <= np.abs(p0h[u]), p1h[u], p0h[u])
                r = best - hbest / s
            span = np.abs(p1x[u] - p0x[u])
            flat = ~np.isfinite(r) | (s == 0)
            r = np.where(flat, p1x[u] + 2.0 * (p1x[u] - p0x[u]), r)
            r = np.clip(r, best - GROWTH * span, best + GROWTH * span)
            if kind != "eq" and not integer:
                r = r + np.where(flat, 0.0, np.sign(s)) * 0.5 * tol_at(r, u)
            if integer:
                # a whole step at least, away from the best point: rounding toward it could
                # land back on an evaluated point and end the draw without a crossing
                toward = np.where(r != best, np.sign(r - best),
                                  np.where(np.sign(s) != 0, -np.sign(s), 1.0))
                r = np.where(toward < 0, np.minimum(np.floor(r), best - 1),
                             np.maximum(np.ceil(r), best + 1))
            r = np.clip(r, lo, hi)
            repeat = (r == p1x[u]) | (r == p0x[u])
            stuck = u[repeat]
            side_out[stuck] = _side(p1h[stuck], kind)
            m = np.zeros(n, dtype=bool)
            m[stuck] = True
            finish(m, np.nan, NO_CROSSING)
            x_new[~br] = r
        # --- bracketed: Illinois regula falsi, bisection when it stalls
        b_ = idx[br]
        if b_.size:
            a_x, b_x = xn[b_], xp[b_]
            ha_w, hb_w = hn[b_] * wn[b_], hp[b_] * wp[b_]
            with np.errstate(divide="ignore", invalid="ignore"):
                r = a_x - ha_w * (b_x - a_x) / (hb_w - ha_w)
            mid = 0.5 * (a_x + b_x)
            r = np.where((stall[b_] >= 3) | ~np.isfinite(r), mid, r)
            t = tol_at(r, b_)
            if kind != "eq":
                r = r + np.sign(b_x - a_x) * 0.5 * t
            left, right = np.minimum(a_x, b_x), np.maximum(a_x, b_x)
            if integer:
                r = np.where(b_x > a_x, np.ceil(r), np.floor(r))
                r = np.where((r <= left) | (r >= right), np.floor(mid), r)
            else:
                r = np.clip(r, left + 0.25 * t, right - 0.25 * t)
            x_new[br] = r
        still = active[idx]
        idx, x_new = idx[still], x_new[still]
        if idx.size == 0:
            break
        h_new = call(x_new, idx)
        undefined = ~np.isfinite(h_new)
        m = np.zeros(n, dtype=bool)
        m[idx[undefined]] = True
        finish(m, np.nan, UNDEFINED)
        keep = ~undefined
        idx, x_new, h_new = idx[keep], x_new[keep], h_new[keep]
        br = bracketed[idx]
        s_new = _side(h_new, kind)
        # unbracketed draws: bracket with the nearer of the last two points, else shift
        u = ~br
        ui = idx[u]
        if ui.size:
            with np.errstate(divide="ignore", invalid="ignore"):
                slope = (h_new[u] - p1h[ui]) / (x_new[u] - p1x[ui])
            ok = check_point(ui, x_new[u], h_new[u], slope)
            m = np.zeros(n, dtype=bool)
            m[ui[ok]] = True
            sg = np.full(n, np.nan)
            sg[ui] = np.sign(slope)
            xtmp = np.full(n, np.nan)
            xtmp[ui] = x_new[u]
            finish(m, xtmp, CONVERGED, sg)
            s1, s0 = _side(p1h[ui], kind), _side(p0h[ui], kind)
            cross1 = (s_new[u] != s1) & ~ok
            cross0 = (s_new[u] != s0) & ~cross1 & ~ok
            for cross, ox, oh in ((cross1, p1x, p1h), (cross0, p0x, p0h)):
                ci = ui[cross]
                xv, hv, sv = x_new[u][cross], h_new[u][cross], s_new[u][cross]
                bracketed[ci] = True
                xp[ci] = np.where(sv, xv, ox[ci])
                hp[ci] = np.where(sv, hv, oh[ci])
                xn[ci] = np.where(sv, ox[ci], xv)
                hn[ci] = np.where(sv, oh[ci], hv)
            shift = ~cross1 & ~cross0 & ~ok
            si = ui[shift]
            p0x[si], p0h[si] = p1x[si], p1h[si]
            p1x[si], p1h[si] = x_new[u][shift], h_new[u][shift]
        # bracketed draws: replace the end on the new point's side
        bi = idx[br]
        if bi.size:
            xv, hv, sv = x_new[br], h_new[br], s_new[br]
            old_width = np.abs(xp[bi] - xn[bi])
            kept_p = ~sv          # xp is kept when the new point does not meet
            # Illinois: an end kept twice in a row has its weight halved
            wn[bi] = np.where(sv & (last_kept[bi] == -1), wn[bi] * 0.5, np.where(sv, wn[bi], 1.0))
            wp[bi] = np.where(kept_p & (last_kept[bi] == 1), wp[bi] * 0.5,
                              np.where(kept_p, wp[bi], 1.0))
            last_kept[bi] = np.where(sv, -1, 1)
            xp[bi] = np.where(sv, xv, xp[bi])
            hp[bi] = np.where(sv, hv, hp[bi])
            xn[bi] = np.where(sv, xn[bi], xv)
            hn[bi] = np.where(sv, hn[bi], hv)
            width = np.abs(xp[bi] - xn[bi])
            stall[bi] = np.where(width > 0.5 * old_width, stall[bi] + 1, 0)
        # convergence of bracketed draws (the just-bracketed included)
        bi = idx[bracketed[idx] & active[idx]]
        if bi.size:
            with np.errstate(divide="ignore", invalid="ignore"):
                slope = (hp[bi] - hn[bi]) / (xp[bi] - xn[bi])
            pos = np.searchsorted(idx, bi)
            xv, hv = x_new[pos], h_new[pos]
            ok = check_point(bi, xv, hv, slope)
            width = np.abs(xp[bi] - xn[bi])
            narrow = width <= (1.0 if integer else tol_at(xv, bi))
            ans = np.where(ok, xv, np.nan)
            if kind == "eq":
                endpoint = np.where(np.abs(hp[bi]) <= np.abs(hn[bi]), xp[bi], xn[bi])
            else:
                endpoint = xp[bi]
            ans = np.where(~ok & narrow, endpoint, ans)
            fin = ok | narrow
            m = np.zeros(n, dtype=bool)
            m[bi[fin]] = True
            xtmp = np.full(n, np.nan)
            xtmp[bi] = ans
            sg = np.full(n, np.nan)
            sg[bi] = np.sign(slope)
            finish(m, xtmp, CONVERGED, sg)
    return RootResult(xs, status, slope_sign, side_out, h_scale, rounds, evals)


@dataclass
class ScalarRoot:
    """One equation's answer: ``x`` (NaN if none), the evaluated points ``(x, H)`` in order,
    the rounds, whether ``H`` was seen non-monotone and a note."""
    x: float
    points: list[tuple[float, float]]
    rounds: int
    monotone: bool
    note: str = ""


def scalar_root(H: Callable[[np.ndarray], np.ndarray], x0: float, lo: float, hi: float, *,
                kind: str = "eq", tol: float = 1e-12, k: int = 8, integer: bool = False,
                bounds: tuple[float, float] | None = None, max_rounds: int = 80) -> ScalarRoot:
    """Solve ``H(x) = 0`` (or the boundary of ``H ≥ 0`` / ``H > 0``) evaluating ``k`` points
    per round; ``H(xs)`` takes (k,) points and returns (k,)."""
    k = max(int(k), 4)
    points: dict[float, float] = {}
    rounds = 0
    monotone = True

    def evaluate(cands) -> int:
        """Evaluate the candidates not evaluated yet (one round); return how many."""
        nonlocal rounds
        c = np.unique(np.clip(np.asarray(cands, dtype=float), lo, hi))
        if integer:
            c = np.unique(np.clip(np.round(c), np.ceil(lo), np.floor(hi)))
        c = np.array([v for v in c if math.isfinite(v) and v not in points])
        if c.size == 0:
            return 0
        rounds += 1
        for v, hv in zip(c, np.asarray(H(c), dtype=float)):
            points[float(v)] = float(hv)
        return int(c.size)

    def result(x: float, note: str = "") -> ScalarRoot:
        return ScalarRoot(x, list(points.items()), rounds, monotone, note)

    def ordered():
        xs = np.array(sorted(points))
        return xs, np.array([points[v] for v in xs])

    x0 = float(np.clip(x0, lo, hi))
    step = 0.1 * abs(x0) if x0 != 0 else 0.1 * min(1.0, (hi - lo) / 2)
    if integer:
        step = max(1.0, round(step))
    if bounds is not None:
        lo, hi = float(bounds[0]), float(bounds[1])
        evaluate(np.linspace(lo, hi, k))
    else:
        j = np.arange(k // 2)
        evaluate(np.concatenate([[x0], x0 + step * 4.0 ** j, x0 - step * 4.0 ** j])[:k])
    scale = max(abs(x0), step)

    def t_at(x):
        return 1.0 if integer else tol * max(abs(x), scale)

    growth = 4.0 ** (k // 2)
    # every pass of the loop evaluates at least one new point (one round) or returns: at most
    # max_rounds rounds, then "not converged"
    while rounds < max_rounds:
        xs, hs = ordered()
        ok = np.isfinite(hs)
        xs, hs = xs[ok], hs[ok]
        if xs.size == 0:
            return result(np.nan, "the statistic is undefined at every point tried")
        side = _side(hs, kind)
        changes = np.flatnonzero(side[1:] != side[:-1])
        if changes.size > 1:
            monotone = False
        if changes.size == 0:
            if bounds is not None or (xs[0] <= lo and xs[-1] >= hi):
                return result(np.nan, "the target is " + ("met" if side[0] else "not met")
                              + " everywhere in the lever's range tried")
            # extend towards smaller |H| (both ways if equal)
            span = xs[-1] - xs[0] if xs.size > 1 else step
            j = np.arange(1, k // 2 + 1)
            ext = span * growth ** (j / (k // 2))
            down = np.abs(hs[0]) <= np.abs(hs[-1])
            if xs[0] <= lo:
                down = False
            if xs[-1] >= hi:
                down = True
            if not evaluate(xs[0] - ext if down else xs[-1] + ext):
                # nothing new to try on that side (the range's end, or whole values that
                # are all tried): the target is not met anywhere the lever can go
                return result(np.nan, "the target is " + ("met" if side[0] else "not met")
                              + " everywhere in the lever's range tried")
            continue
        c = changes[0]
        a, b, ha, hb = xs[c], xs[c + 1], hs[c], hs[c + 1]
        meet_x = b if side[c + 1] else a
        width = b - a
        slope = (hb - ha) / width if width > 0 else np.inf
        t = t_at(meet_x)
        if kind == "eq":
            best = a if abs(ha) <= abs(hb) else b
            hbest = min(abs(ha), abs(hb))
            if hbest == 0 or (not integer and np.isfinite(slope) and slope != 0
                              and hbest / abs(slope) <= t) or width <= t:
                return result(best)
        else:
            hm = hb if side[c + 1] else ha
            if width <= (1.0 if integer else t) or (
                    not integer and hm > 0 and np.isfinite(slope) and slope != 0
                    and abs(hm / slope) <= t):
                return result(meet_x)
        r = a - ha * width / (hb - ha) if hb != ha else 0.5 * (a + b)
        grid = np.linspace(a, b, k - 1)[1:-1]
        cands = [r, r - 0.5 * t, r + 0.5 * t, *grid]
        cands = [v for v in cands if a < v < b] or [0.5 * (a + b)]
        if integer:
            cands = [v for v in np.unique(np.round(cands)) if a < v < b]
            if not cands:
                return result(meet_x)
        if not evaluate(cands):   # the bracket holds no untried float: as narrow as it gets
            return result(meet_x)
    return result(np.nan, f"not converged in {max_rounds} rounds")
