"""Bonds as they are issued (issue 22, item 1): a custom repayment profile (分期还本), interest
during construction (建设期利息), fees — each schedule worked by hand (the arithmetic written
out), numpy-financial where it applies, principal repaid = principal issued (plus the interest
capitalised) by hypothesis, a programme's pooled bond with these terms, malformed terms."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import fundmodel
from malformed import check_one_located_issue, edit, line_of, write
from test_debt import lines, loan, metric, scenario
from test_debt_malformed import DEBT_TEXT, LOAN

B = "debt[bank_loan]."


# ------------------------------------------------------------------ 1. a repayment profile
def test_a_profile_in_percent_by_hand():
    # 100,000 at 5 % over 4 years, repaid 0 %, 20 %, 30 %, 50 % (the leading 0: one grace year)
    #   year 1: balance 100,000, interest 5,000, principal 0
    #   year 2: balance 100,000, interest 5,000, principal 20,000
    #   year 3: balance  80,000, interest 4,000, principal 30,000
    #   year 4: balance  50,000, interest 2,500, principal 50,000
    res = fundmodel.evaluate(scenario([loan(amount=100_000, term_years=4, repayment="profile",
                                            principal_profile=[0, 20, 30, 50])]))
    got = lines(res)
    np.testing.assert_allclose(got[B + "interest"][1:5], [5000, 5000, 4000, 2500], rtol=1e-15)
    np.testing.assert_allclose(got[B + "principal"][1:5], [0, 20_000, 30_000, 50_000],
                               rtol=1e-15)
    assert got[B + "principal"].sum() == pytest.approx(100_000, rel=1e-15)
    # the same in shares (summing to 1)
    shares = fundmodel.evaluate(scenario([loan(amount=100_000, term_years=4,
                                               repayment="profile",
                                               principal_profile=[0, 0.2, 0.3, 0.5])]))
    np.testing.assert_array_equal(lines(shares)[B + "interest"], got[B + "interest"])
    np.testing.assert_array_equal(lines(shares)[B + "principal"], got[B + "principal"])
    # Result.debt(): the opening balances 100,000, 100,000, 80,000, 50,000
    assert res.debt()["balance"].tolist() == pytest.approx([100_000, 100_000, 80_000, 50_000])


def test_a_profile_sized_on_its_dscr_target():
    # service per CNY lent: y1 0.05, y2 0.05 + 0.2 = 0.25, y3 0.04 + 0.3 = 0.34,
    # y4 0.025 + 0.5 = 0.525 (the largest): a rent of 13,000 at 1.3× carries
    # 13,000 / (1.3 × 0.525) = 19,047.62 CNY
    res = fundmodel.evaluate(scenario([loan(dscr_target=1.3, term_years=4, repayment="profile",
                                            principal_profile=[0, 20, 30, 50])]))
    assert metric(res, B + "amount") == pytest.approx(10_000 / 0.525, rel=1e-12)
    assert metric(res, B + "min_dscr") == pytest.approx(1.3, rel=1e-12)
    assert metric(res, B + "min_dscr_year") == 4.0


def test_a_profile_of_the_annuity_shares_is_the_annuity_of_numpy_financial():
    # the principal parts of a 10-year annuity at 5 % (numpy-financial's ppmt), as shares,
    # give numpy-financial's interest (ipmt) year by year
    per = np.arange(1, 11)
    shares = -npf.ppmt(0.05, per, 10, 1.0)
    res = fundmodel.evaluate(scenario([loan(amount=100_000, repayment="profile",
                                            principal_profile=shares.tolist())]))
    got = lines(res)
    np.testing.assert_allclose(got[B + "interest"][1:11], -npf.ipmt(0.05, per, 10, 100_000),
                               rtol=1e-12)
    np.testing.assert_allclose(got[B + "principal"][1:11], -npf.ppmt(0.05, per, 10, 100_000),
                               rtol=1e-12)


# ------------------------------------------------------------------ 2. interest during construction
# items a (100,000, built in 2025) and b (50,000, built in 2026): two construction years,
# the loan draws 100,000 then 50,000 (D_0, D_1), drawn on average mid-year
TWO_YEARS = dict(income=20_000, second_item=50_000)


def test_construction_interest_paid_by_hand():
    # I_0 = 5 % × (0 + 100,000 / 2) = 2,500; I_1 = 5 % × (100,000 + 50,000 / 2) = 6,250
    res = fundmodel.evaluate(scenario([loan(amount=150_000, repayment="equal_principal",
                                            construction_interest="paid")], **TWO_YEARS))
    got = lines(res)
    assert got[B + "construction_interest"][:2] == pytest.approx([2500, 6250], rel=1e-15)
    assert got[B + "construction_interest"][2:].sum() == 0.0
    assert metric(res, B + "construction_interest") == pytest.approx(8750, rel=1e-15)
    # the term's principal is what was drawn: 150,000 in tenths, interest from 150,000
    assert got[B + "principal"][2] == pytest.approx(15_000, rel=1e-15)
    assert got[B + "interest"][2] == pytest.approx(7500, rel=1e-15)
    assert got[B + "principal"].sum() == pytest.approx(150_000, rel=1e-14)
    # the operator (a bank loan's obligor) pays it to the lender
    cf = res.cashflows()
    row = cf[cf["line"] == B + "construction_interest"].iloc[0]
    assert (row["payer"], row["payee"]) == ("operator", "lender")


def test_construction_interest_capitalised_by_hand():
    # I_0 = 5 % × (0 + 100,000 / 2) = 2,500; B_0 = 100,000 + 2,500 = 102,500
    # I_1 = 5 % × (102,500 + 50,000 / 2) = 6,375; total 8,875 added to the principal:
    # 158,875 repaid in tenths of 15,887.5; year 1 interest 5 % × 158,875 = 7,943.75
    res = fundmodel.evaluate(scenario([loan(amount=150_000, repayment="equal_principal",
                                            construction_interest="capitalised")], **TWO_YEARS))
    got = lines(res)
    assert B + "construction_interest" not in got           # nothing paid in construction
    assert metric(res, B + "construction_interest") == pytest.approx(8875, rel=1e-15)
    assert metric(res, B + "amount") == pytest.approx(150_000)    # what is drawn
    assert got[B + "principal"][2:12] == pytest.approx([15_887.5] * 10, rel=1e-14)
    assert got[B + "interest"][2] == pytest.approx(7943.75, rel=1e-14)
    assert got[B + "principal"].sum() == pytest.approx(158_875, rel=1e-14)
    # the LLCR is over the principal of the term: 20,000 × Σ 1.05^−t / 158,875
    annuity = sum(1.05 ** -t for t in range(1, 11))
    assert metric(res, B + "llcr") == pytest.approx(20_000 * annuity / 158_875, rel=1e-12)


def test_a_capitalising_debt_is_sized_so_that_its_principal_keeps_the_target():
    # equal principal over 10 years at 5 %: the heaviest year per unit is year 1, 0.1 + 0.05;
    # a rent of 13,000 at 1.3× carries a principal S = 10,000 / 0.15 = 66,666.67. Per CNY
    # drawn (2/3 in 2025, 1/3 in 2026) the interest capitalised is
    # c = 5 % × 1/3 + 5 % × (2/3 + 1/60 + 1/6) = 1/60 + 0.0425 = 0.0591667 (= 8,875 / 150,000)
    # so the loan draws S / (1 + c) and its principal of the term is S
    res = fundmodel.evaluate(scenario([loan(dscr_target=1.3, repayment="equal_principal",
                                            construction_interest="capitalised")],
                                      income=13_000, second_item=50_000))
    c = 8875 / 150_000
    assert metric(res, B + "amount") == pytest.approx(10_000 / 0.15 / (1 + c), rel=1e-12)
    assert metric(res, B + "min_dscr") == pytest.approx(1.3, rel=1e-12)
    assert lines(res)[B + "principal"].sum() == pytest.approx(10_000 / 0.15, rel=1e-12)


def test_a_one_year_construction_accrues_half_a_year():
    # the half-year rule: 100,000 drawn in the single construction year, 5 % × 50,000 = 2,500
    res = fundmodel.evaluate(scenario([loan(amount=100_000, construction_interest="paid")]))
    assert lines(res)[B + "construction_interest"][0] == pytest.approx(2500, rel=1e-15)


def test_without_construction_interest_nothing_changes():
    plain = fundmodel.evaluate(scenario([loan(amount=150_000)], **TWO_YEARS))
    none = fundmodel.evaluate(scenario([loan(amount=150_000, construction_interest="none")],
                                       **TWO_YEARS))
    assert list(none.metrics.columns) == list(plain.metrics.columns)
    np.testing.assert_array_equal(none.metrics.to_numpy(), plain.metrics.to_numpy())


# ------------------------------------------------------------------ 3. fees
def test_fees_by_hand():
    # 100,000 at 5 % over 4 years in quarters; issuance 0.1 %, annual 0.05 % of the opening
    # balance, redemption 0.05 % of the principal repaid:
    #   issuance, at issue (2025, as drawn):  0.001 × 100,000 = 100
    #   annual: 0.0005 × 100,000, 75,000, 50,000, 25,000 = 50, 37.5, 25, 12.5
    #   redemption: 0.0005 × 25,000 = 12.5 a year
    #   interest: 5,000, 3,750, 2,500, 1,250
    res = fundmodel.evaluate(scenario([loan(amount=100_000, term_years=4, repayment="profile",
                                            principal_profile=[25, 25, 25, 25],
                                            issuance_fee=0.001, annual_fee=0.0005,
                                            redemption_fee=0.0005)]))
    got = lines(res)
    assert got[B + "issuance_fee"][0] == pytest.approx(100, rel=1e-15)
    assert got[B + "annual_fee"][1:5] == pytest.approx([50, 37.5, 25, 12.5], rel=1e-15)
    assert got[B + "redemption_fee"][1:5] == pytest.approx([12.5] * 4, rel=1e-15)
    assert metric(res, B + "fees") == pytest.approx(100 + 125 + 50, rel=1e-15)
    # the cover counts the fees of the term in the debt service (not the issuance fee, paid
    # at issue): year 1 service 5,000 + 25,000 + 50 + 12.5 = 30,062.5 against 13,000
    assert metric(res, B + "min_dscr") == pytest.approx(13_000 / 30_062.5, rel=1e-12)
    service = 12_500 + 100_000 + 125 + 50
    assert metric(res, B + "coverage_gross") == pytest.approx(4 * 13_000 / service, rel=1e-12)
    # sized on its target, the fees count: 13,000 / (1.3 × (0.05 + 0.25 + 0.0005 + 0.000125))
    sized = fundmodel.evaluate(scenario([loan(dscr_target=1.3, term_years=4,
                                              repayment="equal_principal", annual_fee=0.0005,
                                              redemption_fee=0.0005)]))
    assert metric(sized, B + "amount") == pytest.approx(10_000 / 0.300625, rel=1e-12)


def test_a_bonds_fees_are_paid_by_its_issuer():
    res = fundmodel.evaluate(scenario([{"source": "special_bond", "label": "bond",
                                        "amount": 100_000, "rate": 0.03, "term_years": 5,
                                        "repayment": "bullet", "pledged": ["income[rent]"],
                                        "annual_fee": 0.0001}]))
    cf = res.cashflows()
    row = cf[cf["line"] == "debt[bond].annual_fee"].iloc[0]
    assert (row["payer"], row["payee"]) == ("city_district_government", "lender")
    # a bullet: the balance is 100,000 in each of the 5 years, 0.01 % of it a year
    assert metric(res, "debt[bond].fees") == pytest.approx(0.0001 * 100_000 * 5, rel=1e-12)


# ------------------------------------------------------------------ 4. tranches
TRANCHES = {"source": "bank_loan", "term_years": 4, "repayment": "equal_principal",
            "pledged": ["income[rent]"],
            "tranches": [{"year": 2025, "amount": 100_000, "rate": 0.05},
                         {"year": 2026, "amount": 50_000, "rate": 0.03, "term_years": 3,
                          "repayment": "bullet"}]}


def test_tranches_by_hand():
    # construction in 2025 (a, 100,000) and 2026 (b, 50,000); operating year 1 is 2027.
    # tranche 1: 100,000 at 5 % issued in 2025, 4 years of equal principal from 2026:
    #   2026: interest 5,000, principal 25,000; 2027: 3,750 + 25,000; 2028: 2,500 + 25,000;
    #   2029: 1,250 + 25,000
    # tranche 2: 50,000 at 3 % issued in 2026, a 3-year bullet from 2027:
    #   2027, 2028: interest 1,500; 2029: 1,500 + 50,000
    # together: interest 5,000, 5,250, 4,000, 2,750; principal 25,000, 25,000, 25,000, 75,000
    res = fundmodel.evaluate(scenario([TRANCHES], income=20_000, second_item=50_000))
    got = lines(res)
    np.testing.assert_allclose(got[B + "interest"][:6], [0, 5000, 5250, 4000, 2750, 0],
                               rtol=1e-15)
    np.testing.assert_allclose(got[B + "principal"][:6], [0, 25_000, 25_000, 25_000, 75_000, 0],
                               rtol=1e-15)
    assert metric(res, B + "amount") == pytest.approx(150_000)
    assert metric(res, B + "capped") == 0.0
    # the cover is over the operating years (2027..2029): the service 30,250, 29,000, 77,750;
    # the coupon of 2026 (a construction year) is the obligor's, outside it
    assert metric(res, B + "min_dscr") == pytest.approx(20_000 / 77_750, rel=1e-12)
    assert metric(res, B + "min_dscr_year") == 3.0
    assert metric(res, B + "coverage_gross") == pytest.approx(60_000 / 137_000, rel=1e-12)
    # LLCR at the coupons' mean weighted by amount, (100,000 × 5 % + 50,000 × 3 %) / 150,000
    mean = (5000 + 1500) / 150_000
    assert metric(res, B + "llcr") == pytest.approx(
        sum(20_000 * (1 + mean) ** -t for t in (1, 2, 3)) / 150_000, rel=1e-12)
    table = res.debt()
    assert table["calendar_year"].tolist() == [2027, 2028, 2029]
    assert table["debt_service"].tolist() == pytest.approx([30_250, 29_000, 77_750])


def test_tranches_cut_by_a_limit_keep_their_shares():
    # a cap of 75,000 on 150,000 asked: each tranche lends half of its amount, so every line
    # is half of the one above
    full = lines(fundmodel.evaluate(scenario([TRANCHES], income=20_000, second_item=50_000)))
    res = fundmodel.evaluate(scenario([{**TRANCHES, "cap": 75_000}], income=20_000,
                                      second_item=50_000))
    assert metric(res, B + "capped") == 1.0
    for name in (B + "interest", B + "principal"):
        np.testing.assert_allclose(lines(res)[name], full[name] / 2, rtol=1e-14)


def test_a_tranche_with_its_own_profile_and_the_debts_rate_and_fees():
    # one tranche of 100,000 in 2025, the debt's 4 % and its profile [0, 50, 50] over 3 years
    # from 2026, annual fee 0.1 % of the balance: interest 4,000, 4,000, 2,000; principal 0,
    # 50,000, 50,000; annual fee 100, 100, 50 (2026 is operating year 1: one construction year)
    res = fundmodel.evaluate(scenario([{
        "source": "bank_loan", "rate": 0.04, "term_years": 3, "pledged": ["income[rent]"],
        "annual_fee": 0.001,
        "tranches": [{"year": 2025, "amount": 100_000, "repayment": "profile",
                      "principal_profile": [0, 50, 50]}]}]))
    got = lines(res)
    assert got[B + "interest"][1:4] == pytest.approx([4000, 4000, 2000], rel=1e-15)
    assert got[B + "principal"][1:4] == pytest.approx([0, 50_000, 50_000], rel=1e-15)
    assert got[B + "annual_fee"][1:4] == pytest.approx([100, 100, 50], rel=1e-15)


def test_uncertain_tranche_amounts_are_drawn():
    # a tranche of 40,000 or 60,000 (choice) beside one of 50,000: the debt lends their sum
    d = {**TRANCHES, "tranches": [{**TRANCHES["tranches"][0],
                                   "amount": {"dist": "choice", "values": [40_000, 60_000]}},
                                  TRANCHES["tranches"][1]]}
    res = fundmodel.simulate(scenario([d], income=20_000, second_item=50_000), draws=64,
                             seed=3)
    assert set(np.round(res.metrics[B + "amount"].to_numpy())) == {90_000.0, 110_000.0}


# ------------------------------------------------------------------ 5. capital part, cover bases
def test_the_capital_part_of_a_bond():
    # 20 % of a 100,000 bond used as the project's capital: 20,000; the service is the bond's
    bond = {"source": "special_bond", "label": "bond", "amount": 100_000, "rate": 0.03,
            "term_years": 5, "pledged": ["income[rent]"]}
    plain = fundmodel.evaluate(scenario([bond]))
    res = fundmodel.evaluate(scenario([{**bond, "capital_share": 0.2}]))
    assert metric(res, "debt[bond].capital") == pytest.approx(20_000, rel=1e-15)
    assert "debt[bond].capital" not in plain.metrics
    np.testing.assert_array_equal(lines(res)["debt[bond].interest"],
                                  lines(plain)["debt[bond].interest"])


def test_cover_bases_with_construction_interest_paid_by_hand():
    # 150,000 over 10 years at 5 % in equal principal, 8,750 of interest during construction
    # paid (2,500 + 6,250, as above); a rent of 20,000 a year over a 12-year horizon:
    #   the term's service: principal 150,000 + interest 5 % × 15,000 × (10 + 9 + ... + 1)
    #                       = 150,000 + 41,250 = 191,250
    #   gross over the term: 200,000 / 191,250 (coverage_gross, as before)
    #   over the operating period: 240,000 / 191,250
    #   with the construction years: 200,000 / (191,250 + 8,750) = 1
    res = fundmodel.evaluate(scenario([loan(amount=150_000, repayment="equal_principal",
                                            construction_interest="paid",
                                            coverage_bases=True)], **TWO_YEARS))
    assert metric(res, B + "coverage_gross") == pytest.approx(200_000 / 191_250, rel=1e-12)
    assert metric(res, B + "coverage_gross_operating_period") == pytest.approx(
        240_000 / 191_250, rel=1e-12)
    assert metric(res, B + "coverage_net_operating_period") == pytest.approx(
        240_000 / 191_250, rel=1e-12)                      # no pledged costs: net = gross
    assert metric(res, B + "coverage_gross_with_construction") == pytest.approx(1.0, rel=1e-12)
    assert metric(res, B + "coverage_net_with_construction") == pytest.approx(1.0, rel=1e-12)


def test_cover_bases_of_tranches_by_hand():
    # the two tranches above: the operating years' service 137,000; paid in 2026 (a
    # construction year) 5,000 + 25,000 = 30,000; rent 20,000 a year, 12 operating years;
    # a pledged cost of 2,000 a year for the net basis
    res = fundmodel.evaluate(scenario([{**TRANCHES, "coverage_bases": True,
                                        "pledged_costs": ["cost[upkeep]"]}],
                                      income=20_000, second_item=50_000,
                                      costs=[("upkeep", 2000.0)]))
    assert metric(res, B + "coverage_gross_operating_period") == pytest.approx(
        240_000 / 137_000, rel=1e-12)
    assert metric(res, B + "coverage_net_operating_period") == pytest.approx(
        216_000 / 137_000, rel=1e-12)
    assert metric(res, B + "coverage_gross_with_construction") == pytest.approx(
        60_000 / 167_000, rel=1e-12)
    assert metric(res, B + "coverage_net_with_construction") == pytest.approx(
        54_000 / 167_000, rel=1e-12)


# ------------------------------------------------------------------ invariants
@st.composite
def terms(draw):
    term = draw(st.integers(1, 10))
    parts = draw(st.lists(st.integers(0, 20), min_size=term, max_size=term).filter(any))
    total = sum(parts)
    profile = [100 * p / total for p in parts]
    return dict(term_years=term, repayment="profile", principal_profile=profile,
                rate=draw(st.sampled_from([0.0, 0.021, 0.05, 0.1])),
                construction_interest=draw(st.sampled_from(["none", "paid", "capitalised"])),
                amount=draw(st.sampled_from([1_000.0, 60_000.0, 150_000.0])),
                annual_fee=draw(st.sampled_from([None, 0.0005])))


@st.composite
def tranches(draw):
    out = []
    for year in draw(st.lists(st.sampled_from([2025, 2026]), min_size=1, max_size=3)):
        term = draw(st.integers(2, 8))       # at least into operating year 1 (2027)
        parts = draw(st.lists(st.integers(0, 9), min_size=term, max_size=term).filter(any))
        out.append({"year": year, "amount": draw(st.sampled_from([10_000.0, 70_000.0])),
                    "rate": draw(st.sampled_from([0.0, 0.03, 0.07])), "term_years": term,
                    "repayment": "profile",
                    "principal_profile": [p / sum(parts) for p in parts]})
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tranches())
def test_tranches_repay_what_they_lend(ts):
    res = fundmodel.evaluate(scenario([{"source": "bank_loan", "term_years": 5,
                                        "pledged": ["income[rent]"], "tranches": ts}],
                                      **TWO_YEARS))
    drawn = metric(res, B + "amount")
    assert drawn == pytest.approx(min(150_000, sum(t["amount"] for t in ts)), rel=1e-12)
    assert lines(res)[B + "principal"].sum() == pytest.approx(drawn, rel=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms())
def test_principal_repaid_is_principal_issued_plus_interest_capitalised(t):
    res = fundmodel.evaluate(scenario([loan(**t)], **TWO_YEARS))
    got = lines(res)
    drawn = metric(res, B + "amount")
    capitalised = (metric(res, B + "construction_interest")
                   if t["construction_interest"] == "capitalised" else 0.0)
    assert got[B + "principal"].sum() == pytest.approx(drawn + capitalised, rel=1e-12)
    assert lines(res, "capital")["funding[bank_loan]"].sum() == pytest.approx(drawn, rel=1e-12)


# ------------------------------------------------------------------ a programme's bond
def test_a_package_of_one_with_every_term_is_the_compounds_own_bond(tmp_path):
    from test_programme_debt import district_of, pool_bond, run, BOND

    terms = dict(repayment="profile",
                 principal_profile=[0, 0, 4, 4, 6, 6, 8, 8, 8, 8, 8, 10, 10, 10, 10],
                 construction_interest="capitalised", issuance_fee=0.001, annual_fee=0.0002,
                 redemption_fee=0.0005, capital_share=0.25, coverage_bases=True)

    def own(data):
        next(r for r in data["funding"] if r.get("label") == BOND).update(**terms)
    pooled = run(district_of(tmp_path / "p", (1.0,), pool_bond(1.0, **terms)))
    alone = run(district_of(tmp_path / "o", (1.0,), own))
    assert f"debt[{BOND}].construction_interest" in alone.metrics
    assert alone.metrics[f"debt[{BOND}].construction_interest"][0, 0] > 0
    for name, value in alone.metrics.items():
        np.testing.assert_allclose(pooled.metrics[name], value, rtol=1e-13, equal_nan=True,
                                   err_msg=name)
    for line in alone.ledger:
        np.testing.assert_allclose(pooled.ledger[line.name], line.amount, rtol=1e-13,
                                   err_msg=line.name)


def test_a_package_of_one_issued_in_tranches_is_the_compounds_own_bond(tmp_path):
    from test_programme_debt import district_of, pool_bond, run, BOND

    def edit(pooled):
        def change(data):
            rule = next(r for r in data["funding"] if r.get("label") == BOND)
            amount = rule.pop("amount")
            rule.update(pooled=pooled, annual_fee=0.0001, coverage_bases=True, tranches=[
                {"year": 2024, "amount": amount * 0.6},
                {"year": 2025, "amount": amount * 0.4, "rate": 0.028, "term_years": 12}])
        return change
    pooled = run(district_of(tmp_path / "p", (1.0,), edit(True)))
    alone = run(district_of(tmp_path / "o", (1.0,), edit(False)))
    for name, value in alone.metrics.items():
        np.testing.assert_allclose(pooled.metrics[name], value, rtol=1e-13, equal_nan=True,
                                   err_msg=name)
    for line in alone.ledger:
        np.testing.assert_allclose(pooled.ledger[line.name], line.amount, rtol=1e-13,
                                   err_msg=line.name)
    # the 2024 tranche pays its coupon from 2025, a construction year
    first = next(l for l in alone.ledger if l.name == f"debt[{BOND}].interest")
    assert first.start == 1


def test_a_pooled_bond_paying_construction_interest_splits_it_by_allocation(tmp_path):
    from test_programme_debt import district_of, pool_bond, run, BOND

    out = run(district_of(tmp_path, (1.0, 0.5), pool_bond(0.5, construction_interest="paid")))
    idc = out.metrics[f"debt[{BOND}].construction_interest"][0]
    lent = out.metrics[f"debt[{BOND}].amount"][0]
    # each compound pays the interest on what it draws: the same schedule of drawing (the
    # second compound is the first at half the size), so the same interest per CNY lent
    np.testing.assert_allclose(idc / lent, np.full(2, idc[0] / lent[0]), rtol=1e-12)
    assert (idc > 0).all()


# ------------------------------------------------------------------ malformed terms
PROFILE = "    term_years: 10\n    repayment: profile\n    principal_profile: {}\n"
TERM = "    term_years: 10\n"
# (id, new text for the loan's term line, expected path below the loan, phrase, offending line)
CASES = [
    ("profile-sum-97", PROFILE.format("[0, 0, 10, 10, 10, 10, 10, 10, 10, 27]"),
     "principal_profile", "sums to 97", "    principal_profile:"),
    ("profile-too-short", PROFILE.format("[0, 0, 25, 25, 25, 25]"),
     "principal_profile", "6 year(s) for a term of 10 years", "    principal_profile:"),
    ("profile-negative", PROFILE.format("[0, 0, 20, 20, 20, 20, 20, 20, -20, 0]"),
     "principal_profile[8]", "greater than or equal to 0", "    principal_profile:"),
    ("profile-without-repayment-profile",
     "    term_years: 10\n    principal_profile: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]\n",
     "principal_profile", "write repayment: profile", "    principal_profile:"),
    ("repayment-profile-without-profile", "    term_years: 10\n    repayment: profile\n",
     "repayment", "give it", "    repayment: profile"),
    ("grace-contradicting-the-profile",
     PROFILE.format("[0, 0, 10, 10, 10, 10, 10, 10, 20, 20]") + "    grace_years: 1\n",
     "grace_years", "whose 2 leading 0 year(s)", "    grace_years: 1"),
    ("construction-interest-unknown", TERM + "    construction_interest: capitalized\n",
     "construction_interest", "", "    construction_interest:"),
    ("fee-as-percentage", TERM + "    issuance_fee: 5\n",
     "issuance_fee", "did you mean 0.05", "    issuance_fee:"),
    ("fee-negative", TERM + "    annual_fee: -0.001\n",
     "annual_fee", "greater than or equal to 0", "    annual_fee:"),
]
LOAN_TERMS = "    amount: 400000\n    rate: 0.04\n    term_years: 10\n"
TRANCHED = ("    rate: 0.04\n    term_years: 10\n    tranches:\n"
            "      - {year: 2025, amount: 300000}\n      - {year: 2025, amount: 100000, "
            "rate: 0.03, term_years: 8}\n")
# (id, new text for the loan's amount, rate and term, path below the loan, phrase, line)
TRANCHE_CASES = [
    ("amount-and-tranches", "    amount: 400000\n" + TRANCHED, "amount",
     "leave amount out", "    amount: 400000"),
    ("tranche-outside-construction", TRANCHED.replace("{year: 2025, amount: 300000}",
                                                      "{year: 2027, amount: 300000}"),
     "tranches[0].year", "outside the construction years 2025–2025", "{year: 2027"),
    ("tranche-beyond-the-horizon", TRANCHED.replace("term_years: 8}", "term_years: 25}"),
     "tranches[1].term_years", "after the 20 years of the horizon", "amount: 100000, rate: 0.03"),
    ("tranche-without-a-rate", TRANCHED.replace("    rate: 0.04\n", ""), "tranches[0]",
     "give this tranche a rate", "{year: 2025, amount: 300000}"),
    ("no-rate", "    amount: 400000\n    term_years: 10\n", "rate", "give rate",
     "  - source: bank_loan"),
    ("tranche-profile-sum", TRANCHED.replace(
        "term_years: 8}", "term_years: 2, repayment: profile, principal_profile: [50, 40]}"),
     "tranches[1].principal_profile", "sums to 90", "amount: 100000, rate: 0.03"),
    ("tranche-grace-as-long-as-its-term", TRANCHED.replace("term_years: 8}",
                                                           "term_years: 3, grace_years: 3}"),
     "tranches[1].grace_years", "grace_years must be less than term_years",
     "amount: 100000, rate: 0.03"),
    ("tranches-with-construction-interest", TRANCHED + "    construction_interest: paid\n",
     "construction_interest", "leave construction_interest out", "    construction_interest"),
    ("tranche-amount-negative", TRANCHED.replace("amount: 300000", "amount: -300000"),
     "tranches[0].amount", "greater than or equal to 0", "{year: 2025, amount: -300000}"),
    ("tranches-empty", "    rate: 0.04\n    term_years: 10\n    tranches: []\n", "tranches",
     "at least 1", "    tranches: []"),
]


@pytest.mark.parametrize("new, path, phrase, at", [c[1:] for c in TRANCHE_CASES],
                         ids=[c[0] for c in TRANCHE_CASES])
def test_malformed_tranches(tmp_path, capsys, new, path, phrase, at):
    text = edit(LOAN_TERMS, new, DEBT_TEXT)
    file = write(tmp_path, text)
    check_one_located_issue(file, text, f"{LOAN}.{path}", phrase, line_of(text, at),
                            tmp_path, capsys)


def test_a_tranche_repaid_within_the_construction_years_is_refused():
    # issued in 2025, a 1-year term repays it in 2026, the second construction year
    from fundmodel import ScenarioError

    bad = {**TRANCHES, "tranches": [{"year": 2025, "amount": 100_000, "rate": 0.05,
                                     "term_years": 1}]}
    with pytest.raises(ScenarioError, match="repaid within the construction years") as info:
        scenario([bad], **TWO_YEARS)
    assert info.value.issues[0].path == "funding[0].tranches[0].term_years"


@pytest.mark.parametrize("text, phrase", [
    ("    capital_share: 1.2\n", "the capital part is part of the bond"),
    ("    capital_share: -0.1\n", "greater than or equal to 0")])
def test_a_capital_part_outside_the_bond_is_refused(tmp_path, capsys, text, phrase):
    text = edit("    issuer: city_district_government\n",
                "    issuer: city_district_government\n" + text, DEBT_TEXT)
    check_one_located_issue(write(tmp_path, text), text, "funding[4].capital_share", phrase,
                            line_of(text, "capital_share"), tmp_path, capsys)


def test_a_loan_has_no_capital_part(tmp_path, capsys):
    text = edit("    amount: 400000\n", "    amount: 400000\n    capital_share: 0.2\n",
                DEBT_TEXT)
    check_one_located_issue(write(tmp_path, text), text, f"{LOAN}.capital_share", "unknown",
                            line_of(text, "capital_share"), tmp_path, capsys)


def test_tranches_on_a_sculpted_bond_are_refused(tmp_path, capsys):
    text = edit("    dscr_target: 1.3\n    repayment: sculpted\n",
                "    dscr_target: 1.3\n    repayment: sculpted\n    tranches: "
                "[{year: 2025, amount: 1000}]\n", DEBT_TEXT)
    check_one_located_issue(write(tmp_path, text), text, "funding[4].repayment",
                            "not sculpted", line_of(text, "    repayment: sculpted"),
                            tmp_path, capsys)


@pytest.mark.parametrize("new, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_bond_terms(tmp_path, capsys, new, path, phrase, at):
    text = edit("    rate: 0.04\n    term_years: 10\n", "    rate: 0.04\n" + new, DEBT_TEXT)
    file = write(tmp_path, text)
    check_one_located_issue(file, text, f"{LOAN}.{path}", phrase, line_of(text, at),
                            tmp_path, capsys)


def test_fees_on_a_sculpted_bond_are_refused(tmp_path, capsys):
    text = edit("    repayment: sculpted\n", "    repayment: sculpted\n    annual_fee: 0.001\n",
                DEBT_TEXT)
    check_one_located_issue(write(tmp_path, text), text, "funding[4].annual_fee",
                            "leaving no room for annual_fee", line_of(text, "annual_fee"),
                            tmp_path, capsys)


def test_well_formed_terms_load(tmp_path):
    text = edit("    rate: 0.04\n    term_years: 10\n", "    rate: 0.04\n" + PROFILE.format(
        "[0, 0, 10, 10, 10, 10, 10, 10, 20, 20]") + "    grace_years: 2\n"
        "    construction_interest: paid\n    issuance_fee: 0.001\n", DEBT_TEXT)
    sc = fundmodel.load_scenario(write(tmp_path, text))
    rule = sc.funding[3]
    assert rule.grace() == 2
    assert rule.profile_shares() == (0, 0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.2)


def test_the_metrics_of_the_terms_are_listed_as_a_run_gives_them(tmp_path):
    # a district's per-compound metrics list a term's metrics only for a rule that gives it
    from fundmodel.catalog import instrument_metric_names
    from test_programme_debt import district_of, pool_bond, BOND

    for terms in ({}, {"construction_interest": "paid"}, {"annual_fee": 0.001},
                  {"construction_interest": "capitalised", "issuance_fee": 0.001}):
        district = district_of(tmp_path / str(len(terms)) / str(sorted(terms)),
                               (1.0, 0.5), pool_bond(1.0, **terms))
        names = instrument_metric_names(
            (rule.source, label, rule.terms_given())
            for rule, label in zip(district.funding, district.funding_labels()))
        assert (f"debt[{BOND}].construction_interest" in names) == (
            "construction_interest" in terms)
        assert (f"debt[{BOND}].fees" in names) == any("fee" in t for t in terms)
        res = fundmodel.evaluate_portfolio(district)
        assert all(f"{n}" in res.compounds.columns for n in names if n.startswith("debt["))


def test_the_documented_bond_loads_and_runs(tmp_path):
    # docs/scenario-format.md: the disclosed-style bond (profile, capitalised interest, fees)
    import yaml
    from pathlib import Path
    from test_debt import sanqiao

    doc = (Path(__file__).resolve().parents[1] / "docs" / "scenario-format.md").read_text(
        encoding="utf-8")
    section = doc[doc.index("A bond as disclosed plans write it"):]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    rule = yaml.safe_load(block)[0]
    res = fundmodel.evaluate(sanqiao(tmp_path, rule))
    drawn = metric(res, "debt[bond].amount")
    assert 0 < drawn <= 60_000_000
    principal = lines(res)["debt[bond].principal"].sum()
    assert principal == pytest.approx(drawn + metric(res, "debt[bond].construction_interest"),
                                      rel=1e-12)
    assert metric(res, "debt[bond].fees") > 0


def test_the_documented_tranches_load_and_run(tmp_path):
    # docs/scenario-format.md and docs/instruments.md: the bond of special-bond-plan (works in
    # 2024-2025) issued in two tranches
    import yaml
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for doc, after in (("scenario-format.md", "Issued in two tranches"),
                       ("instruments.md", "**Tranches**")):
        text = (root / "docs" / doc).read_text(encoding="utf-8")
        block = text[text.index(after):].split("```yaml\n", 1)[1].split("```", 1)[0]
        terms = yaml.safe_load(block)
        terms = terms[0] if isinstance(terms, list) else terms
        data = yaml.safe_load((root / "scenarios" / "special-bond-plan.yaml").read_text(
            encoding="utf-8"))
        at = next(j for j, r in enumerate(data["funding"]) if r.get("label") == "special bond")
        old = data["funding"][at]
        data["funding"][at] = {"source": "special_bond", "label": "special bond",
                               "pledged": old["pledged"], "pledged_costs": old["pledged_costs"],
                               **{k: v for k, v in terms.items()
                                  if k not in ("source", "label", "pledged")}}
        path = write(tmp_path, yaml.safe_dump(data, allow_unicode=True), f"{doc}.yaml")
        res = fundmodel.evaluate(fundmodel.load_scenario(path))
        lent = metric(res, "debt[special bond].amount")
        assert 0 < lent <= 60_000_000, doc
        assert lines(res)["debt[special bond].principal"].sum() == pytest.approx(lent,
                                                                                rel=1e-12)


def test_the_debt_table_counts_the_fees_of_the_term():
    # the fees above: the service of year 1 is 5,000 + 25,000 + 50 + 12.5 = 30,062.5, and the
    # table's DSCR of year 1 is the metric's min_dscr (13,000 / 30,062.5)
    res = fundmodel.evaluate(scenario([loan(amount=100_000, term_years=4, repayment="profile",
                                            principal_profile=[25, 25, 25, 25],
                                            annual_fee=0.0005, redemption_fee=0.0005)]))
    table = res.debt()
    assert table["debt_service"].iloc[0] == pytest.approx(30_062.5, rel=1e-15)
    assert table["dscr"].iloc[0] == pytest.approx(metric(res, B + "min_dscr"), rel=1e-12)


def test_the_bits_do_not_depend_on_the_draws_computed_together():
    # every term at once, with an uncertain coupon and tranche amount: one computation path
    # over the draws, so chunks of 7 give the bits of one chunk of 50
    d = {**TRANCHES, "rate": {"dist": "uniform", "low": 0.02, "high": 0.06},
         "annual_fee": 0.0005, "redemption_fee": 0.0002, "issuance_fee": 0.001,
         "coverage_bases": True, "dscr_target": 1.2,
         "tranches": [{"year": 2025, "amount": {"dist": "uniform", "low": 50_000,
                                                "high": 120_000}},
                      {**TRANCHES["tranches"][1], "repayment": "profile",
                       "principal_profile": [0, 40, 60]}]}
    capitalising = loan(rate={"dist": "uniform", "low": 0.02, "high": 0.06}, dscr_target=1.2,
                        repayment="profile", principal_profile=[0, 10, 20, 30, 40],
                        term_years=5, construction_interest="capitalised", annual_fee=0.001,
                        coverage_bases=True)
    for rule in (d, capitalising):
        sc = scenario([rule], **TWO_YEARS)
        one = fundmodel.simulate(sc, draws=50, seed=11, chunk_size=50).metrics
        chunks = fundmodel.simulate(sc, draws=50, seed=11, chunk_size=7).metrics
        assert list(one.columns) == list(chunks.columns)
        np.testing.assert_array_equal(one.to_numpy(), chunks.to_numpy())
        assert one[B + "amount"].nunique() > 1
