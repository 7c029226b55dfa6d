"""The dashboard's performance benchmark: `make bench` (= `python -m scripts.bench`). Writes docs/performance.md.

In one run, at 1x, 10x and 100x the demo data volume (generated once into `.bench/scale-N`, then reused):

* start-up (imports + load + validate), which happens once per server process (`st.cache_resource`);
* every page's server-side render time, cold (the first render after start-up, with `st.cache_data` empty)
  and warm (a rerun of the same session with nothing changed), through a running server driven by
  Streamlit's agent API (`POST /_stcore/agent/interact`), next to Streamlit's own floor: `scripts/floor_app.py`,
  one URL-bound selectbox and one metric, served and measured the same way;
* the Overview and Living Well KPI query set run by DuckDB (`onehalton.db.Database.run`) against the same
  results computed in plain pandas (`pandas.read_parquet` + `groupby`) over the same parquet files;
* the server's peak memory (RSS, sampled, children included);
* 25 concurrent sessions changing the ward filter on the Overview, next to the floor page under the same load;
* the board pack PDF for a ward view at 1x, from the command line and in-process; `python -m scripts.bench pack`
  measures that part alone and merges it into the last full run's report.
* (`--parts concurrency`) the same 25 sessions against the deployment: one `scripts/serve.py` worker alone (what
  `make run` serves), and `make serve` with WORKERS=1 and WORKERS=2 behind HAProxy;
* (`--parts restart`) a worker's time to its first page at 100x, with an empty validation cache and then on a
  restart with the same, unchanged files.

`--parts` runs only some of these (`pages` is everything in the list above but the last two); the others keep
their figures from `.bench/results.json` and their sections of the report.

The servers are started through this module (`python -m scripts.bench serve ...`), which runs `streamlit run`
in-process after doing the start-up work itself, so the start-up is timed on its own and every page render
after it is a render, not a load. SIGUSR1 makes that server clear `st.cache_data`, so each page's cold render
is measured in the same server process without paying the start-up again.

Everything talks to 127.0.0.1 only; every request loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import hashlib
import json
import os
import pickle
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
DOC = ROOT / "docs" / "performance.md"
FLOOR_APP = ROOT / "scripts" / "floor_app.py"
DASHBOARD = ROOT / "dashboard.py"
END_MONTH = dt.date(2026, 10, 1)  # fixed, so every run measures the same data
SCALES = (1, 10, 100)
# URL path -> title, as dashboard.py's st.navigation declares them.
PAGES = {
    "": "Overview",
    "starting_well": "Starting Well",
    "living_well": "Living Well",
    "ageing_well": "Ageing Well",
    "wider_determinants": "Wider Determinants",
    "budget": "Budget",
    "ward_profile": "Ward profile",
    "about": "About the data",
}
WARM_RUNS = 5
LOAD_SESSIONS = 25
LOAD_CHANGES = 8  # ward changes per session in the load test
LOAD_TIME_LIMIT = 240.0  # seconds: the load test stops issuing requests after this
REQUEST_TIMEOUT = 900.0  # one agent request; the server's own wait timeout is set to match
HOST = "127.0.0.1"

TARGETS = {
    "warm": "Warm page render within 2x the floor page",
    "cold_1": "Cold render of every page under 1 s at 1x",
    "cold_100": "Cold render of every page under 3 s at 100x",
    "duckdb": "DuckDB at least 10x faster than the pandas baseline at 100x",
    "memory": "Server peak memory under 1 GB at 100x",
    "load": "25 concurrent sessions: at least half the floor page's throughput, and no errors",
    "pack": "Board pack PDF for a ward view at 1x under 10 s",
}
PACK_TARGET_S = 10.0
PACK_RUNS = 3


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# The machine


def machine() -> dict:
    import psutil

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ("streamlit", "duckdb", "pandas", "pyarrow", "altair", "numpy", "psutil"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing package is reported as such
            versions[package] = "not installed"
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu or "unknown",
        "logical_cores": os.cpu_count(),
        "usable_cores": affinity,
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_at_start": os.getloadavg()[0],
        "packages": versions,
    }


# ----------------------------------------------------------------------------------------------
# Data at each scale


def _generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (ROOT / "onehalton" / "demo_data.py", ROOT / "onehalton" / "contract.py"):
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:16]


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _appointment_rows(folder: Path) -> int:
    import pyarrow.parquet as pq

    files = (
        [folder / "appointments.parquet"]
        if (folder / "appointments.parquet").exists()
        else sorted((folder / "appointments").rglob("*.parquet"))
    )
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def ensure_data(scale: int) -> dict:
    """Generate `.bench/scale-N` once (the demo generator's CLI, timed); reuse it while the generator and
    the contract are unchanged."""
    folder = BENCH_DIR / f"scale-{scale}"
    marker = folder / "bench-generation.json"
    fingerprint = _generator_fingerprint()
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("fingerprint") == fingerprint and (folder / "manifest.json").exists():
            info["reused"] = True
            return info
    if folder.exists():
        shutil.rmtree(folder)
    log(f"generating demo data at {scale}x into {folder} ...")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "onehalton.demo_data",
            "--out",
            str(folder),
            "--scale",
            str(scale),
            "--end-month",
            f"{END_MONTH:%Y-%m}",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    info = {
        "scale": scale,
        "folder": str(folder),
        "fingerprint": fingerprint,
        "generation_s": round(time.perf_counter() - started, 2),
        "generated_on": dt.date.today().isoformat(),
        "bytes": _folder_size(folder),
        "appointment_rows": _appointment_rows(folder),
    }
    marker.write_text(json.dumps(info, indent=2))
    info["reused"] = False
    return info


# ----------------------------------------------------------------------------------------------
# The KPI query set: DuckDB through Database.run, and the same in plain pandas


def query_set(manifest: dict, ward: str) -> list[tuple[str, str, dict]]:
    """(label, query, params): what the Overview and Living Well ask for with the default filters (the whole
    period, all of Halton) and with one ward chosen."""
    starts = [e["period_start"] for e in manifest.values() if isinstance(e, dict) and "period_start" in e]
    ends = [e["period_end"] for e in manifest.values() if isinstance(e, dict) and "period_end" in e]
    start = dt.date.fromisoformat(min(starts)[:7] + "-01")
    end = dt.date.fromisoformat(max(ends)[:7] + "-01")
    out = []
    for label, wards in (("all", None), ("ward", [ward])):
        out += [
            (
                f"appointments_by_month ({label})",
                "appointments_by_month",
                dict(wards=wards, age_bands=None, start=start, end=end),
            ),
            (
                f"appointments_by_mode_month ({label})",
                "appointments_by_mode_month",
                dict(wards=wards, age_bands=None, start=start, end=end),
            ),
            (
                f"appointments_by_pcn_month ({label})",
                "appointments_by_pcn_month",
                dict(wards=wards, start=start, end=end),
            ),
            (
                f"appointments_by_practice ({label})",
                "appointments_by_practice",
                dict(wards=wards, start=start, end=end),
            ),
        ]
    out += [
        ("ld_health_checks_by_month", "ld_health_checks_by_month", dict(start=start, end=end)),
        ("cancer_fds_by_month", "cancer_fds_by_month", dict(start=start, end=end)),
        ("cancer_fds_by_cancer_type", "cancer_fds_by_cancer_type", dict(start=start, end=end)),
    ]
    return out


def _timed(function, max_runs: int = 3, budget_s: float = 6.0):
    """Median wall time of up to `max_runs` runs; a run that takes longer than `budget_s` is not repeated."""
    times, result = [], None
    for _ in range(max_runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
        if sum(times) > budget_s:
            break
    return statistics.median(times), len(times), result


def halton_ward(data_dir: Path) -> tuple[str, str]:
    """(code, name) of Halton's busiest real ward (the synthetic copies at 10x and 100x are not Halton)."""
    import pyarrow.parquet as pq

    wards = pq.read_table(_table_path(data_dir, "wards"), columns=["ward_code", "ward_name"]).to_pylist()
    halton = [w for w in wards if w["ward_code"].startswith("E05") and not w["ward_code"].startswith("E05X")]
    chosen = next((w for w in halton if w["ward_name"] == "Central & West Bank"), halton[0])
    return chosen["ward_code"], chosen["ward_name"]


def halton_ward_names(data_dir: Path) -> list[str]:
    import pyarrow.parquet as pq

    wards = pq.read_table(_table_path(data_dir, "wards"), columns=["ward_code", "ward_name"]).to_pylist()
    return sorted(
        w["ward_name"] for w in wards if w["ward_code"].startswith("E05") and not w["ward_code"].startswith("E05X")
    )


def _table_path(data_dir: Path, name: str) -> Path:
    single = data_dir / f"{name}.parquet"
    return single if single.exists() else data_dir / name


def run_duckdb_set(database, results_dir: Path) -> list[dict]:
    results_dir.mkdir(parents=True, exist_ok=True)
    ward, _ = halton_ward(database.data_dir)
    rows = []
    for i, (label, name, params) in enumerate(query_set(database.manifest, ward)):
        seconds, runs, result = _timed(lambda: database.run(name, params))
        with open(results_dir / f"{i:02d}.pkl", "wb") as handle:
            pickle.dump(result, handle)
        rows.append({"label": label, "query": name, "seconds": seconds, "runs": runs, "rows": len(result)})
        log(f"  duckdb {label}: {seconds:.3f} s")
    return rows


# Plain pandas: what an analyst would write over the same files. `read_parquet` reads only the columns needed,
# pushes the period and ward filters down to the reader, and gives strings as categories and dates as datetime64
# (pandas' own options); the 120-million-row table is first summed by the few values the measures test, then the
# measures are taken from that small frame. Written naively (a column per measure over every row) it needs more
# than the machine's 24 GB at 100x.

STRING_COLUMNS = {
    "gp_code",
    "ward_code",
    "age_band",
    "hcp_type",
    "appt_mode",
    "time_between_book_and_appt",
    "appt_status",
    "pcn_code",
    "pcn_name",
    "gp_name",
    "cancer_type",
    "stage_route",
}


def cpu_seconds(process) -> float:
    """CPU time a process and its children have used so far (psutil.Process)."""
    import psutil

    total = 0.0
    for p in [process] + process.children(recursive=True):
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


class PandasTables:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir

    def read(self, name: str, columns: list[str], filters: list | None = None):
        import pandas as pd

        return pd.read_parquet(
            _table_path(self.data_dir, name),
            columns=columns,
            filters=filters or None,
            read_dictionary=[c for c in columns if c in STRING_COLUMNS] or None,
            to_pandas_kwargs={"date_as_object": False},
        )

    def appointments(self, columns: list[str], start, end, wards=None, age_bands=None):
        filters = [("appointment_month", ">=", start), ("appointment_month", "<=", end)]
        if wards is not None:
            filters.append(("ward_code", "in", list(wards)))
        if age_bands is not None:
            filters.append(("age_band", "in", list(age_bands)))
        return self.read("appointments", columns, filters)


def _window(frame, date_column: str, start, end):
    import pandas as pd

    return frame[frame[date_column].between(pd.Timestamp(start), pd.Timestamp(end))]


def _starts_with(series, prefix: str):
    return series.astype(str).str.startswith(prefix)


def _ratio(numerator, denominator):
    return numerator / denominator.where(denominator != 0)


MEASURE_KEYS = ["appt_status", "appt_mode", "time_between_book_and_appt"]


WITHIN_TWO_WEEKS = ("Same Day", "1 Day", "2 to 7 Days", "8  to 14 Days")


def _measures(summed, by: list[str]):
    """From appointments summed by `by` + MEASURE_KEYS: the filtered sums the queries take, by `by`."""
    import pandas as pd

    n = summed["count_of_appointments"]
    parts = pd.DataFrame(
        {
            **{c: summed[c] for c in by},
            "appointments": n,
            "attended": n.where(summed["appt_status"] == "Attended", 0),
            "dna": n.where(summed["appt_status"] == "DNA", 0),
            "home_visits": n.where(summed["appt_mode"] == "Home Visit", 0),
            "face_to_face": n.where(summed["appt_mode"] == "Face-to-Face", 0),
            "known_mode": n.where(summed["appt_mode"] != "Unknown", 0),
            "same_day": n.where(summed["time_between_book_and_appt"] == "Same Day", 0),
            "within_two_weeks": n.where(summed["time_between_book_and_appt"].isin(WITHIN_TWO_WEEKS), 0),
            "known_lead_time": n.where(~_starts_with(summed["time_between_book_and_appt"], "Unknown"), 0),
        }
    )
    return parts.groupby(by, as_index=False, observed=True).sum()


def pandas_appointments_by_month(t: PandasTables, wards, age_bands, start, end):
    a = t.appointments(["appointment_month", *MEASURE_KEYS, "count_of_appointments"], start, end, wards, age_bands)
    summed = a.groupby(["appointment_month", *MEASURE_KEYS], observed=True)["count_of_appointments"].sum()
    del a
    out = _measures(summed.reset_index(), ["appointment_month"]).rename(columns={"appointment_month": "month"})
    population = t.read("ward_population", ["ward_code", "age_band", "population"])
    if wards is not None:
        population = population[population["ward_code"].isin(wards)]
    if age_bands is not None:
        population = population[population["age_band"].isin(age_bands)]
    pop = int(population["population"].sum())
    out["population"] = pop
    out["per_1000"] = out["appointments"] * 1000.0 / pop if pop else float("nan")
    out["dna_rate"] = _ratio(out["dna"], out["attended"] + out["dna"])
    out["same_day_share"] = _ratio(out["same_day"], out["known_lead_time"])
    out["two_week_share"] = _ratio(out["within_two_weeks"], out["known_lead_time"])
    out["face_to_face_share"] = _ratio(out["face_to_face"], out["known_mode"])
    return out.sort_values("month")


def pandas_appointments_by_mode_month(t: PandasTables, wards, age_bands, start, end):
    a = t.appointments(["appointment_month", "appt_mode", "count_of_appointments"], start, end, wards, age_bands)
    out = (
        a.groupby(["appointment_month", "appt_mode"], observed=True)["count_of_appointments"]
        .sum()
        .rename("appointments")
        .reset_index()
        .rename(columns={"appointment_month": "month"})
    )
    out["share"] = out["appointments"] / out.groupby("month")["appointments"].transform("sum")
    out["appt_mode"] = out["appt_mode"].astype(str)
    return out.sort_values(["month", "appt_mode"])


def pandas_appointments_by_pcn_month(t: PandasTables, wards, start, end):
    a = t.appointments(["appointment_month", "gp_code", "count_of_appointments"], start, end, wards)
    by_practice = (
        a.groupby(["appointment_month", "gp_code"], observed=True)["count_of_appointments"].sum().reset_index()
    )
    del a
    by_practice["gp_code"] = by_practice["gp_code"].astype(str)
    practices = t.read("practices", ["gp_code", "pcn_code", "list_size"])
    practices[["gp_code", "pcn_code"]] = practices[["gp_code", "pcn_code"]].astype(str)
    pcns = t.read("pcns", ["pcn_code", "pcn_name"]).astype(str)
    lists = practices.groupby("pcn_code", as_index=False)["list_size"].sum()
    joined = (
        by_practice.merge(practices[["gp_code", "pcn_code"]], on="gp_code")
        .merge(pcns, on="pcn_code")
        .merge(lists, on="pcn_code")
    )
    out = (
        joined.groupby(["appointment_month", "pcn_name"], as_index=False)
        .agg(appointments=("count_of_appointments", "sum"), list_size=("list_size", "first"))
        .rename(columns={"appointment_month": "month"})
    )
    out["per_1000"] = out["appointments"] * 1000.0 / out["list_size"].where(out["list_size"] != 0)
    return out.sort_values(["month", "pcn_name"])


def pandas_appointments_by_practice(t: PandasTables, wards, start, end):
    a = t.appointments(["gp_code", *MEASURE_KEYS, "count_of_appointments"], start, end, wards)
    summed = a.groupby(["gp_code", *MEASURE_KEYS], observed=True)["count_of_appointments"].sum().reset_index()
    del a
    activity = _measures(summed, ["gp_code"])
    # Months in the extract within the period, whatever the wards: a quiet month still counts in the average.
    months = t.appointments(["appointment_month"], start, end)["appointment_month"].nunique()
    activity["months"] = months
    activity["gp_code"] = activity["gp_code"].astype(str)
    practices = t.read("practices", ["gp_code", "gp_name", "pcn_code", "list_size"])
    practices[["gp_code", "gp_name", "pcn_code"]] = practices[["gp_code", "gp_name", "pcn_code"]].astype(str)
    pcns = t.read("pcns", ["pcn_code", "pcn_name"]).astype(str)
    out = activity.merge(practices, on="gp_code").merge(pcns, on="pcn_code")
    out["per_1000_per_month"] = (
        out["appointments"]
        * 1000.0
        / out["list_size"].where(out["list_size"] != 0)
        / out["months"].where(out["months"] != 0)
    )
    out["dna_rate"] = _ratio(out["dna"], out["attended"] + out["dna"])
    out["same_day_share"] = _ratio(out["same_day"], out["known_lead_time"])
    out["face_to_face_share"] = _ratio(out["face_to_face"], out["known_mode"])
    out = out.sort_values(["appointments", "gp_name"], ascending=[False, True])
    return out[
        [
            "gp_code",
            "gp_name",
            "pcn_name",
            "list_size",
            "months",
            "appointments",
            "per_1000_per_month",
            "dna",
            "dna_rate",
            "same_day_share",
            "face_to_face_share",
        ]
    ]


def pandas_ld_health_checks_by_month(t: PandasTables, start, end):
    import numpy as np
    import pandas as pd

    ld = t.read("ld_health_checks", ["achievement_month", "numerator", "denominator", "declined"])
    monthly = ld.groupby("achievement_month", as_index=False).agg(
        checks=("numerator", "sum"), denominator=("denominator", "sum"), declined=("declined", "sum")
    )
    monthly = monthly.rename(columns={"achievement_month": "month"})
    month = monthly["month"].dt.month
    monthly["fy_start"] = np.where(month >= 4, monthly["month"].dt.year, monthly["month"].dt.year - 1)
    monthly["fy_month"] = (month + 8) % 12 + 1
    monthly["register"] = monthly["denominator"] + monthly["declined"]
    monthly["uptake"] = _ratio(monthly["checks"], monthly["register"])
    finals = (
        monthly.sort_values("fy_month")
        .groupby("fy_start")
        .agg(final_uptake=("uptake", "last"), last_fy_month=("fy_month", "max"))
        .reset_index()
    )
    previous = monthly[["fy_start", "fy_month", "uptake"]].assign(fy_start=lambda f: f["fy_start"] + 1)
    out = monthly.merge(
        previous.rename(columns={"uptake": "last_year_same_month"}), how="left", on=["fy_start", "fy_month"]
    )
    out = out.merge(finals.assign(fy_start=lambda f: f["fy_start"] + 1), how="left", on="fy_start")
    complete = out["last_fy_month"] == 12
    out["last_year_final"] = out["final_uptake"].where(complete)
    out["projected_year_end"] = pd.Series(
        np.fmin(1.0, out["uptake"] + (out["final_uptake"] - out["last_year_same_month"])), index=out.index
    ).where(complete)
    out["financial_year"] = [f"{y}/{(y + 1) % 100:02d}" for y in out["fy_start"]]
    out = out[out["month"].between(pd.Timestamp(start), pd.Timestamp(end))].sort_values("month")
    return out[
        [
            "month",
            "financial_year",
            "fy_month",
            "checks",
            "register",
            "declined",
            "uptake",
            "last_year_same_month",
            "last_year_final",
            "projected_year_end",
        ]
    ]


def pandas_cancer_fds_by_month(t: PandasTables, start, end):
    f = t.read("cancer_fds", ["period", "total", "within_standard", "breaches"])
    f = _window(f, "period", start, end)
    out = f.groupby("period", as_index=False)[["total", "within_standard", "breaches"]].sum()
    out["performance"] = _ratio(out["within_standard"], out["total"])
    return out.rename(columns={"period": "month"}).sort_values("month")


def pandas_cancer_fds_by_cancer_type(t: PandasTables, start, end):
    f = t.read("cancer_fds", ["period", "cancer_type", "stage_route", "total", "within_standard", "breaches"])
    f = _window(f, "period", start, end)
    out = (
        f.groupby(["cancer_type", "stage_route"], observed=True)[["total", "within_standard", "breaches"]]
        .sum()
        .reset_index()
    )
    out[["cancer_type", "stage_route"]] = out[["cancer_type", "stage_route"]].astype(str)
    out["performance"] = _ratio(out["within_standard"], out["total"])
    return out.sort_values(["performance", "cancer_type"])


PANDAS = {
    "appointments_by_month": pandas_appointments_by_month,
    "appointments_by_mode_month": pandas_appointments_by_mode_month,
    "appointments_by_pcn_month": pandas_appointments_by_pcn_month,
    "appointments_by_practice": pandas_appointments_by_practice,
    "ld_health_checks_by_month": pandas_ld_health_checks_by_month,
    "cancer_fds_by_month": pandas_cancer_fds_by_month,
    "cancer_fds_by_cancer_type": pandas_cancer_fds_by_cancer_type,
}


def same_result(duck, frame) -> str:
    """'same' when pandas and DuckDB agree on every row and column (numbers to 1e-9), else what differs."""
    import numpy as np
    import pandas as pd

    missing = [c for c in duck.columns if c not in frame.columns]
    if missing:
        return f"pandas lacks columns {missing}"
    if len(duck) != len(frame):
        return f"{len(duck)} rows vs {len(frame)}"

    def canonical(table):
        table = table[list(duck.columns)].reset_index(drop=True)
        out = {}
        for column in table.columns:
            values = table[column]
            numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
            out[column] = values.astype(float) if numeric else values.astype(str)
        out = pd.DataFrame(out)
        text = [c for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])]
        rounded = {c: out[c].round(6) for c in out.columns if c not in text}
        order = pd.DataFrame({**{c: out[c] for c in text}, **rounded}).sort_values(text + list(rounded)).index
        return out.loc[order].reset_index(drop=True), text

    left, text = canonical(duck)
    right, _ = canonical(frame)
    for column in left.columns:
        if column in text:
            if not (left[column] == right[column]).all():
                return f"column {column} differs"
        elif not np.allclose(left[column], right[column], rtol=1e-9, equal_nan=True):
            return f"column {column} differs"
    return "same"


