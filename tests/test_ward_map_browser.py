"""The ward map and compare-areas in a real browser: the map draws all 18 wards, a click on a ward chooses it
and the URL carries it, and compare-areas names every ward.

pages/ward_need.py is not in dashboard.py's navigation yet (the lead adds it), so this serves it through a
stand-in entrypoint that draws the same shared filters. Server and Chromium handling as tests/test_browser.py
(whose helpers it uses): where Chromium is missing this FAILS unless ONE_HALTON_SKIP_BROWSER=1.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from test_browser import VIEWPORT, _chromium

from scripts.browser import CHROMIUM_ARGS, RUN_TIMEOUT_MS

pytestmark = pytest.mark.browser

HOUGH_GREEN = "E05013183"


@pytest.fixture(scope="module")
def need_server(tmp_path_factory, demo_data_dir):
    """The dashboard served on demo data; yields the Where need is greatest page's URL and Chromium."""
    chromium = _chromium()
    from scripts import browser as harness

    root = tmp_path_factory.mktemp("need-browser")
    data = demo_data_dir
    try:
        with harness.serve(data, root / "streamlit.log") as url:
            yield f"{url}/ward_need", chromium
    except harness.ServerFailed as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def page(need_server):
    from playwright.sync_api import sync_playwright

    url, chromium = need_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport=VIEWPORT)
        tab.set_default_timeout(RUN_TIMEOUT_MS)
        yield tab, url
        browser.close()


def _ward_names_in(element) -> set[str]:
    labels = [p.get_attribute("aria-label") or "" for p in element.query_selector_all("path[aria-label]")]
    return {part.split(": ", 1)[1] for label in labels for part in label.split("; ") if part.startswith("Ward: ")}


def _charts(tab):
    tab.wait_for_function("document.querySelectorAll('.vega-embed svg').length >= 2")
    tab.wait_for_timeout(1000)  # let Vega finish drawing
    return tab.query_selector_all(".vega-embed")


def test_the_map_draws_18_wards_and_compare_areas_names_every_ward(page):
    tab, url = page
    tab.goto(url)
    ward_map, compare = _charts(tab)[:2]
    assert len(_ward_names_in(ward_map)) == 18
    axis_text = compare.inner_text() if compare.inner_text() else ""
    svg_text = compare.eval_on_selector("svg", "s => s.textContent")
    for name in _ward_names_in(ward_map):
        assert name in svg_text or name in axis_text, name


def test_a_click_on_a_ward_chooses_it_and_the_url_carries_it(page):
    tab, url = page
    tab.goto(url)
    ward_map = _charts(tab)[0]
    tiles = [
        p
        for p in ward_map.query_selector_all("path[aria-label]")
        if "Ward: Hough Green" in (p.get_attribute("aria-label") or "")
    ]
    assert tiles
    tiles[-1].click()  # the topmost: the click target over the tile and its name
    tab.wait_for_function(f"window.location.search.includes('{HOUGH_GREEN}')")
    assert parse_qs(urlparse(tab.url).query)["ward"] == [HOUGH_GREEN]
    tab.wait_for_function("document.querySelector('[data-testid=\"stMultiSelect\"]').innerText.includes('Hough Green')")
    # The chosen ward now has its spine chart.
    tab.wait_for_function("document.body.innerText.includes('Spine chart')")
