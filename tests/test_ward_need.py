"""Where need is greatest: the ward queries on the fixture, and the pure shaping in onehalton/ward_need.py."""

from __future__ import annotations

import fixtures
import numpy as np
import pandas as pd
import pytest
from fixtures import WARD_A, WARD_B
from pytest import approx
from test_queries import run

from onehalton import protection, ward_need

# ------------------------------------------------------------------------------------------------
# Queries on the fixture: ward A 3 of 40 (small), ward B 60 of 200, Halton 300 of 1,000, three years


def test_every_ward_latest_value_beside_halton_and_england_for_the_same_period(fixture_db):
    frame = run(fixture_db, "indicator_by_ward_latest", indicator_id=None)
    # 92313 has no ward rows; the directly standardised 22401 has tests of its own (tests/test_dsr.py).
    assert set(frame["indicator_id"]) == {90323, fixtures.DSR_INDICATOR}
    frame = frame[frame["indicator_id"] == 90323]
    assert list(frame["ward_code"]) == [WARD_B, WARD_A]  # most deprived first
    assert set(frame["time_period"]) == {"2023/24"}
    assert list(frame["value"]) == approx([30.0, 7.5])
    assert list(frame["halton_value"]) == approx([30.0, 30.0])
    assert list(frame["england_value"]) == approx([120000 / 545454 * 100] * 2)
    assert list(frame["population"]) == [6000, 5000]


def test_a_ward_missing_the_latest_period_is_listed_with_no_figures(fixture_copy):
    from onehalton.db import Database

    rows = [r for r in fixtures.indicator_rows() if not (r["area_code"] == WARD_B and r["time_period"] == "2023/24")]
    fixtures.write(fixture_copy, "indicators", rows)
    frame = run(Database(fixture_copy), "indicator_by_ward_latest", indicator_id=90323)
    b = frame[frame["ward_code"] == WARD_B].iloc[0]
    assert b["time_period"] == "2023/24"
    assert pd.isna(b["value"]) and pd.isna(b["count"]) and pd.isna(b["denominator"])
    assert ward_need.status(frame).tolist() == ["no data", "shown"]


def test_pooled_periods_sum_counts_and_say_so(fixture_db):
    frame = run(fixture_db, "indicator_by_ward_pooled", indicator_id=90323, periods=3)
    assert list(frame["ward_code"]) == [WARD_B, WARD_A]
    assert list(frame["count"]) == [180, 9]
    assert list(frame["denominator"]) == [600, 120]
    assert list(frame["value"]) == approx([30.0, 7.5])
    assert set(frame["time_period"]) == {"2021/22 to 2023/24 (pooled)"}
    assert set(frame["periods_pooled"]) == {3}
    assert list(frame["halton_value"]) == approx([30.0, 30.0])
    assert set(frame["halton_count"]) == {900}
    # Four periods are not there to pool: nothing rather than a three-year figure called four.
    assert run(fixture_db, "indicator_by_ward_pooled", indicator_id=90323, periods=4).empty


def test_indicator_by_deprivation_quintile_on_two_wards(fixture_db):
    frame = run(fixture_db, "indicator_by_deprivation_quintile", indicator_id=90323)
    assert list(frame["quintile"]) == [1, 2]  # two wards fill only two groups
    assert list(frame["ward_names"]) == ["Appleton", "Norton South & Preston Brook"]
    assert list(frame["count"]) == [60, 3]
    assert list(frame["value"]) == approx([30.0, 7.5])
    assert run(fixture_db, "indicator_by_deprivation_quintile", indicator_id=92313).empty


# ------------------------------------------------------------------------------------------------
# Pure shaping


def ward_frame(
    rows,
    *,
    indicator_id=1,
    name="Obesity",
    polarity="low is good",
    ci_method="wilson",
    multiplier=100.0,
    unit="%",
    halton=30.0,
):
    """Rows (ward_code, ward_name, imd_score, count, denominator) in the shape of indicator_by_ward_latest."""
    frame = pd.DataFrame(rows, columns=["ward_code", "ward_name", "imd_score", "count", "denominator"])
    frame["value"] = frame["count"] / frame["denominator"] * multiplier
    return frame.assign(
        indicator_id=indicator_id,
        indicator_name=name,
        domain="Starting Well",
        unit=unit,
        multiplier=multiplier,
        polarity=polarity,
        ci_method=ci_method,
        town="Widnes",
        time_period="2023/24",
        halton_value=halton,
    )


