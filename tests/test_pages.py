"""Every page renders, in Streamlit's AppTest, with its key elements: on the hand-made fixture (numbers
known, see tests/fixtures.py and tests/test_queries.py), unfiltered and filtered to a ward through the
URL, and once on the generated demo data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import (
    APP_TIMEOUT,
    DASHBOARD,
    charts,
    invalid_chart_specs,
    lazy_parts,
    metrics,
    open_lazy_views,
    page_problems,
    spec_error,
    texts,
    use_data_dir,
)
from fixtures import WARD_A, WARD_B
from streamlit.testing.v1 import AppTest

from onehalton import navigation

PROJECT_ROOT = Path(__file__).resolve().parent.parent

BANNER = "Synthetic demo data"
WARD_A_NAME = "Norton South & Preston Brook"


@dataclass
class Expect:
    title: str
    banner: bool = True  # the fixture's manifest marks everything synthetic except the published budget
    metrics: dict[str, str] = field(default_factory=dict)  # label -> shown value, exactly
    min_metrics: int = 0
    charts: bool = True  # at least one Altair chart (False: none required)
    downloads: bool = True  # at least one CSV download (False: none required)
    infos: tuple[str, ...] = ()  # text some st.info on the page contains
    captions: tuple[str, ...] = ()  # text some caption contains


HALTON_TILES = {
    "Appointments per 1,000 residents (all ages)": "16.5",  # Sep 2024: 182 / 11,000 residents
    "Did not attend (DNA) rate (all ages)": "8.2%",  # 15 / (167 + 15)
    "LD annual health checks (14+), year to date": "30.0%",  # 36 / 120
    "Cancer 28-day Faster Diagnosis": "78.0%",
}  # 39 / 50
WARD_A_TILES = {
    **HALTON_TILES,
    "Appointments per 1,000 residents (all ages)": "22.0",  # 110 / 5,000
    # Ward A's 10 DNAs are hidden although 10 > 7: Halton's 15 less ward A's would be the other
    # wards' 5, a small number (the complement rule of onehalton/protection.py).
    "Did not attend (DNA) rate (all ages)": "*",
}
# The Overview's board names the KPIs without the age group: every row there is all ages.
BOARD = {k.replace(" (all ages)", ""): v for k, v in HALTON_TILES.items()}
BOARD_WARD_A = {k.replace(" (all ages)", ""): v for k, v in WARD_A_TILES.items()}
BUDGET_TILES = {
    "Annual budget": "£776,123",
    "YTD actuals": "£51,197",
    "Accruals": "£180,796",
    "M12 total (forecast)": "£231,993",
    "Variance": "£544,130",
}

EXPECTED: dict[tuple[str, str], Expect] = {
    ("overview", "halton"): Expect(
        "One Halton: overview",
        metrics={**BOARD, "Budget 2020/21: forecast (M12)": "£231,993", "Year 6: prevalence of obesity": "30.0%"},
        charts=False,
        downloads=False,
        captions=("Halton · Apr 2023 to Sep 2024",),
    ),
    ("overview", "ward"): Expect(
        "One Halton: overview",
        metrics={**BOARD_WARD_A, "Budget 2020/21: forecast (M12)": "£231,993"},
        charts=False,
        downloads=False,
        captions=(f"{WARD_A_NAME} · Apr 2023 to Sep 2024",),
    ),
    # The fixture has no under-18s' appointments: the page says so and still shows its indicator.
    ("starting_well", "halton"): Expect(
        "Starting Well",
        metrics={"Halton, 2023/24": "30.0%"},
        infos=("No appointments in the chosen period and wards.",),
        # Two periods in the fixture: Fingertips' recent trend needs five, and says so rather than guess.
        captions=("Recent trend: cannot be calculated (fewer than 5 points with valid values)",),
    ),
    # Ward A's Year 6 obesity count is 3: suppressed.
    ("starting_well", "ward"): Expect(
        "Starting Well",
        metrics={"Halton, 2023/24": "30.0%", f"{WARD_A_NAME}, 2023/24": "*"},
        infos=("No appointments in the chosen period and wards.",),
    ),
    ("living_well", "halton"): Expect(
        "Living Well",
        metrics={
            **HALTON_TILES,
            "Appointments (all ages)": "182",
            "Register (14+)": "120",
            "Same-day share (all ages)": "67.0%",
        },
    ),
    ("living_well", "ward"): Expect(
        "Living Well",
        metrics={**WARD_A_TILES, "Appointments (all ages)": "110", "Register (14+)": "120"},
        captions=("Practice-level extract, shown for all of Halton.",),
    ),
    ("ageing_well", "halton"): Expect(
        "Ageing Well",
        metrics={
            "Appointments (65+)": "72",
            "Appointments per 1,000 residents (65+)": "40.0",  # 72/1,800
            "Home visits (65+)": "50",
            # Falls admissions 65+, directly standardised from the fixture's age bands (tests/test_dsr.py).
            "Halton, 2023/24": "3,732.9",  # not the crude 210 / 6,400 = 3,281.2
        },
    ),
    # Ward A has no residents' appointments at 65+; its falls admissions (5) are suppressed.
    ("ageing_well", "ward"): Expect(
        "Ageing Well",
        infos=("No appointments in the chosen period and wards.",),
    ),
    ("ageing_well", "ward-b"): Expect(
        # Ward level: 72 rounds to 70 (nearest 5) and the rate is worked out from the published 70 (70 / 1,000).
        "Ageing Well",
        metrics={
            "Appointments (65+)": "70",
            "Appointments per 1,000 residents (65+)": "70.0",
            "Home visits (65+)": "50",
        },
    ),
    ("wider_determinants", "halton"): Expect("Wider Determinants", metrics={"Halton, 2023/24": "70.0%"}),
    ("wider_determinants", "ward"): Expect("Wider Determinants", metrics={"Halton, 2023/24": "70.0%"}),
    ("budget", "halton"): Expect("Budget", banner=False, metrics=BUDGET_TILES),
    ("budget", "ward"): Expect("Budget", banner=False, metrics=BUDGET_TILES),
    ("ward_profile", "halton"): Expect("Ward profile", infos=("Choose one or more wards in the sidebar",)),
    ("ward_profile", "ward"): Expect(
        "Ward profile",
        metrics={
            "Area": WARD_A_NAME,
            "Residents": "5,000",
            "Deprivation rank (1 = most deprived)": "2",
            "Town": "Runcorn",
        },
    ),
    ("ward_need", "halton"): Expect("Where need is greatest"),
    ("ward_need", "ward"): Expect("Where need is greatest"),
    ("about", "halton"): Expect("About the data", charts=False),
    ("about", "ward"): Expect("About the data", charts=False),
}
VARIANTS = {"halton": {}, "ward": {"ward": WARD_A}, "ward-b": {"ward": WARD_B}}


PAGES = [Path(p.script).stem for p in navigation.PAGES]


def test_every_page_in_the_registry_is_a_file_and_has_expectations():
    assert all((PROJECT_ROOT / p.script).is_file() for p in navigation.PAGES)
    assert sorted(Path(p).stem for p in (PROJECT_ROOT / "pages").glob("*.py")) == sorted(PAGES)
    assert {page for page, _ in EXPECTED} == set(PAGES)


def check_page(at, expect: Expect, where: str) -> None:
    assert page_problems(at) == [], f"{where}: the page shows exceptions or errors"
    assert texts(at.title) == [expect.title], where
    banners = [t for t in texts(at.info) if BANNER in t]
    assert bool(banners) == expect.banner, f"{where}: synthetic-data banner {'missing' if expect.banner else 'shown'}"
    shown = metrics(at)
    assert len(shown) >= max(expect.min_metrics, len(expect.metrics)), where
    for m in at.metric:
        assert str(m.value).strip(), f"{where}: metric {m.label!r} has no value"
    for label, value in expect.metrics.items():
        assert label in shown, f"{where}: no metric {label!r}; shown {sorted(shown)}"
        assert shown[label] == value, f"{where}: {label} shows {shown[label]!r}, expected {value!r}"
    if expect.charts:
        assert charts(at), f"{where}: no charts"
    assert invalid_chart_specs(at) == [], f"{where}: a chart the browser could not draw"
    if expect.downloads:
        assert at.download_button, f"{where}: no download buttons"
        assert all(b.label.endswith("(CSV)") or b.label in ("PNG", "SVG") for b in at.download_button)
    infos = " | ".join(texts(at.info))
    for text in expect.infos:
        assert text in infos, f"{where}: no notice saying {text!r}"
    captions = " | ".join(texts(at.caption))
    for text in expect.captions:
        assert text in captions, f"{where}: no caption saying {text!r}"


@pytest.mark.parametrize("page, variant", list(EXPECTED), ids=[f"{p}-{v}" for p, v in EXPECTED])
def test_page_renders_on_the_fixture(make_app, fixture_dir, page, variant):
    at = make_app(fixture_dir, query=VARIANTS[variant], page=f"pages/{page}.py")
    check_page(at, EXPECTED[(page, variant)], f"{page} ({variant})")
    if variant != "halton":
        # The ward chosen in the link is the one the sidebar filter shows.
        assert at.multiselect(key="ward").value == [VARIANTS[variant]["ward"]]
        assert at.query_params.get("ward") == VARIANTS[variant]["ward"]
    assert not at.warning, f"{page} ({variant}): unexpected warnings {texts(at.warning)}"


# Lazy parts (frame.lazy_expander, frame.lazy_tabs) each page draws on the fixture, in the ward whose data fills
# them: (expanders, tab sets). Ward B is the one with appointments aged 65+.
LAZY = {"starting_well": (1, 0), "living_well": (1, 1), "ageing_well": (1, 1)}
LAZY_WARD = {"ageing_well": "ward-b"}


@pytest.mark.parametrize("page", PAGES)
def test_every_lazy_tab_and_expander_opens_and_draws(make_app, fixture_dir, page):
    """Lazy parts draw nothing until opened; opened, each draws its charts, tables and downloads without error."""
    variant = LAZY_WARD.get(page, "ward")
    at = make_app(fixture_dir, query=VARIANTS[variant], page=f"pages/{page}.py")
    expanders, tabs = lazy_parts(at)
    assert (len(expanders), len(tabs)) == LAZY.get(page, (0, 0)), f"{page}: lazy expanders {expanders}, tabs {tabs}"

    def csv_downloads() -> int:
        return sum(1 for b in at.download_button if b.label.endswith("(CSV)"))

    def every_chart_exports() -> None:  # issue 11: every chart downloads as PNG and SVG as well as CSV
        images = {label: sum(1 for b in at.download_button if b.label == label) for label in ("PNG", "SVG")}
        assert images == {"PNG": len(charts(at)), "SVG": len(charts(at))}, f"{page}: {images} for {len(charts(at))}"
        assert invalid_chart_specs(at) == [], f"{page}: a chart the browser could not draw"

    every_chart_exports()
    closed = csv_downloads()
    views = 0
    for view in open_lazy_views(at):
        views += 1
        assert page_problems(at) == [], f"{page}, {view}: exceptions or errors"
        assert at.multiselect(key="ward").value == [VARIANTS[variant]["ward"]], f"{page}, {view}: filter lost"
        assert len(at.download_button) > 0, f"{page}, {view}: nothing to download"
        every_chart_exports()
    if expanders or tabs:
        assert views == max((len(t) for t in tabs.values()), default=1)
        for key in expanders:
            assert at.session_state[key] is True
    if expanders:
        # Open expanders draw more than the page as first shown (a tab only replaces another's content).
        assert csv_downloads() > closed, f"{page}: opening its expanders drew nothing"


def test_the_chart_spec_check_finds_a_broken_spec():
    """invalid_chart_specs stands in for Altair's validation, which the chart templates skip: it must fail."""
    good = {"data": {"name": "table"}, "mark": {"type": "bar"}, "encoding": {"x": {"field": "a", "type": "nominal"}}}
    assert spec_error(good) is None
    assert "bars" in (spec_error({**good, "mark": {"type": "bars"}}) or "")
    assert spec_error({**good, "encoding": {"x": {"field": "a", "type": "ordinal-ish"}}})


