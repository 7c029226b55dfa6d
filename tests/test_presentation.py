"""Presentation mode (`?present=1`, onehalton/presentation.py) in Streamlit's AppTest, on the hand-made fixture:
every screen renders, with the ward and period, the synthetic-data notice and the footer's link; the screen and
present=1 are in the URL and survive a page switch; the numbers are the Overview's, small numbers still hidden;
the buttons move, and leave; and the board pack button's PDF is the view's. The real-browser checks (24 px type,
fitting 1280x720, the arrow keys) are in tests/test_presentation_browser.py.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from conftest import invalid_chart_specs, metrics, page_problems, texts
from fixtures import WARD_A

from onehalton import presentation

WARD_A_NAME = "Norton South & Preston Brook"
# The fixture's deck: what needs attention (LD off track, Year 6 obesity and employment worse than England), the
# board in two screens of 4, then one screen per KPI that needs attention in life-course order.
DECK = [
    "What needs attention",
    "Headline KPIs (1 of 3)",
    "Headline KPIs (2 of 3)",
    "Headline KPIs (3 of 3)",
    "Year 6: prevalence of obesity",  # Starting Well
    "LD annual health checks (14+), year to date",  # Living Well
    "Emergency hospital admissions due to falls in people aged 65 and over",  # Ageing Well (standardised)
    "Employment rate (16-64)",  # Wider Determinants
]
BOARD_SCREENS = [i + 1 for i, title in enumerate(DECK) if title.startswith("Headline KPIs")]
STARTING_WELL_SCREEN = DECK.index("Year 6: prevalence of obesity") + 1
LIVING_WELL_SCREEN = DECK.index("LD annual health checks (14+), year to date") + 1
PAGES = ["overview"] * 4 + ["starting_well", "living_well", "ageing_well", "wider_determinants"]


def html(at) -> str:
    return " ".join(h.proto.body for h in at.get("html") if "<style>" not in h.proto.body)


def plain(at) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html(at)))


def link(at) -> str:
    found = re.search(r'data-testid="oh-present-link">Link: <a href="([^"]+)"', html(at))
    assert found, "no footer link"
    return unescape(found.group(1))


def board(at) -> dict[str, str]:
    """A board screen's rows: KPI name -> latest value as written."""
    rows = re.findall(r'<td class="oh-p-name">(.*?)(?:<span.*?)?</td><td class="oh-p-value">(.*?)<div', html(at))
    return {unescape(name).strip(): unescape(value).strip() for name, value in rows}


def check_screen(at, number: int, *, area: str, ward: str | None = None) -> None:
    where = f"screen {number}"
    assert page_problems(at) == [], where
    assert not at.warning, f"{where}: {texts(at.warning)}"
    assert invalid_chart_specs(at) == [], f"{where}: a chart the browser could not draw"
    assert texts(at.title) == [DECK[number - 1]], where
    assert at.query_params.get("present") == "1" and at.query_params.get("screen") == str(number), where
    shown = plain(at)
    assert f"{area}  · Apr 2023 to Sep 2024" in shown, f"{where}: the area and period are not shown"
    assert "Synthetic demo data" in shown, f"{where}: no synthetic-data notice"
    assert f"Screen {number} of {len(DECK)}" in shown
    address = link(at)
    page = PAGES[number - 1]
    assert address.startswith(f"./{'' if page == 'overview' else page}?"), address
    assert "present=1" in address and f"screen={number}" in address and "from=2023-04&to=2024-09" in address
    assert (f"ward={ward}" in address) if ward else ("ward=" not in address), address
    assert [d.label for d in at.download_button] == ["Board pack (PDF)"], where


@pytest.mark.parametrize("ward", [None, WARD_A], ids=["halton", "ward"])
def test_every_screen_renders_with_the_view_and_the_footer(make_app, fixture_dir, ward):
    at = make_app(fixture_dir, query={"present": "1", **({"ward": ward} if ward else {})})
    area = WARD_A_NAME if ward else "Halton"
    for number in range(1, len(DECK) + 1):
        check_screen(at, number, area=area, ward=ward)
        next_button = at.button(key="present-next")
        assert next_button.disabled == (number == len(DECK))
        if number < len(DECK):
            next_button.click().run()
    assert len(at.get("vega_lite_chart")) == 1, "the last KPI screen draws its chart"
    at.button(key="present-previous").click().run()
    check_screen(at, len(DECK) - 1, area=area, ward=ward)


def test_screens_show_the_overviews_numbers_and_hide_small_ones(make_app, fixture_dir):
    overview = metrics(make_app(fixture_dir, query={"ward": WARD_A}))
    at = make_app(fixture_dir, query={"present": "1", "ward": WARD_A, "screen": str(BOARD_SCREENS[0])})
    shown = board(at)
    for _ in BOARD_SCREENS[1:]:
        at.button(key="present-next").click().run()
        shown.update(board(at))
    assert set(shown) == set(overview), f"presentation {sorted(shown)} against the Overview {sorted(overview)}"
    for name, value in shown.items():
        assert value == overview[name], f"{name}: {value!r} in presentation mode, {overview[name]!r} on the Overview"
    assert shown["Did not attend (DNA) rate"] == "*"  # ward A's DNAs are hidden (complement rule), as on the Overview


