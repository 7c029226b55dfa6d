"""Where things live and the few settings a deployment may change, read from the environment."""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
# Summaries the data layer builds once, at load, from the validated extracts; queries read them like tables.
SUMMARIES_DIR = QUERIES_DIR / "summaries"
DEMO_DATA_DIR = PROJECT_ROOT / "data" / "demo"

DATA_DIR_ENV = "ONE_HALTON_DATA_DIR"
THRESHOLD_ENV = "ONE_HALTON_SUPPRESSION_THRESHOLD"


def data_dir() -> Path:
    """The folder of extracts: ONE_HALTON_DATA_DIR if set, else the generated demo data."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEMO_DATA_DIR


DEFAULT_THRESHOLD = 7  # counts 1 to 7 suppressed, by NHS convention
# ASCII digits only: str.isdigit() also accepts "²" and "١", which int() then refuses or reads unexpectedly.
_WHOLE_NUMBER = re.compile(r"[0-9]+")


def _threshold_setting() -> tuple[int, str]:
    """(threshold in force, '' or a notice naming a setting that was ignored)."""
    raw = os.environ.get(THRESHOLD_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_THRESHOLD, ""
    text = raw.strip()
    if _WHOLE_NUMBER.fullmatch(text) and int(text) > 0:
        return int(text), ""
    shown = text if len(text) <= 40 else text[:40] + "…"
    shown = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in shown)
    return DEFAULT_THRESHOLD, (
        f"`{THRESHOLD_ENV}` is set to `{shown}`, which is not a positive whole number, so it "
        f"is ignored: small numbers are suppressed at the default threshold, "
        f"{DEFAULT_THRESHOLD}."
    )


def suppression_threshold() -> int:
    """Counts from 1 to this number are suppressed at ward level (7 by NHS convention)."""
    return _threshold_setting()[0]


def suppression_threshold_problem() -> str:
    """A notice for the pages when the threshold setting was ignored ('' when it is fine or unset)."""
    return _threshold_setting()[1]


# DuckDB runs inside the Streamlit server, next to every session: bound it so one heavy
# query cannot starve the rest of the dashboard on a small machine.
DUCKDB_THREADS = int(os.environ.get("ONE_HALTON_DUCKDB_THREADS", "2"))
DUCKDB_MEMORY_LIMIT = os.environ.get("ONE_HALTON_DUCKDB_MEMORY_LIMIT", "512MB")
