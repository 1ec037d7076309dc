"""How the scenario is run: draws, seed, sampler, chunking, correlations."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from ..stats.induced_correlation import correlation_problem
from .base import ScenarioModel, fail
from .distributions import PointEstimate
from .ranges import bounded
from ..io.limits import MAX_CORRELATED, MAX_DRAWS

__all__ = ["Simulation", "Correlations", "SAMPLERS", "DEFAULT_CHUNK_SIZE"]

SAMPLERS = ("random", "lhs", "sobol")
DEFAULT_CHUNK_SIZE = 16_384


class Correlations(ScenarioModel):
    """Rank (Spearman) correlations between uncertain inputs.

    ``inputs`` names distributions by their dotted path (``renovation.contingency``,
    ``renovation.items[roof waterproofing].unit_cost``); ``matrix[i][j]`` is the target rank
    correlation between inputs i and j.
    """

    inputs: list[str] = Field(min_length=2, max_length=MAX_CORRELATED)
    """Dotted paths of the correlated inputs (each must be a distribution)."""
    matrix: list[Annotated[list[float], Field(max_length=MAX_CORRELATED)]] = Field(
        max_length=MAX_CORRELATED)
    """Rank-correlation matrix: symmetric, unit diagonal, positive definite."""
    method: Literal["gaussian_copula", "iman_conover"] = "gaussian_copula"
    """How the correlation is induced."""
    repair: bool = False
    """Replace a matrix that is not positive definite by the nearest one that is (with a
    warning in the result) instead of rejecting it."""

    @model_validator(mode="after")
    def _check_matrix(self) -> "Correlations":
        k = len(self.inputs)
        if len(self.matrix) != k:
            raise fail(f"the matrix has {len(self.matrix)} rows for {k} inputs", "matrix")
        for i, row in enumerate(self.matrix):
            if len(row) != k:
                raise fail(f"row {i} has {len(row)} entries for {k} inputs", "matrix", i)
        problem = correlation_problem(np.array(self.matrix))
        if problem and not (self.repair and "positive definite" in problem):
            hint = "; set repair: true to use the nearest valid matrix" if "positive" in problem else ""
            raise fail(problem + hint, "matrix")
        return self


class Simulation(ScenarioModel):
    """Settings of a Monte Carlo run (and the point estimate of a deterministic one)."""

    draws: bounded(int, ge=1, le=MAX_DRAWS, reason="at a million draws a second, more would "
                   "run for weeks") = 10_000
    """Number of Monte Carlo draws, at most 1e12 (more would run for weeks)."""
    seed: int | None = Field(default=None, ge=0)
    """Seed of the random streams (None: a fresh seed each run, reported in the result)."""
    sampler: Literal["random", "lhs", "sobol"] = "random"
    """Pseudo-random, Latin hypercube (per block of draws), or scrambled Sobol."""
    chunk_size: bounded(int, ge=1, le=MAX_DRAWS, reason="the bound on draws") = DEFAULT_CHUNK_SIZE
    """Draws computed at once, at most 1e12; changes memory and speed, never the results (a
    chunk too large for the machine's memory is refused when the run starts)."""
    keep_draws: bool = True
    """Keep the per-draw metrics table (else statistics are computed by streaming)."""
    keep_yearly: bool = False
    """Keep the per-draw yearly paths (memory: draws × years × lines)."""
    point_estimate: PointEstimate = "mean"
    """What a deterministic run takes for each distribution: its mean, median or mode."""
    correlations: Correlations | None = None
    """Rank correlations between inputs."""
