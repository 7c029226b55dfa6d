"""More than one server process behind a load balancer: `make serve WORKERS=N` (= `python -m scripts.serve`).

One Streamlit process runs every session's script under one interpreter lock, so it uses one core. This starts
N dashboard processes ("workers", each `streamlit run dashboard.py` on its own loopback port) and HAProxy in front
of them on one port, with `deploy/haproxy.cfg`: sticky sessions (a cookie names the worker, because a Streamlit
session lives in one process), the WebSocket upgrade, health checks, and a retry on another worker when one has
died, so its browsers reconnect to a live worker and redraw the view their URL holds.

Workers on other machines: run `make worker ADDRESS=0.0.0.0 PORT=8601` there (`python -m scripts.serve worker`),
and `make serve WORKERS=0 REMOTE_WORKERS=host-a:8601,host-b:8601` here; the configuration file is the same, only
the `server` lines differ. Every worker must get the same ONE_HALTON_COOKIE_SECRET (Streamlit signs its cookies
with it).

A worker loads and checks the data before it listens, so the balancer sends it nobody until it can draw a page;
a worker that exits is started again. Ctrl-C (SIGINT) or SIGTERM stops everything this started.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "haproxy.cfg"
RUN_DIR = ROOT / ".serve"
MARKER = "# @WORKERS@"
COOKIE_SECRET_ENV = "ONE_HALTON_COOKIE_SECRET"
BIND_ENV = "ONE_HALTON_LB_BIND"
READY_TIMEOUT_S = 3600.0  # a first start at 100x, with nothing cached, checks 120 million rows
RESTART_DELAY_S = 1.0


def log(message: str) -> None:
    print(f"[serve {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def render_config(addresses: list[str], template: str | None = None) -> str:
    """deploy/haproxy.cfg with one `server` line per worker address where the marker is; nothing else changes.
    Worker names (and so cookie values) follow the order given, so a restarted balancer keeps its sessions."""
    text = TEMPLATE.read_text() if template is None else template
    if text.count(MARKER) != 1:
        raise ValueError(f"{TEMPLATE} must hold the line `{MARKER}` exactly once")
    indent = next(line[: len(line) - len(line.lstrip())] for line in text.splitlines() if MARKER in line)
    lines = []
    for n, address in enumerate(addresses, start=1):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit() or any(c.isspace() for c in address):
            raise ValueError(f"worker address {address!r} is not HOST:PORT")
        lines.append(f"{indent}server w{n} {address} cookie w{n}")
    return text.replace(f"{indent}{MARKER}", "\n".join(lines) if lines else f"{indent}# no workers")


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None
    )
    if not found:
        raise SystemExit(
            "HAProxy is not installed, so `make serve` cannot start the load balancer: "
            "`apt-get install haproxy` (Debian's package; `make serve` tries this itself as root). "
            "`make run` serves one process without it."
        )
    return found


def healthy(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def worker_command(port: int, address: str, agent_api: bool) -> list[str]:
    command = [sys.executable, "-m", "scripts.serve", "worker", "--port", str(port), "--address", address]
    return command + (["--agent-api"] if agent_api else [])


class Supervisor:
    """The workers this machine runs, and HAProxy; started, watched, restarted, stopped."""

    def __init__(self, args):
        self.args = args
        RUN_DIR.mkdir(exist_ok=True)
        ports = args.worker_ports or [args.first_worker_port + i for i in range(args.workers)]
        self.local = [("127.0.0.1", port) for port in ports[: args.workers]]
        self.addresses = [f"{h}:{p}" for h, p in self.local] + args.remote
        if not self.addresses:
            raise SystemExit("no workers: give --workers N (N >= 1) or --remote HOST:PORT,...")
        self.env = dict(os.environ)
        # Streamlit signs its cookies with this; every worker behind one balancer needs the same one.
        self.env.setdefault(COOKIE_SECRET_ENV, secrets.token_hex(32))
        self.env["STREAMLIT_SERVER_COOKIE_SECRET"] = self.env[COOKIE_SECRET_ENV]
        self.env[BIND_ENV] = args.bind
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        self.workers: dict[str, subprocess.Popen] = {}
        self.haproxy: subprocess.Popen | None = None
        self.logs: list = []
        self.stopping = False
        self.restarts = 0
        self.started_at: dict[str, float] = {}
        self.delays: dict[str, float] = {}

    def _log_file(self, name: str):
        handle = open(RUN_DIR / f"{self.args.port}-{name}.log", "a")
        self.logs.append(handle)
        return handle

    def start_worker(self, n: int) -> None:
        host, port = self.local[n]
        name = f"w{n + 1}"
        self.started_at[name] = time.monotonic()
        self.workers[name] = subprocess.Popen(
            worker_command(port, host, self.args.agent_api),
            cwd=ROOT,
            env=self.env,
            stdout=self._log_file(name),
            stderr=subprocess.STDOUT,
        )
        log(f"worker {name} (pid {self.workers[name].pid}) starting on {host}:{port}")

    def start(self) -> None:
        for n in range(len(self.local)):
            self.start_worker(n)
        deadline = time.monotonic() + READY_TIMEOUT_S
        waiting = [f"{h}:{p}" for h, p in self.local]
        while waiting:
            for name, process in self.workers.items():
                if process.poll() is not None:
                    raise SystemExit(
                        f"worker {name} exited with {process.returncode} while starting: see "
                        f"{RUN_DIR / f'{self.args.port}-{name}.log'}"
                    )
            waiting = [a for a in waiting if not healthy(a)]
            if time.monotonic() > deadline:
                raise SystemExit(f"workers {waiting} not ready after {READY_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        config = RUN_DIR / f"haproxy-{self.args.port}.cfg"
        config.write_text(render_config(self.addresses))
        binary = haproxy_binary()
        checked = subprocess.run([binary, "-c", "-q", "-f", str(config)], env=self.env, capture_output=True, text=True)
        if checked.returncode:
            raise SystemExit(f"HAProxy refuses {config}:\n{checked.stdout}{checked.stderr}")
        self.haproxy = subprocess.Popen(
            [binary, "-db", "-f", str(config)], env=self.env, stdout=self._log_file("haproxy"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while not healthy(self.args.bind.replace("*", "127.0.0.1").replace("0.0.0.0", "127.0.0.1")):
            if self.haproxy.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"HAProxy did not start: see {RUN_DIR / f'{self.args.port}-haproxy.log'}")
            time.sleep(0.1)
        self.write_state()
        log(f"serving on http://{self.args.bind} with {len(self.addresses)} workers: {', '.join(self.addresses)}")

    def write_state(self) -> None:
        """Who is who, for tests and the benchmark: worker name -> pid and address, and HAProxy's pid."""
        if self.args.state:
            state = {
                "haproxy": self.haproxy.pid if self.haproxy else None,
                "restarts": self.restarts,
                "workers": {
                    name: {"pid": p.pid, "address": f"{h}:{port}"}
                    for (name, p), (h, port) in zip(self.workers.items(), self.local)
                },
            }
            temporary = Path(self.args.state).with_suffix(".tmp")
            temporary.write_text(json.dumps(state))
            temporary.replace(self.args.state)

    def watch(self) -> int:
        while not self.stopping:
            if self.haproxy.poll() is not None:
                log(f"HAProxy exited with {self.haproxy.returncode}: stopping")
                return 1
            for n, (name, process) in enumerate(list(self.workers.items())):
                if process.poll() is not None and not self.stopping:
                    # A worker that keeps dying at start (a broken install, say) is retried ever more slowly.
                    lived = time.monotonic() - self.started_at.get(name, 0.0)
                    self.delays[name] = RESTART_DELAY_S if lived > 60 else min(30.0, 2 * self.delays.get(name, 0.5))
                    log(
                        f"worker {name} exited with {process.returncode}: starting it again "
                        f"in {self.delays[name]:.0f} s"
                    )
                    time.sleep(self.delays[name])
                    self.restarts += 1
                    self.start_worker(n)
                    self.write_state()
            time.sleep(0.5)
        return 0

    def stop(self) -> None:
        self.stopping = True
        processes = ([self.haproxy] if self.haproxy else []) + list(self.workers.values())
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for handle in self.logs:
            handle.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="worker processes on this machine (default 2)")
    parser.add_argument("--port", type=int, default=8501, help="the balancer's port (default 8501)")
    parser.add_argument("--bind", help="the balancer's address:port (default *:PORT, every interface)")
    parser.add_argument("--first-worker-port", type=int, help="local workers listen from here (default PORT+100)")
    parser.add_argument("--worker-ports", default="", help="comma-separated ports for the local workers")
    parser.add_argument("--remote", default="", help="comma-separated HOST:PORT of workers on other machines")
    parser.add_argument("--state", help="write worker pids and addresses to this JSON file")
    parser.add_argument("--agent-api", action="store_true", help="turn on Streamlit's agent API (the benchmark)")
    args = parser.parse_args(argv)
    args.bind = args.bind or f"*:{args.port}"
    args.first_worker_port = args.first_worker_port or args.port + 100
    args.worker_ports = [int(p) for p in args.worker_ports.split(",") if p.strip()]
    if args.worker_ports and len(args.worker_ports) < args.workers:
        parser.error(f"--worker-ports gives {len(args.worker_ports)} ports for {args.workers} workers")
    args.remote = [a.strip() for a in args.remote.replace(" ", ",").split(",") if a.strip()]
    supervisor = Supervisor(args)

    def on_signal(signum, _frame):
        supervisor.stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        supervisor.start()
        return supervisor.watch()
    finally:
        supervisor.stop()
        log("stopped")


