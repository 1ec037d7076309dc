"""One government total (issue 19, item 7): the per-household government cost × households is
the government total of ``government()`` and ``fiscal()``; the state firms' "三供一业" transfer
funds are their own party (``soe``), outside it, in both views; the district's bridge of grants
paid in instalments is its own column, not a negative subsidy — worked by hand."""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml

import fundmodel
from fundmodel import Scenario
from fundmodel.labels import text

from cli_runs import run_words
from malformed import ROOT

LIUBEI = ROOT / "scenarios" / "liubei-soe-dormitory.yaml"
GUANGAN = ROOT / "scenarios" / "guangan-bundle.yaml"

# The hand-built compound: 10 households, one basic item of 100,000 CNY built 50/50 in 2025 and
# 2026. The state firm's transfer funds give 1,000 per household = 10,000; the central subsidy
# 40,000 in batches of 25 % and 75 %; the district matches it at 0.5 = 20,000; residents 500
# per household = 5,000. 75,000 < 100,000: every rule pays in full, and the gap is 25,000.
HAND = {
    "name": "totals", "start_year": 2025, "horizon_years": 3,
    "discount_rate": 0.0, "inflation": 0.0,
    "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
    "renovation": {"items": [{"name": "a", "tier": "basic", "quantity": 1,
                              "unit_cost": 100_000, "schedule": [0.5, 0.5]}]},
    "funding": [{"source": "soe_transfer", "per_household": 1_000},
                {"source": "central_subsidy", "amount": 40_000, "instalments": [0.25, 0.75]},
                {"source": "local_budget", "match_ratio": 0.5},
                {"source": "residents", "per_household": 500}],
    "operations": {"property_fee": {"rate_per_m2_month": 0.5}}}


def hand():
    return fundmodel.evaluate(Scenario.model_validate(HAND))


def test_the_hand_built_compound():
    res = hand()
    m = res.metrics.iloc[0]
    # government: the central 40,000 and the district's 20,000; the state firm apart
    assert m["government_cost"] == pytest.approx(60_000, rel=1e-12)
    assert m["government_cost_per_household"] == pytest.approx(6_000, rel=1e-12)
    assert m["soe_cost"] == pytest.approx(10_000, rel=1e-12)
    assert m["soe_cost_per_household"] == pytest.approx(1_000, rel=1e-12)
    assert m["resident_cost"] == pytest.approx(5_000, rel=1e-12)
    assert m["funding_gap"] == pytest.approx(25_000, rel=1e-12)
    assert res.funding().loc["soe_transfer", "payer"] == "soe"
    gov = res.government()
    # by year: the central batches 10,000 and 30,000; the match follows the works, 10,000 a
    # year; the district bridges the central money the works need before it comes, 40,000 ×
    # (0.5 − 0.25) = 10,000 in 2025, repaid in 2026 (−10,000); the total is 30,000 a year;
    # the state firm's 10,000 follows the works too, 5,000 a year, outside the total
    expected = {2025: {"central_government": 10_000, "city_district_government": 10_000,
                       "bridge": 10_000, "total": 30_000, "soe": 5_000},
                2026: {"central_government": 30_000, "city_district_government": 10_000,
                       "bridge": -10_000, "total": 30_000, "soe": 5_000}}
    for year, row in expected.items():
        for column, value in row.items():
            assert gov.loc[year, column] == pytest.approx(value, rel=1e-12), (year, column)
    assert list(gov.columns) == ["central_government", "provincial_government",
                                 "city_district_government", "street_community", "bridge",
                                 "total", "soe"]
    # one total: 6,000 × 10 = 60,000 = 30,000 + 30,000
    total = m["government_cost_per_household"] * 10
    assert total == pytest.approx(gov["total"].sum(), rel=1e-9)
    fiscal = res.fiscal()
    assert fiscal["subsidies"].tolist() == pytest.approx([20_000, 40_000], rel=1e-12)
    assert fiscal["bridge"].tolist() == pytest.approx([10_000, -10_000], rel=1e-12)
    assert fiscal["net_commitment"].tolist() == pytest.approx([30_000, 30_000], rel=1e-12)
    assert fiscal["soe"].tolist() == pytest.approx([5_000, 5_000], rel=1e-12)
    assert total == pytest.approx(fiscal["net_commitment"].sum(), rel=1e-9)
    # the parties' view: the state firm pays its 10,000, the government levels 60,000
    parties = res.parties()
    assert parties.loc["soe", "paid"] == pytest.approx(10_000, rel=1e-12)
    assert parties.loc[["central_government", "city_district_government"], "paid"].sum() == \
        pytest.approx(60_000, rel=1e-12)


