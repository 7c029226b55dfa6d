"""The query files in queries/: every one runs on the fixture dataset and returns exactly the columns its
header declares; the allow-list and parameter checks hold; and the numbers are the ones worked out by
hand from tests/fixtures.py's docstrings.

Fixture in brief (see tests/fixtures.py): 18 months, Apr 2023 (i = 0) to Sep 2024 (i = 17).
Ward A (E05013186, Norton South & Preston Brook, pop 5,000 of which 18-64 3,000) has, each month, at
practice A (Fir Park, Widnes PCN, list 10,000): 100 Face-to-Face Same Day Attended + 10 Telephone 1 Day DNA.
Ward B (E05013169, Appleton, pop 6,000 of which 65-74 600) has, at practice B (Grove House, Runcorn PCN,
list 5,000), all 65-74: 50 Home Visit 2 to 7 Days Attended + i Telephone Same Day Attended + 5 Telephone
Same Day DNA.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from fixtures import DSR_INDICATOR, MONTHS, PRACTICE_A, PRACTICE_B, WARD_A, WARD_B
from pytest import approx

from onehalton import config, contract
from onehalton.db import STANDARD_TABLES, QueryError, query_specs, summary_specs

FIRST, LAST = MONTHS[0], MONTHS[-1]  # 2023-04-01, 2024-09-01
SPECS = query_specs()
SUMMARIES = summary_specs()

DEFAULTS = {
    "wards": None,
    "age_bands": None,
    "start": FIRST,
    "end": LAST,
    "domain": "Starting Well",
    "fy": "2020/21",
    "month": 5,
    "indicator_id": 90323,
    "periods": 3,
}


def params_for(name: str, **overrides) -> dict:
    spec = SPECS[name]
    unknown = set(spec.params) - set(DEFAULTS)
    assert not unknown, f"queries/{name}.sql declares parameters the tests have no value for: {unknown}"
    params = {p: DEFAULTS[p] for p in spec.params}
    for key, value in overrides.items():
        assert key in params, f"queries/{name}.sql takes no ${key}"
        params[key] = value
    return params


def run(db, name: str, **overrides) -> pd.DataFrame:
    return db.run(name, params_for(name, **overrides))


def _runs():
    for name, spec in SPECS.items():
        yield pytest.param(name, {}, id=name)
        if "wards" in spec.params:
            yield pytest.param(name, {"wards": [WARD_A]}, id=f"{name}-one-ward")


# ------------------------------------------------------------------------------------------------
# Every file: header, columns, refusal


def test_the_queries_folder_is_what_the_tests_cover():
    files = sorted(p.stem for p in config.QUERIES_DIR.glob("*.sql"))
    assert files == sorted(SPECS)
    assert len(files) >= 18


@pytest.mark.parametrize("path", sorted(config.QUERIES_DIR.glob("*.sql")), ids=lambda p: p.stem)
def test_every_query_file_has_the_header_lines(path):
    text = path.read_text(encoding="utf-8")
    header = dict(re.findall(r"^--\s*(Purpose|Grain|Parameters|Tables|Columns):\s*(.*)$", text, re.MULTILINE))
    assert set(header) == {"Purpose", "Grain", "Parameters", "Tables", "Columns"}, path.name
    for key, value in header.items():
        assert value.strip(), f"{path.name}: empty {key} line"
    spec = SPECS[path.stem]
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    # Declared parameters are exactly the ones the SQL binds.
    assert set(spec.params) == set(re.findall(r"\$(\w+)", body)), path.name
    # Declared tables are contract tables, summaries built from them or the project's standard populations, and
    # each one is read by the SQL.
    assert spec.tables, path.name
    for table in spec.tables:
        known = table in contract.TABLES_BY_NAME or table in SUMMARIES or table in STANDARD_TABLES
        assert known, f"{path.name} declares unknown table {table}"
        assert re.search(rf"\b(FROM|JOIN)\s+{table}\b", body), f"{path.name} declares {table} but does not read it"


@pytest.mark.parametrize("path", sorted(config.SUMMARIES_DIR.glob("*.sql")), ids=lambda p: p.stem)
def test_every_summary_builds_on_the_fixture_with_its_declared_columns(fixture_db, path):
    spec = SUMMARIES[path.stem]
    assert not spec.params, f"summaries are built once at load and take no parameters: {path.name}"
    # A summary reads extracts, standard tables, or a summary built before it (they are built in name order).
    readable = set(contract.TABLES_BY_NAME) | set(STANDARD_TABLES) | {s for s in SUMMARIES if s < spec.name}
    assert spec.tables and set(spec.tables) <= readable, spec.tables
    assert fixture_db.summary_statuses[spec.name].available, fixture_db.summary_statuses[spec.name].reason
    columns = tuple(r[0] for r in fixture_db.con.execute(f"DESCRIBE {spec.name}").fetchall())
    assert columns == spec.columns


@pytest.mark.parametrize("summary", sorted(s for s, spec in SUMMARIES.items() if "appointments" in spec.tables))
def test_every_appointment_summary_keeps_every_appointment(fixture_db, summary):
    """Nothing is lost in summarising: the same totals, overall and per status, mode and lead time."""
    measures = {
        "appointments": "true",
        "attended": "appt_status = 'Attended'",
        "dna": "appt_status = 'DNA'",
        "same_day": "time_between_book_and_appt = 'Same Day'",
        "within_two_weeks": "time_between_book_and_appt IN ('Same Day', '1 Day', '2 to 7 Days', '8  to 14 Days')",
        "known_lead_time": "time_between_book_and_appt NOT LIKE 'Unknown%'",
        "face_to_face": "appt_mode = 'Face-to-Face'",
        "known_mode": "appt_mode <> 'Unknown'",
        "telephone": "appt_mode = 'Telephone'",
        "home_visit": "appt_mode = 'Home Visit'",
        "video_online": "appt_mode = 'Video Conference/Online'",
        "unknown_mode": "appt_mode = 'Unknown'",
    }
    present = [m for m in measures if m in SUMMARIES[summary].columns]
    assert {"appointments", "attended", "dna", "same_day", "face_to_face"} <= set(present)
    con = fixture_db.con
    summed = con.execute(f"SELECT {', '.join(f'sum({m})' for m in present)} FROM {summary}").fetchone()
    raw = con.execute(
        "SELECT "
        + ", ".join(f"coalesce(sum(count_of_appointments) FILTER (WHERE {measures[m]}), 0)" for m in present)
        + " FROM appointments"
    ).fetchone()
    assert dict(zip(present, summed)) == dict(zip(present, raw))
    # Worked out from the fixture's docstring: 18 months of 110 (ward A) + 55 + i (ward B), i = 0..17.
    assert dict(zip(present, summed))["appointments"] == 18 * 165 + sum(range(18))


@pytest.mark.parametrize("name, overrides", list(_runs()))
def test_every_query_runs_on_the_fixture_with_its_declared_columns(fixture_db, name, overrides):
    frame = run(fixture_db, name, **overrides)
    assert isinstance(frame, pd.DataFrame)
    assert tuple(frame.columns) == SPECS[name].columns
    assert len(frame) > 0, f"queries/{name}.sql returned no rows on the fixture with {params_for(name, **overrides)}"


@pytest.mark.parametrize(
    "name", ["no_such_query", "../queries/wards", "wards.sql", "queries/wards", "", "wards; DROP TABLE wards", "WARDS"]
)
def test_a_query_that_is_not_a_file_is_refused(fixture_db, name):
    with pytest.raises(QueryError, match="Unknown query"):
        fixture_db.run(name, {})


@pytest.mark.parametrize(
    "name, params",
    [
        ("wards", {"wards": None}),  # takes no parameters
        ("appointments_by_month", {"wards": None, "age_bands": None, "start": FIRST}),  # one missing
        ("appointments_by_month", {"wards": None, "age_bands": None, "start": FIRST, "end": LAST, "extra": 1}),
        ("budget_statement", {"year": "2020/21", "month": 5}),  # misspelt
        ("cancer_fds_by_month", {"start": FIRST, "finish": LAST}),
    ],
)
def test_wrong_parameter_names_are_refused_naming_the_query_file(fixture_db, name, params):
    with pytest.raises(QueryError) as caught:
        fixture_db.run(name, params)
    message = str(caught.value)
    assert f"queries/{name}.sql" in message
    for expected in SPECS[name].params:
        assert expected in message, "the message should say which parameters the query takes"


# ------------------------------------------------------------------------------------------------
# Appointments


@pytest.mark.parametrize(
    "overrides, month, expected",
    [
        (
            {},
            FIRST,
            {
                "appointments": 165,
                "attended": 150,
                "dna": 15,
                "home_visits": 50,
                "face_to_face": 100,
                "same_day": 105,
                "population": 11000,
                "per_1000": 165 / 11000 * 1000,
                "dna_rate": 15 / 165,
                "same_day_share": 105 / 165,
                "face_to_face_share": 100 / 165,
            },
        ),
        (
            {},
            LAST,
            {
                "appointments": 182,
                "attended": 167,
                "dna": 15,
                "same_day": 122,
                "per_1000": 182 / 11000 * 1000,
                "dna_rate": 15 / 182,
            },
        ),
        (
            {"wards": [WARD_A]},
            FIRST,
            {
                "appointments": 110,
                "attended": 100,
                "dna": 10,
                "home_visits": 0,
                "population": 5000,
                "per_1000": 110 / 5000 * 1000,
                "dna_rate": 10 / 110,
                "same_day_share": 100 / 110,
                "face_to_face_share": 100 / 110,
            },
        ),
        (
            {"wards": [WARD_A], "age_bands": ["18-64"]},
            FIRST,
            {"appointments": 110, "population": 3000, "per_1000": 110 / 3000 * 1000},
        ),
        (
            {"wards": [WARD_B]},
            date(2024, 1, 1),
            {
                "appointments": 55 + 9,
                "attended": 59,
                "dna": 5,
                "home_visits": 50,
                "face_to_face": 0,
                "population": 6000,
                "per_1000": 64 / 6000 * 1000,
                "face_to_face_share": 0.0,
            },
        ),
        (
            {"age_bands": ["65-74", "75-84", "85+"]},
            LAST,
            {"appointments": 72, "population": 1800, "per_1000": 72 / 1800 * 1000},
        ),
        ({"wards": [WARD_A, WARD_B]}, FIRST, {"appointments": 165, "population": 11000}),
    ],
    ids=["all-first", "all-last", "ward-A", "ward-A-18-64", "ward-B-jan-2024", "over-65s", "both-wards"],
)
def test_appointments_by_month_known_answers(fixture_db, overrides, month, expected):
    frame = run(fixture_db, "appointments_by_month", **overrides)
    row = frame.set_index("month").loc[pd.Timestamp(month)]
    for column, value in expected.items():
        assert row[column] == approx(value), column


def test_appointments_by_month_covers_the_period_in_order(fixture_db):
    frame = run(fixture_db, "appointments_by_month")
    assert list(frame["month"]) == [pd.Timestamp(m) for m in MONTHS]
    assert list(frame["appointments"]) == [165 + i for i in range(18)]
    one = run(fixture_db, "appointments_by_month", start=date(2024, 1, 1), end=date(2024, 1, 1))
    assert list(one["appointments"]) == [165 + 9]
    # DNA rate is DNA / (attended + DNA), as NHS England reports it and the About page defines it.
    assert list(frame["dna_rate"]) == approx([15 / (165 + i) for i in range(18)])


def test_appointments_by_month_with_no_matching_age_band_is_empty(fixture_db):
    assert run(fixture_db, "appointments_by_month", age_bands=["0-4", "5-17"]).empty


def test_appointments_by_mode_month_shares(fixture_db):
    frame = run(fixture_db, "appointments_by_mode_month", start=FIRST, end=FIRST)
    got = frame.set_index("appt_mode")
    assert dict(got["appointments"]) == {"Face-to-Face": 100, "Home Visit": 50, "Telephone": 15}
    assert got.loc["Face-to-Face", "share"] == approx(100 / 165)
    assert got["share"].sum() == approx(1.0)


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (
            {},
            [  # ordered by appointments, most first
                {
                    "gp_code": PRACTICE_A,
                    "gp_name": "Fir Park Medical Centre",
                    "pcn_name": "Widnes PCN",
                    "list_size": 10000,
                    "months": 18,
                    "appointments": 1980,
                    "per_1000_per_month": 1980 * 1000 / 10000 / 18,
                    "dna": 180,
                    "dna_rate": 180 / 1980,
                    "same_day_share": 1800 / 1980,
                    "face_to_face_share": 1800 / 1980,
                },
                {
                    "gp_code": PRACTICE_B,
                    "gp_name": "Grove House Practice",
                    "pcn_name": "Runcorn PCN",
                    "list_size": 5000,
                    "months": 18,
                    "appointments": 55 * 18 + 153,
                    "per_1000_per_month": 1143 * 1000 / 5000 / 18,
                    "dna": 90,
                    "dna_rate": 90 / 1143,
                    "same_day_share": (153 + 90) / 1143,
                    "face_to_face_share": 0.0,
                },
            ],
        ),
        ({"wards": [WARD_B]}, [{"gp_code": PRACTICE_B, "appointments": 1143, "dna": 90}]),
        (
            {"start": LAST, "end": LAST},
            [
                {"gp_code": PRACTICE_A, "months": 1, "appointments": 110, "per_1000_per_month": 11.0},
                {"gp_code": PRACTICE_B, "months": 1, "appointments": 72, "per_1000_per_month": 72 * 1000 / 5000},
            ],
        ),
    ],
    ids=["whole-period", "ward-B", "last-month"],
)
def test_appointments_by_practice_known_answers(fixture_db, overrides, expected):
    frame = run(fixture_db, "appointments_by_practice", **overrides)
    assert len(frame) == len(expected)
    for (_, row), want in zip(frame.iterrows(), expected):
        for column, value in want.items():
            assert row[column] == (approx(value) if isinstance(value, float) else value), column


@pytest.mark.parametrize(
    "overrides, expected",
    [
        # Ward A: 110 a month over 5,000 residents = 22.0; ward B: 1,143 over 18 months and 6,000 residents.
        ({}, [(WARD_A, 1980, 1980 * 1000 / 5000 / 18, 10 / 110), (WARD_B, 1143, 1143 * 1000 / 6000 / 18, 90 / 1143)]),
        ({"start": FIRST, "end": FIRST}, [(WARD_A, 110, 22.0, 10 / 110), (WARD_B, 55, 55 / 6, 5 / 55)]),
        # Only ward B has 65-74 appointments; its rate is over its 600 residents of that age.
        ({"age_bands": ["65-74"]}, [(WARD_B, 1143, 1143 * 1000 / 600 / 18, 90 / 1143)]),
        ({"age_bands": ["18-64"]}, [(WARD_A, 1980, 1980 * 1000 / 3000 / 18, 10 / 110)]),
    ],
    ids=["whole-period", "first-month", "65-74", "18-64"],
)
def test_appointments_by_ward_ranking(fixture_db, overrides, expected):
    frame = run(fixture_db, "appointments_by_ward", **overrides)
    assert list(frame["ward_code"]) == [w for w, *_ in expected], "wards ranked by rate per 1,000, highest first"
    for (_, row), (_, appointments, rate, dna_rate) in zip(frame.iterrows(), expected):
        assert row["appointments"] == appointments
        assert row["per_1000_per_month"] == approx(rate)
        assert row["dna_rate"] == approx(dna_rate)
    rates = list(frame["per_1000_per_month"])
    assert rates == sorted(rates, reverse=True)


def test_appointments_by_ward_carries_deprivation(fixture_db):
    frame = run(fixture_db, "appointments_by_ward").set_index("ward_code")
    assert frame.loc[WARD_A, ["ward_name", "town", "imd_score", "population"]].tolist() == [
        "Norton South & Preston Brook",
        "Runcorn",
        20.0,
        5000,
    ]
    assert frame.loc[WARD_B, ["ward_name", "town", "imd_score", "population"]].tolist() == [
        "Appleton",
        "Widnes",
        45.0,
        6000,
    ]


@pytest.mark.parametrize(
    "month, expected",
    [
        (FIRST, {"Runcorn PCN": (55, 5000, 11.0), "Widnes PCN": (110, 10000, 11.0)}),
        (LAST, {"Runcorn PCN": (72, 5000, 14.4), "Widnes PCN": (110, 10000, 11.0)}),
    ],
)
def test_appointments_by_pcn_month(fixture_db, month, expected):
    frame = run(fixture_db, "appointments_by_pcn_month", start=month, end=month)
    got = {r.pcn_name: (r.appointments, r.list_size, r.per_1000_registered) for r in frame.itertuples()}
    assert got.keys() == expected.keys()
    for pcn, (appointments, list_size, rate) in expected.items():
        assert got[pcn][:2] == (appointments, list_size)
        assert got[pcn][2] == approx(rate)


# ------------------------------------------------------------------------------------------------
# Learning disability health checks


@pytest.mark.parametrize(
    "month, fy, fy_month, checks",
    [
        (date(2023, 4, 1), "2023/24", 1, 6),
        (date(2023, 8, 1), "2023/24", 5, 30),  # practice A 5 x 5 = 25, practice B 5
        (date(2024, 3, 1), "2023/24", 12, 72),
        (date(2024, 4, 1), "2024/25", 1, 6),  # the financial year resets in April
        (date(2024, 9, 1), "2024/25", 6, 36),
    ],
)
def test_ld_uptake_at_a_month(fixture_db, month, fy, fy_month, checks):
    frame = run(fixture_db, "ld_health_checks_by_month").set_index("month")
    row = frame.loc[pd.Timestamp(month)]
    assert (row["financial_year"], row["fy_month"], row["checks"]) == (fy, fy_month, checks)
    assert row["register"] == 100 + 20  # practice A 90 + 10 declined; practice B 18 + 2 declined
    assert row["declined"] == 12
    assert row["uptake"] == approx((5 * fy_month + fy_month) / 120)


def test_ld_uptake_resets_in_april(fixture_db):
    frame = run(fixture_db, "ld_health_checks_by_month").set_index("month")
    march, april = frame.loc[pd.Timestamp("2024-03-01")], frame.loc[pd.Timestamp("2024-04-01")]
    assert march["uptake"] == approx(0.6)
    assert april["uptake"] == approx(0.05)
    assert april["uptake"] < march["uptake"]


def test_ld_last_year_and_projected_year_end(fixture_db):
    frame = run(fixture_db, "ld_health_checks_by_month").set_index("month")
    # 2023/24 has no year before it in the data: nothing to compare or project.
    first_year = frame[frame["financial_year"] == "2023/24"]
    assert first_year["last_year_same_month"].isna().all()
    assert first_year["projected_year_end"].isna().all()
    sep = frame.loc[pd.Timestamp("2024-09-01")]
    assert sep["last_year_same_month"] == approx(36 / 120)  # Sep 2023
    assert sep["last_year_final"] == approx(72 / 120)  # Mar 2024
    # This year's 30% plus the 30 points last year gained from September to March.
    assert sep["projected_year_end"] == approx(0.30 + (0.60 - 0.30))


def test_ld_projection_is_capped_at_100_percent(fixture_copy, monkeypatch):
    """A year running ahead of the last one cannot be projected past every person on the register."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from fixtures import ld_rows, schema

    from onehalton.db import Database

    rows = ld_rows()
    for row in rows:
        if row["achievement_month"] >= date(2024, 4, 1):
            row["numerator"] = min(row["denominator"], row["numerator"] * 15)
    table = contract.TABLES_BY_NAME["ld_health_checks"]
    pq.write_table(
        pa.table({c: [r[c] for r in rows] for c in table.column_names}, schema=schema(table)),
        fixture_copy / "ld_health_checks.parquet",
    )
    frame = Database(fixture_copy).run("ld_health_checks_by_month", {"start": FIRST, "end": LAST})
    projected = frame["projected_year_end"].dropna()
    assert not projected.empty
    assert projected.max() == approx(1.0)


