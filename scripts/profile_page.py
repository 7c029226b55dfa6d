"""Profile one page's renders on a running server with py-spy: `python -m scripts.profile_page PATH [--warm |
--load] [--scale N] [--runs N] [--out FILE]`.

Starts the dashboard the way the benchmark does (start-up done before serving, agent API on), records the
server with py-spy while the page is rendered `--runs` times, cold (st.cache_data emptied before each
render) or warm (the same session rerunning), and writes py-spy's flat profile (own and total time per
function) to --out. py-spy is a profiling tool, not a dependency: `pip install py-spy` first.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from scripts.bench import BENCH_DIR, DASHBOARD, Agent, Server, ensure_data, halton_ward_names, load_test


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.profile_page")
    parser.add_argument("path", help="the page's URL path, '' for the Overview")
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--load", action="store_true", help="profile the benchmark's 25-session ward-change load")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", default="/tmp/onehalton-profile.txt")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    data = ensure_data(args.scale)
    work = BENCH_DIR / "profile"
    work.mkdir(parents=True, exist_ok=True)
    server = Server(DASHBOARD, Path(data["folder"]), work, preload=True)
    try:
        server.wait_ready(3600)
        agent = Agent(server.url)
        _, first = agent.interact({"page": args.path} if args.path else {})
        session = first.get("session_id")
        raw = work / "profile.raw"
        recorder = subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(server.process.pid),
                "--format",
                "raw",
                "--output",
                str(raw),
                "--rate",
                "200",
                "--nonblocking",
                "--nolineno",
                "--gil",
            ]
        )
        time.sleep(1.0)
        if args.load:
            load_test(server, args.path, "ward", halton_ward_names(Path(data["folder"])), as_list=True)
        for _ in range(0 if args.load else args.runs):
            if args.warm:
                agent.interact({"session_id": session})
            else:
                server.clear_caches()
                agent.interact({"page": args.path} if args.path else {})
        recorder.send_signal(signal.SIGINT)  # py-spy writes its file on an interrupt, not on SIGTERM
        recorder.wait(timeout=30)
    finally:
        server.stop()
    Path(args.out).write_text(flat_profile(raw))
    print(f"wrote {args.out}")


def flat_profile(raw: Path, top: int = 60) -> str:
    """Own and total sample counts per function from py-spy's collapsed stacks, busiest first."""
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or "process_request" in stack and "ScriptRunner" not in stack:
            continue
        n = int(count)
        samples += n
        frames = stack.split(";")
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n
    lines = [f"{samples} samples", "", "TOTAL (inclusive)"]
    lines += [f"{v:7d} {v / max(samples, 1):6.1%}  {k}" for k, v in sorted(total.items(), key=lambda kv: -kv[1])[:top]]
    lines += ["", "OWN"]
    lines += [f"{v:7d} {v / max(samples, 1):6.1%}  {k}" for k, v in sorted(own.items(), key=lambda kv: -kv[1])[:top]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