WARD_DECLARATION = protection.parse("always; groups: indicator_id")


def limits(frame):
    """95% limits by each row's own method, as db.load adds them (onehalton.protection.with_cis)."""
    return protection.with_cis(frame)


def protect(frame):
    """What db.load does for a ward query declared `always; groups: indicator_id`: 1-7 hidden with a partner, the
    rest rounded to 5, values and limits worked out again from the published counts."""
    return protection.published(protection.protect(frame, WARD_DECLARATION, {}, 7)).frame


FIVE = [
    ("W1", "One", 50.0, 150, 300),
    ("W2", "Two", 40.0, 90, 300),
    ("W3", "Three", 30.0, 3, 300),
    ("W4", "Four", 20.0, 60, 300),
    ("W5", "Five", 10.0, 45, 300),
]


def test_compare_areas_lists_every_ward_and_shows_suppressed_wards_as_suppressed():
    frame = protect(ward_frame(FIVE + [("W6", "Six", 5.0, None, None)]))
    out = ward_need.compare_areas(frame, chosen=["W2"])
    # 3 of 300 is hidden, and with it the smallest other cell (45, ward Five) so it cannot be worked out.
    assert out["ward_code"].tolist() == ["W1", "W2", "W4", "W5", "W3", "W6"]
    assert out["status"].tolist() == ["shown"] * 3 + ["suppressed"] * 2 + ["no data"]
    assert out["label"].tolist()[3:] == ["Five (suppressed)", "Three (suppressed)", "Six (no data)"]
    assert out["chosen"].tolist() == [False, True, False, False, False, False]
    assert out["comparison"].tolist() == ["worse", "similar", "better", "suppressed", "suppressed", "no data"]
    assert out["order"].tolist() == [1, 2, 3, 4, 5, 6]
    assert out.loc[3, "value"] is pd.NA or pd.isna(out.loc[3, "value"])


def test_compare_areas_takes_one_indicator():
    two = pd.concat([ward_frame(FIVE), ward_frame(FIVE, indicator_id=2)])
    with pytest.raises(ValueError, match="one indicator"):
        ward_need.compare_areas(limits(two))


def test_spine_rows_range_percentiles_and_positions():
    frame = limits(
        ward_frame(
            [
                ("W1", "One", 5, 10, 100),
                ("W2", "Two", 4, 20, 100),
                ("W3", "Three", 3, 30, 100),
                ("W4", "Four", 2, 40, 100),
                ("W5", "Five", 1, 50, 100),
            ],
            halton=30.0,
        )
    )
    row = ward_need.spine_rows(frame, "W4").iloc[0]
    # low is good: worst is the highest value
    assert (row["worst"], row["q25"], row["q75"], row["best"]) == approx((50.0, 40.0, 20.0, 10.0))
    assert row["value"] == approx(40.0)
    # Halton in the middle; both ends 20 away, so worst at 0 and best at 1; 40 is halfway to worst.
    assert (row["pos_worst"], row["pos_best"], row["pos_value"]) == approx((0.0, 1.0, 0.25))
    assert row["wards_shown"] == 5
    high_good = ward_need.spine_rows(frame.assign(polarity="high is good"), "W4").iloc[0]
    assert (high_good["worst"], high_good["best"], high_good["pos_value"]) == approx((10.0, 50.0, 0.75))


def test_spine_rows_leave_suppressed_wards_out_of_the_range():
    frame = protect(ward_frame(FIVE))
    row = ward_need.spine_rows(frame, "W3").iloc[0]
    assert row["status"] == "suppressed" and np.isnan(row["pos_value"])
    assert row["wards_shown"] == 3
    assert row["best"] == approx(20.0)  # ward Four (60 of 300); Three's 1% and Five's hidden 15% do not count


def quintiles(counts, denominators, *, ci_method="wilson", multiplier=100.0):
    frame = pd.DataFrame({"quintile": [1, 2, 3, 4, 5], "count": counts, "denominator": denominators})
    frame["value"] = frame["count"] / frame["denominator"] * multiplier
    return limits(
        frame.assign(
            indicator_id=1,
            indicator_name="Obesity",
            unit="%",
            polarity="low is good",
            ci_method=ci_method,
            multiplier=multiplier,
        )
    )


