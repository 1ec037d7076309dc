"""Charts (fundmodel.plots): every shipped scenario gets its charts, the numbers drawn are the
tables' numbers, Chinese charts use a Chinese font or fall back to English with one warning."""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from matplotlib.font_manager import FontProperties, findfont  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import fundmodel  # noqa: E402
from fundmodel import labels  # noqa: E402
from fundmodel.catalog import METRICS  # noqa: E402
from fundmodel.cli import main  # noqa: E402
from fundmodel.errors import FundmodelError  # noqa: E402
from fundmodel.plots import fonts, write_charts  # noqa: E402
from fundmodel.plots.result import party_flows  # noqa: E402
from fundmodel.scenario import load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml"))
DPI = 40  # small files, fast


@pytest.fixture(scope="module")
def sanqiao():
    return load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml")


@pytest.fixture(scope="module")
def mc(sanqiao):
    return fundmodel.simulate(sanqiao, 64, 7)


def _tornado_table() -> pd.DataFrame:
    """A sensitivity table as the sensitivity engineer's contract has it (numbers made up)."""
    t = pd.DataFrame({"low_value": [90.0, 0.80, 2000.0], "high_value": [150.0, 0.95, 3000.0],
                      "metric_low": [80_000.0, 160_000.0, 95_000.0],
                      "metric_high": [180_000.0, 70_000.0, 105_000.0]},
                     index=pd.Index(["renovation.items[0].unit_cost",
                                     "operations.property_fee.collection_rate",
                                     "compound.floor_area_m2"], name="input"))
    t["base"] = 100_000.0
    t["swing"] = (t["metric_high"] - t["metric_low"]).abs()
    t = t.sort_values("swing", ascending=False)
    t.attrs["metric"] = "funding_gap"
    return t


def _texts(fig) -> list[str]:
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


# ---------------------------------------------------------------- every shipped scenario
@pytest.mark.parametrize("path", [p for p in SCENARIOS if "district" not in p.name],
                         ids=lambda p: p.stem)
def test_every_scenario_gets_its_charts(path, tmp_path):
    result = fundmodel.simulate(load_scenario(path), 8, 1)
    tornado = _tornado_table() if path.stem == "sanqiao-standalone" else None  # once is enough
    written = write_charts(result.plot.charts(tornado=tornado), tmp_path / "c",
                           {"scenario_file": str(path)}, dpi=DPI)
    names = {p.name for p in written}
    assert names == {"fan_cumulative_balance.png", "fan_operating_surplus.png",
                     "waterfall.png", "parties.png", "histogram_funding_gap.png",
                     "cdf_breakeven_fee_rate.png", "run.json",
                     *(["tornado.png"] if tornado is not None else [])}
    for p in written:
        assert p.is_file()
        if p.suffix == ".png":
            assert p.stat().st_size > 5_000, p.name
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads((tmp_path / "c" / "run.json").read_text())
    assert record["files"][-1] == "run.json" and set(record["files"]) == names


def test_district_charts(tmp_path):
    path = ROOT / "scenarios" / "xinghualing-district.yaml"
    scenario = load_scenario(path)
    n = len(scenario.portfolio.table)
    start = np.full(n, -1, dtype=np.int64)  # a hand-made plan: 60 compounds in three years
    start[:20], start[20:50], start[50:60] = 2025, 2026, 2028
    result = fundmodel.simulate_portfolio(scenario, 3, 1, start_years=start)
    figures = result.plot.charts()
    bars = [p for p in figures["plan"].axes[0].patches]
    households = np.asarray(scenario.portfolio.table.households, dtype=float)
    assert [b.get_height() for b in bars] == pytest.approx(
        [households[:20].sum(), households[20:50].sum(), households[50:60].sum()])
    texts = _texts(figures["plan"])
    assert {"20 compounds", "30 compounds", "10 compounds"} <= set(texts)
    written = write_charts(figures, tmp_path / "d", {}, dpi=DPI)
    assert [p.name for p in written] == ["plan.png", "outlay.png", "run.json"]
    assert all(p.stat().st_size > 5_000 for p in written if p.suffix == ".png")


# ---------------------------------------------------------------- Chinese labels and fonts
_IDENTIFIERS = sorted({*METRICS, *labels.NAMES, *labels.PARTIES, *labels.SOURCES}, key=len,
                      reverse=True)


