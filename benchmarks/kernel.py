"""A hand-written numpy kernel of ``scenarios/sanqiao-standalone.yaml``: the practical limit.

The whole model of that one scenario written directly as array code — no fundmodel import, no
scenario objects, no generality: the scenario's numbers are constants below. It computes what
``fundmodel.simulate(scenario, draws, seed)`` computes for the per-draw metrics table, on the same
uniform numbers (the library's block-keyed streams, rebuilt here with numpy alone), so its time
is the floor the library's time is measured against (``benchmarks/test_kernel_ratio.py``), and
``tests/test_perf_invariants.py`` checks that both compute the same model.

Model (money in CNY, rates as fractions, years 1..20 of operation, cash flows at year end):

- draws: contingency ~ triangular(0, 0.05, 0.15), roof unit cost ~ triangular(90, 110, 150)
  CNY/m², residents' uptake ~ beta(16, 4), fee collection ~ triangular(0.6, 0.8, 0.92), each by
  its inverse CDF from one column of uniforms;
- item costs ``quantity × unit cost × (1 + contingency)``; capex their sum;
- funding as it resolves for this scenario (classes nest: water pipes ⊂ basic items ⊂ all):
  central ``min(12,000 × 100, basic cost)``; utility ``min(water pipes, basic − central)``;
  local ``min(0.3 × central, capex − central − utility)``; residents
  ``min(15 × 10,000 × uptake, what is left)``; the gap is the rest (0 below 1e-12 × capex);
- operating statement: fee ``0.5 × 10,000 m² × 12 × collection`` (no growth), VAT
  ``fee × 0.06/1.06``; parking ``20 × 100 × 12 × 0.7`` growing with inflation (2 %); guards
  ``3 × 2,800 × 12 × 1.25`` and cleaner ``2,500 × 12 × 1.25`` growing 5 %, repairs 15,000 growing
  4 %, power and water 6,000 growing 2 %; margin 10 % of direct cost; surplus = fee + parking −
  1.1 × direct cost − VAT;
- NPV at the nominal rate ``1.04 × 1.02 − 1``; breakeven fee ``0.5 − NPV / K`` with K the present
  value of the fee income net of VAT per unit fee rate (NPV is affine in the rate).

Run ``python benchmarks/kernel.py [draws]`` for its time alone.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.special import betaincinv

__all__ = ["METRIC_NAMES", "BLOCK_SIZE", "uniforms", "metrics_chunk", "run"]

BLOCK_SIZE = 4096          # draws per random-stream block (the library's fixed block)
_TINY = 2.0**-54           # uniforms clipped to [_TINY, 1 − _TINY], as the library does
CHUNK = 65_536             # draws the kernels compute at once (the library: 16,384)

YEARS = 20
HOUSEHOLDS = 100
AREA_M2 = 10_000.0
FEE_RATE = 0.5             # CNY/m²/month
VAT = 0.06
MARGIN = 0.10
INFLATION = 0.02
DISCOUNT_REAL = 0.04
NOMINAL = (1.0 + DISCOUNT_REAL) * (1.0 + INFLATION) - 1.0

# items: quantity × unit cost (the roof's unit cost is drawn): fixed part of each class, CNY
WATER = 300 * 500.0                                              # basic, utility's pipes
BASIC_OTHER = 400 * 900.0 + 6000 * 80.0 + 1500 * 150.0 + 120_000.0   # basic, without the roof
ROOF_M2 = 2000.0                                                 # basic, × drawn unit cost
NON_BASIC = 20 * 5000.0 + 150_000.0                              # complete + upgrade

CENTRAL = 12_000.0 * HOUSEHOLDS
LOCAL_MATCH = 0.3
RESIDENTS = 15.0 * AREA_M2

METRIC_NAMES = (
    "capex_total", "funding_total", "funding_gap", "funding_gap_share", "has_funding_gap",
    "government_cost", "resident_cost", "government_cost_per_household",
    "resident_cost_per_household", "funding_gap_per_household", "fee_income_first_year",
    "operating_cost_first_year", "operating_surplus_first_year", "operating_deficit_years",
    "any_operating_deficit", "first_deficit_year", "cumulative_balance_final",
    "balance_negative_at_horizon", "npv_operations",
    "breakeven_fee_rate", "breakeven_fee_rate_first_year", "discount_rate_nominal",
)
"""The per-draw metrics, in the library's order."""


def _draw_invariant():
    """Lines that are the same in every draw, arrays (YEARS,)."""
    t = np.arange(YEARS)
    parking = 20 * 100 * 12 * 0.7 * (1.0 + INFLATION) ** t
    direct = (3 * 2800 * 12 * 1.25 * 1.05 ** t + 2500 * 12 * 1.25 * 1.05 ** t
              + 15_000.0 * 1.04 ** t + 6000.0 * (1.0 + INFLATION) ** t)
    operating_cost = (1.0 + MARGIN) * direct
    df = (1.0 + NOMINAL) ** -(t + 1.0)
    fee_per_collection = FEE_RATE * AREA_M2 * 12.0          # fee income at collection 1
    return parking - operating_cost, operating_cost[0], df, fee_per_collection


NET_OTHER, OPCOST_FIRST, DF, FEE_FULL = _draw_invariant()
FEE_NET_FULL = FEE_FULL * (1.0 - VAT / (1.0 + VAT))            # fee net of VAT, collection 1
K_PER_COLLECTION = AREA_M2 * 12.0 / (1.0 + VAT) * DF.sum()     # PV of net fee per unit rate
K_FIRST_PER_COLLECTION = AREA_M2 * 12.0 / (1.0 + VAT)


