"""The figure every chart is drawn on: a matplotlib :class:`~matplotlib.figure.Figure` that a
notebook shows by itself (``_repr_png_``), without pyplot or ``%matplotlib inline``.

matplotlib is imported here: this module is imported by :func:`.style.new_axes` only.
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .png import figure_png

__all__ = ["ChartFigure", "new_figure"]


class ChartFigure(Figure):
    """A Figure on the Agg canvas that displays in Jupyter as a PNG (:meth:`_repr_png_`);
    otherwise a plain Figure (``savefig``, ``add_subplot`` ...)."""

    def _repr_png_(self) -> bytes:
        """The figure as PNG bytes at :data:`fundmodel.plots.png.CHART_DPI` (IPython's display)."""
        return figure_png(self)


def new_figure(figsize: tuple[float, float]) -> ChartFigure:
    """A new chart figure of ``figsize`` inches, laid out by matplotlib's constrained layout,
    with its Agg canvas (no pyplot, no global figure manager: freed with its last
    reference)."""
    fig = ChartFigure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig
