"""Draws for a Monte Carlo run: uniform numbers per block, correlation, inverse CDFs.

Draws are grouped in fixed blocks of :data:`BLOCK_SIZE`: block ``b`` holds draws
``b·BLOCK_SIZE .. (b + 1)·BLOCK_SIZE − 1``, and the last block of a run of N draws holds
``N mod BLOCK_SIZE`` draws if that is not 0 (a *partial* block). Each block is an independent
replicate of its sampler's design:

- ``random``: pseudo-random numbers from ``SeedSequence(seed, spawn_key=(b,))`` (PCG64);
- ``lhs``: a Latin hypercube of the block's own size, from the same stream, so a partial block
  is stratified too (one point in each of its ``m`` strata per input);
- ``sobol``: the first points of a Sobol sequence scrambled (LMS and digital shift) by
  ``SeedSequence(seed, spawn_key=(2**31 − 1, b))``, a scrambling of its own for every block.

Iman–Conover reordering is built within a block over its actual rows.

An input drawn for every household separately (a decision's willingness to pay, see
:func:`fundmodel.scenario.households.is_per_household`) has no column in that matrix: its
uniforms are pseudo-random, from a stream of its own per input path and block,
``SeedSequence(seed, spawn_key=(2**31 − 2, crc32(path), b))``, whose numbers are laid out
household after household (:func:`household_uniforms`). Household h's values in block b are
thus a function of ``(seed, path, b, h)`` only: never of the chunk size, the workers, the
sampler, the other inputs or the number of households after it. Because the blocks are
independent, their means are independent estimates of the same mean, which is how
:mod:`fundmodel.run.montecarlo` gives honest standard errors for ``lhs`` and ``sobol``.

Reproducibility contract: the values of block ``b`` are a pure function of ``(scenario, seed,
sampler, b, size of block b)``. Hence they do not depend on the chunk size or on how many
workers compute chunks. As for the number of draws asked for:

- ``random``: a partial block is the first rows of the full block, so the first N draws of any
  longer run are exactly the draws of a run of N;
- ``lhs`` and ``sobol``: the draws in the full blocks of a run of N (the first
  ``⌊N / BLOCK_SIZE⌋·BLOCK_SIZE``) are the same in every run of N or more draws; the draws of its
  partial last block, built for its size, are not those of a longer run (unless N is a multiple
  of :data:`BLOCK_SIZE`).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np

from ..stats.induced_correlation import (correlation_problem, iman_conover, nearest_correlation,
                                         spearman_to_pearson)
from .draws import uncertain_inputs
from ..scenario import Scenario
from ..scenario.households import is_per_household
from ..io.paths import Path, format_path

__all__ = ["BLOCK_SIZE", "Sampler", "InputSpace", "input_space", "block_uniforms", "block_size",
           "sample_values", "household_uniforms", "district_household_values",
           "compound_uniforms", "compound_key"]

BLOCK_SIZE = 4096
"""Draws per random-stream block (fixed: changing it changes the draws)."""

Sampler = Literal["random", "lhs", "sobol"]

_SOBOL_KEY = 2**31 - 1  # first spawn key of the Sobol scrambling streams (never a block index)
_HOUSEHOLD_KEY = 2**31 - 2  # first spawn key of the per-household streams
_COMPOUND_KEY = 2**31 - 3   # first spawn key of the per-compound streams (and their factor)
_TINY = 2.0**-54        # uniforms are kept in [_TINY, 1 − _TINY] so inverse CDFs stay finite


@dataclass(frozen=True)
class InputSpace:
    """The uncertain inputs of a scenario laid out as columns of a uniform matrix.

    Attributes
    ----------
    paths : list of Path
        Each distribution's path, in the order of the scenario.
    dists : list
        The distributions.
    widths : list of int
        Columns per input: 1, or ``horizon_years`` for a distribution drawn each year.
    offsets : list of int
        First column of each input.
    corr_columns : list of int
        Columns of the correlated inputs, in the order of the correlation matrix.
    corr_matrix : ndarray or None
        Target rank-correlation matrix (repaired if the scenario allowed it).
    corr_method : str
    warnings : list of str
        Things the user should know (e.g. a repaired matrix).
    household_paths, household_dists : list
        The inputs drawn for every household separately (no column in the uniform matrix;
        see :func:`household_uniforms`), and their distributions.
    households : int
        Households of the scenario's ``households`` section (0 without one, and in a
        district, whose compounds each have their own count).
    household_key : (int, int) or None
        The one compound's key (:func:`compound_key` of its ``id``) when it has an ``id``:
        its households' streams are then its own, as in a district (None: no id).
    compound_paths, compound_dists, compound_widths : list
        A portfolio's inputs drawn for every compound separately (no column in the uniform
        matrix; see :func:`compound_uniforms`), their distributions and widths.
    compound_correlation : float
        The one-factor correlation between compounds of those inputs.
    """

    paths: list[Path]
    dists: list
    widths: list[int]
    offsets: list[int]
    corr_columns: list[int] = field(default_factory=list)
    corr_matrix: np.ndarray | None = None
    corr_method: str = "gaussian_copula"
    warnings: list[str] = field(default_factory=list)
    household_paths: list[Path] = field(default_factory=list)
    household_dists: list = field(default_factory=list)
    households: int = 0
    household_key: tuple[int, int] | None = None
    compound_paths: list[Path] = field(default_factory=list)
    compound_dists: list = field(default_factory=list)
    compound_widths: list[int] = field(default_factory=list)
    compound_correlation: float = 0.0

    @property
    def dims(self) -> int:
        """Number of uniform columns."""
        return self.offsets[-1] + self.widths[-1] if self.widths else 0


def input_space(scenario: Scenario) -> InputSpace:
    """Lay out the scenario's uncertain inputs (see :class:`InputSpace`)."""
    inputs = uncertain_inputs(scenario)
    by_compound = set(scenario.per_compound_paths())
    paths = [p for p in inputs if not is_per_household(p) and p not in by_compound]
    dists = [inputs[p] for p in paths]
    per_household = {
        "household_paths": [p for p in inputs if is_per_household(p)],
        "household_dists": [d for p, d in inputs.items() if is_per_household(p)],
        "households": (0 if scenario.households is None or scenario.portfolio is not None
                       else sum(sum(b.units()) for b in scenario.household_buildings()[0])),
        "household_key": (None if scenario.portfolio is not None or scenario.compound is None
                          or scenario.compound.id is None
                          else compound_key(scenario.compound.id)),
        "compound_paths": [p for p in inputs if p in by_compound],
        "compound_dists": [d for p, d in inputs.items() if p in by_compound],
        "compound_widths": [scenario.horizon_years if d.each_year else 1
                            for p, d in inputs.items() if p in by_compound],
        "compound_correlation": (0.0 if scenario.portfolio is None
                                 else float(scenario.portfolio.compound_correlation))}
    widths = [scenario.horizon_years if d.each_year else 1 for d in dists]
    offsets = [int(x) for x in np.concatenate([[0], np.cumsum(widths)[:-1]])] if widths else []
    corr = scenario.simulation.correlations
    if corr is None:
        return InputSpace(paths, dists, widths, offsets, **per_household)
    warnings = []
    matrix = np.array(corr.matrix, dtype=float)
    problem = correlation_problem(matrix)
    if problem:  # only a non-positive-definite matrix with repair: true gets this far
        repaired = nearest_correlation(spearman_to_pearson(matrix))
        # back to rank correlations: ρ_s = (6/π) arcsin(ρ / 2)
        matrix = 6.0 / np.pi * np.arcsin(repaired / 2.0)
        np.fill_diagonal(matrix, 1.0)
        names = ", ".join(corr.inputs)
        warnings.append(f"simulation.correlations.matrix was not positive definite; the nearest "
                        f"valid matrix is used for [{names}]: "
                        f"{np.array2string(matrix, precision=3, separator=', ')}")
    columns = [offsets[paths.index(p)] for p in scenario.correlated_paths()]
    return InputSpace(paths, dists, widths, offsets, columns, matrix, corr.method, warnings,
                      **per_household)


