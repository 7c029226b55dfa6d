"""The URL drives the view: `ward` (repeatable), `from`/`to` (YYYY-MM), and on the budget page `fy` and
`month`; the app writes the same codes back, the filters survive page switches, and what cannot be
used is named in a visible notice, never an exception. All on the hand-made fixture (tests/fixtures.py).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import metrics, page_problems, texts
from fixtures import WARD_A, WARD_B, budget_rows, schema

from onehalton import contract

WARD_A_NAME = "Norton South & Preston Brook"
PER_1000 = "Appointments per 1,000 residents (all ages)"
PER_1000_BOARD = "Appointments per 1,000 residents"  # the Overview board: every row is all ages


# The overview's introduction opens with the view in bold: "**<area> · <Mon YYYY> to <Mon YYYY>.** ..."
AREA_AND_PERIOD = re.compile(r"^\*\*(.+ · [A-Z][a-z]{2} \d{4} to [A-Z][a-z]{2} \d{4})\.\*\*")


def area_caption(at) -> str:
    """The overview's '<area> · <Mon YYYY> to <Mon YYYY>' caption."""
    found = [AREA_AND_PERIOD.match(t).group(1) for t in texts(at.caption) if AREA_AND_PERIOD.match(t)]
    assert len(found) == 1, texts(at.caption)
    return found[0]


def warnings(at) -> str:
    return " | ".join(texts(at.warning))


def no_problems(at) -> None:
    assert page_problems(at) == []


# ------------------------------------------------------------------------------------------------
# ward


def test_one_ward_in_the_link_filters_the_view(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"ward": WARD_A})
    no_problems(at)
    assert at.multiselect(key="ward").value == [WARD_A]
    assert area_caption(at) == f"{WARD_A_NAME} · Apr 2023 to Sep 2024"
    assert metrics(at)[PER_1000_BOARD] == "22.0"  # 110 / 5,000 residents
    assert at.query_params.get("ward") == WARD_A  # the link keeps the code
    assert not at.warning


def test_several_wards_repeated_in_the_link(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"ward": [WARD_B, WARD_A]}, page="pages/starting_well.py")
    no_problems(at)
    assert at.multiselect(key="ward").value == [WARD_B, WARD_A]
    assert at.query_params.get("ward") == [WARD_B, WARD_A]
    tiles = metrics(at)
    # The two wards' Year 6 obesity pooled: 63 of 240, published as ward-level counts are, rounded to the
    # nearest 5 (65 of 240), and the rate worked out from those: 27.1%.
    assert tiles["2 wards, 2023/24"] == "27.1%"
    at.switch_page("pages/overview.py").run()
    assert area_caption(at).startswith("2 wards · ")


def test_a_ward_in_the_link_changes_the_numbers(make_app, fixture_dir):
    halton = make_app(fixture_dir, page="pages/living_well.py")
    ward_b = make_app(fixture_dir, query={"ward": WARD_B}, page="pages/living_well.py")
    assert metrics(halton)["Appointments (all ages)"] == "182"
    # 50 + 17 + 5 = 72 in Sep 2024, published at ward level to the nearest 5: 70; the rate from it, 70 / 6,000.
    assert metrics(ward_b)["Appointments (all ages)"] == "70"
    assert metrics(ward_b)[PER_1000] == "11.7"


def test_an_unknown_ward_code_shows_a_notice_and_no_exception(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"ward": "E05099999"})
    no_problems(at)
    assert "unknown ward codes" in warnings(at)
    assert "E05099999" in warnings(at)
    assert at.multiselect(key="ward").value == []
    assert area_caption(at).startswith("Halton · ")
    assert metrics(at)[PER_1000_BOARD] == "16.5"


def test_an_unknown_ward_beside_a_known_one_keeps_the_known_one(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"ward": [WARD_A, "E05099999"]})
    no_problems(at)
    assert "E05099999" in warnings(at)
    assert WARD_A not in warnings(at)
    assert at.multiselect(key="ward").value == [WARD_A]
    assert at.query_params.get("ward") == WARD_A  # the unusable code is dropped from the link
    at.switch_page("pages/ward_profile.py").run()
    assert metrics(at)["Area"] == WARD_A_NAME


def test_a_ward_name_is_not_a_code(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"ward": WARD_A_NAME})
    no_problems(at)
    assert "unknown ward codes" in warnings(at)
    assert at.multiselect(key="ward").value == []


