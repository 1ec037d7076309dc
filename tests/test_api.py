"""The Python API as a pandas user meets it: table shapes for one draw and many, probabilities,
undefined draws, item inputs and the names ``describe()`` knows. Expected values are worked out
by hand here."""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fundmodel
from fundmodel import ModelError, Result, Scenario, evaluate, simulate
from fundmodel.export import result_tables
from fundmodel.results.result import BAND_LINES, YEARLY_STATISTICS

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml")   # one-compound scenarios
                   if "\nportfolio:" not in p.read_text(encoding="utf-8"))
QUANTILE_COLUMNS = ["p5", "p25", "p50", "p75", "p95"]


def tiny() -> dict:
    """A compound whose figures are easy by hand.

    Renovation: roof 100 m² × 1,000 × (1 + 0.1) = 110,000; lift 1 × 100,000 × (1 + 0) = 100,000
    (own contingency 0); capex 210,000; donations 50,000 → gap 160,000.
    Operations (no inflation, no VAT, no margin, real rate 0): fee 1.0 × 1,000 m² × 12 ×
    collection 1 = 12,000 a year; cleaning 9,000 a year → surplus 3,000 a year, balance 3,000,
    6,000, 9,000; NPV 9,000; breakeven fee: 12,000 r = 9,000 → r = 0.75.
    """
    return {
        "name": "tiny", "start_year": 2025, "horizon_years": 3, "discount_rate": 0.0,
        "inflation": 0.0,
        "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
        "renovation": {"contingency": 0.1, "items": [
            {"name": "roof", "tier": "basic", "quantity": 100, "unit": "m2", "unit_cost": 1000},
            {"name": "lift", "tier": "upgrade", "quantity": 1, "unit": "lift",
             "unit_cost": 100_000, "contingency": 0.0}]},
        "funding": [{"source": "donations", "amount": 50_000}],
        "operations": {"property_fee": {"rate_per_m2_month": 1.0, "collection_rate": 1.0},
                       "income": [{"name": "parking", "units": 2, "price_per_month": 0}],
                       "costs": [{"name": "cleaning", "per_year": 9000}]},
    }


def scenario(d: dict) -> Scenario:
    return Scenario.model_validate(d)


def with_collection(dist) -> dict:
    d = tiny()
    d["operations"]["property_fee"]["collection_rate"] = dist
    return d


UNIFORM_COLLECTION = {"dist": "uniform", "low": 0.5, "high": 1.0}


# ---------------------------------------------------------------------------------- yearly
def test_yearly_deterministic_hand_values():
    y = evaluate(scenario(tiny())).yearly()
    assert list(y.index) == [1, 2, 3] and y.index.name == "year"
    assert list(y["calendar_year"]) == [2026, 2027, 2028]
    assert list(y["property_fee_income"]) == [12_000.0] * 3
    assert list(y["cost[cleaning]"]) == [9_000.0] * 3
    assert list(y["operating_surplus"]) == [3_000.0] * 3
    assert list(y["cumulative_balance"]) == [3_000.0, 6_000.0, 9_000.0]
    assert not isinstance(y.columns, pd.MultiIndex)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_yearly_same_columns_for_one_draw_and_many(path):
    sc = fundmodel.load_scenario(path)
    det = evaluate(sc).yearly()
    for res in (simulate(sc, draws=200, seed=1), simulate(sc, draws=1, seed=1),
                simulate(sc, draws=200, seed=1, keep_yearly=True, keep_draws=False)):
        y = res.yearly()
        assert list(y.columns) == list(det.columns)
        assert y.index.equals(det.index)
        assert list(y.dtypes) == list(det.dtypes)


def test_yearly_mean_and_quantiles_of_many_draws():
    # fee income in year 1 = 12,000 × collection; its mean and quantiles over the draws are
    # those of the metric fee_income_first_year (numpy as reference)
    sc = scenario(with_collection(UNIFORM_COLLECTION))
    res = simulate(sc, draws=5_000, seed=3, keep_yearly=True)
    x = res.metric("fee_income_first_year")
    assert res.yearly().loc[1, "property_fee_income"] == pytest.approx(x.mean(), rel=1e-12)
    for q, stat in zip((0.05, 0.25, 0.5, 0.75, 0.95), QUANTILE_COLUMNS):
        got = res.yearly(stat)
        assert got.loc[1, "property_fee_income"] == np.quantile(x, q, method="inverted_cdf")
        # cost is certain: every statistic is the value
        assert list(got["cost[cleaning]"]) == [9_000.0] * 3
        assert list(got["calendar_year"]) == [2026, 2027, 2028]
    # the p5 of U(6,000, 12,000) is 6,300, within Monte Carlo error
    assert res.yearly("p5").loc[1, "property_fee_income"] == pytest.approx(6_300, abs=150)


