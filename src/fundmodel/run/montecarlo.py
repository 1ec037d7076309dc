"""Monte Carlo: many draws through the one engine, in chunks, reproducible to the bit.

Draws ``[start, stop)`` of a run form a *chunk*; a chunk is computed by :func:`run_chunk`, a
pure function of ``(scenario, seed, sampler, start, stop)`` that can be shipped to another
process or machine. Chunks are consumed in draw order: per-draw metrics are written into place,
and streaming statistics are fed whole fixed-size blocks (see :mod:`fundmodel.stats.blocks`), so
every output is identical whatever the chunk size or the number of workers.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from ..stats.blocks import (MIN_REPLICATE_BLOCKS, BlockMeans, BlockStream, BlockSums, MetricStreams,
                            replicate_mcse)
from ..catalog import (ACCOUNT_LINES, ACCOUNT_METRICS, FALLBACK_LINES, FALLBACK_METRICS, FINANCING_LINES, FINANCING_METRICS,
                               FUND_BUILDING_METRICS, FUND_LINES, FUND_METRICS, SOE_METRICS, METRICS, YEARLY_LINES)
from ..inputs import model_inputs
from ..inputs.compile import refuse_portfolio
from ..engine.arrays import same_in_every_draw
from ..engine.capital import ITEM_INPUTS
from .executors import in_order
from ..engine.model import STATEMENT_NAMES, ModelOutput, run_model
from .progress import Reporter, reporter
from ..errors import ModelError
from ..results.result import (BAND_LINES, CASHFLOW_QUANTILES, QUANTILE_METHOD, QUANTILES, CashFlows,
                              ResidentsMeans, Result, outcome_warnings, quantile_name,
                              summary_table)
from ..inputs.sampling import BLOCK_SIZE, InputSpace, input_space, sample_values
from ..scenario import Scenario
from ..scenario.checks import scenario_warnings
from ..scenario.funding import FINANCING_PAYERS
from ..io.limits import MAX_DRAWS
from ..scenario.simulation import SAMPLERS

__all__ = ["simulate", "run_chunk", "chunk_ranges"]

log = logging.getLogger("fundmodel")

ProgressCallback = Callable[[int, int], None]


def run_chunk(scenario: Scenario, seed: int, sampler: str, start: int, stop: int,
              space: InputSpace | None = None, draws: int | None = None) -> ModelOutput:
    """Compute draws ``start .. stop − 1`` of a run of ``draws`` (default ``stop``): sample the
    inputs, compile the engine inputs, run the model. Pure: the same arguments give the same arrays,
    bit for bit. ``draws`` matters for ``lhs`` and ``sobol``, whose partial last block is built
    for its size."""
    return _chunk_with_inputs(scenario, seed, sampler, start, stop,
                              space or input_space(scenario), draws, False)[0]


def _chunk_with_inputs(scenario: Scenario, seed: int, sampler: str, start: int, stop: int,
                       space: InputSpace, draws: int | None,
                       keep: bool) -> tuple[ModelOutput, np.ndarray | None]:
    """:func:`run_chunk`, and the values of the inputs of the uniform matrix (``space.paths``,
    an input drawn each year on ``horizon_years`` columns), ``(stop − start, space.dims)``:
    what :attr:`Result.inputs` keeps (None unless ``keep``)."""
    values = sample_values(space, seed, sampler, start, stop, draws)
    kept = None
    if keep:
        columns = [values[p].reshape(stop - start, -1) for p in space.paths]
        kept = np.hstack(columns) if columns else np.empty((stop - start, 0))
    return run_model(model_inputs(scenario, values, stop - start, complete=True)), kept


def chunk_ranges(draws: int, chunk_size: int) -> list[tuple[int, int]]:
    """``[(0, c), (c, 2c), ...]`` covering ``draws``."""
    return [(s, min(s + chunk_size, draws)) for s in range(0, draws, chunk_size)]


def positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ModelError(f"{name} must be a whole number ≥ 1, got {value!r}")
    return int(value)


def run_settings(simulation, draws, seed, sampler) -> tuple[int, int, str]:
    """A run's draws, seed and sampler: as given, else the scenario's ``simulation`` ones; a
    seed left None by both is drawn fresh. Checked: ``ModelError`` names a bad one."""
    draws = positive_int(simulation.draws if draws is None else draws, "draws")
    sampler = simulation.sampler if sampler is None else sampler
    if sampler not in SAMPLERS:
        raise ModelError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    seed = simulation.seed if seed is None else seed
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ModelError(f"seed must be a whole number ≥ 0, got {seed!r}")
    return draws, int(seed), sampler


# --------------------------------------------------------------------------- size check
MAX_WORKERS = 256
"""Most threads a run may use (more never helps: each computes a whole chunk)."""
SOBOL_MAX_DIMS = 21201
"""Most uniform columns scipy's Sobol sequence supports."""
_CHUNK_ENTRY_BYTES = 130
"""Memory of one entry of the list of chunk ranges (a tuple of two ints and its slot)."""


