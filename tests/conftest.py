"""Shared fixtures: the hand-made fixture dataset, a validated database on it, Streamlit cache hygiene,
and a helper that makes an AppTest of the dashboard on a chosen data folder.

Kept general on purpose: other test modules (validation, hostile URLs, lockdown) import from here.
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = Path(__file__).resolve().parent
for _path in (str(PROJECT_ROOT), str(TESTS_DIR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import fixtures  # noqa: E402  (tests/fixtures.py)
import streamlit as st  # noqa: E402
from hypothesis import settings  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from onehalton import config  # noqa: E402

# Property tests draw the same examples on every run (and in CI), so a red run reproduces on any machine and a
# green one is not luck; `HYPOTHESIS_PROFILE=explore` draws fresh examples when hunting for new failures.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DASHBOARD = PROJECT_ROOT / "dashboard.py"
APP_TIMEOUT = 60  # seconds for one script run; the first run in a process pays for the imports

# Folders every test may share: caches built on them stay valid for the whole session.
_SHARED_DIRS: set[str] = {str(config.DEMO_DATA_DIR)}
# Folders the current test pointed the app at (through `use_data_dir` / `app_test`).
_USED_DIRS: set[str] = set()


def pytest_configure(config):
    # The validation cache (onehalton/validation_cache.py) of a test run lives and dies with it, never in ~/.cache;
    # servers the tests start inherit it.
    os.environ["ONE_HALTON_CACHE_DIR"] = tempfile.mkdtemp(prefix="onehalton-test-cache-")
    atexit.register(shutil.rmtree, os.environ["ONE_HALTON_CACHE_DIR"], True)
    config.addinivalue_line("markers", "fresh_cache: clear st.cache_data and st.cache_resource before the test")
    config.addinivalue_line("markers", "slow: generates the full demo dataset")


def pytest_collection_modifyitems(config, items):
    """Modules that drive Chromium first, then the rest by number of tests, each module's tests kept together and
    in order. `make test` hands whole modules to its workers in this order (--dist loadfile
    --no-loadscope-reorder): the browser modules are the longest (test_browser.py alone is half a worker's
    share), and one started last kept a worker busy while the others sat idle."""
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    order = sorted(
        modules.values(), key=lambda tests: (not any(t.get_closest_marker("browser") for t in tests), -len(tests))
    )
    items[:] = [test for tests in order for test in tests]


def clear_streamlit_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory) -> Path:
    """The hand-made dataset of tests/fixtures.py, built once per session (per xdist worker). Read-only:
    a test that wants to break it copies it first (`fixture_copy`)."""
    folder = fixtures.build(tmp_path_factory.mktemp("fixture") / "data")
    _SHARED_DIRS.add(str(folder.resolve()))
    return folder


DEMO_END_MONTH = (2026, 10, 1)  # the demo data's last month in tests: fixed, so known answers stay known


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory) -> Path:
    """The generated demo data at scale 1, made once per test run and shared by every xdist worker (the first
    to arrive generates it under a lock; the rest wait and reuse it). Read-only: copy it to change it."""
    import datetime

    from onehalton import demo_data

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder every worker's basetemp sits in
    folder = root / "demo-data-shared" / "data"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "manifest.json").exists():
            partial = folder.parent / "partial"
            shutil.rmtree(partial, ignore_errors=True)
            demo_data.generate(partial, scale=1, end_month=datetime.date(*DEMO_END_MONTH))
            partial.rename(folder)
    _SHARED_DIRS.add(str(folder.resolve()))
    return folder


@pytest.fixture
def fixture_copy(fixture_dir, tmp_path) -> Path:
    """A private copy of the fixture dataset that a test may corrupt."""
    return Path(shutil.copytree(fixture_dir, tmp_path / "data"))


@pytest.fixture(scope="session")
def fixture_db(fixture_dir):
    """A validated Database on the fixture dataset (no Streamlit caching involved)."""
    from onehalton.db import Database

    return Database(fixture_dir)


@pytest.fixture(autouse=True)
def _streamlit_caches(request, monkeypatch):  # monkeypatch first, so the test's env is still set at teardown
    """Clear Streamlit's caches where needed: before a test marked `fresh_cache`, and after any test
    that pointed the app at a folder of its own (a corrupted copy, say), so its validated database
    and query results never outlive it. Tests on the shared fixture or demo data keep the warm caches:
    cache keys include the folder and a fingerprint of its files, so they cannot serve stale data."""
    if request.node.get_closest_marker("fresh_cache"):
        clear_streamlit_caches()
    _USED_DIRS.clear()
    before = os.environ.get(config.DATA_DIR_ENV)
    yield
    during = {str(Path(d).resolve()) for d in _USED_DIRS}
    after = os.environ.get(config.DATA_DIR_ENV)
    if after and after != before:
        during.add(str(Path(after).resolve()))
    if during - _SHARED_DIRS:
        clear_streamlit_caches()
    _USED_DIRS.clear()


def use_data_dir(monkeypatch, folder: Path | str) -> None:
    """Point the app (config.data_dir) at `folder` for the rest of the test."""
    monkeypatch.setenv(config.DATA_DIR_ENV, str(folder))
    _USED_DIRS.add(str(folder))


def app_test(
    monkeypatch, data_dir: Path | str, *, query: dict | None = None, page: str | None = None, run: bool = True
) -> AppTest:
    """An AppTest of dashboard.py on `data_dir`, opened as a link would open it: with URL query parameters
    (a list value is a repeated parameter) on `page` ("pages/budget.py"; default the overview). Runs it
    unless run=False."""
    use_data_dir(monkeypatch, data_dir)
    at = AppTest.from_file(str(DASHBOARD), default_timeout=APP_TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)  # before the first run: the page is the link's path
    if run:
        at.run()
    return at


def lazy_parts(at: AppTest) -> tuple[list[str], dict[str, list[str]]]:
    """The page's lazy parts (frame.lazy_expander, frame.lazy_tabs), as the page recorded them on its last run:
    (expander keys, {tabs key: tab labels})."""
    from onehalton import frame

    parts = at.session_state[frame.LAZY_PARTS] if frame.LAZY_PARTS in at.session_state else {}
    return list(dict.fromkeys(parts.get("expanders", []))), dict(parts.get("tabs", {}))


def open_lazy_views(at: AppTest):
    """Rerun the page with every lazy expander open and each tab in turn (tab i of every tab set at once),
    yielding a description of each view after its run: lazy parts are only drawn when open, and a test
    that inspects a page must see them too."""
    expanders, tabs = lazy_parts(at)
    if not expanders and not tabs:
        return
    for i in range(max((len(labels) for labels in tabs.values()), default=1)):
        for key in expanders:
            at.session_state[key] = True
        for key, labels in tabs.items():
            at.session_state[key] = labels[min(i, len(labels) - 1)]
        at.run()
        yield f"expanders open, tab {i + 1} of each tab set open"


@pytest.fixture
def make_app(monkeypatch):
    """`make_app(data_dir, query=..., page=...)`: app_test() bound to this test's monkeypatch."""

    def make(data_dir: Path | str, **kwargs) -> AppTest:
        return app_test(monkeypatch, data_dir, **kwargs)

    return make