def test_zh_charts_show_no_identifiers(mc):
    if fonts.find_cjk_font() is None:
        pytest.skip("no font with Chinese glyphs installed")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph warning
        figures = mc.plot.charts("zh", tornado=_tornado_table())
        texts = [t for fig in figures.values() for t in _texts(fig)]
    found = [(t, name) for t in texts for name in _IDENTIFIERS
             if "_" in name and re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", t)]
    assert not found
    assert "累计结余" in texts and "资金缺口的分布" in texts
    assert not any(re.search(r"\b(draws|Mean|Year|Funding)\b", t) for t in texts)


def test_zh_uses_the_font_found_for_that_figure_only(mc, monkeypatch):
    dejavu = findfont(FontProperties(family="DejaVu Sans"))
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: FontProperties(fname=dejavu))
    fig = mc.plot.fan(lang="zh")
    title = fig.axes[0].get_title(loc="left")
    assert title == "累计结余"
    title_artist = fig.axes[0]._left_title
    assert title_artist.get_fontproperties().get_file() == dejavu
    import matplotlib
    assert matplotlib.rcParams["font.family"] == ["sans-serif"]  # nothing global changed


def test_zh_without_a_chinese_font_falls_back_to_english(mc, monkeypatch, caplog):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    with caplog.at_level(logging.WARNING, logger="fundmodel"), warnings.catch_warnings():
        warnings.simplefilter("error")
        figures = mc.plot.charts("zh")
        texts = [t for fig in figures.values() for t in _texts(fig)]
    assert len([r for r in caplog.records if "Chinese" in r.getMessage()]) == 1
    assert "Cumulative balance" in texts
    assert not any(re.search(r"[\u4e00-\u9fff]", t) for t in texts)


def test_unknown_language(mc):
    with pytest.raises(ValueError, match="unknown language"):
        mc.plot.fan(lang="fr")


# ---------------------------------------------------------------- what is drawn
def test_fan_bands_and_one_draw(mc, sanqiao):
    fig = mc.plot.fan("operating_surplus")
    ax = fig.axes[0]
    assert len(ax.collections) == 2  # the 5-95 and 25-75 bands
    bands = mc.yearly_bands(["operating_surplus"])
    mean = bands[bands.statistic == "mean"]["value"].to_numpy()
    divisor = {"CNY": 1, "thousand CNY": 1e3, "million CNY": 1e6}[
        re.search(r"\((.*)\)", ax.get_ylabel()).group(1)]
    assert ax.lines[0].get_ydata() == pytest.approx(mean / divisor)
    det = fundmodel.evaluate(sanqiao).plot.fan()
    assert len(det.axes[0].collections) == 0 and len(det.axes[0].lines) == 2  # line + zero


def test_waterfall_stacks_to_the_cost(mc):
    fig = mc.plot.waterfall()
    bars = fig.axes[0].patches
    funding = mc.funding()
    capex = mc.items()["cost"].sum()
    amounts = funding["amount"].to_numpy()
    scale = capex / bars[-1].get_height()
    assert [b.get_height() * scale for b in bars[:-1]] == pytest.approx(amounts, rel=1e-9)
    # each bar starts where the one before ends, the last source or gap ends at the cost
    assert bars[1].get_y() * scale == pytest.approx(amounts[0])
    assert (bars[-2].get_y() + bars[-2].get_height()) * scale == pytest.approx(capex)
    assert bars[-2].get_facecolor()[:3] == pytest.approx((0xc0 / 255, 0x39 / 255, 0x2b / 255))


def test_histogram_leaves_out_undefined_draws(sanqiao):
    result = fundmodel.simulate(sanqiao, 40, 3)
    values = result.metric("funding_gap")  # a view: make 7 draws undefined
    values[:7] = np.nan
    result._summary_cache = None
    fig = result.plot.histogram("funding_gap")
    counts = [p.get_height() for p in fig.axes[0].patches]
    assert sum(counts) == 33
    assert "7 of 40 draws undefined, left out" in " ".join(_texts(fig))
    ecdf = result.plot.cdf("funding_gap").axes[0].lines[0]
    assert ecdf.get_ydata()[-1] == pytest.approx(1.0)


def test_distribution_charts_need_draws(sanqiao):
    with pytest.raises(FundmodelError, match="needs the draws.*simulate"):
        fundmodel.evaluate(sanqiao).plot.histogram()
    streamed = fundmodel.simulate(sanqiao, 16, 1, keep_draws=False)
    with pytest.raises(FundmodelError, match="did not keep"):
        streamed.plot.cdf()
    assert "histogram_funding_gap" not in streamed.plot.charts()