def test_yearly_quantiles_without_kept_paths_give_the_band_lines():
    res = simulate(scenario(with_collection(UNIFORM_COLLECTION)), draws=2_000, seed=1)
    y = res.yearly("p95")
    assert list(y.columns) == ["calendar_year", *BAND_LINES]
    assert (y["operating_surplus"] >= res.yearly("p50")["operating_surplus"]).all()
    assert len(res.yearly().columns) > len(y.columns)  # the mean is given for every line


def test_yearly_bad_statistic():
    res = evaluate(scenario(tiny()))
    with pytest.raises(ModelError, match="p5"):
        res.yearly("p10")


def test_yearly_bands_tidy():
    sc = scenario(with_collection(UNIFORM_COLLECTION))
    res = simulate(sc, draws=3_000, seed=2)
    bands = res.yearly_bands()
    assert list(bands.columns) == ["line", "statistic", "year", "calendar_year", "value"]
    assert set(bands["line"]) == set(BAND_LINES)
    assert len(bands) == len(BAND_LINES) * len(YEARLY_STATISTICS) * 3
    wide = bands.pivot_table(index="year", columns=["line", "statistic"], values="value")
    for stat in YEARLY_STATISTICS:
        y = res.yearly(stat)
        for line in BAND_LINES:
            assert np.array_equal(wide[(line, stat)].to_numpy(), y[line].to_numpy())
    one = res.yearly_bands(["cumulative_balance"])
    assert set(one["line"]) == {"cumulative_balance"}
    with pytest.raises(ModelError, match="keep_yearly=True"):
        res.yearly_bands(["cost[cleaning]"])
    with pytest.raises(ModelError, match="no yearly line"):
        res.yearly_bands(["no such line"])


def test_yearly_bands_of_one_draw_are_the_value():
    res = evaluate(scenario(tiny()))
    bands = res.yearly_bands()
    assert set(bands["line"]) == set(res.yearly().columns) - {"calendar_year"}
    surplus = bands[bands["line"] == "operating_surplus"]
    assert (surplus["value"] == 3_000.0).all()
    assert sorted(set(surplus["statistic"])) == sorted(YEARLY_STATISTICS)


def test_yearly_csv_has_means_then_band_columns():
    sc = scenario(with_collection(UNIFORM_COLLECTION))
    det = result_tables(evaluate(sc))["yearly"]
    res = simulate(sc, draws=1_000, seed=5)
    mc = result_tables(res)["yearly"]
    assert list(mc.columns[:len(det.columns)]) == list(det.columns)
    extra = list(mc.columns[len(det.columns):])
    assert extra == [f"{line}:{stat}" for line in BAND_LINES for stat in QUANTILE_COLUMNS]
    assert np.array_equal(mc["operating_surplus:p5"], res.yearly("p5")["operating_surplus"])
    kept = result_tables(simulate(sc, draws=1_000, seed=5, keep_yearly=True))["yearly"]
    assert "cost[cleaning]:p95" in kept.columns


# ---------------------------------------------------------------------------------- probabilities
def test_probabilities_of_a_deterministic_run_are_outcomes():
    # gap 160,000 > 0; surplus 3,000 every year: no deficit, balance 9,000 ≥ 0
    p = evaluate(scenario(tiny())).probabilities()
    assert p.index.name == "metric"
    assert list(p.index) == ["has_funding_gap", "any_operating_deficit",
                             "balance_negative_at_horizon"]
    assert list(p.columns) == ["question", "outcome"]
    assert p["outcome"].tolist() == [True, False, False]
    assert p.loc["has_funding_gap", "question"] == "P(funding_gap > 0)"


def test_probabilities_of_a_monte_carlo_run():
    # deficit iff 12,000 c < 9,000 iff c < 0.75: probability 1/2 for c ~ U(0.5, 1)
    sc = scenario(with_collection(UNIFORM_COLLECTION))
    n = 20_000
    res = simulate(sc, draws=n, seed=9)
    p = res.probabilities()
    assert list(p.columns) == ["question", "probability", "mcse", "n"]
    row = p.loc["any_operating_deficit"]
    assert abs(row["probability"] - 0.5) <= 4 * math.sqrt(0.25 / n)
    deficit = res.metric("operating_surplus_first_year") < 0
    assert row["probability"] == deficit.mean()
    assert row["mcse"] == pytest.approx(deficit.std(ddof=1) / math.sqrt(n), rel=0.5)
    assert p.loc["has_funding_gap", "probability"] == 1.0
    assert p.loc["any_operating_deficit", "question"] == "P(any year in operating deficit)"