def worker_main(argv: list[str]) -> None:
    """One worker: load and check the data (st.cache_resource, which every session then shares), then serve."""
    parser = argparse.ArgumentParser(prog="python -m scripts.serve worker")
    parser.add_argument("--port", type=int, default=8601)
    parser.add_argument("--address", default="127.0.0.1", help="0.0.0.0 for a balancer on another machine")
    parser.add_argument("--agent-api", action="store_true")
    args = parser.parse_args(argv)
    if os.environ.get(COOKIE_SECRET_ENV):
        os.environ["STREAMLIT_SERVER_COOKIE_SECRET"] = os.environ[COOKIE_SECRET_ENV]
    started = time.perf_counter()
    # The app's own imports (pandas, Altair, DuckDB) and the data, before the worker listens: the balancer sends
    # it nobody until its health check answers, and then its first page need not pay for them.
    import onehalton.charts  # noqa: F401
    import onehalton.filters  # noqa: F401
    import onehalton.sections  # noqa: F401
    import onehalton.tiles  # noqa: F401
    from onehalton import db

    database = db.database()
    restored = sum(1 for v in database.validation_cache.report.values() if v.startswith("restored"))
    log(
        f"data loaded in {time.perf_counter() - started:.1f} s ({restored} of "
        f"{len(database.validation_cache.report)} extracts and summaries from the validation cache)"
    )
    sys.argv = [
        "streamlit",
        "run",
        str(ROOT / "dashboard.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--logger.level",
        "warning",
    ]
    if args.agent_api:
        sys.argv += [
            "--server.enableAgentApi",
            "true",
            "--server.agentWaitTimeout",
            "900",
            "--server.agentMaxSessions",
            "200",
        ]
    from streamlit.web import cli

    cli.main()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker_main(sys.argv[2:])
    else:
        sys.exit(main())