def test_quintile_sii_matches_the_inequality_function_and_reads_the_right_way_round():
    frame = quintiles([400, 350, 300, 250, 200], [1000] * 5)
    result = ward_need.quintile_inequality(frame, repetitions=5000)
    from onehalton import inequality

    direct = inequality.slope_index_of_inequality(
        [1, 2, 3, 4, 5],
        [1000] * 5,
        frame["value"] / 100,
        lower=frame["lower_ci"] / 100,
        upper=frame["upper_ci"] / 100,
        value_type="proportion",
        multiplier=100,
        repetitions=5000,
        seed=0,
    )
    assert result["sii"] == approx(direct.sii) and result["lower"] == approx(direct.lower)
    # Equal populations and a straight line from 40% to 20%: the modelled gap across the gradient is 25 points.
    assert result["sii"] == approx(-25.0)
    assert result["gap"] == approx(25.0)
    assert result["significant"]
    assert "most deprived end is 25.0 percentage points higher than the least deprived" in result["sentence"]


def test_quintile_sii_is_withheld_when_a_quintile_is_suppressed_or_value_only():
    frame = quintiles([400, 350, 300, 250, 200], [1000] * 5)
    hidden = frame.copy()
    hidden.loc[2, ["value", "lower_ci", "upper_ci"]] = np.nan
    result = ward_need.quintile_inequality(hidden)
    assert np.isnan(result["sii"]) and "suppressed" in result["reason"]
    scores = frame.assign(ci_method="none")
    assert "values only" in ward_need.quintile_inequality(scores)["reason"]


def test_need_ranking_uses_deprivation_and_outcomes_not_service_use():
    obesity = ward_frame(
        [("W1", "One", 50.0, 40, 100), ("W2", "Two", 10.0, 20, 100), ("W3", "Three", 30.0, 30, 100)], indicator_id=90323
    )
    screening = ward_frame(
        [("W1", "One", 50.0, 90, 100), ("W2", "Two", 10.0, 10, 100), ("W3", "Three", 30.0, 50, 100)],
        indicator_id=22001,
        polarity="high is good",
        name="Screening",
    )
    out = ward_need.need_ranking(limits(pd.concat([obesity, screening], ignore_index=True)))
    assert out["ward_code"].tolist() == ["W1", "W3", "W2"]
    assert out["need_rank"].tolist() == [1, 2, 3]
    # IMD and obesity only: W1 worst on both (1, 1); W3 middle (0.5, 0.5); W2 best (0, 0).
    assert out["need_score"].tolist() == approx([1.0, 0.5, 0.0])
    assert out["indicators_used"].tolist() == [2, 2, 2]
    assert out.set_index("ward_code")["worse_than_halton"].to_dict() == {"W1": 1, "W2": 0, "W3": 0}
    with_screening = ward_need.need_ranking(limits(pd.concat([obesity, screening])), exclude={})
    assert with_screening["indicators_used"].tolist() == [3, 3, 3]


def test_side_by_side_keeps_wards_apart():
    frame = protect(ward_frame(FIVE))
    out = ward_need.side_by_side(frame, ["W1", "W3"])
    assert list(out.columns) == [
        "indicator",
        "unit",
        "period",
        "Halton",
        "One",
        "One: vs Halton",
        "Three",
        "Three: vs Halton",
    ]
    row = out.iloc[0]
    assert row["One"] == approx(50.0) and row["One: vs Halton"] == "worse"
    assert pd.isna(row["Three"]) and row["Three: vs Halton"] == "suppressed"
    with pytest.raises(ValueError, match="at least one ward"):
        ward_need.side_by_side(frame, [])


# ------------------------------------------------------------------------------------------------
# Pooled periods must not give away a suppressed single period


def _pooled_and_singles(single_counts: dict[str, list[int]]):
    singles = pd.DataFrame(
        [(1, w, i, c, 100) for w, counts in single_counts.items() for i, c in enumerate(counts)],
        columns=["indicator_id", "ward_code", "period_start", "count", "denominator"],
    )
    pooled = singles.groupby(["indicator_id", "ward_code"], as_index=False)[["count", "denominator"]].sum()
    return pooled.assign(value=pooled["count"] / pooled["denominator"] * 100), singles


