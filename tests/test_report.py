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


# --------------------------------------------------------------------------- what run prints
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
DISTRICT = SCENARIOS / "xinghualing-district.yaml"


def section(page: str, name: str) -> str:
    return page.split(f'<section id="{name}">')[1].split("</section>")[0]


@pytest.fixture(scope="module")
def lift():
    return fundmodel.evaluate(fundmodel.load_scenario(SCENARIOS / "lift-retrofit.yaml"))


@pytest.fixture(scope="module")
def bundle():
    return fundmodel.evaluate(fundmodel.load_scenario(SCENARIOS / "guangan-bundle.yaml"))


def test_households_votes_floors_and_channels(lift):
    """Each stair's lift at the mean unit cost (600,000 + 680,000 + 800,000)/3 with 5 %
    contingency is 728,000; the central 150,000 and the city's 100,000 per lift leave 478,000
    to the stair's 12 households, shared by floors travelled (floor k weighs k − 1, two flats
    a floor: 2 · (0 + 1 + ... + 5) = 30 shares)."""
    page = render_report(lift, lang="zh")
    assert section_ids(page) == ["funding", "households", "years", "sure", "assumptions",
                                 "record"]
    text = visible_text(section(page, "households"))
    residents = 728_000 - 150_000 - 100_000
    for floor in range(1, 7):
        assert f"{residents * (floor - 1) / 30:,.0f}" in text         # 0 ... 79,667
    assert text.count("stair ") >= 3 and "表决结果" in text and "通过" in text
    assert "居民出资渠道" in text and "住房公积金" in text and "40.0%" in text  # take-up


def test_instruments_debt_cover_and_fiscal_commitments(bundle):
    page = render_report(bundle, lang="zh")
    assert "financing" in section_ids(page)
    text = visible_text(section(page, "financing"))
    for caption in ("社会资本：parking operator", "捆绑项目：old factory", "债务：rooms bond",
                    "债务：security loan", "逐年还本付息及覆盖情况", "政府支出责任"):
        assert caption in text
    assert "最低偿债覆盖率" in text and "内部收益率" in text
    # the bond's interest: 3,000,000 at 3.2 %, bullet: 96,000 a year, the balance unpaid
    assert re.search(r"rooms bond\s+2026\s+96,000\s+0\s+96,000\s+3,000,000", text)
    assert "额度受限\n否" in text                              # a flag as yes/no, not 0.0%


def test_fallback_and_repairs_fund():
    result = fundmodel.evaluate(fundmodel.load_scenario(SCENARIOS / "sanqiao-long-term.yaml"))
    page = render_report(result, lang="en")
    text = visible_text(section(page, "upkeep"))
    assert "Fallback payer (Street office or community)" in text
    assert (f"Repairs fund (维修资金), {result.scenario.horizon_years} years (end of year convention)"
            in text)
    s = result.summary()["mean"]
    for metric in ("fallback_total", "fund_first_deposit", "fund_balance_min"):
        assert labels.label(metric, "en") in text
        assert f"{s[metric]:,.0f}".replace("-", "−") in text


def test_a_scenario_without_them_has_none_of_these_sections(base):
    assert not {"households", "upkeep", "financing"} & set(section_ids(render_report(base)))


def test_values_in_words_not_python(bundle):
    """The investor's new stream, a nested section with a distribution, in words."""
    from fundmodel.export.words import describe

    page = render_report(bundle, lang="zh")
    text = visible_text(section(page, "assumptions"))
    assert ("新增收入项：EV charging（数量：40，月单价：300，使用率：三角分布（低值 30.0%，众数 "
            "60.0%，高值 80.0%），每年运营成本：40,000）") in text
    assert "还款方式：到期一次还本" in text and "期限：15 年" in text
    assert "name=" not in text and "Triangular(" not in text
    unit_cost = bundle.scenario.renovation.items[2].unit_cost
    assert describe(unit_cost, "zh") == "三角分布（低值 90，众数 110，高值 150）"
    assert describe(unit_cost, "en") == "triangular (low 90, mode 110, high 150)"
    assert describe(unit_cost, "zh", mean=True).endswith("均值116.7")  # (90 + 110 + 150)/3


@pytest.mark.parametrize("path", [p for p in SHIPPED if "district" not in p.name], ids=lambda p: p.stem)
def test_chinese_report_of_every_shipped_scenario_is_clean(path):
    from clean_text import leaks

    scenario = fundmodel.load_scenario(path)
    result = fundmodel.evaluate(scenario)
    page = render_report(result, lang="zh", scenario_file=path)
    assert leaks(visible_text(page), scenario, [str(path)]) == []


@pytest.mark.parametrize("name", ["guangan-bundle", "lift-retrofit"])
def test_chinese_monte_carlo_report_is_clean(name):
    from clean_text import leaks

    path = SCENARIOS / f"{name}.yaml"
    scenario = fundmodel.load_scenario(path)
    page = render_report(fundmodel.simulate(scenario, 40, seed=3), lang="zh",
                         scenario_file=path)
    assert leaks(visible_text(page), scenario, [str(path)]) == []
    assert "通过概率" in page if name == "lift-retrofit" else "5%分位" in page


@pytest.fixture(scope="module")
def district():
    from fundmodel.portfolio import plan_portfolio, simulate_portfolio

    scenario = fundmodel.load_scenario(DISTRICT, ["portfolio.phasing.time_limit_s=5"])
    plan = plan_portfolio(scenario, seed=1)
    return scenario, plan, simulate_portfolio(scenario, 20, 1, start_years=plan.start_year)