def test_present_is_kept_across_a_page_switch(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"present": "1", "ward": WARD_A})
    at.switch_page("pages/living_well.py").run()
    assert page_problems(at) == []
    assert at.query_params.get("present") == "1"
    assert texts(at.title) == ["LD annual health checks (14+), year to date"]  # Living Well's first screen
    check_screen(at, LIVING_WELL_SCREEN, area=WARD_A_NAME, ward=WARD_A)
    # A switch that drops the query string (as the browser's does) keeps presenting, from the session.
    at.query_params.clear()
    at.switch_page("pages/starting_well.py").run()
    assert at.query_params.get("present") == "1"
    check_screen(at, STARTING_WELL_SCREEN, area=WARD_A_NAME, ward=WARD_A)
    # Next from a screen of one page to a screen of another switches page, still presenting.
    at.button(key="present-next").click().run()
    check_screen(at, LIVING_WELL_SCREEN, area=WARD_A_NAME, ward=WARD_A)


def test_the_footer_link_reproduces_the_screen(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"present": "1", "ward": WARD_A, "screen": str(LIVING_WELL_SCREEN)})
    check_screen(at, LIVING_WELL_SCREEN, area=WARD_A_NAME, ward=WARD_A)
    address = link(at)
    page, query = address.removeprefix("./").split("?")
    params: dict[str, list[str]] = {}
    for pair in query.split("&"):
        key, value = pair.split("=")
        params.setdefault(key, []).append(value)
    again = make_app(fixture_dir, query=params, page=f"pages/{page or 'overview'}.py")
    check_screen(again, LIVING_WELL_SCREEN, area=WARD_A_NAME, ward=WARD_A)


def test_a_screen_number_the_deck_lacks_is_named_and_the_first_shown(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"present": "1", "screen": "99"})
    assert page_problems(at) == []
    assert any("(`screen`)" in w and "99" in w for w in texts(at.warning)), texts(at.warning)
    assert texts(at.title) == [DECK[0]]


def test_leaving_shows_the_page_behind_the_screen(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"present": "1", "ward": WARD_A, "screen": str(LIVING_WELL_SCREEN)})
    at.button(key="present-leave").click().run()
    assert page_problems(at) == []
    assert texts(at.title) == ["Living Well"]
    assert at.query_params.get("present") is None and at.query_params.get("screen") is None
    assert at.query_params.get("ward") == WARD_A
    assert not at.session_state[presentation.ACTIVE]


def test_present_0_turns_it_off(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"present": "0"})
    assert texts(at.title) == ["One Halton: overview"]
    assert at.query_params.get("present") is None


def test_the_overview_offers_the_board_pack_of_its_view(make_app, fixture_dir, fixture_db):
    from onehalton import pack_download
    from onehalton.filters import Filters

    at = make_app(fixture_dir, query={"ward": WARD_A})
    labels = [d.label for d in at.download_button]
    assert labels == ["Download the board pack for this view (PDF)"], labels

    f = Filters((WARD_A,), (WARD_A_NAME,), datetime.date(2023, 4, 1), datetime.date(2024, 9, 1))
    assert pack_download.file_name(f) == "one-halton-board-pack-norton-south-preston-brook-2023-04-to-2024-09.pdf"
    pdf = pack_download.pack_pdf(
        str(fixture_db.data_dir), fixture_db.fingerprint, ((WARD_A,), "2023-04", "2024-09", None, None), 7, fixture_db
    )
    assert pdf.startswith(b"%PDF")


def test_an_overspend_gets_a_budget_screen_with_its_chart(make_app, fixture_copy):
    """A year whose forecast passes its budget needs attention: its screen, on the Budget page, draws the Budget
    page's cumulative chart (the fixture's published 2020/21 statement underspends, so a later year is added)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from fixtures import budget_rows, schema

    from onehalton import contract

    line = dict(
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
    rows = (
        budget_rows()
        + [line]
        + [dict(line, entry_type="actual", month=m, amount_gbp=Decimal("200.00")) for m in (1, 2, 3, 4, 5, 6, 7)]
    )
    table = contract.TABLES_BY_NAME["budget_spend"]
    pq.write_table(
        pa.table({c: [r[c] for r in rows] for c in table.column_names}, schema=schema(table)),
        fixture_copy / "budget_spend.parquet",
    )
    at = make_app(fixture_copy, query={"present": "1"})
    titles = []
    while True:
        assert page_problems(at) == [], titles
        titles.append(texts(at.title)[0])
        if at.button(key="present-next").disabled:
            break
        at.button(key="present-next").click().run()
    assert titles[-1] == "Budget 2021/22: forecast (M12)", titles  # the budget comes last, after the life course
    assert "Needs attention: forecast to overspend" in plain(at)
    assert "£1,400" in plain(at)  # seven months of £200 against a £1,000 budget
    assert link(at).startswith("./budget?")
    assert len(at.get("vega_lite_chart")) == 1


def test_the_overview_starts_presenting_its_view(make_app, fixture_dir):
    at = make_app(fixture_dir, query={"ward": WARD_A})
    at.button(key="overview-present").click().run()
    check_screen(at, 1, area=WARD_A_NAME, ward=WARD_A)