def test_a_deep_link_as_the_first_request_of_a_fresh_server(monkeypatch, fixture_dir):
    """No `make_app` here: AppTest starts each run as a fresh server does, in the old pages-directory mode
    (there is a `pages/` folder beside dashboard.py), which runs the linked page without the entrypoint.
    The page must still come up through the entrypoint, with the link's filters."""
    use_data_dir(monkeypatch, fixture_dir)
    at = AppTest.from_file(str(DASHBOARD), default_timeout=APP_TIMEOUT)
    at.query_params["ward"] = WARD_A
    at.switch_page("pages/ward_profile.py")  # before the first run: the link is the first request
    at.run()
    assert page_problems(at) == []
    assert texts(at.title) == ["Ward profile"]
    assert at.multiselect(key="ward").value == [WARD_A]
    assert metrics(at)["Area"] == WARD_A_NAME


# ------------------------------------------------------------------------------------------------
# The generated demo data (onehalton/demo_data.py): every page, once.


@pytest.fixture(scope="session")
def demo_dir(demo_data_dir):
    return demo_data_dir


@pytest.mark.slow
def test_every_page_renders_on_the_demo_data(make_app, demo_dir):
    at = make_app(demo_dir, query={"ward": WARD_A})
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        where = f"{page} on demo data"
        assert page_problems(at) == [], where
        assert len(at.title) == 1, where
        assert any(BANNER in t for t in texts(at.info)), f"{where}: no synthetic-data banner"
        assert at.multiselect(key="ward").value == [WARD_A], f"{where}: the ward filter was lost"
        for m in at.metric:
            assert str(m.value).strip(), f"{where}: metric {m.label!r} has no value"
        if page not in ("about", "ward_need"):
            assert metrics(at), f"{where}: no KPIs"
        if page not in ("overview", "about"):
            assert charts(at), f"{where}: no charts"
        if page != "overview":
            assert at.download_button, f"{where}: no download buttons"
        assert not at.warning or page == "budget", f"{where}: warnings {texts(at.warning)}"
    # Demo budget years say so on the budget page.
    at.switch_page("pages/budget.py").run()
    assert any("demo data" in t for t in texts(at.warning))


def test_the_about_page_lists_the_summaries_built_at_load(make_app, fixture_dir):
    at = make_app(fixture_dir, page="pages/about.py")
    tables = [d.value for d in at.dataframe]
    summaries = next((t for t in tables if "summary" in t.columns), None)
    assert summaries is not None, "the About page shows no table of summaries"
    assert sorted(summaries["summary"]) == [
        "appointments_practice_month",
        "appointments_ward_month",
        "indicator_dsr",
        "indicator_values",
    ]
    assert (summaries["state"] == "built").all()
    # 18 months of ward A (one age band) and ward B (one age band): 36 rows by ward; one practice each: 36.
    assert summaries.set_index("summary")["rows"].to_dict() == {
        "appointments_practice_month": 36,
        "appointments_ward_month": 36,
        "indicator_dsr": 4,  # falls 65+, 2023/24: England, Halton, ward A and ward B
        "indicator_values": 24,  # one a row of the fixture's indicators extract
    }
