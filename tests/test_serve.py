"""More than one server process (scripts/serve.py, `make serve`): HAProxy in front of two workers, and a worker
killed while browsers are open costs them nothing: every session reconnects to the live worker, draws the same
view from its URL, and every request after the reconnect succeeds.

Like tests/test_browser.py, this drives the system Chromium with Playwright and fails, saying how to install
what is missing (Chromium, HAProxy), unless ONE_HALTON_SKIP_BROWSER=1 opts out explicitly. The config tests at
the end need only HAProxy's `-c` check.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse

import pytest
from test_browser import _chromium, kpis_shown, problems_shown

from onehalton import config
from scripts import browser as harness
from scripts import serve

SKIP_ENV = "ONE_HALTON_SKIP_BROWSER"
RUN_TIMEOUT_MS = harness.RUN_TIMEOUT_MS
START_TIMEOUT_S = 120
# (page path, ward code): each session its own view, so a session that came back showing another's would show.
VIEWS = [("", "E05013174"), ("", "E05013179"), ("living_well", "E05013180"), ("ageing_well", "E05013186")]
WARD_NAMES = {
    "E05013174": "Central & West Bank",
    "E05013179": "Halton Castle",
    "E05013180": "Halton Lea",
    "E05013186": "Norton South & Preston Brook",
}
CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
IDLE = harness.IDLE


def _haproxy() -> str:
    try:
        return serve.haproxy_binary()
    except SystemExit as exc:
        if os.environ.get(SKIP_ENV) == "1":
            pytest.skip(f"{SKIP_ENV}=1: browser and balancer tests opted out explicitly")
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return _chromium()


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.fixture(scope="module")
def balancer(tmp_path_factory, chromium_path, demo_data_dir):
    """`python -m scripts.serve --workers 2` on loopback ports, on the session's demo data; yields (url, state
    file)."""
    _haproxy()
    work = tmp_path_factory.mktemp("serve")
    data = demo_data_dir
    port, first, second = _free_ports(3)
    state = work / "state.json"
    log_path = work / "serve.log"
    env = dict(os.environ, **{config.DATA_DIR_ENV: str(data), "PYTHONUNBUFFERED": "1"})
    command = [
        sys.executable,
        "-m",
        "scripts.serve",
        "--workers",
        "2",
        "--port",
        str(port),
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-ports",
        f"{first},{second}",
        "--state",
        str(state),
    ]
    log = open(log_path, "w")
    process = subprocess.Popen(command, cwd=config.PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (state.exists() and serve.healthy(f"127.0.0.1:{port}")):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"make serve did not start (exit {process.poll()}):\n{log_path.read_text()[-3000:]}", pytrace=False
                )
            time.sleep(0.25)
        yield f"http://127.0.0.1:{port}", state, log_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(chromium_path):
    with harness.chromium(chromium_path) as launched:
        yield launched


metrics = kpis_shown  # every KPI shown: tiles and the Overview's board rows (test_browser's reading of a page)


def settled(page, timeout_s: float = 30.0) -> dict[str, str]:
    """The tiles once the run has finished and two readings 0.4 s apart agree."""
    page.wait_for_selector(IDLE, timeout=RUN_TIMEOUT_MS)
    deadline = time.monotonic() + timeout_s
    previous, shown = None, metrics(page)
    while (
        shown != previous or not shown or page.locator('[data-stale="true"]').count()
    ) and time.monotonic() < deadline:
        page.wait_for_timeout(400)
        page.wait_for_selector(IDLE, timeout=RUN_TIMEOUT_MS)
        previous, shown = shown, metrics(page)
    return shown


def _base_path_probe(response) -> bool:
    """Streamlit's frontend, opened at /<page>, first asks for /<page>/_stcore/health and host-config in case the
    app is served under that base path, and falls back to /_stcore/… on the 404; one Streamlit process answers
    the same way. Only that probe's 404 is not a failure."""
    parts = urlparse(response.url).path.strip("/").split("/")
    return (
        response.status == 404 and len(parts) == 3 and parts[1] == "_stcore" and parts[2] in ("health", "host-config")
    )


def worker_of(context) -> str:
    return next((c["value"] for c in context.cookies() if c["name"] == "ONEHALTON_WORKER"), "")