def _available_memory_bytes() -> int | None:
    """Memory available to a new allocation, bytes: ``MemAvailable`` of /proc/meminfo, else
    the machine's physical memory (``os.sysconf``), else None (unknown: nothing is refused)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _bytes_text(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} bytes"


def memory_estimate(scenario: Scenario, draws: int, chunk_size: int, keep_draws: bool,
                    keep_yearly: bool, workers: int, dims: int) -> dict[str, tuple[float, str]]:
    """Bytes a run holds at its peak, by part: ``{part: (bytes, how it is counted)}``.

    - ``per-draw table``: metrics × draws × 8 (with ``keep_draws``);
    - ``yearly paths``: (lines × years + capital line-years) × draws × 8 (with
      ``keep_yearly``; capital line-years: (items + funding rules + 2) × construction years);
    - ``chunk working set``: per draw of a chunk, 8 bytes × (1.75 × (lines + 1) × years
      + 3 × uniform columns + 3 × (items + funding rules) + 2 × metrics), measured on the
      example scenarios, plus the uniform numbers of the two partial blocks at the chunk's ends
      (2 × 4,096 draws × 3 × uniform columns × 8 bytes); one chunk per worker and one waiting;
    - ``household arrays`` (with a ``households`` section), per chunk in flight: 8 bytes ×
      (draws of the chunk × (H × (10 + 2 × decisions) + 3 × (ballots + floor groups))
      + H × (2 × ballots + items) + H × 4,096 when a willingness to pay is drawn per
      household), H the households: the per-household arrays of the votes and the channels
      (10 besides two per decision — its willingness to pay and where its items are built:
      the shares and the sorted count of a vote, then the channels' amounts; measured, 9
      without decisions and 12 with one drawn per household), the per-draw outputs by ballot
      and floor, the electorates and charge weights, and one block of per-household uniform
      numbers; ballots are one per voting building for a decision voted building by building,
      else one, and floor groups the floors with households, building by building;
    - ``chunk list``: one entry per chunk.

    ``lines`` are the yearly lines (the fixed ones, one per income and cost line, device and
    menu package, and one per package's cost; with a
    repairs fund, its 7 yearly lines and its ledger lines over the operating years —
    contributions, interest, top-ups and one per component — which are kept with the yearly
    paths too) and
    ``dims`` the uniform columns (1 per uncertain input, ``horizon_years`` for one drawn each
    year). A repairs fund adds its metrics to ``metrics`` and 5 lines to the
    working set alone (the balances without contributions and per unit contribution, the
    start-of-year balances, the fully funded balance and the goal's floor; measured: 10
    components, 20,000 draws, within 12 % above the peak); accounts per building
    (``accounts: building``) add their metrics and 4 lines per building (of the compound with
    the most) to the working set (each building's deposits, replacements, balances and goals;
    measured: 3 buildings, 10 components, 20,000 draws, the peak grew by 36 MiB, the estimate
    by 48 MiB).
    """
    years = scenario.horizon_years
    ops = scenario.operations
    lines = (len(YEARLY_LINES) + len(ops.income) + len(ops.costs) + len(ops.devices)
             + sum(1 + (p.cost_per_household_month is not None) for p in ops.menu))
    metrics = len(METRICS)
    if not any(rule.payer in FINANCING_PAYERS for rule in scenario.funding):
        lines -= len(FINANCING_LINES)
        metrics -= len(FINANCING_METRICS)
    if not any(rule.payer == "soe" for rule in scenario.funding):
        metrics -= len(SOE_METRICS)
    if ops.fallback is None:
        lines -= len(FALLBACK_LINES)
        metrics -= len(FALLBACK_METRICS)
    if not ops.has_owners_account():
        lines -= len(ACCOUNT_LINES)
        metrics -= len(ACCOUNT_METRICS)
    fund = scenario.repairs_fund
    working = 0
    if fund is not None:
        lines += len(FUND_LINES) + 3 + len(fund.components)
        metrics += len(FUND_METRICS)
        working = 5
        if fund.accounts == "building":
            metrics += len(FUND_BUILDING_METRICS)
            table = scenario.portfolio.table if scenario.portfolio is not None else None
            working += 4 * max(len(b) for b in scenario.household_buildings(table))
    chunk = min(chunk_size, draws)
    chunks = -(-draws // chunk)
    in_flight = 1 if workers == 1 else min(workers + 1, chunks)
    per_draw = 8 * (1.75 * (lines + 1 + working) * years + 3 * dims
                    + 3 * (len(scenario.renovation.items) + len(scenario.funding)) + 2 * metrics)
    parts = {}
    if keep_draws:
        parts["per-draw table"] = (8.0 * metrics * draws,
                                   f"{draws:,} draws × {metrics} metrics × 8 bytes")
    if keep_yearly:
        # and the varying capital lines of the ledger (works, sources, gap, bridge) by
        # construction year, kept for exact ledger quantiles
        capital = ((len(scenario.renovation.items) + len(scenario.funding) + 2)
                   * scenario.construction_years())
        parts["yearly paths"] = (8.0 * (lines * years + capital) * draws,
                                 f"{draws:,} draws × ({lines} lines × {years} years + "
                                 f"{capital} capital line-years) × 8 bytes")
    blocks = 8 * 3 * dims * 2 * BLOCK_SIZE
    parts["chunk working set"] = ((per_draw * chunk + blocks) * in_flight,
                                  f"{in_flight} chunk(s) of {chunk:,} draws × about "
                                  f"{_bytes_text(per_draw)} a draw, {dims:,} uniform columns")
    hh = scenario.households
    if hh is not None and scenario.portfolio is None:   # (a district's: portfolio.memory)
        from ..inputs.draws import is_distribution

        buildings = scenario.household_buildings()[0]
        names = [b.name for b in buildings]
        h, k = sum(sum(b.units()) for b in buildings), len(hh.decisions)
        ballots = sum(len(d.buildings or names) if d.vote_electorate() == "building" else 1
                      for d in hh.decisions)
        groups = sum(sum(1 for u in b.units() if u > 0) for b in buildings)
        drawn = any(is_distribution(d.willingness_to_pay_cny) for d in hh.decisions)
        arrays = 10 + 2 * k
        per_chunk = 8.0 * (chunk * (h * arrays + 3 * (ballots + groups))
                           + h * (2 * ballots + len(scenario.renovation.items))
                           + (h * BLOCK_SIZE if drawn else 0))
        parts["household arrays"] = (per_chunk * in_flight,
                                     f"{in_flight} chunk(s) of {chunk:,} draws × {h:,} "
                                     f"households × {arrays} arrays ({k} decision(s)) × 8 bytes")
    parts["chunk list"] = (float(_CHUNK_ENTRY_BYTES * chunks), f"{chunks:,} chunks")
    return parts


_WAY_OUT = {
    "per-draw table": "keep_draws=False (--no-draws): statistics are streamed and memory does "
                      "not grow with the draws",
    "yearly paths": "keep_yearly=False: yearly means and bands are streamed",
    "chunk working set": "a smaller chunk_size (--chunk-size; it never changes the results)",
    "chunk list": "a larger chunk_size",
}


def check_run_size(scenario: Scenario, draws: int, chunk_size: int, keep_draws: bool,
                   keep_yearly: bool, workers: int, sampler: str, dims: int) -> None:
    """Refuse, before any work, a run that cannot succeed on this machine.

    Raises
    ------
    ModelError
        If ``draws`` or ``chunk_size`` is above :data:`~fundmodel.io.limits.MAX_DRAWS`,
        ``workers`` above :data:`MAX_WORKERS`, the Sobol sampler is asked for more columns
        than it has, or :func:`memory_estimate` exceeds the available memory; the message
        gives the estimate and the ways out. When the available memory is unknown only the
        fixed bounds are checked.
    """
    for name, value in (("draws", draws), ("chunk_size", chunk_size)):
        if value > MAX_DRAWS:
            got = f"{value:,}" if value < 10**16 else f"a number of {len(str(value))} digits"
            raise ModelError(f"{name} must be at most {MAX_DRAWS:,} (at a million draws a "
                             f"second, more would run for weeks), got {got}")
    if workers > MAX_WORKERS:
        raise ModelError(f"workers must be at most {MAX_WORKERS}, got {workers:,}")
    if sampler == "sobol" and dims > SOBOL_MAX_DIMS:
        raise ModelError(f"the sobol sampler supports at most {SOBOL_MAX_DIMS:,} uniform "
                         f"columns and this scenario needs {dims:,} (each input drawn each "
                         f"year takes {scenario.horizon_years}); use the random or lhs sampler")
    available = _available_memory_bytes()
    if available is None:
        log.debug("available memory unknown: the size of the run is not checked")
        return

    def needs(chunk: int) -> tuple[dict[str, tuple[float, str]], float]:
        parts = memory_estimate(scenario, draws, chunk, keep_draws, keep_yearly, workers, dims)
        return parts, sum(b for b, _ in parts.values())

    parts, total = needs(chunk_size)
    if total <= available:
        return
    shown = "; ".join(f"{name} {_bytes_text(b)} ({how})" for name, (b, how) in parts.items()
                      if b >= 2**20)
    per_chunk = ("chunk working set", "household arrays")
    way_out = {**_WAY_OUT, "household arrays": _WAY_OUT["chunk working set"]}
    large = [name for name, (b, _) in sorted(parts.items(), key=lambda kv: -kv[1][0])
             if b >= total / 4]
    ways = [way_out[name] for name in large]
    chunk = min(chunk_size, draws)
    if any(name in per_chunk for name in large) and chunk > 1 and needs(1)[1] <= available:
        low, high = 1, chunk - 1          # the largest chunk that fits, by bisection
        while low < high:
            mid = (low + high + 1) // 2
            low, high = (mid, high) if needs(mid)[1] <= available else (low, mid - 1)
        ways = [f"{way} — at most {low:,} draws fit" if way == way_out["chunk working set"]
                else way for way in ways]
    if any(name in per_chunk for name in large) and workers > 1:
        ways.append("fewer workers")
    ways.append("fewer draws")
    raise ModelError(f"this run needs about {_bytes_text(total)} of memory but "
                     f"{_bytes_text(available)} is available: {shown}. Use "
                     + "; or ".join(dict.fromkeys(ways)) + ".")


def _outputs(scenario: Scenario, seed: int, sampler: str, space: InputSpace,
             ranges: Sequence[tuple[int, int]], workers: int,
             keep_inputs: bool = False) -> Iterator[tuple[ModelOutput, np.ndarray | None]]:
    """Chunk outputs in draw order; with several workers, at most ``workers + 1`` chunks are
    in flight, so memory stays bounded."""
    draws = ranges[-1][1]
    return in_order(_chunk_with_inputs, ((scenario, seed, sampler, start, stop, space, draws,
                                          keep_inputs) for start, stop in ranges), workers)


def simulate(scenario: Scenario, draws: int | None = None, seed: int | None = None,
             sampler: str | None = None, chunk_size: int | None = None,
             progress: bool | ProgressCallback | Reporter = False, *,
             keep_draws: bool | None = None, keep_yearly: bool | None = None,
             workers: int = 1, bands: bool = True) -> Result:
    """Run the scenario over many draws of its uncertain inputs.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    draws : int, optional
        Number of draws (default ``scenario.simulation.draws``).
    seed : int, optional
        Seed of the random streams (default ``scenario.simulation.seed``; if that is None too,
        a fresh seed is drawn and reported in ``result.info['seed']``).
    sampler : {'random', 'lhs', 'sobol'}, optional
        Pseudo-random, Latin hypercube (stratified within each block of 4,096 draws, and
        within a shorter last block) or Sobol (each block scrambled independently); default
        ``scenario.simulation.sampler``. For ``lhs`` and ``sobol`` the standard errors come
        from the spread of the block means (see :meth:`Result.summary`).
    chunk_size : int, optional
        Draws computed at once (default ``scenario.simulation.chunk_size``, 16,384). Bounds
        memory; never changes the results.
    progress : bool, callable or Reporter, optional
        True shows the progress where the run is (:func:`fundmodel.run.progress.reporter_for`: a
        bar in a notebook or a terminal, a line every 5 s on a standard error that is not a
        terminal); a callable is called as ``f(done, total)`` after each chunk; a
        :class:`fundmodel.run.progress.Reporter` is used as it is. Default: silent.
    keep_draws : bool, optional
        Keep the per-draw metrics table (default ``scenario.simulation.keep_draws``, True). With
        False, ``summary()`` comes from streaming moments (exact) and a quantile sketch (rank
        error ≤ 0.001) and memory does not grow with the number of draws (apart from one mean
        and count per block and metric for the standard errors). The per-draw values of the
        uncertain inputs (:attr:`Result.inputs`) are kept with them.
    keep_yearly : bool, optional
        Keep every draw's yearly paths (default ``scenario.simulation.keep_yearly``, False);
        without them ``yearly()`` has the mean of every line and quantile bands of
        ``operating_surplus`` and ``cumulative_balance``.
    workers : int
        Threads computing chunks in parallel (results do not depend on it).
    bands : bool, default True
        Stream the quantiles over the draws of the yearly lines (the bands of
        ``yearly(statistic=...)`` and ``yearly_bands()``) and of the ledger's lines
        (``cashflows()``) while the run goes. With False the run streams means alone, and those
        quantiles are computed when first asked for, by running the same draws again: the same
        values to the bit, at the cost of a second pass. For runs read for their metrics
        (solving for a statistic, comparing scenarios) False saves the sketch's sorting, about
        a third of a run on the example scenarios. No effect with ``keep_yearly`` (its
        quantiles are exact, from the kept paths).

    Returns
    -------
    Result
    """
    sim = scenario.simulation
    draws, seed, sampler = run_settings(sim, draws, seed, sampler)
    chunk_size = positive_int(sim.chunk_size if chunk_size is None else chunk_size, "chunk_size")
    workers = positive_int(workers, "workers")
    keep_draws = sim.keep_draws if keep_draws is None else bool(keep_draws)
    keep_yearly = sim.keep_yearly if keep_yearly is None else bool(keep_yearly)

    refuse_portfolio(scenario)      # before sampling, which needs the compounds' ids
    space = input_space(scenario)
    check_run_size(scenario, draws, chunk_size, keep_draws, keep_yearly, workers, sampler,
                   space.dims)
    warnings = scenario_warnings(scenario) + list(space.warnings)
    for warning in warnings:
        log.warning(warning)
    ranges = chunk_ranges(draws, chunk_size)
    log.info("simulate %s: %d draws, seed %d, %s sampler, %d chunk(s) of ≤ %d, %d uncertain "
             "input(s)", scenario.name, draws, seed, sampler, len(ranges), chunk_size,
             len(space.paths))

    shown = reporter(progress, draws, "draws")
    inputs = np.empty((draws, space.dims)) if keep_draws else None  # Result.inputs
    deferred = None
    if not bands and not keep_yearly:
        deferred = DeferredBands(scenario, int(seed), sampler, draws, chunk_size, workers)
    try:
        streams = _stream_run(scenario, int(seed), sampler, space, draws, ranges, workers,
                              lambda shape: _RunStreams(shape, draws, keep_draws, keep_yearly,
                                                        bands=deferred is None),
                              inputs, shown)
    finally:
        shown.close()
    if not streams.band_columns:      # every line the same in every draw: nothing to compute
        deferred = None

    info = {"kind": "monte_carlo", "draws": draws, "seed": int(seed), "sampler": sampler,
            "chunk_size": chunk_size, "block_size": BLOCK_SIZE, "workers": workers,
            "keep_draws": keep_draws, "keep_yearly": keep_yearly,
            "bands": ("deferred" if deferred is not None
                      else "exact" if keep_yearly else "streamed"),
            "uncertain_inputs": len(space.paths), "warnings": warnings}
    names = streams.names
    mcse, mcse_info = _replicate_errors(sampler, streams.block_means, names)
    info.update(mcse_info)
    summary = None
    if streams.metric_streams is not None:
        summary = _streamed_summary(streams.metric_streams, names, mcse)
        info["quantile_rank_error"] = float(np.max(
            streams.metric_streams.sketch.rank_error_bound))
    yearly_bands, cashflow_quantiles = streams.quantiles(info)
    sums = streams.sums
    result = Result(scenario, n_draws=draws, metrics=streams.metrics, metric_names=names,
                  yearly_paths=streams.yearly_paths, yearly_means=streams.yearly_means(),
                  funding_offered=sums.mean("offered"), funding_applied=sums.mean("applied"),
                  funding_gap=float(sums.mean("gap")), item_costs=sums.mean("items"),
                  metric_summary=summary, yearly_bands=yearly_bands, deferred_bands=deferred,
                  item_inputs={k: sums.mean(f"item:{k}") for k in ITEM_INPUTS},
                  cashflows=CashFlows.from_ledger(streams.ledger, streams.n_years,
                                                  streams.ledger_means(), cashflow_quantiles),
                  info=info,
                  metric_mcse=mcse, inputs=inputs,
                  residents=None if streams.residents is None else ResidentsMeans.from_means(
                      streams.residents, {k: sums.mean(f"r:{k}")
                                          for k in streams.residents.stream()}, draws),
                  fund_buildings={k: sums.mean(f"b:{k}") for k in streams.fund_buildings})
    for warning in outcome_warnings(result):
        log.warning(warning)
        warnings.append(warning)
    return result


def _stream_run(scenario: Scenario, seed: int, sampler: str, space: InputSpace, draws: int,
                ranges: Sequence[tuple[int, int]], workers: int,
                make: Callable[[ModelOutput], "_RunStreams"], inputs: np.ndarray | None = None,
                shown: Reporter | None = None) -> "_RunStreams":
    """Every chunk of a run, in draw order, into the streams ``make`` lays out on the first
    chunk's output (of ≥ 2 draws: one draw cannot tell the lines that vary by draw); the
    uncertain inputs' values into ``inputs`` when given."""
    streams = None
    for (start, stop), (out, kept) in zip(ranges, _outputs(scenario, seed, sampler, space,
                                                           ranges, workers,
                                                           inputs is not None)):
        if streams is None:
            shape = out
            if stop - start < 2 <= draws:
                shape = run_chunk(scenario, seed, sampler, 0, 2, space, draws)
            streams = make(shape)
        streams.push(out, start, stop)
        if inputs is not None:
            inputs[start:stop] = kept
        if shown is not None:
            shown.update(stop)
    streams.stream.close()
    return streams


