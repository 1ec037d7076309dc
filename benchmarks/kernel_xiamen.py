"""A hand-written numpy kernel of ``scenarios/xiamen-hanlingrong.yaml``: fund, fallback, menu,
norms.

Like ``benchmarks/kernel.py`` (sanqiao-standalone): the whole model of that one scenario written
directly as array code — no fundmodel import, no scenario objects, no generality: the scenario's
numbers are constants below. It computes the per-draw metrics table of
``fundmodel.simulate(scenario, draws, seed, keep_draws=True).metrics`` — all 41 of its metrics,
in its order (:data:`METRIC_NAMES`) — on the same uniform numbers (the library's block-keyed
streams, :func:`kernel.uniforms_blocks`), so its time is the floor the library's time is
measured against (``benchmarks/ratio_xiamen.py``), and ``tests/test_perf_invariants.py`` checks
that both compute the same model (rtol 1e-9).

Model (money in CNY, rates as fractions; works in year 0, operating years t = 1..30, cash flows
at year end; ``g2 = 1.02^(t−1)``, ``g3 = 1.03^(t−1)``):

- draws, each by its inverse CDF from one column of uniforms: contingency ~ tri(0, 0.05, 0.12),
  roof unit cost ~ tri(90, 115, 150) CNY/m², lift unit cost ~ tri(580k, 650k, 760k), residents'
  uptake ~ beta(14, 6), fee collection ~ tri(0.72, 0.85, 0.93), parking occupancy ~
  tri(0.6, 0.8, 0.95), take-ups of the two menu packages ~ beta(6, 4) and beta(3, 7), the
  fund's interest ~ uniform(0.01, 0.02), the roof component's cost ~ tri(1.2M, 1.38M, 1.8M);
- item costs ``quantity × unit cost × (1 + contingency)`` (the lifts' own contingency 0.05),
  in five classes of equal eligibility: A the basic items but the utilities' lines, B the
  water, gas and power lines, C the complete tier, D the upgrade tier but the lifts, E the
  lifts; capex their sum;
- funding (the library's smallest gap, then the rules' order, as it resolves here — the
  central subsidy covers less than A, the local match more than what is left of A + C, the
  residents' per-m² offer less than D): central ``min(10,000 × 800, A + B)``; central lift
  ``min(150,000 × 8, E)``; utilities ``min(B, A + B − central)``; local match
  ``min(0.6 × (central + central lift), A + B + C − central − utilities)``; city lift
  ``min(100,000 × 8, E − central lift)``; lift owners the rest of E; residents
  ``min(10 × 49,600 × uptake, what is left)``; the gap the rest (0 below 1e-12 × capex);
  government = central + central lift + local + city lift, residents = lift owners + residents;
- operating statement: fee ``0.8 × 49,600 m² × 12 × c_t × g2`` with ``c_t`` 0.45, 0.6, 0.72 in
  years 1–3 and the drawn collection after, VAT ``fee × 0.06/1.06``; income parking
  ``120 × 150 × 12 × occupancy × g2``, e-bike charging ``36,000 g2``, billboards
  ``8 × 600 × 12 × 0.75 g2``, the street's start-up grant ``60,000 g2`` in years 1–3; menu
  ``800 × take-up × price × 12 × g3`` (8 and 5 CNY/household/month), their costs the same at
  5.5 and 3.5; staff by norm × wage × 12 × 1.3 × g3: cleaners 49,600/16,000 at 2,600, guards
  6 − 4 (the cameras replace 4) at 3,200, maintenance 49,600/35,000 at 4,200, a clerk
  ⌈800/800⌉ at 3,800; routine repairs ``40,000 g2 (1 + 0.03 (t − 1))``, lift maintenance
  ``48,000 g3``, power and water 45,000 g2, insurance 12,000 g2, the cameras' platform 24,000
  g2; margin 8 % of the direct cost; surplus = income − 1.08 × direct cost − VAT;
- fallback (street, cap 100,000 a year, opening balance 0): ``f_t = min(cap, max(0, −(B_{t−1}
  + s_t)))``, ``B_t = B_{t−1} + s_t + f_t``; the cap needed ``max_t max(0, −(U_{t−1} + s_t))``
  with ``U_t = max(U_{t−1} + s_t, 0)``;
- NPV of the surplus at the nominal rate ``1.04 × 1.02 − 1``; breakeven fee ``0.8 − NPV / K``
  with K the present value of the fee income net of VAT per unit fee rate;
- repairs fund: opening 300,000 + first deposit 20 × 49,600; year t: interest at the drawn rate
  on the start balance, deposits 1.2 × 49,600, replacements of the seven components in their
  due years (life L, remaining life r: years r, r + L, ...) at ``cost × 1.03^(t−1)`` (0 % for
  the cameras and chargers); a top-up back to the first deposit when the balance falls below
  30 % of it; the fully funded balance ``Σ cost_t × age_t / L`` (ages ``(L − r + t − 1) mod
  L``), the residual value at year 31, the level contributions with top-ups off
  (``max(0, max_t (F_t − B_t(0)) / S_t)`` with ``B_t(0)`` the balance without deposits, ``S_t``
  the balance 1 CNY/m²/year builds: baseline F = 0, threshold F = 0.3 × first deposit, full
  the larger of the baseline and 100 % funded at the horizon), and the present values of the
  replacements and of the deposits.

Run ``python benchmarks/kernel_xiamen.py [draws]`` for its time alone.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import betaincinv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kernel import (CHUNK, funding_metrics, run_chunks, triangular,  # noqa: E402
                    uniforms as _uniforms)  # (the same streams)

__all__ = ["METRIC_NAMES", "DIMS", "uniforms", "metrics_chunk", "run"]

DIMS = 10                  # uncertain inputs: one column of uniforms each
YEARS = 30
HOUSEHOLDS = 800
AREA_M2 = 49_600.0
FEE_RATE = 0.8             # CNY/m²/month
VAT = 0.06
MARGIN = 0.08
NOMINAL = 1.04 * 1.02 - 1.0
RAMP = (0.45, 0.6, 0.72)   # collection in years 1..3

# item classes, fixed parts (CNY before contingency)
A_FIXED = 3200 * 900.0 + 40_000 * 70.0 + 11_000 * 160.0      # + 12,000 m² roof × unit cost
ROOF_M2 = 12_000.0
B_FIXED = 2600 * 500.0 + 2400 * 400.0                          # the utilities' lines
C_FIXED = 260_000.0 + 320_000.0 + 120 * 6000.0                 # complete tier
D_FIXED = 420_000.0 + 80_000.0                                 # cameras, parking barrier
LIFTS, LIFT_CONTINGENCY = 8, 0.05
CENTRAL, CENTRAL_LIFT, CITY_LIFT = 10_000.0 * HOUSEHOLDS, 150_000.0 * LIFTS, 100_000.0 * LIFTS
LOCAL_MATCH = 0.6
RESIDENTS_M2 = 10.0 * AREA_M2

# repairs fund
FIRST_DEPOSIT = 20.0 * AREA_M2
OPENING = 300_000.0 + FIRST_DEPOSIT
DEPOSIT = 1.2 * AREA_M2
TRIGGER, RESTORE = 0.3 * FIRST_DEPOSIT, 1.0 * FIRST_DEPOSIT
THRESHOLD = 0.3 * FIRST_DEPOSIT
# components: cost (None: the drawn roof), life, remaining life, growth
COMPONENTS = ((None, 15, 15, 0.03), (960_000.0, 15, 15, 0.03), (420_000.0, 8, 8, 0.0),
              (120_000.0, 10, 10, 0.0), (1_400_000.0, 12, 12, 0.03),
              (300_000.0, 15, 6, 0.03), (660_000.0, 15, 15, 0.03))
FALLBACK_CAP = 100_000.0

METRIC_NAMES = (
    "capex_total", "funding_total", "funding_gap", "funding_gap_share", "has_funding_gap",
    "government_cost", "resident_cost", "government_cost_per_household",
    "resident_cost_per_household", "funding_gap_per_household", "fee_income_first_year",
    "operating_cost_first_year", "operating_surplus_first_year", "operating_deficit_years",
    "any_operating_deficit", "first_deficit_year", "cumulative_balance_final",
    "balance_negative_at_horizon", "npv_operations", "breakeven_fee_rate",
    "breakeven_fee_rate_first_year", "discount_rate_nominal",
    "fallback_total", "fallback_years", "fallback_max_year", "fallback_needed_max",
    "cumulative_balance_min",
    "fund_first_deposit", "fund_balance_final", "fund_balance_min", "fund_negative_years",
    "fund_top_up_total", "fund_top_up_max_year", "fund_first_top_up_year",
    "percent_funded_final", "level_contribution_baseline_per_m2",
    "level_contribution_threshold_per_m2", "level_contribution_full_per_m2",
    "component_residual_value", "fund_expenditure_pv", "fund_contributions_pv",
)
"""The per-draw metrics, in the library's order."""


