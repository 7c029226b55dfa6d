"""The one module that runs SQL, and the only one that imports duckdb.

It opens a locked-down in-memory DuckDB connection that can read the data folder and nothing
else, validates every extract against the contract once (`onehalton.validate`), maps each to a
view with its logical name, and runs the named query files in `queries/` with bound parameters
on a cursor of that connection. Results are cached per data folder, query and parameters.
"""

from __future__ import annotations

import gc
import json
import re
import shutil
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import streamlit as st

from onehalton import config, contract
from onehalton.validate import TableStatus, load_table
from onehalton.validation_cache import ValidationCache


class QueryError(RuntimeError):
    """A query failed; the message names the query file and its parameters."""


class ExtractUnavailable(RuntimeError):
    """A query needs an extract that could not be loaded; the message says why."""

    def __init__(self, statuses: list[TableStatus]):
        self.statuses = statuses
        super().__init__(" ".join(s.summary() for s in statuses))


@dataclass(frozen=True)
class QuerySpec:
    name: str
    path: Path
    sql: str
    purpose: str
    grain: str
    params: tuple[str, ...]
    tables: tuple[str, ...]
    columns: tuple[str, ...]


_HEADER = re.compile(r"^--\s*(Purpose|Grain|Parameters|Tables|Columns):\s*(.*)$", re.MULTILINE)


def _parse_spec(path: Path) -> QuerySpec:
    sql = path.read_text(encoding="utf-8")
    header = {k.lower(): v.strip() for k, v in _HEADER.findall(sql)}
    missing = {"purpose", "grain", "parameters", "tables", "columns"} - header.keys()
    if missing:
        raise QueryError(f"Query file {path.name} lacks header lines: {', '.join(sorted(missing))}")

    def names(text: str) -> tuple[str, ...]:
        return tuple(n for n in (p.strip().split(" ")[0].lstrip("$") for p in text.split(",")) if n and n != "none")

    params = tuple(re.findall(r"\$(\w+)", header["parameters"]))
    return QuerySpec(path.stem, path, sql, header["purpose"], header["grain"], params,
                     names(header["tables"]), names(header["columns"]))


def query_specs() -> dict[str, QuerySpec]:
    """Every query file, by name: the allow-list of what can be run."""
    return {p.stem: _parse_spec(p) for p in sorted(config.QUERIES_DIR.glob("*.sql"))}


def summary_specs() -> dict[str, QuerySpec]:
    """Every summary file, by name: tables built once at load, which queries read like extracts."""
    return {p.stem: _parse_spec(p) for p in sorted(config.SUMMARIES_DIR.glob("*.sql"))}


def read_manifest(data_dir: Path) -> tuple[dict[str, dict], str]:
    """The manifest entries by table, and a problem message ('' when it read cleanly)."""
    path = data_dir / contract.MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, f"No `{contract.MANIFEST_FILE}` in the data folder: provenance unknown, treated as synthetic."
    except (OSError, ValueError) as exc:
        return {}, f"`{contract.MANIFEST_FILE}` cannot be read ({exc}): provenance unknown, treated as synthetic."
    if not isinstance(manifest, dict):
        return {}, f"`{contract.MANIFEST_FILE}` is not a JSON object: provenance unknown, treated as synthetic."
    return {k: v for k, v in manifest.items() if isinstance(v, dict)}, ""