def clip_uniforms(u: np.ndarray) -> np.ndarray:
    return np.clip(u, _TINY, 1.0 - _TINY, out=u)


def block_uniforms(space: InputSpace, seed: int, sampler: Sampler, block: int,
                   size: int = BLOCK_SIZE) -> np.ndarray:
    """Uniform numbers of one block, shape ``(size, space.dims)``, correlated as the scenario
    asks.

    ``size`` (1..BLOCK_SIZE) is the number of draws in the block: ``BLOCK_SIZE`` except in the
    partial last block of a run. A Latin hypercube, a Sobol prefix and Iman–Conover reordering
    are built for ``size`` draws; ``random`` gives the first ``size`` rows of the full block.
    """
    if not 1 <= size <= BLOCK_SIZE:  # pragma: no cover - guarded by sample_values
        raise ValueError(f"block size must be in 1..{BLOCK_SIZE}, got {size}")
    dims = space.dims
    if dims == 0:
        return np.empty((size, 0))
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))
    rows = size
    if sampler == "random":
        rows = BLOCK_SIZE  # build the whole block, keep its first rows: prefixes agree
        u = rng.random((BLOCK_SIZE, dims))
    elif sampler == "lhs":
        from scipy.stats import qmc  # here, not at import: scipy.stats takes ~0.5 s to load
        u = qmc.LatinHypercube(d=dims, rng=rng).random(size)
    elif sampler == "sobol":
        from scipy.stats import qmc
        scramble = np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(seed, spawn_key=(_SOBOL_KEY, block))))
        # the whole 2^12-point sequence (a power of two, no warning), then its first points
        u = qmc.Sobol(d=dims, scramble=True, rng=scramble).random(BLOCK_SIZE)[:size]
    else:  # pragma: no cover - guarded by the scenario model and simulate()
        raise ValueError(f"unknown sampler {sampler!r}")
    u = clip_uniforms(np.ascontiguousarray(u, dtype=float))
    if space.corr_matrix is not None:
        cols = space.corr_columns
        if space.corr_method == "iman_conover":
            normals = rng.standard_normal((rows, len(cols)))
            u[:, cols] = iman_conover(u[:, cols], space.corr_matrix, normals)
        else:
            from scipy.special import ndtr, ndtri  # Φ and Φ⁻¹, as scipy.stats.norm computes them
            chol = np.linalg.cholesky(spearman_to_pearson(space.corr_matrix))
            z = ndtri(u[:, cols]) @ chol.T
            u[:, cols] = clip_uniforms(ndtr(z))
    return u[:size]


