"""Known answers for the slope index of inequality and directly standardised rates.

The expected numbers are PHEindicatormethods' own published test cases (PublicHealthEngland/PHEindicatormethods,
commit 8d3fa8c), copied as data into tests/data/ with the columns the tests use:

* tests/data/phe_sii_testdata.csv: rows 1-40 and 61-150 of tests/testthat/testdata_SII.xlsx (sheet
  testdata_SII), as used by tests/testthat/testSII.R. That test compares the SII exactly and the simulated
  limits within tolerance 0.05; so do these.
* tests/data/phe_dsr_testdata_multiarea.csv and phe_dsr_testresults.csv: sheets testdata_multiarea and
  testresults_DSR of tests/testthat/testdata_DSR_ISR_SMR.xlsx, as used by tests/testthat/testDSRs.R
  (esp2013 standard; results rows 5-7 per 100,000, rows 1-3 per 10,000).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pytest import approx

from onehalton import inequality

DATA = Path(__file__).resolve().parent / "data"
SII = pd.read_csv(DATA / "phe_sii_testdata.csv")
DSR_DATA = pd.read_csv(DATA / "phe_dsr_testdata_multiarea.csv")
DSR_RESULTS = pd.read_csv(DATA / "phe_dsr_testresults.csv")

VALUE_TYPES = {0: "normal", 1: "rate", 2: "proportion"}
LIMIT_TOLERANCE = 0.05  # testSII.R: `tol <- 0.05` for the simulated limits


def _case(first_record: int, groups: int) -> tuple[pd.DataFrame, pd.Series]:
    rows = SII[(SII["RecordNo"] >= first_record) & (SII["RecordNo"] < first_record + groups)]
    assert len(rows) == groups
    return rows, rows.iloc[0]


# (first RecordNo of the area, groups, multiplier, use se or limits, testSII.R case)
SII_CASES = [
    (1, 10, 1, "se", "default, SE provided"),
    (11, 10, 1, "se", "default, SE provided (area 2)"),
    (1, 10, 1, "cl", "default, CLs provided"),
    (21, 10, 1, "cl", "99% confidence"),
    (31, 10, 1, "se", "99% confidence (area 2)"),
    (71, 10, 1, "se", "rate, SE provided"),
    (81, 10, 1, "cl", "rate, CLs provided (area 2)"),
    (91, 10, 1, "se", "proportion, SE provided"),
    (101, 10, 1, "cl", "proportion, CLs provided (area 2)"),
    (111, 10, 100, "cl", "proportion, multiplier 100"),
    (131, 10, -100, "cl", "proportion, multiplier -100"),
    (141, 10, -100, "cl", "proportion, multiplier -100 (area 2)"),
]


@pytest.mark.parametrize("first, groups, multiplier, source, label", SII_CASES, ids=[c[-1] for c in SII_CASES])
def test_sii_matches_phe_sii_published_cases(first, groups, multiplier, source, label):
    rows, expected = _case(first, groups)
    value_type = VALUE_TYPES[int(expected["ValueType"])]
    limits = {"se": rows["StandardError"]} if source == "se" else {"lower": rows["LowerCL"], "upper": rows["UpperCL"]}
    result = inequality.slope_index_of_inequality(
        rows["Quantile"],
        rows["Population"],
        rows["Value"],
        value_type=value_type,
        multiplier=multiplier,
        confidence=float(expected["Confidence"]),
        repetitions=100_000,
        seed=5,
        **limits,
    )
    assert result.sii == approx(expected["sii"], rel=1e-9)
    assert result.rii == approx(expected["rii"], rel=1e-9)
    assert result.lower == approx(expected["sii_lowercl_1"], rel=LIMIT_TOLERANCE)
    assert result.upper == approx(expected["sii_uppercl_1"], rel=LIMIT_TOLERANCE)
    assert result.rii_lower == approx(expected["rii_lowercl_1"], rel=LIMIT_TOLERANCE)
    assert result.rii_upper == approx(expected["rii_uppercl_1"], rel=LIMIT_TOLERANCE)
    assert result.lower < result.sii < result.upper


@pytest.mark.parametrize("first", [61, 66])
def test_sii_on_quintiles_matches_the_excel_tool(first):
    """testSII.R 'test on quintiles': only the SII is published for five groups (from PHE's Excel tool)."""
    rows, expected = _case(first, 5)
    result = inequality.slope_index_of_inequality(
        rows["Quantile"], rows["Population"], rows["Value"], se=rows["StandardError"], seed=1
    )
    assert result.groups == 5
    assert result.sii == approx(expected["sii"], rel=1e-9)
    assert result.rii == approx(expected["rii"], rel=1e-9)


def test_sii_limits_are_reproducible_with_a_seed_and_vary_without_one():
    rows, _ = _case(1, 10)
    args = (rows["Quantile"], rows["Population"], rows["Value"])
    first = inequality.slope_index_of_inequality(*args, se=rows["StandardError"], repetitions=1000, seed=5)
    again = inequality.slope_index_of_inequality(*args, se=rows["StandardError"], repetitions=1000, seed=5)
    other = inequality.slope_index_of_inequality(*args, se=rows["StandardError"], repetitions=1000, seed=6)
    assert (first.lower, first.upper) == (again.lower, again.upper)
    assert (first.lower, first.upper) != (other.lower, other.upper)
    assert first.sii == other.sii  # the point estimate is not simulated


def test_sii_does_not_depend_on_the_row_order():
    rows, expected = _case(1, 10)
    shuffled = rows.sample(frac=1, random_state=3)
    result = inequality.slope_index_of_inequality(
        shuffled["Quantile"], shuffled["Population"], shuffled["Value"], se=shuffled["StandardError"], repetitions=1000
    )
    assert result.sii == approx(expected["sii"], rel=1e-9)


def test_a_flat_gradient_has_an_sii_of_zero_and_is_not_significant():
    result = inequality.slope_index_of_inequality(
        [1, 2, 3, 4, 5], [100] * 5, [20.0] * 5, se=[1.0] * 5, repetitions=2000
    )
    assert result.sii == approx(0.0, abs=1e-9)
    assert not result.significant()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(quantile=[1, 2, 3, 4], population=[1] * 4, value=[1.0] * 4, se=[1.0] * 4), "5 to 100 groups"),
        (dict(quantile=[1, 2, 3, 4, 4], population=[1] * 5, value=[1.0] * 5, se=[1.0] * 5), "each group once"),
        (dict(quantile=[1, 2, 3, 4, 5], population=[1, 1, 0, 1, 1], value=[1.0] * 5, se=[1.0] * 5), "population"),
        (dict(quantile=[1, 2, 3, 4, 5], population=[1] * 5, value=[1.0, None, 1, 1, 1], se=[1.0] * 5), "a value"),
        (dict(quantile=[1, 2, 3, 4, 5], population=[1] * 5, value=[0.1] * 5), "either se"),
        (
            dict(quantile=[1, 2, 3, 4, 5], population=[1] * 5, value=[10.0] * 5, se=[1.0] * 5, value_type="proportion"),
            "between 0 and 1",
        ),
        (
            dict(quantile=[1, 2, 3, 4, 5], population=[1] * 5, value=[0.1] * 5, se=[1.0] * 5, repetitions=10),
            "repetitions",
        ),
        (
            dict(quantile=[1, 2, 3, 4, 5], population=[1] * 5, value=[0.1] * 5, se=[1.0] * 5, value_type="odd"),
            "value_type",
        ),
    ],
)
def test_sii_refuses_input_it_cannot_use_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        inequality.slope_index_of_inequality(**kwargs)


