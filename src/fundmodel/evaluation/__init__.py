"""The financial evaluation a bond or a programme must pass (一案两书): stress tests, break-even
shocks, the chance of a cover below its threshold and the inputs that drive it
(docs/bond-evaluation.md)."""

from .checks import debt_checks
from .debts import cover_basis, debt_labels, pooled_debts
from .reverse import ReverseStress, prim_box, reverse_stress
from .stress import (COVER_METRICS, STANDARD_GRID, StressShock, break_even, cover_below,
                     stress_grid)

__all__ = ["COVER_METRICS", "STANDARD_GRID", "StressShock", "break_even", "cover_below",
           "debt_labels", "stress_grid", "ReverseStress", "prim_box", "reverse_stress",
           "cover_basis", "debt_checks", "pooled_debts"]
