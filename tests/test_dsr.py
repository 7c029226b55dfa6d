"""Directly standardised rates (issue 10, item 8): the SQL summary `indicator_dsr` and the Dobson limits
protection adds equal the reference implementation `inequality.dsr_dobson` on the fixture's age bands
(tests/fixtures.py, indicator 22401); a small ward count is suppressed with its rate, limits and variance; and
without the optional `indicator_age_bands` extract a dsr indicator keeps its published value, with no limits
and a note saying why."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixtures import DSR_AGE_BANDS, DSR_BANDS, DSR_INDICATOR, DSR_PERIOD, DSR_PUBLISHED_2022, WARD_A, WARD_B, dsr_value
from pytest import approx

from onehalton import contract, db, inequality, protection


def _reference(area: str) -> inequality.DsrResult:
    _, counts, pops = DSR_AGE_BANDS[area]
    esp = inequality.esp2013().set_index("age_band")
    return inequality.dsr_dobson(counts, pops, esp.loc[list(DSR_BANDS), "weight"])


def _published(database: db.Database, name: str, **params) -> protection.Protected:
    raw = database.run(name, params)
    return db.publish(database, name, params, raw, threshold=7)


def test_the_contract_accepts_dsr():
    assert "dsr" in contract.CI_METHODS
    assert contract.INDICATOR_DEFINITIONS.column("ci_method").allowed == contract.CI_METHODS
    assert contract.INDICATOR_AGE_BANDS.column("age_band").allowed == tuple(inequality.esp2013()["age_band"])
    assert contract.INDICATOR_AGE_BANDS.optional and contract.INDICATOR_AGE_BANDS.ward_level


def test_the_sql_standard_is_the_reference_one(fixture_db):
    rows = fixture_db.con.execute("SELECT age_band, weight FROM esp2013 ORDER BY lower_age").fetchall()
    esp = inequality.esp2013()
    assert rows == list(zip(esp["age_band"], esp["weight"].astype(float)))


@pytest.mark.parametrize("area", ["E92000001", "E06000006", WARD_B])
def test_sql_dsr_and_dobson_limits_equal_the_reference(fixture_db, area):
    expected = _reference(area)
    row = (
        fixture_db.con.execute(
            "SELECT observed, population, dsr_value, dsr_variance FROM indicator_dsr "
            "WHERE indicator_id = ? AND area_code = ? AND time_period = ?",
            [DSR_INDICATOR, area, DSR_PERIOD],
        )
        .df()
        .iloc[0]
    )
    assert row["observed"] == expected.total_count and row["population"] == expected.total_population
    assert row["dsr_value"] == approx(expected.value, rel=1e-12)
    lower, upper = inequality.dobson_limits([row["dsr_value"]], [row["observed"]], [row["dsr_variance"]])
    assert (lower[0], upper[0]) == approx((expected.lower, expected.upper), rel=1e-12)


def test_trends_show_the_dsr_with_dobson_limits(fixture_db):
    """Halton and England are published exactly, so the page's limits are the reference's."""
    frame = _published(fixture_db, "indicator_trends", domain="Ageing Well", wards=None).frame
    latest = frame[frame["time_period"] == DSR_PERIOD].set_index("area_code")
    for area in ("E92000001", "E06000006"):
        expected = _reference(area)
        assert latest.loc[area, "value"] == approx(expected.value, rel=1e-12)
        assert (latest.loc[area, "lower_ci"], latest.loc[area, "upper_ci"]) == approx(
            (expected.lower, expected.upper), rel=1e-12
        )
        assert latest.loc[area, protection.DSR_NOTE] == ""
    # The standard restricted to 65+: the rate is not the crude one, and not a 19-band rate either.
    halton = latest.loc["E06000006"]
    assert halton["value"] != approx(halton["count"] / halton["denominator"] * 100_000, rel=1e-3)


def test_without_age_bands_the_published_value_is_kept_without_limits(fixture_db):
    frame = _published(fixture_db, "indicator_trends", domain="Ageing Well", wards=None).frame
    earlier = frame[frame["time_period"] == "2022/23"].set_index("area_code")
    for area, value in DSR_PUBLISHED_2022.items():
        assert earlier.loc[area, "value"] == value
        assert np.isnan(earlier.loc[area, "lower_ci"]) and np.isnan(earlier.loc[area, "upper_ci"])
        assert earlier.loc[area, protection.DSR_NOTE] == protection.DSR_NOTES["published"]


def test_a_small_ward_count_is_suppressed_with_its_rate_limits_and_variance(fixture_db):
    """Ward A has 5 events: the count is hidden, and so is everything worked out from it."""
    published = _published(fixture_db, "indicator_by_ward_latest", indicator_id=DSR_INDICATOR)
    frame, hidden = published.frame.set_index("ward_code"), published.hidden.set_index(published.frame["ward_code"])
    for column in ("count", "value", "lower_ci", "upper_ci", protection.DSR_VARIANCE):
        assert hidden.loc[WARD_A, column], column
        assert pd.isna(frame.loc[WARD_A, column]), column
    # Ward B (205 events) goes too: Halton's exact total less ward B's would give ward A's 5 away (secondary
    # suppression), and with it its rate and limits.
    for column in ("count", "value", "lower_ci", "upper_ci", protection.DSR_VARIANCE):
        assert hidden.loc[WARD_B, column] and pd.isna(frame.loc[WARD_B, column]), column
    # Halton's and England's figures beside them are published exactly.
    assert frame.loc[WARD_B, "halton_value"] == approx(_reference("E06000006").value, rel=1e-12)


def test_below_ten_events_there_is_no_rate(fixture_db):
    """Ward A's own DSR (5 events) is not calculated, as Fingertips publishes none."""
    value = fixture_db.con.execute(
        "SELECT dsr_value, dsr_variance FROM indicator_dsr WHERE area_code = ? AND time_period = ?",
        [WARD_A, DSR_PERIOD],
    ).fetchone()
    assert value == (None, None)
    assert np.isnan(_reference(WARD_A).value)


def test_several_wards_together_have_no_rate_and_say_why(fixture_db):
    frame = _published(fixture_db, "indicators_latest", wards=[WARD_A, WARD_B]).frame
    row = frame[(frame["indicator_id"] == DSR_INDICATOR) & (frame["area_type"] == "Ward")].iloc[0]
    assert pd.isna(row["value"]) and pd.isna(row["lower_ci"])
    assert row[protection.DSR_NOTE] == protection.DSR_NOTES["combined"]


def test_a_missing_age_band_extract_keeps_the_dashboard_working(fixture_copy: Path):
    (fixture_copy / "indicator_age_bands.parquet").unlink()
    database = db.Database(fixture_copy)
    status = database.statuses["indicator_age_bands"]
    assert not status.available and "no file `indicator_age_bands.parquet`" in status.reason
    assert database.summary_statuses["indicator_dsr"].available
    assert database.unavailable(database.specs["indicator_trends"].tables) == []
    frame = _published(database, "indicator_trends", domain="Ageing Well", wards=None).frame
    halton = frame[(frame["area_code"] == "E06000006") & (frame["time_period"] == DSR_PERIOD)].iloc[0]
    _, counts, pops = DSR_AGE_BANDS["E06000006"]
    assert halton["value"] == dsr_value(counts, pops)  # the extract's own value, as published
    assert np.isnan(halton["lower_ci"]) and np.isnan(halton["upper_ci"])
    assert halton[protection.DSR_NOTE] == protection.DSR_NOTES["published"]
    # The other indicators are untouched.
    assert not _published(database, "indicator_trends", domain="Starting Well", wards=None).frame.empty
