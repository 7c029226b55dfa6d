"""A catalogue of broken extracts, each its own case.

Every case copies the fixture dataset, breaks one file, and checks two things:

(a) at the Database level: the table's status is right (unavailable, or available with the exact number of
    rows excluded), the problem names the extract and the column, and rows excluded come with example rows;
    rows are never silently dropped (the clean view holds exactly the accepted rows);
(b) in the dashboard (Streamlit AppTest): every page rendered raises nothing, the pages that read the extract
    and the About page name the fault, and pages that do not read it show no such notice and still show
    their numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import fixtures
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from helpers_reliability import PAGES, dashboard  # noqa: F401 - `dashboard` is a fixture

from onehalton import contract
from onehalton.db import Database, ExtractUnavailable

CLEAN_ROWS = {
    "appointments": 90,
    "ld_health_checks": 36,
    "cancer_fds": 36,
    "budget_spend": 28,
    "indicators": 24,
    "indicator_age_bands": 24,
    "wards": 2,
    "ward_population": 12,
    "pcns": 2,
    "practices": 2,
    "indicator_definitions": 3,
    "targets": 3,
}

# What each page reads, directly or through its queries' `Tables:` headers. A fault in any of these
# must be named on the page.
PAGE_READS = {
    "overview": {
        "appointments",
        "ward_population",
        "ld_health_checks",
        "cancer_fds",
        "budget_spend",
        "indicators",
        "indicator_definitions",
        "targets",
        "wards",
    },
    "starting_well": {"appointments", "ward_population", "indicators", "indicator_definitions", "wards"},
    "living_well": {
        "appointments",
        "ward_population",
        "practices",
        "pcns",
        "ld_health_checks",
        "cancer_fds",
        "targets",
        "indicators",
        "indicator_definitions",
        "wards",
    },
    "ageing_well": {"appointments", "ward_population", "indicators", "indicator_definitions", "wards"},
    "wider_determinants": {"indicators", "indicator_definitions", "wards"},
    "budget": {"budget_spend"},
    "ward_profile": {"wards", "ward_population", "appointments", "indicators", "indicator_definitions"},
    "ward_need": {"indicators", "indicator_definitions", "wards", "ward_population"},
    "about": set(contract.TABLES_BY_NAME),
}

BUDGET_TILE = {"Annual budget": "£776,123"}
ANY = None  # a metric that must be shown with a number, whatever the number


# ----------------------------------------------------------------------------------------------
# Ways to break a file


def path_of(folder: Path, table: str) -> Path:
    return folder / f"{table}.parquet"


def rewrite(table: str, change: Callable[[pa.Table], pa.Table]) -> Callable[[Path], None]:
    def run(folder: Path) -> None:
        path = path_of(folder, table)
        pq.write_table(change(pq.read_table(path)), path)

    return run


def set_cell(table: str, column: str, row: int, value, arrow_type: pa.DataType | None = None):
    def change(t: pa.Table) -> pa.Table:
        values = t.column(column).to_pylist()
        values[row] = value
        index = t.schema.get_field_index(column)
        typ = arrow_type or t.schema.field(index).type
        return t.set_column(index, pa.field(column, typ), pa.array(values, type=typ))

    return rewrite(table, change)


def retype(table: str, column: str, arrow_type: pa.DataType):
    def change(t: pa.Table) -> pa.Table:
        index = t.schema.get_field_index(column)
        return t.set_column(index, pa.field(column, arrow_type), pc.cast(t.column(column), arrow_type))

    return rewrite(table, change)


def delete(table: str):
    return lambda folder: path_of(folder, table).unlink()


def write_bytes(table: str, make: Callable[[bytes], bytes]):
    def run(folder: Path) -> None:
        path = path_of(folder, table)
        path.write_bytes(make(path.read_bytes()))

    return run


def scramble_middle(data: bytes) -> bytes:
    """Footer intact, data pages garbled: the file opens but cannot be read through."""
    out = bytearray(data)
    for i in range(200, len(out) // 2):
        out[i] = (out[i] * 7 + 13) % 256
    return bytes(out)


def garbage(data: bytes) -> bytes:
    """Bytes of the same length that are no file format at all (deterministic, so a failure can be replayed)."""
    return bytes((i * 37 + 11) % 256 for i in range(len(data)))


def zero_rows(table: str):
    def run(folder: Path) -> None:
        pq.write_table(fixtures.schema(contract.TABLES_BY_NAME[table]).empty_table(), path_of(folder, table))

    return run


def split_into_folder_with_junk(table: str):
    def run(folder: Path) -> None:
        part = folder / table
        part.mkdir()
        path_of(folder, table).rename(part / "part-1.parquet")
        (part / "part-2.parquet").write_bytes(b"not a parquet file at all")

    return run


def money_too_large(t: pa.Table) -> pa.Table:
    wide = pa.decimal128(38, 2)
    values = t.column("amount_gbp").to_pylist()
    values[0] = Decimal("12345678901234567890.00")
    index = t.schema.get_field_index("amount_gbp")
    return t.set_column(index, pa.field("amount_gbp", wide), pa.array(values, type=wide))


def fraction_of_penny(t: pa.Table) -> pa.Table:
    fine = pa.decimal128(15, 3)
    values = [Decimal(v) for v in t.column("amount_gbp").to_pylist()]
    values[3] = values[3] + Decimal("0.005")
    index = t.schema.get_field_index("amount_gbp")
    return t.set_column(index, pa.field("amount_gbp", fine), pa.array(values, type=fine))


# ----------------------------------------------------------------------------------------------
# The catalogue


@dataclass(frozen=True)
class Broken:
    id: str
    table: str
    breaker: Callable[[Path], None]
    state: str  # "unavailable", "rows excluded", "files left out" or "valid"
    excluded: int = 0
    column: str | None = None  # the column a problem must name
    says: tuple[str, ...] = ()  # fragments the status's message must contain
    example: str | None = None  # an offending value that must appear in the example rows
    example_row: int | None = None  # its row number in the file (1-based)
    rows_read: int | None = None  # when not the clean count
    cascade: tuple[str, ...] = ()  # other tables made unavailable because they depend on this one
    # Pages to render: page -> metrics that must still show ({label: exact value, or ANY}).
    pages: dict[str, dict[str, str | None]] = field(default_factory=dict)
    xfail_app: str | None = None  # a known bug outside this change's scope makes the dashboard check fail

    @property
    def faulty(self) -> set[str]:
        return {self.table, *self.cascade}


CASES = [
    Broken(
        "missing-file",
        "cancer_fds",
        delete("cancer_fds"),
        "unavailable",
        says=("no file `cancer_fds.parquet`",),
        pages={
            "living_well": {"LD annual health checks (14+), year to date": "30.0%", "Appointments (all ages)": ANY},
            "budget": BUDGET_TILE,
        },
    ),
    Broken(
        "empty-file",
        "budget_spend",
        write_bytes("budget_spend", lambda b: b""),
        "unavailable",
        says=("empty file (0 bytes)",),
        pages={
            "budget": {},
            "overview": {"Cancer 28-day Faster Diagnosis": "78.0%"},
            "wider_determinants": {"Halton, 2023/24": "70.0%"},
        },
    ),
    Broken(
        "garbage-bytes",
        "indicators",
        write_bytes("indicators", garbage),
        "unavailable",
        says=("cannot be read as parquet",),
        pages={"wider_determinants": {}, "ageing_well": {"Appointments (65+)": "72"}, "budget": BUDGET_TILE},
    ),
    Broken(
        "truncated-parquet",
        "appointments",
        write_bytes("appointments", lambda b: b[: len(b) // 2]),
        "unavailable",
        says=("cannot be read as parquet",),
        pages={
            "living_well": {
                "Cancer 28-day Faster Diagnosis": "78.0%",
                "LD annual health checks (14+), year to date": "30.0%",
            },
            "budget": BUDGET_TILE,
        },
    ),
    Broken(
        "garbled-data-pages",
        "appointments",
        write_bytes("appointments", scramble_middle),
        "unavailable",
        says=("appointments",),
        pages={"starting_well": {"Halton, 2023/24": "30.0%"}},
    ),
    Broken(
        "zero-rows",
        "cancer_fds",
        zero_rows("cancer_fds"),
        "unavailable",
        says=("holds no rows",),
        rows_read=0,
        pages={"overview": {"LD annual health checks (14+), year to date": "30.0%"}},
    ),
    # Round two: one bad file in a folder is named and left out; the folder's other files are used.
    Broken(
        "folder-with-one-unreadable-file",
        "cancer_fds",
        split_into_folder_with_junk("cancer_fds"),
        "files left out",
        says=("file `cancer_fds/part-2.parquet` left out", "cannot be read as parquet"),
        pages={"living_well": {"Appointments (all ages)": ANY}},
    ),
    Broken(
        "column-missing",
        "ld_health_checks",
        rewrite("ld_health_checks", lambda t: t.drop(["declined"])),
        "unavailable",
        column="declined",
        says=("required column `declined` is missing",),
        pages={
            "overview": {"Cancer 28-day Faster Diagnosis": "78.0%", "Budget 2020/21: forecast (M12)": "£231,993"},
            "ageing_well": {"Appointments (65+)": ANY},
        },
    ),
    Broken(
        "column-renamed",
        "cancer_fds",
        rewrite(
            "cancer_fds", lambda t: t.rename_columns(["total_told" if c == "total" else c for c in t.column_names])
        ),
        "unavailable",
        column="total",
        says=("required column `total` is missing", "`total_told`"),
        pages={"overview": {"Appointments per 1,000 residents": ANY}, "ward_profile": {}},
    ),
    Broken(
        "wrong-type",
        "appointments",
        retype("appointments", "count_of_appointments", pa.string()),
        "unavailable",
        column="count_of_appointments",
        says=("has type VARCHAR",),
        pages={"ward_profile": {}, "ward_need": {}, "wider_determinants": {"Halton, 2023/24": "70.0%"}},
    ),
    Broken(
        "money-as-float",
        "budget_spend",
        retype("budget_spend", "amount_gbp", pa.float64()),
        "unavailable",
        column="amount_gbp",
        says=("has type DOUBLE", "money"),
        pages={"budget": {}, "living_well": {"Cancer 28-day Faster Diagnosis": "78.0%"}},
    ),
    Broken(
        "null-key",
        "appointments",
        set_cell("appointments", "gp_code", 3, None),
        "rows excluded",
        excluded=1,
        column="gp_code",
        says=("key is missing (null)",),
        example="E05013169",
        example_row=4,
        pages={"ageing_well": {"Appointments (65+)": "72"}, "budget": BUDGET_TILE},
    ),
    Broken(
        "duplicated-key",
        "cancer_fds",
        rewrite("cancer_fds", lambda t: pa.concat_tables([t, t.slice(5, 1)])),
        "rows excluded",
        excluded=2,
        column="period",
        says=("duplicated key",),
        example="2023-06-01",
        example_row=6,
        rows_read=37,
        pages={"living_well": {"Cancer 28-day Faster Diagnosis": "78.0%"}, "ward_profile": {}},
    ),
    Broken(
        "negative-count",
        "appointments",
        set_cell("appointments", "count_of_appointments", 2, -5),
        "rows excluded",
        excluded=1,
        column="count_of_appointments",
        says=("negative count",),
        example="-5",
        example_row=3,
        pages={"ward_profile": {}, "budget": BUDGET_TILE},
    ),
    Broken(
        "numerator-above-denominator",
        "ld_health_checks",
        set_cell("ld_health_checks", "numerator", 4, 1000),
        "rows excluded",
        excluded=1,
        column="numerator",
        says=("numerator above denominator",),
        example="1000",
        example_row=5,
        pages={
            "living_well": {"LD annual health checks (14+), year to date": "30.0%"},
            "starting_well": {"Halton, 2023/24": "30.0%"},
        },
    ),
    Broken(
        "count-above-denominator",
        "indicators",
        set_cell("indicators", "count", 1, 5000.0),
        "rows excluded",
        excluded=1,
        column="count",
        says=("count above denominator",),
        example="5000.0",
        example_row=2,
        pages={"starting_well": {}, "budget": BUDGET_TILE},
    ),
    Broken(
        "unknown-ward-code",
        "appointments",
        set_cell("appointments", "ward_code", 7, "E05999999"),
        "rows excluded",
        excluded=1,
        column="ward_code",
        says=("unknown code (not in `wards`)",),
        example="E05999999",
        example_row=8,
        pages={"starting_well": {}, "wider_determinants": {}},
    ),
    Broken(
        "unknown-ward-code-in-indicators",
        "indicators",
        set_cell("indicators", "area_code", 2, "E05999999"),
        "rows excluded",
        excluded=1,
        column="area_code",
        says=("unknown ward code",),
        example="E05999999",
        example_row=3,
        pages={"wider_determinants": {"Halton, 2023/24": "70.0%"}},
    ),
    # indicator_age_bands (optional, for directly standardised rates): a bad row is named by file, column and row.
    Broken(
        "age-band-not-in-the-standard",
        "indicator_age_bands",
        set_cell("indicator_age_bands", "age_band", 2, "65-74"),
        "rows excluded",
        excluded=1,
        column="age_band",
        says=("indicator_age_bands.parquet",),
        example="65-74",
        example_row=3,
        pages={"ageing_well": {}},  # the standardised falls indicator, and the notice naming the fault
    ),
    Broken(
        "age-bands-for-an-indicator-that-is-not-standardised",
        "indicator_age_bands",
        set_cell("indicator_age_bands", "indicator_id", 0, 90323),
        "rows excluded",
        excluded=1,
        column="indicator_id",
        says=("indicator is not directly standardised",),
        example="90323",
        example_row=1,
        pages={"ageing_well": {}},  # the standardised falls indicator, and the notice naming the fault
    ),
    Broken(
        "unknown-practice-code",
        "ld_health_checks",
        set_cell("ld_health_checks", "gp_code", 1, "Z99999"),
        "rows excluded",
        excluded=1,
        column="gp_code",
        says=("unknown code (not in `practices`)",),
        example="Z99999",
        example_row=2,
        pages={"overview": {"Cancer 28-day Faster Diagnosis": "78.0%"}},
    ),
    Broken(
        "category-not-allowed",
        "appointments",
        set_cell("appointments", "appt_mode", 0, "Carrier pigeon"),
        "rows excluded",
        excluded=1,
        column="appt_mode",
        says=("value not in the allowed list",),
        example="Carrier pigeon",
        example_row=1,
        pages={"ageing_well": {}},
    ),
    Broken(
        "future-date",
        "cancer_fds",
        set_cell("cancer_fds", "period", 0, date(2999, 1, 1)),
        "rows excluded",
        excluded=1,
        column="period",
        says=("date in the future",),
        example="2999-01-01",
        example_row=1,
        pages={"overview": {"Cancer 28-day Faster Diagnosis": "78.0%"}, "budget": BUDGET_TILE},
    ),
    Broken(
        "money-fraction-of-a-penny",
        "budget_spend",
        rewrite("budget_spend", fraction_of_penny),
        "rows excluded",
        excluded=1,
        column="amount_gbp",
        says=("fractions of a penny",),
        example_row=4,
        pages={"budget": {"Annual budget": ANY}},
    ),
    Broken(
        "money-too-large",
        "budget_spend",
        rewrite("budget_spend", money_too_large),
        "rows excluded",
        excluded=1,
        column="amount_gbp",
        says=("too large",),
        example="12345678901234567890.00",
        example_row=1,
        pages={"budget": {"Annual budget": ANY, "YTD actuals": ANY}},
    ),
    Broken(
        "count-too-large",
        "appointments",
        set_cell("appointments", "count_of_appointments", 0, 2**64 - 1, pa.uint64()),
        "rows excluded",
        excluded=1,
        column="count_of_appointments",
        says=("too large",),
        example="18446744073709551615",
        example_row=1,
        pages={"ageing_well": {"Appointments (65+)": "72"}},
    ),
    Broken(
        "extra-columns-accepted",
        "cancer_fds",
        rewrite(
            "cancer_fds",
            lambda t: t.append_column("notes", pa.array(["checked"] * t.num_rows)).append_column(
                "org_name", pa.array(["Halton"] * t.num_rows)
            ),
        ),
        "valid",
        pages={"living_well": {"Cancer 28-day Faster Diagnosis": "78.0%"}},
    ),
    Broken(
        "extra-column-named-filename-accepted",
        "cancer_fds",
        rewrite("cancer_fds", lambda t: t.append_column("filename", pa.array(["export.csv"] * t.num_rows))),
        "valid",
        pages={"overview": {"Cancer 28-day Faster Diagnosis": "78.0%"}},
    ),
    Broken(
        "reference-table-unreadable",
        "wards",
        write_bytes("wards", lambda b: b"PAR1 not really PAR1"),
        "unavailable",
        says=("cannot be read as parquet",),
        cascade=(
            "ward_population",
            "practices",
            "appointments",
            "ld_health_checks",
            "indicators",
            "indicator_age_bands",
        ),
        pages={
            "ward_profile": {},
            "overview": {"Cancer 28-day Faster Diagnosis": "78.0%", "Budget 2020/21: forecast (M12)": "£231,993"},
            "budget": BUDGET_TILE,
        },
    ),
    Broken(
        "reference-table-missing-that-no-extract-depends-on",
        "ward_population",
        delete("ward_population"),
        "unavailable",
        says=("no file `ward_population.parquet`",),
        pages={"overview": {"Cancer 28-day Faster Diagnosis": "78.0%"}, "ward_profile": {}},
    ),
]
IDS = [c.id for c in CASES]


def break_copy(case: Broken, folder: Path) -> Path:
    case.breaker(folder)
    return folder


# ----------------------------------------------------------------------------------------------
# (a) The Database


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_database_status(case: Broken, fixture_copy: Path):
    db = Database(break_copy(case, fixture_copy))
    status = db.statuses[case.table]
    summary = status.summary()
    assert status.state == case.state, summary

    # The extract is named in the message a user sees, by title and file.
    table = contract.TABLES_BY_NAME[case.table]
    assert table.title in summary and f"{case.table}" in summary
    for fragment in case.says:
        assert fragment in summary or any(fragment in p.describe(case.table) for p in status.problems), (
            f"{fragment!r} not in {summary!r}"
        )

    if case.state == "unavailable":
        assert status.reason, "an unavailable extract must say why"
        assert status.rows_excluded == 0
        if case.column:
            assert any(p.column == case.column for p in status.problems), status.problems
            assert f"`{case.column}`" in summary
        # Queries that need it refuse with the reason, rather than reading a half-checked file.
        blocked = [name for name, spec in db.specs.items() if case.table in db.sources(spec.tables)]
        assert blocked
        for name in blocked:
            with pytest.raises(ExtractUnavailable, match=case.table):
                db.run(name, dict.fromkeys(db.specs[name].params))
    else:
        assert status.available, summary
        expected_read = case.rows_read if case.rows_read is not None else CLEAN_ROWS[case.table]
        assert status.rows_read == expected_read
        assert status.rows_excluded == case.excluded
        # Never silently dropped: the clean view holds exactly the rows accepted, and every excluded
        # row is counted against a named problem.
        view_rows = db.con.execute(f"SELECT count(*) FROM {case.table}").fetchone()[0]
        assert view_rows == expected_read - case.excluded
        if case.state == "rows excluded":
            problem = next((p for p in status.problems if case.column in (p.column or "")), None)
            assert problem is not None, status.problems
            assert problem.rows == case.excluded
            assert f"{case.excluded:,} of {expected_read:,} rows excluded" in summary
            described = problem.describe(case.table)
            assert f"`{case.table}`" in described and case.column in described
            assert 1 <= len(problem.examples) <= 3
            rows = [e["row_in_file"] for e in problem.examples]
            assert str(case.example_row) in rows, problem.examples
            if case.example is not None:
                assert any(case.example in (v or "") for e in problem.examples for v in e.values()), problem.examples
        else:
            assert not status.problems and "all" in summary and "rows valid" in summary

    # Everything else loads as before, apart from the tables that depend on the broken one.
    for name, other in db.statuses.items():
        if name == case.table:
            continue
        if name in case.cascade:
            # Named by the table it depends on, directly (`wards`) or through another (`practices`).
            assert other.state == "unavailable", other.summary()
            assert any(f"`{t}`" in other.reason for t in case.faulty if t != name), other.summary()
        else:
            assert other.state == "valid", other.summary()


def test_every_excluded_row_is_counted_once_per_rule(fixture_copy: Path):
    """Two faults in one row: the row is excluded once, and each rule still counts it."""
    set_cell("appointments", "count_of_appointments", 0, -1)(fixture_copy)
    set_cell("appointments", "ward_code", 0, "E05000000")(fixture_copy)
    set_cell("appointments", "count_of_appointments", 6, -2)(fixture_copy)
    status = Database(fixture_copy).statuses["appointments"]
    assert status.rows_excluded == 2
    by_rule = {p.rule: p.rows for p in status.problems}
    assert by_rule == {"negative count": 2, "unknown code (not in `wards`)": 1}


def test_excluded_rows_stay_out_of_the_summaries_the_queries_read(fixture_copy: Path):
    """The appointment queries read summaries built at load: built from the clean view, so a row excluded
    there is excluded here too, and every accepted row is counted."""
    original = pq.read_table(fixture_copy / "appointments.parquet").column("count_of_appointments").to_pylist()
    set_cell("appointments", "ward_code", 4, "E05000000")(fixture_copy)
    db = Database(fixture_copy)
    assert db.statuses["appointments"].rows_excluded == 1
    expected = sum(original) - original[4]
    appointment_summaries = [name for name, spec in db.summaries.items() if "appointments" in spec.tables]
    assert appointment_summaries
    for summary in appointment_summaries:
        assert db.summary_statuses[summary].available, db.summary_statuses[summary].reason
        assert db.con.execute(f"SELECT sum(appointments) FROM {summary}").fetchone()[0] == expected
    monthly = db.run(
        "appointments_by_month",
        {"wards": None, "age_bands": None, "start": fixtures.MONTHS[0], "end": fixtures.MONTHS[-1]},
    )
    assert int(monthly["appointments"].sum()) == expected


def test_money_stays_exact_through_validation(fixture_copy: Path):
    """Rows excluded from budget_spend leave the rest exact to the penny (DECIMAL, never float)."""
    rewrite("budget_spend", fraction_of_penny)(fixture_copy)
    db = Database(fixture_copy)
    kinds = dict(db.con.execute("SELECT column_name, column_type FROM (DESCRIBE budget_spend)").fetchall())
    assert kinds["amount_gbp"] == "DECIMAL(18,2)"
    amounts = [r[0] for r in db.con.execute("SELECT amount_gbp FROM budget_spend").fetchall()]
    assert all(isinstance(a, Decimal) and a == a.quantize(Decimal("0.01")) for a in amounts)
    original = [
        Decimal(v) for v in pq.read_table(fixture_copy / "budget_spend.parquet").column("amount_gbp").to_pylist()
    ]
    assert sum(amounts) == sum(original) - original[3]


def test_catalogue_exercises_every_page():
    rendered = {page for case in CASES if not case.xfail_app for page in case.pages} | {"about"}
    assert rendered == set(PAGES), set(PAGES) - rendered
    for case in CASES:
        assert case.pages, f"{case.id} renders no page"


# ----------------------------------------------------------------------------------------------
# (b) The dashboard


def names_fault(text: str, case: Broken) -> bool:
    """Does a notice name one of the faulty tables (by file or title) and, where given, the column?"""
    for name in case.faulty:
        table = contract.TABLES_BY_NAME[name]
        if f"{name}.parquet" in text or f"`{name}/" in text or table.title in text:
            return True
    return False


def check_names_fault(notices: list[str], case: Broken, page: str) -> None:
    naming = [n for n in notices if names_fault(n, case)]
    assert naming, f"{page}: no notice names {sorted(case.faulty)}: {notices}"
    joined = " ".join(naming)
    if case.table not in PAGE_READS[page] or case.cascade:
        # The page reads a table that depends on the broken one: it names that table and its cause.
        assert f"`{case.table}`" in joined, f"{page}: the cause `{case.table}` is not named: {naming}"
        return
    if case.column:
        assert f"`{case.column}`" in joined or case.column in joined, f"{page}: column not named: {naming}"
    for fragment in case.says:
        assert fragment in joined, f"{page}: {fragment!r} not in {naming}"
    if case.state == "rows excluded":
        read = case.rows_read if case.rows_read is not None else CLEAN_ROWS[case.table]
        assert f"{case.excluded:,} of {read:,} rows excluded" in joined


def check_metrics(shown: dict[str, str], expected: dict[str, str | None], page: str) -> None:
    for label, value in expected.items():
        assert label in shown, f"{page}: metric {label!r} missing; shown: {shown}"
        if value is ANY:
            assert any(ch.isdigit() for ch in shown[label]), f"{page}: {label} shows {shown[label]!r}"
        else:
            assert shown[label] == value, f"{page}: {label} shows {shown[label]!r}, expected {value!r}"


def check_about(at, case: Broken) -> None:
    notices = [e.value for e in at.error] + [w.value for w in at.warning]
    if case.state == "valid":
        assert not any(names_fault(n, case) for n in notices), notices
    elif case.faulty & set(contract.EXTRACTS):
        check_names_fault(notices, case, "about")
    else:
        assert not any(names_fault(n, case) for n in notices), notices
    # The validation section: the broken table's panel is open, states the problem and shows example rows.
    label = f"(`{case.table}`): {case.state}"
    panels = [e for e in at.expander if e.label.endswith(label)]
    assert panels, f"no About panel labelled {label!r}: {[e.label for e in at.expander]}"
    panel = panels[0]
    text = " ".join(m.value for m in panel.markdown)
    if case.state == "valid":
        assert "rows valid" in text
        return
    assert panel.proto.expanded, "a table with problems must be shown open"
    for fragment in case.says:
        assert fragment in text, f"About panel lacks {fragment!r}: {text}"
    if case.column:
        assert case.column in text
    if case.state == "rows excluded":
        assert len(panel.dataframe) >= 1, "example rows are not shown"
        examples = panel.dataframe[0].value
        assert "row_in_file" in examples.columns
        assert str(case.example_row) in set(examples["row_in_file"].astype(str))
        if case.example is not None:
            assert examples.astype(str).apply(lambda col: col.str.contains(case.example, regex=False)).any().any()


def dashboard_case_params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail_app)] if case.xfail_app else []
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", list(dashboard_case_params()))
def test_dashboard_names_the_fault_and_keeps_working(case: Broken, fixture_copy: Path, dashboard):
    at = dashboard.open(break_copy(case, fixture_copy))
    assert not at.exception, [e.value for e in at.exception]
    current = "overview"  # the page the entrypoint opens on
    for page in [*case.pages, "about"]:
        if page != current:
            dashboard.show(at, page)
            current = page
        assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
        assert len(at.title), f"{page} drew nothing"
        notices = dashboard.notices(at)
        if page == "about":
            check_about(at, case)
            continue
        if case.faulty & PAGE_READS[page] and case.state != "valid":
            check_names_fault(notices, case, page)
        else:
            assert not any(names_fault(n, case) for n in notices), f"{page} names a fault it does not have: {notices}"
        # No query failed on the page: a failing query is shown as an error naming its query file.
        assert not [n for n in notices if "Query file" in n], f"{page}: {notices}"
        check_metrics(dashboard.metrics(at), case.pages.get(page, {}), page)
