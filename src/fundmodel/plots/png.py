"""Figures as PNG bytes (no matplotlib import here: the figure renders itself)."""

from __future__ import annotations

import io
from typing import Any

__all__ = ["CHART_DPI", "figure_png"]

CHART_DPI = 100
"""Resolution of the charts written as PNG and shown in notebooks (dots per inch)."""


def figure_png(fig: Any, dpi: float = CHART_DPI) -> bytes:
    """A figure as PNG bytes, rendered by Agg."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