def test_monte_carlo_of_one_draw_is_still_monte_carlo():
    res = simulate(scenario(with_collection(UNIFORM_COLLECTION)), draws=1, seed=4)
    assert res.info["kind"] == "monte_carlo" and not res.is_deterministic
    p = res.probabilities()
    assert "probability" in p.columns and set(p["probability"]) <= {0.0, 1.0}
    assert p["mcse"].isna().all()  # one draw: no standard error
    assert evaluate(scenario(tiny())).is_deterministic


# ---------------------------------------------------------------------------------- undefined draws
def test_collection_zero_makes_breakeven_undefined():
    # no fee is collected: no fee rate can break even (NaN), and it is counted, not hidden
    sc = scenario(with_collection(0.0))
    s = evaluate(sc).summary()
    for metric in ("breakeven_fee_rate", "breakeven_fee_rate_first_year"):
        assert s.loc[metric, "n"] == 0 and s.loc[metric, "undefined"] == 1
        assert math.isnan(s.loc[metric, "mean"])
    # year 1: 0 − 9,000 < 0, the first deficit year is 1
    assert s.loc["first_deficit_year", "mean"] == 1.0
    assert s.loc["first_deficit_year", "undefined"] == 0
    for keep in (True, False):
        mc = simulate(sc, draws=700, seed=1, keep_draws=keep).summary()
        assert mc.loc["breakeven_fee_rate", "n"] == 0
        assert mc.loc["breakeven_fee_rate", "undefined"] == 700
        assert mc.loc["capex_total", "undefined"] == 0


def test_no_deficit_makes_first_deficit_year_undefined():
    s = evaluate(scenario(tiny())).summary()
    assert s.loc["first_deficit_year", "n"] == 0
    assert s.loc["first_deficit_year", "undefined"] == 1
    # the breakeven is defined: 0.75 (see tiny())
    assert s.loc["breakeven_fee_rate", "mean"] == pytest.approx(0.75, rel=1e-12)
    assert s.loc["breakeven_fee_rate", "undefined"] == 0


def test_undefined_counted_in_exact_and_streamed_summaries():
    # the first deficit year is undefined in the draws without deficit: c ≥ 0.75, about half
    sc = scenario(with_collection(UNIFORM_COLLECTION))
    n = 9_000
    kept = simulate(sc, draws=n, seed=6)
    streamed = simulate(sc, draws=n, seed=6, keep_draws=False)
    no_deficit = int((kept.metric("fee_income_first_year") >= 9_000).sum())
    assert abs(no_deficit / n - 0.5) <= 4 * math.sqrt(0.25 / n)
    for res in (kept, streamed):
        s = res.summary()
        assert s.loc["first_deficit_year", "undefined"] == no_deficit
        assert s.loc["first_deficit_year", "n"] == n - no_deficit
        assert list(s.columns[-2:]) == ["n", "undefined"]
    csv = result_tables(streamed)["summary"]
    assert csv.loc["first_deficit_year", "undefined"] == no_deficit


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(low=st.floats(0.0, 0.9), width=st.floats(0.01, 0.1), draws=st.integers(1, 300),
       seed=st.integers(0, 2**32), keep=st.booleans())
def test_n_plus_undefined_is_the_number_of_draws(low, width, draws, seed, keep):
    sc = scenario(with_collection({"dist": "uniform", "low": low, "high": low + width}))
    s = simulate(sc, draws=draws, seed=seed, keep_draws=keep).summary()
    assert ((s["n"] + s["undefined"]) == draws).all()
    assert s["undefined"].dtype.kind == "i" and s["n"].dtype.kind == "i"


