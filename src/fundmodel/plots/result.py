"""Charts of one compound's run (:class:`fundmodel.Result`): fan charts of the yearly lines, the
funding waterfall, the distribution of a metric over the draws, a tornado of a sensitivity
table and the cash flows by party.

Each function draws into ``ax`` (or a new figure) with a resolved :class:`.style.Style`; the
public entry points are the methods of :class:`fundmodel.plots.ResultPlots`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import labels
from ..errors import FundmodelError
from . import style as st

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results.result import Result

__all__ = ["fan", "waterfall", "histogram", "cdf", "tornado", "parties", "TORNADO_COLUMNS"]

TORNADO_COLUMNS = ("low_value", "high_value", "metric_low", "metric_high", "base", "swing")
"""Columns a sensitivity table must have for :func:`tornado` (index: the input's path)."""

TORNADO_ROWS = 15
"""Inputs shown in a tornado chart at most (the largest swings)."""

PARTY_SERIES = 8
"""Parties shown by name in the cash flows by party; the others are summed as "Other"."""


def _draws_note(result: "Result", s: st.Style) -> str:
    if result.is_deterministic or result.n_draws == 1:
        return s.chart("point_estimates")
    return s.chart("draws", n=result.n_draws)


def _money_axis(s: st.Style, name: str, values) -> tuple[float, str]:
    """Divisor and axis label of a money quantity ``name`` over ``values`` (CNY)."""
    divisor, unit_name = s.money_scale(values)
    return divisor, s.header(name, unit_name)


def _value_axis(s: st.Style, metric: str, values) -> tuple[float, str]:
    """Divisor and axis label of a metric: money scaled, other units as they are."""
    unit_name = labels.describe_unit(metric)
    if unit_name == "CNY":
        return _money_axis(s, metric, values)
    return 1.0, s.header(metric)


def fan(result: "Result", s: st.Style, ax: "Axes | None", line: str) -> "Figure":
    """A yearly line over the calendar years: the mean with its 5–95 % and 25–75 % bands over
    the draws (:meth:`Result.yearly_bands`); one draw: the line alone."""
    fig, ax = st.new_axes(ax)
    if result.n_draws > 1:
        bands = result.yearly_bands([line]).pivot(index="calendar_year", columns="statistic",
                                                  values="value")
    else:
        yearly = result.yearly()
        if line not in yearly.columns:
            raise FundmodelError(f"no yearly line is named {line!r}")
        bands = pd.DataFrame({"mean": yearly[line].to_numpy()},
                             index=yearly["calendar_year"].to_numpy())
    years = bands.index.to_numpy()
    divisor, ylabel = _money_axis(s, line, bands.to_numpy())
    if result.n_draws > 1:
        ax.fill_between(years, bands["p5"] / divisor, bands["p95"] / divisor, color=st.PALE_BLUE,
                        linewidth=0, label=s.chart("band_90"))
        ax.fill_between(years, bands["p25"] / divisor, bands["p75"] / divisor,
                        color=st.LIGHT_BLUE, alpha=0.7, linewidth=0, label=s.chart("band_50"))
    ax.plot(years, bands["mean"] / divisor, color=st.BLUE, linewidth=2,
            label=labels.label("mean", s.lang), marker="o" if len(years) < 12 else None,
            markersize=3)
    ax.axhline(0.0, color=st.GREY, linewidth=0.8)
    ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    st.thousands(ax)
    ax.xaxis.get_major_locator().set_params(integer=True)
    st.finish(ax, s, s.label(line), s.label("calendar_year"), ylabel, _draws_note(result, s))
    if result.n_draws > 1:
        s.legend(ax, loc="best")
    return fig


def _funding_name(result: "Result", name: str, source: str, s: st.Style) -> str:
    """A funding rule's display name: the source's label when the rule has no label of its
    own (``central_subsidy``, ``central_subsidy #2``), else the user's label as written."""
    if name == source:
        return labels.label(source, s.lang)
    match = re.fullmatch(rf"{re.escape(source)} #(\d+)", name)
    if match:
        return f"{labels.label(source, s.lang)} #{match.group(1)}"
    return name


def waterfall(result: "Result", s: st.Style, ax: "Axes | None") -> "Figure":
    """The funding sources stacked, in the order applied, up to the renovation cost; the gap
    left in red; the cost itself as the last bar (means over the draws)."""
    fig, ax = st.new_axes(ax)
    funding = result.funding()
    capex = float(result.items()["cost"].sum())
    rules = funding.drop(index="gap") if "gap" in funding.index else funding
    gap = float(funding.loc["gap", "amount"]) if "gap" in funding.index else 0.0
    amounts = [float(a) for a in rules["amount"]]
    names = [_funding_name(result, str(n), str(src), s)
             for n, src in zip(rules.index, rules["source"])]
    colours = [st.SOURCE_COLOURS[i % len(st.SOURCE_COLOURS)] for i in range(len(amounts))]
    if gap > 0 or not amounts:
        amounts.append(gap)
        names.append(labels.label("gap", s.lang))
        colours.append(st.RED)
    divisor, unit_name = s.money_scale([capex, *amounts])
    bottoms = np.concatenate([[0.0], np.cumsum(amounts)[:-1]])
    x = np.arange(len(amounts) + 1)
    heights = np.array([*amounts, capex]) / divisor
    ax.bar(x[:-1], heights[:-1], bottom=bottoms / divisor, color=colours, width=0.6)
    ax.bar(x[-1], heights[-1], color=st.GREY, width=0.6)
    for i in range(len(amounts)):  # connectors from each bar's top to the next one's bottom
        top = (bottoms[i] + amounts[i]) / divisor
        ax.plot([x[i] + 0.3, x[i + 1] - 0.3], [top, top], color=st.GREY, linewidth=0.6)
    share = np.array([*amounts, capex]) / capex if capex > 0 else np.full(len(x), np.nan)
    top_of = np.concatenate([(bottoms + np.array(amounts)) / divisor, [capex / divisor]])
    for xi, h, top, sh in zip(x, heights, top_of, share):
        text = f"{h:,.0f}" if abs(h) >= 100 else f"{h:,.3g}"
        if np.isfinite(sh):
            text += f"\n{sh:.0%}"
        ax.annotate(text, (xi, top), xytext=(0, 2), textcoords="offset points", ha="center",
                    va="bottom", **s.text(size="x-small"))
    names.append(labels.label("capex_total", s.lang))
    ax.set_xticks(x, names, rotation=20 if len(x) > 5 else 0,
                  ha="right" if len(x) > 5 else "center", **s.text(size="small"))
    ax.set_ylim(0, max(heights.max(initial=0.0), top_of.max(initial=0.0)) * 1.15 or 1.0)
    st.thousands(ax)
    st.finish(ax, s, s.chart("waterfall"), "", s.with_unit(labels.label("amount", s.lang),
                                                              unit_name),
              _draws_note(result, s))
    return fig


def _metric_values(result: "Result", metric: str) -> tuple[np.ndarray, int, int]:
    """The finite per-draw values of a metric, the number of draws and of draws left out."""
    if result.is_deterministic or not result.has_draws:
        why = ("a deterministic result has one value per metric"
               if result.is_deterministic else "this run did not keep its per-draw metrics")
        raise FundmodelError(f"a distribution chart needs the draws: {why}; run "
                             "fundmodel.simulate(scenario, draws) (keep_draws=True), or "
                             "`fundmodel run FILE --draws N`")
    try:
        values = np.asarray(result.metric(metric), dtype=float)
    except ValueError:
        raise FundmodelError(f"no metric is named {metric!r}") from None
    finite = values[np.isfinite(values)]
    return finite, values.size, values.size - finite.size


def _marks(ax: "Axes", result: "Result", s: st.Style, metric: str, divisor: float,
           finite: np.ndarray) -> None:
    """Vertical lines at the mean and the 5 % and 95 % quantiles (those of ``summary()``)."""
    if not finite.size:
        return
    row = result.summary().loc[metric]
    ax.axvline(row["mean"] / divisor, color=st.RED, linewidth=1.6,
               label=f"{labels.label('mean', s.lang)} {row['mean'] / divisor:,.3g}")
    for q, dash in (("p5", (4, 2)), ("p95", (4, 2))):
        ax.axvline(row[q] / divisor, color=st.ORANGE, linewidth=1.2, dashes=dash,
                   label=f"{labels.quantile_label(q, s.lang)} {row[q] / divisor:,.3g}")


def _constant(ax: "Axes", s: st.Style, finite: np.ndarray, divisor: float) -> bool:
    """When every defined draw has the same value: say so on the axes (centred) and return
    True (a distribution of one value is a single bar or step, which says nothing alone)."""
    if finite.size == 0 or finite.min() != finite.max():
        return False
    ax.text(0.5, 0.5, s.chart("constant", value=f"{finite[0] / divisor:,.4g}"),
            transform=ax.transAxes, ha="center", va="center", wrap=True,
            bbox={"facecolor": "white", "edgecolor": st.GREY, "boxstyle": "round"},
            **s.text(size="medium"))
    return True


def _distribution_note(result: "Result", s: st.Style, n: int, left_out: int) -> str:
    note = s.chart("draws", n=n)
    if left_out:
        note += " · " + s.chart("undefined", k=left_out, n=n)
    return note


def histogram(result: "Result", s: st.Style, ax: "Axes | None", metric: str) -> "Figure":
    """The metric's per-draw values as a histogram, with the mean and the 5 % and 95 %
    quantiles marked; undefined draws (NaN) are left out and counted in the note."""
    finite, n, left_out = _metric_values(result, metric)
    fig, ax = st.new_axes(ax)
    divisor, xlabel = _value_axis(s, metric, finite)
    if finite.size:
        edges = np.histogram_bin_edges(finite / divisor, bins="auto")
        if len(edges) > 61:
            edges = np.histogram_bin_edges(finite / divisor, bins=60)
        ax.hist(finite / divisor, bins=edges, color=st.LIGHT_BLUE, edgecolor="white",
                linewidth=0.4)
    if not _constant(ax, s, finite, divisor):
        _marks(ax, result, s, metric, divisor, finite)
    st.thousands(ax, "x")
    st.finish(ax, s, s.chart("histogram", metric=s.label(metric)), xlabel,
              s.chart("frequency"), _distribution_note(result, s, n, left_out))
    s.legend(ax, loc="best")
    return fig


def cdf(result: "Result", s: st.Style, ax: "Axes | None", metric: str) -> "Figure":
    """The empirical cumulative distribution of the metric over the draws (a step at each
    draw's value), with the mean and the 5 % and 95 % quantiles marked; undefined draws (NaN)
    left out and counted in the note."""
    finite, n, left_out = _metric_values(result, metric)
    fig, ax = st.new_axes(ax)
    divisor, xlabel = _value_axis(s, metric, finite)
    if finite.size:
        ax.ecdf(finite / divisor, color=st.BLUE, linewidth=1.6)
    if not _constant(ax, s, finite, divisor):
        _marks(ax, result, s, metric, divisor, finite)
    ax.set_ylim(0.0, 1.02)
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    st.thousands(ax, "x")
    st.finish(ax, s, s.chart("cdf", metric=s.label(metric)), xlabel,
              s.chart("cumulative_share"), _distribution_note(result, s, n, left_out))
    s.legend(ax, loc="lower right")
    return fig


def _short(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


TORNADO_WRAP = 32
"""Characters per line of an input's name in a tornado chart (longer names wrap)."""


def _wrapped(name: str, width: int = TORNADO_WRAP) -> str:
    """``name`` broken into lines of about ``width`` characters (a Chinese character counts
    twice: it is twice as wide), at spaces where there are, else anywhere."""
    import textwrap

    def size(text: str) -> int:
        return sum(2 if ord(c) > 0x2E80 else 1 for c in text)

    if size(name) <= width:
        return name
    if " " in name:
        return "\n".join(textwrap.wrap(name, width, break_long_words=True))
    lines, line = [], ""
    for ch in name:  # no spaces (Chinese): by width
        if size(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    return "\n".join([*lines, line])


def moving_inputs(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a sensitivity table whose input moves the metric: ``swing`` above zero
    (beyond rounding: 1e-12 of the largest magnitude in the table); an input with a zero or
    undefined (NaN) swing cannot be drawn as a bar and is left out."""
    values = table[["metric_low", "metric_high", "base"]].to_numpy(dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    tol = 1e-12 * (float(finite.max()) if finite.size else 0.0)
    swing = table["swing"].to_numpy(dtype=float)
    return table[np.isfinite(swing) & (swing > tol)]


def tornado(result: "Result | None", s: st.Style, ax: "Axes | None",
            table: pd.DataFrame) -> "Figure":
    """Bars from the metric at the point estimates (``base``) to its value with each input at
    its 10 % (``metric_low``) and 90 % quantile (``metric_high``), the largest swing on top;
    the inputs that do not move the metric left out (counted in the note); each bar's outer
    ends labelled with the input's value there (both values at one end when the two lie on
    the same side of the base), names wrapped."""
    missing = [c for c in TORNADO_COLUMNS if c not in table.columns]
    if missing:
        raise FundmodelError(f"a tornado chart needs a sensitivity table with the columns "
                             f"{', '.join(TORNADO_COLUMNS)}; missing: {', '.join(missing)}")
    metric = str(table.attrs.get("metric", ""))
    moving = moving_inputs(table)
    still = len(table) - len(moving)
    rows = moving.sort_values("swing", ascending=False).head(TORNADO_ROWS)
    names = [_wrapped(labels.input_label(str(p), s.lang, result and result.scenario))
             for p in rows.index]
    lines = sum(n.count("\n") + 1 for n in names)
    fig, ax = st.new_axes(ax, (st.FIGSIZE_IN[0], max(3.0, 1.4 + 0.22 * lines + 0.2 * len(rows))))
    base = float(table["base"].iloc[0]) if len(table) else 0.0
    values = rows[["metric_low", "metric_high", "base"]].to_numpy(dtype=float)
    if labels.describe_unit(metric) == "CNY":
        divisor, xlabel = _money_axis(s, metric, values if len(rows) else [base])
    else:
        divisor, xlabel = 1.0, s.header(metric) if metric else labels.label("value", s.lang)
    y = np.arange(len(rows))[::-1]
    low = rows["metric_low"].to_numpy(dtype=float) / divisor
    high = rows["metric_high"].to_numpy(dtype=float) / divisor
    b = base / divisor
    ax.barh(y, low - b, left=b, color=st.LIGHT_BLUE, height=0.6, label=s.chart("input_low"))
    ax.barh(y, high - b, left=b, color=st.BLUE, height=0.6, label=s.chart("input_high"))
    ax.axvline(b, color="black", linewidth=0.9)
    for yi, lo, hi, lv, hv in zip(y, low, high, rows["low_value"], rows["high_value"]):
        if (lo >= b) != (hi >= b):  # one label on each side of the base, at each bar's end
            ends = {lo >= b: (lo, _short(float(lv))), hi >= b: (hi, _short(float(hv)))}
        else:  # both on one side: one label "P10 value / P90 value" at the outer end
            ends = {lo >= b: (lo if abs(lo - b) >= abs(hi - b) else hi,
                              f"{_short(float(lv))} / {_short(float(hv))}")}
        for right, (end, text) in ends.items():
            ax.annotate(text, (end, yi), xytext=(3 if right else -3, 0),
                        textcoords="offset points", ha="left" if right else "right",
                        va="center", **s.text(size="x-small"))
    ax.set_yticks(y, names, **s.text(size="small"))
    span = np.nanmax(np.abs(np.concatenate([low - b, high - b, [0.0]])))
    span = span if span > 0 else max(abs(b), 1.0)
    ax.set_xlim(b - 1.45 * span, b + 1.45 * span)  # room for the labels beyond the bars
    ax.set_ylim(-0.7, max(len(rows), 1) - 0.3)
    st.thousands(ax, "x")
    note = f"{labels.label('base', s.lang)} {b:,.3g}"
    if still:
        note += " · " + s.chart("no_effect", k=still)
    title = s.chart("tornado", metric=s.label(metric) if metric else "")
    st.finish(ax, s, title, xlabel, "", note)
    ax.grid(False, axis="y")
    s.legend(ax, loc="lower right")
    return fig


def party_flows(result: "Result") -> pd.DataFrame:
    """Net cash flow of each party by calendar year (index), CNY: what it receives less what
    it pays, from :meth:`Result.cashflows` (means over the draws); parties with no flow left
    out, the largest (by total absolute net) first."""
    cf = result.cashflows()
    received = cf.groupby(["payee", "calendar_year"])["amount"].sum()
    paid = cf.groupby(["payer", "calendar_year"])["amount"].sum()
    received.index.names = paid.index.names = ["party", "calendar_year"]
    net = received.sub(paid, fill_value=0.0).unstack("party", fill_value=0.0).sort_index()
    size = net.abs().sum()
    keep = size[size > 1e-9 * max(float(size.max()) if len(size) else 0.0, 1.0)]
    return net[keep.sort_values(ascending=False).index]


def parties(result: "Result", s: st.Style, ax: "Axes | None") -> "Figure":
    """Each party's net cash flow by calendar year as stacked bars (received above zero, paid
    below), the largest parties by name and the rest as "Other"."""
    net = party_flows(result)
    if net.shape[1] > PARTY_SERIES:
        shown = net.iloc[:, :PARTY_SERIES - 1].copy()
        shown["__other__"] = net.iloc[:, PARTY_SERIES - 1:].sum(axis=1)
        net = shown
    fig, ax = st.new_axes(ax)
    divisor, unit_name = s.money_scale(np.concatenate([net.clip(lower=0).sum(axis=1),
                                                       net.clip(upper=0).sum(axis=1)]))
    years = net.index.to_numpy()
    up = np.zeros(len(years))
    down = np.zeros(len(years))
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    for k, party in enumerate(net.columns):
        v = net[party].to_numpy() / divisor
        name = s.chart("other") if party == "__other__" else labels.label(party, s.lang)
        colour = st.GREY if party == "__other__" else cmap(k % 10)
        bottom = np.where(v >= 0, up, down)
        ax.bar(years, v, bottom=bottom, color=colour, width=0.8, label=name)
        up += np.clip(v, 0, None)
        down += np.clip(v, None, 0)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    st.thousands(ax)
    st.finish(ax, s, s.chart("parties"), s.label("calendar_year"),
              s.with_unit(labels.label("net", s.lang), unit_name), _draws_note(result, s))
    s.legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
