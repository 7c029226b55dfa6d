"""The dashboard in a real browser: every page renders, the ward filter changes the numbers and the URL,
the URL reproduces the view in a fresh browser, and a CSV download holds what the page shows.

Runs `streamlit run dashboard.py` as a subprocess on a free loopback port against data generated into a
temporary folder, and drives it with Playwright in the system's Chromium (Debian's `chromium` package:
Playwright's own browser download cannot be used here). Where Chromium is missing these tests FAIL, saying
how to install it, unless the run opts out explicitly with ONE_HALTON_SKIP_BROWSER=1. ONE_HALTON_CHROMIUM names
another Chromium binary; ONE_HALTON_SCREENSHOT_DIR where the Overview and Living Well screenshots go.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from onehalton import config

pytestmark = pytest.mark.browser

SKIP_ENV = "ONE_HALTON_SKIP_BROWSER"
SCREENSHOT_DIR = Path(os.environ.get("ONE_HALTON_SCREENSHOT_DIR", "/tmp/onehalton-screenshots"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium keeps trying to reach Google's services, which this network does not have.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 900}

# URL path -> page title, as dashboard.py's st.navigation declares them (checked against the sidebar).
PAGES = {
    "": "One Halton: overview",
    "starting_well": "Starting Well",
    "living_well": "Living Well",
    "ageing_well": "Ageing Well",
    "wider_determinants": "Wider Determinants",
    "budget": "Budget",
    "ward_profile": "Ward profile",
    "about": "About the data",
}
# What each page must show with valid data: KPI tiles, and charts (vega-embed), at the least.
HAS_METRICS = {"", "starting_well", "living_well", "ageing_well", "wider_determinants", "budget"}
HAS_CHARTS = {"starting_well", "living_well", "ageing_well", "wider_determinants", "budget", "ward_profile"}

SERVER_START_TIMEOUT = 90  # seconds: first start imports pandas, altair, duckdb and validates the data
RUN_TIMEOUT_MS = 60_000  # a script run, including the first (cold) one


# ----------------------------------------------------------------------------------------------
# Fixtures


def _chromium() -> str:
    """The system Chromium, or fail (skip only when opted out) saying how to get it."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: browser tests opted out explicitly")
    found = os.environ.get("ONE_HALTON_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        pytest.fail("Chromium is not installed, so the browser tests cannot run: `apt-get install chromium` "
                    f"(Debian's package), or set {SKIP_ENV}=1 to skip them explicitly.", pytrace=False)
    return found


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return _chromium()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, chromium_path) -> Path:
    """The real demo generator at scale 1 where it exists, else the hand-made fixture dataset."""
    folder = tmp_path_factory.mktemp("browser-data") / "data"
    try:
        from onehalton import demo_data
    except ImportError:
        demo_data = None
    if demo_data is not None and hasattr(demo_data, "generate"):
        demo_data.generate(folder, scale=1, end_month=date(2026, 10, 1))
    else:
        from tests import fixtures
        fixtures.build(folder)
    return folder


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    import urllib.request
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(data_dir, tmp_path_factory):
    """`streamlit run dashboard.py` on a free loopback port; yields its base URL."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("browser-server") / "streamlit.log"
    env = dict(os.environ, **{config.DATA_DIR_ENV: str(data_dir), "PYTHONUNBUFFERED": "1"})
    command = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false",
               # Others edit the source while tests run: a file change must not rerun or restart the app.
               "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    log = open(log_path, "w")
    process = subprocess.Popen(command, cwd=config.PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"the dashboard did not start (exit code {process.poll()}):\n"
                            + log_path.read_text()[-3000:], pytrace=False)
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(RUN_TIMEOUT_MS)
    yield opened
    context.close()


@pytest.fixture(scope="module")
def ward(data_dir) -> tuple[str, str]:
    """(code, name) of the ward to filter by: the one with most appointments, so its numbers are not all
    suppressed and differ visibly from Halton's."""
    import pandas as pd

    wards = pd.read_parquet(data_dir / "wards.parquet") if (data_dir / "wards.parquet").exists() else \
        pd.concat(pd.read_parquet(p) for p in sorted((data_dir / "wards").glob("*.parquet")))
    appointments = _read_table(data_dir, "appointments")
    busiest = appointments.groupby("ward_code")["count_of_appointments"].sum().sort_values().index[-1]
    name = wards.loc[wards["ward_code"] == busiest, "ward_name"].iloc[0]
    return busiest, name


def _read_table(data_dir: Path, name: str):
    import pandas as pd

    single = data_dir / f"{name}.parquet"
    if single.exists():
        return pd.read_parquet(single)
    return pd.concat(pd.read_parquet(p) for p in sorted((data_dir / name).rglob("*.parquet")))


# ----------------------------------------------------------------------------------------------
# Helpers


def wait_idle(page, settle_ms: int = 400) -> None:
    """Wait until the app is connected and its script has finished running, and stays so for a moment
    (a widget change can start the next run a little after the click)."""
    selector = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
    for _ in range(5):
        page.wait_for_selector(selector, timeout=RUN_TIMEOUT_MS)
        page.wait_for_timeout(settle_ms)
        if (page.locator(selector).count() and not page.locator('[data-testid="stStatusWidget"]').count()
                and not page.locator('[data-stale="true"]').count()):
            return
    page.wait_for_selector(selector, timeout=RUN_TIMEOUT_MS)


