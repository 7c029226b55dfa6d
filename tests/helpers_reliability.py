"""Fixtures and helpers for the reliability tests (broken extracts, hostile links, lock-down, read-only data).

Every case starts from `fixtures.build`, copied into the test's own folder (conftest's `fixture_copy`). The
dashboard is driven with Streamlit's AppTest, pointed at that folder through ONE_HALTON_DATA_DIR.

Import the fixtures into a test module: `from helpers_reliability import dashboard  # noqa: F401`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from onehalton import config, navigation

DASHBOARD = str(config.PROJECT_ROOT / "dashboard.py")
# The pages the navigation lists (onehalton/navigation.py, the one page registry).
PAGES = tuple(sorted(Path(p.script).stem for p in navigation.PAGES))


def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


class Dashboard:
    """Runs the dashboard with AppTest against one data folder and reads what a user would see."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.monkeypatch = monkeypatch

    def open(self, data_dir: Path, query_params: dict[str, list[str]] | None = None, *, fresh: bool = True) -> AppTest:
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
        """Tiles and the Overview's board rows: label -> shown value."""
        import conftest

        return conftest.metrics(at)

    @staticmethod
    def exceptions(at: AppTest) -> list[str]:
        return [str(e.value) for e in at.exception]

    @staticmethod
    def title(at: AppTest) -> str:
        return str(at.title[0].value) if len(at.title) else ""


@pytest.fixture
def dashboard(monkeypatch) -> Dashboard:
    """A `Dashboard` on a data folder of the test's choosing; caches cleared after."""
    yield Dashboard(monkeypatch)
    clear_caches()
