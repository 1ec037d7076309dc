"""The HTML report (fundmodel.export.report, `fundmodel report`): the story's figures worked out
by hand, no English names in Chinese, user text escaped, charts embedded through one seam, and
the page opened in a real headless Chromium (every image loaded, the screenshot not blank)."""

from __future__ import annotations

import base64
import html.parser
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fundmodel
from fundmodel import labels
from fundmodel.catalog import METRICS
from fundmodel.cli import main
from fundmodel.errors import FundmodelError, ModelError
from fundmodel.export.report import CHART_SLOTS, collect_charts, render_report, write_report

ROOT = Path(__file__).resolve().parents[1]
STANDALONE = ROOT / "scenarios" / "sanqiao-standalone.yaml"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="module")
def scenario():
    return fundmodel.load_scenario(STANDALONE)


@pytest.fixture(scope="module")
def base(scenario):
    return fundmodel.evaluate(scenario)


@pytest.fixture(scope="module")
def mc(scenario):
    return fundmodel.simulate(scenario, draws=400, seed=7)


def stand_in(title: str, seed: int = 0):
    """A stand-in chart (the plots engineer's come later): a smooth colour field and a line,
    with matplotlib's object API (no pyplot, no global state)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    x, y = np.meshgrid(np.linspace(0, 1, 120), np.linspace(0, 1, 80))
    ax.imshow(np.sin(6 * x + seed) * np.cos(4 * y), cmap="viridis", aspect="auto",
              extent=(0, 20, -1, 1))
    ax.plot(np.linspace(0, 20, 50), np.sin(np.linspace(0, 6, 50)), color="white")
    ax.set_title(title)
    return fig


def drivers_table() -> pd.DataFrame:
    """A tornado table in the sensitivity engineer's format (values invented for layout)."""
    frame = pd.DataFrame(
        {"low_value": [0.6, 90.0, 0.0], "high_value": [0.92, 150.0, 0.15],
         "metric_low": [0.30, 0.33, 0.34], "metric_high": [0.41, 0.36, 0.345],
         "base": [0.35, 0.35, 0.35], "swing": [0.05, 0.11, 0.005]},
        index=pd.Index(["renovation.items[roof waterproofing].unit_cost",
                        "operations.property_fee.collection_rate", "renovation.contingency"],
                       name="input"))
    frame.attrs["metric"] = "breakeven_fee_rate"
    return frame