def household_uniforms(seed: int, path: Path, block: int, size: int,
                       households: int, compound: tuple[int, int] | None = None,
                       window: tuple[int, int] | None = None) -> np.ndarray:
    """Uniform numbers of a per-household input in one block, shape ``(size, households)``.

    The stream ``SeedSequence(seed, spawn_key=(2**31 − 2, crc32(path), block))`` (PCG64) is
    read household after household, :data:`BLOCK_SIZE` numbers each, and a block of ``size``
    draws keeps the first ``size`` of every household's numbers: household h's value in draw
    ``block·BLOCK_SIZE + j`` depends only on ``(seed, path, block, h, j)``. Always
    pseudo-random (a Latin hypercube or Sobol design over hundreds of households would add
    nothing to the tally of independent votes). A compound with an id (every compound of a
    district; ``compound`` its :func:`compound_key`) has streams of its own,
    ``spawn_key=(2**31 − 2, crc32(path), key_c, block)``: the households of two compounds are
    different people, and a compound's draws are the same in the district and alone.

    ``window`` ``(lo, hi)``: only draws ``lo .. hi − 1`` of the block, ``(hi − lo,
    households)``, the same numbers, read by advancing the stream past the others (a loop over
    the households, about a microsecond each): a district holds a few hundred draws of its
    households at a time, not a block's.
    """
    key = zlib.crc32(format_path(path).encode("utf-8"))
    spawn = (_HOUSEHOLD_KEY, key, block) if compound is None else \
        (_HOUSEHOLD_KEY, key, *compound, block)
    bits = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn))
    rng = np.random.Generator(bits)
    if window is None:
        u = rng.random((households, BLOCK_SIZE))[:, :size]
        return clip_uniforms(np.ascontiguousarray(u.T))
    return _window(bits, rng, households, size, window).T


def _window(bits, rng, households: int, size: int, window: tuple[int, int]) -> np.ndarray:
    """Draws ``lo .. hi − 1`` of every household's numbers in a block, household after
    household, ``(households, hi − lo)`` clipped (see :func:`household_uniforms`)."""
    lo, hi = window
    if not 0 <= lo < hi <= size:
        raise ValueError(f"need 0 ≤ lo < hi ≤ {size}, got {lo}, {hi}")
    u = np.empty((households, hi - lo))
    if households:
        bits.advance(lo)              # a double is one 64-bit output of the generator
    for h in range(households):
        if h:
            bits.advance(BLOCK_SIZE - (hi - lo))
        rng.random(out=u[h])
    return clip_uniforms(u)


