"""Shared fixtures: the hand-made fixture dataset, a validated database on it, Streamlit cache hygiene,
and a helper that makes an AppTest of the dashboard on a chosen data folder.

Kept general on purpose: other test modules (validation, hostile URLs, lockdown) import from here.
"""

from __future__ import annotations

import atexit
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

import streamlit as st  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

import fixtures  # noqa: E402  (tests/fixtures.py)
from onehalton import config  # noqa: E402

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


@pytest.fixture
def _server_like_navigation(monkeypatch):
    """Make AppTest run the entrypoint on every run, as the server does.

    AppTest resets `PagesManager.uses_pages_directory` before each run, and because a `pages/` folder
    sits beside dashboard.py the flag comes back True, so from the second run on AppTest runs the page
    file alone, in the old pages-directory mode, skipping dashboard.py and with it the shared filters.
    The real server sets the flag False for good on the first `st.navigation` call. This fixture does
    the same on every run (undone after the test)."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def app_test(monkeypatch, data_dir: Path | str, *, query: dict | None = None, page: str | None = None,
             run: bool = True) -> AppTest:
    """An AppTest of dashboard.py on `data_dir`, opened as a link would open it: with URL query parameters
    (a list value is a repeated parameter) on `page` ("pages/budget.py"; default the overview). Runs it
    unless run=False. Needs the `_server_like_navigation` fixture active (the `make_app` fixture brings it)."""
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
    """The page's lazy parts (ui.lazy_expander, ui.lazy_tabs): (expander keys, {tabs key: tab labels}).
    Their element ids end in the widget key Streamlit was given."""
    expanders: list[str] = []
    tabs: dict[str, list[str]] = {}

    def key_of(element_id: str) -> str:
        return element_id.split("-", 2)[2] if element_id.count("-") >= 2 else ""

    def walk(node) -> None:
        kind = getattr(node, "type", None)
        if kind == "expander" and key_of(node.proto.id).startswith("expander-"):
            expanders.append(key_of(node.proto.id))
        elif kind == "tab_container" and key_of(node.proto.id).startswith("tabs-"):
            tabs[key_of(node.proto.id)] = [child.label for child in node.children.values()]
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return expanders, tabs


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
def make_app(monkeypatch, _server_like_navigation):
    """`make_app(data_dir, query=..., page=...)`: app_test() bound to this test's monkeypatch."""

    def make(data_dir: Path | str, **kwargs) -> AppTest:
        return app_test(monkeypatch, data_dir, **kwargs)

    return make


# ------------------------------------------------------------------------------------------------
# Reading an AppTest's output


def node_types(at: AppTest) -> list[str]:
    """Every element type in the rendered tree (e.g. 'vega_lite_chart', 'dataframe', 'metric')."""
    found: list[str] = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            found.append(child.type)
            walk(child)

    walk(at._tree)
    return found


def charts(at: AppTest) -> list:
    """Altair / Vega-Lite charts (`st.altair_chart` renders as element type 'vega_lite_chart')."""
    return list(at.get("vega_lite_chart"))


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def page_problems(at: AppTest) -> list[str]:
    """Exceptions and error boxes a page shows: a healthy page on good data shows none."""
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]
