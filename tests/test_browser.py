"""The dashboard in a real browser: what a person sees on every page at 1440x900 and on a 1280x720 projector.

Every page: no console or page error, no request to another host, every chart's plot at least 200 px tall with
marks and an unclipped title, every bar labelled, and on the Overview every headline KPI visible on the first
screen. Negative controls (tests/browser_controls_app.py) show that each check fails on the defect it looks for.
Also: a deep link on a fresh server, the ward filter changing the numbers and the URL, the URL reproducing the
view, and a CSV download holding what the page shows.

Runs `streamlit run dashboard.py` on a free loopback port against data generated into a temporary folder, driven by
Playwright in the system's Chromium (Debian's `chromium-headless-shell`, else `chromium`; Playwright's own browser
download cannot be used here).
Where Chromium is missing these tests FAIL, saying how to install it, unless the run opts out explicitly with
ONE_HALTON_SKIP_BROWSER=1. ONE_HALTON_CHROMIUM names another Chromium binary.
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import browser_checks
import pytest

from onehalton import formats, navigation
from scripts import browser as harness

pytestmark = pytest.mark.browser

SKIP_ENV = "ONE_HALTON_SKIP_BROWSER"
SIZE = "1440x900"  # the screen of every test here but the one that reads each page at both
VIEWPORT = harness.VIEWPORTS[SIZE]
RUN_TIMEOUT_MS = harness.RUN_TIMEOUT_MS
PAGES = {p.url_path: p.heading for p in navigation.PAGES}
HAS_CHARTS = {"starting_well", "living_well", "ageing_well", "wider_determinants", "budget", "ward_profile"}


# ----------------------------------------------------------------------------------------------
# Fixtures


def _chromium() -> str:
    """The system Chromium, or fail (skip only when opted out) saying how to get it."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: browser tests opted out explicitly")
    found = harness.find_chromium()
    if not found:
        pytest.fail(
            "Chromium is not installed, so the browser tests cannot run: `apt-get install chromium-headless-shell` "
            f"(Debian's package; chromium does too), or set {SKIP_ENV}=1 to skip them explicitly.",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return _chromium()


@pytest.fixture(scope="module")
def data_dir(demo_data_dir, chromium_path) -> Path:
    """The real demo generator at scale 1."""
    return demo_data_dir


@pytest.fixture(scope="module")
def server(data_dir, tmp_path_factory):
    try:
        with harness.serve(data_dir, tmp_path_factory.mktemp("browser-server") / "streamlit.log") as url:
            yield url
    except harness.ServerFailed as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def controls(data_dir, tmp_path_factory):
    """The negative-control page, served on its own port."""
    try:
        with harness.serve(
            data_dir,
            tmp_path_factory.mktemp("controls-server") / "streamlit.log",
            script="tests/browser_controls_app.py",
        ) as url:
            yield url
    except harness.ServerFailed as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def browser(chromium_path):
    with harness.chromium(chromium_path) as launched:
        yield launched


@pytest.fixture(scope="module")
def tabs(browser):
    shared = harness.Tabs(browser)
    yield shared
    shared.close()


@pytest.fixture
def page(tabs):
    opened = tabs.open(SIZE)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def ward(data_dir) -> tuple[str, str]:
    """(code, name) of the ward with most appointments, so its numbers differ visibly from Halton's."""
    import pandas as pd

    wards = pd.read_parquet(data_dir / "wards.parquet")
    appointments = (
        pd.concat(pd.read_parquet(p) for p in sorted((data_dir / "appointments").rglob("*.parquet")))
        if (data_dir / "appointments").is_dir()
        else pd.read_parquet(data_dir / "appointments.parquet")
    )
    busiest = appointments.groupby("ward_code")["count_of_appointments"].sum().sort_values().index[-1]
    return busiest, wards.loc[wards["ward_code"] == busiest, "ward_name"].iloc[0]


# ----------------------------------------------------------------------------------------------
# Helpers

wait_idle = harness.wait_idle
open_page = harness.open_page


def kpis_shown(page) -> dict[str, str]:
    """Every KPI on the page, read in one go: label -> shown value (tiles and the Overview's board rows)."""
    pairs = page.locator('[data-testid="stMetric"]').evaluate_all(
        """tiles => tiles.map(t => [
            (t.querySelector('[data-testid="stMetricLabel"]') || {}).innerText || '',
            (t.querySelector('[data-testid="stMetricValue"]') || {}).innerText || ''])"""
    )
    pairs += page.locator("tr[data-kpi]").evaluate_all(
        """rows => rows.map(r => [r.querySelector('.oh-name a').innerText,
                                  r.querySelector('.oh-value').firstChild.textContent])"""
    )
    return {label.strip(): value.strip() for label, value in pairs}


metrics = kpis_shown


def settled_metrics(page, timeout_s: float = 15.0) -> dict[str, str]:
    """The KPIs once two readings 0.4 s apart agree: Streamlit can still be swapping elements in just after a
    run reports it has finished (a URL-bound widget's first run, a tab's first paint)."""
    deadline = time.monotonic() + timeout_s
    previous, shown = None, kpis_shown(page)
    while (shown != previous or not shown) and time.monotonic() < deadline:
        page.wait_for_timeout(400)
        previous, shown = shown, kpis_shown(page)
    return shown


def wait_for_metrics(page, expected: dict[str, str], timeout_s: float = 30.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout_s
    shown = kpis_shown(page)
    while shown != expected and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        shown = kpis_shown(page)
    return shown


def problems_shown(page) -> list[str]:
    """Exceptions and error boxes on the page, as text."""
    found = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return [found.nth(i).inner_text()[:300] for i in range(found.count())]


def warnings_shown(page) -> list[str]:
    found = page.locator('[data-testid="stAlertContentWarning"]')
    return [found.nth(i).inner_text()[:300] for i in range(found.count())]


def choose_ward(page, name: str) -> None:
    """Pick a ward in the sidebar's multiselect, as a person would."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name=name, exact=True).click()
    page.keyboard.press("Escape")


def grid_rows(container) -> list[list[str]]:
    """The body rows a st.dataframe in `container` shows: its accessible grid mirrors the cells on screen."""
    grid = container.locator('[data-testid="stDataFrame"]').first
    grid.locator('[role="gridcell"]').first.wait_for(state="attached")  # the grid draws after it mounts
    rows = grid.locator('[role="row"]')
    body = []
    for i in range(rows.count()):
        cells = rows.nth(i).locator('[role="gridcell"]')
        if cells.count():
            body.append([cells.nth(j).inner_text().strip() for j in range(cells.count())])
    return body


def look(page, base: str, path: str, query: str = "") -> list[str]:
    """Open a page as a person would and list everything wrong with what it shows."""
    seen = browser_checks.watch(page)
    open_page(page, base, path, query)
    if path in HAS_CHARTS:
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    harness.wait_drawn(page)
    where = f"/{path}{'?' + query if query else ''} at {page.viewport_size['width']}x{page.viewport_size['height']}"
    problems = [f"{where}: {p}" for p in problems_shown(page)]
    problems += browser_checks.chart_problems(page, where)
    problems += browser_checks.watched_problems(seen, where)
    return problems


# ----------------------------------------------------------------------------------------------
# Tests


def test_a_shared_deep_link_works_as_the_first_visit_after_a_restart(server, page, ward):
    """First in this module on purpose: the server has served nothing yet, as after a restart or deploy. A link
    someone shared (a page other than the Overview, with a ward) must open that view, with its filters."""
    code, name = ward
    open_page(page, server, "living_well", f"ward={code}")
    assert not problems_shown(page), f"a fresh server's first visit to /living_well shows {problems_shown(page)}"
    assert page.get_by_role("heading", level=1).first.inner_text().strip().startswith("Living Well")
    chosen = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.inner_text()
    assert name in chosen, f"the first paint of a deep link does not show the ward {name} in the sidebar"


def test_navigation_lists_every_page(server, page):
    open_page(page, server)
    hrefs = page.locator('[data-testid="stSidebarNav"] a').evaluate_all(
        "links => links.map(a => new URL(a.href).pathname.replace(/^\\//, ''))"
    )
    assert sorted(hrefs) == sorted(PAGES), f"sidebar navigation lists {hrefs}, expected {sorted(PAGES)}"


@pytest.mark.parametrize("size", list(harness.VIEWPORTS))
@pytest.mark.parametrize("path", list(PAGES), ids=[p or "overview" for p in PAGES])
def test_every_page_reads_as_a_person_would_see_it(server, tabs, path, size):
    page = tabs.open(size)
    try:
        problems = look(page, server, path)
        assert page.get_by_role("heading", level=1).first.inner_text().strip().startswith(PAGES[path])
        if path in HAS_CHARTS:
            assert page.locator('[data-testid="stVegaLiteChart"] svg.marks').count() > 0, f"/{path} draws no chart"
        if path == "" and size == "1280x720":
            problems += browser_checks.board_problems(page, harness.VIEWPORTS[size]["height"])
        assert problems == []
    finally:
        page.close()


def test_a_ward_view_reads_as_well(server, page, ward):
    code, _ = ward
    problems = []
    for path in ("", "living_well", "ward_profile"):
        problems += look(page, server, path, f"ward={code}")
    assert problems == []


def test_bar_charts_in_an_opened_expander_label_every_ward(server, page):
    open_page(page, server, "wider_determinants")
    page.get_by_text("By ward: where need is greatest").first.click()
    wait_idle(page)
    page.locator('[data-testid="stExpanderDetails"] [data-testid="stVegaLiteChart"] svg.marks').first.wait_for()
    harness.wait_drawn(page)
    axes = [a for c in page.evaluate(browser_checks._CHARTS_JS) for a in c["axes"]]
    assert any(a["categories"] == 18 for a in axes), f"no chart of the 18 wards in the opened expander: {axes}"
    assert browser_checks.chart_problems(page, "/wider_determinants, a ward expander open") == []


@pytest.mark.parametrize(
    "defect, expected",
    [
        ("short", "plot area"),
        ("every-other-label", "labels"),
        ("bad-format", "console error"),
        ("clipped-title", "clipped"),
        ("no-marks", "draws no mark"),
        ("external", "asked another host"),
        ("below-the-fold", "not fully visible"),
        ("small-text", "'Fourteen pixel text' (p) is 14 px, under 24 px"),
        ("small-chart-text", "chart text '0.0' (text) is 12 px"),
        ("too-tall", "needs scrolling"),
    ],
)
def test_each_check_fails_on_the_defect_it_looks_for(controls, page, defect, expected):
    seen = browser_checks.watch(page)
    page.goto(f"{controls}/?defect={defect}")
    wait_idle(page)
    page.get_by_text("control page drawn").wait_for()
    page.wait_for_timeout(800)
    found = browser_checks.chart_problems(page, defect) + browser_checks.watched_problems(seen, defect)
    if defect == "below-the-fold":
        found += browser_checks.board_problems(page, harness.VIEWPORTS["1280x720"]["height"])
    if defect in ("small-text", "small-chart-text", "too-tall"):  # presentation mode's checks
        found += browser_checks.small_text_problems(page, defect) + browser_checks.fit_problems(page, defect)
    assert any(expected in p for p in found), f"the {defect} control was not caught: {found}"


def test_ward_filter_changes_numbers_and_url_and_the_url_reproduces_the_view(server, browser, page, ward):
    code, name = ward
    open_page(page, server)
    halton = settled_metrics(page)
    assert halton

    choose_ward(page, name)
    page.wait_for_function("() => new URL(location.href).searchParams.has('ward')")
    page.wait_for_function(
        "before => Array.from(document.querySelectorAll('[data-testid=\"stMetricValue\"]'))"
        ".map(e => e.innerText.trim()).join('|') !== before",
        arg="|".join(halton.values()),
    )
    wait_idle(page)
    by_ward = settled_metrics(page)
    assert by_ward != halton, "choosing a ward did not change the KPI tiles"
    assert problems_shown(page) == []
    assert warnings_shown(page) == [], f"choosing a ward from the list raised warnings: {warnings_shown(page)}"

    url = page.url
    in_url = parse_qs(urlparse(url).query).get("ward", [])
    # Streamlit 1.67 writes a bound multiselect to the URL by its shown label (the ward name); a code is
    # as good, so long as the link opens the same view.
    assert in_url in ([code], [name]), f"the URL {url} does not name the chosen ward {code} ({name})"

    fresh = harness.new_context(browser, VIEWPORT)
    try:
        other = fresh.new_page()
        other.set_default_timeout(RUN_TIMEOUT_MS)
        other.goto(url)
        wait_idle(other)
        assert wait_for_metrics(other, by_ward) == by_ward, "the shared URL did not reproduce the same KPI values"
        assert not problems_shown(other)
        assert warnings_shown(other) == [], (
            f"opening the dashboard's own link {url} warns that part of it was ignored: {warnings_shown(other)}"
        )
        chosen = other.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.inner_text()
        assert name in chosen, f"the ward filter does not show {name} after opening the link"
    finally:
        fresh.close()


def test_csv_download_holds_the_shown_data(server, page):
    open_page(page, server, "living_well")
    page.locator('[data-testid="stMetricLabel"]', has_text="Appointments").first.wait_for()
    tiles = settled_metrics(page)
    page.get_by_role("tab", name="Monthly table").click()
    wait_idle(page)
    panel = page.get_by_role("tabpanel")  # only the open tab's panel is visible
    shown_rows = grid_rows(panel)
    assert shown_rows, "the monthly table shows no rows"

    with page.expect_download() as arrived:
        panel.locator(".st-key-download-living-well-monthly button").click()
    download = arrived.value
    assert download.suggested_filename == "living-well-monthly.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows, "the CSV is empty"

    # The table on screen writes each CSV row as people read it: the month as "Apr 2019", counts with separators.
    for shown, written in zip(shown_rows, rows):
        assert shown[0] == formats.month_name(written["month"] + "-01"), f"table row {shown} against CSV {written}"
        assert shown[1] == formats.fmt(float(written["appointments"]), "count"), f"{shown} against {written}"

    latest = rows[-1]
    appointments = next((v for k, v in tiles.items() if k.startswith("Appointments (")), None)
    per_1000 = next((v for k, v in tiles.items() if k.startswith("Appointments per 1,000")), None)
    assert appointments and per_1000, f"Living Well's tiles are {tiles}"
    assert appointments == formats.fmt(float(latest["appointments"]), "count")
    assert per_1000 == formats.fmt(float(latest["per_1000"]), "rate")
