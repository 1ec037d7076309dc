"""Charts of a run, drawn with matplotlib's object-oriented API on the Agg canvas.

``result.plot.fan()``, ``result.plot.waterfall()``... return a
:class:`matplotlib.figure.Figure` (or draw into the ``ax`` given); nothing global is touched —
no pyplot, no ``rcParams`` — and matplotlib is imported on the first chart, not by ``import
fundmodel``. Every chart takes ``lang`` ("en" or "zh"): its title, axis labels and legend come
from :mod:`fundmodel.labels`; with "zh" an installed font with Chinese glyphs is used for that
figure's text (:mod:`.fonts`), and without one the chart is drawn in English, with one logged
warning. See ``docs/charts.md``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from . import style as _style
from .png import CHART_DPI, figure_png

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..portfolio import PortfolioResult
    from ..results.result import Result

__all__ = ["ResultPlots", "PortfolioPlots", "figure_png", "write_charts", "CHART_DPI"]


class ResultPlots:
    """The charts of one compound's run: ``result.plot`` (:class:`fundmodel.Result`)."""

    def __init__(self, result: "Result"):
        self._result = result

    def __repr__(self) -> str:
        return f"<charts of {self._result!r}>"

    def fan(self, line: str = "cumulative_balance", lang: str = "en",
            ax: "Axes | None" = None) -> "Figure":
        """A yearly line (``cumulative_balance``, ``operating_surplus``, ...) over the calendar
        years: the mean with its 5–95 % and 25–75 % bands over the draws
        (:meth:`Result.yearly_bands`), CNY; for one draw, the line alone.

        Raises :class:`fundmodel.errors.ModelError` for a line without bands in this run (only
        ``operating_surplus`` and ``cumulative_balance`` have them unless the run kept its
        yearly paths, ``simulate(..., keep_yearly=True)``).
        """
        from .result import fan

        return fan(self._result, _style.make_style(lang), ax, line)

    def waterfall(self, lang: str = "en", ax: "Axes | None" = None) -> "Figure":
        """The funding sources in the order applied, stacked up to the renovation cost, the gap
        left in red and the cost as the last bar; each bar labelled with its amount and share
        of the cost (means over the draws, from :meth:`Result.funding` and :meth:`Result.items`).
        """
        from .result import waterfall

        return waterfall(self._result, _style.make_style(lang), ax)

    def histogram(self, metric: str = "funding_gap", lang: str = "en",
                  ax: "Axes | None" = None) -> "Figure":
        """Histogram of a metric over the draws, its mean and 5 % / 95 % quantiles marked
        (those of :meth:`Result.summary`); draws where the metric is undefined (NaN) are left
        out and counted in the note under the title.

        Raises :class:`fundmodel.errors.FundmodelError` for a deterministic result or a run
        that did not keep its per-draw metrics: run ``simulate`` with draws.
        """
        from .result import histogram

        return histogram(self._result, _style.make_style(lang), ax, metric)

    def cdf(self, metric: str = "breakeven_fee_rate", lang: str = "en",
            ax: "Axes | None" = None) -> "Figure":
        """Empirical cumulative distribution of a metric over the draws (share of draws at or
        below each value), marked and restricted as :meth:`histogram`."""
        from .result import cdf

        return cdf(self._result, _style.make_style(lang), ax, metric)

    def tornado(self, table: "pd.DataFrame", lang: str = "en",
                ax: "Axes | None" = None) -> "Figure":
        """A tornado chart of a sensitivity table: one bar per input (index: its path), from
        ``base`` (the metric at the point estimates) to ``metric_low`` and ``metric_high``
        (the metric with the input at its 10 % and 90 % quantile, ``low_value`` /
        ``high_value``), the largest ``swing`` on top (15 at most); ``table.attrs["metric"]``
        names the metric. Raises FundmodelError if a column is missing."""
        from .result import tornado

        return tornado(self._result, _style.make_style(lang), ax, table)

    def parties(self, lang: str = "en", ax: "Axes | None" = None) -> "Figure":
        """Each party's net cash flow (received − paid) by calendar year as stacked bars, from
        :meth:`Result.cashflows` (means over the draws), CNY; the seven largest parties by
        name, the others together."""
        from .result import parties

        return parties(self._result, _style.make_style(lang), ax)

    def charts(self, lang: str = "en", tornado: "pd.DataFrame | None" = None
               ) -> dict[str, "Figure"]:
        """Every chart that applies to the run, by file stem: ``fan_cumulative_balance``,
        ``fan_operating_surplus``, ``waterfall``, ``parties`` always;
        ``histogram_funding_gap`` and ``cdf_breakeven_fee_rate`` when the per-draw metrics
        were kept (a Monte Carlo run); ``tornado`` when a sensitivity table is given. The
        language is resolved once (one warning at most)."""
        from . import result as charts

        r = self._result
        s = _style.make_style(lang)
        out = {f"fan_{line}": charts.fan(r, s, None, line)
               for line in ("cumulative_balance", "operating_surplus")}
        out["waterfall"] = charts.waterfall(r, s, None)
        out["parties"] = charts.parties(r, s, None)
        if r.has_draws and not r.is_deterministic:
            out["histogram_funding_gap"] = charts.histogram(r, s, None, "funding_gap")
            out["cdf_breakeven_fee_rate"] = charts.cdf(r, s, None, "breakeven_fee_rate")
        if tornado is not None:
            out["tornado"] = charts.tornado(r, s, None, tornado)
        return out


class PortfolioPlots:
    """The charts of a district run: ``result.plot``
    (:class:`fundmodel.portfolio.PortfolioResult`)."""

    def __init__(self, result: "PortfolioResult"):
        self._result = result

    def plan(self, lang: str = "en", ax: "Axes | None" = None) -> "Figure":
        """Households (bars) and compounds (labels) whose works start in each calendar year:
        the start years the run was made with, e.g. a phasing plan's ``start_year``."""
        from .portfolio import plan

        return plan(self._result, _style.make_style(lang), ax)

    def outlay(self, lang: str = "en", ax: "Axes | None" = None) -> "Figure":
        """Fiscal outlay by level of government and calendar year: mean (line) and 5–95 %
        band over the draws (:meth:`PortfolioResult.outlay`), CNY."""
        from .portfolio import outlay

        return outlay(self._result, _style.make_style(lang), ax)

    def charts(self, lang: str = "en") -> dict[str, "Figure"]:
        """Both charts, by file stem: ``plan`` and ``outlay``."""
        from . import portfolio as charts

        s = _style.make_style(lang)
        return {"plan": charts.plan(self._result, s, None),
                "outlay": charts.outlay(self._result, s, None)}


def write_charts(figures: Mapping[str, "Figure"], out_dir: str | os.PathLike,
                 record: Mapping[str, Any], *, dpi: float = CHART_DPI) -> list[Path]:
    """Write ``<name>.png`` for every figure and ``run.json`` (``record`` with ``files`` set to
    the names written) into ``out_dir`` as one set, atomically
    (:func:`fundmodel.export.write_table_set`: all the files appear, or none; the charts of an
    earlier run there that this one does not draw are removed). Returns the paths written."""
    from ..export import RUN_RECORD, write_table_set

    files = {f"{name}.png": figure_png(fig, dpi) for name, fig in figures.items()}
    record = {**record, "files": [*files, RUN_RECORD]}
    return write_table_set({}, record, out_dir, files=files)
