"""What every chart shares: the language and its font, new figures on the Agg canvas, money
scaled on the axes, colours.

matplotlib is imported here, inside functions: ``import fundmodel`` never loads it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import labels
from ..errors import FundmodelError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

log = logging.getLogger("fundmodel")

FIGSIZE_IN = (8.0, 4.5)
"""Width and height of a new chart, inches (800 × 450 pixels at the default 100 dpi)."""

BLUE, LIGHT_BLUE, PALE_BLUE = "#1f4e79", "#6fa8dc", "#cfe2f3"
RED, GREY, ORANGE = "#c0392b", "#7f7f7f", "#e67e22"
SOURCE_COLOURS = ("#1f4e79", "#2e75b6", "#6fa8dc", "#38761d", "#6aa84f", "#93c47d",
                  "#7f6000", "#bf9000", "#8e7cc3", "#674ea7", "#45818e", "#76a5af")
"""Colours of the funding sources (the gap is :data:`RED`)."""

_MONEY_SCALES = {
    "en": ((1e9, "billion CNY"), (1e6, "million CNY"), (1e3, "thousand CNY"), (1.0, "CNY")),
    "zh": ((1e8, "100 million CNY"), (1e4, "10 thousand CNY"), (1.0, "CNY")),
}


def require_matplotlib() -> None:
    """Raise a :class:`FundmodelError` naming the extra if matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise FundmodelError("charts need matplotlib: pip install 'fundmodel[plots]'") from None


@dataclass(frozen=True)
class Style:
    """The language a chart is drawn in and the font of its text (None: matplotlib's own).

    ``lang`` is the one asked for, or "en" when Chinese was asked for and no font with Chinese
    glyphs is installed.
    """

    lang: str
    font: "FontProperties | None"

    def text(self, **kw: Any) -> dict[str, Any]:
        """Keyword arguments for a text (title, label, annotation): the chart's font."""
        if self.font is not None:
            font = self.font.copy()
            if "size" in kw:
                font.set_size(kw.pop("size"))
            kw["fontproperties"] = font
        return kw

    def legend(self, ax: "Axes", extra: tuple = (), **kw: Any) -> None:
        """A legend in the chart's font (nothing when no artist has a label); ``extra``:
        further handles (artists not drawn, with a label)."""
        handles, names = ax.get_legend_handles_labels()
        handles = [*handles, *extra]
        names = [*names, *(h.get_label() for h in extra)]
        if not handles:
            return
        if self.font is not None:
            prop = self.font.copy()
            prop.set_size("small")
            kw["prop"] = prop
        else:
            kw.setdefault("fontsize", "small")
        ax.legend(handles, names, **kw)

    def label(self, name: str) -> str:
        """The catalogue's label of ``name`` (:func:`fundmodel.labels.label`)."""
        return labels.label(name, self.lang)

    def chart(self, key: str, **fill: Any) -> str:
        """A chart's title, legend entry or note (:data:`fundmodel.labels.CHARTS`)."""
        return labels.CHARTS[key].get(self.lang).format(**fill)

    def header(self, name: str, unit_name: str | None = None) -> str:
        """An axis label with its unit, ``Funding gap (million CNY)`` / ``资金缺口（万元）``."""
        return labels.header(name, self.lang, unit_name)

    def with_unit(self, text: str, unit_name: str) -> str:
        """``text`` with a unit of the catalogue in brackets (none for an empty unit)."""
        shown = labels.unit(unit_name, self.lang)
        if not shown:
            return text
        return f"{text}（{shown}）" if self.lang == "zh" else f"{text} ({shown})"

    def money_scale(self, values) -> tuple[float, str]:
        """The divisor and unit name that show money ``values`` (CNY) in the largest unit not
        above their largest absolute value: CNY, thousand, million, billion in English; 元,
        万元, 亿元 in Chinese."""
        finite = np.abs(np.asarray(values, dtype=float))
        finite = finite[np.isfinite(finite)]
        top = float(finite.max()) if finite.size else 0.0
        for divisor, name in _MONEY_SCALES[self.lang]:
            if top >= divisor:
                return divisor, name
        return 1.0, "CNY"


def make_style(lang: str) -> Style:
    """The style of a chart in ``lang``; Chinese without a Chinese font installed falls back
    to English labels, with one logged warning."""
    labels.check_lang(lang)
    require_matplotlib()
    if lang != "zh":
        return Style("en", None)
    from . import fonts

    font = fonts.find_cjk_font()
    if font is None:
        log.warning("no font with Chinese glyphs is installed (looked for %s); the chart is "
                    "drawn with English labels", ", ".join(fonts.CJK_FAMILIES[:6]) + "...")
        return Style("en", None)
    return Style("zh", font)


def new_axes(ax: "Axes | None", figsize: tuple[float, float] = FIGSIZE_IN
             ) -> tuple["Figure", "Axes"]:
    """``ax`` and its figure, or a new figure on the Agg canvas with one axes.

    The figure is made with matplotlib's object-oriented API (no pyplot, no global figure
    manager): it is freed with its last reference.
    """
    if ax is not None:
        return ax.figure, ax
    from .figure import new_figure

    fig = new_figure(figsize)  # shows itself in a notebook (_repr_png_)
    return fig, fig.add_subplot()


def thousands(ax: "Axes", axis: str = "y") -> None:
    """Tick labels with thousands separators on ``axis``."""
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 100 or v == 0
                        else f"{v:,.3g}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def finish(ax: "Axes", style: Style, title: str, xlabel: str, ylabel: str,
           note: str | None = None) -> None:
    """Title, axis labels, a light grid and an optional note under the title."""
    ax.set_title(title, pad=18 if note else 6, **style.text(size="large", loc="left"))
    if note:
        ax.text(0.0, 1.01, note, transform=ax.transAxes, va="bottom", ha="left",
                color=GREY, **style.text(size="small"))
    ax.set_xlabel(xlabel, **style.text())
    ax.set_ylabel(ylabel, **style.text())
    ax.grid(True, color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
