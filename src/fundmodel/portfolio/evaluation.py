"""Run a portfolio over many draws: tiles of compounds, locally, on threads or on a Dask
cluster, with the same bits (see :mod:`.tiles`)."""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..run.executors import in_order
from ..inputs import timeline_of
from ..run.montecarlo import positive_int, run_settings
from ..run.progress import Reporter, reporter
from ..inputs.sampling import BLOCK_SIZE, input_space
from ..scenario import Scenario
from .memory import check_portfolio_size
from .programme import check_start_years, packages, programme_metrics
from .result import PortfolioResult
from .tiles import (COMPOUND_BLOCK, SUMMARY_STATS, TileResult, add_blocks, calendar_outlay,
                    compound_metrics, default_chunk_draws, metric_names, run_tile,
                    sequential_sum, tiles_of)

__all__ = ["package_results", "simulate_portfolio", "evaluate_portfolio", "rewards_of"]

log = logging.getLogger("fundmodel")


def _table_of(scenario: Scenario):
    if not isinstance(scenario, Scenario) or scenario.portfolio is None:
        raise ModelError("this scenario has no portfolio section: use fundmodel.simulate for "
                         "one compound")
    return scenario.portfolio.table


def _with_tiers(table, tiers):
    """The table at the tiers a plan chose (``tiers``: one tier name per compound, ``''``
    keeping ``tier_planned``; None: the table as it is)."""
    return table if tiers is None else table.with_tiers(tiers)


def _offsets(scenario: Scenario, table, start_years) -> tuple[np.ndarray, np.ndarray]:
    """Which compounds run (those with a start year) and their start offsets. Without
    ``start_years``: the table's programme (a done compound left out, a fixed start year
    kept: :func:`~fundmodel.scenario.portfolio.programme_start_years`), else every compound
    in the scenario's start year."""
    from ..scenario.portfolio import programme_start_years
    n = len(table)
    if start_years is None:
        start_years = programme_start_years(scenario)
    if start_years is None:
        return np.arange(n), np.zeros(n, dtype=np.int64)
    years = np.asarray(start_years)
    if years.shape != (n,) or not np.issubdtype(years.dtype, np.integer):
        raise ModelError(f"start_years must hold one whole calendar year per compound ({n}), "
                         "or -1 for a compound not renovated")
    chosen = np.flatnonzero(years >= 0)
    if chosen.size == 0:
        raise ModelError(f"no compound has a start year: start_years is -1 (not renovated) "
                         f"for all {n:,} compounds")
    offsets = years[chosen] - scenario.start_year
    if np.any(offsets < 0) or np.any(offsets > 100):
        raise ModelError(f"start years must be from {scenario.start_year} (the scenario's "
                         "start_year) to 100 years after it")
    return chosen, offsets.astype(np.int64)