class _Text(html.parser.HTMLParser):
    """The visible text of a page (no script, no style) and its attributes' text."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return "\n".join(parser.parts)


def section_ids(page: str) -> list[str]:
    return re.findall(r'<section id="([a-z]+)"', page)


# --------------------------------------------------------------------------- the story
def test_figures_of_the_base_case_worked_out_by_hand(base):
    """At the point estimates (means): contingency (0 + 0.05 + 0.15)/3, roof unit cost
    (90 + 110 + 150)/3, uptake 16/20."""
    contingency = 0.2 / 3
    works = 400 * 900 + 300 * 500 + 2000 * 350 / 3 + 6000 * 80 + 1500 * 150 + 120000 \
        + 20 * 5000 + 150000
    capex = works * (1 + contingency)                       # 1,939,555.6
    central = 12000 * 100                                   # the basic tier costs more
    utilities = 300 * 500 * (1 + contingency)               # the water supply pipes
    local = 0.3 * central
    residents = 15 * 10000 * 16 / 20
    gap = capex - central - utilities - local - residents
    page = render_report(base)
    text = visible_text(page)
    assert f"{capex:,.0f}" in text and f"{gap:,.0f}" in text
    for amount in (central, utilities, local, residents):
        assert f"{amount:,.0f}" in text
    share = f"{100 * gap / capex:.1f}%"
    assert f"{gap:,.0f} CNY is left unfunded ({share} of the cost" in text
    assert section_ids(page) == ["funding", "years", "sure", "assumptions", "record"]
    assert "one run at the point estimates" in text
    # the operating statement: one row per year of the horizon, from the year after the works
    first = 2025 + base.scenario.construction_years()
    rows = re.findall(r"<tr[^>]*><td class=\"\">(\d{4})</td>", page)
    assert rows[:2] == [str(first), str(first + 1)] and len(rows) == 20


def test_monte_carlo_says_how_sure(mc):
    page = render_report(mc)
    text = visible_text(page)
    assert "Over 400 draws" in text and "one run at the point estimates" not in text
    gap = mc.metric("funding_gap")
    p_gap = float(np.mean(gap > 0))                          # from the draws, by numpy
    assert f"{labels.label('has_funding_gap')}\n{100 * p_gap:.1f}%" in text
    p5 = np.quantile(gap, 0.05, method="inverted_cdf")
    assert f"{p5:,.0f}".replace("-", "−") in text
    assert "seed 7" in text


def test_drivers_section_only_with_drivers_and_largest_swing_first(base):
    assert "drivers" not in section_ids(render_report(base))
    page = render_report(base, drivers=drivers_table())
    assert section_ids(page) == ["funding", "years", "sure", "drivers", "assumptions",
                                 "record"]
    drivers = page.split('<section id="drivers">')[1].split("</section>")[0]
    order = [drivers.index(s) for s in ("Collection rate", "roof waterproofing: Unit cost",
                                        "Contingency")]
    assert order == sorted(order)                            # swings 0.11, 0.05, 0.005


def test_run_record(base, tmp_path):
    import hashlib

    page = render_report(base, scenario_file=STANDALONE,
                         overrides=["operations.vat_rate=0.06"])
    text = visible_text(page)
    assert hashlib.sha256(STANDALONE.read_bytes()).hexdigest() in text
    assert fundmodel.__version__ in text and "operations.vat_rate=0.06" in text


# --------------------------------------------------------------------------- languages
def _user_strings(result) -> list[str]:
    sc = result.scenario
    names = [sc.name, sc.title or "", sc.compound.name, str(STANDALONE),
             *(n for n in sc.funding_labels() if not labels.has_label(n)),
             *(i.name for i in sc.renovation.items),
             *(i.unit for i in sc.renovation.items), *(x.name for x in sc.operations.income),
             *(x.name for x in sc.operations.costs)]
    return sorted((n for n in names if n), key=len, reverse=True)


@pytest.mark.parametrize("kind", ["base", "mc"])
def test_chinese_report_has_no_english_names(kind, request):
    result = request.getfixturevalue(kind)
    charts = {slot: b"\x89PNG\r\n\x1a\n" + b"0" * 8 for slot in CHART_SLOTS}
    if kind == "base":
        charts = {k: v for k, v in charts.items() if not k.startswith(("histogram", "cdf"))}
    page = render_report(result, lang="zh", charts=charts, drivers=drivers_table(),
                         scenario_file=STANDALONE)
    assert '<html lang="zh-CN">' in page
    text = visible_text(page)
    for name in _user_strings(result):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text)
    tables = (labels.NAMES, labels.COLUMNS, labels.PARTIES, labels.SOURCES, labels.VALUES)
    identifiers = {k for table in tables for k in table if "_" in k} | set(METRICS)
    found = sorted(k for k in identifiers if re.search(rf"\b{re.escape(k)}\b", text))
    assert found == []
    english = {t[k].en for t in tables for k in t
               if len(t[k].en) >= 3 and t[k].en not in t[k].zh}
    found = sorted(e for e in english if re.search(rf"\b{re.escape(e)}\b", text))
    assert found == []
    assert re.search(r"(?<!-)\b(mean|draws|Funding|Year|Total)\b", text) is None  # not --draws
    assert "资金缺口" in text and "蒙特卡洛" in page if kind == "mc" else "确定性测算" in text


def test_bad_language_refused(base):
    with pytest.raises(ValueError, match="unknown language"):
        render_report(base, lang="fr")


# --------------------------------------------------------------------------- safety
def test_user_text_is_escaped(tmp_path):
    sc = fundmodel.load_scenario(STANDALONE, [
        "title=<script>alert('title')</script>",
        "compound.name=A & B <b>bold</b>",
        "renovation.items[0].name=<img src=x onerror=alert(1)>"])
    page = render_report(fundmodel.evaluate(sc))
    assert page.count("<script") == 1                        # ours: the image check
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "A &amp; B &lt;b&gt;bold&lt;/b&gt;" in page


def test_self_contained(mc):
    page = render_report(mc, charts={"waterfall": stand_in("w")})
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "default-src 'none'" in page                     # no request even if one slipped
    assert re.findall(r'<img src="([a-z]+:image/png;base64),', page) == [
        "data:image/png;base64"]


# --------------------------------------------------------------------------- charts
def test_charts_come_in_through_one_seam(mc):
    import matplotlib.image

    figure = stand_in("fan")
    png = io.BytesIO()
    stand_in("waterfall").savefig(png, format="png")
    page = render_report(mc, charts={"fan:cumulative_balance": figure,
                                     "waterfall": png.getvalue(), "tornado": None})
    sources = re.findall(r'<figure data-slot="([^"]+)"><img src="data:image/png;base64,'
                         r'([^"]+)"', page)
    assert [s for s, _ in sources] == ["waterfall", "fan:cumulative_balance"]
    assert base64.b64decode(sources[0][1]) == png.getvalue()
    image = matplotlib.image.imread(io.BytesIO(base64.b64decode(sources[1][1])), format="png")
    assert image.shape[0] > 100 and image.shape[1] > 1.4 * image.shape[0]  # a 5 × 3 in figure
    with pytest.raises(FundmodelError, match="not a PNG"):
        render_report(mc, charts={"waterfall": b"GIF89a"})
    with pytest.raises(FundmodelError, match="unknown chart slot 'pie'"):
        render_report(mc, charts={"pie": figure})
    with pytest.raises(FundmodelError, match="expected a matplotlib Figure"):
        render_report(mc, charts={"waterfall": "chart.png"})


class _Plot:
    """A stand-in for ``result.plot`` recording its calls."""

    def __init__(self):
        self.calls = []

    def _draw(self, kind, *args, lang="en", ax=None):
        self.calls.append((kind, args, lang))
        if kind == "cdf":
            raise ModelError("no draws kept")
        return f"{kind}{args}"

    def __getattr__(self, kind):
        if kind in ("fan", "waterfall", "histogram", "cdf", "tornado", "parties"):
            return lambda *args, **kw: self._draw(kind, *args, **kw)
        raise AttributeError(kind)


class _WithPlot:
    def __init__(self, result):
        self.info, self.n_draws, self.plot = result.info, result.n_draws, _Plot()


def test_collect_charts(base, mc):
    real = collect_charts(base, "zh")                        # the real result.plot
    assert sorted(real) == ["fan:cumulative_balance", "fan:operating_surplus", "parties",
                            "waterfall"]
    from matplotlib.figure import Figure  # a ChartFigure, shown in notebooks (issue 19)
    assert all(isinstance(fig, Figure) for fig in real.values())
    one = _WithPlot(base)
    charts = collect_charts(one, "zh")
    assert sorted(charts) == ["fan:cumulative_balance", "fan:operating_surplus", "parties",
                              "waterfall"]
    assert {lang for *_, lang in one.plot.calls} == {"zh"}
    many = _WithPlot(mc)
    drivers = drivers_table()
    charts = collect_charts(many, "en", drivers)
    assert sorted(charts) == sorted(k for k in CHART_SLOTS if not k.startswith("cdf"))
    assert charts["histogram:breakeven_fee_rate"] == "histogram('breakeven_fee_rate',)"
    assert ("tornado", (drivers,), "en") in many.plot.calls


# --------------------------------------------------------------------------- command line
def test_command_writes_the_report(tmp_path, capsys):
    out = tmp_path / "deep" / "report.html"
    assert main(["report", str(STANDALONE), "-o", str(out), "--lang", "zh", "--no-drivers"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "资金来源与资金缺口" in page
    assert f"已将 report.html 写入 {out.parent}" in capsys.readouterr().out
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]   # no temporary left


def test_command_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, monkeypatch):
    out = tmp_path / "r.html"
    assert main(["report", str(STANDALONE), "-o", str(out), "--set",
                 "compound.households=-3"]) == 2
    assert "compound.households" in capsys.readouterr().err and not out.exists()
    assert main(["report", str(STANDALONE), "-o", str(out), "--seed", "3"]) == 2
    assert "--draws" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "jinja2", None)         # import jinja2 raises ImportError
    assert main(["report", str(STANDALONE), "-o", str(out)]) == 2
    assert "pip install 'fundmodel[report]'" in capsys.readouterr().err and not out.exists()


def test_write_report_is_atomic_and_replaces(base, tmp_path):
    out = tmp_path / "r.html"
    out.write_text("old")
    write_report(base, out, lang="en")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(FundmodelError, match="it is a folder"):
        write_report(base, tmp_path, lang="en")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


# --------------------------------------------------------------------------- a real browser
def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=90)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get "
                    "install chromium fonts-wqy-zenhei)")
def test_renders_in_headless_chromium(mc, tmp_path, lang="zh"):
    """In Chinese (the CJK fonts are the harder case; the English page has the same layout)."""
    import matplotlib.image

    charts = {slot: stand_in(slot, seed) for seed, slot in enumerate(CHART_SLOTS)}
    page = tmp_path / f"report-{lang}.html"
    write_report(mc, page, lang=lang, charts=charts, drivers=drivers_table())
    dom = _chromium(tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'data-images="{len(CHART_SLOTS)}/{len(CHART_SLOTS)}"' in dom.stdout
    shot = tmp_path / f"report-{lang}.png"
    run = _chromium(tmp_path / "profile-shot", f"--screenshot={shot}",
                    "--window-size=1280,4000", page.as_uri())
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    image = matplotlib.image.imread(shot)
    assert image.shape[:2] == (4000, 1280)
    pixels = (image[..., :3] * 255).round().astype(np.uint8).reshape(-1, 3)
    colours = np.unique(pixels[:, 0].astype(np.uint32) << 16 | pixels[:, 1].astype(np.uint32)
                        << 8 | pixels[:, 2], return_counts=True)[0]
    assert len(colours) > 2000                               # the colour fields of the charts