def test_liubei_has_one_government_total():
    res = fundmodel.evaluate(fundmodel.load_scenario(LIUBEI))
    m = res.metrics.iloc[0]
    households = res.scenario.compound.households
    gov, fiscal = res.government(), res.fiscal()
    total = m["government_cost_per_household"] * households
    assert total == pytest.approx(gov["total"].sum(), rel=1e-9)
    assert total == pytest.approx(fiscal["net_commitment"].sum(), rel=1e-9)
    assert total == pytest.approx((fiscal["subsidies"] + fiscal["bridge"]).sum(), rel=1e-9)
    # the state firm's transfer funds: 4,000 for each of the 175 households = 700,000, its
    # own party in both views and outside the government's total
    assert m["soe_cost"] == pytest.approx(4_000 * 175, rel=1e-12)
    assert m["soe_cost_per_household"] == pytest.approx(4_000, rel=1e-12)
    assert gov["soe"].sum() == pytest.approx(700_000, rel=1e-12)
    assert fiscal["soe"].sum() == pytest.approx(700_000, rel=1e-12)
    # the sources by payer: government's are the central subsidy, the budget investment and
    # the district's match; their sum is the total, and with the state firm's the old 2.61 M
    f = res.funding()
    assert f.loc["soe_transfer", "payer"] == "soe"
    assert f.loc[f["payer"] == "government", "amount"].sum() == pytest.approx(total, rel=1e-9)
    assert total + 700_000 == pytest.approx(2_610_104, abs=1)
    # the bridge of the central batches sums to 0 over the years
    assert gov["bridge"].sum() == pytest.approx(0.0, abs=1e-6)


def test_guangan_bridge_repayment_is_its_own_line():
    """The central subsidy, 8,000 × 820 households = 6,560,000, pays basic items all built in
    2024, in two batches of 3,280,000. The district bridges the second batch in 2024 and is
    repaid in 2025: +3,280,000, then −3,280,000 — not a subsidy of −2,940,000 in 2025 (its
    top-up of 340,000 less the repayment)."""
    res = fundmodel.evaluate(fundmodel.load_scenario(GUANGAN))
    batch = 8_000 * 820 * 0.5
    fiscal = res.fiscal()                          # the district's own view (fiscal.level)
    assert fiscal.loc[2024, "bridge"] == pytest.approx(batch)
    assert fiscal.loc[2025, "bridge"] == pytest.approx(-batch)
    assert fiscal.loc[2025, "subsidies"] == pytest.approx(340_000)   # the top-up
    assert fiscal.loc[2025, "subsidies"] >= 0 and (fiscal["subsidies"] >= 0).all()
    top_up = res.funding().loc["top_up", "amount"]
    assert top_up == pytest.approx(340_000)
    assert fiscal.loc[2025, "net_commitment"] == pytest.approx(top_up - batch)   # −2,940,000
    gov = res.government()
    assert gov.loc[2024, "bridge"] == pytest.approx(batch)
    assert gov.loc[2025, "bridge"] == pytest.approx(-batch)
    assert gov.loc[2025, "city_district_government"] == pytest.approx(340_000)
    assert (gov["city_district_government"] >= 0).all()
    # the renovation's government funding is the total over the construction years
    # (6,560,000 + 1,500 × 820 + 340,000 = 8,130,000); the later years are the bond's
    # service and the guarantee's calls the district bears
    m = res.metrics.iloc[0]
    assert m["government_cost"] == pytest.approx(6_560_000 + 1_500 * 820 + 340_000)
    built = gov.loc[[2024, 2025], "total"].sum()
    assert m["government_cost_per_household"] * 820 == pytest.approx(built, rel=1e-9)


@pytest.mark.parametrize("draws", [1, 200])
def test_means_over_draws_agree(draws):
    sc = fundmodel.load_scenario(LIUBEI)
    res = fundmodel.simulate(sc, draws=draws, seed=5) if draws > 1 else fundmodel.evaluate(sc)
    s = res.summary()["mean"]
    assert s["government_cost_per_household"] * 175 == pytest.approx(
        res.government()["total"].sum(), rel=1e-9)
    assert s["soe_cost"] == pytest.approx(res.government()["soe"].sum(), rel=1e-9)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_run_names_the_state_firms_money_apart(capsys, lang):
    out = "".join(run_words(capsys, "run", LIUBEI, "--lang", lang).split())   # no wrapping
    # 1,910,104 / 175 = 10,914.88 for government, 4,000 for the state firm
    sentence = text("renovation.sentence_soe", lang, gap="674,453", share="18.8%",
                    gap_per_household="3,854", government="10,915", soe="4,000",
                    residents="400")
    assert "".join(re.sub(r"\[/?bold\]", "", sentence).split()) in out