@pytest.mark.parametrize(
    "end, month, uptake_a, uptake_b",
    [
        (LAST, date(2024, 9, 1), 30 / 100, 6 / 20),
        (date(2024, 3, 20), date(2024, 3, 1), 60 / 100, 12 / 20),  # latest month on or before the end
        (date(2023, 4, 1), date(2023, 4, 1), 5 / 100, 1 / 20),
    ],
)
def test_ld_health_checks_by_practice(fixture_db, end, month, uptake_a, uptake_b):
    frame = run(fixture_db, "ld_health_checks_by_practice", end=end).set_index("gp_code")
    assert set(frame.index) == {PRACTICE_A, PRACTICE_B}
    assert (frame["month"] == pd.Timestamp(month)).all()
    assert frame.loc[PRACTICE_A, "register"] == 100
    assert frame.loc[PRACTICE_B, "register"] == 20
    assert frame.loc[PRACTICE_A, "uptake"] == approx(uptake_a)
    assert frame.loc[PRACTICE_B, "uptake"] == approx(uptake_b)
    assert frame.loc[PRACTICE_A, "pcn_name"] == "Widnes PCN"


# ------------------------------------------------------------------------------------------------
# Cancer faster diagnosis


def test_fds_performance_by_month(fixture_db):
    frame = run(fixture_db, "cancer_fds_by_month")
    assert len(frame) == 18
    assert set(frame["total"]) == {50}
    assert set(frame["within_standard"]) == {39}
    assert set(frame["breaches"]) == {11}
    assert list(frame["performance"]) == approx([39 / 50] * 18)


