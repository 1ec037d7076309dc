"""Instruments: the registry of funding sources, and the top-up as an instrument of its own —
worked by hand."""

from __future__ import annotations

import importlib

import pytest

import fundmodel
from fundmodel import Scenario
from fundmodel.engine.instruments import PHASES
from fundmodel.inputs import compile_inputs
from fundmodel.inputs.instruments import instrument_modules
from fundmodel.scenario.funding import SOURCE_NAMES, SOURCES, Source

from malformed import BASE_TEXT, check_cli_rejects, edit, line_of, load_issues, write


def scenario(funding, households=10):
    # item a (1,000 CNY) built in 2025, item b (2,000 CNY) in 2026
    return Scenario.model_validate({
        "name": "instruments", "start_year": 2025, "horizon_years": 3,
        "discount_rate": 0.0, "inflation": 0.0,
        "compound": {"name": "c", "households": households, "floor_area_m2": 1000},
        "renovation": {"items": [
            {"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 1000},
            {"name": "b", "tier": "complete", "quantity": 1, "unit_cost": 2000,
             "build_from": 2026}]},
        "funding": funding,
        "operations": {"property_fee": {"rate_per_m2_month": 0.5}}})


def capital_lines(result) -> dict[str, dict[int, float]]:
    cf = result.cashflows()
    cf = cf[cf["kind"] == "capital"]
    return {name: dict(zip(g["calendar_year"], g["amount"])) for name, g in cf.groupby("line")}


def test_every_registered_source_names_a_module_that_compiles_it():
    assert len(set(SOURCE_NAMES)) == len(SOURCES)
    for source in SOURCES:
        assert issubclass(source, Source)
        module = importlib.import_module(source.instrument)
        assert callable(module.compile_rules), source
    # the grants first, then the financing instruments, the top-up last: the order money is
    # committed
    assert instrument_modules() == ("fundmodel.inputs.in_kind", "fundmodel.inputs.grants",
                                    "fundmodel.inputs.investor",
                                    "fundmodel.inputs.bundle", "fundmodel.inputs.debt",
                                    "fundmodel.inputs.topup")


def test_instruments_are_compiled_in_order_with_their_rules():
    sc = scenario([{"source": "top_up", "label": "street"},
                   {"source": "central_subsidy", "amount": 100},
                   {"source": "donations", "amount": 50}])
    instruments = compile_inputs(sc, 1).instruments
    assert [(i.name, i.phase, i.indexes, i.labels) for i in instruments] == [
        ("grants", "fund", (1, 2), ("central_subsidy", "donations")),
        ("top_up", "fund", (0,), ("street",))]
    assert all(i.phase in PHASES for i in instruments)


def test_a_top_up_pays_what_the_grants_leave_as_the_items_are_built():
    # the subsidy pays 1,500 of b; left: a 1,000 (2025) and b 500 (2026), 1,500 in all. The
    # street office tops up at most 900: 900/1,500 = 0.6 of what is left on each item, 600 in
    # 2025 and 300 in 2026, though it is written first. The gap is 400 + 200 = 600
    res = fundmodel.evaluate(scenario(
        [{"source": "top_up", "cap": 900, "paid_by": "street_community"},
         {"source": "central_subsidy", "amount": 1500, "items": ["b"]}]))
    got = capital_lines(res)
    assert got["funding[top_up]"] == pytest.approx({2025: 600, 2026: 300})
    assert got["funding[central_subsidy]"] == pytest.approx({2025: 0, 2026: 1500})
    assert got["funding[gap]"] == pytest.approx({2025: 400, 2026: 200})
    table = res.funding()
    assert table.loc["top_up", "amount"] == pytest.approx(900)
    assert table.loc["top_up", "offered"] == pytest.approx(900)
    assert table.loc["gap", "amount"] == pytest.approx(600)
    assert res.metrics.loc[0, "government_cost"] == pytest.approx(2400)
    gov = res.government()
    assert gov["street_community"].to_dict() == pytest.approx({2025: 600, 2026: 300})
    assert res.parties().loc["street_community", "paid"] == pytest.approx(900)


def test_top_ups_pay_in_order_within_their_items_and_caps():
    # nothing else pays: 3,000 left. The first top-up pays half of the basic item a (500);
    # the second, capped at 120 per household × 10 households = 1,200, takes 1,200 of the
    # 2,500 left, 0.48 of each item: 240 of a and 960 of b. The gap is 1,300
    res = fundmodel.evaluate(scenario(
        [{"source": "top_up", "label": "district", "tiers": ["basic"], "share": 0.5},
         {"source": "top_up", "label": "street", "cap_per_household": 120,
          "paid_by": "street_community"}]))
    got = capital_lines(res)
    assert got["funding[district]"] == pytest.approx({2025: 500, 2026: 0})
    assert got["funding[street]"] == pytest.approx({2025: 240, 2026: 960})
    assert res.metrics.loc[0, "funding_gap"] == pytest.approx(1300)


def test_a_grant_cannot_match_a_top_up():
    with pytest.raises(fundmodel.ScenarioError) as info:
        scenario([{"source": "top_up"},
                  {"source": "local_budget", "match_ratio": 0.5, "match_of": ["top_up"]}])
    assert "only grants can be matched" in str(info.value)
    assert info.value.issues[0].path == "funding[1].match_of[0]"


TOP_UP = "  - source: top_up\n    paid_by: street_community\n"


@pytest.mark.parametrize("new, needle, path, phrase", [
    (TOP_UP + "    instalments: [1]\n", "instalments", "instalments", "pays as the works"),
    (TOP_UP.replace("street_community", "street"), "paid_by", "paid_by", "street_community"),
    (TOP_UP + "    share: 1.5\n", "share: 1.5", "share", "1"),
])
def test_malformed_top_ups(tmp_path, capsys, new, needle, path, phrase):
    text = edit("  - source: central_subsidy\n", new + "  - source: central_subsidy\n")
    f = write(tmp_path, text)
    issues = load_issues(f)
    assert len(issues) == 1
    issue = issues[0]
    assert issue.path.startswith("funding[0]") and issue.path.endswith(path)
    assert phrase in issue.message
    first = text.index(new)
    assert issue.line == text[:first + new.index(needle)].count("\n") + 1
    check_cli_rejects(f, tmp_path, capsys, f"{f}:{issue.line}:", phrase)


def test_the_in_kind_instrument_is_named_only_in_its_own_modules_and_its_registration():
    """Issue 20: an instrument is its own modules plus one registration line — nothing else in
    the package names it (checked on the in-kind instrument, added that way)."""
    import re
    from pathlib import Path

    import fundmodel

    package = Path(fundmodel.__file__).parent
    own = {"scenario/funding/in_kind.py", "inputs/in_kind.py", "engine/instruments/in_kind.py",
           "catalog/instruments/in_kind.py"}
    named = re.compile(r"\bin[_ -]kind\b|InKind", re.IGNORECASE)
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel in own:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if named.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    registration = [f for f in found if f.startswith("catalog/instruments/__init__.py")
                    and "REGISTERED = (" in f]
    assert len(registration) == 1, found
    assert [f for f in found if f not in registration] == [], found


def test_each_registered_instrument_declares_the_sources_its_models_read():
    """The registry is the one list: each declaration's ``sources`` are exactly the ``source``
    keys of its models, with an en and a zh label, and SOURCES holds them in registry order."""
    import importlib

    from fundmodel.catalog import DECLARED_INSTRUMENTS

    order = []
    for instrument in DECLARED_INSTRUMENTS.values():
        keys = []
        for path in instrument.models:
            module, _, name = path.partition(":")
            found = getattr(importlib.import_module(module), name)
            for cls in found if isinstance(found, tuple) else (found,):
                keys.append(cls.model_fields["source"].annotation.__args__[0])
        assert sorted(keys) == sorted(instrument.sources), instrument.name
        assert all(en and zh for en, zh in instrument.sources.values()), instrument.name
        order += keys
    assert list(SOURCE_NAMES) == order


def test_an_instruments_kinds_and_fields_reach_the_ledger_and_the_labels():
    from fundmodel import labels
    from fundmodel.catalog import DECLARED_INSTRUMENTS
    from fundmodel.engine.ledger import KINDS, MEMO_KINDS

    for instrument in DECLARED_INSTRUMENTS.values():
        for kind in instrument.kinds:
            assert kind.name in KINDS
            assert (kind.name in MEMO_KINDS) == (not kind.cash)
            assert labels.VALUES[kind.name].zh == kind.zh
        for name, (en, zh) in instrument.fields.items():
            assert labels.field_label(name, "zh") == zh, name
        for line in instrument.lines:
            assert line.kind == "" or line.kind in KINDS, line.name
            assert line.payers and line.payees, line.name
