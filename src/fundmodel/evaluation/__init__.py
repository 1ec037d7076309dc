"""The financial evaluation a bond or a programme must pass (一案两书): stress tests, break-even
shocks and the chance of a cover below its threshold (docs/bond-evaluation.md)."""

from .stress import (COVER_METRICS, STANDARD_GRID, StressShock, break_even, cover_below,
                     debt_labels, stress_grid)

__all__ = ["COVER_METRICS", "STANDARD_GRID", "StressShock", "break_even", "cover_below",
           "debt_labels", "stress_grid"]