def _draw_invariant():
    """The yearly lines (and sums of them) that are the same in every draw, as the
    coefficients of the surplus ``s_t = fixed_t + coll × fee_t + occ × park_t + k1 × menu1_t
    + k2 × menu2_t``, and the fund's."""
    t = np.arange(YEARS, dtype=float)
    g2, g3 = 1.02 ** t, 1.03 ** t
    fee_full = FEE_RATE * AREA_M2 * 12.0 * g2             # fee income at collection 1
    fee_net = fee_full * (1.0 - VAT / (1.0 + VAT))
    ramp = np.zeros(YEARS)
    ramp[:3] = RAMP
    other = 36_000.0 * g2 + 8 * 600 * 12 * 0.75 * g2 + np.where(t < 3, 60_000.0 * g2, 0.0)
    wages = 12.0 * 1.3 * (AREA_M2 / 16_000.0 * 2600.0 + (6 - 4) * 3200.0
                          + AREA_M2 / 35_000.0 * 4200.0 + 1 * 3800.0) * g3
    costs = (wages + 40_000.0 * g2 * (1.0 + 0.03 * t) + 48_000.0 * g3 + 45_000.0 * g2
             + 12_000.0 * g2 + 24_000.0 * g2)
    fixed = ramp * fee_net + other - (1.0 + MARGIN) * costs
    fee = np.where(t < 3, 0.0, fee_net)                    # × the drawn collection
    park = 120 * 150 * 12.0 * g2                           # × occupancy
    menu1 = HOUSEHOLDS * 12.0 * (8.0 - (1.0 + MARGIN) * 5.5) * g3   # × take-up
    menu2 = HOUSEHOLDS * 12.0 * (5.0 - (1.0 + MARGIN) * 3.5) * g3
    df = (1.0 + NOMINAL) ** -(t + 1.0)
    # the NPV is affine in the four draws: its coefficients
    npv = np.array([fixed @ df, fee @ df, park @ df, menu1 @ df, menu2 @ df])
    k_base = AREA_M2 * 12.0 * g2 / (1.0 + VAT)            # net fee per unit rate at collection 1
    k = np.array([(ramp * k_base) @ df, (np.where(t < 3, 0.0, k_base)) @ df])
    year1 = dict(fee=RAMP[0] * fee_full[0], cost=(1.0 + MARGIN) * costs[0],
                 menu_cost=HOUSEHOLDS * 12.0 * (1.0 + MARGIN) * np.array([5.5, 3.5]),
                 k=RAMP[0] * k_base[0])
    lines = np.stack([fixed, fee, park, menu1, menu2])     # (5, T)

    # repairs fund: replacements (the roof's per CNY of its drawn cost), ages at year 31
    n = np.arange(1, YEARS + 2)                            # years 1..31
    spent_fixed, spent_roof = np.zeros(YEARS), np.zeros(YEARS)
    ffb_fixed = ffb_roof = resid_fixed = resid_roof = 0.0
    for cost, life, left, growth in COMPONENTS:
        age = (life - left + n - 1) % life
        price = (1.0 + growth) ** (n - 1.0) * (1.0 if cost is None else cost)
        spent = np.where(age[:YEARS] == life - 1, price[:YEARS], 0.0)
        ffb, resid = price[YEARS] * age[YEARS] / life, price[YEARS] * (life - age[YEARS]) / life
        if cost is None:
            spent_roof, ffb_roof, resid_roof = spent, ffb, resid
        else:
            spent_fixed += spent
            ffb_fixed += ffb
            resid_fixed += resid
    spv = np.exp(-np.arange(1.0, YEARS + 1) * np.log1p(NOMINAL))
    fund = dict(spent_fixed=spent_fixed, spent_roof=spent_roof, roof_years=np.flatnonzero(
        spent_roof), ffb=(ffb_fixed, ffb_roof), residual=(resid_fixed, resid_roof),
        pv=(spent_fixed @ spv, spent_roof @ spv), contributions_pv=DEPOSIT * spv.sum())
    return lines, npv, k, year1, fund


