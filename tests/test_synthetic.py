"""The synthetic Xinghualing district: the seed's proportions (case report 001: 983 of 1,430
compounds old; in Sanqiao Street 220 of 286 under 100 households), reproducibility to the bit,
the example table in scenarios/ as generated, and every row valid as a compounds table."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from fundmodel.errors import ModelError
from fundmodel.portfolio.synthetic import (COLUMNS, old_compounds, synthetic_district,
                                           write_compounds_csv)
from fundmodel.io.compounds_table import read_compounds_table

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "xinghualing-compounds.csv"


@pytest.fixture(scope="module")
def district() -> pd.DataFrame:
    return synthetic_district()


def test_the_seed_proportions(district):
    assert len(district) == 1430
    assert list(district.columns) == list(COLUMNS)
    old = old_compounds(district)
    assert len(old) == 983 and (old["built_year"] < 2000).all()
    assert (district["built_year"] >= 2000).sum() == 1430 - 983
    sanqiao = district[district["street"] == "Sanqiao"]
    assert len(sanqiao) == 286
    assert (sanqiao["households"] < 100).sum() == 220          # 220 / 286 ≈ 77 %
    share = (district["households"] < 100).mean()
    assert abs(share - 220 / 286) < 0.02                       # the district in proportion
    assert (old["households"] < 100).mean() > 0.5              # most old compounds are small


def test_the_invented_shapes(district):
    ratio = district["floor_area_m2"] / district["households"]
    assert ratio.between(55 - 0.05, 85 + 0.05).all()            # m² per household, rounded
    assert (district["chargeable_area_m2"] <= district["floor_area_m2"]).all()
    old = old_compounds(district)
    assert old["storeys"].between(3, 12).all()
    assert old["storeys"].between(3, 7).mean() > 0.9            # a few taller
    assert (district["buildings"] >= 1).all()
    assert district["condition_score"].between(1, 5).all()
    # older is worse: the rank correlation of age and condition is clearly negative
    age_rank = district["built_year"].rank()
    assert np.corrcoef(age_rank, district["condition_score"].rank())[0, 1] > 0.5
    # worse condition → more tiers
    order = {"basic": 0, "complete": 1, "upgrade": 2}
    tiers = district["tier_planned"].map(order)
    assert np.corrcoef(tiers, -district["condition_score"])[0, 1] > 0.5
    # lifts mostly where there are 4 or more storeys
    lifts = old[old["lifts_possible"]]
    assert (lifts["storeys"] >= 4).mean() > 0.9
    assert all(re.fullmatch(r"XHL-\d{4}", i) for i in district["id"])
    assert district["id"].is_unique and district["id"].iloc[0] == "XHL-0001"
    # compounds lie around their street's centre, within a few km
    spread = district.groupby("street")[["x_km", "y_km"]].std()
    assert (spread < 1.0).all().all()
    assert district["x_km"].between(-3, 11).all() and district["y_km"].between(-3, 11).all()


def test_same_seed_same_frame_bit_for_bit(district):
    again = synthetic_district(seed=2024)
    pd.testing.assert_frame_equal(district, again, check_exact=True)
    for column in ("floor_area_m2", "x_km", "condition_score"):
        assert district[column].to_numpy().tobytes() == again[column].to_numpy().tobytes()
    other = synthetic_district(seed=7)
    assert not district["households"].equals(other["households"])


def test_the_example_file_is_what_the_generator_writes(tmp_path, district):
    out = tmp_path / "regenerated.csv"
    write_compounds_csv(old_compounds(district), out)
    assert out.read_bytes() == EXAMPLE.read_bytes()
    first = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first == ",".join(COLUMNS)


def test_every_row_is_a_valid_compounds_table(district, tmp_path):
    table = read_compounds_table(EXAMPLE)
    old = old_compounds(district)
    assert len(table) == 983 and table.ids == tuple(old["id"])
    np.testing.assert_array_equal(table.households, old["households"])
    np.testing.assert_array_equal(table.floor_area_m2, old["floor_area_m2"])
    np.testing.assert_array_equal(table.x_km, old["x_km"])
    np.testing.assert_array_equal(table.lifts_possible, old["lifts_possible"])
    assert table.tier_planned == tuple(old["tier_planned"])
    assert table.warnings == ()
    whole = tmp_path / "all.csv"
    write_compounds_csv(district, whole)
    assert len(read_compounds_table(whole)) == 1430


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), compounds=st.integers(2, 400),
       old_share=st.floats(0, 1), streets=st.integers(2, 9))
def test_any_parameters_give_exact_counts(seed, compounds, old_share, streets):
    old = int(old_share * compounds)
    sanqiao = max(1, compounds // 5)
    small = sanqiao // 2
    frame = synthetic_district(seed=seed, compounds=compounds, old=old, streets=streets,
                               sanqiao_compounds=sanqiao, sanqiao_small=small)
    assert len(frame) == compounds and len(old_compounds(frame)) == old
    sq = frame[frame["street"] == "Sanqiao"]
    assert len(sq) == sanqiao and (sq["households"] < 100).sum() == small
    assert frame["street"].nunique() == min(streets, compounds - sanqiao + 1)
    assert (frame["households"] > 0).all() and frame["id"].is_unique


@pytest.mark.parametrize("kwargs", [
    {"old": 2000}, {"compounds": 0}, {"compounds": 10.5}, {"sanqiao_small": 300},
    {"sanqiao_compounds": 5000}, {"extent_km": float("nan")}, {"streets": True},
])
def test_bad_arguments(kwargs):
    with pytest.raises(ModelError):
        synthetic_district(**kwargs)