def test_tornado_bars_from_the_base(mc):
    t = _tornado_table()
    fig = mc.plot.tornado(t)
    ax = fig.axes[0]
    low, high = ax.patches[:3], ax.patches[3:]
    # thousand CNY: base 100; the largest swing (unit cost, 100,000) on top
    assert [b.get_x() for b in low] == pytest.approx([100, 100, 100])
    assert [b.get_width() for b in low] == pytest.approx([-20, 60, -5])
    assert [b.get_width() for b in high] == pytest.approx([80, -30, 5])
    assert [b.get_y() + b.get_height() / 2 for b in low] == pytest.approx([2, 1, 0])
    ticks = [x.get_text() for x in ax.get_yticklabels()]
    item = mc.scenario.renovation.items[0].name
    assert ticks == [f"{item}: Unit cost", "Collection rate", "Floor area"]  # top to bottom
    texts = _texts(fig)
    assert {"90", "150", "0.8", "0.95", "2,000", "3,000"} <= set(texts)
    with pytest.raises(FundmodelError, match="missing: swing"):
        mc.plot.tornado(t.drop(columns="swing"))


def test_parties_net_flows_balance(mc):
    net = party_flows(mc)
    # every flow is paid by one party and received by another: the nets cancel each year
    assert np.abs(net.sum(axis=1)).max() <= 1e-6 * np.abs(net).to_numpy().max()
    cf = mc.cashflows()
    year = int(cf["calendar_year"].min())
    rows = cf[cf.calendar_year == year]
    hand = rows.loc[rows.payee == "contractors", "amount"].sum() - rows.loc[
        rows.payer == "contractors", "amount"].sum()
    assert net.loc[year, "contractors"] == pytest.approx(hand)
    fig = mc.plot.parties()
    assert len(fig.axes[0].patches) == len(net.index) * min(net.shape[1], 8)


def test_draws_into_a_given_axes(mc):
    from matplotlib.figure import Figure

    fig = Figure()
    axes = fig.subplots(1, 2)
    assert mc.plot.fan(ax=axes[0]) is fig
    assert mc.plot.waterfall(ax=axes[1]) is fig
    assert axes[1].get_title(loc="left") == "Funding of the renovation cost"


# ---------------------------------------------------------------- the command line
def test_cli_run_plots(tmp_path, capsys):
    path = str(ROOT / "scenarios" / "sanqiao-standalone.yaml")
    out = tmp_path / "charts"
    assert main(["run", path, "--draws", "24", "--plots", str(out), "--lang", "zh"]) == 0
    assert "已将 fan_cumulative_balance.png" in capsys.readouterr().out
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert "tornado.png" in record["files"]   # the drivers of the breakeven fee
    assert record["lang"] == "zh" and record["draws"] == 24
    assert sorted(p.name for p in out.iterdir()) == sorted(record["files"])
    # a deterministic run in the same folder: the distribution charts of before are removed
    assert main(["run", path, "--plots", str(out)]) == 0
    assert not (out / "histogram_funding_gap.png").exists()
    assert (out / "waterfall.png").exists()
    assert main(["run", path, "--out", str(out), "--plots", str(out)]) == 2
    assert "folder of its own" in capsys.readouterr().err


# ---------------------------------------------------------------- issue 19: charts to hand on
def _extents(fig, texts):
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


def test_tornado_leaves_out_inputs_that_do_not_move_the_metric(mc):
    t = _tornado_table()
    # two inputs that cannot move the metric: a zero swing and an undefined one
    still = pd.DataFrame({"low_value": [1.0, 2.0], "high_value": [3.0, 4.0],
                          "metric_low": [100_000.0, np.nan], "metric_high": [100_000.0, 1.0],
                          "base": [100_000.0, 100_000.0], "swing": [0.0, np.nan]},
                         index=pd.Index(["renovation.contingency", "funding[3].uptake"],
                                        name="input"))
    table = pd.concat([t, still])
    table.attrs["metric"] = "funding_gap"
    fig = mc.plot.tornado(table)
    ax = fig.axes[0]
    ticks = [x.get_text() for x in ax.get_yticklabels()]
    assert len(ticks) == 3 and "Contingency" not in ticks        # three bars, not five
    assert len(ax.patches) == 2 * 3
    assert any("left out, not moving it: 2 input(s)" in x for x in _texts(fig))