def pandas_main(argv: list[str]) -> None:
    """`python -m scripts.bench pandas DATA_DIR RESULTS_DIR OUT_JSON`: the pandas side, in its own process so
    its memory is its own."""
    import pandas as pd

    data_dir, results_dir, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    manifest = json.loads((data_dir / "manifest.json").read_text())
    tables = PandasTables(data_dir)
    ward, _ = halton_ward(data_dir)
    rows = []
    for i, (label, name, params) in enumerate(query_set(manifest, ward)):
        try:
            seconds, runs, result = _timed(lambda: PANDAS[name](tables, **params))
        except MemoryError:
            rows.append({"label": label, "seconds": None, "runs": 0, "check": "out of memory"})
            continue
        with open(results_dir / f"{i:02d}.pkl", "rb") as handle:
            duck = pickle.load(handle)
        rows.append({"label": label, "seconds": seconds, "runs": runs, "check": same_result(duck, result)})
        log(f"  pandas {label}: {seconds:.3f} s ({rows[-1]['check']})")
        del result
        out.write_text(json.dumps({"rows": rows, "peak_rss_bytes": _peak_rss(), "pandas": pd.__version__}))
    out.write_text(json.dumps({"rows": rows, "peak_rss_bytes": _peak_rss(), "pandas": pd.__version__}))


