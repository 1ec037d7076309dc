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
                 redemption_fee=0.0005)

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