@pytest.mark.parametrize("start, end, months", [(FIRST, LAST, 18), (LAST, LAST, 1)])
def test_fds_by_cancer_type(fixture_db, start, end, months):
    frame = run(fixture_db, "cancer_fds_by_cancer_type", start=start, end=end)
    assert list(frame["cancer_type"]) == [  # worst performance first
        "Suspected lung cancer",
        "Exhibited (non-cancer) breast symptoms - cancer not initially suspected",
    ]
    lung, breast = frame.iloc[0], frame.iloc[1]
    assert (lung["stage_route"], lung["total"], lung["within_standard"], lung["breaches"]) == (
        "URGENT SUSPECTED CANCER",
        40 * months,
        30 * months,
        10 * months,
    )
    assert lung["performance"] == approx(0.75)
    assert (breast["total"], breast["within_standard"]) == (10 * months, 9 * months)
    assert breast["performance"] == approx(0.9)


# ------------------------------------------------------------------------------------------------
# Indicators


def test_indicator_trends_halton_and_england_only_without_wards(fixture_db):
    frame = run(fixture_db, "indicator_trends", domain="Starting Well", wards=None)
    assert set(frame["indicator_id"]) == {90323}
    assert list(frame["area_type"]) == ["England"] * 3 + ["Local authority"] * 3
    assert list(frame["time_period"]) == ["2021/22", "2022/23", "2023/24"] * 2
    assert list(frame[frame["area_type"] == "Local authority"]["value"]) == approx([30.0] * 3)