def compound_key(compound_id: str) -> tuple[int, int]:
    """A compound's key in its random streams: the first 8 bytes of the BLAKE2b hash of its
    id, as two 32-bit words. So its draws depend on its id, never on its row in the table or
    on the other compounds."""
    import hashlib
    digest = hashlib.blake2b(compound_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


def compound_uniforms(seed: int, path: Path, block: int, size: int, keys: list[tuple[int, int]],
                      correlation: float = 0.0, width: int = 1) -> np.ndarray:
    """Uniform numbers of a per-compound input in one block, shape ``(size, C)`` (or
    ``(size, C, width)``), for the compounds of ``keys`` (:func:`compound_key`).

    Compound c's numbers come from ``SeedSequence(seed, spawn_key=(2**31 − 3, crc32(path),
    key_c, block))`` (PCG64), ``BLOCK_SIZE × width`` of them of which a block of ``size``
    draws keeps the first rows: a function of ``(seed, path, compound id, block)`` only. With
    a correlation ρ > 0 the normal scores are ``√ρ·Z + √(1 − ρ)·Z_c`` where the district's
    ``Z`` comes from ``SeedSequence(seed, spawn_key=(2**31 − 3, crc32(path), block))``: every
    pair of compounds has correlation ρ between their normal scores. Always pseudo-random.
    """
    path_key = zlib.crc32(format_path(path).encode("utf-8"))
    u = np.empty((size, len(keys), width))
    for c, key in enumerate(keys):     # one stream per compound: its draws are its own
        rng = np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(seed, spawn_key=(_COMPOUND_KEY, path_key, *key, block))))
        u[:, c] = rng.random((BLOCK_SIZE, width))[:size]
    if correlation > 0.0:
        from scipy.special import ndtr, ndtri
        rng = np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(seed, spawn_key=(_COMPOUND_KEY, path_key, block))))
        common = rng.standard_normal((BLOCK_SIZE, 1, width))[:size]
        z = np.sqrt(correlation) * common + np.sqrt(1.0 - correlation) * ndtri(clip_uniforms(u))
        u = ndtr(z)
    u = clip_uniforms(u)
    return u[..., 0] if width == 1 else u


def block_size(block: int, draws: int) -> int:
    """Number of draws in block ``block`` of a run of ``draws`` draws (the last may be
    partial)."""
    return min(BLOCK_SIZE, draws - block * BLOCK_SIZE)


def sample_values(space: InputSpace, seed: int, sampler: Sampler, start: int,
                  stop: int, draws: int | None = None,
                  compound_ids: Sequence[str] | None = None,
                  compound_households: Sequence[int] | None = None,
                  households: bool = True) -> dict[Path, np.ndarray]:
    """Values of every uncertain input for draws ``start .. stop − 1`` of a run of ``draws``.

    ``draws`` (default ``stop``: this range ends the run) sets the size of the last block, which
    ``lhs`` and ``sobol`` build for its actual size. Returns a mapping from path to an array
    ``(stop − start,)``, or ``(stop − start, years)`` for inputs drawn each year, or
    ``(stop − start, households)`` for inputs drawn per household, or
    :class:`~fundmodel.inputs.shapes.ByCompound` ``(stop − start, C)`` for a portfolio's
    inputs drawn per compound, C the compounds of ``compound_ids``; ready for
    :func:`fundmodel.inputs.draws.realise`. In a district (``compound_households``: each
    compound's households), an input drawn per household is a :class:`ByCompound`
    :class:`~fundmodel.inputs.shapes.ByHousehold` ``(stop − start, Σ_c H_c)``, each
    compound's households from its own stream (:func:`district_household_values`).
    ``households`` False: no input drawn per household (a district's tile draws them a few
    hundred draws at a time).
    """
    draws = stop if draws is None else draws
    if not 0 <= start < stop <= draws:
        raise ValueError(f"need 0 ≤ start < stop ≤ draws, got {start}, {stop}, {draws}")
    first, last = start // BLOCK_SIZE, math.ceil(stop / BLOCK_SIZE)
    u = np.concatenate([block_uniforms(space, seed, sampler, b, block_size(b, draws))
                        for b in range(first, last)])
    u = u[start - first * BLOCK_SIZE: stop - first * BLOCK_SIZE]
    out = {}
    for path, dist, width, off in zip(space.paths, space.dists, space.widths, space.offsets):
        cols = u[:, off] if width == 1 else u[:, off:off + width]
        values = np.asarray(dist.ppf(cols), dtype=float)
        if not np.all(np.isfinite(values)):  # pragma: no cover - guarded by clipping
            raise FloatingPointError(f"non-finite draw for {format_path(path)}")
        out[path] = values
    if compound_households is not None and households:
        out.update(district_household_values(space, seed, start, stop, draws, compound_ids,
                                             compound_households))
    for path, dist in zip(space.household_paths, space.household_dists):
        if compound_households is not None or not households:
            continue
        u = np.concatenate([household_uniforms(seed, path, b, block_size(b, draws),
                                               space.households, space.household_key)
                            for b in range(first, last)])
        values = np.asarray(dist.ppf(u[start - first * BLOCK_SIZE: stop - first * BLOCK_SIZE]),
                            dtype=float)
        if not np.all(np.isfinite(values)):  # pragma: no cover - guarded by clipping
            raise FloatingPointError(f"non-finite draw for {format_path(path)}")
        out[path] = values  # (draws, households)
    if space.compound_paths:
        if compound_ids is None:
            raise ValueError("inputs drawn per compound need the compounds' ids")
        from .shapes import ByCompound
        keys = [compound_key(i) for i in compound_ids]
        lo, hi = start - first * BLOCK_SIZE, stop - first * BLOCK_SIZE
        for path, dist, width in zip(space.compound_paths, space.compound_dists,
                                     space.compound_widths):
            u = np.concatenate([compound_uniforms(seed, path, b, block_size(b, draws), keys,
                                                  space.compound_correlation, width)
                                for b in range(first, last)])[lo:hi]
            values = np.asarray(dist.ppf(u), dtype=float)
            if not np.all(np.isfinite(values)):  # pragma: no cover - guarded by clipping
                raise FloatingPointError(f"non-finite draw for {format_path(path)}")
            out[path] = ByCompound(values)  # (draws, compounds[, years])
    return out