@dataclass(frozen=True)
class DeferredBands:
    """The quantiles a run made with ``simulate(..., bands=False)`` left for later: the yearly
    bands and the ledger lines' quantiles, from the same draws run again (each chunk is a pure
    function of the run's settings, so the values are those a streaming run gives, to the bit).

    Calling it returns ``(yearly bands, ledger quantiles, info)`` as :meth:`_RunStreams.quantiles`
    gives them; :class:`fundmodel.Result` calls it once, when a quantile is first asked for.
    It holds only the run's settings, so a result that carries it pickles.
    """

    scenario: Scenario
    seed: int
    sampler: str
    draws: int
    chunk_size: int
    workers: int

    def __call__(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict]:
        space = input_space(self.scenario)
        log.info("simulate %s: the %d draws again, for the yearly bands and the ledger's "
                 "quantiles (bands=False)", self.scenario.name, self.draws)
        streams = _stream_run(self.scenario, self.seed, self.sampler, space, self.draws,
                              chunk_ranges(self.draws, self.chunk_size), self.workers,
                              lambda shape: _RunStreams(shape, self.draws, False, False,
                                                        means=False))
        info: dict = {}
        yearly_bands, cashflow = streams.quantiles(info)
        return yearly_bands, cashflow, info


class _RunStreams:
    """What a Monte Carlo run keeps of its chunks, laid out on the first chunk of ≥ 2 draws.

    Lines the same in every draw (yearly lines and ledger lines of draw size 1) are kept once:
    their mean and every quantile is their value, nothing is streamed. The others feed, in fixed
    blocks, the running sums (means), and — when their per-draw paths are not kept — one
    quantile sketch for the yearly bands (:data:`BAND_LINES`) and the ledger lines' quantiles
    (:data:`CASHFLOW_QUANTILES`). Ledger lines that are statement lines (the fee, VAT) take the
    statement's streams. With ``keep_yearly`` the per-draw yearly paths and the per-draw amounts
    of the other varying ledger lines (the capital lines: construction years × lines) are kept,
    and every quantile is exact. Without ``bands`` no quantile is sketched (the run's
    :class:`DeferredBands` computes them later); without ``means`` only the sketch is fed
    (what :class:`DeferredBands` runs).
    """

    def __init__(self, out: ModelOutput, draws: int, keep_draws: bool, keep_yearly: bool, *,
                 bands: bool = True, means: bool = True):
        self.names = list(out.metrics)
        self.means = means
        self.ledger, self.n_years = out.ledger, out.n_years
        years = next(iter(out.yearly.values())).shape[-1]
        self.lines = list(out.yearly)
        self.constant_yearly = {k: np.array(v[0], dtype=float) for k, v in out.yearly.items()
                                if same_in_every_draw(v)}
        self.varying_yearly = [k for k in self.lines if k not in self.constant_yearly]
        self.constant_ledger = {l.name: np.array(l.amount[0, 0], dtype=float)
                                for l in out.ledger if l.amount.shape[0] == 1}
        # varying operating lines are statement lines, whose streams are kept anyway
        self.in_statement = {l.name: STATEMENT_NAMES.get(l.name, l.name) for l in out.ledger
                             if l.name not in self.constant_ledger
                             and STATEMENT_NAMES.get(l.name, l.name) in self.varying_yearly}
        self.varying_ledger = {l.name: l.amount.shape[-1] for l in out.ledger
                               if l.name not in self.constant_ledger
                               and l.name not in self.in_statement}
        self.metrics = np.empty((len(self.names), draws)) if keep_draws else None
        self.yearly_paths = self.ledger_paths = None
        if keep_yearly:
            self.yearly_paths = {k: np.empty((draws, years)) for k in self.lines}
            self.ledger_paths = {k: np.empty((draws, width))
                                 for k, width in self.varying_ledger.items()}
        self.residents = out.residents  # households: their tables are means over draws
        self.fund_buildings = list(out.fund_buildings)   # each building's fund: means
        self.sums = BlockSums([f"y:{k}" for k in self.varying_yearly]
                              + ["offered", "applied", "items", "gap"]
                              + [f"item:{k}" for k in ITEM_INPUTS]
                              + [f"l:{k}" for k in self.varying_ledger]
                              + [f"r:{k}" for k in (self.residents.stream()
                                                    if self.residents else ())]
                              + [f"b:{k}" for k in self.fund_buildings])
        # the metrics, one (rows, metrics) array in the names' order
        self.block_means = BlockMeans(["metrics"], [len(self.names)])
        consumers = [self.sums, self.block_means] if means else []
        self.metric_streams = self.sketched = None
        if not keep_draws and means:
            self.metric_streams = MetricStreams(["metrics"], [len(self.names)])
            consumers.append(self.metric_streams)
        self.band_columns: list[str] = []   # what a run's quantiles are sketched from
        if not keep_yearly:
            sketched = [f"y:{k}" for k in BAND_LINES if k in self.varying_yearly]
            sketched += [f"y:{k}" for k in self.in_statement.values() if f"y:{k}" not in sketched]
            widths = [years] * len(sketched) + list(self.varying_ledger.values())
            sketched += [f"l:{k}" for k in self.varying_ledger]
            self.band_columns = sketched
            if sketched and bands:
                self.sketched = MetricStreams(sketched, widths, moments=False)
                consumers.append(self.sketched)
        self.stream = BlockStream(BLOCK_SIZE, consumers)

    def push(self, out: ModelOutput, start: int, stop: int) -> None:
        """Take the draws ``start .. stop − 1`` of a chunk's output."""
        table = None
        if self.metrics is not None:
            table = self.metrics[:, start:stop]
        elif self.means:
            table = np.empty((len(self.names), stop - start))
        if table is not None:
            for i, k in enumerate(self.names):
                table[i] = out.metrics[k]
        ledger = {l.name: l.amount for l in out.ledger}
        if self.yearly_paths is not None:
            for k, arr in out.yearly.items():
                self.yearly_paths[k][start:stop] = arr
            for k, arr in self.ledger_paths.items():
                arr[start:stop] = ledger[k][:, 0]
        block = {f"y:{k}": out.yearly[k] for k in self.varying_yearly}
        block.update({"offered": out.funding_offered, "applied": out.funding_applied,
                      "items": out.item_costs, "gap": out.metrics["funding_gap"]})
        block.update({f"item:{k}": out.item_inputs[k] for k in ITEM_INPUTS})
        block.update({f"l:{k}": ledger[k][:, 0] for k in self.varying_ledger})
        if table is not None:
            block["metrics"] = table.T   # draw-fastest: each metric's draws contiguous
        if out.residents is not None:
            block.update({f"r:{k}": v for k, v in out.residents.stream().items()})
        block.update({f"b:{k}": v for k, v in out.fund_buildings.items()})
        self.stream.push(block)

    def yearly_means(self) -> dict[str, np.ndarray]:
        """Mean over the draws of every yearly line, in the statement's order."""
        return {k: self.constant_yearly[k] if k in self.constant_yearly
                else self.sums.mean(f"y:{k}") for k in self.lines}

    def ledger_means(self) -> dict[str, np.ndarray]:
        """Mean over the draws of every ledger line."""
        return {**self.constant_ledger,
                **{k: self.sums.mean(f"l:{k}") for k in self.varying_ledger},
                **{k: self.sums.mean(f"y:{v}") for k, v in self.in_statement.items()}}

    def quantiles(self, info: dict) -> tuple[dict | None, dict[str, np.ndarray]]:
        """The yearly bands (None when the paths are kept: ``Result`` computes them) and the
        quantiles :data:`CASHFLOW_QUANTILES` of every varying ledger line, ``(q, L)``; exact
        from the kept paths, else from the sketch (its rank error bound goes in ``info``)."""
        varying = {**{k: f"y:{v}" for k, v in self.in_statement.items()},
                   **{k: f"l:{k}" for k in self.varying_ledger}}
        if self.yearly_paths is not None:
            kept = {k: self.yearly_paths[v[2:]] if v.startswith("y:") else self.ledger_paths[k]
                    for k, v in varying.items()}
            return None, {k: np.quantile(a, CASHFLOW_QUANTILES, axis=0, method=QUANTILE_METHOD)
                          for k, a in kept.items()}
        bands = {k: np.tile(self.constant_yearly[k], (len(QUANTILES), 1))
                 for k in BAND_LINES if k in self.constant_yearly}
        cashflow: dict[str, np.ndarray] = {}
        if self.sketched is not None:
            sketch = self.sketched.sketch
            columns = self.sketched.columns
            qs = sketch.quantile(list(QUANTILES) + list(CASHFLOW_QUANTILES))
            band_rows, cf_rows = qs[:len(QUANTILES)], qs[len(QUANTILES):]
            bands.update({k: band_rows[:, columns(f"y:{k}")] for k in BAND_LINES
                          if k not in bands and k in self.varying_yearly})
            cashflow = {k: cf_rows[:, columns(v)] for k, v in varying.items()}
            bound = float(np.max(sketch.rank_error_bound))
            info["band_rank_error"] = info["cashflow_rank_error"] = bound
        return bands, cashflow