# ------------------------------------------------------------------------------------------------
# Directly standardised rates, Dobson limits


def test_esp2013_is_the_published_standard():
    esp = inequality.esp2013()
    assert len(esp) == 19
    assert esp["weight"].sum() == 100_000
    assert list(esp["weight"].head(3)) == [5000, 5500, 5500]
    assert esp["age_band"].iloc[-1] == "90+"
    assert esp["weight"].iloc[-1] == 1000


@pytest.mark.parametrize(
    "area, multiplier, result_row",
    [
        ("testdata_big", 100_000, 4),
        ("testdata_small", 100_000, 5),
        ("testdata_tiny", 100_000, 6),
        ("testdata_big", 10_000, 0),
        ("testdata_small", 10_000, 1),
    ],
)
def test_dsr_matches_phe_dsr_published_cases(area, multiplier, result_row):
    rows = DSR_DATA[DSR_DATA["area"] == area]
    expected = DSR_RESULTS.iloc[result_row]
    assert expected["area"] == area
    at95 = inequality.dsr_dobson(rows["count"], rows["pop"], multiplier=multiplier)
    at998 = inequality.dsr_dobson(rows["count"], rows["pop"], multiplier=multiplier, confidence=0.998)
    assert at95.total_count == expected["total_count"]
    assert at95.total_population == expected["total_pop"]
    if math.isnan(expected["value"]):
        assert math.isnan(at95.value) and math.isnan(at95.lower) and math.isnan(at95.upper)
        assert "fewer than 10" in at95.note
        return
    assert at95.value == approx(expected["value"], rel=1e-9)
    assert at95.lower == approx(expected["lower95_0cl"], rel=1e-9)
    assert at95.upper == approx(expected["upper95_0cl"], rel=1e-9)
    assert at998.lower == approx(expected["lower99_8cl"], rel=1e-9)
    assert at998.upper == approx(expected["upper99_8cl"], rel=1e-9)
    assert at95.note == ""


def test_dsr_treats_a_missing_count_as_zero():
    rows = DSR_DATA[DSR_DATA["area"] == "testdata_big"]
    counts = rows["count"].astype(float).to_numpy()
    with_zero = inequality.dsr_dobson(np.where(np.arange(19) == 2, 0.0, counts), rows["pop"])
    with_missing = inequality.dsr_dobson(np.where(np.arange(19) == 2, np.nan, counts), rows["pop"])
    assert with_missing.value == approx(with_zero.value)


@pytest.mark.parametrize(
    "count, population, message",
    [
        ([1] * 18, [10] * 19, "count has 18 values"),
        ([1] * 19, [10] * 18 + [0], "population above 0"),
        ([-1] + [1] * 18, [10] * 19, "negative"),
    ],
)
def test_dsr_refuses_input_it_cannot_use(count, population, message):
    with pytest.raises(ValueError, match=message):
        inequality.dsr_dobson(count, population)