def test_run_prints_the_bridge_column(capsys):
    out = run_words(capsys, "run", GUANGAN)
    assert "│ 2025 │ 340,000 │ -3,280,000 │" in out
    assert "bridge" in out


def test_the_hand_built_compound_with_draws_in_the_cli(tmp_path, capsys):
    file = tmp_path / "totals.yaml"
    file.write_text(yaml.safe_dump(HAND), encoding="utf-8")
    out = run_words(capsys, "run", file, "--draws", "32")
    assert "state firms' transfer funds per household" in out   # the declared label
    assert np.isclose(hand().metrics.loc[0, "soe_cost_per_household"], 1_000)


# ------------------------------------------------------------------------------ invariants
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from test_invariants import scenarios  # noqa: E402  (items and grant rules of every kind)


def _same(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= 1e-9 * scale + 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_one_government_total_for_every_scenario(d):
    """The per-household government cost × households is the government view's total and
    the fiscal view's net commitment (no government pays in operations here); the state
    firms' money is its own, and every party's funding with the gap is the cost."""
    res = fundmodel.evaluate(Scenario.model_validate(d))
    m = res.metrics.iloc[0]
    households = d["compound"]["households"]
    scale = float(m["capex_total"])
    gov = res.government()
    total = float(m["government_cost_per_household"]) * households
    assert _same(total, float(m["government_cost"]), scale)
    assert _same(total, float(gov["total"].sum()), scale)
    assert _same(total, float(res.fiscal()["net_commitment"].sum()), scale)
    f = res.funding()
    by_payer = f.groupby("payer")["amount"].sum()
    assert _same(float(by_payer.get("government", 0.0)), total, scale)
    if "soe" in by_payer:        # the state firms' metrics, only with a rule of theirs
        assert _same(float(m["soe_cost"]), float(gov["soe"].sum()), scale)
        assert _same(float(m["soe_cost_per_household"]) * households, float(m["soe_cost"]),
                     scale)
        assert _same(float(by_payer["soe"]), float(m["soe_cost"]), scale)
    else:
        assert "soe_cost" not in m.index and (gov["soe"] == 0).all()
    assert _same(float(f["amount"].sum()), scale, scale)


@settings(max_examples=60, deadline=None)
@given(built=st.floats(0.0, 1.0), batch=st.floats(0.0, 1.0),
       amount=st.floats(0.0, 100_000.0), soe=st.floats(0.0, 5_000.0))
def test_the_bridge_is_its_own_column_and_sums_to_zero(built, batch, amount, soe):
    """The hand-built compound with any schedule, batches and amounts: the bridge is
    amount × (built − batch) in 2025 and its opposite in 2026, in its own column; the
    subsidies never go below 0; one total."""
    d = {**HAND, "renovation": {"items": [{**HAND["renovation"]["items"][0],
                                           "schedule": [built, 1.0 - built]}]},
         "funding": [{"source": "soe_transfer", "per_household": soe},
                     {"source": "central_subsidy", "amount": amount,
                      "instalments": [batch, 1.0 - batch]},
                     {"source": "local_budget", "match_ratio": 0.5}]}
    res = fundmodel.evaluate(Scenario.model_validate(d))
    m = res.metrics.iloc[0]
    # the rules pay in the order written: the state firm's 10 × soe, then the centre's
    paid = min(amount, 100_000.0 - 10 * soe)
    gov = res.government().reindex([2025, 2026], fill_value=0.0)
    fiscal = res.fiscal().reindex([2025, 2026], fill_value=0.0)
    bridge = paid * (built - batch)
    for view in (gov, fiscal):
        assert view.loc[2025, "bridge"] == pytest.approx(bridge, rel=1e-9, abs=1e-6)
        assert view.loc[2026, "bridge"] == pytest.approx(-bridge, rel=1e-9, abs=1e-6)
    assert (fiscal["subsidies"] >= -1e-6).all()
    assert (gov["city_district_government"] >= -1e-6).all()
    assert m["government_cost_per_household"] * 10 == pytest.approx(
        gov["total"].sum(), rel=1e-9, abs=1e-6)
