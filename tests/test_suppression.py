"""Tests for onehalton.suppression: primary, derived and secondary small-number suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onehalton.suppression import (
    SUPPRESSED_LABEL,
    SUPPRESSION_LEGEND,
    Suppressed,
    assert_no_small_counts,
    suppress,
    suppression_legend,
)


def wards(counts, month="2024-04"):
    return pd.DataFrame(
        {
            "month": month,
            "ward": [f"Ward {i}" for i in range(len(counts))],
            "n": counts,
        }
    )


# --------------------------------------------------------------------------------------------
# primary
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, hidden",
    [(0, False), (1, True), (2, True), (5, True), (7, True), (8, False), (100, False)],
)
def test_primary_hides_one_to_seven_only(value, hidden):
    s = suppress(wards([value]), counts=["n"])
    assert bool(s.mask.loc[0, "n"]) is hidden
    assert pd.isna(s.frame.loc[0, "n"]) is hidden
    assert s.primary == int(hidden)
    assert s.secondary == 0


@pytest.mark.parametrize("threshold, value, hidden", [(5, 5, True), (5, 6, False), (10, 10, True), (10, 11, False)])
def test_threshold_is_configurable(threshold, value, hidden):
    s = suppress(wards([value]), counts=["n"], threshold=threshold)
    assert bool(s.mask.loc[0, "n"]) is hidden


def test_missing_counts_are_not_suppressed_and_stay_missing():
    df = wards([np.nan, 3.0, 20.0])
    s = suppress(df, counts=["n"])
    assert list(s.mask["n"]) == [False, True, False]
    assert s.frame["n"].isna().tolist() == [True, True, False]


def test_frame_is_nullable_float_and_input_is_untouched():
    df = wards([3, 20, 40])
    s = suppress(df, counts=["n"])
    assert str(s.frame["n"].dtype) == "Float64"
    assert s.frame["n"].tolist()[1:] == [20.0, 40.0]
    assert df["n"].tolist() == [3, 20, 40]  # input unchanged
    assert s.frame["ward"].equals(df["ward"])


def test_mask_has_the_same_shape_index_and_columns():
    df = wards([3, 20, 40]).set_index("ward")
    s = suppress(df, counts=["n"])
    assert s.mask.shape == df.shape
    assert list(s.mask.columns) == list(df.columns)
    assert list(s.mask.index) == list(df.index)
    assert s.mask.dtypes.eq(bool).all()
    assert not s.mask["month"].any()


def test_several_count_columns_are_checked_independently():
    df = pd.DataFrame({"attended": [3, 50], "dna": [20, 2]})
    s = suppress(df, counts=["attended", "dna"])
    assert s.mask.to_numpy().tolist() == [[True, False], [False, True]]
    assert s.primary == 2


# --------------------------------------------------------------------------------------------
# derived
# --------------------------------------------------------------------------------------------
def test_derived_columns_are_suppressed_with_their_counts():
    df = pd.DataFrame(
        {
            "ward": ["A", "B", "C"],
            "numerator": [5, 40, 0],
            "denominator": [900, 1000, 800],
        }
    )
    df["rate"] = df["numerator"] / df["denominator"] * 1000
    df["lower_ci"] = df["rate"] * 0.8
    df["upper_ci"] = df["rate"] * 1.2
    s = suppress(
        df,
        counts=["numerator"],
        derived={c: ["numerator"] for c in ("rate", "lower_ci", "upper_ci")},
    )
    for col in ("numerator", "rate", "lower_ci", "upper_ci"):
        assert s.mask[col].tolist() == [True, False, False], col
        assert pd.isna(s.frame.loc[0, col])
        assert str(s.frame[col].dtype) == "Float64"
    assert not s.mask["denominator"].any()  # denominators are published
    assert s.frame.loc[1, "rate"] == pytest.approx(40.0)
    assert s.primary == 1 and s.secondary == 0 and s.total == 4


def test_derived_from_two_counts_is_hidden_if_either_is():
    df = pd.DataFrame({"a": [3, 20, 20], "b": [20, 4, 30]})
    df["pct"] = df["a"] / (df["a"] + df["b"]) * 100
    s = suppress(df, counts=["a", "b"], derived={"pct": ["a", "b"]})
    assert s.mask["pct"].tolist() == [True, True, False]


def test_non_numeric_derived_column_is_blanked():
    df = pd.DataFrame({"n": [3, 20], "label": ["3 people", "20 people"]})
    s = suppress(df, counts=["n"], derived={"label": ["n"]})
    assert pd.isna(s.frame.loc[0, "label"]) and s.frame.loc[1, "label"] == "20 people"


# --------------------------------------------------------------------------------------------
# secondary
# --------------------------------------------------------------------------------------------
def test_one_hidden_cell_forces_the_next_smallest_non_zero_cell():
    s = suppress(wards([3, 0, 12, 9, 40]), counts=["n"], groups=["month"])
    assert s.mask["n"].tolist() == [True, False, False, True, False]  # 9 is the complement
    assert s.primary == 1 and s.secondary == 1


def test_two_hidden_cells_force_nothing():
    s = suppress(wards([3, 5, 12, 9, 40]), counts=["n"], groups=["month"])
    assert s.mask["n"].tolist() == [True, True, False, False, False]
    assert s.primary == 2 and s.secondary == 0


def test_two_hidden_ones_are_recoverable_so_a_third_cell_is_hidden():
    # total - visible = 2 over two hidden cells, and zeros are never hidden, so both must be 1.
    s = suppress(wards([1, 1, 12, 9, 40]), counts=["n"], groups=["month"])
    assert s.mask["n"].tolist() == [True, True, False, True, False]
    assert s.secondary == 1


def test_zero_is_not_used_as_the_complement_when_a_non_zero_cell_exists():
    s = suppress(wards([4, 0, 0, 250]), counts=["n"], groups=["month"])
    assert s.mask["n"].tolist() == [True, False, False, True]


def test_zero_is_used_when_it_is_the_only_complement():
    s = suppress(wards([4, 0, 0]), counts=["n"], groups=["month"])
    assert s.mask["n"].tolist() == [True, True, False]
    assert s.secondary == 1


def test_ties_take_the_first_row():
    s = suppress(wards([2, 9, 9]), counts=["n"], groups=["month"])
    assert s.mask["n"].tolist() == [True, True, False]


def test_secondary_is_within_each_group():
    df = pd.concat([wards([3, 20, 30], "2024-04"), wards([15, 20, 30], "2024-05")], ignore_index=True)
    s = suppress(df, counts=["n"], groups=["month"])
    assert s.mask["n"].tolist() == [True, True, False, False, False, False]


def test_no_groups_means_no_secondary_and_empty_list_means_whole_frame():
    df = wards([3, 20, 30])
    assert suppress(df, counts=["n"]).secondary == 0
    assert suppress(df, counts=["n"], groups=[]).mask["n"].tolist() == [True, True, False]


def test_secondary_hides_derived_columns_too():
    df = wards([3, 20, 30])
    df["rate"] = df["n"] / 1000
    s = suppress(df, counts=["n"], derived={"rate": ["n"]}, groups=["month"])
    assert s.mask["rate"].tolist() == [True, True, False]
    assert s.frame["rate"].isna().tolist() == [True, True, False]


def test_two_groupings_are_applied_until_stable():
    # ward x month table; totals are published both for each month and for each ward.
    df = pd.DataFrame(
        {
            "ward": ["A", "A", "B", "B", "C", "C"],
            "month": ["Apr", "May"] * 3,
            "n": [3, 50, 40, 60, 70, 80],
        }
    )
    only_month = suppress(df, counts=["n"], groups=["month"])
    assert only_month.mask["n"].tolist() == [True, False, True, False, False, False]
    both = suppress(df, counts=["n"], groups=[["month"], ["ward"]])
    m = both.mask["n"].tolist()
    # A-Apr (primary), B-Apr (month complement), A-May (ward A complement),
    # then B-May (month May and ward B now each have one hidden cell)
    assert m == [True, True, True, True, False, False]
    # every ward and every month now has 0 or at least 2 hidden cells
    hidden = df.assign(h=m)
    assert (hidden.groupby("ward")["h"].sum() != 1).all()
    assert (hidden.groupby("month")["h"].sum() != 1).all()


def test_groupings_repeat_until_no_group_has_a_lonely_hidden_cell():
    # Pass 1, months: Apr hides A (3) and B (20). Wards: A hides May (10), B hides Jun (15).
    # Now May and Jun each have one hidden cell, so a second pass over months is needed.
    df = pd.DataFrame(
        {
            "ward": ["A", "A", "A", "B", "B", "B"],
            "month": ["Apr", "May", "Jun"] * 2,
            "n": [3, 10, 50, 20, 60, 15],
        }
    )
    s = suppress(df, counts=["n"], groups=[["month"], ["ward"]])
    hidden = df.assign(h=s.mask["n"])
    assert (hidden.groupby("ward")["h"].sum() != 1).all()
    assert (hidden.groupby("month")["h"].sum() != 1).all()
    assert s.mask["n"].all()
    assert s.primary == 1 and s.secondary == 5


# --------------------------------------------------------------------------------------------
# display, legend, helper
# --------------------------------------------------------------------------------------------
def test_display_puts_the_label_in_suppressed_cells():
    df = wards([3, 0, 12, 9, 40])
    df["rate"] = df["n"] / 7
    s = suppress(df, counts=["n"], derived={"rate": ["n"]}, groups=["month"])
    shown = s.display()
    assert shown.dtypes.eq(object).all()
    assert shown["n"].tolist() == [SUPPRESSED_LABEL, 0, 12, SUPPRESSED_LABEL, 40]
    assert all(isinstance(v, int) for v in shown["n"] if v != SUPPRESSED_LABEL)  # 12, not 12.0
    assert shown["rate"].iloc[0] == SUPPRESSED_LABEL
    assert shown["rate"].iloc[2] == pytest.approx(12 / 7)
    assert s.display(label="[c]")["n"].iloc[0] == "[c]"
    csv = shown.to_csv(index=False)
    assert "2024-04,Ward 0,*,*" in csv


def test_display_leaves_unsuppressed_missing_cells_empty():
    s = suppress(wards([np.nan, 20]), counts=["n"])
    assert s.display()["n"].tolist() == [None, 20]


def test_legend_is_plain_english():
    assert SUPPRESSED_LABEL == "*"
    assert "1 to 7" in SUPPRESSION_LEGEND
    assert "confidential" in SUPPRESSION_LEGEND
    assert "worked out" in SUPPRESSION_LEGEND
    assert "1 to 10" in suppression_legend(10)
    assert "1 to 5" in suppress(wards([3]), counts=["n"], threshold=5).legend


def test_assert_no_small_counts_passes_after_suppression_and_fails_before():
    df = wards([3, 0, 12, 9, 40])
    with pytest.raises(AssertionError, match=r"row 0, column 'n': 3"):
        assert_no_small_counts(df)
    s = suppress(df, counts=["n"], groups=["month"])
    assert_no_small_counts(s.frame)
    assert_no_small_counts(s.display(), columns=["n"])


def test_assert_no_small_counts_respects_threshold_columns_and_ignores_non_integers():
    df = pd.DataFrame({"n": [8, 9], "rate": [2.5, 3.25], "flag": [True, True], "year": [2024, 2025]})
    assert_no_small_counts(df)  # rates are not whole numbers; booleans are not counts
    with pytest.raises(AssertionError):
        assert_no_small_counts(df, threshold=8)
    assert_no_small_counts(df, threshold=8, columns=["year"])


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"counts": ["missing"]}, KeyError),
        ({"counts": []}, ValueError),
        ({"counts": ["n"], "threshold": -1}, ValueError),
        ({"counts": ["n"], "derived": {"n": ["n"]}}, ValueError),
        ({"counts": ["ward"]}, TypeError),
        ({"counts": ["n"], "groups": ["nope"]}, KeyError),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        suppress(wards([3, 20]), **kwargs)


# --------------------------------------------------------------------------------------------
# property test
# --------------------------------------------------------------------------------------------
count_values = st.one_of(
    st.just(0),
    st.integers(min_value=1, max_value=10),
    st.integers(min_value=11, max_value=500),
)


@st.composite
def small_frames(draw):
    n_rows = draw(st.integers(min_value=1, max_value=12))
    groups = draw(st.lists(st.sampled_from(["Apr", "May", "Jun"]), min_size=n_rows, max_size=n_rows))
    a = draw(st.lists(count_values, min_size=n_rows, max_size=n_rows))
    b = draw(st.lists(count_values, min_size=n_rows, max_size=n_rows))
    threshold = draw(st.integers(min_value=1, max_value=10))
    return pd.DataFrame({"month": groups, "a": a, "b": b}), threshold


@settings(max_examples=300, deadline=None)
@given(small_frames())
def test_property_no_small_counts_left_and_no_lonely_suppressed_cell(case):
    df, threshold = case
    s = suppress(df, counts=["a", "b"], groups=["month"], threshold=threshold)
    assert isinstance(s, Suppressed)

    # no visible count in 1..threshold
    assert_no_small_counts(s.frame, threshold=threshold, columns=["a", "b"])

    # frame and mask agree; visible cells are unchanged
    for col in ("a", "b"):
        assert s.frame[col].isna().tolist() == s.mask[col].tolist()
        visible = ~s.mask[col]
        assert (s.frame.loc[visible, col].astype(float) == df.loc[visible, col].astype(float)).all()

    # no group with 2+ non-zero cells has exactly one hidden cell
    for col in ("a", "b"):
        for _, g in df.assign(hidden=s.mask[col]).groupby("month"):
            if (g[col] != 0).sum() >= 2:
                assert g["hidden"].sum() != 1, (col, g)

    # the counts add up
    primary = int(((df[["a", "b"]] >= 1) & (df[["a", "b"]] <= threshold)).to_numpy().sum())
    assert s.primary == primary
    assert s.primary + s.secondary == int(s.mask[["a", "b"]].to_numpy().sum())
