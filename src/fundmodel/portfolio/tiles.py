"""A tile of a portfolio run: some compounds over every draw, as a pure function.

The compounds of a portfolio are grouped in fixed *blocks* of :data:`COMPOUND_BLOCK` (block k
holds compounds ``k·B .. (k+1)·B − 1`` of the table; the last may be shorter). A tile is a run
of whole blocks; :func:`run_tile` computes it over all draws, in draw chunks, and returns

- every compound's exact summaries over the draws (its per-draw metrics are held only for its
  tile), and
- for every block, the per-draw district sums of its compounds, added compound after compound
  (a sequential sum along the compound axis, the same whatever the draw chunk); the outlay by
  level and calendar year only over the calendar years where a level pays (the tile's
  *window*: the years outside it are zeros, which the driver does not need to receive).

The driver adds the blocks' sums in block order (:func:`add_blocks`), so the district's totals
are the same bits whatever the tile size, the draw chunk, the number of workers or the cluster:
tile sizes are whole blocks, and every sum runs in a fixed order.

The uncertain inputs are sampled a span of whole sampling blocks
(:data:`~fundmodel.inputs.sampling.BLOCK_SIZE` draws) at a time and the chunks of the span
computed from slices of it: a chunk's values are those :func:`sample_values` gives for its
draws alone, without drawing its blocks' streams again for every chunk. The inputs drawn per
household are sampled a few chunks at a time (:func:`household_span`), without padding, and
the households' static inputs (buildings, charges, ballots) are compiled once per tile
(:func:`~fundmodel.inputs.households.household_structure`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..catalog import (ACCOUNT_METRICS, FUND_BUILDING_METRICS, FUND_METRICS, QUANTILE_METHOD,
                       instrument_metric_names)
from ..engine.model import run_compounds
from ..inputs import model_inputs
from ..inputs.households import household_structure
from ..inputs.sampling import BLOCK_SIZE, InputSpace, district_household_values, sample_values
from ..scenario.fiscal import GOVERNMENT_LEVELS
from .programme import packages, programme_metrics

__all__ = ["COMPOUND_BLOCK", "COMPOUND_METRICS", "DISTRICT_METRICS", "SUMMARY_STATS", "Tile",
           "TileResult", "run_tile", "add_blocks", "tiles_of", "payments_by_level",
           "metric_names", "sequential_sum", "calendar_outlay", "calendar_window",
           "government_years", "compound_metrics", "sampling_span", "row_quantiles",
           "household_span", "HOUSEHOLD_VALUES"]

COMPOUND_BLOCK = 50
"""Compounds per summation block (fixed: changing it changes the last bits of district sums)."""

COMPOUND_METRICS = ("capex_total", "funding_gap", "government_cost", "resident_cost",
                    "npv_operations", "operating_subsidy_pv", "breakeven_fee_rate",
                    "operating_surplus_first_year", "any_operating_deficit")
"""Per-draw metrics summarised for every compound (with ``fallback_total`` when the service
model has a fallback payer)."""

DISTRICT_METRICS = ("capex_total", "funding_gap", "government_cost", "resident_cost",
                    "npv_operations", "operating_subsidy_pv", "any_operating_deficit")
"""Per-draw metrics summed over the district's compounds (``any_operating_deficit`` sums to
the number of compounds with a deficit year)."""

SUMMARY_STATS = ("mean", "std", "p05", "p10", "p50", "p90", "p95")
"""The summaries of each compound's metrics over the draws (exact: from every draw)."""
_QUANTILES = (0.05, 0.10, 0.50, 0.90, 0.95)


