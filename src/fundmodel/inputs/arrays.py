"""Shapes for the compile step: scenario values as engine arrays ``(draw, compound, ...)``."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["stack", "rules_at"]


def _dc(value: Any, default: float | None = 0.0) -> np.ndarray | None:
    """A scenario value as ``(D|1, C=1)`` or ``(D|1, 1, T)``; None → ``default``."""
    if value is None:
        if default is None:
            return None
        value = default
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a[:, None]
    return a[:, None, :]


def stack(values: list[Any], default: float = 0.0) -> np.ndarray:
    """Per-item (or per-rule) values stacked on a last axis: ``(D|1, 1, K)``."""
    cols = [_dc(v, default) for v in values]
    if not cols:
        return np.zeros((1, 1, 0))
    draws = max(c.shape[0] for c in cols)
    return np.stack([np.broadcast_to(c, (draws, 1)) for c in cols], axis=-1)


def rules_at(scenario: Any, indexes) -> tuple[list, tuple[str, ...]]:
    """The funding rules at ``indexes`` of ``scenario.funding`` and their labels, in order."""
    every_label = scenario.funding_labels()
    return [scenario.funding[r] for r in indexes], tuple(every_label[r] for r in indexes)
