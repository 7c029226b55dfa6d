"""Tests for onehalton.spc: Making Data Count XmR charts.

Series are built by hand so that the answer is known. Most are a zig-zag base (11, 9, 11, 9 ...,
mean 10, moving range 2, so limits about 10 +/- 5.3 and near-limits about 10 +/- 3.5) with a
pattern inserted; where the inserted pattern moves the mean or limits, the test first asserts
its own premise (for example "this point really is between the near limit and the limit")
against the computed limits, so a wrong premise fails loudly instead of passing by accident.

Rule details follow NHSRplotthedots (nhs-r-community/NHSRplotthedots, R/ptd_spc_standard.R and
R/ptd_calculate_point_type.R), see the module docstring of onehalton.spc.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from onehalton.spc import LIMIT, NEAR_LIMIT, RULE_OUTSIDE, RULE_SHIFT, RULE_TREND, RULE_TWO_OF_THREE, xmr

ZIGZAG = [11, 9]  # starts above the mean of 10, ends below it


def months(n: int, start: str = "2020-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def chart(values, polarity="high is good", **kwargs):
    return xmr(values, months(len(values)), polarity=polarity, **kwargs)


def flagged(result, rule: str | None = None) -> list[int]:
    p = result.points
    if rule is None:
        return [int(i) for i in np.flatnonzero(p["special_cause"].to_numpy())]
    return [i for i, r in enumerate(p["rule"]) if rule in r.split("; ")]


# --------------------------------------------------------------------------------------------
# limits
# --------------------------------------------------------------------------------------------
def test_limits_are_mean_plus_minus_2_66_mean_moving_range():
    rng = np.random.default_rng(20240401)
    y = np.round(rng.normal(50, 5, 24), 1)
    mr = np.abs(np.diff(y))
    assert (mr < 3.267 * mr.mean()).all()  # premise: screening has nothing to drop
    r = chart(y)
    p = r.points
    assert r.enough_points
    assert p["mean"].iloc[0] == pytest.approx(y.mean())
    assert p["upl"].iloc[0] == pytest.approx(y.mean() + 2.66 * mr.mean())
    assert p["lpl"].iloc[0] == pytest.approx(y.mean() - 2.66 * mr.mean())
    assert p["upper_near"].iloc[0] == pytest.approx(y.mean() + 1.7733333 * mr.mean())
    assert p["lower_near"].iloc[0] == pytest.approx(y.mean() - 1.7733333 * mr.mean())
    assert LIMIT == 2.66 and NEAR_LIMIT == pytest.approx(1.773, abs=5e-4)
    assert r.mean == pytest.approx(y.mean()) and r.upl == pytest.approx(p["upl"].iloc[-1])


def test_moving_range_outliers_are_screened_out_of_the_limits():
    y = ZIGZAG * 10 + [40] + ZIGZAG * 10  # the jump to 40 and back makes two huge moving ranges
    mr = np.abs(np.diff(y))
    kept = mr[mr < 3.267 * mr.mean()]
    assert len(kept) == len(mr) - 2  # premise
    screened = chart(y)
    unscreened = chart(y, screen_outliers=False)
    mean = np.mean(y)
    assert screened.upl == pytest.approx(mean + 2.66 * kept.mean())
    assert unscreened.upl == pytest.approx(mean + 2.66 * mr.mean())
    assert screened.upl < unscreened.upl


def test_flat_series_has_zero_width_limits_and_no_special_cause():
    r = chart([5.0] * 20, target=6)
    assert r.upl == r.lpl == r.mean == 5.0
    assert flagged(r) == []
    assert r.variation == "Common cause variation"
    assert r.assurance == "Consistently failing"  # target 6 above the upper limit, high is good


@pytest.mark.parametrize("value", [10 / 110, 0.1, 1 / 3, 16.545454545454547])
def test_flat_series_of_an_inexact_float_is_common_cause(value):
    r = chart([value] * 18, target=None)
    assert flagged(r) == []
    assert r.variation == "Common cause variation"


# --------------------------------------------------------------------------------------------
# how many points
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, enough", [(13, False), (14, False), (15, True), (16, True)])
def test_fifteen_points_are_enough_fourteen_are_not(n, enough):
    r = chart((ZIGZAG * 10)[:n], target=100)
    assert r.enough_points is enough
    limits = r.points[["upl", "lpl", "upper_near", "lower_near"]]
    if enough:
        assert limits.notna().all().all()
    else:
        assert limits.isna().all().all()
    if enough:
        assert r.variation == "Common cause variation"
        assert r.variation_icon == "common_cause"
        assert r.assurance == "Consistently failing"
    else:
        assert r.variation == "Fewer than 15 points: too few for SPC"
        assert r.variation_icon is None
        assert r.assurance is None and r.assurance_icon is None
        assert not r.points["special_cause"].any()


def test_min_points_is_configurable():
    assert chart((ZIGZAG * 10)[:12], min_points=12).enough_points
    assert not chart((ZIGZAG * 10)[:12], min_points=13).enough_points


def test_too_few_points_even_with_a_point_far_outside():
    r = chart(ZIGZAG * 5 + [100])  # 11 points
    assert flagged(r) == []
    assert r.points["point_type"].eq("common cause").all()


# --------------------------------------------------------------------------------------------
# rule: outside the process limits
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spike, polarity, point_type",
    [
        (30, "high is good", "improvement"),
        (30, "low is good", "concern"),
        (30, "no judgement", "neutral"),
        (-10, "high is good", "concern"),
        (-10, "low is good", "improvement"),
        (-10, "no judgement", "neutral"),
    ],
)
def test_single_point_outside_limits(spike, polarity, point_type):
    y = ZIGZAG * 10 + [spike] + ZIGZAG * 10
    r = chart(y, polarity)
    assert flagged(r) == [20]
    assert r.points.loc[20, "rule"] == RULE_OUTSIDE
    assert r.points.loc[20, "point_type"] == point_type
    assert r.points.loc[20, "direction"] == ("high" if spike > 10 else "low")
    assert set(r.points.drop(index=20)["point_type"]) == {"common cause"}
    assert r.variation == "Common cause variation"  # the last point is common cause


def test_point_exactly_on_the_upper_limit_is_not_outside():
    base = ZIGZAG * 10
    r0 = chart(base + [10.0])  # find the limit with a neutral extra point
    # Rebuild with the extra point placed just inside and just outside; limits barely move,
    # so check against each chart's own limit.
    inside = chart(base + [r0.upl - 0.5])
    assert inside.points["value"].iloc[-1] <= inside.upl
    assert RULE_OUTSIDE not in inside.points["rule"].iloc[-1]
    outside = chart(base + [r0.upl + 2])
    assert outside.points["value"].iloc[-1] > outside.upl
    assert RULE_OUTSIDE in outside.points["rule"].iloc[-1]


# --------------------------------------------------------------------------------------------
# rule: shift (7 in a row one side of the mean)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("k, expected", [(6, []), (7, list(range(8, 22))), (8, list(range(8, 24)))])
def test_shift_needs_seven_points_in_a_row(k, expected):
    # zig-zag ending below the mean, k points at 12 (above), k at 8 (below), zig-zag starting above.
    y = ZIGZAG * 4 + [12] * k + [8] * k + ZIGZAG * 4
    r = chart(y)
    assert r.mean == 10.0  # premise: balanced, mean exactly 10
    assert flagged(r, RULE_SHIFT) == expected
    assert flagged(r) == expected  # and nothing else fires
    if expected:
        types = r.points["point_type"]
        assert set(types.iloc[8 : 8 + k]) == {"improvement"}  # above the mean, high is good
        assert set(types.iloc[8 + k : 8 + 2 * k]) == {"concern"}


@pytest.mark.parametrize("middle, fires", [((10, 10), False), ((11, 9), True)])
def test_point_exactly_on_the_mean_breaks_a_run(middle, fires):
    hi, lo = middle
    y = ZIGZAG * 4 + [12, 12, 12, hi, 12, 12, 12, 12] + [8, 8, 8, 8, lo, 8, 8, 8] + ZIGZAG * 4
    r = chart(y)
    assert r.mean == 10.0  # premise: the middle points sit exactly on the mean when (10, 10)
    assert (len(flagged(r, RULE_SHIFT)) == 16) is fires
    assert (len(flagged(r, RULE_SHIFT)) == 0) is (not fires)


# --------------------------------------------------------------------------------------------
# rule: trend (7 in a row rising or falling)
# --------------------------------------------------------------------------------------------
RISING_7 = [8.5, 9, 9.5, 10, 10.5, 11, 11.5]  # 6 consecutive increases


@pytest.mark.parametrize(
    "pattern, polarity, expected_type",
    [
        (RISING_7, "high is good", "improvement"),
        (RISING_7, "low is good", "concern"),
        (RISING_7[::-1], "high is good", "concern"),
        (RISING_7[::-1], "low is good", "improvement"),
        (RISING_7, "no judgement", "neutral"),
    ],
)
def test_seven_point_trend_flags_all_seven_points(pattern, polarity, expected_type):
    # zig-zag ends at 9 and restarts at 11: both ends break the trend.
    y = ZIGZAG * 6 + pattern + ZIGZAG * 6
    r = chart(y, polarity)
    assert flagged(r, RULE_TREND) == list(range(12, 19))
    assert flagged(r) == list(range(12, 19))
    # every trend point takes the trend's direction, even those on the other side of the mean
    assert set(r.points["point_type"].iloc[12:19]) == {expected_type}
    direction = "high" if pattern[0] < pattern[-1] else "low"
    assert set(r.points["direction"].iloc[12:19]) == {direction}


def test_six_increases_needed_five_are_not_enough():
    y = ZIGZAG * 6 + [8.5, 9, 9.5, 10, 10.5, 11] + ZIGZAG * 6  # 9 before, 11 after: 5 increases
    assert flagged(chart(y), RULE_TREND) == []


@pytest.mark.parametrize(
    "pattern, fires",
    [
        ([8.5, 9, 9.5, 10, 10.5, 11, 11.5], True),
        ([8.5, 9, 9.5, 10, 10, 10.5, 11, 11.5], False),  # equal neighbours break the trend
        ([11.5, 11, 10.5, 10, 10, 9.5, 9, 8.5], False),
    ],
)
def test_equal_neighbours_break_a_trend(pattern, fires):
    y = ZIGZAG * 6 + pattern + ZIGZAG * 6
    assert bool(flagged(chart(y), RULE_TREND)) is fires


# --------------------------------------------------------------------------------------------
# rule: two of three beyond the near (two-sigma) limit
# --------------------------------------------------------------------------------------------
H, L = 14.5, 5.5  # beyond the near limits of the zig-zag base, inside its process limits


def _assert_close(r, i, side):
    p = r.points.iloc[i]
    if side == "high":
        assert p["upper_near"] < p["value"] <= p["upl"], "premise: point between near and process limit"
    else:
        assert p["lpl"] <= p["value"] < p["lower_near"], "premise: point between near and process limit"


@pytest.mark.parametrize(
    "pattern, close_at, expected, point_type",
    [
        ([H, 12, H], [0, 2], [0, 2], "improvement"),
        ([H, H, 12], [0, 1], [0, 1], "improvement"),
        ([12, H, H], [1, 2], [1, 2], "improvement"),
        ([L, 8, L], [0, 2], [0, 2], "concern"),
        ([L, L, 8], [0, 1], [0, 1], "concern"),
    ],
)
def test_two_of_three_same_side_fires(pattern, close_at, expected, point_type):
    base = ZIGZAG * 15
    y = base + pattern + base
    r = chart(y)
    offset = len(base)
    for i in close_at:
        _assert_close(r, offset + i, "high" if pattern[i] > 10 else "low")
    assert flagged(r, RULE_TWO_OF_THREE) == [offset + i for i in expected]
    assert flagged(r) == [offset + i for i in expected]
    assert set(r.points["point_type"].iloc[[offset + i for i in expected]]) == {point_type}


def test_two_of_three_one_high_one_low_does_not_fire():
    base = ZIGZAG * 15
    r = chart(base + [H, 12, L] + base)
    o = len(base)
    _assert_close(r, o, "high")
    _assert_close(r, o + 2, "low")
    assert flagged(r) == []


def test_two_of_three_adjacent_high_and_low_does_not_fire():
    base = ZIGZAG * 15
    r = chart(base + [H, L, 12] + base)
    o = len(base)
    _assert_close(r, o, "high")
    _assert_close(r, o + 1, "low")
    assert flagged(r) == []


def test_one_point_beyond_the_near_limit_is_not_enough():
    base = ZIGZAG * 15
    r = chart(base + [H, 12, 12] + base)
    _assert_close(r, len(base), "high")
    assert flagged(r) == []


def test_two_of_three_needs_the_middle_point_on_the_same_side_too():
    # NHSRplotthedots requires all three points of the window on one side of the mean
    # (abs(sum(relative_to_mean)) == 3); 9 is below the mean, so this does not fire.
    base = ZIGZAG * 15
    r = chart(base + [H, 9, H] + base)
    o = len(base)
    _assert_close(r, o, "high")
    _assert_close(r, o + 2, "high")
    assert r.points["value"].iloc[o + 1] < r.mean
    assert flagged(r) == []


def test_point_outside_limits_does_not_count_towards_two_of_three():
    # NHSRplotthedots: close_to_limits excludes points outside the process limits.
    base = ZIGZAG * 15
    r = chart(base + [16.5, H, 12] + base)
    o = len(base)
    assert r.points["value"].iloc[o] > r.upl
    _assert_close(r, o + 1, "high")
    assert flagged(r) == [o]
    assert r.points["rule"].iloc[o] == RULE_OUTSIDE


# --------------------------------------------------------------------------------------------
# variation status = the last point
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "last, polarity, variation, icon",
    [
        (30, "high is good", "Special cause improvement", "improvement_high"),
        (30, "low is good", "Special cause concern", "concern_high"),
        (-10, "high is good", "Special cause concern", "concern_low"),
        (-10, "low is good", "Special cause improvement", "improvement_low"),
        (30, "no judgement", "Special cause variation", "neutral_high"),
        (-10, "no judgement", "Special cause variation", "neutral_low"),
        (10, "high is good", "Common cause variation", "common_cause"),
        (10, "no judgement", "Common cause variation", "common_cause"),
    ],
)
def test_variation_is_the_last_points_type(last, polarity, variation, icon):
    r = chart(ZIGZAG * 10 + [last], polarity)
    assert r.variation == variation
    assert r.variation_icon == icon


def test_earlier_special_cause_does_not_set_the_variation():
    r = chart(ZIGZAG * 10 + [30] + ZIGZAG * 5)
    assert flagged(r) == [20]
    assert r.variation == "Common cause variation"


def test_variation_follows_a_trend_that_ends_the_series():
    r = chart(ZIGZAG * 6 + RISING_7, "low is good")
    assert r.points["point_type"].iloc[-1] == "concern"
    assert r.variation == "Special cause concern"
    assert r.variation_icon == "concern_high"


# --------------------------------------------------------------------------------------------
# assurance
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target, polarity, assurance, icon",
    [
        (20, "high is good", "Consistently failing", "consistent_fail"),  # target above the upper limit
        (10, "high is good", "Hit and miss", "hit_and_miss"),  # target inside the limits
        (0, "high is good", "Consistently passing", "consistent_pass"),  # target below the lower limit
        (20, "low is good", "Consistently passing", "consistent_pass"),
        (10, "low is good", "Hit and miss", "hit_and_miss"),
        (0, "low is good", "Consistently failing", "consistent_fail"),
        (20, "no judgement", None, None),
        (None, "high is good", None, None),
    ],
)
def test_assurance(target, polarity, assurance, icon):
    r = chart(ZIGZAG * 15, polarity, target=target)
    assert r.lpl < 10 < r.upl and r.upl < 20 and r.lpl > 0  # premise
    assert r.assurance == assurance
    assert r.assurance_icon == icon


@pytest.mark.parametrize("which", ["upl", "lpl"])
def test_target_exactly_on_a_limit_is_hit_and_miss(which):
    base = chart(ZIGZAG * 15)
    r = chart(ZIGZAG * 15, target=getattr(base, which))
    assert r.assurance == "Hit and miss"


# --------------------------------------------------------------------------------------------
# recalculating limits from a baseline date
# --------------------------------------------------------------------------------------------
def test_baseline_start_recalculates_mean_and_limits():
    y = ZIGZAG * 10 + [21, 19] * 10  # a step change from 10 to 20 after 20 months
    d = months(40)
    whole = xmr(y, d, polarity="high is good")
    assert whole.mean == pytest.approx(15.0)
    assert whole.points["special_cause"].any()  # the step shows as special cause

    rebased = xmr(y, d, polarity="high is good", baseline_start=d[20])
    p = rebased.points
    assert list(p["segment"].unique()) == [0, 1]
    assert (p["segment"].iloc[:20] == 0).all() and (p["segment"].iloc[20:] == 1).all()
    assert p["mean"].iloc[0] == pytest.approx(10.0)  # points before keep their own period's limits
    assert p["mean"].iloc[-1] == pytest.approx(20.0)
    assert rebased.mean == pytest.approx(20.0)
    assert rebased.upl == pytest.approx(20 + 2.66 * 2)
    assert p["upl"].iloc[0] == pytest.approx(10 + 2.66 * 2)
    assert not p["special_cause"].any()  # each period is stable on its own
    assert rebased.upl != whole.upl


def test_baseline_between_dates_starts_at_the_next_point():
    y = ZIGZAG * 10 + [21, 19] * 10
    d = months(40)
    r = xmr(y, d, polarity="high is good", baseline_start=d[19] + pd.Timedelta(days=10))
    assert (r.points["segment"].iloc[20:] == 1).all() and (r.points["segment"].iloc[:20] == 0).all()


def test_baseline_leaving_too_few_points_gives_no_limits():
    y = ZIGZAG * 15
    d = months(30)
    r = xmr(y, d, polarity="high is good", baseline_start=d[20], target=5)
    assert not r.enough_points
    assert r.variation == "Fewer than 15 points since the limits were recalculated: too few for SPC"
    assert r.points["upl"].iloc[20:].isna().all()
    assert r.points["upl"].iloc[:20].notna().all()
    assert r.assurance is None


def test_baseline_before_the_first_point_changes_nothing():
    y = ZIGZAG * 10
    d = months(20)
    a = xmr(y, d, polarity="high is good")
    b = xmr(y, d, polarity="high is good", baseline_start="1999-01-01")
    pd.testing.assert_frame_equal(a.points, b.points)


def test_baseline_after_the_last_point_is_an_error():
    with pytest.raises(ValueError):
        xmr(ZIGZAG * 10, months(20), polarity="high is good", baseline_start="2030-01-01")


def test_rules_do_not_run_across_a_recalculation():
    # 4 points above the old mean then 3 above the new one would be 7 in a row without a break.
    y = ZIGZAG * 8 + [12, 12, 12, 12] + [21, 21, 21] + [19, 21] * 8
    d = months(len(y))
    r = xmr(y, d, polarity="high is good", baseline_start=d[20])
    assert flagged(r, RULE_SHIFT) == []


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------
def test_unsorted_input_is_sorted_by_date():
    y = ZIGZAG * 10 + [30]
    d = months(21)
    order = np.random.default_rng(3).permutation(21)
    r = xmr(pd.Series(np.array(y)[order]), pd.Series(d[order]), polarity="high is good")
    assert list(r.points["date"]) == list(d)
    assert r.variation == "Special cause improvement"


def test_missing_values_are_dropped():
    y = [np.nan] + ZIGZAG * 10
    r = chart(y)
    assert len(r.points) == 20 and r.points["value"].notna().all()


def test_duplicate_dates_are_an_error():
    d = list(months(20))
    d[5] = d[4]
    with pytest.raises(ValueError):
        xmr(ZIGZAG * 10, d, polarity="high is good")


def test_bad_polarity_and_length_mismatch_are_errors():
    with pytest.raises(ValueError):
        chart(ZIGZAG * 10, polarity="up")
    with pytest.raises(ValueError):
        xmr(ZIGZAG * 10, months(19), polarity="high is good")


def test_points_frame_columns():
    r = chart(ZIGZAG * 10)
    assert list(r.points.columns) == [
        "date",
        "value",
        "segment",
        "mean",
        "upl",
        "lpl",
        "upper_near",
        "lower_near",
        "moving_range",
        "special_cause",
        "rule",
        "direction",
        "point_type",
    ]
    assert r.points["special_cause"].dtype == bool
    assert set(r.points["point_type"]) <= {"common cause", "improvement", "concern", "neutral"}