@pytest.mark.parametrize(
    "wards, code, name, count, denominator",
    [
        ([WARD_A], WARD_A, "Norton South & Preston Brook", 3, 40),
        ([WARD_B], WARD_B, "Appleton", 60, 200),
        ([WARD_A, WARD_B], "selected-wards", "Selected wards (2)", 63, 240),
    ],
)
def test_indicator_trends_combined_wards(fixture_db, wards, code, name, count, denominator):
    frame = run(fixture_db, "indicator_trends", domain="Starting Well", wards=wards)
    ward_rows = frame[frame["area_type"] == "Ward"]
    assert len(ward_rows) == 3  # one per period
    assert set(ward_rows["area_code"]) == {code}
    assert set(ward_rows["area_name"]) == {name}
    assert set(ward_rows["count"]) == {count}
    assert set(ward_rows["denominator"]) == {denominator}
    # Value recomputed from the summed counts, never an average of the wards' values.
    assert list(ward_rows["value"]) == approx([count / denominator * 100] * 3)
    assert list(frame["area_type"]) == ["England"] * 3 + ["Local authority"] * 3 + ["Ward"] * 3


def test_indicator_trends_other_domain_has_no_ward_rows(fixture_db):
    frame = run(fixture_db, "indicator_trends", domain="Wider Determinants", wards=[WARD_A, WARD_B])
    assert set(frame["indicator_id"]) == {92313}
    assert "Ward" not in set(frame["area_type"])
    assert run(fixture_db, "indicator_trends", domain="Living Well").empty


