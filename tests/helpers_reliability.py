"""Fixtures and helpers for the reliability tests (broken extracts, hostile links, lock-down, read-only data).

Every case starts from `fixtures.build`, copied into the test's own folder (conftest's `fixture_copy`). The
dashboard is driven with Streamlit's AppTest, pointed at that folder through ONE_HALTON_DATA_DIR.

Import the fixtures into a test module: `from helpers_reliability import dashboard  # noqa: F401`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from onehalton import config

DASHBOARD = str(config.PROJECT_ROOT / "dashboard.py")
# The pages dashboard.py's navigation lists: a page file not yet in the navigation cannot be opened by a link.
PAGES = tuple(sorted(p.stem for p in (config.PROJECT_ROOT / "pages").glob("*.py")
                     if f'"pages/{p.name}"' in Path(DASHBOARD).read_text()))


def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


class Dashboard:
    """Runs the dashboard with AppTest against one data folder and reads what a user would see."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.monkeypatch = monkeypatch

    def open(self, data_dir: Path, query_params: dict[str, list[str]] | None = None, *,
             fresh: bool = True) -> AppTest:
        """Run the entrypoint, which opens the Overview page, on a new session; with fresh caches unless
        `fresh` is False (for repeated runs on the same unchanged folder within one test)."""
        self.monkeypatch.setenv(config.DATA_DIR_ENV, str(data_dir))
        if fresh:
            clear_caches()
        at = AppTest.from_file(DASHBOARD, default_timeout=60)
        self.set_link(at, query_params)
        at.run()
        return at

    @staticmethod
    def set_link(at: AppTest, query_params: dict[str, list[str]] | None) -> None:
        """Replace the URL's query parameters, as if the user followed a new link."""
        for key in list(at.query_params):
            del at.query_params[key]
        for key, values in (query_params or {}).items():
            at.query_params[key] = list(values)

    @staticmethod
    def show(at: AppTest, page: str) -> AppTest:
        """Switch to a page (the entrypoint must have run once) and render it."""
        at.switch_page(f"pages/{page}.py")
        at.run()
        return at

    @staticmethod
    def notices(at: AppTest) -> list[str]:
        """Text of every visible error and warning."""
        return [str(e.value) for e in at.error] + [str(w.value) for w in at.warning]

    @staticmethod
    def metrics(at: AppTest) -> dict[str, str]:
        return {m.label: m.value for m in at.metric}

    @staticmethod
    def exceptions(at: AppTest) -> list[str]:
        return [str(e.value) for e in at.exception]

    @staticmethod
    def title(at: AppTest) -> str:
        return str(at.title[0].value) if len(at.title) else ""


@pytest.fixture
def dashboard(monkeypatch) -> Dashboard:
    """A `Dashboard` whose runs go through the entrypoint every time, as the server's do.

    AppTest resets `PagesManager.uses_pages_directory` before each run; with a `pages/` folder beside
    dashboard.py it comes back True, and from the second run AppTest would run the page file alone,
    skipping dashboard.py and its shared filters. The server sets it False for good on the first
    `st.navigation` call: so do we, on every run, for this test only.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    yield Dashboard(monkeypatch)
    clear_caches()
