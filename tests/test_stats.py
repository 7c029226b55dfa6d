"""Tests for onehalton.stats: Wilson and Byar's intervals, with_ci, Fingertips benchmarking.

Reference values and where they come from:

* Wilson score intervals (no continuity correction): Newcombe RG (1998), "Two-sided confidence
  intervals for the single proportion: comparison of seven methods", Statistics in Medicine
  17:857-872, worked examples for method 3 (score interval) -- 81/263, 15/148, 0/20, 1/29, to 4
  decimal places. 1/10 -> 0.0179 to 0.4042 is the Wilson formula evaluated by hand
  (z = 1.959964), a common textbook example.
* Exact Poisson (chi-square / Garwood 1936) limits for small counts, 95%, as in standard exact
  Poisson tables: 0 -> (0, 3.689) (the 3.689 is also quoted in the R epitools documentation),
  1 -> (0.0253, 5.572), 5 -> (1.623, 11.668), 10 -> (4.795, 18.390).
* Byar's approximation for counts >= 10: the formula printed in the Fingertips public health
  technical guidance ("Rates": O_lower = O(1 - 1/(9O) - z/(3 sqrt O))^3,
  O_upper = (O+1)(1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3), evaluated independently by hand with
  z = 1.959964 (95%) and written here to 4 decimals. The PHE "Technical Guide: Confidence
  Intervals" (2018, Appendix 1) states Byar's is within 0.2% of the exact limits for counts of 10
  or more at 95%, which is checked against scipy's chi-square too.
* The "exact below 10, Byar's from 10" switch is PHEindicatormethods' ``phe_rate`` (R/Rates.R)
  and the same Fingertips guidance page.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from onehalton.stats import (
    BENCHMARK_RESULTS,
    benchmark,
    benchmark_phrase,
    byar_ci,
    wilson_ci,
    with_ci,
)


# --------------------------------------------------------------------------------------------
# Wilson
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "count, n, lower, upper",
    [
        (81, 263, 0.2553, 0.3662),  # Newcombe 1998
        (15, 148, 0.0624, 0.1605),  # Newcombe 1998
        (0, 20, 0.0000, 0.1611),  # Newcombe 1998
        (1, 29, 0.0061, 0.1718),  # Newcombe 1998
        (1, 10, 0.0179, 0.4042),  # Wilson formula by hand
    ],
)
def test_wilson_matches_published_values(count, n, lower, upper):
    lo, up = wilson_ci(count, n)
    assert isinstance(lo, float) and isinstance(up, float)
    assert lo == pytest.approx(lower, abs=5e-5)
    assert up == pytest.approx(upper, abs=5e-5)


def test_wilson_matches_the_formula_by_hand_at_99_8_percent():
    # Wilson score formula written out independently (z for 99.8% two-sided = 3.090232).
    x, n, z = 81, 263, 3.090232306167813
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, up = wilson_ci(x, n, confidence=0.998)
    assert lo == pytest.approx(centre - half, rel=1e-9)
    assert up == pytest.approx(centre + half, rel=1e-9)


def test_wilson_edges_are_exact():
    lo, up = wilson_ci(0, 1000)
    assert lo == 0.0 and up > 0
    lo, up = wilson_ci(50, 50)
    assert up == 1.0 and lo < 1


def test_wilson_vectorised_with_nan_for_zero_or_missing_denominator():
    lo, up = wilson_ci(np.array([81, 5, 3, 2]), np.array([263, 0, np.nan, 10]))
    assert isinstance(lo, np.ndarray)
    assert lo[0] == pytest.approx(0.2553, abs=5e-5)
    assert np.isnan(lo[1]) and np.isnan(up[1])
    assert np.isnan(lo[2]) and np.isnan(up[2])
    assert not np.isnan(lo[3])


def test_wilson_series_keeps_index_and_handles_nullable_na():
    count = pd.Series([1, pd.NA, 15], dtype="Int64", index=["a", "b", "c"])
    n = pd.Series([10, 10, 148], index=["a", "b", "c"])
    lo, up = wilson_ci(count, n)
    assert list(lo.index) == ["a", "b", "c"]
    assert lo["a"] == pytest.approx(0.0179, abs=5e-5)
    assert pd.isna(lo["b"]) and pd.isna(up["b"])
    assert up["c"] == pytest.approx(0.1605, abs=5e-5)


@pytest.mark.parametrize("count, n", [(11, 10), (-1, 10), (1, -5)])
def test_wilson_rejects_impossible_inputs(count, n):
    with pytest.raises(ValueError):
        wilson_ci(count, n)


@pytest.mark.parametrize("confidence", [0, 1, 95, -0.5])
def test_confidence_must_be_a_proportion(confidence):
    with pytest.raises(ValueError):
        wilson_ci(1, 10, confidence=confidence)
    with pytest.raises(ValueError):
        byar_ci(1, confidence=confidence)


# --------------------------------------------------------------------------------------------
# Byar's / exact Poisson
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "count, lower, upper",
    [
        (0, 0.0, 3.689),  # exact tables; lower limit 0 for a count of 0
        (1, 0.0253, 5.572),  # exact tables
        (5, 1.623, 11.668),  # exact tables
    ],
)
def test_small_counts_use_exact_poisson_limits(count, lower, upper):
    lo, up = byar_ci(count)
    assert lo == pytest.approx(lower, abs=5e-4)
    assert up == pytest.approx(upper, abs=5e-4)


@pytest.mark.parametrize(
    "count, lower, upper",
    [
        # Byar's formula by hand (Fingertips guidance), 95%, z = 1.959964
        (10, 4.7874, 18.3915),
        (100, 81.3621, 121.6279),
        (1000, 938.9725, 1063.9526),
    ],
)
def test_counts_of_ten_or_more_use_byars(count, lower, upper):
    lo, up = byar_ci(count)
    assert lo == pytest.approx(lower, abs=5e-5)
    assert up == pytest.approx(upper, abs=5e-5)


def test_switch_to_byars_happens_at_ten_not_nine():
    # 9 is exact: chi-square limits.
    lo9, up9 = byar_ci(9)
    assert lo9 == pytest.approx(chi2.ppf(0.025, 18) / 2, rel=1e-12)
    assert up9 == pytest.approx(chi2.ppf(0.975, 20) / 2, rel=1e-12)
    # 10 is Byar's, which differs from the exact lower limit 4.7954 in the third decimal.
    lo10, _ = byar_ci(10)
    assert lo10 == pytest.approx(4.7874, abs=5e-5)
    assert abs(lo10 - chi2.ppf(0.025, 20) / 2) > 0.005


@pytest.mark.parametrize("count", [10, 11, 20, 65, 100, 1045, 10_000])
def test_byars_within_0_2_percent_of_exact_at_95(count):
    # PHE Technical Guide: Confidence Intervals (2018), Appendix 1.
    lo, up = byar_ci(count)
    assert lo == pytest.approx(chi2.ppf(0.025, 2 * count) / 2, rel=0.002)
    assert up == pytest.approx(chi2.ppf(0.975, 2 * count + 2) / 2, rel=0.002)


def test_byars_99_8_percent_is_wider_and_matches_formula():
    z = 3.090232306167813
    o = 65
    lo, up = byar_ci(o, confidence=0.998)
    assert lo == pytest.approx(o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3, rel=1e-9)
    assert up == pytest.approx((o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3, rel=1e-9)
    lo95, up95 = byar_ci(o)
    assert lo < lo95 < o < up95 < up


def test_byar_vectorised_nan_and_series():
    lo, up = byar_ci(np.array([0, 5, np.nan, 100]))
    assert lo[0] == 0.0
    assert np.isnan(lo[2]) and np.isnan(up[2])
    assert up[3] == pytest.approx(121.6279, abs=5e-5)
    s = pd.Series([0, 10], index=[7, 8])
    lo, up = byar_ci(s)
    assert list(lo.index) == [7, 8]
    assert lo[7] == 0.0


def test_byar_rejects_negative_counts():
    with pytest.raises(ValueError):
        byar_ci(-1)


# --------------------------------------------------------------------------------------------
# with_ci
# --------------------------------------------------------------------------------------------
def test_with_ci_byar_rate_per_100000():
    df = pd.DataFrame({"area": ["a", "b", "c"], "events": [100, 5, 3], "pop": [50_000, 20_000, 0]})
    out = with_ci(df, count="events", denominator="pop", method="byar", multiplier=100_000)
    assert "value" not in df.columns  # a copy, input untouched
    assert out.loc[0, "value"] == pytest.approx(200.0)
    assert out.loc[0, "lower_ci"] == pytest.approx(81.3621 / 50_000 * 100_000, abs=1e-3)
    assert out.loc[0, "upper_ci"] == pytest.approx(121.6279 / 50_000 * 100_000, abs=1e-3)
    assert out.loc[1, "lower_ci"] == pytest.approx(1.623 / 20_000 * 100_000, abs=1e-2)
    assert out.loc[1, "upper_ci"] == pytest.approx(11.668 / 20_000 * 100_000, abs=1e-2)
    assert out.loc[2, ["value", "lower_ci", "upper_ci"]].isna().all()  # denominator 0


def test_with_ci_wilson_percentage():
    df = pd.DataFrame({"checks": [81, 0], "register": [263, 20]})
    out = with_ci(df, count="checks", denominator="register", method="wilson", multiplier=100)
    assert out.loc[0, "value"] == pytest.approx(81 / 263 * 100)
    assert out.loc[0, "lower_ci"] == pytest.approx(25.53, abs=5e-3)
    assert out.loc[0, "upper_ci"] == pytest.approx(36.62, abs=5e-3)
    assert out.loc[1, "lower_ci"] == 0.0
    assert out.loc[1, "upper_ci"] == pytest.approx(16.11, abs=5e-3)


def test_with_ci_none_and_nullable_counts():
    df = pd.DataFrame({"n": pd.Series([4, pd.NA], dtype="Float64"), "d": [8, 8]})
    out = with_ci(df, count="n", denominator="d", method="none", multiplier=1)
    assert out.loc[0, "value"] == 0.5
    assert out[["lower_ci", "upper_ci"]].isna().all().all()
    assert pd.isna(out.loc[1, "value"])
    assert out["value"].dtype == float


def test_with_ci_rejects_unknown_method():
    df = pd.DataFrame({"n": [1], "d": [2]})
    with pytest.raises(ValueError):
        with_ci(df, count="n", denominator="d", method="wald", multiplier=1)


# --------------------------------------------------------------------------------------------
# benchmarking
# --------------------------------------------------------------------------------------------
# Comparator is 50 throughout; intervals placed wholly above, wholly below, straddling,
# touching from above (lower == 50) and touching from below (upper == 50).
POSITIONS = {
    "above": (51, 60),
    "below": (40, 49),
    "straddles": (45, 55),
    "touches from above": (50, 60),
    "touches from below": (40, 50),
}
EXPECTED = {
    "high is good": {"above": "better", "below": "worse"},
    "low is good": {"above": "worse", "below": "better"},
    "no judgement": {"above": "higher", "below": "lower"},
}


@pytest.mark.parametrize("polarity", list(EXPECTED))
@pytest.mark.parametrize("position", list(POSITIONS))
def test_benchmark_every_polarity_and_position(polarity, position):
    lower, upper = POSITIONS[position]
    expected = EXPECTED[polarity].get(position, "similar")
    assert benchmark(lower, upper, 50, polarity) == expected


@pytest.mark.parametrize(
    "lower, upper, comparator",
    [(np.nan, 60, 50), (51, np.nan, 50), (51, 60, np.nan), (None, 60, 50), (pd.NA, 60, 50)],
)
def test_benchmark_missing_input_is_not_compared(lower, upper, comparator):
    assert benchmark(lower, upper, comparator, "high is good") == "not compared"


def test_benchmark_rejects_unknown_polarity():
    with pytest.raises(ValueError):
        benchmark(1, 2, 3, "RAG")


def test_benchmark_polarity_is_case_insensitive():
    assert benchmark(51, 60, 50, "High is Good") == "better"


def test_benchmark_vectorised_series_keeps_index():
    idx = ["Appleton", "Grange", "Halton Lea", "Norton North"]
    lower = pd.Series([51, 40, 45, np.nan], index=idx)
    upper = pd.Series([60, 49, 55, 60], index=idx)
    out = benchmark(lower, upper, 50, "low is good")
    assert isinstance(out, pd.Series)
    assert list(out.index) == idx
    assert list(out) == ["worse", "better", "similar", "not compared"]


def test_benchmark_vectorised_per_row_polarity_and_comparator():
    out = benchmark(
        np.array([51, 51, 51]),
        np.array([60, 60, 60]),
        np.array([50, 50, 70]),
        ["high is good", "no judgement", "low is good"],
    )
    assert list(out) == ["better", "higher", "better"]


@pytest.mark.parametrize(
    "result, name, phrase",
    [
        ("better", "England", "significantly better than England"),
        ("worse", "England", "significantly worse than England"),
        ("higher", "Halton", "significantly higher than Halton"),
        ("lower", "North West", "significantly lower than North West"),
        ("similar", "England", "similar to England"),
        ("not compared", "England", "not compared with England"),
    ],
)
def test_benchmark_phrase(result, name, phrase):
    assert benchmark_phrase(result, name) == phrase


def test_benchmark_phrase_covers_every_result_and_rejects_others():
    for r in BENCHMARK_RESULTS:
        assert "England" in benchmark_phrase(r, "England")
    with pytest.raises(ValueError):
        benchmark_phrase("amber", "England")