def _peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ----------------------------------------------------------------------------------------------
# A server of ours: `python -m scripts.bench serve APP PORT REPORT [--preload]`


def serve_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="scripts.bench serve")
    parser.add_argument("app")
    parser.add_argument("port", type=int)
    parser.add_argument("report")
    parser.add_argument("--preload", action="store_true", help="do the dashboard's start-up before serving")
    args = parser.parse_args(argv)
    report: dict = {}
    if args.preload:
        started = time.perf_counter()
        import onehalton.charts  # noqa: F401
        import onehalton.filters  # noqa: F401 - the app's own imports: pandas, altair, duckdb, streamlit
        import onehalton.sections  # noqa: F401
        from onehalton import db

        report["imports_s"] = time.perf_counter() - started
        started = time.perf_counter()
        database = db.database()  # the st.cache_resource entry every session then shares
        report["load_validate_s"] = time.perf_counter() - started
        report["load_seconds"] = database.load_seconds
        report["tables"] = {
            name: {"state": s.state, "rows": s.rows_read, "excluded": s.rows_excluded}
            for name, s in database.statuses.items()
        }
        results_dir = Path(args.report).with_suffix(".results")
        report["duckdb"] = run_duckdb_set(database, results_dir)
    Path(args.report).write_text(json.dumps(report))

    def clear_caches(*_):
        import streamlit as st

        st.cache_data.clear()
        print("BENCH caches cleared", flush=True)

    signal.signal(signal.SIGUSR1, clear_caches)
    sys.argv = [
        "streamlit",
        "run",
        args.app,
        "--server.headless",
        "true",
        "--server.port",
        str(args.port),
        "--server.address",
        HOST,
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--server.enableAgentApi",
        "true",
        "--server.agentWaitTimeout",
        str(int(REQUEST_TIMEOUT)),
        "--server.agentMaxSessions",
        "200",
        "--logger.level",
        "warning",
    ]
    from streamlit.web import cli

    cli.main()


class Server:
    """A server of ours on a free port, with its memory sampled (children included) while it lives."""

    def __init__(self, app: Path, data_dir: Path | None, work: Path, preload: bool, env_extra: dict | None = None):
        import psutil

        self.port = _free_port()
        self.report_path = work / f"server-{self.port}.json"
        self.log_path = work / f"server-{self.port}.log"
        env = dict(os.environ, PYTHONUNBUFFERED="1", **(env_extra or {}))
        if data_dir is not None:
            env["ONE_HALTON_DATA_DIR"] = str(data_dir)
        command = [sys.executable, "-m", "scripts.bench", "serve", str(app), str(self.port), str(self.report_path)]
        if preload:
            command.append("--preload")
        self.log = open(self.log_path, "w")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://{HOST}:{self.port}/_stcore/agent/interact"
        self.peak_rss = 0
        self.phase_peaks: dict[str, int] = {}
        self.phase = "start-up"
        self._stop = threading.Event()
        self._psutil_process = psutil.Process(self.process.pid)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                processes = [self._psutil_process] + self._psutil_process.children(recursive=True)
                rss = 0
                for p in processes:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                return
            self.peak_rss = max(self.peak_rss, rss)
            self.phase_peaks[self.phase] = max(self.phase_peaks.get(self.phase, 0), rss)
            time.sleep(0.05)

    def wait_ready(self, timeout: float) -> float:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited {self.process.returncode}:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(f"http://{HOST}:{self.port}/_stcore/health", timeout=2).status_code == 200:
                    return time.perf_counter() - self.started
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log_path.read_text()[-3000:]}")

    def report(self) -> dict:
        return json.loads(self.report_path.read_text()) if self.report_path.exists() else {}

    def cpu_seconds(self) -> float:
        """CPU time the server (children included) has used so far: a render's cost without the waiting."""
        return cpu_seconds(self._psutil_process)

    def clear_caches(self) -> None:
        """Empty st.cache_data in the server (SIGUSR1) and wait until it says so."""
        before = self.log_path.read_text().count("BENCH caches cleared")
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while self.log_path.read_text().count("BENCH caches cleared") <= before:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not clear its caches")
            time.sleep(0.02)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stop.set()
        self._sampler.join(timeout=2)
        self.log.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------------------------
# The agent API client


class Agent:
    def __init__(self, url: str):
        import requests

        self.url = url
        self.http = requests.Session()

    def interact(self, body: dict) -> tuple[float, dict]:
        """One interaction, waiting for the run to settle; (seconds, snapshot or error body)."""
        started = time.perf_counter()
        response = self.http.post(self.url, json=body, timeout=REQUEST_TIMEOUT + 60)
        document = response.json()
        while response.status_code == 202 and document.get("session_id"):  # wait_timed_out: collect the run
            if time.perf_counter() - started > REQUEST_TIMEOUT:
                break
            response = self.http.post(
                self.url, json={"session_id": document["session_id"]}, timeout=REQUEST_TIMEOUT + 60
            )
            document = response.json()
        document["_http_status"] = response.status_code
        return time.perf_counter() - started, document


def ok(document: dict) -> bool:
    return document.get("_http_status") == 200 and document.get("status") == "ready"


def problem(document: dict) -> str:
    if "error" in document:
        return f"{document['error'].get('code')}: {document['error'].get('message', '')[:200]}"
    return _exception_text(document.get("tree", {})) or f"status {document.get('status')}"


def _exception_text(node: dict) -> str:
    if node.get("type") == "exception":
        props = node.get("props", {})
        return f"{props.get('type')}: {props.get('message', '')[:200]}"
    for child in node.get("children", []):
        found = _exception_text(child)
        if found:
            return found
    return ""


def render_pages(server: Server, pages: list[str]) -> dict:
    """Cold (first render after start-up, st.cache_data empty) and warm (median rerun) per page."""
    out = {}
    for path in pages:
        server.clear_caches()
        agent = Agent(server.url)
        cpu = server.cpu_seconds()
        cold, document = agent.interact({"page": path} if path else {})
        entry = {
            "cold_s": cold,
            "cold_cpu_s": server.cpu_seconds() - cpu,
            "ok": ok(document),
            "problem": "" if ok(document) else problem(document),
        }
        session = document.get("session_id")
        warm, warm_cpu = [], []
        if session:
            for _ in range(WARM_RUNS):
                cpu = server.cpu_seconds()
                seconds, rerun = agent.interact({"session_id": session})
                warm.append(seconds)
                warm_cpu.append(server.cpu_seconds() - cpu)
                if not ok(rerun):
                    entry["ok"] = False
                    entry["problem"] = entry["problem"] or problem(rerun)
        entry["warm_s"] = statistics.median(warm) if warm else None
        entry["warm_cpu_s"] = statistics.median(warm_cpu) if warm_cpu else None
        out[path] = entry
        log(
            f"  /{path}: cold {cold:.3f} s, warm {entry['warm_s'] or float('nan'):.3f} s"
            + ("" if entry["ok"] else f"  PROBLEM {entry['problem']}")
        )
    return out