@pytest.mark.parametrize(
    "wards, ward_row",
    [
        (None, None),
        ([WARD_A], ("Norton South & Preston Brook", 3, 40, 7.5)),
        ([WARD_A, WARD_B], ("Selected wards (2)", 63, 240, 26.25)),
    ],
)
def test_indicators_latest(fixture_db, wards, ward_row):
    frame = run(fixture_db, "indicators_latest", wards=wards)
    # The directly standardised indicator has tests of its own (test_dsr_*).
    frame = frame[frame["indicator_id"] != DSR_INDICATOR]
    assert set(frame["time_period"]) == {"2023/24"}
    head = frame[frame["area_type"] != "Ward"]
    assert list(zip(head["domain"], head["indicator_id"], head["area_name"])) == [
        ("Starting Well", 90323, "England"),
        ("Starting Well", 90323, "Halton"),
        ("Wider Determinants", 92313, "England"),
        ("Wider Determinants", 92313, "Halton"),
    ]
    assert list(head["value"]) == approx([120000 / 545454 * 100, 30.0, 75.0, 70.0])
    wards_part = frame[frame["area_type"] == "Ward"]
    if ward_row is None:
        assert wards_part.empty
    else:
        assert len(wards_part) == 1
        row = wards_part.iloc[0]
        assert (row["area_name"], row["count"], row["denominator"]) == ward_row[:3]
        assert row["value"] == approx(ward_row[3])
        assert row["indicator_id"] == 90323


