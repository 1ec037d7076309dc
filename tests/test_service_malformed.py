"""Malformed service models (staffing norms, shared contract, menu, fee per household, devices,
ageing, collection ramp, time-limited lines, fallback payer): every new field gives a located
error (file:line:column and field path), the CLI exits 2 and writes nothing."""

from __future__ import annotations

import pytest

import fundmodel
from malformed import check_one_located_issue, edit, line_of, write

SERVICE = """\
operations:
  property_fee:
    rate_per_m2_month: 0.5
    collection_rate: {dist: triangular, low: 0.6, mode: 0.8, high: 0.92}
    collection_ramp: [0.3, 0.5, 0.7]
  income:
    - {name: parking, units: 20, price_per_month: 100, occupancy: 0.7}
    - {name: street grant, per_year: 20000, years: 3, payer: street_community}
  costs:
    - {name: security guards, staff: 3, wage_per_month: 2800, on_cost: 0.25, growth: 0.05}
    - {name: cleaner, staff: 1, wage_per_month: 2500, on_cost: 0.25, growth: 0.05}
    - {name: routine repairs, per_year: 15000, growth: 0.04}
    - {name: common-area power and water, per_year: 6000}
    - name: service clerk
      households_per_staff: 600
      rounding: up
      wage_per_month: 3000
      shared: true
    - name: ageing repairs
      per_year: 2000
      ageing: 0.03
  shared_service:
    partners: 4
    partner_households: 120
    split: households
  menu:
    - name: door to door
      price_per_household_month: 20
      take_up: 0.2
      cost_per_household_month: 12
  devices:
    - name: smart gate
      platform_fee_per_year: 9000
      replaces: security guards
      staff: 2
  fallback:
    payer: street_community
    cap_per_year: 30000
"""
OLD_OPS = """\
operations:
  property_fee:
    rate_per_m2_month: 0.5
    collection_rate: {dist: triangular, low: 0.6, mode: 0.8, high: 0.92}
  income:
    - {name: parking, units: 20, price_per_month: 100, occupancy: 0.7}
  costs:
    - {name: security guards, staff: 3, wage_per_month: 2800, on_cost: 0.25, growth: 0.05}
    - {name: cleaner, staff: 1, wage_per_month: 2500, on_cost: 0.25, growth: 0.05}
    - {name: routine repairs, per_year: 15000, growth: 0.04}
    - {name: common-area power and water, per_year: 6000}
"""
TEXT = edit(OLD_OPS, SERVICE)
O = "operations"
CLERK, AGEING = f"{O}.costs[4]", f"{O}.costs[5]"
RAMP_21 = "[" + ", ".join(["0.5"] * 21) + "]"
RAMP_101 = "[" + ", ".join(["0.5"] * 101) + "]"