def load_test(server: Server, path: str, key: str, values: list, as_list: bool) -> dict:
    """LOAD_SESSIONS sessions at once, each changing `key` LOAD_CHANGES times (a rerun each), bounded in time."""
    sessions: list[tuple[Agent, str]] = []

    opens: list[float] = []

    def create(_):
        agent = Agent(server.url)
        try:
            seconds, document = agent.interact({"page": path} if path else {})
        except Exception:  # noqa: BLE001 - a session that cannot open is an error to count
            return agent, None, False
        opens.append(seconds)
        return agent, document.get("session_id"), ok(document)

    with concurrent.futures.ThreadPoolExecutor(LOAD_SESSIONS) as pool:
        created = list(pool.map(create, range(LOAD_SESSIONS)))
    sessions = [(a, s) for a, s, good in created if s]
    errors = sum(1 for _, s, good in created if not good)
    # Behind the balancer, the worker each session was given (its sticky cookie).
    per_worker: dict[str, int] = {}
    for agent, _ in sessions:
        worker = agent.http.cookies.get(BALANCER_COOKIE, "")
        per_worker[worker] = per_worker.get(worker, 0) + 1
    latencies: list[float] = []
    problems: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + LOAD_TIME_LIMIT
    barrier = threading.Barrier(len(sessions))

    def drive(index: int):
        agent, session = sessions[index]
        barrier.wait()
        for change in range(LOAD_CHANGES):
            if time.monotonic() > deadline:
                return
            value = values[(index * 7 + change) % len(values)]
            try:
                seconds, document = agent.interact(
                    {"session_id": session, "widget_state": {key: [value] if as_list else value}}
                )
                good = ok(document)
            except Exception as exc:  # noqa: BLE001 - a failed request is an error to count, not a crash
                seconds, good, document = 0.0, False, {"error": {"code": type(exc).__name__, "message": str(exc)}}
            with lock:
                if good:
                    latencies.append(seconds)
                else:
                    problems.append(problem(document))

    started = time.perf_counter()
    client_cpu = time.process_time()
    with concurrent.futures.ThreadPoolExecutor(len(sessions)) as pool:
        list(pool.map(drive, range(len(sessions))))
    wall = time.perf_counter() - started
    # The sessions' client is this one process (one GIL, decoding every snapshot): if its CPU time nears the wall
    # time, the client, not the server, sets the throughput.
    client_cpu = time.process_time() - client_cpu
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))] if latencies else None

    opens.sort()
    result = {
        "sessions": len(sessions),
        "reruns": len(latencies),
        "wall_s": wall,
        "per_worker": per_worker,
        "open_p50_s": opens[len(opens) // 2] if opens else None,
        "open_max_s": opens[-1] if opens else None,
        "reruns_per_s": len(latencies) / wall if wall else 0.0,
        "client_cpu_s": client_cpu,
        "p50_s": pct(50),
        "p95_s": pct(95),
        "errors": errors + len(problems),
        "problems": sorted(set(problems))[:5],
    }
    log(
        f"  load /{path}: {result['reruns_per_s']:.1f} reruns/s, p50 {result['p50_s']}, p95 {result['p95_s']}, "
        f"errors {result['errors']}"
    )
    return result


# ----------------------------------------------------------------------------------------------
# The run


# Streamlit's default, which .streamlit/config.toml turns off: the floor is also measured with it, for reference.
DEFAULT_GC = {"STREAMLIT_RUNNER_POST_SCRIPT_GC": "true"}


def measure_floor(work: Path, with_load: bool, env_extra: dict | None = None) -> dict:
    server = Server(FLOOR_APP, None, work, preload=False, env_extra=env_extra)
    try:
        ready = server.wait_ready(120)
        server.phase = "pages"
        agent = Agent(server.url)
        server.clear_caches()
        cpu = server.cpu_seconds()
        cold, document = agent.interact({})
        cold_cpu = server.cpu_seconds() - cpu
        warm, warm_cpu = [], []
        for _ in range(WARM_RUNS * 2):
            cpu = server.cpu_seconds()
            seconds, _ = agent.interact({"session_id": document["session_id"]})
            warm.append(seconds)
            warm_cpu.append(server.cpu_seconds() - cpu)
        out = {
            "ready_s": ready,
            "cold_s": cold,
            "cold_cpu_s": cold_cpu,
            "warm_s": statistics.median(warm),
            "warm_cpu_s": statistics.median(warm_cpu),
            "ok": ok(document),
        }
        if with_load:
            server.phase = "load"
            out["load"] = load_test(server, "", "ward", [f"Ward {i:02d}" for i in range(1, 19)], as_list=False)
        out["peak_rss"] = server.peak_rss
        log(f"floor{' (Streamlit default GC)' if env_extra else ''}: cold {cold:.3f} s, warm {out['warm_s']:.3f} s")
        return out
    finally:
        server.stop()


def measure_scale(scale: int, data: dict, work: Path, with_load: bool) -> dict:
    data_dir = Path(data["folder"])
    out: dict = {"data": data}
    log(f"{scale}x: start-up (imports, load + validate, then the DuckDB query set) ...")
    # An empty validation cache of its own: the start-up measured here is a first start, checking every row.
    server = Server(
        DASHBOARD, data_dir, work, preload=True, env_extra={"ONE_HALTON_CACHE_DIR": str(work / f"cache-{scale}")}
    )
    try:
        out["ready_s"] = server.wait_ready(3600)
        report = server.report()
        out["imports_s"] = report.get("imports_s")
        out["load_validate_s"] = report.get("load_validate_s")
        out["load_seconds"] = report.get("load_seconds", {})
        out["tables"] = report.get("tables")
        out["duckdb"] = report.get("duckdb", [])
        out["startup_peak_rss"] = server.peak_rss
        server.phase = "pages"
        log(f"{scale}x: pages ...")
        out["pages"] = render_pages(server, list(PAGES))
        if with_load:
            server.phase = "load"
            out["load"] = load_test(server, "", "ward", halton_ward_names(data_dir), as_list=True)
        out["peak_rss"] = server.peak_rss
        out["phase_peaks"] = dict(server.phase_peaks)
    finally:
        server.stop()
    log(f"{scale}x: pandas baseline ...")
    pandas_out = work / f"pandas-{scale}.json"
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.bench",
            "pandas",
            str(data_dir),
            str(server.report_path.with_suffix(".results")),
            str(pandas_out),
        ],
        cwd=ROOT,
    )
    out["pandas"] = json.loads(pandas_out.read_text()) if pandas_out.exists() else {"rows": []}
    if finished.returncode:
        out["pandas"]["failed"] = f"the pandas process ended with {finished.returncode} (killed for memory?)"
        log(f"{scale}x: {out['pandas']['failed']}")
    done = len(out["pandas"]["rows"])
    out["pandas"]["rows"] += [
        {"label": r["label"], "seconds": None, "runs": 0, "check": "not run"} for r in out["duckdb"][done:]
    ]
    return out


# ----------------------------------------------------------------------------------------------
# The board pack (a separable part: `python -m scripts.bench pack`)


