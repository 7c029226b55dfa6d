"""The One Halton budget statement for 2020/21 as at month 5 reproduces every figure the published
statement prints (tests/data/budget_2020_21_m5_printed_totals.csv), to the pound, from exact pence.

Money must stay Decimal from the parquet file to the rounding: rounding is half up, as a printed
statement does, never banker's rounding and never via float.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from onehalton import budget

PRINTED = Path(__file__).parent / "data" / "budget_2020_21_m5_printed_totals.csv"
FUNDING_SOURCES = ("Place Based", "Carried Over", "Leadership Academy")
MEASURES = {
    "annual_budget": "budget",
    "prior_year_invoices": "prior_year_invoices",
    **{f"month_{m}": f"m{m:02d}" for m in range(1, 13)},
    "ytd_actuals": "ytd_actuals",
    "m5_accruals": "accruals",
    "m12_total": "m12_total",
    "variance": "variance",
}
MONEY_COLUMNS = list(dict.fromkeys(MEASURES.values()))


def printed_rows() -> list[dict]:
    with PRINTED.open(newline="") as handle:
        return list(csv.DictReader(handle))


def pounds(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def select(statement: pd.DataFrame, scope: str) -> pd.Series:
    """The statement row a printed scope refers to: a funding source's subtotal, the grand total ('All'),
    or one line ('Line: <title>', '(<funding source>)' added where the title is not unique)."""
    if scope == "All":
        rows = statement[statement["row_type"] == "total"]
    elif scope in FUNDING_SOURCES:
        rows = statement[(statement["row_type"] == "subtotal") & (statement["funding_source"] == scope)]
    else:
        assert scope.startswith("Line: "), scope
        title, source = scope[len("Line: ") :], None
        for candidate in FUNDING_SOURCES:
            if title.endswith(f" ({candidate})"):
                title, source = title[: -len(f" ({candidate})")], candidate
        rows = statement[(statement["row_type"] == "line") & (statement["line_title"] == title)]
        if source:
            rows = rows[rows["funding_source"] == source]
    assert len(rows) == 1, f"{scope!r} matches {len(rows)} statement rows"
    return rows.iloc[0]


@pytest.fixture(scope="module")
def statement(fixture_db) -> pd.DataFrame:
    return fixture_db.run("budget_statement", {"fy": "2020/21", "month": 5})


def test_the_printed_figures_file_is_what_the_tests_cover():
    rows = printed_rows()
    assert len(rows) == 41
    assert {r["measure"] for r in rows} <= set(MEASURES)
    scopes = {r["scope"] for r in rows}
    assert {"Place Based", "Carried Over", "Leadership Academy", "All"} <= scopes
    assert sum(s.startswith("Line: ") for s in scopes) == 5


@pytest.mark.parametrize("row", printed_rows(), ids=lambda r: f"{r['scope']}:{r['measure']}")
def test_statement_reproduces_every_printed_figure(statement, row):
    value = select(statement, row["scope"])[MEASURES[row["measure"]]]
    assert isinstance(value, Decimal), f"money came back as {type(value).__name__}, not Decimal"
    assert pounds(value) == int(row["printed_gbp"])


def test_every_money_column_is_exact_decimal_pence(statement):
    for column in MONEY_COLUMNS:
        for value in statement[column]:
            assert isinstance(value, Decimal), f"{column} holds {type(value).__name__}"
            assert value == value.quantize(Decimal("0.01")), f"{column} has fractions of a penny: {value}"


def test_the_two_project_manager_lines_are_told_apart_by_funding_source(statement):
    lines = statement[(statement["row_type"] == "line") & (statement["line_title"] == "Project Manager - PMO")]
    assert sorted(lines["funding_source"]) == ["Carried Over", "Place Based"]
    place = select(statement, "Line: Project Manager - PMO (Place Based)")
    carried = select(statement, "Line: Project Manager - PMO (Carried Over)")
    assert (place["budget"], carried["budget"]) == (Decimal("65000.00"), Decimal("5000.00"))
    assert carried["prior_year_invoices"] == Decimal("4665.00")


def test_statement_shape_and_arithmetic(statement):
    assert list(statement["row_type"]).count("total") == 1
    assert statement["row_type"].iloc[-1] == "total"
    subtotals = statement[statement["row_type"] == "subtotal"]
    assert sorted(subtotals["funding_source"]) == sorted(FUNDING_SOURCES)
    lines = statement[statement["row_type"] == "line"]
    assert len(lines) == 15
    for _, row in statement.iterrows():
        months = sum((row[f"m{m:02d}"] for m in range(1, 13)), Decimal(0))
        assert row["ytd_actuals"] == row["prior_year_invoices"] + months
        assert row["m12_total"] == row["ytd_actuals"] + row["accruals"]
        assert row["variance"] == row["budget"] - row["m12_total"]
    total = statement[statement["row_type"] == "total"].iloc[0]
    for column in MONEY_COLUMNS:
        assert total[column] == sum(lines[column], Decimal(0)) == sum(subtotals[column], Decimal(0)), column
    # Each subtotal sits after its own lines, and the total comes last.
    for _, sub in subtotals.iterrows():
        own = statement[(statement["funding_source"] == sub["funding_source"])]
        assert own.index.max() == sub.name
    assert not statement["is_synthetic"].any()


@pytest.mark.parametrize(
    "field, printed",
    [
        ("budget", 776123),
        ("ytd_actuals", 51197),
        ("accruals", 180796),
        ("m12_total", 231993),
        ("variance", 544130),
    ],
)
def test_headline_numbers(statement, field, printed):
    total = statement[statement["row_type"] == "total"].iloc[0]
    assert pounds(total[field]) == printed
    assert budget.to_pounds(total[field]) == printed


def test_months_after_the_as_at_month_are_empty_and_accruals_are_those_of_that_month(fixture_db):
    at_3 = fixture_db.run("budget_statement", {"fy": "2020/21", "month": 3})
    total = at_3[at_3["row_type"] == "total"].iloc[0]
    assert total["m04"] == total["m05"] == Decimal(0)
    assert total["accruals"] == Decimal(0)  # the statement's accruals are all at month 5
    assert total["ytd_actuals"] == Decimal("4665") + Decimal("9438.20") + Decimal("4652.20") + Decimal("17965.30")
    assert budget.to_pounds(total["ytd_actuals"]) == 36721
    assert budget.to_pounds(total["budget"]) == 776123


def test_an_unknown_year_gives_only_an_empty_total(fixture_db):
    frame = fixture_db.run("budget_statement", {"fy": "2019/20", "month": 5})
    assert (frame["row_type"] == "line").sum() == 0


# ------------------------------------------------------------------------------------------------
# The display frame (onehalton/budget.py): the figures people read


@pytest.fixture(scope="module")
def display(statement) -> pd.DataFrame:
    return budget.statement_for_display(statement, 5)


def display_row(display: pd.DataFrame, statement: pd.DataFrame, scope: str) -> pd.Series:
    return display.loc[select(statement, scope).name]


@pytest.mark.parametrize("row", printed_rows(), ids=lambda r: f"{r['scope']}:{r['measure']}")
def test_display_frame_shows_every_printed_figure(display, statement, row):
    column = MEASURES[row["measure"]]
    shown = display_row(display, statement, row["scope"])[column]
    assert not isinstance(shown, float)
    assert int(shown) == int(row["printed_gbp"])


def test_display_frame_columns_and_labels(display, statement):
    assert list(display.columns) == [
        "row_type",
        "org_ledger",
        "funding_source",
        "line",
        "host",
        "budget",
        "prior_year_invoices",
        "m01",
        "m02",
        "m03",
        "m04",
        "m05",
        "ytd_actuals",
        "accruals",
        "m12_total",
        "variance",
    ]
    assert display["line"].iloc[-1] == "Grand total"
    assert display_row(display, statement, "Place Based")["line"] == "Place Based subtotal"
    assert str(display["budget"].dtype) == "Int64"
    assert len(budget.statement_for_display(statement, 12).columns) == len(display.columns) + 7


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("0.50"), 1),
        (Decimal("2.50"), 3),
        (Decimal("3.50"), 4),  # half up, not to even
        (Decimal("2840.60"), 2841),
        (Decimal("2840.49"), 2840),
        (Decimal("-0.50"), -1),
        (Decimal("-5583.00"), -5583),
        (None, None),
    ],
)
def test_to_pounds_rounds_half_up(value, expected):
    assert budget.to_pounds(value) == expected


def test_spend_against_budget_chart_data(statement):
    subtotals = statement[statement["row_type"] == "subtotal"]
    frame = budget.spend_against_budget(subtotals)
    got = {(r.funding_source, r.measure): r.amount for r in frame.itertuples()}
    assert got[("Place Based", "Annual budget")] == pytest.approx(546561.0)
    assert got[("Carried Over", "M12 total")] == pytest.approx(194076.40, abs=0.001)
    assert len(frame) == 3 * 3


def test_a_total_ending_in_exactly_50p_rounds_up_on_the_tile_the_table_and_the_csv(make_app, fixture_copy, monkeypatch):
    """Issue 8: a line of £1,001.50 makes the annual budget £777,124.50 exactly. Money rounds half up from the
    exact Decimal everywhere (never half to even, never through a float): £777,125 on the tile, in the
    statement's grand total row and in its CSV."""
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    from onehalton import tables

    table = pq.read_table(fixture_copy / "budget_spend.parquet")
    extra = dict(
        financial_year="2020/21",
        org_ledger="Halton CCG",
        funding_source="Place Based",
        line_title="Rounding check",
        host="NWBH",
        entry_type="budget",
        month=None,
        amount_gbp=Decimal("1001.50"),
        is_synthetic=False,
    )
    pq.write_table(
        pa.Table.from_pylist(table.to_pylist() + [extra], schema=table.schema), fixture_copy / "budget_spend.parquet"
    )
    recorded = {}
    original = tables.download

    def recording(rows, key, *args, **kwargs):
        recorded[key] = rows().to_csv(index=False)
        return original(rows, key, *args, **kwargs)

    monkeypatch.setattr(tables, "download", recording)
    at = make_app(fixture_copy, query={"fy": "2020/21", "month": "5"}, page="pages/budget.py")
    assert not at.exception, at.exception
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Annual budget"] == "£777,125", tiles
    statement = next(d.value for d in at.dataframe if "Annual budget" in d.value.columns)
    grand = statement[statement["Line"] == "Grand total"].iloc[0]
    assert grand["Annual budget"] == "£777,125", grand.to_dict()
    csv_text = recorded["budget-statement-2020-21-m5"]
    grand_csv = next(line for line in csv_text.splitlines() if "Grand total" in line)
    assert ",777125," in grand_csv, grand_csv
