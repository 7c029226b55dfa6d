"""The two ward-level bugs of issue 10, each on a fixture that shows it.

1. A ward whose latest period is one behind Halton's was compared with nothing ("no Halton value to
   compare") although Halton's value for the ward's period is in the same chart: compare like periods.
2. Indicators that publish a value but no count (the IMD score) vanished for every ward selection, even one
   ward, so the ward profile said "not available at ward level".
"""

from __future__ import annotations

from datetime import date

import fixtures
import pandas as pd
import pytest
from fixtures import WARD_A, WARD_B
from pytest import approx
from test_queries import run


def _lagging_ward_b(folder):
    """Ward B (Appleton) has no 2023/24 value for 90323: its latest is 2022/23, one behind Halton's."""
    rows = [r for r in fixtures.indicator_rows() if not (r["area_code"] == WARD_B and r["time_period"] == "2023/24")]
    fixtures.write(folder, "indicators", rows)
    return folder


def _with_imd_score(folder):
    """Adds 93553 Deprivation score (IMD), value only: England, Halton and both wards, no counts."""
    rows = fixtures.indicator_rows()
    for area_code, area_type, score in (
        ("E92000001", "England", 21.7),
        ("E06000006", "Local authority", 32.5),
        (WARD_A, "Ward", 20.0),
        (WARD_B, "Ward", 45.0),
    ):
        rows.append(
            dict(
                indicator_id=93553,
                area_code=area_code,
                area_type=area_type,
                sex="Persons",
                time_period="2019",
                period_start=date(2019, 1, 1),
                count=None,
                denominator=None,
                value=score,
            )
        )
    fixtures.write(folder, "indicators", rows)
    definitions = pd.read_parquet(folder / "indicator_definitions.parquet").to_dict("records")
    definitions.append(
        dict(
            indicator_id=93553,
            indicator_name="Deprivation score (IMD)",
            domain="Wider Determinants",
            unit="score",
            multiplier=1.0,
            polarity="no judgement",
            ci_method="none",
            id_verified=True,
        )
    )
    fixtures.write(folder, "indicator_definitions", definitions)
    return folder


def _texts(at) -> list[str]:
    """Markdown and the tiles' verdict lines (st.html), as text."""
    return [m.value for m in at.markdown] + [h.proto.body for h in at.get("html")]


def _ward_verdicts(at, ward_name: str) -> list[str]:
    """The verdict written on each tile of `ward_name` (its label starts with the ward's name)."""
    import re

    return [
        re.sub(r"<[^>]+>", "", body).strip()
        for body in (h.proto.body for h in at.get("html"))
        if "oh-verdict-line" in body
    ]


# ------------------------------------------------------------------------------------------------
# 1. like periods


def test_a_ward_one_period_behind_is_compared_with_halton_for_its_own_period(make_app, fixture_copy):
    folder = _lagging_ward_b(fixture_copy)
    at = make_app(folder, query={"ward": WARD_B}, page="pages/starting_well.py")
    assert not at.exception
    verdicts = _ward_verdicts(at, "Appleton")
    assert not any("No halton value to compare" in v for v in verdicts), verdicts
    # B is 60 of 200 (30%) in 2022/23; Halton is 30% that year too.
    assert any(v.endswith("Similar to Halton") for v in verdicts), verdicts


# ------------------------------------------------------------------------------------------------
# 2. value without a count


@pytest.fixture
def imd_db(fixture_copy):
    from onehalton.db import Database

    return Database(_with_imd_score(fixture_copy))


@pytest.mark.parametrize("ward, score", [(WARD_A, 20.0), (WARD_B, 45.0)])
def test_one_ward_keeps_a_value_only_indicator_in_the_trend(imd_db, ward, score):
    frame = run(imd_db, "indicator_trends", domain="Wider Determinants", wards=[ward])
    imd = frame[(frame["indicator_id"] == 93553) & (frame["area_type"] == "Ward")]
    assert len(imd) == 1
    assert imd.iloc[0]["value"] == approx(score)
    assert pd.isna(imd.iloc[0]["count"])


def test_one_ward_keeps_a_value_only_indicator_in_the_latest_values(imd_db):
    frame = run(imd_db, "indicators_latest", wards=[WARD_B])
    imd = frame[(frame["indicator_id"] == 93553) & (frame["area_type"] == "Ward")]
    assert len(imd) == 1
    assert (imd.iloc[0]["area_name"], imd.iloc[0]["value"]) == ("Appleton", approx(45.0))


def test_two_wards_cannot_pool_a_value_without_counts(imd_db):
    """Summing needs counts: two wards' scores are not combined into a made-up figure (they are compared
    side by side instead)."""
    frame = run(imd_db, "indicator_trends", domain="Wider Determinants", wards=[WARD_A, WARD_B])
    assert frame[(frame["indicator_id"] == 93553) & (frame["area_type"] == "Ward")].empty
    latest = run(imd_db, "indicators_latest", wards=[WARD_A, WARD_B])
    assert latest[(latest["indicator_id"] == 93553) & (latest["area_type"] == "Ward")].empty


def test_the_ward_profile_shows_the_score_for_one_ward(make_app, fixture_copy):
    at = make_app(_with_imd_score(fixture_copy), query={"ward": WARD_B}, page="pages/ward_profile.py")
    assert not at.exception
    tables = [d.value for d in at.dataframe]
    # The table as drawn: headers from the registry's labels, values written out.
    profile = next(t for t in tables if "Ward compared with Halton" in t.columns)
    imd = profile[profile["Indicator"] == "Deprivation score (IMD)"].iloc[0]
    assert imd["Ward compared with Halton"] != "not available at ward level"
    assert float(imd["Ward value"]) == approx(45.0)