def test_choosing_a_ward_writes_its_code_to_the_link(make_app, fixture_dir):
    at = make_app(fixture_dir)
    at.multiselect(key="ward").set_value([WARD_B]).run()
    assert at.query_params.get("ward") == WARD_B
    assert metrics(at)[PER_1000_BOARD] == "11.7"  # ward B: 72 published as 70, over 6,000 residents
    at.multiselect(key="ward").set_value([]).run()
    assert "ward" not in at.query_params
    assert metrics(at)[PER_1000_BOARD] == "16.5"


def test_clearing_a_ward_that_came_from_the_link_sticks(make_app, fixture_dir):
    """The link seeds the filter once; after that the person's choice wins over the old link."""
    at = make_app(fixture_dir, query={"ward": WARD_A})
    at.multiselect(key="ward").set_value([]).run()
    assert at.multiselect(key="ward").value == []
    assert "ward" not in at.query_params
    at.run()
    assert at.multiselect(key="ward").value == []
    assert area_caption(at).startswith("Halton · ")


# ------------------------------------------------------------------------------------------------
# from / to


def test_from_and_to_months_in_the_link_set_the_period(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"from": "2024-01", "to": "2024-06"})
    no_problems(at)
    assert (at.selectbox(key="from").value, at.selectbox(key="to").value) == ("2024-01", "2024-06")
    assert area_caption(at) == "Halton · Jan 2024 to Jun 2024"
    assert metrics(at)[PER_1000_BOARD] == "16.3"  # Jun 2024: 179 / 11,000
    assert (at.query_params.get("from"), at.query_params.get("to")) == ("2024-01", "2024-06")
    assert not at.warning


def test_a_period_set_in_the_link_reaches_the_queries(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"from": "2024-04", "to": "2024-04"}, page="pages/living_well.py")
    no_problems(at)
    # One month of the period: the LD tile is April 2024's, the year's first month.
    assert metrics(at)["LD annual health checks (14+), year to date"] == "5.0%"


def test_start_after_end_is_swapped_with_a_notice(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"from": "2024-06", "to": "2024-01"})
    no_problems(at)
    assert "swapped" in warnings(at)
    assert area_caption(at) == "Halton · Jan 2024 to Jun 2024"


@pytest.mark.parametrize(
    "query, named",
    [
        ({"from": "2019-01"}, "2019-01"),
        ({"to": "2030-12"}, "2030-12"),
        ({"from": "Jan 2024"}, "Jan 2024"),  # labels are not values
        ({"to": "2024-13"}, "2024-13"),
    ],
)
def test_months_outside_the_data_are_named_and_ignored(make_app, fixture_dir, query, named):
    at = make_app(fixture_dir, query=query)
    no_problems(at)
    assert "months outside the data" in warnings(at)
    assert named in warnings(at)
    assert area_caption(at) == "Halton · Apr 2023 to Sep 2024"


def test_choosing_months_writes_them_to_the_link(make_app, fixture_dir):
    at = make_app(fixture_dir)
    at.selectbox(key="from").set_value("2023-10").run()
    at.selectbox(key="to").set_value("2024-03").run()
    assert (at.query_params.get("from"), at.query_params.get("to")) == ("2023-10", "2024-03")
    assert area_caption(at) == "Halton · Oct 2023 to Mar 2024"
    at.selectbox(key="to").set_value("2024-09").run()  # back to the default: dropped from the link
    assert "to" not in at.query_params


# ------------------------------------------------------------------------------------------------
# Across page switches


def test_a_ward_chosen_in_the_sidebar_is_kept_across_page_switches(make_app, fixture_dir):
    at = make_app(fixture_dir)
    at.multiselect(key="ward").set_value([WARD_A]).run()
    at.selectbox(key="from").set_value("2024-01").run()
    at.switch_page("pages/ward_profile.py").run()
    no_problems(at)
    assert metrics(at)["Area"] == WARD_A_NAME
    at.switch_page("pages/living_well.py").run()
    assert metrics(at)[PER_1000] == "22.0"
    at.switch_page("pages/overview.py").run()
    assert area_caption(at) == f"{WARD_A_NAME} · Jan 2024 to Sep 2024"
    assert at.query_params.get("ward") == WARD_A
    assert at.query_params.get("from") == "2024-01"