def test_indicator_wards_latest(fixture_db):
    frame = run(fixture_db, "indicator_wards_latest", domain="Starting Well")
    assert list(frame["ward_code"]) == [WARD_B, WARD_A]  # most deprived first
    assert set(frame["time_period"]) == {"2023/24"}
    assert list(frame["value"]) == approx([30.0, 7.5])
    assert list(frame["halton_value"]) == approx([30.0, 30.0])
    assert run(fixture_db, "indicator_wards_latest", domain="Wider Determinants").empty


# ------------------------------------------------------------------------------------------------
# Reference tables and budget queries


def test_targets(fixture_db):
    frame = run(fixture_db, "targets")
    assert list(zip(frame["kpi_code"], frame["effective_from"], frame["target_value"])) == [
        ("cancer_fds", pd.Timestamp("2023-10-01"), approx(0.75)),
        ("cancer_fds", pd.Timestamp("2024-04-01"), approx(0.77)),
        ("ld_health_check_uptake", pd.Timestamp("2019-04-01"), approx(0.75)),
    ]
    assert frame.iloc[1]["label"] == "Planning target 77% by March 2025"


def test_wards_with_population_and_deprivation_rank(fixture_db):
    frame = run(fixture_db, "wards")
    assert list(frame["ward_name"]) == ["Appleton", "Norton South & Preston Brook"]
    assert list(frame["imd_rank"]) == [1, 2]
    assert list(frame["population"]) == [6000, 5000]
    assert list(frame["code_verified"]) == [False, True]