def test_district_report(district):
    from clean_text import leaks
    from fundmodel.export.report import render_district_report

    scenario, plan, result = district
    for lang in ("zh", "en"):
        page = render_district_report(result, scenario, lang=lang, plan=plan,
                                      scenario_file=DISTRICT)
        assert section_ids(page) == ["plan", "outlay", "district", "compounds", "assumptions",
                                     "record"]
        if lang == "zh":
            assert leaks(visible_text(page), scenario, [str(DISTRICT)]) == []
    text = visible_text(page)
    planned = plan.table.dropna(subset=["start_year"])
    assert f"{len(planned):,} of {len(plan.table):,} compounds are in the plan" in text
    # the outlay of each level and year: the mean over the draws, by numpy
    outlay = result.outlay_cny.mean(axis=0)
    assert f"{outlay[0, 0]:,.0f}" in visible_text(section(page, "outlay"))


def test_report_command_refuses_a_district_and_district_writes_both(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", str(DISTRICT), "-o", str(out)]) == 2
    assert "district" in capsys.readouterr().err and not out.exists()
    book = tmp_path / "d.xlsx"
    assert main(["district", str(DISTRICT), "--draws", "10", "--no-plan", "--no-areas", "-q",
                 "--lang", "zh", "--report", str(out), "--excel", str(book)]) == 0
    printed = capsys.readouterr().out
    assert f"已将 r.html 写入 {tmp_path}" in printed and f"已将 d.xlsx 写入 {tmp_path}" in printed
    assert "各级政府分年度财政支出" in out.read_text(encoding="utf-8") and book.exists()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get "
                    "install chromium fonts-wqy-zenhei)")
@pytest.mark.parametrize("name,sections,shown", [
    ("guangan-bundle", ["financing"],
     ["社会资本：parking operator", "捆绑项目：old factory", "债务：rooms bond",
      "逐年还本付息及覆盖情况（元）"]),
    ("lift-retrofit", ["households"], ["表决结果", "各楼层户均出资（元）", "居民出资渠道"])])
def test_instrument_and_household_sections_render_in_chromium(name, sections, shown, tmp_path,
                                                              request):
    """The page as Chromium lays it out (its DOM after rendering) holds the sections, with
    their tables laid out (a non-zero height), and the screenshot of the page is not blank."""
    import matplotlib.image

    result = request.getfixturevalue("bundle" if name == "guangan-bundle" else "lift")
    page = tmp_path / f"{name}.html"
    write_report(result, page, lang="zh", charts=collect_charts(result, "zh"))
    probe = ("<script>window.addEventListener('load',function(){var out=[];"
             "document.querySelectorAll('section').forEach(function(s){var h=0;"
             "s.querySelectorAll('table').forEach(function(t){h+=t.getBoundingClientRect()"
             ".height;});out.push(s.id+':'+Math.round(h));});"
             "document.body.dataset.laid=out.join(',');});</script></body>")
    probed = tmp_path / f"{name}-probe.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", probe),
                      encoding="utf-8")
    dom = _chromium(tmp_path / "profile-dom", "--dump-dom", probed.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    laid = dict(item.split(":") for item in
                re.search(r'data-laid="([^"]*)"', dom.stdout).group(1).split(","))
    for sid in sections:
        assert int(laid[sid]) > 100, laid                      # its tables take room
        body = dom.stdout.split(f'<section id="{sid}">')[1].split("</section>")[0]
        for caption in shown:
            assert caption in body
    shot = tmp_path / f"{name}.png"
    run = _chromium(tmp_path / "profile-shot", f"--screenshot={shot}",
                    "--window-size=1280,6000", page.as_uri())
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    image = matplotlib.image.imread(shot)
    dark = (image[..., :3].mean(axis=-1) < 0.5).mean()
    assert 0.005 < dark < 0.5                                  # text drawn, not blank


def test_year_one_after_financing_beside_the_operating_surplus():
    """Issue 19, item 2: with debt service and an investor on the account (guangan-bundle) the
    report shows year 1 after financing beside the operating surplus — the surplus plus the
    financing's net flow of year 1 (tests/test_after_financing.py works it out by hand) — and
    says which basis the breakeven fees use; a compound without financing shows neither."""
    sc = fundmodel.load_scenario(Path(__file__).resolve().parents[1]
                                 / "scenarios/guangan-bundle.yaml")
    res = fundmodel.evaluate(sc)
    year1 = res.yearly().iloc[0]
    after = year1["operating_surplus"] + year1["financing_net"]
    assert after == pytest.approx(res.metric("net_cash_flow_first_year")[0], abs=1e-6)
    for lang in ("en", "zh"):
        text = visible_text(render_report(res, lang=lang))
        assert labels.header("net_cash_flow_first_year", lang) in text
        assert f"{after:,.0f}".replace("-", "\u2212") in text      # a minus sign, not a hyphen
        assert labels.text("operations.breakeven_basis", lang) in text
    plain = visible_text(render_report(fundmodel.evaluate(fundmodel.load_scenario(
        Path(__file__).resolve().parents[1] / "scenarios/sanqiao-standalone.yaml"))))
    assert labels.header("net_cash_flow_first_year", "en") not in plain


def test_the_cover_of_all_debts_together_is_reported():
    """guangan-bundle has two debts: the report shows their cover together beside each one's,
    the value being Σ pledged basis / Σ service (tests/test_debt.py works it out by hand)."""
    res = fundmodel.evaluate(fundmodel.load_scenario(SCENARIOS / "guangan-bundle.yaml"))
    cover = float(res.metric("coverage_all_debts")[0])
    for lang in ("en", "zh"):
        text = visible_text(section(render_report(res, lang=lang), "financing"))
        assert labels.label("coverage_all_debts", lang) in text
        assert f"{cover:.2f}" in text
