"""Fingertips recent trend: known answers from FingertipsNext's own tests.

Cases, data and expected markers from dhsc-govuk/FingertipsNext,
trend-analysis/TrendAnalysisApp.UnitTests/Legacy/TrendMarkerCalculatorTests.cs (commit 5f00d76), which copies
them from published Fingertips pages (indicator IDs 241, 93468, 30309, 41203). The method is that of
trend-analysis/TrendAnalysisApp/Calculator/Legacy/TrendMarkerCalculator.cs at the same commit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pytest import approx
from scipy import stats as scipy_stats

from onehalton import stats


def _frame(rows):
    return pd.DataFrame(rows, columns=["period_start", "count", "denominator", "value", "lower_ci", "upper_ci"])


# 241 Diabetes: QOF prevalence, England (proportion; FingertipsNext expects "Increasing")
DIABETES = _frame(
    [
        (2024, 3938080, 51441896, 7.6554, 7.6481, 7.6669),
        (2023, 3774801, 50649129, 7.4528, 7.4456, 7.4643),
        (2022, 3625401, 49956777, 7.2571, 7.2499, 7.2684),
        (2021, 3491868, 49122259, 7.1085, 7.1013, 7.1199),
        (2020, 3455176, 48783947, 7.0826, 7.0754, 7.094),
    ]
)
# 93468 GP registered population aged 65+ (proportion; expects "NoChange")
GP_65_PLUS = _frame(
    [
        (2024, 11246440, 63227624, 17.7872, None, None),
        (2023, 11034431, 62418295, 17.6782, None, None),
        (2022, 10851467, 61625745, 17.6087, None, None),
        (2021, 10547929, 60744002, 17.3646, None, None),
        (2020, 10588957, 60458658, 17.5144, None, None),
    ]
)
# 30309 MMR one dose at 2, Yorkshire and the Humber (proportion; expects "Decreasing")
MMR_YORKSHIRE = _frame(
    [
        (2024, 53185, 59028, 90.1013, 89.8578, 90.3396),
        (2023, 51767, 57508, 90.017, 89.7694, 90.2594),
        (2022, 53681, 59074, 90.8708, 90.6358, 91.1004),
        (2021, 55865, 60511, 92.3221, 92.1072, 92.5315),
        (2020, 57274, 61834, 92.6254, 92.4168, 92.8288),
    ]
)
# 41203 Preventable sight loss from diabetic eye disease (crude rate; expects "Increasing")
SIGHT_LOSS = _frame(
    [
        (2024, 1502, 49866388, 3.0121, 2.8616, 3.1683),
        (2023, 1415, 49300918, 2.8701, 2.7225, 3.0237),
        (2022, 1344, 48753376, 2.7567, 2.6113, 2.9082),
        (2021, 935, 48440507, 1.93028, 1.8085, 2.058),
        (2020, 1416, 48246126, 2.935, 2.7841, 3.0919),
    ]
)


def test_the_threshold_is_the_999_8_percent_chi_squared_point():
    assert stats.RECENT_TREND_CHI2 == approx(9.54953570608324, rel=1e-12)  # FingertipsNext's constant


@pytest.mark.parametrize(
    "frame, proportion, polarity, expected, direction",
    [
        (DIABETES, True, "no judgement", "increasing", 1),
        (MMR_YORKSHIRE, True, "high is good", "decreasing and getting worse", -1),
        (SIGHT_LOSS, False, "low is good", "increasing and getting worse", 1),
    ],
    ids=["diabetes-241", "mmr-yorkshire-30309", "sight-loss-41203"],
)
def test_recent_trend_matches_fingertipsnext_published_cases(frame, proportion, polarity, expected, direction):
    result = stats.recent_trend(frame, polarity=polarity, proportion=proportion)
    assert result["trend"] == expected
    assert result["direction"] == direction
    assert result["points"] == [2020, 2021, 2022, 2023, 2024]
    assert result["reason"] == ""


def test_points_without_confidence_limits_are_not_used():
    """FingertipsNext's 93468 case has no limits: its calculator drops every point (GetMostRecentData keeps only
    points with both limits), its sums are empty, chi2 is NaN and it reports "NoChange". Here the same input
    says plainly that the trend cannot be calculated, and why, rather than claiming no change."""
    result = stats.recent_trend(GP_65_PLUS, polarity="no judgement", proportion=True)
    assert result["trend"] == "cannot be calculated"
    assert "fewer than 5 points with valid values" in result["reason"]


def test_proportion_chi2_is_the_armitage_trend_test():
    """The closed form in the reference equals the classic chi-squared test for trend (R's prop.trend.test)."""
    x = MMR_YORKSHIRE.sort_values("period_start")["count"].to_numpy(float)
    n = MMR_YORKSHIRE.sort_values("period_start")["denominator"].to_numpy(float)
    t = np.arange(1, 6, dtype=float)
    p = x.sum() / n.sum()
    # weighted regression sum of squares of x/n on t with weights n / (p (1 - p)), as prop.trend.test
    w = n / (p * (1 - p))
    tbar = (w * t).sum() / w.sum()
    slope = (w * (t - tbar) * (x / n)).sum() / (w * (t - tbar) ** 2).sum()
    expected = slope**2 * (w * (t - tbar) ** 2).sum()
    result = stats.recent_trend(MMR_YORKSHIRE, polarity="high is good", proportion=True)
    assert result["chi2"] == approx(expected, rel=1e-9)
    assert scipy_stats.chi2.sf(result["chi2"], 1) < 0.002


def test_wls_chi2_is_slope_over_its_standard_error_squared():
    frame = SIGHT_LOSS.sort_values("period_start")
    y = frame["value"].to_numpy()
    se = (frame["upper_ci"] - frame["lower_ci"]).to_numpy() / 3.92
    t = np.arange(1, 6, dtype=float)
    design = np.column_stack([np.ones(5), t])
    weights = np.diag(1 / se**2)
    cov = np.linalg.inv(design.T @ weights @ design)
    beta = cov @ design.T @ weights @ y
    result = stats.recent_trend(SIGHT_LOSS, polarity="low is good", proportion=False)
    assert result["slope"] == approx(beta[1], rel=1e-9)
    assert result["chi2"] == approx(beta[1] ** 2 / cov[1, 1], rel=1e-9)


def test_a_big_chi2_with_one_point_reversing_the_slope_is_no_significant_change():
    """Leave-one-out: dropping the last point turns the slope negative, so the trend is not significant."""
    frame = _frame(
        [
            (2020, None, None, 10.0, 9.9, 10.1),
            (2021, None, None, 9.0, 8.9, 9.1),
            (2022, None, None, 8.0, 7.9, 8.1),
            (2023, None, None, 7.0, 6.9, 7.1),
            (2024, None, None, 40.0, 39.9, 40.1),
        ]
    )
    result = stats.recent_trend(frame, polarity="low is good", proportion=False)
    assert result["chi2"] > stats.RECENT_TREND_CHI2
    assert result["slope"] > 0
    assert result["trend"] == "no significant change"


def test_only_the_five_most_recent_valid_points_count():
    older = _frame([(2015, 1, 1000, 0.1, 0.0, 0.6), (2016, 900, 1000, 90.0, 88.0, 91.7)])
    suppressed = _frame([(2025, None, 1000, None, None, None)])  # newest, but suppressed
    result = stats.recent_trend(pd.concat([older, MMR_YORKSHIRE, suppressed]), polarity="high is good", proportion=True)
    assert result["points"] == [2020, 2021, 2022, 2023, 2024]
    assert result["trend"] == "decreasing and getting worse"


@pytest.mark.parametrize(
    "frame, proportion, reason",
    [
        (MMR_YORKSHIRE.head(4), True, "fewer than 5"),
        (MMR_YORKSHIRE.assign(count=[1, 2, 3, 4, 0]), True, "count of 0"),
        (SIGHT_LOSS.assign(lower_ci=SIGHT_LOSS["upper_ci"]), False, "zero width"),
        (SIGHT_LOSS.assign(upper_ci=[None] * 5), False, "fewer than 5"),
    ],
)
def test_cannot_be_calculated_says_why(frame, proportion, reason):
    result = stats.recent_trend(frame, polarity="high is good", proportion=proportion)
    assert result["trend"] == "cannot be calculated"
    assert result["direction"] == 0
    assert reason in result["reason"]


@pytest.mark.parametrize(
    "polarity, rising, falling",
    [
        ("high is good", "increasing and getting better", "decreasing and getting worse"),
        ("low is good", "increasing and getting worse", "decreasing and getting better"),
        ("no judgement", "increasing", "decreasing"),
    ],
)
def test_trend_wording_follows_polarity(polarity, rising, falling):
    up = stats.recent_trend(DIABETES, polarity=polarity, proportion=True)
    down = stats.recent_trend(MMR_YORKSHIRE, polarity=polarity, proportion=True)
    assert (up["trend"], down["trend"]) == (rising, falling)


def test_a_missing_column_is_named():
    with pytest.raises(KeyError, match="upper_ci"):
        stats.recent_trend(SIGHT_LOSS.drop(columns=["upper_ci"]), polarity="low is good", proportion=False)