class Database:
    """A validated, read-only view of one data folder."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.specs = query_specs()
        self.manifest, self.manifest_problem = read_manifest(data_dir)
        self._lock = threading.Lock()
        # DuckDB spills here past its memory limit; the folder goes when the Database does.
        spill = Path(tempfile.mkdtemp(prefix="onehalton-duckdb-"))
        weakref.finalize(self, shutil.rmtree, spill, True)
        self.con = self._connect(data_dir, spill)
        started = time.perf_counter()
        # Quick restarts: an extract or summary unchanged since an earlier start is restored, not checked again.
        self.validation_cache = ValidationCache(data_dir)
        self.statuses: dict[str, TableStatus] = {}
        for table in contract.TABLES:
            self.statuses[table.name] = self.validation_cache.table(
                self.con, table, lambda t=table: load_table(self.con, t, data_dir, self.statuses))
        validated = time.perf_counter()
        self.summaries = summary_specs()
        self.summary_statuses: dict[str, TableStatus] = {}
        for name, spec in self.summaries.items():
            self.summary_statuses[name] = self.validation_cache.summary(
                self.con, spec, lambda s=spec: self._build_summary(s))
        # Seconds spent checking the extracts and building the summaries, for the About page and the benchmark.
        self.load_seconds = {"validate": validated - started, "summaries": time.perf_counter() - validated}

    def _build_summary(self, spec: QuerySpec) -> TableStatus:
        """Performance: the appointment queries would otherwise scan every extract row on each new filter (120
        million at 100x the demo volume, seconds a query); a summary is one such scan, paid once at load."""
        status = TableStatus(spec.name, f"Summary `{spec.name}` ({spec.grain.rstrip('.').lower()})",
                             [f"queries/summaries/{spec.path.name}"])
        if self.unavailable(spec.tables):
            status.reason = "an extract it is built from could not be loaded."
            return status
        try:
            self.con.execute(f"CREATE TABLE {spec.name} AS {spec.sql.rstrip().rstrip(';')}")
            status.rows_read = int(self.con.execute(f"SELECT count(*) FROM {spec.name}").fetchone()[0])
        except duckdb.Error as exc:
            status.reason = f"queries/summaries/{spec.path.name} failed: {str(exc).splitlines()[0]}"
            return status
        status.available = True
        return status

    @staticmethod
    def _connect(data_dir: Path, spill: Path):
        con = duckdb.connect(":memory:", config={
            "threads": config.DUCKDB_THREADS,
            "memory_limit": config.DUCKDB_MEMORY_LIMIT,
            "temp_directory": str(spill),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        })
        # The progress bar is a client setting DuckDB refuses in `config` (and once locked): set it here, and
        # cursors inherit it. Left on, every query over ~2 s draws bars into the server's log.
        con.execute("SET enable_progress_bar = false")
        # DuckDB refuses to change allowed_directories once external access is off, and
        # refuses every change once the configuration is locked: this order is the only one.
        folders = [str(data_dir) + "/", str(spill) + "/"]
        con.execute("SET allowed_directories = " + "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in folders) + "]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        return con

    def synthetic(self, table: str) -> bool:
        """True unless the manifest says plainly that the table is not synthetic."""
        return self.manifest.get(table, {}).get("synthetic", True) is not False

    def sources(self, tables: tuple[str, ...]) -> tuple[str, ...]:
        """The extracts behind `tables`: a summary stands for the extracts it is built from."""
        out: list[str] = []
        for table in tables:
            spec = self.summaries.get(table)
            for source in (spec.tables if spec else (table,)):
                if source not in out:
                    out.append(source)
        return tuple(out)

    def unavailable(self, tables: tuple[str, ...]) -> list[TableStatus]:
        """Why `tables` cannot be read: the extracts at fault, named by file (or a summary that failed to build)."""
        blocked = [self.statuses[t] for t in self.sources(tables)
                   if t in self.statuses and not self.statuses[t].available]
        if blocked:
            return blocked
        built = self.summary_statuses
        return [built[t] for t in tables if t in built and not built[t].available]

    def run(self, name: str, params: dict) -> pd.DataFrame:
        spec = self.specs.get(name)
        if spec is None:
            raise QueryError(f"Unknown query {name!r}: no file queries/{name}.sql")
        if set(params) != set(spec.params):
            raise QueryError(f"Query file queries/{name}.sql takes parameters {list(spec.params)}, "
                             f"was given {sorted(params)}")
        blocked = self.unavailable(spec.tables)
        if blocked:
            raise ExtractUnavailable(blocked)
        try:
            # A cursor per query: DuckDB connections are not safe to share across the
            # threads Streamlit runs sessions on, cursors are.
            with self._lock:
                cursor = self.con.cursor()
            try:
                # st.cache_data hashes its arguments, so lists travel as tuples until here.
                bound = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
                # Arrow keeps DECIMAL money exact (as Python Decimal); .df() would turn it to float.
                table = cursor.sql(spec.sql, params=bound).to_arrow_table()
                return _to_pandas(table)
            finally:
                cursor.close()
        except duckdb.Error as exc:
            raise QueryError(f"Query file queries/{name}.sql failed with parameters {params}: "
                             f"{str(exc).splitlines()[0]}") from exc


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """DuckDB sums integers into HUGEINT, which Arrow carries as DECIMAL(38,0): make those plain
    integers again, and keep real decimals (money) as exact Python Decimals."""
    casts = {}
    for i, arrow_field in enumerate(table.schema):
        if pa.types.is_decimal(arrow_field.type) and arrow_field.type.scale == 0:
            casts[i] = pa.field(arrow_field.name, pa.int64())
    for i, arrow_field in casts.items():
        table = table.set_column(i, arrow_field, table.column(i).cast(pa.int64()))
    return table.to_pandas(date_as_object=False)


def _fingerprint(data_dir: Path) -> tuple:
    """Changes when any file in the data folder changes, so a replaced extract is revalidated."""
    try:
        entries = sorted(data_dir.rglob("*"))
    except OSError:
        return ()
    out = []
    for p in entries:
        try:
            s = p.stat()
        except OSError:
            continue
        out.append((str(p.relative_to(data_dir)), s.st_size, s.st_mtime_ns))
    return tuple(out)


@st.cache_resource(show_spinner="Loading and checking the extracts…", max_entries=4)
def _database(data_dir: str, fingerprint: tuple) -> Database:
    loaded = Database(Path(data_dir))
    _freeze_start_up_objects()
    return loaded


_frozen = False


def _freeze_start_up_objects() -> None:
    """Performance: Streamlit runs a full garbage collection after every script run (runner.postScriptGC), which
    walks every object the process holds: some 160,000 once pandas, Altair (its Vega-Lite schema) and DuckDB are
    imported, about 100 ms of each rerun. Those live as long as the process, so once, after the first load, they
    are moved out of the collector's sight (gc.freeze); everything made later is collected as before."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


# Performance: listing and stat-ing the data folder on every query call added up (every page calls several,
# every session every run). A changed extract is still noticed within this many seconds.
FINGERPRINT_TTL_S = 1.0
_fingerprints: dict[str, tuple[float, tuple]] = {}


def _current_fingerprint(folder: Path) -> tuple:
    now = time.monotonic()
    seen = _fingerprints.get(str(folder))
    if seen is None or now - seen[0] > FINGERPRINT_TTL_S:
        seen = (now, _fingerprint(folder))
        _fingerprints[str(folder)] = seen
    return seen[1]


def database() -> Database:
    folder = config.data_dir()
    return _database(str(folder), _current_fingerprint(folder))


@st.cache_data(show_spinner=False, max_entries=2048)
def _cached_run(data_dir: str, fingerprint: tuple, name: str, params: tuple) -> pd.DataFrame:
    return _database(data_dir, fingerprint).run(name, dict(params))


def run_query(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql with bound parameters; cached per data folder, query and parameters."""
    folder = config.data_dir()
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _cached_run(str(folder), _current_fingerprint(folder), name, frozen)