# ------------------------------------------------------------------------------------------------
# Reading an AppTest's output


def charts(at: AppTest) -> list:
    """Altair / Vega-Lite charts (`st.altair_chart` renders as element type 'vega_lite_chart')."""
    return list(at.get("vega_lite_chart"))


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def metrics(at: AppTest) -> dict[str, str]:
    """Every KPI shown: tiles (label -> value) and the Overview's board rows (KPI name -> latest value)."""
    shown = {m.label: m.value for m in at.metric}
    for element in at.get("html"):
        shown.update(board_rows(element.proto.body))
    return shown


def board_rows(html: str) -> dict[str, str]:
    """The board summary's rows in an st.html body: KPI name -> latest value as written."""
    import re
    from html import unescape

    rows = re.findall(r'<tr data-kpi="[^"]*".*?<a [^>]*>(.*?)</a>.*?<td class="oh-value">(.*?)<div', html, re.S)
    return {unescape(name): unescape(value) for name, value in rows}


def chart_specs(at: AppTest) -> list[dict]:
    """The Vega-Lite spec of every chart on the page, as the browser is sent it."""
    return [json.loads(chart.proto.spec) for chart in charts(at)]


def invalid_chart_specs(at: AppTest) -> list[str]:
    """Every chart on the page whose Vega-Lite spec breaks the schema, with the reason. The dashboard builds its
    charts without Altair's validation (charts._template says why), so the tests validate what the browser is
    sent instead."""
    return [f"chart {n + 1}: {error}" for n, spec in enumerate(chart_specs(at)) if (error := spec_error(spec))]


def spec_error(spec: dict) -> str | None:
    """Why `spec` is not valid Vega-Lite (the schema of the installed Altair), or None."""
    import jsonschema

    found = jsonschema.exceptions.best_match(_vega_lite_validator().iter_errors(spec))
    return None if found is None else f"{found.message[:200]} at {'/'.join(map(str, found.absolute_path))}"


@functools.lru_cache(maxsize=1)
def _vega_lite_validator():
    import altair as alt
    import jsonschema

    schema = alt.vegalite.v6.schema.load_schema()
    return jsonschema.validators.validator_for(schema)(schema)


def page_problems(at: AppTest) -> list[str]:
    """Exceptions and error boxes a page shows: a healthy page on good data shows none."""
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]