def _feasible_hidden_sums(pooled: float, shown: list[float], hidden: int, threshold: int = 7) -> range:
    """What the hidden periods of a ward can add up to, given its published pooled count and the single periods
    its trend shows: a rounded count r > 0 stands for r-2..r+2 (and for more than the threshold, or it would be
    hidden), a 0 for 0."""

    def span(r: float) -> tuple[int, int]:
        return (0, 0) if r == 0 else (max(threshold + 1, int(r) - 2), int(r) + 2)

    low = int(pooled) - 2 - sum(span(r)[1] for r in shown)
    high = int(pooled) + 2 - sum(span(r)[0] for r in shown)
    return range(max(low, hidden), min(high, threshold * hidden) + 1)


def _published_singles(counts: list[int], threshold: int = 7) -> tuple[list[float], int]:
    """A ward's single periods as its trend publishes them: 1-7 hidden, the rest rounded to 5."""
    shown = [float(protection.round_counts(np.array([float(c)]))[0]) for c in counts if not 1 <= c <= threshold]
    return shown, sum(1 for c in counts if 1 <= c <= threshold)


def _pooled_as_published(pooled, singles, *, guard: bool) -> pd.DataFrame:
    frame = ward_need.guard_pooled(pooled, singles, threshold=7).drop(columns="guarded") if guard else pooled
    return protection.protect(frame, WARD_DECLARATION, {}, 7).frame


def test_rounding_alone_lets_a_pooled_figure_pin_a_hidden_period_and_the_guard_withholds_it():
    """13 + 13 + a hidden 1 = 27, published 25; the two shown periods are published 15 and 15: the hidden period
    can only be 1. The guard withholds the pooled figure, and a partner with it (the wards add up to Halton)."""
    pooled, singles = _pooled_and_singles({"W1": [13, 13, 1], "W2": [40, 50, 60]})
    unguarded = _pooled_as_published(pooled, singles, guard=False)
    assert unguarded["count"].tolist() == [25, 150]
    shown, hidden = _published_singles([13, 13, 1])
    assert list(_feasible_hidden_sums(25, shown, hidden)) == [1]  # pinned: the leak the guard closes
    guarded = _pooled_as_published(pooled, singles, guard=True)
    assert guarded["count"].isna().tolist() == [True, True]


@pytest.mark.parametrize(
    "counts, guarded",
    [
        ([20, 30, 40], False),  # nothing hidden in any single year
        ([20, 30, 5], True),  # one hidden year: pooled minus the two shown = 5
        ([2, 3, 40], True),  # two hidden years summing to 5: still a small count
        ([6, 7, 40], False),  # two hidden years summing to 13: what pooling is for
        ([0, 30, 40], False),  # a zero is shown, not hidden
    ],
)
def test_guard_pooled_withholds_a_pooled_figure_that_reveals_a_small_count(counts, guarded):
    pooled, singles = _pooled_and_singles({"W1": counts})
    out = ward_need.guard_pooled(pooled, singles, threshold=7)
    assert bool(out["guarded"].iloc[0]) is guarded
    shown = _pooled_as_published(pooled, singles, guard=True)["count"].iloc[0]
    if guarded:
        assert pd.isna(shown)
    else:
        assert shown == protection.round_counts(np.array([float(sum(counts))]))[0]


def test_a_guarded_ward_is_protected_against_the_pooled_halton_total():
    """W1 is guarded; with the Halton pooled total published, W2 must be hidden too or W1 = total - W2."""
    pooled, singles = _pooled_and_singles({"W1": [20, 30, 5], "W2": [40, 50, 60]})
    shown = _pooled_as_published(pooled, singles, guard=True)
    assert shown["count"].isna().tolist() == [True, True]


def test_every_load_of_the_pooled_query_is_guarded(fixture_copy):
    """db.publish (what db.load runs) guards the pooled query: on the fixture with ward A's periods 13, 13 and 1 of
    40, its pooled 27 is withheld, as is ward B's (the two add up to Halton's pooled count)."""
    from onehalton import db
    from onehalton.db import Database

    counts = {"2021/22": 13.0, "2022/23": 13.0, "2023/24": 1.0}
    rows = []
    for r in fixtures.indicator_rows():
        if r["indicator_id"] == 90323 and r["area_code"] == WARD_A:
            r = {**r, "count": counts[r["time_period"]], "value": counts[r["time_period"]] / 40 * 100}
        if r["indicator_id"] == 90323 and r["area_type"] == "Local authority":
            r = {**r, "count": 60 + counts[r["time_period"]], "denominator": 240.0}
        rows.append(r)
    fixtures.write(fixture_copy, "indicators", rows)
    database = Database(fixture_copy)
    params = {"indicator_id": 90323, "periods": 3}
    published = db.publish(
        database, "indicator_by_ward_pooled", params, database.run("indicator_by_ward_pooled", params), 7
    )
    assert published.frame["count"].isna().all() and published.hidden["count"].all()
    assert published.frame["value"].isna().all()
    assert published.frame["denominator"].notna().all()  # suppressed, not missing