def test_filters_survive_a_page_switch_that_drops_the_query_string(make_app, fixture_dir):
    """In the browser a page switch drops parameters that no widget is bound to: the filters must
    come from the session, not the URL, and go back into the URL."""
    at = make_app(fixture_dir, query={"ward": WARD_A, "to": "2024-06"})
    at.query_params.clear()
    at.switch_page("pages/ward_profile.py").run()
    no_problems(at)
    assert metrics(at)["Area"] == WARD_A_NAME
    assert at.multiselect(key="ward").value == [WARD_A]
    assert at.query_params.get("ward") == WARD_A
    assert at.query_params.get("to") == "2024-06"


# ------------------------------------------------------------------------------------------------
# fy / month on the budget page


def budget_tiles(at) -> dict[str, str]:
    return {
        k: v
        for k, v in metrics(at).items()
        if k in ("Annual budget", "YTD actuals", "Accruals", "M12 total (forecast)", "Variance")
    }


def pounds(text: str) -> int:
    return int(text.replace("£", "").replace(",", ""))


def test_fy_and_month_in_the_link_set_the_budget_statement(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"fy": "2020/21", "month": "5"}, page="pages/budget.py")
    no_problems(at)
    assert budget_tiles(at) == {
        "Annual budget": "£776,123",
        "YTD actuals": "£51,197",
        "Accruals": "£180,796",
        "M12 total (forecast)": "£231,993",
        "Variance": "£544,130",
    }
    assert "Statement 2020/21, as at month 5" in texts(at.subheader)


def test_an_earlier_month_shows_a_smaller_ytd(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"fy": "2020/21", "month": "3"}, page="pages/budget.py")
    no_problems(at)
    tiles = budget_tiles(at)
    assert tiles["YTD actuals"] == "£36,721"
    assert pounds(tiles["YTD actuals"]) < 51197
    assert tiles["Accruals"] == "£0"
    assert tiles["Annual budget"] == "£776,123"
    assert at.selectbox(key="month").value == "3"
    assert at.query_params.get("month") == "3"
    assert "Statement 2020/21, as at month 3" in texts(at.subheader)


@pytest.mark.parametrize(
    "query, notice",
    [
        ({"fy": "2030/31"}, "financial years not in the data"),
        ({"fy": "2020-21"}, "financial years not in the data"),
        ({"month": "13"}, "not financial months 1 to 12"),
        ({"month": "Month 3 (June)"}, "not financial months 1 to 12"),
    ],
)
def test_unusable_fy_or_month_is_named_and_the_latest_shown(make_app, fixture_dir, query, notice):
    at = make_app(fixture_dir, query=query, page="pages/budget.py")
    no_problems(at)
    assert notice in warnings(at)
    assert list(query.values())[0] in warnings(at)
    assert budget_tiles(at)["YTD actuals"] == "£51,197"


def test_choosing_a_month_writes_it_to_the_link(make_app, fixture_dir):
    at = make_app(fixture_dir, page="pages/budget.py")
    at.selectbox(key="month").set_value("2").run()
    assert at.query_params.get("month") == "2"
    assert budget_tiles(at)["YTD actuals"] == "£18,755"  # 4,665 + 9,438.20 + 4,652.20


@pytest.fixture
def two_budget_years(fixture_copy):
    """The fixture plus a demo 2021/22 with entries to month 7."""
    rows = budget_rows()
    extra = [
        dict(
            financial_year="2021/22",
            org_ledger="Halton CCG",
            funding_source="Place Based",
            line_title="Demo line",
            host=None,
            entry_type="budget",
            month=None,
            amount_gbp=Decimal("1000.00"),
            is_synthetic=True,
        )
    ]
    extra += [dict(extra[0], entry_type="actual", month=m, amount_gbp=Decimal("10.00")) for m in range(1, 8)]
    table = contract.TABLES_BY_NAME["budget_spend"]
    all_rows = rows + extra
    pq.write_table(
        pa.table({c: [r[c] for r in all_rows] for c in table.column_names}, schema=schema(table)),
        fixture_copy / "budget_spend.parquet",
    )
    return fixture_copy


def test_the_month_follows_the_chosen_year_unless_chosen(make_app, two_budget_years):
    at = make_app(two_budget_years, page="pages/budget.py")
    no_problems(at)
    assert (at.selectbox(key="fy").value, at.selectbox(key="month").value) == ("2021/22", "7")
    assert budget_tiles(at)["YTD actuals"] == "£70"
    at.selectbox(key="fy").set_value("2020/21").run()
    # Left at its default, the month moves to the chosen year's latest month.
    assert at.selectbox(key="month").value == "5"
    assert budget_tiles(at)["YTD actuals"] == "£51,197"
    assert at.query_params.get("fy") == "2020/21"
    assert "month" not in at.query_params
    # A month someone chose stays when the year changes.
    at.selectbox(key="month").set_value("3").run()
    at.selectbox(key="fy").set_value("2021/22").run()
    assert at.selectbox(key="month").value == "3"
    assert budget_tiles(at)["YTD actuals"] == "£30"


