"""Where things live and the few settings a deployment may change, read from the environment."""

from __future__ import annotations

import os
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


def suppression_threshold() -> int:
    """Counts from 1 to this number are suppressed at ward level (7 by NHS convention)."""
    raw = os.environ.get(THRESHOLD_ENV, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 7


# DuckDB runs inside the Streamlit server, next to every session: bound it so one heavy
# query cannot starve the rest of the dashboard on a small machine.
DUCKDB_THREADS = int(os.environ.get("ONE_HALTON_DUCKDB_THREADS", "2"))
DUCKDB_MEMORY_LIMIT = os.environ.get("ONE_HALTON_DUCKDB_MEMORY_LIMIT", "512MB")