def wait_for_metrics(page, expected: dict[str, str], timeout_s: float = 30.0) -> dict[str, str]:
    """The page's tiles once they equal `expected`, or as they are when `timeout_s` has passed."""
    deadline = time.monotonic() + timeout_s
    shown = metrics(page)
    while shown != expected and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        shown = metrics(page)
    return shown


def open_page(page, base: str, path: str = "", query: str = "") -> None:
    page.goto(f"{base}/{path}" + (f"?{query}" if query else ""))
    wait_idle(page)
    page.get_by_role("heading", level=1).first.wait_for()


def metrics(page) -> dict[str, str]:
    """Every KPI tile on the page, read in one go: label -> shown value."""
    pairs = page.locator('[data-testid="stMetric"]').evaluate_all(
        """tiles => tiles.map(t => [
            (t.querySelector('[data-testid="stMetricLabel"]') || {}).innerText || '',
            (t.querySelector('[data-testid="stMetricValue"]') || {}).innerText || ''])""")
    return {label.strip(): value.strip() for label, value in pairs}


def settled_metrics(page, timeout_s: float = 15.0) -> dict[str, str]:
    """The tiles once two readings 0.4 s apart agree: Streamlit can still be swapping elements in just after a
    run reports it has finished (a URL-bound widget's first run, a tab's first paint)."""
    deadline = time.monotonic() + timeout_s
    previous, shown = None, metrics(page)
    while (shown != previous or not shown) and time.monotonic() < deadline:
        page.wait_for_timeout(400)
        previous, shown = shown, metrics(page)
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


def _number(text: str) -> float | str:
    cleaned = text.strip().replace(",", "").replace("£", "")
    try:
        return float(cleaned)
    except ValueError:
        return text.strip()


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


# ----------------------------------------------------------------------------------------------
# Tests


def test_a_shared_deep_link_works_as_the_first_visit_after_a_restart(server, page, ward):
    """First in this module on purpose: the server has served nothing yet, as after a restart or deploy. A link
    someone shared (a page other than the Overview, with a ward) must open that view, not an error."""
    code, name = ward
    open_page(page, server, "living_well", f"ward={code}")
    assert not problems_shown(page), f"a fresh server's first visit to /living_well shows {problems_shown(page)}"
    assert page.get_by_role("heading", level=1).first.inner_text().strip().startswith("Living Well")


def test_navigation_lists_every_page(server, page):
    open_page(page, server)
    hrefs = page.locator('[data-testid="stSidebarNav"] a').evaluate_all(
        "links => links.map(a => new URL(a.href).pathname.replace(/^\\//, ''))")
    assert sorted(hrefs) == sorted(PAGES), f"sidebar navigation lists {hrefs}, expected {sorted(PAGES)}"


@pytest.mark.parametrize("path", list(PAGES), ids=[p or "overview" for p in PAGES])
def test_page_renders_without_errors(server, page, path):
    open_page(page, server, path)
    assert page.get_by_role("heading", level=1).first.inner_text().strip().startswith(PAGES[path])
    assert not problems_shown(page), f"/{path} shows errors: {problems_shown(page)}"
    if path in HAS_METRICS:
        # A page whose filters settle from the URL can finish a run and start another before its tiles draw.
        page.locator('[data-testid="stMetric"]').first.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
        shown = settled_metrics(page)
        assert shown, f"/{path} shows no KPI tiles"
    if path in HAS_CHARTS:
        charts = page.locator(".vega-embed canvas, .vega-embed svg")
        charts.first.wait_for(state="visible")
        assert charts.count() > 0, f"/{path} shows no charts"
    if path in ("", "living_well"):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{path or 'overview'}-1440x900.png"))


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
        arg="|".join(halton.values()))
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

    fresh = browser.new_context(viewport=VIEWPORT)
    try:
        other = fresh.new_page()
        other.set_default_timeout(RUN_TIMEOUT_MS)
        other.goto(url)
        wait_idle(other)
        assert wait_for_metrics(other, by_ward) == by_ward, "the shared URL did not reproduce the same KPI values"
        assert not problems_shown(other)
        assert warnings_shown(other) == [], (
            f"opening the dashboard's own link {url} warns that part of it was ignored: {warnings_shown(other)}")
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
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, "the CSV is empty"

    # The table on screen: each row it draws equals the CSV's row in the same place. The grid draws only the
    # rows and columns in view (the leftmost ones, in the CSV's order), so those are what is compared.
    columns = list(rows[0])
    for shown, written in zip(shown_rows, rows):
        assert 2 <= len(shown) <= len(columns), f"table row {shown} does not fit the CSV's columns {columns}"
        assert [_number(v) for v in shown] == [_number(written[c]) for c in columns[:len(shown)]], \
            f"the table shows {shown}, the CSV holds {written}"

    # The tiles: the latest month of the CSV is what they show.
    latest = rows[-1]
    appointments = next((v for k, v in tiles.items() if k.startswith("Appointments")), None)
    per_1000 = next((v for k, v in tiles.items() if k.startswith("Per 1,000")), None)
    assert appointments and per_1000, f"Living Well's tiles are {tiles}"
    assert _number(appointments) == float(latest["appointments"])
    assert per_1000 == f"{float(latest['per_1000']):,.1f}"