LINES, NPV, K, YEAR1, FUND = _draw_invariant()
NET_FUND = DEPOSIT - FUND["spent_fixed"]                   # deposits − fixed replacements


def uniforms(seed: int, draws: int) -> np.ndarray:
    """The library's ``random`` sampler for this scenario's 10 inputs, shape (draws, 10)."""
    return _uniforms(seed, draws, DIMS)


def _first(mask: np.ndarray) -> np.ndarray:
    """1-based first True along axis 0 of ``(T, m)``, NaN where none."""
    out = np.argmax(mask, axis=0) + 1.0
    out[~mask.any(axis=0)] = np.nan
    return out


def metrics_chunk(u: np.ndarray, out: np.ndarray) -> None:
    """Metrics of the draws whose uniforms are ``u`` (m, 10), written into ``out`` (41, m).
    Yearly arrays are (T, m): one year's draws contiguous."""
    u = np.ascontiguousarray(u.T)
    m = u.shape[1]
    f = 1.0 + triangular(u[0], 0.0, 0.05, 0.12)
    roof = triangular(u[1], 90.0, 115.0, 150.0)
    lift = triangular(u[2], 580_000.0, 650_000.0, 760_000.0)
    uptake = betaincinv(14.0, 6.0, u[3])
    coll = triangular(u[4], 0.72, 0.85, 0.93)
    occ = triangular(u[5], 0.6, 0.8, 0.95)
    take1 = betaincinv(6.0, 4.0, u[6])
    take2 = betaincinv(3.0, 7.0, u[7])
    rate = 0.01 + 0.01 * u[8]
    roof_cost = triangular(u[9], 1_200_000.0, 1_380_000.0, 1_800_000.0)

    # works and funding
    a = (A_FIXED + ROOF_M2 * roof) * f
    b = B_FIXED * f
    ab = a + b
    abc = ab + C_FIXED * f
    e = LIFTS * lift * (1.0 + LIFT_CONTINGENCY)
    capex = abc + D_FIXED * f + e
    central = np.minimum(CENTRAL, ab)
    central_lift = np.minimum(CENTRAL_LIFT, e)
    utility = np.minimum(b, ab - central)
    local = np.minimum(LOCAL_MATCH * (central + central_lift), abc - central - utility)
    city_lift = np.minimum(CITY_LIFT, e - central_lift)
    owners = e - central_lift - city_lift
    government = central + central_lift + local + city_lift
    funded = government + utility + owners
    residents = np.minimum(RESIDENTS_M2 * uptake, capex - funded)
    funded += residents
    gap = capex - funded
    gap[gap <= 1e-12 * capex] = 0.0
    resident_cost = owners + residents

    # operating statement (T, m), the fallback and the uncapped need, a loop over years
    s = np.multiply.outer(LINES[1], coll)
    s += np.multiply.outer(LINES[2], occ)
    s += np.multiply.outer(LINES[3], take1)
    s += np.multiply.outer(LINES[4], take2)
    s += LINES[0][:, None]
    paid = np.empty_like(s)
    bal = np.zeros(m)
    bal_min = np.full(m, np.inf)
    unc = np.zeros(m)
    unc_min = np.zeros(m)
    x = np.empty(m)
    for t in range(YEARS):
        np.add(bal, s[t], out=x)
        p = paid[t]
        np.negative(x, out=p)
        np.maximum(p, 0.0, out=p)
        np.minimum(p, FALLBACK_CAP, out=p)
        np.add(x, p, out=bal)
        np.minimum(bal_min, bal, out=bal_min)
        unc += s[t]
        np.minimum(unc_min, unc, out=unc_min)
        np.maximum(unc, 0.0, out=unc)
    deficit = s < 0.0
    deficit_years = np.count_nonzero(deficit, axis=0)
    npv = NPV[0] + coll * NPV[1] + occ * NPV[2] + take1 * NPV[3] + take2 * NPV[4]
    k = K[0] + K[1] * coll

    # repairs fund: balances with top-ups, and with top-ups off the balances of no deposits
    # (zero) and of 1 CNY/m²/year (unit), for the level contributions
    grow = 1.0 + rate
    roof_spent = np.multiply.outer(FUND["spent_roof"][FUND["roof_years"]], roof_cost)
    top = np.empty((YEARS, m))
    fb = np.full(m, OPENING)
    fb_min = np.full(m, np.inf)
    zero = np.full(m, OPENING)
    unit = np.zeros(m)
    need_base = np.full(m, -np.inf)
    need_threshold = np.full(m, -np.inf)
    r = 0
    tmp = np.empty(m)
    for t in range(YEARS):
        fb *= grow
        fb += NET_FUND[t]
        zero *= grow
        zero -= FUND["spent_fixed"][t]
        if r < len(FUND["roof_years"]) and FUND["roof_years"][r] == t:
            fb -= roof_spent[r]
            zero -= roof_spent[r]
            r += 1
        tp = top[t]
        np.subtract(RESTORE, fb, out=tp)
        tp *= fb < TRIGGER
        fb += tp
        np.minimum(fb_min, fb, out=fb_min)
        unit *= grow
        unit += AREA_M2
        np.divide(zero, unit, out=tmp)
        np.maximum(need_base, np.negative(tmp, out=tmp), out=need_base)
        np.subtract(THRESHOLD, zero, out=tmp)
        tmp /= unit
        np.maximum(need_threshold, tmp, out=need_threshold)
    baseline = np.maximum(need_base, 0.0)
    ffb_end = FUND["ffb"][0] + FUND["ffb"][1] * roof_cost
    full = np.maximum(baseline, (ffb_end - zero) / unit)

    funding_metrics(out, capex, funded, gap, government, resident_cost, HOUSEHOLDS)
    out[10] = YEAR1["fee"]
    out[11] = YEAR1["cost"] + YEAR1["menu_cost"][0] * take1 + YEAR1["menu_cost"][1] * take2
    out[12] = s[0]
    out[13] = deficit_years
    out[14] = deficit_years > 0
    out[15] = _first(deficit)
    out[16] = bal
    out[17] = bal < 0.0
    out[18] = npv
    out[19] = FEE_RATE - npv / k
    out[20] = FEE_RATE - s[0] / YEAR1["k"]
    out[21] = NOMINAL
    np.sum(paid, axis=0, out=out[22])
    out[23] = np.count_nonzero(paid > 0.0, axis=0)
    np.max(paid, axis=0, out=out[24])
    np.maximum(np.negative(unc_min), 0.0, out=out[25])
    out[26] = bal_min
    out[27] = FIRST_DEPOSIT
    out[28] = fb
    out[29] = fb_min
    out[30] = fb_min < 0.0              # a top-up restores every balance below 30 %: never
    np.sum(top, axis=0, out=out[31])
    np.max(top, axis=0, out=out[32])
    out[33] = _first(top > 0.0)
    np.divide(fb, ffb_end, out=out[34])
    out[35] = baseline
    np.maximum(need_threshold, 0.0, out=out[36])
    out[37] = full
    out[38] = FUND["residual"][0] + FUND["residual"][1] * roof_cost
    out[39] = FUND["pv"][0] + FUND["pv"][1] * roof_cost
    out[40] = FUND["contributions_pv"]


def run(draws: int, seed: int = 1, chunk: int = CHUNK) -> np.ndarray:
    """The per-draw metrics table (len(METRIC_NAMES), draws) of ``draws`` draws."""
    return run_chunks(metrics_chunk, len(METRIC_NAMES), draws, seed, chunk, DIMS)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    run(min(n, CHUNK))  # warm up
    t0 = time.perf_counter()
    run(n)
    print(f"kernel_xiamen: {n:,} draws in {time.perf_counter() - t0:.3f} s")
