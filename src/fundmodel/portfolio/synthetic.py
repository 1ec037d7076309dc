"""A synthetic district in the image of Taiyuan's Xinghualing district (case report 001).

From the case report: the district has 1,430 compounds of which 983 are old (built before
2000); most old compounds are small — in Sanqiao Street 220 of 286 compounds have under 100
households — and the 983 were grouped into 270 shared-service areas. Everything else (the other
streets, their places on the map, each compound's size, storeys, year, condition and planned
tier) is invented here, drawn from the distributions documented in docs/compounds-table.md, so
that portfolio methods can be tried on a district of the right size and shape. It is not data
about real compounds.

Run ``python -m fundmodel.portfolio.synthetic scenarios/xinghualing-compounds.csv`` to write the
example table of the old compounds (the test suite checks that the file is what this writes).
"""

from __future__ import annotations

import csv
import math
import os
import sys

import numpy as np
import pandas as pd

from ..errors import ModelError

__all__ = ["synthetic_district", "old_compounds", "write_compounds_csv", "COLUMNS",
           "OLD_BEFORE_YEAR"]

COLUMNS = ("id", "name", "street", "households", "floor_area_m2", "chargeable_area_m2",
           "buildings", "storeys", "built_year", "lifts_possible", "tier_planned", "x_km",
           "y_km", "neighbourhood", "condition_score")
"""The columns of a synthetic district, in the compounds table's order."""

OLD_BEFORE_YEAR = 2000
"""A compound built before this year is old (the national programme's line)."""


