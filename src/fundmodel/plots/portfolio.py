"""Charts of a district run (:class:`fundmodel.portfolio.PortfolioResult`): the phased plan and
the fiscal outlay by level of government; entry points are the methods of
:class:`fundmodel.plots.PortfolioPlots`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import labels
from . import style as st

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..portfolio import PortfolioResult

__all__ = ["plan", "outlay"]


def _draws_note(result: "PortfolioResult", s: st.Style) -> str:
    draws = result.info.get("draws")
    return s.chart("point_estimates") if draws is None else s.chart("draws", n=int(draws))


def plan(result: "PortfolioResult", s: st.Style, ax: "Axes | None") -> "Figure":
    """Households whose compound's works start in each calendar year (bars), each bar labelled
    with its number of compounds: the start years the run was made with (``start_years`` of
    :func:`~fundmodel.portfolio.simulate_portfolio`, e.g. a phasing plan's); compounds left out
    of the plan are not in the run and not counted."""
    frame = result.compounds
    by_year = frame.groupby("start_year").agg(households=("households", "sum"),
                                              compounds=("households", "size"))
    fig, ax = st.new_axes(ax)
    years = by_year.index.to_numpy(dtype=int)
    households = by_year["households"].to_numpy(dtype=float)
    ax.bar(years, households, color=st.BLUE, width=0.6)
    for year, h, c in zip(years, households, by_year["compounds"]):
        ax.annotate(s.chart("compounds_started", n=int(c)), (year, h), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom",
                    **s.text(size="small"))
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlim(years.min() - 0.75, years.max() + 0.75)
    ax.set_ylim(0, households.max(initial=0.0) * 1.15 or 1.0)
    st.thousands(ax)
    note = f"{int(households.sum()):,} {labels.unit('households', s.lang)} · " \
        f"{s.chart('compounds_started', n=len(frame))}"
    st.finish(ax, s, s.chart("plan"), s.label("calendar_year"), s.label("households"), note)
    ax.grid(False, axis="x")
    return fig


def outlay(result: "PortfolioResult", s: st.Style, ax: "Axes | None") -> "Figure":
    """What each level of government pays by calendar year: the mean over the draws (bars,
    grouped by year) and its 5–95 % band (whiskers), from :meth:`PortfolioResult.outlay`; levels that pay
    nothing left out."""
    table = result.outlay()
    paying = table.loc[table["p95_cny"] > 0, "year"]
    if len(paying):  # the years after the last payment are left out
        table = table[table["year"] <= paying.max()]
    fig, ax = st.new_axes(ax)
    divisor, unit_name = s.money_scale(table[["mean_cny", "p95_cny"]].to_numpy())
    import matplotlib
    from matplotlib.lines import Line2D

    cmap = matplotlib.colormaps["tab10"]
    many = int(result.info.get("draws") or 1) > 1
    levels = list(dict.fromkeys(table["level"]))
    budgets = False
    width = 0.8 / max(len(levels), 1)
    for k, level in enumerate(levels):  # grouped bars: one per level and year
        rows = table[table["level"] == level]
        years = rows["year"].to_numpy() + (k - (len(levels) - 1) / 2) * width
        mean = rows["mean_cny"].to_numpy() / divisor
        whiskers = None
        if many:  # the 5–95 % band of each bar
            whiskers = np.vstack([mean - rows["p05_cny"].to_numpy() / divisor,
                                  rows["p95_cny"].to_numpy() / divisor - mean]).clip(min=0)
        ax.bar(years, mean, width=width, color=cmap(k % 10), yerr=whiskers,
               error_kw={"ecolor": "black", "elinewidth": 0.8, "capsize": 2},
               label=labels.label(str(level), s.lang))
        budget = _budget_of(result, str(level), rows["year"].to_numpy())
        if budget is not None:  # the level's budget: a dashed step over its years
            shown = np.isfinite(budget)
            ax.hlines(budget[shown] / divisor, rows["year"].to_numpy()[shown] - 0.45,
                      rows["year"].to_numpy()[shown] + 0.45, colors=[cmap(k % 10)],
                      linestyles="dashed", linewidth=1.4, gid=f"budget:{level}")
            budgets = True
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(bottom=0)
    st.thousands(ax)
    st.finish(ax, s, s.chart("outlay"), s.label("calendar_year"),
              s.with_unit(labels.label("amount", s.lang), unit_name), _draws_note(result, s))
    band = (Line2D([], [], color="black", linewidth=0.8, marker="_", markersize=6,
                   label=s.chart("band_90")),) if many else ()
    if budgets:  # one entry for the budget lines of every level (each in its level's colour)
        band += (Line2D([], [], color=st.GREY, linestyle="dashed", linewidth=1.4,
                        label=s.chart("budget")),)
    s.legend(ax, band, loc="best")  # one entry for the bands of every level
    return fig


def _budget_of(result: "PortfolioResult", level: str, years) -> "np.ndarray | None":
    """The level's budget (``result.budget_cny``) in each of ``years`` (inf: none), or None
    when it has no budget in any of them."""
    from ..scenario.fiscal import GOVERNMENT_LEVELS

    if result.budget_cny is None or level not in GOVERNMENT_LEVELS:
        return None
    at = np.searchsorted(result.calendar_years, years)
    budget = result.budget_cny[GOVERNMENT_LEVELS.index(level), at]
    return budget if np.isfinite(budget).any() else None