def pack_inprocess_main(argv: list[str]) -> None:
    """`python -m scripts.bench pack-inprocess DATA WARD OUT.json`: in one fresh process, load the data once, then
    build the ward view's pack PACK_RUNS times, as a server with its database already loaded would."""
    data_dir, ward, out = Path(argv[0]), argv[1], Path(argv[2])
    started = time.perf_counter()
    from onehalton.board_pack import View, build_pack
    from onehalton.db import Database

    imported = time.perf_counter()
    database = Database(data_dir)
    loaded = time.perf_counter()
    builds = []
    for _ in range(PACK_RUNS):
        cpu, wall = time.process_time(), time.perf_counter()
        pdf = build_pack(View(wards=(ward,)), database)
        builds.append({"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu, "bytes": len(pdf)})
    out.write_text(json.dumps({"imports_s": imported - started, "load_s": loaded - imported, "builds": builds}))


def measure_pack(scale: int = 1) -> dict:
    """The board pack for Halton's busiest ward: the command line end to end (a new process: imports, load and
    validation of the extracts, gathering, charts, PDF), median of PACK_RUNS; and, in one process with the data
    loaded once, the first build (which starts vl-convert's JavaScript engine and reads the fonts) and the
    builds after it."""
    import resource

    data = ensure_data(scale)
    data_dir = Path(data["folder"])
    ward, ward_name = halton_ward(data_dir)
    work = BENCH_DIR / "pack"
    work.mkdir(parents=True, exist_ok=True)
    log(f"board pack: {ward_name} ({ward}) at {scale}x, command line x{PACK_RUNS} ...")
    runs = []
    for i in range(PACK_RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "onehalton.board_pack",
                "--out",
                str(work / "pack.pdf"),
                "--data-dir",
                str(data_dir),
                "--ward",
                ward,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode:
            return {"scale": scale, "ward": ward_name, "error": done.stderr.strip().splitlines()[-1:]}
        runs.append(
            {
                "wall_s": wall,
                "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                "peak_rss_bytes": after.ru_maxrss * 1024,
            }
        )
        log(f"  command line run {i + 1}: {wall:.2f} s")
    pages = subprocess.run(["pdfinfo", str(work / "pack.pdf")], capture_output=True, text=True).stdout
    log("board pack: in one process ...")
    subprocess.run(
        [sys.executable, "-m", "scripts.bench", "pack-inprocess", str(data_dir), ward, str(work / "inprocess.json")],
        cwd=ROOT,
        check=True,
        timeout=600,
    )
    inprocess = json.loads((work / "inprocess.json").read_text())
    return {
        "scale": scale,
        "ward": ward_name,
        "ward_code": ward,
        "cli_s": statistics.median(r["wall_s"] for r in runs),
        "cli_cpu_s": statistics.median(r["cpu_s"] for r in runs),
        "cli_runs": runs,
        "pages": next((int(line.split()[-1]) for line in pages.splitlines() if line.startswith("Pages:")), None),
        "bytes": (work / "pack.pdf").stat().st_size,
        "inprocess": inprocess,
        "load_at_end": os.getloadavg()[0],
    }


def pack_main(argv: list[str]) -> None:
    """Measure the board pack alone; merge it into the last full run's results and rewrite the report."""
    parser = argparse.ArgumentParser(prog="python -m scripts.bench pack")
    parser.add_argument("--out", default=str(DOC), help="the Markdown report (default docs/performance.md)")
    args = parser.parse_args(argv)
    pack = measure_pack(1)
    (BENCH_DIR / "pack.json").write_text(json.dumps(pack, indent=2))
    print(render_pack(pack))
    saved_path = BENCH_DIR / "results.json"
    if saved_path.exists():
        saved = json.loads(saved_path.read_text())
        saved["scales"] = {int(k): v for k, v in saved["scales"].items()}
        saved["pack"] = pack
        saved_path.write_text(json.dumps(saved, indent=2, default=str))
        Path(args.out).write_text(render(saved))
        log(f"merged into {saved_path} and rewrote {args.out}")
    else:
        log(f"no full run in {saved_path} to merge into: run `make bench` for the whole report")


def pack_verdict(pack: dict | None) -> tuple[bool | None, str]:
    if not pack:
        return None, "not measured"
    if "error" in pack:
        return False, f"the command line failed: {pack['error']}"
    return pack["cli_s"] < PACK_TARGET_S, (
        f"{_s(pack['cli_s'])} from the command line (a new process), "
        f"{_s(pack['inprocess']['builds'][-1]['wall_s'])} in a process with "
        f"the data loaded ({pack['ward']}, {pack['pages']} pages)"
    )


def render_pack(pack: dict) -> str:
    if "error" in pack:
        return f"## Board pack\n\nThe command line failed: {pack['error']}\n"
    builds = pack["inprocess"]["builds"]
    lines = [
        "## Board pack (`python -m scripts.bench pack`)",
        "",
        f"The PDF for a ward view (`--ward {pack['ward_code']}`, {pack['ward']}; the whole period; the latest "
        f"budget year and month) at {pack['scale']}x: {pack['pages']} pages, {pack['bytes']:,} bytes. Wall time "
        "(CPU time in brackets).",
        "",
        "| measure | time |",
        "| --- | ---: |",
        f"| command line, end to end (median of {len(pack['cli_runs'])}: start Python, import, load and validate "
        f"the extracts, gather, draw the charts, lay out the PDF) | {_s(pack['cli_s'])} "
        f"({_s(pack['cli_cpu_s'])}) |",
        f"| in one process: imports | {_s(pack['inprocess']['imports_s'])} |",
        f"| in one process: load and validate the extracts | {_s(pack['inprocess']['load_s'])} |",
        f"| in one process: first build (starts vl-convert's engine, reads the fonts) | {_s(builds[0]['wall_s'])} "
        f"({_s(builds[0]['cpu_s'])}) |",
    ]
    lines += [
        f"| in one process: build {i + 1} | {_s(b['wall_s'])} ({_s(b['cpu_s'])}) |"
        for i, b in enumerate(builds[1:], start=1)
    ]
    lines += [
        "",
        f"Peak memory of a command-line run: {_mb(max(r['peak_rss_bytes'] for r in pack['cli_runs']))}. "
        f"Load average at the end: {pack['load_at_end']:.1f}.",
        "",
    ]
    return "\n".join(lines)


# Many sessions on one process and on several behind HAProxy (scripts/serve.py); restarts (the validation cache)

BALANCER_COOKIE = "ONEHALTON_WORKER"  # deploy/haproxy.cfg's sticky-session cookie
# (label, workers): 0 is one dashboard process on its own, as `make run` serves it; N >= 1 is `make serve WORKERS=N`.
CONFIGURATIONS = (("one process (make run)", 0), ("WORKERS=1 behind HAProxy", 1), ("WORKERS=2 behind HAProxy", 2))
RESTART_SCALE = 100
SERVING_TARGETS = {
    "p95": "25 sessions, WORKERS=2: p95 at most 2 s",
    "throughput": "25 sessions: throughput with WORKERS=2 at least 1.7x one process",
    "errors": "25 sessions: no errors, in any configuration",
    "restart": f"Restart at {RESTART_SCALE}x on unchanged files: first page within 5 s",
}
SERVING_BEGIN = "<!-- serving: written by scripts/bench.py (--parts concurrency,restart); run it again, do not edit -->"
SERVING_END = "<!-- serving: end -->"


class Cluster:
    """The dashboard as it is deployed: with workers=0 one `scripts.serve worker` process (what `make run` serves,
    data loaded before it listens), else `scripts.serve --workers N` (N such workers and HAProxy in front). The
    agent API is on; everything listens on 127.0.0.1."""

    def __init__(self, data_dir: Path, work: Path, workers: int, cache_dir: Path):
        import psutil

        self.port = _free_port()
        self.log_path = work / f"cluster-{workers}-{self.port}.log"
        env = dict(
            os.environ, PYTHONUNBUFFERED="1", ONE_HALTON_DATA_DIR=str(data_dir), ONE_HALTON_CACHE_DIR=str(cache_dir)
        )
        if workers == 0:
            command = [
                sys.executable,
                "-m",
                "scripts.serve",
                "worker",
                "--port",
                str(self.port),
                "--address",
                HOST,
                "--agent-api",
            ]
        else:
            ports = ",".join(str(_free_port()) for _ in range(workers))
            command = [
                sys.executable,
                "-m",
                "scripts.serve",
                "--workers",
                str(workers),
                "--port",
                str(self.port),
                "--bind",
                f"{HOST}:{self.port}",
                "--worker-ports",
                ports,
                "--agent-api",
            ]
        self.log = open(self.log_path, "w")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._psutil_process = psutil.Process(self.process.pid)
        self.url = f"http://{HOST}:{self.port}/_stcore/agent/interact"

    def wait_ready(self, timeout: float) -> float:
        from scripts import serve

        deadline = time.monotonic() + timeout
        while not serve.healthy(f"{HOST}:{self.port}"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"not ready (exit {self.process.poll()}):\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.05)
        return time.perf_counter() - self.started

    def cpu_seconds(self) -> float:
        return cpu_seconds(self._psutil_process)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def measure_concurrency(work: Path, repeats: int) -> dict:
    """LOAD_SESSIONS sessions (open the Overview, change the ward LOAD_CHANGES times) against each configuration,
    `repeats` rounds, the configurations taking turns so that the machine's other load falls on each alike."""
    data = ensure_data(1)
    data_dir = Path(data["folder"])
    wards = halton_ward_names(data_dir)
    runs: list[dict] = []
    for round_ in range(repeats):
        for label, workers in CONFIGURATIONS:
            log(f"concurrency: {label}, round {round_ + 1} of {repeats} ...")
            cluster = Cluster(data_dir, work, workers, work / "cache-concurrency")
            try:
                ready = cluster.wait_ready(600)
                load_before = os.getloadavg()[0]
                cpu = cluster.cpu_seconds()
                result = load_test(cluster, "", "ward", wards, as_list=True)
                result.update(
                    label=label,
                    workers=workers,
                    round=round_ + 1,
                    ready_s=ready,
                    cpu_s=cluster.cpu_seconds() - cpu,
                    load_avg_before=load_before,
                )
                runs.append(result)
            finally:
                cluster.stop()
    return {"data": data, "runs": runs, "repeats": repeats, "date": dt.datetime.now().astimezone().isoformat()}


def _first_page(data_dir: Path, work: Path, cache_dir: Path) -> dict:
    """A worker started from nothing until its first page (the Overview) has drawn: what a restart costs."""
    cluster = Cluster(data_dir, work, 0, cache_dir)
    try:
        ready = cluster.wait_ready(3600)
        _, document = Agent(cluster.url).interact({})
        first = time.perf_counter() - cluster.started
        loaded = [line for line in cluster.log_path.read_text().splitlines() if "data loaded in" in line]
        return {
            "ready_s": ready,
            "first_page_s": first,
            "ok": ok(document),
            "problem": "" if ok(document) else problem(document),
            "loaded": loaded[-1].split("] ", 1)[-1] if loaded else "",
        }
    finally:
        cluster.stop()


def measure_restart(work: Path, scale: int) -> dict:
    """A first start with an empty validation cache, then a restart on the same, unchanged files."""
    data = ensure_data(scale)
    cache_dir = work / "cache-restart"
    if cache_dir.exists():
        shutil.rmtree(cache_dir)
    load_before = os.getloadavg()[0]
    log(f"restart at {scale}x: first start, nothing cached ...")
    cold = _first_page(Path(data["folder"]), work, cache_dir)
    log(f"  first page after {cold['first_page_s']:.1f} s ({cold['loaded']})")
    log(f"restart at {scale}x: restart on unchanged files ...")
    warm = _first_page(Path(data["folder"]), work, cache_dir)
    log(f"  first page after {warm['first_page_s']:.1f} s ({warm['loaded']})")
    return {
        "scale": scale,
        "data": data,
        "cold": cold,
        "warm": warm,
        "load_avg_before": load_before,
        "cache_bytes": _folder_size(cache_dir),
        "date": dt.datetime.now().astimezone().isoformat(),
    }


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def serving_verdicts(results: dict) -> dict[str, tuple[bool | None, str]]:
    out: dict[str, tuple[bool | None, str]] = {k: (None, "not measured") for k in SERVING_TARGETS}
    runs = results.get("concurrency", {}).get("runs", [])
    by = {w: [r for r in runs if r["workers"] == w] for w in (0, 1, 2)}
    if by[2]:
        p95 = _median([r["p95_s"] for r in by[2]])
        out["p95"] = (p95 is not None and p95 <= 2.0, f"p95 {_s(p95)} (median over {len(by[2])} rounds)")
    if by[0] and by[2]:
        one, two = _median([r["reruns_per_s"] for r in by[0]]), _median([r["reruns_per_s"] for r in by[2]])
        ratio = two / one if one else 0.0
        out["throughput"] = (ratio >= 1.7, f"{two:.1f} / {one:.1f} reruns/s = {ratio:.2f}x")
    if runs:
        errors = sum(r["errors"] for r in runs)
        out["errors"] = (errors == 0, f"{errors} errors over {sum(r['reruns'] for r in runs):,} reruns")
    restart = results.get("restart")
    if restart:
        warm = restart["warm"]
        out["restart"] = (
            warm["ok"] and warm["first_page_s"] <= 5.0 and restart["scale"] == RESTART_SCALE,
            f"at {restart['scale']}x, {_s(warm['first_page_s'])} to the first page (with nothing cached: "
            f"{_s(restart['cold']['first_page_s'])})" + ("" if warm["ok"] else f"; {warm['problem']}"),
        )
    return out


def render_serving(results: dict) -> str:
    concurrency = results.get("concurrency", {})
    restart = results.get("restart")
    lines = [
        SERVING_BEGIN,
        "",
        "## Many sessions: one process, and several behind HAProxy; restarts",
        "",
        'Measured by `python -m scripts.bench --parts concurrency,restart` (`make bench BENCH_ARGS="--parts '
        'concurrency"` reruns only the sessions). The servers are the real deployment: `scripts/serve.py` '
        "workers (each loads and checks the data before it listens), alone or behind HAProxy with "
        "`deploy/haproxy.cfg`, driven through Streamlit's agent API, each client session keeping its sticky "
        "cookie. On this machine six agents share the 2 cores, so these figures are pessimistic; the load "
        "average when each run started is given.",
        "",
        "| target | result | |",
        "| --- | --- | --- |",
    ]
    for key, (met, detail) in serving_verdicts(results).items():
        lines.append(
            f"| {SERVING_TARGETS[key]} | {'met' if met else 'not measured' if met is None else '**missed**'}"
            f" | {detail} |"
        )
    if concurrency.get("runs"):
        lines += [
            "",
            f"### {LOAD_SESSIONS} sessions: open the Overview, change the ward {LOAD_CHANGES} times "
            f"(1x data; {concurrency['date'][:16]})",
            "",
            "Throughput is completed ward changes per second of wall time; p50 and p95 are per ward change "
            "(opening the sessions is timed separately: median / slowest). Server CPU is every process of "
            "the configuration (workers, HAProxy) over the ward changes; client CPU is the benchmark's own "
            "process, which drives every session, over the same wall time.",
            "",
            "| configuration | round | sessions per worker | reruns | reruns/s | p50 | p95 | errors | opening "
            "| server CPU | client CPU | wall | load avg at start |",
            "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in concurrency["runs"]:
            spread = ", ".join(f"{k or 'direct'}: {v}" for k, v in sorted(r.get("per_worker", {}).items()))
            lines.append(
                f"| {r['label']} | {r['round']} | {spread} | {r['reruns']} | {r['reruns_per_s']:.1f} | "
                f"{_s(r['p50_s'])} | {_s(r['p95_s'])} | {r['errors']} | {_s(r.get('open_p50_s'))} / "
                f"{_s(r.get('open_max_s'))} | {r['cpu_s']:.1f} s | "
                + (f"{r['client_cpu_s']:.1f} s" if "client_cpu_s" in r else "n/a")
                + f" | {r['wall_s']:.1f} s | {r['load_avg_before']:.1f} |"
            )
        problems = sorted({p for r in concurrency["runs"] for p in r.get("problems", [])})
        lines += [f"\n- load error: {p}" for p in problems]
    if restart:
        data = restart["data"]
        lines += [
            "",
            f"### Restart at {restart['scale']}x ({data['appointment_rows']:,} appointment rows, "
            f"{_mb(data['bytes'])}; {restart['date'][:16]}, load average {restart['load_avg_before']:.1f})",
            "",
            "From starting the worker process to its first page (the Overview) drawn; 'ready' is when it "
            "listens, after loading the data. The validation cache (`onehalton/validation_cache.py`, "
            "outside the data folder) is empty for the first start and holds what it left for the second; "
            f"it took {_mb(restart['cache_bytes'])}.",
            "",
            "| start | ready | first page | data load (the worker's log) |",
            "| --- | ---: | ---: | --- |",
        ]
        for label, key in (("first start, nothing cached", "cold"), ("restart, files unchanged", "warm")):
            entry = restart[key]
            lines.append(
                f"| {label} | {_s(entry['ready_s'])} | {_s(entry['first_page_s'])}"
                f"{'' if entry['ok'] else ' **error**'} | {entry['loaded']} |"
            )
    lines += ["", SERVING_END]
    return "\n".join(lines)


def splice_serving(document: str, block: str) -> str:
    """The report with its serving section replaced by `block` (or added before the profiling notes)."""
    if SERVING_BEGIN in document and SERVING_END in document:
        head, rest = document.split(SERVING_BEGIN, 1)
        return head + block + rest.split(SERVING_END, 1)[1]
    anchor = "## What profiling found"
    if anchor in document:
        head, tail = document.split(anchor, 1)
        return head + block + "\n\n" + anchor + tail
    return document.rstrip("\n") + "\n\n" + block + "\n"


PARTS = ("pages", "concurrency", "restart")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help="comma-separated, default all: pages (start-up, renders, DuckDB vs pandas, memory, the "
        "floor), concurrency (25 sessions: one process, WORKERS=1 and 2 behind HAProxy), "
        f"restart (first page after a restart at {RESTART_SCALE}x). A part not run keeps its "
        "figures from .bench/results.json and its section of the report",
    )
    parser.add_argument("--scales", default=",".join(map(str, SCALES)), help="comma-separated, default 1,10,100")
    parser.add_argument("--load-scales", default="1", help="scales at which to run the 25-session load test")
    parser.add_argument("--repeats", type=int, default=1, help="rounds of the concurrency part (default 1)")
    parser.add_argument("--restart-scale", type=int, default=RESTART_SCALE)
    parser.add_argument("--out", default=str(DOC), help="the Markdown report (default docs/performance.md)")
    parser.add_argument(
        "--render-only", action="store_true", help="measure nothing: write the report again from .bench/results.json"
    )
    args = parser.parse_args(argv)
    saved_path = BENCH_DIR / "results.json"
    results: dict = {}
    if saved_path.exists():
        results = json.loads(saved_path.read_text())
        results["scales"] = {int(k): v for k, v in results.get("scales", {}).items()}
    if args.render_only:
        write_report(results, Path(args.out))
        return
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    started = time.perf_counter()
    work = BENCH_DIR / "run"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if "pages" in parts:
        scales = [int(s) for s in args.scales.split(",") if s.strip()]
        load_scales = {int(s) for s in args.load_scales.split(",") if s.strip()}
        results.update(machine=machine(), scales={})
        results["data"] = {scale: ensure_data(scale) for scale in scales}
        results["floor"] = measure_floor(work, with_load=bool(load_scales & set(scales)))
        results["floor_default_gc"] = measure_floor(
            work, with_load=bool(load_scales & set(scales)), env_extra=DEFAULT_GC
        )
        for scale in scales:
            results["scales"][scale] = measure_scale(
                scale, results["data"][scale], work, with_load=scale in load_scales
            )
        results["pack"] = measure_pack(1)
    if "concurrency" in parts:
        results["concurrency"] = measure_concurrency(work, args.repeats)
    if "restart" in parts:
        results["restart"] = measure_restart(work, args.restart_scale)
    if "pages" in parts:
        results["bench_s"] = time.perf_counter() - started
        results["load_at_end"] = os.getloadavg()[0]
    BENCH_DIR.mkdir(exist_ok=True)
    saved_path.write_text(json.dumps(results, indent=2, default=str))
    write_report(results, Path(args.out))
    log(f"wrote {args.out} in {(time.perf_counter() - started) / 60:.1f} min")


def write_report(results: dict, out: Path) -> None:
    """The whole report where the pages part has figures; else only the serving section is written into it."""
    existing = out.read_text() if out.exists() else "# Performance\n"
    if results.get("concurrency") or results.get("restart"):
        block = render_serving(results)
    elif SERVING_BEGIN in existing and SERVING_END in existing:
        block = SERVING_BEGIN + existing.split(SERVING_BEGIN, 1)[1].split(SERVING_END, 1)[0] + SERVING_END
    else:
        block = ""
    if results.get("floor") and results.get("scales"):
        text = render(results)
        text = splice_serving(text, block) if block else text
    else:
        text = splice_serving(existing, block) if block else existing
    out.write_text(text)


# ----------------------------------------------------------------------------------------------
# The report


def _s(value) -> str:
    if value is None:
        return "n/a"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _mb(value) -> str:
    return "n/a" if not value else f"{value / 2**20:,.0f} MB"


def verdicts(results: dict) -> dict[str, tuple[bool | None, str]]:
    floor = results["floor"]
    scales = results["scales"]
    out: dict[str, tuple[bool | None, str]] = {}
    warm_worst = [
        (scale, path, entry["warm_s"])
        for scale, r in scales.items()
        for path, entry in r["pages"].items()
        if entry.get("warm_s") is not None
    ]
    if warm_worst:
        scale, path, worst = max(warm_worst, key=lambda t: t[2])
        out["warm"] = (
            worst <= 2 * floor["warm_s"],
            f"slowest warm render {_s(worst)} (/{path} at {scale}x) against 2 x floor = {_s(2 * floor['warm_s'])}",
        )
    for key, scale, limit in (("cold_1", 1, 1.0), ("cold_100", 100, 3.0)):
        if scale in scales:
            pages = scales[scale]["pages"]
            path, entry = max(pages.items(), key=lambda kv: kv[1]["cold_s"])
            out[key] = (
                entry["cold_s"] < limit and all(e["ok"] for e in pages.values()),
                f"slowest cold render {_s(entry['cold_s'])} (/{path})"
                + ("" if all(e["ok"] for e in pages.values()) else "; some page failed"),
            )
        else:
            out[key] = (None, f"not measured ({scale}x not in this run)")
    if 100 in scales:
        duck, pand, missing = _totals(scales[100])
        build = scales[100].get("load_seconds", {}).get("summaries")
        out["duckdb"] = (
            pand >= 10 * duck and not missing,
            f"pandas {_s(pand)} / DuckDB {_s(duck)} = {pand / duck:.1f}x over the queries both ran, as "
            "the dashboard runs them"
            + (
                f" ({pand / (duck + build):.1f}x with the summaries' one-off {_s(build)} build added)"
                if build is not None
                else ""
            )
            + (f"; pandas did not finish {missing}" if missing else ""),
        )
        out["memory"] = (scales[100]["peak_rss"] < 2**30, f"peak {_mb(scales[100]['peak_rss'])}")
    else:
        out["duckdb"] = (None, "not measured (100x not in this run)")
        out["memory"] = (None, "not measured (100x not in this run)")
    loads = [(scale, r["load"]) for scale, r in scales.items() if "load" in r]
    if loads and "load" in floor:
        scale, load = loads[0]
        ratio = load["reruns_per_s"] / floor["load"]["reruns_per_s"] if floor["load"]["reruns_per_s"] else 0
        out["load"] = (
            ratio >= 0.5 and load["errors"] == 0 and floor["load"]["errors"] == 0,
            f"{load['reruns_per_s']:.1f} reruns/s at {scale}x = {ratio:.0%} of the floor's "
            f"{floor['load']['reruns_per_s']:.1f}; {load['errors']} errors",
        )
    else:
        out["load"] = (None, "not measured")
    out["pack"] = pack_verdict(results.get("pack"))
    return out


def _totals(scale_result: dict) -> tuple[float, float, int]:
    """DuckDB and pandas seconds over the queries both finished, and how many pandas did not finish."""
    pairs = list(zip(scale_result["duckdb"], scale_result["pandas"]["rows"]))
    both = [(d["seconds"], p["seconds"]) for d, p in pairs if p.get("seconds") is not None]
    missing = len(scale_result["duckdb"]) - len(both)
    return sum(d for d, _ in both), sum(p for _, p in both), missing


def render(results: dict) -> str:
    m = results["machine"]
    floor = results["floor"]
    scales = results["scales"]
    order = sorted(scales)
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m scripts.bench`); do not edit by hand, run it again. Raw figures are in "
        "`.bench/results.json`.",
        "",
        "## Machine",
        "",
        f"- Date: {m['date']}",
        f"- CPU: {m['cpu']}; {m['usable_cores']} usable cores ({m['logical_cores']} logical, "
        f"{m['physical_cores']} physical)",
        f"- RAM: {m['ram_gb']} GB; OS: {m['os']}",
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- The whole benchmark took {results['bench_s'] / 60:.1f} min. Load average (1 min) at its start "
        f"{m['load_at_start']:.1f}, at its end {results.get('load_at_end', float('nan')):.1f}: other work on the "
        "machine competes for the same cores and shows in wall times, not in CPU times.",
        "",
        "## Definitions",
        "",
        "- **Start-up (load + validate)**: what a server process does once, before its first page can draw: import "
        "the app's modules, then `onehalton.db.database()`, which reads every extract, checks it against the data "
        "contract, maps it to a DuckDB view and builds the summaries the appointment queries read "
        "(`queries/summaries/`, one pass over the appointments extract each). It is an `st.cache_resource` entry "
        "shared by every session until the data folder changes. The bench does it in the server process before "
        "Streamlit starts serving, and times it there.",
        "- **Cold render**: the first render of a page after start-up, with `st.cache_data` empty (every query and "
        "cached chart computed afresh): a new session's first run of the page. The bench empties `st.cache_data` "
        "(SIGUSR1 to its server) before each page, so each page is cold on its own.",
        "- **Warm render**: the same session rerunning the page with nothing changed (median of "
        f"{WARM_RUNS}), so every query and cached chart is a cache hit. This is what each filter change costs once "
        "its results are cached.",
        "- Both are measured server-side through Streamlit's agent API (`POST /_stcore/agent/interact`, which "
        "returns when the run has settled, with the page as an element tree); no browser is involved. **Floor**: "
        "`scripts/floor_app.py` (one URL-bound selectbox, one metric), served and measured the same way, is what "
        "Streamlit itself costs per run and request.",
        "- **DuckDB vs pandas**: the queries the Overview and Living Well run (whole period, all of Halton, and "
        "one ward), through `Database.run` as the dashboard runs them (the appointment queries read the summaries "
        "built at start-up, the others validated views over the parquet files; bound parameters, Arrow to "
        "pandas), against the same results computed with `pandas.read_parquet` (only the columns needed, the period "
        "and ward filters pushed down to the reader, strings as categories, dates as datetime64) and `groupby` "
        "(first by the few values the measures test, then the measures), reading the files each time as DuckDB "
        "does, in one process. Each pandas result is checked against DuckDB's (`check`). Times are medians of up "
        "to 3 runs (one run where a run takes over 6 s). Because DuckDB's side reads summaries that cost a pass "
        "over the extract to build, each table also gives the ratio with that one-off build added to DuckDB's "
        "time, as if the dashboard answered the whole query set once and then stopped.",
        "- **Peak memory**: the server's RSS, children included, sampled every 50 ms from start to stop "
        "(start-up, the query set, every page, and the load test where run).",
        f"- **Load**: {LOAD_SESSIONS} agent sessions on the Overview at once, each changing the ward filter "
        f"{LOAD_CHANGES} times (Halton's wards in turn, so later changes hit the cache); throughput is completed "
        "reruns per second of wall time, latency per request. The floor page gets the same load on its selectbox.",
        "",
        "## Targets",
        "",
        "| target | result | |",
        "| --- | --- | --- |",
    ]
    for key, (met, detail) in verdicts(results).items():
        lines.append(
            f"| {TARGETS[key]} | {'met' if met else 'not measured' if met is None else '**missed**'} | {detail} |"
        )
    lines += [
        "",
        "## Data volumes",
        "",
        "| scale | appointment rows | on disk | generation | start-up: imports | start-up: load + validate "
        "| of which validation | of which summaries |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scale in order:
        data = scales[scale]["data"]
        generated = _s(data["generation_s"]) + (f" (cached from {data['generated_on']})" if data.get("reused") else "")
        lines.append(
            f"| {scale}x | {data['appointment_rows']:,} | {_mb(data['bytes'])} | {generated} | "
            f"{_s(scales[scale]['imports_s'])} | {_s(scales[scale]['load_validate_s'])} | "
            f"{_s(scales[scale].get('load_seconds', {}).get('validate'))} | "
            f"{_s(scales[scale].get('load_seconds', {}).get('summaries'))} |"
        )
    lines += [
        "",
        "## Page renders (server-side, through the agent API)",
        "",
        "Each cell is wall time, then the server's CPU time for the same render in brackets (CPU time is "
        "what the render costs; wall time also holds waiting for the CPU that other processes on the machine "
        "were using). The floor page was measured once, on its own server, and is repeated in each column.",
        "",
        "| page | " + " | ".join(f"cold {s}x | warm {s}x" for s in order) + " |",
        "| --- | " + " | ".join("---: | ---:" for _ in order) + " |",
    ]

    def cell(entry: dict, which: str) -> str:
        return f"{_s(entry.get(which + '_s'))} ({_s(entry.get(which + '_cpu_s'))})"

    for path, title in PAGES.items():
        cells = []
        for scale in order:
            entry = scales[scale]["pages"].get(path, {})
            flag = "" if entry.get("ok", True) else " **error**"
            cells += [cell(entry, "cold") + flag, cell(entry, "warm")]
        lines.append(f"| {title} (`/{path}`) | " + " | ".join(cells) + " |")
    lines.append(
        "| **Floor** (`scripts/floor_app.py`) | "
        + " | ".join(f"{cell(floor, 'cold')} | {cell(floor, 'warm')}" for _ in order)
        + " |"
    )
    default_gc = results.get("floor_default_gc")
    if default_gc:
        lines.append(
            "| Floor with Streamlit's default `runner.postScriptGC = true`, for reference | "
            + " | ".join(f"{cell(default_gc, 'cold')} | {cell(default_gc, 'warm')}" for _ in order)
            + " |"
        )
    problems = [(s, p, e["problem"]) for s in order for p, e in scales[s]["pages"].items() if not e.get("ok", True)]
    if problems:
        lines += ["", "Pages that raised or were refused:", ""]
        lines += [f"- {s}x `/{p}`: {text}" for s, p, text in problems]
    lines += ["", "## DuckDB vs pandas", ""]
    for scale in order:
        duck = scales[scale]["duckdb"]
        pandas_side = scales[scale]["pandas"]
        total_d, total_p, missing = _totals(scales[scale])
        lines += [
            f"### {scale}x",
            "",
            "| query | rows | DuckDB | pandas | pandas / DuckDB | check |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for d, p in zip(duck, pandas_side["rows"]):
            ratio = f"{p['seconds'] / d['seconds']:.1f}x" if p.get("seconds") else "n/a"
            lines.append(
                f"| {d['label']} | {d['rows']:,} | {_s(d['seconds'])} | {_s(p.get('seconds'))} | "
                f"{ratio} | {p['check']} |"
            )
        lines += [
            f"| **all{' that both finished' if missing else ''}** | | **{_s(total_d)}** | **{_s(total_p)}** | "
            f"**{total_p / total_d:.1f}x** | |"
        ]
        build = scales[scale].get("load_seconds", {}).get("summaries")
        if build is not None:
            lines += [
                f"| all, with the one-off build of the summaries ({_s(build)}) | | {_s(total_d + build)} | "
                f"{_s(total_p)} | {total_p / (total_d + build):.1f}x | |"
            ]
        lines += [""]
        notes = [f"pandas' peak memory: {_mb(pandas_side.get('peak_rss_bytes'))}."]
        if pandas_side.get("failed"):
            notes.append(pandas_side["failed"] + ".")
        lines += [" ".join(notes), ""]
    lines += [
        "## Peak memory (server RSS, children included)",
        "",
        "| scale | start-up + query set | peak |",
        "| --- | ---: | ---: |",
    ]
    for scale in order:
        lines.append(f"| {scale}x | {_mb(scales[scale]['startup_peak_rss'])} | {_mb(scales[scale]['peak_rss'])} |")
    lines.append(f"| floor | | {_mb(floor['peak_rss'])} |")
    lines += [
        "",
        f"## {LOAD_SESSIONS} concurrent sessions changing the ward filter",
        "",
        "| app | sessions | reruns | reruns/s | p50 | p95 | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scale in order:
        if "load" in scales[scale]:
            load = scales[scale]["load"]
            lines.append(
                f"| Overview, {scale}x | {load['sessions']} | {load['reruns']} | {load['reruns_per_s']:.1f} | "
                f"{_s(load['p50_s'])} | {_s(load['p95_s'])} | {load['errors']} |"
            )
    for label, entry in (("Floor", floor), ("Floor, Streamlit's default GC (reference)", default_gc or {})):
        if "load" in entry:
            load = entry["load"]
            lines.append(
                f"| {label} | {load['sessions']} | {load['reruns']} | {load['reruns_per_s']:.1f} | "
                f"{_s(load['p50_s'])} | {_s(load['p95_s'])} | {load['errors']} |"
            )
    for scale in order:
        for text in scales[scale].get("load", {}).get("problems", []):
            lines.append(f"\n- {scale}x load error: {text}")
    if results.get("pack"):
        lines += ["", render_pack(results["pack"]).strip()]
    lines += ["", NOTES.strip(), ""]
    return "\n".join(lines)


# What profiling found and what was changed; kept here so the generated report carries it.
NOTES = """
## What profiling found, and what was changed

Profiled with py-spy on the running server while the agent API reran each page (1x data). Changes, each
behaviour-preserving (the same elements, values and downloads reach the browser):

(A record of rounds one and two, in the names of the time. `onehalton/ui.py` has since been split by
responsibility (issue 9): charts in `onehalton/charts.py`, now one recipe per chart shape on `alt.NamedData` drawn
with `st.vega_lite_chart` through public APIs, so no `_template` dataset swap and no `FAST_HASH` hasher remain;
tiles in `tiles.py`, tables and downloads in `tables.py`, lazy tabs and expanders in `frame.py`; suppression by
declaration in `protection.py`, cached with the query result it protects.)

1. **Altair charts rebuilt and revalidated on every rerun** (`onehalton/ui.py`). Building a layered Altair chart
   and Streamlit's `to_dict()` validate the whole spec against the Vega-Lite JSON schema: about 75 ms of CPU per
   chart, more than half of a warm Starting Well or Living Well rerun. `trend_chart`, `bar_chart` and
   `spc_chart` now return a `ChartRecipe` (builder + inputs; any other attribute is the built Altair chart's),
   and `show_chart`/`draw_chart` build and convert it once per distinct input (`st.cache_data`), then send the
   stored spec with `st.vega_lite_chart`: the same Vega-Lite spec and Arrow datasets `st.altair_chart` sends,
   made by Streamlit's own conversion function. The one direct `st.altair_chart` in `sections.py` goes through
   `ui.draw_chart`. Charts built in pages with Altair directly (Budget) still work, uncached.
2. **The same statistics recomputed on every rerun**: the Making Data Count XmR for every tile (`ui.spc_for`),
   small-number suppression (`ui.protect`) and confidence intervals (`sections.add_ci`) are cached per distinct
   input (`st.cache_data`). Streamlit's default hashing of a DataFrame argument (pandas' `hash_pandas_object`,
   column by column) costs 4-7 ms for a 20-80 row frame with text columns, as much as the work saved, so these
   caches hash frames by value with a cheaper digest (`ui.FAST_HASH`, about 1 ms).
3. **A full garbage collection after every run.** Streamlit's `runner.postScriptGC` walks every object the process
   holds, some 160,000 once pandas, Altair (with its Vega-Lite schema) and DuckDB are imported: about 100 ms of each
   rerun, half of a warm Overview. `onehalton/db.py` now calls `gc.collect(); gc.freeze()` once, after the first
   data load, so those long-lived start-up objects are out of the collector's sight; later objects are collected
   as before.
4. DuckDB's progress bar, drawn into the server log for every query over 2 s, is off (`onehalton/db.py`).

Server CPU time per render at 1x before and after changes 1-3, measured once on 2026-11-25 with the same
method as above (not re-measured by later runs of the bench):

| page | cold, before | cold, after | warm, before | warm, after |
| --- | ---: | ---: | ---: | ---: |
| Overview | 0.80 s | 0.70 s | 330 ms | 180 ms |
| Starting Well | 1.79 s | 1.84 s | 1,400 ms | 490 ms |
| Living Well | 2.63 s | 2.05 s | 1,740 ms | 530 ms |
| Ageing Well | 1.29 s | 1.88 s | 960 ms | 460 ms |
| Wider Determinants | 0.98 s | 1.17 s | 800 ms | 350 ms |
| Budget | 0.39 s | 0.21 s | 240 ms | 140 ms |
| Ward profile | 0.26 s | 0.21 s | 190 ms | 60 ms |
| About the data | 0.32 s | 0.16 s | 250 ms | 120 ms |

Cold renders barely move (their cost is the queries; a cold render also pays for filling the new caches), warm
renders fall by a half to two thirds.

Second round (profiled with `scripts/profile_page.py`: py-spy over a served page's cold or warm renders, or the
25-session load; `--gil` so only threads holding the GIL count):

5. **Appointment queries scanned the whole extract** on every new filter: 120 million rows at 100x, seconds a
   query. `queries/summaries/` holds two summaries (month x ward x age band with each measure and mode as a
   column; month x practice x ward) that `onehalton/db.py` builds once at load from the validated views; the
   five appointment queries read them (about 1 and 1.5 million rows at 100x). Same results: every known-answer
   test passes unchanged, and the bench's pandas check still says `same`.
6. **Charts built per distinct input still meant one Altair build and validation per ward and period.** Building
   depends only on the builder, options and column types, so `ui._template` builds each chart once per shape
   with no rows, and each frame's Arrow bytes replace its empty dataset under Streamlit's own content-hash name
   (`tests/test_charts.py`: the spec sent equals `st.altair_chart`'s for every builder). The Budget page's
   charts, built with Altair directly before, go through the same recipes.
7. **Everything drawn on every run, including closed tabs and expanders.** `ui.lazy_tabs` and
   `ui.lazy_expander` (Streamlit's `on_change="rerun"` containers) draw only the open part; opening one reruns
   the page from cache. CSV downloads pass a callable, so the file is written on click, not on every run.
8. **Streamlit's full garbage collection after every run** (`runner.postScriptGC`) was a quarter of the server's
   time under the 25-session load once many sessions' objects were alive: off in `.streamlit/config.toml`,
   which the floor page is served with too (its throughput rose from about 20 to about 180-210 reruns/s;
   the report also measures the floor with Streamlit's default, for reference).
9. Smaller: the Overview's headline tiles are worked out once per distinct frame (a dozen pandas filters a
   run), and the data folder's fingerprint is taken at most once a second rather than on every query call.

Wall time at 1x before and after changes 5-9 (before: the bench of 2026-11-25 10:18 UTC, the start of this
round; after: the bench of 2026-11-25 11:49 UTC, not re-measured by later runs):

| page | cold, before | cold, after | warm, before | warm, after | cold 100x, before | cold 100x, after |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| Overview | 642 ms | 361 ms | 141 ms | 124 ms | 5.40 s | 328 ms |
| Starting Well | 1.52 s | 632 ms | 332 ms | 238 ms | 7.32 s | 582 ms |
| Living Well | 1.48 s | 910 ms | 431 ms | 279 ms | 15.60 s | 957 ms |
| Ageing Well | 1.40 s | 496 ms | 470 ms | 169 ms | 8.77 s | 515 ms |
| Wider Determinants | 838 ms | 268 ms | 284 ms | 125 ms | 699 ms | 327 ms |
| Budget | 295 ms | 132 ms | 245 ms | 87 ms | 249 ms | 221 ms |
| Ward profile | 170 ms | 72 ms | 104 ms | 67 ms | 2.64 s | 140 ms |
| About the data | 106 ms | 65 ms | 140 ms | 97 ms | 152 ms | 104 ms |
| Overview under 25 sessions | 4.6 reruns/s | 9.1 reruns/s | | | | |

## What stands in the way of the missed targets

- **Warm renders against the floor.** With the garbage collection off, the floor page costs about 10 ms of CPU a
  rerun; its 50 ms of wall time is mostly the agent API's own round trip. The content pages still draw 30-90
  elements a run (tiles with sparklines and SPC verdicts, charts, tables, download buttons), every one through
  Streamlit's element and cache machinery: 40-240 ms of CPU. Overview, Budget, Ward profile and About are within
  or near 2x the floor's wall time; the life-course pages are 2.5-5x. Getting there would mean drawing a fraction
  of each page per run (topic tabs on Living Well, say), a change to what the page shows rather than to how it
  is computed, which is not made here.
- **Concurrent sessions.** Streamlit runs every session's script in one Python process under one GIL, so
  throughput is one core divided by the CPU cost of a rerun: about 100 ms for the Overview under load (more
  for a ward the cache has not seen) against the floor's 5 ms. Half the floor's ~180-210 reruns/s would need a
  rerun of about 10 ms of CPU, which no page with real content reaches; more throughput needs more server
  processes behind a load balancer (sessions are independent, so this scales with cores). Against the floor
  served with Streamlit's default collection (about 22 reruns/s), the Overview's 9 reruns/s is about 40%.
- **DuckDB against pandas.** Met as the dashboard runs the queries, because the summaries are built once at
  load. Counting that one-off build (two passes over 120 million rows) against the same query set once, the
  ratio is about 5-6x: reading the raw extract is the cost for either engine.
- **Start-up at 100x** (not a target): validating 120 million rows (row rules and the duplicate-key check)
  takes about 50 s and the summaries 11-12 s; every restart pays it before the first page draws.
"""


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve_main(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "pandas":
        pandas_main(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "pack":
        pack_main(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "pack-inprocess":
        pack_inprocess_main(sys.argv[2:])
    else:
        main()
