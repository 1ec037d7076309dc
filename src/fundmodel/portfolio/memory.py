"""How much memory a district run needs, estimated before anything is allocated, and the run
refused with the estimate and the district's own ways out when the machine does not have it
(as :func:`fundmodel.run.montecarlo.check_run_size` does for one compound)."""

from __future__ import annotations

from ..run import montecarlo
from ..errors import ModelError
from ..scenario.fiscal import GOVERNMENT_LEVELS
from ..io.limits import MAX_DRAWS
from .tiles import COMPOUND_BLOCK, metric_names, sampling_span

__all__ = ["portfolio_memory_estimate", "check_portfolio_size", "planning_memory_estimate",
           "check_planning_size"]

_bytes_text = montecarlo._bytes_text


def _engine_bytes_per_cell(scenario, dims: int) -> float:
    """Bytes the engine holds per draw × compound cell while it computes a chunk: the
    one-compound run's working set per draw (:func:`fundmodel.run.montecarlo.memory_estimate`)."""
    one = montecarlo.memory_estimate(scenario, 1, 1, False, False, 1, dims)
    two = montecarlo.memory_estimate(scenario, 2, 2, False, False, 1, dims)
    return two["chunk working set"][0] - one["chunk working set"][0]


def portfolio_memory_estimate(scenario, draws: int, compounds: int, compounds_per_tile: int,
                              chunk_draws: int, workers: int, n_calendar: int, dims: int,
                              client: bool = False) -> dict[str, tuple[float, str]]:
    """Bytes a district run (:func:`~fundmodel.portfolio.simulate_portfolio`) holds at its
    peak, by part: ``{part: (bytes, how it is counted)}``. L the levels of government, T the
    calendar years of the outlay, B the blocks of a tile (compounds per tile / 50), M and
    m the metrics summed over the district and summarised per compound.

    - ``district totals``: draws × (M + L × T) × 8 bytes, the running sums, and as much again
      for the per-draw district table built from them;
    - ``tiles in flight``: per tile, its blocks' sums (B × draws × (M + L × T) × 8) and its
      compounds' per-draw metrics (draws × compounds of the tile × (m + 2) × 8: the metrics,
      and a copy of one and its sort for the quantiles); one tile computed locally, ``workers
      + 1`` on threads (none on a cluster: its workers hold them);
    - ``chunk working set``: per tile computing, draws of a chunk × compounds of the tile ×
      (the one-compound engine's bytes per draw + 2 × L × T × 8 for the outlay by calendar
      year);
    - ``household arrays`` and ``household draws`` (with a ``households`` section): per tile
      computing, the household arrays of a chunk, its compounds by size class, and the draws
      of the inputs drawn per household it holds (:func:`_household_bytes`).
    - ``sampled inputs``: per tile computing, the span of whole sampling blocks its chunks
      are cut from (:func:`~fundmodel.portfolio.tiles.sampling_span`) × (the ``dims`` shared
      uniform columns + compounds of the tile × the inputs drawn per compound) × 8 bytes,
      twice (the uniforms and the values).
    """
    district, per_compound = (len(n) for n in reversed(metric_names(scenario)))
    levels = len(GOVERNMENT_LEVELS)
    per_tile = min(compounds_per_tile, compounds)
    blocks = -(-per_tile // COMPOUND_BLOCK)
    tiles = -(-compounds // per_tile)
    in_flight = 0 if client else (1 if workers == 1 else min(workers + 1, tiles))
    width = district + levels * n_calendar
    parts = {"district totals": (2 * 8.0 * draws * width,
                                 f"2 × {draws:,} draws × ({district} metrics + {levels} levels "
                                 f"× {n_calendar} years) × 8 bytes")}
    if in_flight:
        tile = 8.0 * draws * (blocks * width + per_tile * (per_compound + 2))
        parts["tiles in flight"] = (in_flight * tile,
                                    f"{in_flight} tile(s) of {per_tile:,} compounds × "
                                    f"{draws:,} draws")
        chunk = min(chunk_draws, draws)
        cell = _engine_bytes_per_cell(scenario, dims) + 2 * 8.0 * levels * n_calendar
        parts["chunk working set"] = (in_flight * chunk * per_tile * cell,
                                      f"{in_flight} chunk(s) of {chunk:,} draws × {per_tile:,} "
                                      f"compounds × about {_bytes_text(cell)}")
        if scenario.households is not None:
            parts.update(_household_bytes(scenario, draws, chunk, per_tile, in_flight))
        span = sampling_span(chunk_draws)
        columns = dims + per_tile * len(scenario.per_compound_paths())
        parts["sampled inputs"] = (in_flight * 2 * 8.0 * span * columns,
                                   f"{in_flight} span(s) of {span:,} draws × {columns:,} "
                                   "columns, twice")
    return parts


def _household_bytes(scenario, draws: int, chunk: int, per_tile: int, in_flight: int
                     ) -> dict[str, tuple[float, str]]:
    """A chunk's household arrays in a district, and the per-household draws a tile holds.

    The compounds are computed by size class (those whose household counts have the same
    binary length share an axis padded to the class's most households:
    :func:`~fundmodel.inputs.households.household_structure`), so compound c takes ``W_c``
    household cells, the most households of its class; a tile is counted as the
    ``per_tile`` compounds of the largest ``W_c``, ``N = Σ W_c`` cells. ``household arrays``:
    ``10 + 2K`` arrays ``(draws, N)`` (K decisions: the shares, votes, willingness to pay,
    channels …) and the static ones ``(B + I + 4) × N`` (electorates of every ballot of the
    run, B — one per building of the compound of most buildings for a decision voted by
    building —, charge weights of the I items, and a decision's rows by building);
    ``household draws``: the draws of each input drawn per household that a tile holds at a
    time (:func:`~fundmodel.portfolio.tiles.household_span`, at most a sampling span and the
    run's draws), over the tile's households (the ``per_tile`` compounds of most households),
    × 8 bytes."""
    import numpy as np
    from ..inputs.sampling import input_space
    from .tiles import household_span
    hh = scenario.households
    table = scenario.portfolio.table
    households = np.asarray(table.households, dtype=np.int64)
    bits = np.array([int(h).bit_length() for h in households])
    widest = np.zeros(households.size, dtype=np.int64)
    for n in np.unique(bits):                     # each class's most households
        widest[bits == n] = households[bits == n].max()
    cells = int(np.sort(widest)[::-1][:per_tile].sum())
    most = int(np.nanmax(np.asarray(table.buildings, dtype=float)))
    k = len(hh.decisions)
    ballots = sum(most if d.vote_electorate() == "building" else 1 for d in hh.decisions)
    arrays = 10 + 2 * k
    static = ballots + len(scenario.renovation.items) + 4
    parts = {"household arrays": (
        in_flight * 8.0 * cells * (chunk * arrays + static),
        f"{in_flight} chunk(s) of {chunk:,} draws × {cells:,} household cells (each compound "
        f"padded to its size class's most households) × {arrays} arrays ({k} decision(s)) "
        "× 8 bytes")}
    space = input_space(scenario)
    if space.household_paths:
        tile = np.sort(households)[::-1][:per_tile]
        held = min(household_span(chunk, tile, space), sampling_span(chunk), draws)
        parts["household draws"] = (
            in_flight * 8.0 * held * int(tile.sum()) * len(space.household_paths),
            f"{in_flight} tile(s) × {held:,} draws × {int(tile.sum()):,} households × "
            f"{len(space.household_paths)} input(s) drawn per household × 8 bytes")
    return parts


def _refuse(what: str, parts: dict[str, tuple[float, str]], available: float,
            ways: list[str]) -> ModelError:
    total = sum(b for b, _ in parts.values())
    shown = "; ".join(f"{name} {_bytes_text(b)} ({how})" for name, (b, how) in parts.items()
                      if b >= 2**20)
    return ModelError(f"{what} needs about {_bytes_text(total)} of memory but "
                      f"{_bytes_text(available)} is available: {shown}. Use "
                      + "; or ".join(ways) + ".")


def check_portfolio_size(scenario, draws: int, compounds: int, compounds_per_tile: int,
                         chunk_draws: int, workers: int, n_calendar: int, dims: int,
                         client: bool = False) -> None:
    """Refuse, before anything is allocated, a district run that cannot fit in memory.

    Raises
    ------
    ModelError
        If ``draws`` is above :data:`~fundmodel.io.limits.MAX_DRAWS`, or
        :func:`portfolio_memory_estimate` exceeds the available memory; the message gives the
        estimate and the ways out (fewer draws, ``--draws``; fewer workers, ``--workers``;
        fewer compounds per tile or draws per chunk when the tiles are what is large). Not
        checked when the available memory is unknown.
    """
    if draws > MAX_DRAWS:
        got = f"{draws:,}" if draws < 10**16 else f"a number of {len(str(draws))} digits"
        raise ModelError(f"draws must be at most {MAX_DRAWS:,}, got {got}")
    available = montecarlo._available_memory_bytes()
    if available is None:
        return
    parts = portfolio_memory_estimate(scenario, draws, compounds, compounds_per_tile,
                                      chunk_draws, workers, n_calendar, dims, client)
    if sum(b for b, _ in parts.values()) <= available:
        return
    # the totals and the tiles grow with the draws; a chunk's working set and the sampled
    # span (and a chunk's household arrays and draws) do not
    fixed_parts = ("chunk working set", "sampled inputs", "household arrays", "household draws")
    grows = sum(b for name, (b, _) in parts.items() if name not in fixed_parts) / draws
    fixed = sum(parts.get(name, (0.0, ""))[0] for name in fixed_parts)
    ways = []
    if fixed < available and int((available - fixed) / grows) >= 1:
        ways.append(f"fewer draws (--draws; at most about "
                    f"{int((available - fixed) / grows):,} fit)")
    else:
        ways.append("fewer draws (--draws)")
    if "tiles in flight" in parts and workers > 1:
        ways.append("fewer workers (--workers)")
    pooled = any(getattr(rule, "pooled", False) for rule in scenario.funding)
    if "tiles in flight" in parts and compounds_per_tile > COMPOUND_BLOCK and not pooled:
        ways.append(f"fewer compounds per tile (compounds_per_tile, at least {COMPOUND_BLOCK})")
    if pooled and chunk_draws > 1:       # a pooled package is one tile: only its chunks shrink
        ways.append("fewer draws per chunk (chunk_draws)")
    raise _refuse("this district run", parts, available, ways)


PLAN_BYTES_PER_NONZERO = 1200.0
"""Bytes the phasing solver holds per non-zero of its constraint matrix (the sparse matrix in
scipy, HiGHS's copies, presolve and branch-and-bound): measured, a plan of 20,000 compounds
over 6 years (600,000 non-zeros) peaked 680 MB above the loaded scenario."""


def planning_memory_estimate(scenario, compounds: int, dims: int
                             ) -> dict[str, tuple[float, str]]:
    """Bytes a phasing plan (:func:`~fundmodel.portfolio.plan_portfolio`) needs, by part:
    ``costs`` (the engine on a block of compounds at a time, and the costs of every compound
    by level and construction year, over the robust plan's draws) and ``solver`` (its
    non-zeros: a start variable per compound and plan year, in its own row and in one budget
    row per level and year of works, × :data:`PLAN_BYTES_PER_NONZERO`). When the plan
    chooses tiers (``tiers_allowed`` naming several), a variable per compound, *allowed tier*
    and plan year, and the costs at each of the T tiers used."""
    rules = scenario.portfolio.phasing
    levels = len(GOVERNMENT_LEVELS)
    build = max(1, scenario.construction_years())
    draws = rules.draws if rules.max_overrun_probability is not None else 1
    cell = _engine_bytes_per_cell(scenario, dims)
    options, tiers = compounds, 1
    table = scenario.portfolio.table
    if len(table) == compounds and any(len(t) > 1 for t in table.tiers_allowed):
        options = sum(len(t) for t in table.tiers_allowed)
        tiers = len({t for a in table.tiers_allowed for t in a})
    costs = 8.0 * draws * compounds * tiers * levels * build * 2 + cell * draws * min(
        compounds, COMPOUND_BLOCK)
    nonzeros = options * rules.years * (1 + levels * build)
    what = (f"{compounds:,} compounds" if options == compounds
            else f"{options:,} compound × tier options")
    return {"costs": (costs, f"{draws:,} draw(s) × {compounds:,} compounds × "
                             + (f"{tiers} tiers × " if tiers > 1 else "")
                             + f"{levels} levels × {build} years of works"),
            "solver": (PLAN_BYTES_PER_NONZERO * nonzeros,
                       f"{what} × {rules.years} plan years × "
                       f"{1 + levels * build} rows, {PLAN_BYTES_PER_NONZERO:.0f} bytes each")}


def check_planning_size(scenario, compounds: int, dims: int) -> None:
    """Refuse, before anything is allocated, a phasing plan that cannot fit in memory.

    Raises
    ------
    ModelError
        The estimate (:func:`planning_memory_estimate`) and the ways out: no plan (every
        compound starts in ``start_year``, ``--no-plan``), fewer compounds in the table, or
        fewer ``phasing.draws`` for a robust plan."""
    available = montecarlo._available_memory_bytes()
    if available is None:
        return
    parts = planning_memory_estimate(scenario, compounds, dims)
    if sum(b for b, _ in parts.values()) <= available:
        return
    ways = ["no plan (--no-plan: every compound starts in start_year)",
            "a table of fewer compounds (plan a part of the district at a time)"]
    if scenario.portfolio.phasing.max_overrun_probability is not None:
        ways.append("fewer portfolio.phasing.draws")
    raise _refuse(f"the phasing plan of {compounds:,} compounds", parts, available, ways)