@dataclass(frozen=True)
class Tile:
    """Compounds ``start .. stop − 1`` of the table (whole blocks), over all draws."""

    index: int
    start: int
    stop: int

    @property
    def blocks(self) -> range:
        """The blocks the tile holds."""
        return range(self.start // COMPOUND_BLOCK, -(-self.stop // COMPOUND_BLOCK))


@dataclass(frozen=True)
class TileResult:
    """What a tile returns: ``summaries[metric]`` ``(stats, compounds of the tile)``;
    ``block_sums[k][name]`` ``(draws,)`` (metrics) and ``block_outlay[k]`` ``(draws, levels,
    W)`` for each block k of the tile, in order: the outlay in calendar years ``outlay_start
    .. outlay_start + W − 1`` (indices after the scenario's ``start_year``), zero in the
    others; ``programme[metric]`` ``(draws,)``: the metrics of the pooled instruments whose
    first member is in the tile (:mod:`fundmodel.portfolio.programme`)."""

    tile: Tile
    summaries: dict[str, np.ndarray]
    block_sums: list[dict[str, np.ndarray]]
    block_outlay: list[np.ndarray]
    outlay_start: int = 0
    programme: dict[str, np.ndarray] = field(default_factory=dict)


def tiles_of(n_compounds: int, compounds_per_tile: int) -> list[Tile]:
    """The tiles of ``n_compounds``, ``compounds_per_tile`` (a multiple of the block) each."""
    step = max(1, compounds_per_tile // COMPOUND_BLOCK) * COMPOUND_BLOCK
    return [Tile(k, s, min(s + step, n_compounds))
            for k, s in enumerate(range(0, n_compounds, step))]


def sequential_sum(a: np.ndarray) -> np.ndarray:
    """``a[:, 0] + a[:, 1] + ...`` in that order (axis 1, the compounds)."""
    return np.cumsum(a, axis=1)[:, -1]


def _pays(line, kind: str | None) -> bool:
    return line.payer in GOVERNMENT_LEVELS and line.payee != line.payer and \
        kind in (None, line.kind)


def government_years(out, kind: str | None = None) -> tuple[int, int]:
    """The years ``lo .. hi − 1`` of the timeline of ``out`` in which a level of government
    has a line of ``kind`` (default: every kind) on the ledger (as :func:`payments_by_level`
    counts them); ``(0, 0)`` when none has."""
    spans = [(line.start, line.stop) for line in out.ledger if _pays(line, kind)]
    if not spans:
        return 0, 0
    return min(s for s, _ in spans), max(s for _, s in spans)


def payments_by_level(out, kind: str | None = None,
                      years: tuple[int, int] | None = None) -> np.ndarray:
    """What each level of government pays on the ledger of ``out`` (a
    :class:`~fundmodel.engine.model.CompoundsOutput`), by year of the timeline,
    ``(D, C, levels, years)``: its lines of ``kind`` (default: every kind), transfers within a
    level left out. Levels in :data:`GOVERNMENT_LEVELS` order. ``years`` ``(lo, hi)``: only
    those years of the timeline (they must hold every line paid: :func:`government_years`),
    the same bits as the whole timeline's ``[..., lo:hi]``."""
    draws, n_compounds = out.metrics["capex_total"].shape
    lo, hi = (0, out.n_years) if years is None else years
    paid = np.zeros((draws, n_compounds, len(GOVERNMENT_LEVELS), hi - lo))
    for line in out.ledger:
        if _pays(line, kind):
            if line.start < lo or line.stop > hi:
                raise ValueError(f"a payment in years {line.start}..{line.stop - 1} of the "
                                 f"timeline is outside the years {lo}..{hi - 1} asked for")
            paid[:, :, GOVERNMENT_LEVELS.index(line.payer),
                 line.start - lo:line.stop - lo] += line.amount
    return paid


def calendar_window(out, offsets: np.ndarray, years: tuple[int, int] | None = None
                    ) -> tuple[int, np.ndarray]:
    """Every government level's payments by calendar year, over the calendar years where one
    may pay: ``(first, (D, C, levels, W))``, calendar indices ``first .. first + W − 1``
    (years after the scenario's ``start_year``); zero in every other calendar year.
    ``years``: the timeline years paid (default :func:`government_years`; a wider span gives
    a wider window)."""
    lo, hi = government_years(out) if years is None else years
    offsets = np.asarray(offsets)
    if hi <= lo:
        return 0, payments_by_level(out, years=(0, 0))
    first = int(offsets.min()) + lo
    timeline = payments_by_level(out, years=(lo, hi))
    calendar = np.zeros(timeline.shape[:-1] + (int(offsets.max()) + hi - first,))
    for offset in np.unique(offsets):          # a loop over the plan's years
        at = offsets == offset
        calendar[:, at, :, offset + lo - first:offset + hi - first] = timeline[:, at]
    return first, calendar


def calendar_outlay(out, offsets: np.ndarray, n_calendar: int) -> np.ndarray:
    """Every government level's payments by calendar year, ``(D, C, levels, n_calendar)``:
    :func:`payments_by_level` moved by each compound's start offset (years after the
    scenario's ``start_year``)."""
    first, window = calendar_window(out, offsets)
    calendar = np.zeros(window.shape[:-1] + (n_calendar,))
    calendar[..., first:first + window.shape[-1]] = window
    return calendar


def metric_names(scenario) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The metrics summarised for every compound and those summed over the district (with
    ``fallback_total`` when the service model has a fallback payer and the owners' accounts'
    top-ups and balances with an owners' account); every compound's
    summaries also hold its repairs fund's metrics (:data:`fundmodel.catalog.FUND_METRICS`,
    with a ``repairs_fund`` section; and ``FUND_BUILDING_METRICS`` with accounts per building), the share built of each item its households vote on
    (``built_share[<item>]``) and its instruments' (``debt[<label>].min_dscr``, ...:
    :func:`fundmodel.catalog.instrument_metric_names`), which are not summed."""
    ops = scenario.operations
    extra = ("fallback_total",) if ops.fallback is not None else ()
    if ops.has_owners_account():
        extra += ACCOUNT_METRICS
    instruments = tuple(instrument_metric_names(
        (rule.source, label, rule.terms_given())
        for rule, label in zip(scenario.funding, scenario.funding_labels())))
    fund = tuple(FUND_METRICS) if scenario.repairs_fund is not None else ()
    if scenario.repairs_fund is not None and scenario.repairs_fund.accounts == "building":
        fund += tuple(FUND_BUILDING_METRICS)
    voted = {name for d in (scenario.households.decisions if scenario.households else ())
             for name in d.items}
    fund += tuple(f"built_share[{item.name}]" for item in scenario.renovation.items
                  if item.name in voted)
    return COMPOUND_METRICS + extra + fund + instruments, DISTRICT_METRICS + extra


def compound_metrics(out, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    metrics = dict(out.metrics)
    metrics["operating_subsidy_pv"] = np.maximum(-metrics["npv_operations"], 0.0)
    return {k: metrics[k] for k in names}


def run_tile(scenario, table, tile: Tile, seed: int, sampler: str, draws: int,
             chunk_draws: int, offsets: np.ndarray, n_calendar: int,
             space: InputSpace) -> TileResult:
    """Compute one tile (see the module's docstring). Pure: the same arguments give the same
    arrays, bit for bit, whatever process or machine runs it.

    ``table`` is the portfolio's whole compounds table, ``offsets`` ``(C,)`` every compound's
    start year after the scenario's ``start_year``, ``n_calendar`` the calendar years the
    district's outlay spans, ``chunk_draws`` the draws computed at once.
    """
    sub = table.take(np.arange(tile.start, tile.stop))
    ids = list(sub.ids)
    n_c = tile.stop - tile.start
    per_compound_names, district_names = metric_names(scenario)
    kept = {k: np.empty((draws, n_c)) for k in per_compound_names}
    edges = [b * COMPOUND_BLOCK - tile.start for b in tile.blocks] + [n_c]
    edges[0] = 0
    n_blocks = len(edges) - 1
    sums = [{k: np.empty(draws) for k in district_names} for _ in range(n_blocks)]
    tile_offsets = np.asarray(offsets)[tile.start:tile.stop]
    years = None                   # the timeline years in which a level pays, so far
    outlay = [np.zeros((draws, len(GOVERNMENT_LEVELS), 0)) for _ in range(n_blocks)]
    span = sampling_span(chunk_draws)
    households = sub.households if scenario.households is not None else None
    structure = household_structure(scenario, sub)
    held = household_span(chunk_draws, households, space)
    buffers = None                 # the households' draws, reused from one span to the next
    for s0 in range(0, draws, span):
        s1 = min(s0 + span, draws)
        sampled = sample_values(space, seed, sampler, s0, s1, draws, ids, households,
                                households=False)
        for d0 in range(s0, s1, chunk_draws):
            d1 = min(d0 + chunk_draws, s1)
            values = {path: v[d0 - s0:d1 - s0] for path, v in sampled.items()}
            if space.household_paths and households is not None:
                if (d0 - s0) % held == 0:    # the next draws of the households, a few at once
                    h0, h1 = d0, min(d0 + held, s1)
                    by_household = district_household_values(space, seed, h0, h1, draws, ids,
                                                              households, buffers)
                    buffers = {path: v.view(np.ndarray) for path, v in by_household.items()}
                values.update({path: v[d0 - h0:d1 - h0] for path, v in by_household.items()})
            out = run_compounds(model_inputs(scenario, values, d1 - d0, sub, structure,
                                             complete=True))
            metrics = compound_metrics(out, per_compound_names)
            for k in per_compound_names:
                kept[k][d0:d1] = metrics[k]
            paid = government_years(out)
            if paid[1] > paid[0] and (years is None or paid[0] < years[0] or paid[1] > years[1]):
                old = years
                years = paid if years is None else (min(years[0], paid[0]),
                                                     max(years[1], paid[1]))
                outlay = _widened(outlay, tile_offsets, old, years)
            if years is None:
                calendar = None
            else:
                calendar = calendar_window(out, tile_offsets, years)[1]
            for b in range(n_blocks):
                lo, hi = edges[b], edges[b + 1]
                for k in district_names:
                    sums[b][k][d0:d1] = sequential_sum(kept[k][d0:d1, lo:hi])
                if calendar is not None:
                    outlay[b][d0:d1] = sequential_sum(calendar[:, lo:hi])
    summaries = {}
    for k, v in kept.items():
        rows = np.ascontiguousarray(v.T)     # one compound a row: its stats depend on it alone
        q = row_quantiles(rows)
        summaries[k] = np.vstack([rows.mean(axis=-1), rows.std(axis=-1, ddof=1) if draws > 1
                                  else np.full(n_c, np.nan), q])
    first = 0 if years is None else int(tile_offsets.min()) + years[0]
    programme = programme_metrics(packages(scenario, table), kept, tile.start, tile.stop)
    return TileResult(tile, summaries, sums, outlay, first, programme)


def row_quantiles(rows: np.ndarray) -> np.ndarray:
    """The summaries' quantiles (0.05, 0.10, 0.50, 0.90, 0.95, by
    :data:`~fundmodel.catalog.QUANTILE_METHOD`) of every row of ``rows``, ``(5, rows)``: the
    bits of ``np.quantile(rows, q, axis=-1, method=QUANTILE_METHOD)``, computed from each row
    sorted once (the method's order statistics are the same values however they are found;
    ``np.quantile`` then partitions an already sorted row, which is quick). A row holding
    both −0.0 and +0.0 (equal, so either may come first) is given to ``np.quantile`` as
    it is."""
    zero = rows == 0.0
    negative = np.signbit(rows)
    mixed = np.any(zero & negative, axis=-1) & np.any(zero & ~negative, axis=-1)
    ordered = np.sort(rows, axis=-1)
    ordered[mixed] = rows[mixed]
    return np.quantile(ordered, _QUANTILES, axis=-1, method=QUANTILE_METHOD,
                       overwrite_input=True)


def _widened(outlay: list[np.ndarray], offsets: np.ndarray, old: tuple[int, int] | None,
             new: tuple[int, int]) -> list[np.ndarray]:
    """The blocks' outlay windows over the timeline years ``new`` (which hold ``old``: zeros
    in the years added)."""
    low = int(offsets.min())
    width = int(offsets.max()) + new[1] - (low + new[0])
    wide = [np.zeros(o.shape[:-1] + (width,)) for o in outlay]
    if old is not None:
        at = old[0] - new[0]
        for w, o in zip(wide, outlay):
            w[..., at:at + o.shape[-1]] = o
    return wide


HOUSEHOLD_VALUES = 2**25
"""Per-household values a tile holds at a time (256 MiB an input drawn per household): its
households' draws are sampled this many household × draw cells at a time, in whole chunks
(memory only: never changes a bit)."""


def household_span(chunk_draws: int, households, space: InputSpace) -> int:
    """Draws of a tile's households sampled at once: whole chunks of ``chunk_draws``, at least
    one, about :data:`HOUSEHOLD_VALUES` household × draw cells (``households`` each
    compound's, None without a households section)."""
    if households is None or not space.household_paths:
        return chunk_draws
    per_draw = max(1, int(np.sum(households)))
    return max(1, HOUSEHOLD_VALUES // (per_draw * chunk_draws)) * chunk_draws


def sampling_span(chunk_draws: int) -> int:
    """Draws sampled at once in a tile: whole sampling blocks, at least one, and the chunks
    of ``chunk_draws`` cut inside them."""
    return max(1, -(-chunk_draws // BLOCK_SIZE)) * BLOCK_SIZE


def add_blocks(total: dict | None, result: TileResult, n_calendar: int) -> dict:
    """Add a tile's block sums to the running district totals, block after block (call with
    the tiles in order); the outlay ``(draws, levels, n_calendar)`` is zero outside the
    tiles' windows."""
    at = slice(result.outlay_start, result.outlay_start + result.block_outlay[0].shape[-1])
    for sums, outlay in zip(result.block_sums, result.block_outlay):
        if total is None:
            total = {"metrics": {k: v.copy() for k, v in sums.items()},
                     "outlay": np.zeros(outlay.shape[:-1] + (n_calendar,))}
            total["outlay"][..., at] = outlay
            continue
        for k, v in sums.items():
            total["metrics"][k] += v
        total["outlay"][..., at] += outlay
    return total


def default_chunk_draws(compounds_per_tile: int, cells: int = 32_768) -> int:
    """Draws computed at once so a chunk holds about ``cells`` draw × compound cells (memory
    only: chunks never change a bit); below a sampling block, the size that cuts the block into
    equal chunks (at most that many cells: 586 draws, 7 a block, for a tile of 50 compounds)."""
    target = max(1, min(BLOCK_SIZE * 16, cells // max(1, compounds_per_tile)))
    if target >= BLOCK_SIZE:
        return target
    return -(-BLOCK_SIZE // -(-BLOCK_SIZE // target))