@pytest.mark.parametrize(
    "wards, expected",
    [
        (None, [700, 2000, 6500, 1100, 500, 200]),
        ([WARD_A], [300, 900, 3000, 500, 200, 100]),
    ],
)
def test_ward_population_by_age_band(fixture_db, wards, expected):
    frame = run(fixture_db, "ward_population_by_age_band", wards=wards)
    assert list(frame["age_band"]) == list(contract.AGE_BANDS)
    assert list(frame["population"]) == expected


def test_budget_years(fixture_db):
    frame = run(fixture_db, "budget_years")
    assert frame.to_dict("records") == [{"financial_year": "2020/21", "latest_month": 5, "is_synthetic": False}]


def test_budget_spend_by_month_is_cumulative_and_exact(fixture_db):
    frame = run(fixture_db, "budget_spend_by_month", fy="2020/21", month=5)
    assert list(frame["fy_month"]) == [1, 2, 3, 4, 5]
    # Month 1 carries the prior-year invoice (4,665) with April's actuals (4,786 + 4,652.20).
    assert list(frame["actuals"]) == [
        Decimal("14103.20"),
        Decimal("4652.20"),
        Decimal("17965.30"),
        Decimal("4786.00"),
        Decimal("9690.00"),
    ]
    assert frame["cumulative_actuals"].iloc[-1] == Decimal("51196.70")  # prints as £51,197
    assert all(isinstance(v, Decimal) for v in frame["cumulative_actuals"])
    assert set(frame["budget"]) == {Decimal("776123.00")}
    assert list(run(fixture_db, "budget_spend_by_month", fy="2020/21", month=2)["cumulative_actuals"]) == [
        Decimal("14103.20"),
        Decimal("18755.40"),
    ]


def test_two_week_share_counts_up_to_14_days_and_leaves_unknown_lead_times_out(fixture_copy):
    """The national categories' edge: '8  to 14 Days' (two spaces) is within two weeks, '15  to 21 Days' is not,
    and an unknown lead time is in neither part of the share."""
    import fixtures

    from onehalton.db import Database

    rows = fixtures.appointments_rows()
    first = dict(rows[0], appt_mode="Telephone")
    rows += [
        dict(first, time_between_book_and_appt="8  to 14 Days", count_of_appointments=7),
        dict(first, time_between_book_and_appt="15  to 21 Days", count_of_appointments=3),
        dict(first, time_between_book_and_appt="Unknown / Data Quality", count_of_appointments=4),
    ]
    fixtures.write(fixture_copy, "appointments", rows)
    frame = run(Database(fixture_copy), "appointments_by_month", end=MONTHS[0])
    row = frame.iloc[0]
    assert (row["appointments"], row["within_two_weeks"], row["known_lead_time"]) == (165 + 14, 165 + 7, 165 + 10)
    assert row["two_week_share"] == approx((165 + 7) / (165 + 10))
    assert row["same_day_share"] == approx(105 / (165 + 10))