def uniforms(seed: int, draws: int, dims: int = 4) -> np.ndarray:
    """The library's ``random`` sampler: block b of 4,096 draws from
    ``PCG64(SeedSequence(seed, spawn_key=(b,)))``, ``dims`` columns (4 here), clipped; shape
    (draws, dims)."""
    return uniforms_blocks(seed, 0, -(-draws // BLOCK_SIZE), dims)[:draws]


def triangular(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution (low, mode, high) at ``u``."""
    c = (mode - low) / (high - low)
    x = np.where(u < c, np.sqrt(c * u), 1.0 - np.sqrt((1.0 - c) * (1.0 - u)))
    return x * (high - low) + low


def funding_metrics(out: np.ndarray, capex, funded, gap, government, residents,
                    households: float) -> None:
    """The library's first ten metrics, the works and their funding, into ``out[0:10]``:
    capex, funding total and gap, the gap's share and whether there is one, government and
    resident cost, and those three per household."""
    out[0] = capex
    out[1] = funded
    out[2] = gap
    np.divide(gap, capex, out=out[3])
    out[4] = gap > 0.0
    out[5] = government
    out[6] = residents
    out[7] = government / households
    out[8] = residents / households
    out[9] = gap / households


def metrics_chunk(u: np.ndarray, out: np.ndarray) -> None:
    """Metrics of the draws whose uniforms are ``u`` (m, 4), written into ``out`` (22, m)."""
    contingency = triangular(u[:, 0], 0.0, 0.05, 0.15)
    roof = triangular(u[:, 1], 90.0, 110.0, 150.0)
    uptake = betaincinv(16.0, 4.0, u[:, 2])
    collection = triangular(u[:, 3], 0.6, 0.8, 0.92)

    f = 1.0 + contingency
    basic = (BASIC_OTHER + WATER + ROOF_M2 * roof) * f
    capex = basic + NON_BASIC * f
    central = np.minimum(CENTRAL, basic)
    utility = np.minimum(WATER * f, basic - central)
    local = np.minimum(LOCAL_MATCH * central, capex - central - utility)
    residents = np.minimum(RESIDENTS * uptake, capex - central - utility - local)
    funded = central + utility + local + residents
    gap = capex - funded
    gap[gap <= 1e-12 * capex] = 0.0
    government = central + local

    surplus = collection[:, None] * FEE_NET_FULL + NET_OTHER          # (m, YEARS)
    npv = np.einsum("dt,t->d", surplus, DF)  # not BLAS: its threads wait on a loaded machine
    deficit = surplus < 0.0
    years_in_deficit = np.count_nonzero(deficit, axis=1)
    first = np.argmax(deficit, axis=1) + 1.0
    first[years_in_deficit == 0] = np.nan
    k = K_PER_COLLECTION * collection

    funding_metrics(out, capex, funded, gap, government, residents, HOUSEHOLDS)
    out[10] = FEE_FULL * collection
    out[11] = OPCOST_FIRST
    out[12] = surplus[:, 0]
    out[13] = years_in_deficit
    out[14] = years_in_deficit > 0
    out[15] = first
    np.sum(surplus, axis=1, out=out[16])
    out[17] = out[16] < 0.0
    out[18] = npv
    out[19] = FEE_RATE - npv / k
    out[20] = FEE_RATE - surplus[:, 0] / (K_FIRST_PER_COLLECTION * collection)
    out[21] = NOMINAL


def run(draws: int, seed: int = 1, chunk: int = CHUNK) -> np.ndarray:
    """The per-draw metrics table (len(METRIC_NAMES), draws) of ``draws`` draws."""
    return run_chunks(metrics_chunk, len(METRIC_NAMES), draws, seed, chunk)


def run_chunks(metrics_chunk, n_metrics: int, draws: int, seed: int, chunk: int,
               dims: int = 4) -> np.ndarray:
    """A kernel's per-draw metrics table (n_metrics, draws), computed a chunk of draws at a
    time (a loop over chunks, never over draws): ``metrics_chunk(u, out)`` of each chunk's
    uniforms (``dims`` columns, the library's block streams)."""
    table = np.empty((n_metrics, draws))
    for start in range(0, draws, chunk):
        stop = min(start + chunk, draws)
        first_block = start // BLOCK_SIZE
        blocks = -(-stop // BLOCK_SIZE) - first_block
        u = uniforms_blocks(seed, first_block, blocks, dims)
        off = start - first_block * BLOCK_SIZE
        metrics_chunk(u[off:off + stop - start], table[:, start:stop])
    return table


def uniforms_blocks(seed: int, first: int, count: int, dims: int = 4) -> np.ndarray:
    """Uniforms of blocks ``first .. first + count − 1``, shape (count × 4,096, dims): ``dims``
    the scenario's uncertain inputs (4 here; ``kernel_xiamen.py`` takes 10)."""
    u = np.empty((count * BLOCK_SIZE, dims))
    for i in range(count):
        b = first + i
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b,))))
        rng.random(out=u[i * BLOCK_SIZE:(i + 1) * BLOCK_SIZE])
    return np.clip(u, _TINY, 1.0 - _TINY, out=u)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    run(min(n, CHUNK))  # warm up
    t0 = time.perf_counter()
    run(n)
    print(f"kernel: {n:,} draws in {time.perf_counter() - t0:.3f} s")