def district_household_values(space: InputSpace, seed: int, start: int, stop: int,
                              draws: int, compound_ids: Sequence[str],
                              compound_households: Sequence[int],
                              out: dict | None = None) -> dict:
    """The inputs drawn per household of a district's compounds for draws ``start .. stop −
    1`` of a run of ``draws``: path → :class:`~fundmodel.inputs.shapes.ByHousehold`
    ``(stop − start, Σ_c H_c)``, compound c's households (``compound_households[c]`` of them)
    from its own stream (:func:`household_uniforms`, keyed by its id), compound after
    compound, no padding (:func:`household_uniforms`' window, household-major, then the
    inverse CDF compound by compound). ``out``: arrays of at least ``stop − start`` rows by
    path, written in place (a tile reuses them, rather than have the system map fresh pages
    for every few hundred draws)."""
    from .shapes import ByHousehold
    counts = np.array([int(h) for h in compound_households], dtype=np.int64)
    ends = np.cumsum(counts)
    keys = [compound_key(i) for i in compound_ids]
    first, last = start // BLOCK_SIZE, math.ceil(stop / BLOCK_SIZE)
    values_of = {}
    for path, dist in zip(space.household_paths, space.household_dists):
        path_key = zlib.crc32(format_path(path).encode("utf-8"))   # as household_uniforms
        width = int(ends[-1]) if counts.size else 0
        reuse = out is not None and path in out and out[path].shape[0] >= stop - start
        # laid out household-major (each compound's numbers one block), seen draw-major
        values = out[path][:stop - start] if reuse else np.empty((width, stop - start)).T
        for b in range(first, last):
            lo = max(start, b * BLOCK_SIZE) - b * BLOCK_SIZE
            hi = min(stop, (b + 1) * BLOCK_SIZE) - b * BLOCK_SIZE
            rows = slice(b * BLOCK_SIZE + lo - start, b * BLOCK_SIZE + hi - start)
            size = block_size(b, draws)
            for key, n, end in zip(keys, counts, ends):     # one stream per compound
                bits = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(
                    _HOUSEHOLD_KEY, path_key, *key, b)))
                x = dist.ppf(_window(bits, np.random.Generator(bits), int(n), size, (lo, hi)))
                if not np.all(np.isfinite(x)):  # pragma: no cover - guarded by clipping
                    raise FloatingPointError(f"non-finite draw for {format_path(path)}")
                values[rows, end - n:end] = x.T
        values_of[path] = ByHousehold(values, counts)
    return values_of