def test_a_budget_link_opened_later_in_the_session_applies(make_app, two_budget_years):
    """Back to a budget link after leaving the page: the link's year is shown again."""
    at = make_app(two_budget_years, query={"fy": "2020/21", "month": "3"}, page="pages/budget.py")
    assert budget_tiles(at)["YTD actuals"] == "£36,721"
    at.switch_page("pages/overview.py").run()
    at.query_params.clear()
    at.query_params.update({"fy": "2020/21", "month": "3"})
    at.switch_page("pages/budget.py").run()
    no_problems(at)
    assert (at.selectbox(key="fy").value, at.selectbox(key="month").value) == ("2020/21", "3")
    assert budget_tiles(at)["YTD actuals"] == "£36,721"


def test_unknown_parameters_are_named(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"colour": "blue", "ward": WARD_A})
    no_problems(at)
    assert "unknown parameters" in warnings(at)
    assert "colour" in warnings(at)
    assert at.multiselect(key="ward").value == [WARD_A]


# ------------------------------------------------------------------------------------------------
# Repeated and swapped values (round two): the view is what the notice says it is


@pytest.mark.parametrize(
    "years, used",
    [
        (["2020/21", "2021/22", "2020/21"], "2020/21"),  # three times, the first value again last
        (["2021/22", "2020/21", "2021/22"], "2021/22"),
        (["2020/21", "1999/00"], "2020/21"),  # the last is unusable: the last usable one is used, and said
    ],
)
def test_a_repeated_fy_is_resolved_as_the_notice_says(make_app, two_budget_years, years, used):
    at = make_app(two_budget_years, query={"fy": years}, page="pages/budget.py")
    no_problems(at)
    assert at.selectbox(key="fy").value == used
    repeated = [w for w in texts(at.warning) if "(`fy`)" in w and "extra values" in w]
    assert len(repeated) == 1, warnings(at)
    assert f"only the last usable one, `{used}`, is used" in repeated[0]
    for other in set(years) - {used}:
        assert other in repeated[0]
    assert at.query_params.get("fy") in (used, None)  # written back as the one value used (or dropped as default)
    expected = "£51,197" if used == "2020/21" else "£70"
    assert budget_tiles(at)["YTD actuals"] == expected


def test_a_repeated_month_in_the_link_is_resolved_as_the_notice_says(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"from": ["2024-01", "2023-05", "2024-01"], "to": ["2024-06", "2030-01"]})
    no_problems(at)
    assert (at.selectbox(key="from").value, at.selectbox(key="to").value) == ("2024-01", "2024-06")
    assert "only the last usable one, `2024-01`, is used" in warnings(at)
    assert "only the last usable one, `2024-06`, is used" in warnings(at)
    assert area_caption(at) == "Halton · Jan 2024 to Jun 2024"


def test_a_swapped_period_shows_swapped_in_the_sidebar_and_the_link(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"from": "2024-06", "to": "2024-01"})
    no_problems(at)
    assert "swapped" in warnings(at)
    assert (at.selectbox(key="from").value, at.selectbox(key="to").value) == ("2024-01", "2024-06")
    assert (at.query_params.get("from"), at.query_params.get("to")) == ("2024-01", "2024-06")
    assert area_caption(at) == "Halton · Jan 2024 to Jun 2024"
    at.run()  # the next run keeps the swapped period, and no longer needs to say so
    assert (at.selectbox(key="from").value, at.selectbox(key="to").value) == ("2024-01", "2024-06")
    assert "swapped" not in warnings(at)


def test_choosing_a_start_after_the_end_in_the_sidebar_swaps_them_too(make_app, fixture_dir):
    at = make_app(fixture_dir)
    at.selectbox(key="to").set_value("2024-01").run()
    at.selectbox(key="from").set_value("2024-05").run()
    no_problems(at)
    assert "swapped" in warnings(at)
    assert (at.selectbox(key="from").value, at.selectbox(key="to").value) == ("2024-01", "2024-05")
    assert area_caption(at) == "Halton · Jan 2024 to May 2024"