# (id, old text, new text, expected path, key phrase, text on the offending line — None: new)
CASES = [
    # the fee
    ("fee-both-forms", "    rate_per_m2_month: 0.5\n",
     "    rate_per_m2_month: 0.5\n    per_household_month: 30\n",
     f"{O}.property_fee.per_household_month", "not both", "    per_household_month: 30"),
    ("fee-neither-form", "    rate_per_m2_month: 0.5\n", "",
     f"{O}.property_fee", "give the fee: rate_per_m2_month", "  property_fee:"),
    ("fee-per-household-negative", "    rate_per_m2_month: 0.5\n",
     "    per_household_month: -30\n", f"{O}.property_fee.per_household_month",
     "greater than or equal to 0", None),
    ("fee-per-household-extra-zeros", "    rate_per_m2_month: 0.5\n",
     "    per_household_month: 1.0e+14\n", f"{O}.property_fee.per_household_month",
     "per_household_month × households × 12", None),
    # the collection ramp
    ("ramp-above-one", "collection_ramp: [0.3, 0.5, 0.7]", "collection_ramp: [0.3, 1.5, 0.7]",
     f"{O}.property_fee.collection_ramp[1]", "less than or equal to 1", None),
    ("ramp-as-percentages", "collection_ramp: [0.3, 0.5, 0.7]",
     "collection_ramp: [30, 0.5, 0.7]", f"{O}.property_fee.collection_ramp[0]",
     "did you mean 0.3", None),
    ("ramp-negative", "collection_ramp: [0.3, 0.5, 0.7]", "collection_ramp: [-0.3, 0.5]",
     f"{O}.property_fee.collection_ramp[0]", "greater than or equal to 0", None),
    ("ramp-empty", "collection_ramp: [0.3, 0.5, 0.7]", "collection_ramp: []",
     f"{O}.property_fee.collection_ramp", "at least 1", None),
    ("ramp-longer-than-the-horizon", "collection_ramp: [0.3, 0.5, 0.7]",
     f"collection_ramp: {RAMP_21}", f"{O}.property_fee.collection_ramp",
     "21 collection rates for the 20 operating years", None),
    ("ramp-too-long", "collection_ramp: [0.3, 0.5, 0.7]", f"collection_ramp: {RAMP_101}",
     f"{O}.property_fee.collection_ramp", "at most 100", None),
    ("ramp-uncertain", "collection_ramp: [0.3, 0.5, 0.7]",
     "collection_ramp: [{dist: uniform, low: 0.2, high: 0.4}]",
     f"{O}.property_fee.collection_ramp[0]", "", None),
    # time-limited lines and who pays
    ("first-year-zero", "years: 3, payer", "first_year: 0, years: 3, payer",
     f"{O}.income[1].first_year", "greater than or equal to 1", None),
    ("first-year-after-the-horizon", "years: 3, payer", "first_year: 21, years: 3, payer",
     f"{O}.income[1].first_year", "start after the 20 operating years", None),
    ("years-beyond-the-horizon", "years: 3, payer", "first_year: 19, years: 3, payer",
     f"{O}.income[1].years", "run to operating year 21", None),
    ("years-zero", "years: 3, payer", "years: 0, payer", f"{O}.income[1].years",
     "greater than or equal to 1", None),
    ("years-not-whole", "years: 3, payer", "years: 2.5, payer", f"{O}.income[1].years", "",
     None),
    ("payer-not-a-party", "payer: street_community}", "payer: contractors}",
     f"{O}.income[1].payer", "", None),
    ("cost-line-years-beyond", "      ageing: 0.03\n", "      ageing: 0.03\n      years: 30\n",
     f"{AGEING}.years", "after the 20 years of the horizon", "      years: 30"),
    # staffing norms
    ("two-headcounts", "      households_per_staff: 600\n",
     "      households_per_staff: 600\n      staff: 2.5\n", f"{CLERK}.households_per_staff",
     "give one headcount: staff or households_per_staff", "      households_per_staff: 600"),
    ("norm-and-per-year", "      households_per_staff: 600\n",
     "      households_per_staff: 600\n      per_year: 2000\n", CLERK,
     "give either per_year, or staff and wage_per_month", "    - name: service clerk"),
    ("norm-without-wage", "      wage_per_month: 3000\n      shared: true\n",
     "      shared: true\n", f"{CLERK}.wage_per_month", "give both households_per_staff and "
     "wage_per_month", "    - name: service clerk"),
    ("norm-below-one", "      households_per_staff: 600\n", "      households_per_staff: 0\n",
     f"{CLERK}.households_per_staff", "greater than or equal to 1", None),
    ("norm-cost-extra-zeros", "      households_per_staff: 600\n      rounding: up\n"
     "      wage_per_month: 3000\n", "      households_per_staff: 1\n      rounding: up\n"
     "      wage_per_month: 1.0e+12\n", f"{CLERK}.households_per_staff",
     "headcount from its norm × wage × 12", None),
    ("area-norm-extra-zeros", "      households_per_staff: 600\n",
     "      m2_per_staff: 1.0e+12\n", f"{CLERK}.m2_per_staff", "the bound on an area", None),
    ("rounding-unknown", "      rounding: up\n", "      rounding: down\n",
     f"{CLERK}.rounding", "", None),
    ("rounding-of-given-staff", "{name: cleaner, staff: 1, wage_per_month: 2500,",
     "{name: cleaner, staff: 1, rounding: up, wage_per_month: 2500,",
     f"{O}.costs[1].rounding", "rounding applies to a headcount from a norm", None),
    # the shared contract
    ("shared-and-shared-by", "      shared: true\n", "      shared: true\n      shared_by: 5\n",
     f"{CLERK}.shared", "not both", "      shared: true"),
    ("shared-without-a-contract", "  shared_service:\n    partners: 4\n"
     "    partner_households: 120\n    split: households\n",
     "", f"{CLERK}.shared", "needs operations.shared_service", "      shared: true"),
    ("shared-norm-without-partner-size", "    partner_households: 120\n",
     "", f"{O}.shared_service.split", "split: households needs partner_households",
     "    split: households"),
    ("partner-area-negative", "    partner_households: 120\n",
     "    partner_households: 120\n    partner_floor_area_m2: -5\n",
     f"{O}.shared_service.partner_floor_area_m2", "greater than or equal to 0",
     "    partner_floor_area_m2: -5"),
    ("shared-norm-on-area-without-area", "      households_per_staff: 600\n",
     "      m2_per_staff: 12000\n", f"{CLERK}.m2_per_staff", "give shared_service."
     "partner_floor_area_m2", "      m2_per_staff: 12000"),
    ("partners-negative", "    partners: 4\n", "    partners: -1\n",
     f"{O}.shared_service.partners", "greater than or equal to 0", None),
    ("partners-too-many", "    partners: 4\n", "    partners: 20000\n",
     f"{O}.shared_service.partners", "less than or equal to 10,000", None),
    ("partners-missing", "    partners: 4\n", "", f"{O}.shared_service.partners",
     "missing required key 'partners'", "  shared_service:"),
    ("split-unknown", "    split: households\n", "    split: floors\n",
     f"{O}.shared_service.split", "", None),
    ("shared-service-unknown-key", "    partner_households: 120\n",
     "    partner_households: 120\n    partner: 3\n", f"{O}.shared_service.partner",
     "unknown key", "    partner: 3"),
    # the menu
    ("menu-take-up-as-percentage", "      take_up: 0.2\n", "      take_up: 20\n",
     f"{O}.menu[0].take_up", "did you mean 0.2", None),
    ("menu-price-missing", "      price_per_household_month: 20\n", "",
     f"{O}.menu[0].price_per_household_month", "missing required key", "    - name: door to door"),
    ("menu-duplicate-name", "      cost_per_household_month: 12\n",
     "      cost_per_household_month: 12\n    - {name: door to door, "
     "price_per_household_month: 5, take_up: 0.1}\n", f"{O}.menu[1].name",
     "duplicate name 'door to door'", "    - {name: door to door, price"),
    ("menu-cost-negative", "      cost_per_household_month: 12\n",
     "      cost_per_household_month: -12\n", f"{O}.menu[0].cost_per_household_month",
     "greater than or equal to 0", None),
    # devices
    ("device-replaces-unknown-line", "      replaces: security guards\n",
     "      replaces: security guard\n", f"{O}.devices[0].replaces",
     "no cost line is named 'security guard' (did you mean 'security guards'?)", None),
    ("device-replaces-a-per-year-line", "      replaces: security guards\n",
     "      replaces: routine repairs\n", f"{O}.devices[0].replaces",
     "given per_year; devices replace staff", None),
    ("device-staff-negative", "      staff: 2\n", "      staff: -2\n",
     f"{O}.devices[0].staff", "greater than or equal to 0", None),
    ("device-fee-missing", "      platform_fee_per_year: 9000\n", "",
     f"{O}.devices[0].platform_fee_per_year", "missing required key", "    - name: smart gate"),
    ("device-unknown-key", "      staff: 2\n", "      staff: 2\n      replace: cleaner\n",
     f"{O}.devices[0].replace", "unknown key", "      replace: cleaner"),
    # ageing
    ("ageing-as-percentage", "      ageing: 0.03\n", "      ageing: 3\n", f"{AGEING}.ageing",
     "did you mean 0.03", None),
    ("ageing-negative", "      ageing: 0.03\n", "      ageing: -0.03\n", f"{AGEING}.ageing",
     "greater than or equal to 0", None),
    # the fallback payer
    ("cap-negative", "    cap_per_year: 30000\n", "    cap_per_year: -1\n",
     f"{O}.fallback.cap_per_year", "greater than or equal to 0", None),
    ("cap-missing", "    cap_per_year: 30000\n", "", f"{O}.fallback.cap_per_year",
     "missing required key 'cap_per_year'", "  fallback:"),
    ("cap-uncertain-below-zero", "    cap_per_year: 30000\n",
     "    cap_per_year: {dist: normal, mean: 30000, sd: 10000}\n",
     f"{O}.fallback.cap_per_year", "unbounded", None),
    ("fallback-payer-residents", "    payer: street_community\n", "    payer: residents\n",
     f"{O}.fallback.payer", "", None),
    ("fallback-growth-as-percentage", "    cap_per_year: 30000\n",
     "    cap_per_year: 30000\n    growth: 3\n", f"{O}.fallback.growth", "did you mean 0.03",
     "    growth: 3"),
]


def test_the_service_models_above_are_well_formed(tmp_path):
    sc = fundmodel.load_scenario(write(tmp_path, TEXT))
    ops = sc.operations
    assert ops.fallback.cap_per_year == 30000 and ops.devices[0].replaces == "security guards"
    assert ops.costs[4].shared and ops.shared_service.split == "households"
    res = fundmodel.evaluate(sc)
    assert "fallback_needed_max" in res.metrics.columns


def test_every_new_field_is_covered():
    fields = {"per_household_month", "collection_ramp", "first_year", "years", "payer",
              "m2_per_staff", "households_per_staff", "rounding", "shared", "ageing",
              "partners", "split", "take_up", "replaces", "cap_per_year", "staff"}
    covered = {path.rsplit(".", 1)[-1].split("[")[0] for _, _, _, path, _, _ in CASES}
    assert fields <= covered, fields - covered


@pytest.mark.parametrize("old, new, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_service_model(tmp_path, capsys, old, new, path, phrase, at):
    text = edit(old, new, TEXT)
    file = write(tmp_path, text)
    at = at if at is not None else new.strip().splitlines()[0]
    line = line_of(text, at)
    check_one_located_issue(file, text, path, phrase, line, tmp_path, capsys)