def test_tornado_wraps_long_names_and_its_labels_do_not_overlap(mc):
    long = "renovation.items[replacement of the rainwater downpipes and gutters].unit_cost"
    t = pd.DataFrame({"low_value": [90.0, 0.80, 2000.0, 5.0],
                      "high_value": [150.0, 0.95, 3000.0, 6.0],
                      # the last input moves the metric the same way at both ends: its two
                      # values share one label at the outer end
                      "metric_low": [80_000.0, 160_000.0, 95_000.0, 101_000.0],
                      "metric_high": [180_000.0, 70_000.0, 105_000.0, 104_000.0]},
                     index=pd.Index([long, "operations.property_fee.collection_rate",
                                     "compound.floor_area_m2", "renovation.contingency"],
                                    name="input"))
    t["base"] = 100_000.0
    t["swing"] = (t["metric_high"] - t["metric_low"]).abs()
    t.attrs["metric"] = "funding_gap"
    fig = mc.plot.tornado(t)
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = [x.get_text() for x in ax.get_yticklabels()]
    wrapped = next(x for x in ticks if "downpipes" in x)
    assert "\n" in wrapped and max(len(line) for line in wrapped.split("\n")) <= 32
    assert wrapped.replace("\n", " ") == ("replacement of the rainwater downpipes and "
                                          "gutters: Unit cost")
    notes = [a for a in ax.texts if a.get_text() and a.get_text()[0].isdigit()]
    assert "5 / 6" in [a.get_text() for a in notes]          # one label for both ends
    boxes = _extents(fig, notes)
    for i, a in enumerate(boxes):                            # value labels never overlap
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    inside = ax.get_window_extent(fig.canvas.get_renderer())
    for box in boxes:                                        # and stay inside the axes
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1
    for box in _extents(fig, ax.get_yticklabels()):          # nor run into the names
        assert all(not box.overlaps(b) for b in boxes)


def test_tornado_in_chinese_shows_the_inputs_labels(mc):
    if fonts.find_cjk_font() is None:
        pytest.skip("no font with Chinese glyphs installed")
    fig = mc.plot.tornado(_tornado_table(), lang="zh")
    ticks = [x.get_text() for x in fig.axes[0].get_yticklabels()]
    item = mc.scenario.renovation.items[0].name
    assert ticks == [f"{item}：单价", labels.label("collection_rate", "zh"),
                     labels.label("floor_area_m2", "zh")]


def test_histogram_of_a_constant_says_so(sanqiao):
    # every draw has the same discount rate: the metric does not vary
    result = fundmodel.simulate(sanqiao, 32, 3)
    metric = "discount_rate_nominal"
    values = result.metric(metric)
    assert values.min() == values.max()
    for chart in (result.plot.histogram, result.plot.cdf):
        texts = _texts(chart(metric))
        said = [x for x in texts if x.startswith("every draw gives")]
        assert said == [f"every draw gives {values[0]:,.4g}: the metric does not vary"]
    # a metric that varies gets no such note
    assert not any(x.startswith("every draw gives")
                   for x in _texts(result.plot.histogram("funding_gap")))


def test_charts_display_in_a_notebook_without_pyplot(tmp_path):
    """A chart is a Figure that IPython shows by its _repr_png_, with pyplot never imported."""
    import subprocess
    import sys

    code = ("import sys, fundmodel\n"
            f"r = fundmodel.simulate(fundmodel.load_scenario({str(ROOT / 'scenarios' / 'sanqiao-standalone.yaml')!r}), 16, 1)\n"
            "figs = [r.plot.fan(), r.plot.waterfall(), r.plot.histogram(), r.plot.cdf(),\n"
            "        r.plot.parties()]\n"
            "from matplotlib.figure import Figure\n"
            "print(all(isinstance(f, Figure) for f in figs))\n"
            "print(all(f._repr_png_()[:8] == b'\\x89PNG\\r\\n\\x1a\\n' for f in figs))\n"
            "print('matplotlib.pyplot' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "False"]


def test_cli_says_once_when_chinese_charts_have_no_font(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    path = str(ROOT / "scenarios" / "sanqiao-standalone.yaml")
    assert main(["run", path, "--plots", str(tmp_path / "c"), "--lang", "zh"]) == 0
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1
    assert "no font with Chinese glyphs" in lines[0] and "fonts-noto-cjk" in lines[0]
    # with a font (or in English) nothing is said
    assert main(["run", path, "--plots", str(tmp_path / "d")]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.story
def test_readme_names_the_font_package():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "fonts-noto-cjk" in text and "fonts-wqy-zenhei" in text