def _replicate_errors(sampler: str, block_means: BlockMeans,
                      names: list[str]) -> tuple[dict[str, float], dict]:
    """Replicate standard errors of the metrics' means (lhs, sobol) and what ``info`` says of
    them. Empty for ``random`` (sd/√n is right) and for runs of too few blocks."""
    blocks = len(block_means.counts)
    info: dict = {"mcse_blocks": blocks}
    if sampler == "random":
        info["mcse_method"] = "sd/sqrt(n)"
        return {}, info
    if blocks < MIN_REPLICATE_BLOCKS:
        info["mcse_method"] = "sd/sqrt(n)"
        info["mcse_note"] = (
            f"{sampler} draws are not independent, so their standard error comes from the "
            f"spread of block means; this run has {blocks} block(s) of {BLOCK_SIZE:,} draws, "
            f"fewer than the {MIN_REPLICATE_BLOCKS} needed ({MIN_REPLICATE_BLOCKS * BLOCK_SIZE:,} "
            f"draws), so mcse is sd/sqrt(n), which overstates the error")
        log.info(info["mcse_note"])
        return {}, info
    counts = block_means.counts
    se = replicate_mcse(counts, block_means.means)
    used = (counts > 0).sum(axis=0)
    info["mcse_method"] = "block replicates"
    few = [k for k, u in zip(names, used) if 0 < u < MIN_REPLICATE_BLOCKS]
    if few:
        info["mcse_note"] = (f"sd/sqrt(n) for {', '.join(few)}: fewer than "
                             f"{MIN_REPLICATE_BLOCKS} blocks have a value")
    return {k: float(e) for k, e, u in zip(names, se, used) if u >= MIN_REPLICATE_BLOCKS}, info


def _streamed_summary(streams: MetricStreams, names: list[str],
                      mcse: dict[str, float]) -> pd.DataFrame:
    """The summary table from streaming moments and the quantile sketch."""
    mom = streams.moments
    qs = streams.sketch.quantile(list(QUANTILES))
    rows = {}
    for j, name in enumerate(names):
        n = int(mom.count[j])
        rows[name] = {
            "mean": float(mom.mean[j]) if n else math.nan,
            "sd": float(mom.sd[j]) if n > 1 else math.nan,
            "mcse": float(mom.mcse[j]) if n > 1 else math.nan,
            **{quantile_name(q): float(qs[i, j]) if n else math.nan
               for i, q in enumerate(QUANTILES)},
            "min": float(mom.min[j]) if n else math.nan,
            "max": float(mom.max[j]) if n else math.nan,
            "n": n,
            "undefined": int(mom.nan_count[j]),
        }
    return summary_table(rows, mcse)