class Session:
    """One browser (its own cookies, so its own worker) with one view open, and every request it makes."""

    def __init__(self, browser, url: str, path: str, ward: str):
        self.context = harness.new_context(browser, {"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.page.set_default_timeout(RUN_TIMEOUT_MS)
        self.path, self.ward = path, ward
        self.failures: list[tuple[float, str]] = []
        self.sockets: list[tuple[float, str]] = []
        # Requests to the dashboard only: Streamlit also asks Google for icons, which this network does not reach.
        ours = url + "/"
        self.page.on(
            "requestfailed",
            lambda r: r.url.startswith(ours) and self.failures.append((time.monotonic(), f"{r.url}: {r.failure}")),
        )
        self.page.on(
            "response",
            lambda r: (
                r.url.startswith(ours)
                and r.status >= 400
                and not _base_path_probe(r)
                and self.failures.append((time.monotonic(), f"{r.url}: HTTP {r.status}"))
            ),
        )
        self.page.on("websocket", lambda ws: self.sockets.append((time.monotonic(), ws.url)))
        self.page.goto(f"{url}/{path}?ward={ward}")
        self.tiles = settled(self.page)
        self.worker = worker_of(self.context)

    def view(self) -> tuple[str, list[str]]:
        parsed = urlparse(self.page.url)
        return parsed.path.strip("/"), parse_qs(parsed.query).get("ward", [])


@pytest.mark.browser
def test_a_worker_killed_with_sessions_open_costs_them_nothing(balancer, browser):
    url, state_file, log_path = balancer
    sessions = [Session(browser, url, path, ward) for path, ward in VIEWS]
    try:
        for s in sessions:
            assert s.tiles, f"/{s.path}?ward={s.ward} drew no tiles before the kill"
            assert not problems_shown(s.page), problems_shown(s.page)
        by_worker = {w: [s for s in sessions if s.worker == w] for w in {s.worker for s in sessions}}
        assert set(by_worker) == {"w1", "w2"}, f"sessions were not spread over both workers: {by_worker}"
        victim = sessions[0].worker
        state = json.loads(state_file.read_text())
        killed_at = time.monotonic()
        os.kill(state["workers"][victim]["pid"], signal.SIGKILL)

        for s in sessions:
            moved = s.worker == victim
            if moved:
                # The browser notices its WebSocket has gone, and opens another, through the balancer, to the
                # worker that is left.
                deadline = time.monotonic() + 60
                while not any(t > killed_at for t, _ in s.sockets) and time.monotonic() < deadline:
                    s.page.wait_for_timeout(200)
                assert any(t > killed_at for t, _ in s.sockets), f"/{s.path} never reconnected"
            s.page.wait_for_selector(CONNECTED, timeout=RUN_TIMEOUT_MS)
            reconnected_at = max([t for t, _ in s.sockets if t > killed_at], default=killed_at)
            shown = settled(s.page)
            assert s.view() == (s.path, [s.ward]), f"the URL changed across the reconnect: {s.page.url}"
            assert shown == s.tiles, f"/{s.path}?ward={s.ward} shows other numbers after the reconnect"
            assert not problems_shown(s.page), problems_shown(s.page)
            chosen = s.page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.inner_text()
            assert WARD_NAMES[s.ward] in chosen, f"the ward filter shows {chosen!r} after the reconnect"
            assert worker_of(s.context) != victim, f"/{s.path} is still pinned to the dead worker"
            if not moved:
                assert not [t for t, _ in s.sockets if t > killed_at], "a session on the live worker was disturbed"

            # Still working: another ward, chosen through the URL as a shared link would, draws new numbers.
            s.page.goto(f"{url}/{s.path}?ward=E05013169")
            after = settled(s.page)
            assert after and after != s.tiles, f"/{s.path} did not redraw for another ward after the reconnect"
            assert not problems_shown(s.page), problems_shown(s.page)
            late = [text for t, text in s.failures if t > reconnected_at]
            assert late == [], f"requests failed after /{s.path}'s reconnect: {late}"
    finally:
        for s in sessions:
            s.context.close()
    # The supervisor starts the dead worker again, and the balancer takes it back once it is healthy.
    deadline = time.monotonic() + 60
    while json.loads(state_file.read_text())["restarts"] < 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert json.loads(state_file.read_text())["restarts"] >= 1, log_path.read_text()[-2000:]


# ----------------------------------------------------------------------------------------------
# The configuration


def test_the_config_changes_only_by_its_server_lines_and_haproxy_accepts_it(tmp_path):
    binary = _haproxy()
    template = serve.TEMPLATE.read_text()
    rendered = serve.render_config(["127.0.0.1:8601", "10.1.2.3:8601", "dash-2.example:8700"])
    added = [line.strip() for line in rendered.splitlines() if line not in template.splitlines()]
    assert added == [
        "server w1 127.0.0.1:8601 cookie w1",
        "server w2 10.1.2.3:8601 cookie w2",
        "server w3 dash-2.example:8700 cookie w3",
    ]
    assert [line for line in template.splitlines() if line not in rendered.splitlines()] == [f"    {serve.MARKER}"]
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(serve.render_config(["127.0.0.1:8601", "127.0.0.1:8602"]))
    checked = subprocess.run(
        [binary, "-c", "-f", str(cfg)],
        capture_output=True,
        text=True,
        env=dict(os.environ, **{serve.BIND_ENV: "127.0.0.1:8501"}),
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Sticky sessions, WebSocket-friendly timeouts and a retry elsewhere are what the failover rests on.
    for needed in ("cookie ONEHALTON_WORKER insert", "timeout tunnel", "option redispatch", "http-check send"):
        assert needed in template


@pytest.mark.parametrize("bad", ["8601", "host:", "host:port", "a b:1"])
def test_a_worker_address_that_is_not_host_and_port_is_refused(bad):
    with pytest.raises(ValueError, match="HOST:PORT"):
        serve.render_config([bad])
