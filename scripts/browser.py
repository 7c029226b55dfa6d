"""Driving the served dashboard in the system Chromium: shared by the browser tests, `make screenshots` and the
benchmark, so there is one way to start a server, launch the browser and wait for a page to finish drawing.

Playwright never downloads a browser here: it launches Debian's Chromium by `executable_path`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ENV = "ONE_HALTON_CHROMIUM"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach Google's services, which this network does not have.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The headless shell hints glyphs by default, which sets text wider than the full browser does on Linux: on
    # the Overview at 1280x720 the "Needs attention" list took a third line and pushed the last KPI row 19 px
    # below the first screen. Unhinted, it lays out text exactly as the full browser (the same row positions).
    "--font-render-hinting=none",
]
# The two screens the dashboard is read on: a laptop, and the 1280x720 projector at forum meetings.
VIEWPORTS = {"1440x900": {"width": 1440, "height": 900}, "1280x720": {"width": 1280, "height": 720}}
SERVER_START_TIMEOUT = 90  # seconds: the first start imports pandas, altair, duckdb and validates the data
RUN_TIMEOUT_MS = 60_000  # one script run, the first (cold) one included
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'


# Debian's chromium-headless-shell first: the same Blink, V8 and Skia as the chromium package, without the
# browser's UI process and services, and the build Playwright itself uses for headless runs. Loading every page at
# both screen sizes took about a third less CPU in it (47 against 72 CPU-s, three runs each on 2 cores), and the
# browser tests are a third of the suite's CPU. The full browser is the fallback, and ONE_HALTON_CHROMIUM picks one.
CHROMIUM_BINARIES = ("chromium-headless-shell", "chromium", "chromium-browser")


def find_chromium() -> str | None:
    found = os.environ.get(CHROMIUM_ENV) or next(filter(None, map(shutil.which, CHROMIUM_BINARIES)), None)
    return found if found and Path(found).exists() else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class ServerFailed(RuntimeError):
    pass


@contextlib.contextmanager
def serve(
    data_dir: Path, log_path: Path, *, env: dict | None = None, port: int | None = None, script: str = "dashboard.py"
):
    """`streamlit run dashboard.py` (or another script) on a loopback port against `data_dir`; yields its URL."""
    from onehalton import config

    port = port or free_port()
    environment = dict(os.environ, **{config.DATA_DIR_ENV: str(data_dir), "PYTHONUNBUFFERED": "1"}, **(env or {}))
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        # Others may edit the source while this runs: a file change must not rerun or restart the app.
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while not healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise ServerFailed(
                        f"the dashboard did not start (exit code {process.poll()}):\n" + log_path.read_text()[-3000:]
                    )
                time.sleep(0.25)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def chromium(executable: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def new_context(browser, viewport: dict, **options):
    """A browser context for the checks: the reader has asked for reduced motion (an accessibility setting), so
    Streamlit's spinners and transitions do not keep Chromium repainting while a check waits for a page to settle.
    What is laid out and drawn is the same. Loading every page at both sizes took 56 against 62 CPU-s (two runs
    each); the four browser modules together 176-177 against 181. `make screenshots` keeps the default: it shows
    what most readers see."""
    return browser.new_context(viewport=viewport, reduced_motion="reduce", **options)


class Tabs:
    """New tabs in one browser context per screen size, for the tests of a module. Each tab is a Streamlit session
    of its own (its own script runs, filters and URL), but the frontend's scripts come from the context's cache,
    already compiled: a fresh context per test made Chromium fetch and compile them for every page, about a tenth
    of a page load's CPU. A test that must be a stranger to the others (a shared link opened elsewhere) still makes
    a context of its own."""

    def __init__(self, browser):
        self.browser = browser
        self._contexts: dict[str, object] = {}

    def open(self, size: str = "1440x900"):
        context = self._contexts.get(size)
        if context is None:
            context = self._contexts[size] = new_context(self.browser, VIEWPORTS[size], accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(RUN_TIMEOUT_MS)
        return page

    def close(self) -> None:
        for context in self._contexts.values():
            context.close()
        self._contexts.clear()


def wait_idle(page, settle_ms: int = 400) -> None:
    """Wait until the app is connected and its script has finished, and stays so for a moment (a widget change
    can start the next run a little after the click)."""
    for _ in range(5):
        page.wait_for_selector(IDLE, timeout=RUN_TIMEOUT_MS)
        page.wait_for_timeout(settle_ms)
        if (
            page.locator(IDLE).count()
            and not page.locator('[data-testid="stStatusWidget"]').count()
            and not page.locator('[data-stale="true"]').count()
        ):
            return
    page.wait_for_selector(IDLE, timeout=RUN_TIMEOUT_MS)


_ALL_DRAWN = """() => Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
                     .every(c => c.querySelector('canvas, svg.marks'))"""


def wait_drawn(page, timeout_ms: int = 20_000, settle_ms: int = 300) -> None:
    """Wait until every chart on the page has drawn (vega-embed puts its canvas or svg in place), and is still
    drawn a moment later: a chart can be drawn again as the page settles, and has no svg meanwhile. Read at the
    first moment all were drawn, a loaded run once found four of Living Well's charts blank in a ward view."""
    for _ in range(5):
        page.wait_for_function(_ALL_DRAWN, timeout=timeout_ms)
        page.wait_for_timeout(settle_ms)
        if page.evaluate(_ALL_DRAWN):
            return
    page.wait_for_function(_ALL_DRAWN, timeout=timeout_ms)


def wait_for_screen(page, number: int, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Presentation mode: wait until the URL and the footer both say screen `number` and the run has finished."""
    page.wait_for_function(
        """n => {
            const count = document.querySelector('[data-testid="oh-present-count"]');
            return new URL(location.href).searchParams.get('screen') === String(n)
                && !!count && count.innerText.trim().startsWith(`Screen ${n} of `);
        }""",
        arg=number,
        timeout=timeout_ms,
    )
    wait_idle(page)


def open_page(page, base: str, path: str = "", query: str = "") -> None:
    page.goto(f"{base}/{path}" + (f"?{query}" if query else ""))
    wait_idle(page)
    page.get_by_role("heading", level=1).first.wait_for()