@pytest.fixture(scope="module")
def demo_db(demo_data_dir):
    from onehalton.db import Database

    return Database(demo_data_dir)


def test_no_pooled_view_on_the_demo_data_pins_a_suppressed_single_period(demo_db):
    """Every count-based indicator, every ward: the pooled count as db.load publishes it, set against the single
    periods a ward's trend shows (1-7 hidden, the rest rounded), never leaves one value for what is hidden."""
    from onehalton import db

    latest = run(demo_db, "indicator_by_ward_latest", indicator_id=None)
    checked = guarded = 0
    for indicator_id in sorted(set(latest["indicator_id"])):
        params = {"indicator_id": int(indicator_id), "periods": 3}
        raw = run(demo_db, "indicator_by_ward_pooled", **params)
        if raw.empty:
            continue
        singles = run(demo_db, "indicator_ward_periods", **params)
        shown = db.publish(demo_db, "indicator_by_ward_pooled", params, raw, 7).frame
        for row in shown.itertuples():
            mine = singles[singles["ward_code"] == row.ward_code]["count"].astype(float).tolist()
            published, hidden = _published_singles(mine)
            if pd.isna(row.count) or not hidden:
                continue
            feasible = _feasible_hidden_sums(row.count, published, hidden)
            assert len(feasible) > 1, (indicator_id, row.ward_code, mine, row.count, list(feasible))
            checked += 1
        guarded += int(ward_need.guard_pooled(raw, singles, threshold=7)["guarded"].sum())
    assert checked > 10
    assert guarded > 0  # the demo data has wards where the guard is needed


def test_recent_trends_on_every_series_of_the_trends_query(demo_db):
    trends = limits(run(demo_db, "indicator_trends", domain="Starting Well", wards=None))
    out = ward_need.recent_trends(trends)
    series = trends.groupby(["indicator_id", "area_name"]).ngroups
    assert len(out) == series and series >= 8
    assert set(out["trend"]) <= {
        "increasing and getting worse",
        "increasing and getting better",
        "decreasing and getting worse",
        "decreasing and getting better",
        "increasing",
        "decreasing",
        "no significant change",
        "cannot be calculated",
    }
    # Each series' verdict is stats.recent_trend's on that series alone.
    one = trends[(trends["indicator_id"] == 90323) & (trends["area_name"] == "Halton")]
    from onehalton import stats

    expected = stats.recent_trend(one, polarity="low is good", proportion=True)["trend"]
    assert out[(out["indicator_id"] == 90323) & (out["area_name"] == "Halton")]["trend"].iloc[0] == expected
    assert out["periods_used"].str.count(",").max() == 4  # five periods


def test_each_indicator_row_carries_its_series_recent_trend_from_published_points_only(demo_db):
    """ward_need.with_recent_trends (db.DERIVED, on every load of indicator_trends): every row of a series has that
    series' verdict, worked out from what the page publishes, so a ward's suppressed year is passed over for an
    older one (never read through the mask)."""
    from onehalton import db, stats

    wards = demo_db.run("wards", {})["ward_code"].tolist()
    checked_hidden = 0
    for ward in wards:
        params = {"domain": "Starting Well", "wards": [ward]}
        published = db.publish(demo_db, "indicator_trends", params, demo_db.run("indicator_trends", params), 7)
        out = published.frame  # db.publish adds the trend columns (db.DERIVED)
        assert out["recent_trend"].notna().all()
        for (indicator_id, area), series in out.groupby(["indicator_id", "area_name"]):
            expected = stats.recent_trend(
                series, polarity=series["polarity"].iloc[0], proportion=series["ci_method"].iloc[0] == "wilson"
            )
            assert series["recent_trend"].nunique() == 1
            assert series["recent_trend"].iloc[0].startswith(expected["trend"])
            hidden = series.loc[series["value"].isna(), "time_period"]
            if area != "England" and area != "Halton" and len(hidden):
                used = series["recent_trend_periods"].iloc[0].split(", ")
                assert not set(hidden) & set(used), (indicator_id, area, used)
                checked_hidden += 1
    assert checked_hidden > 0  # some ward series on the demo data has a suppressed year