def rewards_of(scenario: Scenario, table, offsets: np.ndarray, n_calendar: int
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """The performance rewards (``portfolio.rewards``) of the compounds run: each compound's
    reward ``(C,)`` and what each level pays by calendar year ``(levels, n_calendar)``, CNY;
    None without rewards.

    A compound whose works end in ``end = start_year + offset + K − 1`` (K the construction
    years) with ``end ≤ deadline`` receives ``households × amount_per_household`` of each
    reward, paid by ``paid_by`` in ``end + 1`` (calendar index ``offset + K``)."""
    from ..scenario.fiscal import GOVERNMENT_LEVELS
    rewards = scenario.portfolio.rewards
    if not rewards:
        return None
    build = timeline_of(scenario).construction_years
    end = scenario.start_year + offsets + build - 1
    households = np.asarray(table.households, dtype=float)
    per_compound = np.zeros(len(table))
    by_level = np.zeros((len(GOVERNMENT_LEVELS), n_calendar))
    for reward in rewards:                                  # a loop over the rewards
        paid = np.where(end <= reward.deadline, households * reward.amount_per_household, 0.0)
        per_compound += paid
        by_level[GOVERNMENT_LEVELS.index(reward.paid_by)] += np.bincount(
            offsets + build, weights=paid, minlength=n_calendar)[:n_calendar]
    return per_compound, by_level


def _with_rewards(frame: pd.DataFrame, outlay: np.ndarray, rewards) -> np.ndarray:
    """The compounds' frame gains ``reward_cny`` and the outlay (…, levels, years) the
    rewards (in place for the frame; a new outlay array)."""
    if rewards is None:
        return outlay
    per_compound, by_level = rewards
    frame.insert(frame.columns.get_loc("start_year") + 1, "reward_cny", per_compound)
    return outlay + by_level


def _tile_results(scenario, table, tiles, args, workers: int, client):
    """Tile results in tile order. Threads keep at most ``workers + 1`` tiles in flight; a
    Dask client runs them all on its cluster (the scenario and table are sent once) and its
    results are taken in order as they come."""
    if client is not None:
        from distributed import as_completed
        scenario_f, table_f = client.scatter([scenario, table], broadcast=True)
        futures = [client.submit(run_tile, scenario_f, table_f, tile, *args, pure=False)
                   for tile in tiles]
        done: dict[int, TileResult] = {}
        nxt = 0
        for future in as_completed(futures):
            result = future.result()
            done[result.tile.index] = result
            future.release()
            while nxt in done:
                yield done.pop(nxt)
                nxt += 1
        return
    yield from in_order(run_tile, ((scenario, table, tile, *args) for tile in tiles), workers)


def simulate_portfolio(scenario: Scenario, draws: int | None = None, seed: int | None = None,
                       sampler: str | None = None, *, start_years=None, tiers=None,
                       compounds_per_tile: int = COMPOUND_BLOCK, chunk_draws: int | None = None,
                       workers: int = 1, client=None,
                       progress: bool | Callable[[int, int], None] | Reporter = False,
                       ) -> PortfolioResult:
    """Run every compound of a portfolio over the draws of its uncertain inputs.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a ``portfolio`` section.
    draws, seed, sampler
        As for :func:`fundmodel.simulate` (defaults from ``simulation``). Shared inputs are
        drawn as in a one-compound run; inputs named in ``portfolio.per_compound`` from each
        compound's own streams (:func:`fundmodel.inputs.sampling.compound_uniforms`).
    start_years : array of int (C,), optional
        Each compound's first year of works (e.g. ``plan.start_year`` of a phasing plan);
        -1: not renovated, left out. Default: the compounds table's programme (a ``done``
        compound left out, a fixed ``start_year`` kept), the others in ``start_year``.
    tiers : sequence of str (C,), optional
        Each compound's tier (e.g. ``plan.tier`` of a plan that chose tiers); ``''`` keeps
        the table's ``tier_planned``. Default: ``tier_planned``.
    compounds_per_tile : int
        Compounds computed together (rounded down to whole blocks of 50; at least one block).
        Bounds memory with ``chunk_draws``; never changes a bit. With a pooled debt every
        compound is in one tile (its package is computed together; the draws are chunked).
    chunk_draws : int, optional
        Draws computed at once in a tile (default: about 32,768 draw × compound cells).
    workers : int
        Threads computing tiles (ignored with ``client``).
    client : distributed.Client, optional
        Run the tiles on this Dask cluster; the results are the same bits as a local run.
    progress : bool, callable or Reporter
        As for :func:`fundmodel.simulate` (True: a bar in a notebook or a terminal, a line
        every 5 s in a log), counting compounds; a callable is called as ``f(done, total)``
        after each tile, also from a cluster.

    Returns
    -------
    PortfolioResult

    Raises
    ------
    ModelError
        If the run would need more memory than is available (refused before anything is
        allocated, with the estimate and the ways out:
        :func:`~fundmodel.portfolio.memory.check_portfolio_size`), or no compound has a start
        year (every entry of ``start_years`` is −1).
    """
    table = _with_tiers(_table_of(scenario), tiers)
    draws, seed, sampler = run_settings(scenario.simulation, draws, seed, sampler)
    workers = positive_int(workers, "workers")
    compounds_per_tile = positive_int(compounds_per_tile, "compounds_per_tile")
    chosen, offsets = _offsets(scenario, table, start_years)
    table = table.take(chosen) if chosen.size != len(table) else table
    check_start_years(scenario, table, offsets)
    if any(getattr(rule, "pooled", False) for rule in scenario.funding):
        # a pooled debt's package is computed together: one tile of whole blocks holding all
        compounds_per_tile = -(-len(table) // COMPOUND_BLOCK) * COMPOUND_BLOCK
    tiles = tiles_of(len(table), compounds_per_tile)
    per_tile = tiles[0].stop - tiles[0].start
    chunk_draws = positive_int(chunk_draws if chunk_draws is not None
                         else default_chunk_draws(per_tile), "chunk_draws")
    timeline = timeline_of(scenario)
    n_calendar = timeline.n_years + int(offsets.max())
    space = input_space(scenario)
    check_portfolio_size(scenario, draws, len(table), per_tile, chunk_draws, workers,
                         n_calendar, space.dims, client is not None)
    args = (seed, sampler, draws, chunk_draws, offsets, n_calendar, space)
    log.info("simulate_portfolio %s: %d compounds, %d draws, seed %d, %d tile(s) of ≤ %d, "
             "chunks of %d draws", scenario.name, len(table), draws, seed, len(tiles),
             per_tile, chunk_draws)

    shown = reporter(progress, len(table), "compounds")
    total = None
    summaries: list[dict] = []
    programme: dict[str, np.ndarray] = {}
    try:
        for result in _tile_results(scenario, table, tiles, args, workers, client):
            total = add_blocks(total, result, n_calendar)
            summaries.append(result.summaries)
            programme.update(result.programme)
            shown.update(result.tile.stop)
    finally:
        shown.close()

    frame = _compounds_frame(scenario, table, offsets, tiers)
    columns = {}
    for metric in summaries[0]:
        stacked = np.concatenate([s[metric] for s in summaries], axis=1)
        for stat, row in zip(SUMMARY_STATS, stacked):
            columns[f"{metric}_{stat}"] = row
    frame = pd.concat([frame, pd.DataFrame(columns)], axis=1)
    outlay = _with_rewards(frame, total["outlay"], rewards_of(scenario, table, offsets,
                                                               n_calendar))
    district = pd.DataFrame(total["metrics"])
    district.index.name = "draw"
    info = {"kind": "portfolio", "draws": draws, "seed": seed, "sampler": sampler,
            "compounds": len(table), "tiles": len(tiles), "compounds_per_tile": per_tile,
            "compound_block": COMPOUND_BLOCK, "chunk_draws": chunk_draws,
            "block_size": BLOCK_SIZE, "workers": workers,
            "executor": "dask" if client is not None else ("threads" if workers > 1
                                                           else "local"),
            "per_compound_inputs": len(space.compound_paths),
            "shared_inputs": len(space.paths)}
    calendar = scenario.start_year + np.arange(n_calendar)
    return PortfolioResult(frame, district, outlay, calendar, info,
                           budgets_by_year(scenario, calendar),
                           _programme_frame(programme, packages(scenario, table), draws))


def _programme_frame(programme: dict[str, np.ndarray], found, draws: int) -> pd.DataFrame:
    """Each pooled instrument's per-draw metrics (the package's), one row per draw; NaN for a
    package none of whose compounds runs; no columns without a pooled rule."""
    nan = np.full(draws, np.nan)
    frame = pd.DataFrame({name: programme.get(name, nan) for package in found
                          for name in package.metrics}, index=pd.RangeIndex(draws))
    frame.index.name = "draw"
    return frame


def budgets_by_year(scenario: Scenario, calendar: np.ndarray) -> np.ndarray | None:
    """The phasing's budgets (``portfolio.phasing.budgets_cny``) on the calendar years
    ``calendar``: ``(levels, years)`` CNY, ``inf`` for a level without a budget and for the
    years outside the plan; None without a phasing section."""
    phasing = scenario.portfolio.phasing if scenario.portfolio is not None else None
    if phasing is None:
        return None
    budget = phasing.budget_matrix()
    out = np.full((budget.shape[0], len(calendar)), np.inf)
    at = np.asarray(calendar, dtype=int) - phasing.first_year
    inside = (at >= 0) & (at < phasing.years)
    out[:, inside] = budget[:, at[inside]]
    return out


def _compounds_frame(scenario: Scenario, table, offsets: np.ndarray,
                     tiers=None) -> pd.DataFrame:
    """Who the compounds of a run are: id, name, street, households, start year (and, when
    the run was given ``tiers``, each compound's tier)."""
    frame = pd.DataFrame({"id": list(table.ids), "name": list(table.names),
                          "street": list(table.streets),
                          "households": np.asarray(table.households),
                          "start_year": scenario.start_year + offsets})
    if tiers is not None:
        frame["tier"] = list(table.tier_planned)
    return frame


def evaluate_portfolio(scenario: Scenario, *, start_years=None, tiers=None) -> PortfolioResult:
    """The portfolio at the point estimates of its inputs: one draw (``simulation.
    point_estimate``) of every compound, through the engine and the reductions of
    :func:`simulate_portfolio` (``start_years`` and ``tiers`` as there)."""
    from ..inputs.draws import point_values
    from ..engine.model import run_compounds
    from ..inputs import model_inputs
    table = _with_tiers(_table_of(scenario), tiers)
    chosen, offsets = _offsets(scenario, table, start_years)
    table = table.take(chosen)
    check_start_years(scenario, table, offsets)
    out = run_compounds(model_inputs(scenario, point_values(scenario), 1, table))
    per_compound, per_district = metric_names(scenario)
    metrics = compound_metrics(out, per_compound)
    frame = pd.concat([_compounds_frame(scenario, table, offsets, tiers),
                       pd.DataFrame({k: v[0] for k, v in metrics.items()})], axis=1)
    n_calendar = timeline_of(scenario).n_years + int(offsets.max())
    district = pd.DataFrame({k: sequential_sum(metrics[k]) for k in per_district})
    calendar = scenario.start_year + np.arange(n_calendar)
    outlay = _with_rewards(frame, sequential_sum(calendar_outlay(out, offsets, n_calendar)),
                           rewards_of(scenario, table, offsets, n_calendar))
    found = packages(scenario, table)
    return PortfolioResult(frame, district, outlay, calendar,
                           {"kind": "point", "compounds": len(table)},
                           budgets_by_year(scenario, calendar),
                           _programme_frame(programme_metrics(found, metrics, 0, len(table)),
                                            found, 1))


def package_results(scenario: Scenario, label: str) -> list:
    """The members of the pooled rule ``label`` at the point estimates, each as a
    one-compound result (:class:`fundmodel.Result`) cut from one district run: its scenario
    :func:`~fundmodel.scenario.portfolio.one_compound` starting in the package's year, its
    arrays and ledger lines its column of the run — what the package's annex tables sum.

    Raises
    ------
    ModelError
        ``label`` is not a pooled rule's, or no compound of the run is in its package.
    """
    from ..engine.model import compound_output, run_compounds
    from ..inputs import model_inputs
    from ..inputs.draws import point_values
    from ..results import Result
    from ..scenario.portfolio import one_compound
    table = _table_of(scenario)
    chosen, offsets = _offsets(scenario, table, None)
    run = table.take(chosen)
    check_start_years(scenario, run, offsets)
    found = {p.label: p for p in packages(scenario, run)}
    if label not in found:
        raise ModelError(f"{label!r} is not a pooled funding rule of {scenario.name} "
                         f"(pooled: {', '.join(found) or 'none'})")
    members = np.flatnonzero(found[label].members)
    if not members.size:
        raise ModelError(f"no compound of the run is in the package of {label!r}")
    inputs = model_inputs(scenario, point_values(scenario), 1, run)
    out = run_compounds(inputs)
    horizon = inputs.timeline.horizon_years
    results = []
    for c in members:            # a package's members, one result each (not the engine)
        own = one_compound(scenario, int(chosen[c]))
        if offsets[c]:
            own = own.model_copy(update={"start_year": scenario.start_year + int(offsets[c])})
        results.append(Result.from_output(own, compound_output(out, int(c), 1, horizon),
                                          info={"kind": "deterministic", "draws": 1,
                                                "compound": run.ids[c]}))
    return results
