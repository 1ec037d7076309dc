"""How the scenario is run: number of draws, seed, point estimate of a deterministic run."""

from __future__ import annotations

from pydantic import Field

from .base import ScenarioModel
from .distributions import PointEstimate

__all__ = ["Simulation"]


class Simulation(ScenarioModel):
    """Settings of a run."""

    draws: int = Field(default=10_000, ge=1)
    """Number of Monte Carlo draws."""
    seed: int | None = Field(default=None, ge=0)
    """Seed of the random streams (None: a fresh seed each run, not reproducible)."""
    point_estimate: PointEstimate = "mean"
    """What a deterministic run takes for each distribution: its mean, median or mode."""