# ---------------------------------------------------------------------------------- items
def test_items_deterministic_hand_values():
    d = tiny()
    d["renovation"]["items"][1]["unit_cost"] = {"dist": "triangular", "low": 90_000,
                                                 "mode": 100_000, "high": 140_000}
    items = evaluate(scenario(d)).items()
    assert items.index.name == "item" and list(items.index) == ["roof", "lift"]
    assert list(items.columns) == ["tier", "quantity", "unit", "unit_cost", "contingency",
                                   "cost", "uncertain"]
    roof, lift = items.loc["roof"], items.loc["lift"]
    assert (roof["tier"], roof["quantity"], roof["unit"]) == ("basic", 100.0, "m2")
    assert roof["unit_cost"] == 1000.0 and roof["contingency"] == 0.1  # the renovation's
    assert roof["cost"] == pytest.approx(110_000, rel=1e-15) and not roof["uncertain"]
    # triangular mean (90 + 100 + 140)/3 thousand = 110,000; own contingency 0
    assert lift["unit_cost"] == pytest.approx(110_000, rel=1e-15)
    assert lift["contingency"] == 0.0 and lift["tier"] == "upgrade"
    assert lift["cost"] == pytest.approx(110_000, rel=1e-15) and lift["uncertain"]


def test_items_of_many_draws_are_means():
    d = tiny()
    d["renovation"]["contingency"] = {"dist": "uniform", "low": 0.0, "high": 0.2}
    d["renovation"]["items"][1]["unit_cost"] = {"dist": "uniform", "low": 80_000,
                                                 "high": 120_000}
    n = 20_000
    res = simulate(scenario(d), draws=n, seed=11)
    items = res.items()
    # roof: contingency U(0, 0.2), mean 0.1, sd 0.2/√12
    assert abs(items.loc["roof", "contingency"] - 0.1) <= 4 * 0.2 / math.sqrt(12 * n)
    assert items.loc["roof", "quantity"] == 100.0 and items.loc["roof", "unit_cost"] == 1000.0
    # the cost is linear in the one uncertain input, so the mean cost is the cost at the mean
    assert items.loc["roof", "cost"] == pytest.approx(
        100 * 1000 * (1 + items.loc["roof", "contingency"]), rel=1e-12)
    assert items.loc["lift", "cost"] == pytest.approx(items.loc["lift", "unit_cost"], rel=1e-12)
    assert abs(items.loc["lift", "unit_cost"] - 100_000) <= 4 * 40_000 / math.sqrt(12 * n)
    assert items["uncertain"].tolist() == [True, True]
    # mean cost per item adds up to the mean capex
    assert items["cost"].sum() == pytest.approx(res.summary().loc["capex_total", "mean"],
                                                rel=1e-12)
    streamed = simulate(scenario(d), draws=n, seed=11, keep_draws=False).items()
    assert streamed.equals(items)


# ---------------------------------------------------------------------------------- describe
def readme_names() -> list[str]:
    """The metric and yearly-line names the README lists (its Python section)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("Metrics (public names)")
    end = text.index("fundmodel.Result.describe(name)", start)
    return re.findall(r"`([^`]+)`", text[start:end])


@pytest.mark.story
def test_describe_knows_every_readme_name():
    names = readme_names()
    assert "income[<name>]" in names and "breakeven_fee_rate" in names and len(names) > 25
    for name in names:
        text = Result.describe(name)
        assert text.startswith(f"{name} [") and "]: " in text, name


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_describe_knows_every_column(path):
    res = evaluate(fundmodel.load_scenario(path))
    for name in [*res.yearly().columns, *res.metrics.columns]:
        assert Result.describe(name).startswith(f"{name} ["), name
    assert res.describe("income[parking]") == Result.describe("income[parking]")


def test_describe_concrete_line_names():
    text = Result.describe("cost[security guards]")
    assert text.startswith("cost[security guards] [CNY/year]: ")
    assert "'security guards'" in text and "shared_by" in text
    assert Result.describe("income[parking]").startswith("income[parking] [CNY/year]: ")
    assert "undefined (NaN) when no fee is collected" in Result.describe("breakeven_fee_rate")
    assert "no year is in deficit" in Result.describe("first_deficit_year")
    assert Result.describe("calendar_year").startswith("calendar_year [year]")


def test_describe_unknown_name():
    with pytest.raises(KeyError, match="did you mean breakeven_fee_rate"):
        Result.describe("breakeven_fee")
    with pytest.raises(KeyError):
        Result.describe("income[]")


def test_tables_do_not_share_state():
    res = evaluate(scenario(tiny()))
    y = res.yearly()
    y.loc[1, "operating_surplus"] = -1.0
    assert res.yearly().loc[1, "operating_surplus"] == 3_000.0
    d = tiny()
    before = copy.deepcopy(d)
    evaluate(scenario(d)).items()
    assert d == before