def _check_count(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ModelError(f"{name} must be a whole number ≥ {low}, got {value!r}")
    return int(value)


def synthetic_district(seed: int = 2024, compounds: int = 1430, old: int = 983,
                       streets: int = 8, sanqiao_compounds: int = 286,
                       sanqiao_small: int = 220, extent_km: float = 8.0,
                       spread_km: float = 0.45, compounds_per_neighbourhood: int = 4
                       ) -> pd.DataFrame:
    """A seeded synthetic district: one row per compound with the compounds table's columns.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.Generator(PCG64(seed))``; the same seed gives the same frame,
        bit for bit.
    compounds : int
        Compounds in the district (seed 001: 1,430).
    old : int
        How many are old, built before 2000 (seed 001: 983), exactly.
    streets : int
        Streets (街道); the first is ``Sanqiao``, the others ``Street 2`` … (invented).
    sanqiao_compounds, sanqiao_small : int
        Compounds of Sanqiao Street, and how many of them have under 100 households (seed 001:
        286 and 220), exactly. Every other street has the same share of small compounds
        (rounded), and the rest of the compounds are split evenly among the other streets.
    extent_km : float
        Side of the square, km, the streets' centres are spread over (a jittered grid).
    spread_km : float
        Standard deviation, km, of a compound's place around its street's centre (each
        coordinate, normal).
    compounds_per_neighbourhood : int
        Mean compounds per neighbourhood (community); a street's compounds go to the nearest of
        ``ceil(n / compounds_per_neighbourhood)`` centres drawn among them.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: ``households`` (int), ``floor_area_m2`` (households × U(55, 85)
        m², to 0.1 m²), ``chargeable_area_m2`` (floor area × U(0.9, 1)), ``buildings`` (about
        one per ``storeys`` × 2–4 households), ``storeys`` (old: 3–7, 5 % 8–12; new: 6–33),
        ``built_year`` (old: triangular 1955–1988–2000; new: 2000–2022), ``lifts_possible``
        (old with ≥ 4 storeys: 60 %, others 5 %), ``condition_score`` (1 = poor … 5 = good,
        worse for older, to 0.1), ``tier_planned`` (score < 2.5 upgrade, < 3.5 complete, else
        basic), ``x_km``, ``y_km`` (to 1 m), ``neighbourhood`` and ``id`` ``XHL-0001`` … in
        street order. Old compounds are drawn preferring small ones (weight 3 : 1).

    Notes
    -----
    Households: small compounds log-uniform-ish ``round(exp(U(ln 8, ln 99.5)))`` in 8–99,
    others ``round(exp(N(ln 260, 0.6)))`` clipped to 100–3,000.
    """
    compounds = _check_count("compounds", compounds, 1)
    old = _check_count("old", old, 0)
    streets = _check_count("streets", streets, 1)
    sanqiao_compounds = _check_count("sanqiao_compounds", sanqiao_compounds, 1)
    sanqiao_small = _check_count("sanqiao_small", sanqiao_small, 0)
    per_nb = _check_count("compounds_per_neighbourhood", compounds_per_neighbourhood, 1)
    if old > compounds:
        raise ModelError(f"old ({old}) must be at most compounds ({compounds})")
    if sanqiao_compounds > compounds or (streets == 1 and sanqiao_compounds != compounds):
        raise ModelError(f"sanqiao_compounds ({sanqiao_compounds}) must be at most compounds "
                         f"({compounds}), and all of them if there is one street")
    if sanqiao_small > sanqiao_compounds:
        raise ModelError(f"sanqiao_small ({sanqiao_small}) must be at most sanqiao_compounds "
                         f"({sanqiao_compounds})")
    for name, value in (("extent_km", extent_km), ("spread_km", spread_km)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ModelError(f"{name} must be a finite number ≥ 0, got {value!r}")

    rng = np.random.Generator(np.random.PCG64(seed))
    # streets: Sanqiao first, the other compounds split evenly
    others = compounds - sanqiao_compounds
    sizes = [sanqiao_compounds] + ([others // (streets - 1) + (k < others % (streets - 1))
                                    for k in range(streets - 1)] if streets > 1 else [])
    names = ["Sanqiao"] + [f"Street {k}" for k in range(2, streets + 1)]
    street_of = np.repeat(np.arange(streets), sizes)
    share_small = sanqiao_small / sanqiao_compounds
    small = np.zeros(compounds, dtype=bool)
    start = 0
    for k, n in enumerate(sizes):
        quota = sanqiao_small if k == 0 else int(round(share_small * n))
        small[start + rng.permutation(n)[:quota]] = True
        start += n

    # households
    small_hh = np.rint(np.exp(rng.uniform(math.log(8), math.log(99.5), compounds)))
    large_hh = np.clip(np.rint(np.exp(rng.normal(math.log(260), 0.6, compounds))), 100, 3000)
    households = np.where(small, np.clip(small_hh, 8, 99), large_hh).astype(np.int64)

    # which are old: exactly `old`, small ones three times as likely
    weight = np.where(small, 3.0, 1.0)
    is_old = np.zeros(compounds, dtype=bool)
    is_old[rng.choice(compounds, size=old, replace=False, p=weight / weight.sum())] = True
    built_old = np.minimum(np.floor(rng.triangular(1955, 1988, 2000, compounds)), 1999)
    built_new = rng.integers(2000, 2023, compounds)
    built_year = np.where(is_old, built_old, built_new).astype(np.int64)

    # buildings and storeys
    tall = rng.random(compounds) < 0.05
    storeys_old = np.where(tall, rng.integers(8, 13, compounds), rng.integers(3, 8, compounds))
    storeys_new = rng.integers(6, 34, compounds)
    storeys = np.where(is_old, storeys_old, storeys_new).astype(np.int64)
    per_floor = rng.integers(2, 5, compounds)
    buildings = np.maximum(1, np.rint(households / (storeys * per_floor))).astype(np.int64)
    floor_area = np.round(households * rng.uniform(55.0, 85.0, compounds), 1)
    chargeable = np.round(floor_area * rng.uniform(0.9, 1.0, compounds), 1)
    chargeable = np.minimum(chargeable, floor_area)
    lift_draw = rng.random(compounds)
    lifts = np.where(is_old & (storeys >= 4), lift_draw < 0.6, lift_draw < 0.05)

    # condition: worse for older (1 = poor … 5 = good)
    age = np.maximum(0, 2024 - built_year)
    score = 6.0 - age / 14.0 + rng.normal(0.0, 0.6, compounds)
    condition = np.round(np.clip(score, 1.0, 5.0), 1)
    tier = np.where(condition < 2.5, "upgrade", np.where(condition < 3.5, "complete", "basic"))

    # places: street centres on a jittered grid, compounds around them
    side = math.ceil(math.sqrt(streets))
    cell = extent_km / side
    grid = np.arange(streets)
    centre_x = (grid % side + 0.5 + rng.uniform(-0.25, 0.25, streets)) * cell
    centre_y = (grid // side + 0.5 + rng.uniform(-0.25, 0.25, streets)) * cell
    x = np.round(centre_x[street_of] + rng.normal(0.0, spread_km, compounds), 3)
    y = np.round(centre_y[street_of] + rng.normal(0.0, spread_km, compounds), 3)
    neighbourhood = np.empty(compounds, dtype=object)
    start = 0
    for k, n in enumerate(sizes):  # a loop over streets
        if n == 0:  # more streets than compounds
            continue
        block = slice(start, start + n)
        m = max(1, math.ceil(n / per_nb))
        centres = rng.choice(n, size=m, replace=False)
        dx = x[block][:, None] - x[block][centres][None, :]
        dy = y[block][:, None] - y[block][centres][None, :]
        nearest = np.argmin(dx * dx + dy * dy, axis=1)
        neighbourhood[block] = [f"{names[k]}-{j + 1:03d}" for j in nearest]
        start += n

    ids = [f"XHL-{i + 1:04d}" for i in range(compounds)]
    number_in_street = np.concatenate([np.arange(1, n + 1) for n in sizes])
    frame = pd.DataFrame({
        "id": ids,
        "name": [f"{names[s]} compound {j}" for s, j in zip(street_of, number_in_street)],
        "street": [names[s] for s in street_of],
        "households": households,
        "floor_area_m2": floor_area,
        "chargeable_area_m2": chargeable,
        "buildings": buildings,
        "storeys": storeys,
        "built_year": built_year,
        "lifts_possible": lifts,
        "tier_planned": tier.astype(object),
        "x_km": x,
        "y_km": y,
        "neighbourhood": neighbourhood,
        "condition_score": condition,
    }, columns=list(COLUMNS))
    return frame


def old_compounds(frame: pd.DataFrame) -> pd.DataFrame:
    """The compounds built before :data:`OLD_BEFORE_YEAR`, in order, index reset."""
    return frame[frame["built_year"] < OLD_BEFORE_YEAR].reset_index(drop=True)


def _cell(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2.0**53 else repr(value)
    return str(value)


def write_compounds_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as a compounds table: UTF-8 CSV (no byte-order mark), ``\\n`` line ends,
    the header of column names, booleans as ``true``/``false``, whole floats without ``.0``,
    other floats as their shortest round-trip text, NaN as an empty cell."""
    columns = [str(c) for c in frame.columns]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in frame.itertuples(index=False, name=None):
            writer.writerow([_cell(v) for v in row])


def main(argv: list[str] | None = None) -> int:
    """``python -m fundmodel.portfolio.synthetic OUT.csv``: write the old compounds of the
    default district (seed 2024)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m fundmodel.portfolio.synthetic OUT.csv\n")
        return 2
    write_compounds_csv(old_compounds(synthetic_district()), args[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
