"""The one module that runs SQL, and the only one that imports duckdb.

It opens a locked-down in-memory DuckDB connection that can read the data folder and nothing
else, validates every extract against the contract once (`onehalton.validate`), maps each to a
view with its logical name, and runs the named query files in `queries/` with bound parameters
on a cursor of that connection. Results are cached per data folder, query and parameters.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import json
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import streamlit as st

from onehalton import config, contract, inequality, protection
from onehalton.validate import CANONICAL_TYPES, TableStatus, load_table
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
    measures: tuple[str, ...] = ()  # registry measures it returns (`-- Measures:`), checked by a test
    suppress: str = "none"  # how its small numbers are protected (`-- Suppress:`, see onehalton.protection)


_HEADER = re.compile(r"^--\s*(Purpose|Grain|Parameters|Tables|Columns|Measures|Suppress):\s*(.*)$", re.MULTILINE)


def _parse_spec(path: Path) -> QuerySpec:
    sql = path.read_text(encoding="utf-8")
    header = {k.lower(): v.strip() for k, v in _HEADER.findall(sql)}
    missing = {"purpose", "grain", "parameters", "tables", "columns"} - header.keys()
    if missing:
        raise QueryError(f"Query file {path.name} lacks header lines: {', '.join(sorted(missing))}")

    def names(text: str) -> tuple[str, ...]:
        return tuple(n for n in (p.strip().split(" ")[0].lstrip("$") for p in text.split(",")) if n and n != "none")

    params = tuple(re.findall(r"\$(\w+)", header["parameters"]))
    return QuerySpec(
        path.stem,
        path,
        sql,
        header["purpose"],
        header["grain"],
        params,
        names(header["tables"]),
        names(header["columns"]),
        names(header.get("measures", "none")),
        header.get("suppress", "none"),
    )


def query_specs() -> dict[str, QuerySpec]:
    """Every query file, by name: the allow-list of what can be run."""
    return {p.stem: _parse_spec(p) for p in sorted(config.QUERIES_DIR.glob("*.sql"))}


def summary_specs() -> dict[str, QuerySpec]:
    """Every summary file, by name: tables built once at load, which queries read like extracts. Built in name
    order, so a summary may read one whose name sorts before its own (indicator_values reads indicator_dsr)."""
    return {p.stem: _parse_spec(p) for p in sorted(config.SUMMARIES_DIR.glob("*.sql"))}


def read_manifest(data_dir: Path) -> tuple[dict, str]:
    """The manifest as parsed JSON (an object), and a problem message ('' when it read cleanly)."""
    path = data_dir / contract.MANIFEST_FILE
    try:
        # utf-8-sig: a manifest saved by a Windows editor starts with a byte-order mark, which is not an error.
        manifest = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return {}, f"No `{contract.MANIFEST_FILE}` in the data folder: provenance unknown, treated as synthetic."
    except (OSError, ValueError) as exc:
        return {}, f"`{contract.MANIFEST_FILE}` cannot be read ({exc}): provenance unknown, treated as synthetic."
    if not isinstance(manifest, dict):
        return {}, f"`{contract.MANIFEST_FILE}` is not a JSON object: provenance unknown, treated as synthetic."
    return manifest, ""


MANIFEST_DATES = ("period_start", "period_end", "as_of")
MANIFEST_TEXTS = ("source", "notes")
EARLIEST_MANIFEST_DATE = date(1990, 1, 1)  # before any extract the dashboard reads


def check_manifest(raw: dict, today: date | None = None) -> tuple[dict[str, dict], list[str]]:
    """The manifest's entries with every field of the wrong type or out of range dropped, and a line naming
    each such field. A wrong manifest is said on the About page, never fatal: the months on offer come from
    the rows themselves, and a table whose `synthetic` cannot be read is treated as synthetic."""
    today = today or date.today()
    issues: list[str] = []
    entries: dict[str, dict] = {}
    for name, entry in raw.items():
        label = f"`{_shown(name)}`"
        if name not in contract.TABLES_BY_NAME:
            issues.append(f"the entry {label} names no table of the data contract, so it is not used.")
            continue
        if not isinstance(entry, dict):
            issues.append(f"the entry for {label} is {_json_kind(entry)}, not an object, so it is not used.")
            continue
        clean = {}
        for key, value in entry.items():
            if key in MANIFEST_TEXTS and not isinstance(value, str):
                issues.append(f"{label}: `{key}` is {_json_kind(value)}, not text, so it is not shown.")
            elif key in MANIFEST_DATES:
                parsed = _iso_date(value)
                if parsed is None:
                    issues.append(
                        f"{label}: `{key}` is {_json_kind(value)}, not an ISO date (YYYY-MM-DD), so it is not used."
                    )
                elif not EARLIEST_MANIFEST_DATE <= parsed <= today:
                    issues.append(
                        f"{label}: `{key}` is {parsed.isoformat()}, "
                        f"{'in the future' if parsed > today else 'before any extract'}, so it is not used."
                    )
                else:
                    clean[key] = value
            elif key == "synthetic" and not isinstance(value, bool):
                issues.append(
                    f"{label}: `synthetic` is {_json_kind(value)}, not true or false, so the table is "
                    "treated as synthetic."
                )
            else:
                clean[key] = value
        start, end = _iso_date(clean.get("period_start")), _iso_date(clean.get("period_end"))
        if start and end and start > end:
            issues.append(
                f"{label}: the period is reversed (`period_start` {start.isoformat()} is after "
                f"`period_end` {end.isoformat()}), so neither is used."
            )
            clean.pop("period_start")
            clean.pop("period_end")
        entries[name] = clean
    return entries, issues


def _iso_date(value) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10] if len(value) >= 10 else value + "-01")
    except ValueError:
        return None


def _json_kind(value) -> str:
    if isinstance(value, str):
        return f"`{_shown(value)}`"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return "a list" if isinstance(value, list) else "an object"


def _shown(text: str) -> str:
    """A value from a file, made safe to show inside `code`: printable and short."""
    text = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in str(text))
    return text if len(text) <= 60 else text[:60] + "…"


def _month_label(value: date) -> str:
    return f"{value:%b %Y}"


def folder_problem(data_dir: Path) -> str:
    """'' if the data folder can be listed; else one sentence naming it and what is wrong."""
    where = f"The data folder `{data_dir}`"
    setting = (
        f" Set `{config.DATA_DIR_ENV}` to the folder of extracts."
        if data_dir != config.DEMO_DATA_DIR
        else " Generate the demo data with `make data`."
    )
    try:
        if not data_dir.exists():
            return f"{where} does not exist, so there is no data to show.{setting}"
        if not data_dir.is_dir():
            return f"{where} is a file, not a folder, so there is no data to show.{setting}"
        os.listdir(data_dir)
    except OSError as exc:
        return f"{where} cannot be read ({exc.strerror or type(exc).__name__}), so there is no data to show.{setting}"
    return ""


class Database:
    """A validated, read-only view of one data folder."""

    # The folder version (file fingerprint) this Database was loaded from; set by `_database`.
    fingerprint: tuple = ()

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.specs = query_specs()
        # A folder that is missing, a file or unreadable is one fault, said once, not once per table.
        self.folder_problem = folder_problem(data_dir)
        raw_manifest, self.manifest_problem = read_manifest(data_dir) if not self.folder_problem else ({}, "")
        self.manifest, self.manifest_issues = check_manifest(raw_manifest)
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
            if self.folder_problem:
                self.statuses[table.name] = TableStatus(
                    table.name, table.title, [], reason="the data folder cannot be used (see above)."
                )
                continue
            self.statuses[table.name] = self.validation_cache.table(
                self.con, table, lambda t=table: load_table(self.con, t, data_dir, self.statuses)
            )
        self.manifest_issues += self._check_periods()
        self._stand_in_for_optional_extracts()
        _register_standards(self.con, self.validation_cache)
        validated = time.perf_counter()
        self.summaries = summary_specs()
        self.summary_statuses: dict[str, TableStatus] = {}
        for name, spec in self.summaries.items():
            self.summary_statuses[name] = self.validation_cache.summary(
                self.con, spec, lambda s=spec: self._build_summary(s)
            )
        # Seconds spent checking the extracts and building the summaries, for the About page and the benchmark.
        self.load_seconds = {"validate": validated - started, "summaries": time.perf_counter() - validated}

    def _stand_in_for_optional_extracts(self) -> None:
        """An optional extract that could not be loaded reads as an empty table with its contract's columns, so
        the queries built on it still run (a dsr indicator then shows its published value without limits); its
        status stays unavailable, so the About page still says why."""
        for table in contract.TABLES:
            if table.optional and not self.statuses[table.name].available:
                columns = ", ".join(f"{c.name} {CANONICAL_TYPES[c.kind]}" for c in table.columns)
                self.con.execute(f"CREATE OR REPLACE TABLE {table.name} ({columns})")

    @property
    def month_span(self) -> tuple[date, date] | None:
        """The first and last month of the monthly extracts' accepted rows; None if none could be loaded.
        The months on offer come from here, not from the manifest, so a newly added month's file appears."""
        spans = [s.month_span for s in self.statuses.values() if s.available and s.month_span]
        if not spans:
            return None
        return min(first for first, _ in spans), max(last for _, last in spans)

    def _check_periods(self) -> list[str]:
        """The manifest's period for each monthly extract, checked against the months its rows cover."""
        issues = []
        for name, status in self.statuses.items():
            entry = self.manifest.get(name, {})
            if not status.month_span or not ({"period_start", "period_end"} & entry.keys()):
                continue
            first, last = status.month_span
            said_first, said_last = _iso_date(entry.get("period_start")), _iso_date(entry.get("period_end"))
            wrong = [
                (word, said, actual)
                for word, said, actual in (("starts", said_first, first), ("ends", said_last, last))
                if said is not None and (said.year, said.month) != (actual.year, actual.month)
            ]
            if wrong:
                issues.append(
                    f"`{name}`: "
                    + "; ".join(
                        f"the manifest says its period {word} in "
                        f"{_month_label(said)}, but its rows {word[:-1]} in "
                        f"{_month_label(actual)}"
                        for word, said, actual in wrong
                    )
                    + ". The months on offer come from the rows."
                )
        return issues

    def folder_report(self) -> list[tuple[str, str]]:
        """What is wrong with the data folder, file by file: (file, problem), for the About page."""
        report: list[tuple[str, str]] = []
        if self.folder_problem:
            return [(str(self.data_dir), self.folder_problem)]
        if self.manifest_problem:
            report.append((contract.MANIFEST_FILE, self.manifest_problem))
        report += [(contract.MANIFEST_FILE, issue) for issue in self.manifest_issues]
        for status in self.statuses.values():
            files = status.where
            if not status.available:
                report.append((files, status.reason))
                continue
            report += [
                (left.file, f"left out, and the other files of `{status.name}/` used: {left.reason}")
                for left in status.files_left_out
            ]
            report += [(files, problem.describe(status.name)) for problem in status.problems]
            report += [(files, note) for note in status.notes]
        return report

    def _build_summary(self, spec: QuerySpec) -> TableStatus:
        """Performance: the appointment queries would otherwise scan every extract row on each new filter (120
        million at 100x the demo volume, seconds a query); a summary is one such scan, paid once at load."""
        status = TableStatus(
            spec.name,
            f"Summary `{spec.name}` ({spec.grain.rstrip('.').lower()})",
            [f"queries/summaries/{spec.path.name}"],
        )
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
        con = duckdb.connect(
            ":memory:",
            config={
                "threads": config.DUCKDB_THREADS,
                "memory_limit": config.DUCKDB_MEMORY_LIMIT,
                "temp_directory": str(spill),
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            },
        )
        # The progress bar is a client setting DuckDB refuses in `config` (and once locked): set it here, and
        # cursors inherit it. Left on, every query over ~2 s draws bars into the server's log.
        con.execute("SET enable_progress_bar = false")
        # DuckDB refuses to change allowed_directories once external access is off, and
        # refuses every change once the configuration is locked: this order is the only one.
        folders = [str(data_dir) + "/", str(spill) + "/"]
        con.execute(
            "SET allowed_directories = " + "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in folders) + "]"
        )
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        return con

    def synthetic(self, table: str) -> bool:
        """True unless the manifest says plainly that the table is not synthetic."""
        return self.manifest.get(table, {}).get("synthetic", True) is not False

    def sources(self, tables: tuple[str, ...]) -> tuple[str, ...]:
        """The extracts behind `tables`: a summary stands for the extracts it is built from (and a summary built
        from another summary for that one's extracts too)."""
        out: list[str] = []
        for table in tables:
            spec = self.summaries.get(table)
            for source in self.sources(spec.tables) if spec else (table,):
                if source not in out:
                    out.append(source)
        return tuple(out)

    def unavailable(self, tables: tuple[str, ...]) -> list[TableStatus]:
        """Why `tables` cannot be read: the extracts at fault, named by file (or a summary that failed to build)."""
        blocked = [
            self.statuses[t]
            for t in self.sources(tables)
            if t in self.statuses and not self.statuses[t].available and not contract.TABLES_BY_NAME[t].optional
        ]
        if blocked:
            return blocked
        built = self.summary_statuses
        return [built[t] for t in tables if t in built and not built[t].available]

    def run(self, name: str, params: dict) -> pd.DataFrame:
        spec = self.specs.get(name)
        if spec is None:
            raise QueryError(f"Unknown query {name!r}: no file queries/{name}.sql")
        if set(params) != set(spec.params):
            raise QueryError(
                f"Query file queries/{name}.sql takes parameters {list(spec.params)}, was given {sorted(params)}"
            )
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
            raise QueryError(
                f"Query file queries/{name}.sql failed with parameters {params}: {str(exc).splitlines()[0]}"
            ) from exc

    # ---- What an extract records (issue 12, onehalton.importers) -------------------------------------------
    # The national practice-level appointments file has no ward of residence or age band (the contract lets both
    # be null). Pages ask here, once per load, so they can say the ward filter does not apply to such an extract.
    RECORDED_QUERIES = {
        "appointments": ("appointments_recorded", {"ward_code": "with_ward", "age_band": "with_age_band"})
    }

    def recorded(self, table: str) -> dict[str, str]:
        """For each optional breakdown column of `table` (ward_code, age_band): "all", "some" or "none", by the
        counts that record it. {} for a table without such columns, or while the extract is unavailable."""
        if table not in self.RECORDED_QUERIES:
            return {}
        cache = self.__dict__.setdefault("_recorded", {})
        if table not in cache:
            name, columns = self.RECORDED_QUERIES[table]
            try:
                row = self.run(name, {}).iloc[0]
            except (ExtractUnavailable, QueryError):
                return {}
            total = int(row["appointments"])
            cache[table] = {
                column: "none" if int(row[measure]) == 0 else "all" if int(row[measure]) == total else "some"
                for column, measure in columns.items()
            }
        return dict(cache[table])

    def ward_filter_applies(self, table: str) -> bool:
        """False when `table` records no ward of residence at all (the national appointments file): its figures
        are then for all of Halton whatever wards are chosen. True otherwise, including for tables without wards
        of residence in their contract (pages already say so for practice-level extracts)."""
        return self.recorded(table).get("ward_code", "all") != "none"


# Standard populations the SQL reads like reference tables. They are the project's own files (data/reference/),
# not the data folder's: registered from Python, because the connection may read nothing outside the data folder.
STANDARD_TABLES = ("esp2013",)


def _register_standards(con, cache: ValidationCache) -> None:
    """`esp2013` (age_band, lower_age, weight): the 2013 European Standard Population, as onehalton.inequality
    reads and checks it, so the SQL and the Python reference implementation weight with the same numbers. Its
    version for the validation cache is its file's content."""
    cache.standard("esp2013", inequality.ESP2013_CSV)
    frame = inequality.esp2013()
    con.execute("CREATE OR REPLACE TABLE esp2013 (age_band VARCHAR, lower_age INTEGER, weight DOUBLE)")
    con.executemany(
        "INSERT INTO esp2013 VALUES (?, ?, ?)",
        [(str(r.age_band), int(r.lower_age), float(r.weight)) for r in frame.itertuples()],
    )


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
    folder = Path(data_dir)
    # Loading opens each file several times (checked, then copied): a file replaced in between would give a
    # Database whose statuses describe one version and whose rows hold another. So the folder is looked at again
    # once loaded, and the load repeated if it changed meanwhile (a few times at most: a folder that never stops
    # changing still gets a Database).
    for _ in range(LOAD_ATTEMPTS):
        before = _fingerprint(folder)
        loaded = Database(folder)
        if _fingerprint(folder) == before:
            break
    loaded.fingerprint = fingerprint
    _freeze_start_up_objects()
    return loaded


LOAD_ATTEMPTS = 3


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
# folder -> (when it was last looked at, the version in use, the version seen at that look)
_fingerprints: dict[str, tuple[float, tuple, tuple]] = {}


def _current_fingerprint(folder: Path) -> tuple:
    """The version of the folder to serve. A change is taken up only once two looks a second apart see the
    same files: an extract still being copied in is not loaded half-written (and shown as unreadable)."""
    now = time.monotonic()
    key = str(folder)
    seen = _fingerprints.get(key)
    if seen is None:
        current = _fingerprint(folder)
        _fingerprints[key] = (now, current, current)
        return current
    looked_at, in_use, last_seen = seen
    if now - looked_at <= FINGERPRINT_TTL_S:
        return in_use
    current = _fingerprint(folder)
    if current != in_use and current == last_seen:
        in_use = current
    _fingerprints[key] = (now, in_use, current)
    return in_use


_RUN_DATABASE: contextvars.ContextVar[Database | None] = contextvars.ContextVar("onehalton_database", default=None)


@contextlib.contextmanager
def pinned_for_run():
    """Hold one Database for a whole script run (dashboard.py wraps each run in this): a page never draws its
    header from one version of the data and its queries from another while an extract is replaced."""
    token = _RUN_DATABASE.set(_newest())
    try:
        yield
    finally:
        _RUN_DATABASE.reset(token)


def _newest() -> Database:
    folder = config.data_dir()
    return _database(str(folder), _current_fingerprint(folder))


def database() -> Database:
    """The Database for this script run (see `pinned_for_run`); outside a run, the newest version."""
    return _RUN_DATABASE.get() or _newest()


@st.cache_data(show_spinner=False, max_entries=2048)
def _cached_run(data_dir: str, fingerprint: tuple, name: str, params: tuple, _database: Database) -> pd.DataFrame:
    # Keyed by the folder's version, and run on the run's own Database (unhashed: the leading underscore).
    return _database.run(name, dict(params))


def _frozen_params(params: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


def run_query(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql with bound parameters on this run's Database; cached per data folder version,
    query and parameters. The exact numbers: pages read `load`, which protects small numbers as the query's
    header declares."""
    pinned = database()
    return _cached_run(str(pinned.data_dir), pinned.fingerprint, name, _frozen_params(params), pinned)


def _guard_pooled(database: Database, params: dict, raw: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A ward's pooled figure less the single periods a trend shows of it is the sum of its hidden periods; rounding
    alone leaves that sum pinned at the edges (13 + 13 + a hidden 1 = 27 is published 25, the two shown periods 15
    and 15, so the hidden period is 1 and nothing else). `ward_need.guard_pooled` withholds such a pooled figure."""
    from onehalton import ward_need

    if raw.empty:
        return raw
    singles = [
        database.run("indicator_ward_periods", {"indicator_id": int(i), "periods": params["periods"]})
        for i in raw["indicator_id"].unique()
    ]
    guarded = ward_need.guard_pooled(raw, pd.concat(singles, ignore_index=True), threshold=threshold)
    return guarded.drop(columns="guarded")


# Queries whose published rows depend on rows of another view as well as their own: each is passed through its
# guard, with the exact counts, before the protection its header declares. Every load of them goes this way.
GUARDS = {"indicator_by_ward_pooled": _guard_pooled}


def _recent_trends(published: protection.Protected) -> protection.Protected:
    from onehalton import ward_need

    return ward_need.with_recent_trends(published)


# Columns worked out from a query's published rows (never from the exact counts), added once as it is loaded, so
# they are cached with the result they come from and every page, the presentation and the pack read the same.
DERIVED = {"indicator_trends": _recent_trends}


def publish(
    database: Database, name: str, params: dict, raw: pd.DataFrame, threshold: int, halton: pd.DataFrame | None = None
) -> protection.Protected:
    """A query's rows as they may be published, as its `-- Suppress:` header declares (see `load`). For a view of
    chosen wards, the same query for all of Halton is read too, to hide a selection whose complement is small.
    A query in `GUARDS` is passed through its guard first; one in `DERIVED` gains its derived columns last."""
    declared = protection.parse(database.specs[name].suppress)
    if name in GUARDS:
        raw = GUARDS[name](database, params, raw, threshold)
    if halton is None and declared.scope == "when wards" and params.get("wards"):
        halton = database.run(name, {**params, "wards": None})
    published = protection.published(protection.protect(raw, declared, params, threshold, halton=halton))
    return DERIVED[name](published) if name in DERIVED else published


@st.cache_data(show_spinner=False, max_entries=2048)
def _cached_protected(
    data_dir: str, fingerprint: tuple, name: str, params: tuple, threshold: int, _database: Database
) -> protection.Protected:
    params_dict = dict(params)
    halton = None
    if params_dict.get("wards"):
        halton_params = _frozen_params({**params_dict, "wards": None})
        halton = _cached_run(data_dir, fingerprint, name, halton_params, _database)
    return publish(
        _database,
        name,
        params_dict,
        _cached_run(data_dir, fingerprint, name, params, _database),
        threshold,
        halton=halton if protection.parse(_database.specs[name].suppress).scope == "when wards" else None,
    )


def load(name: str, **params) -> protection.Protected:
    """A query's result as it may be published: small numbers hidden and ward- or practice-level counts rounded
    as its `-- Suppress:` header declares, derived measures and their 95% limits worked out from what is shown.
    Cached on what names the result: data folder and version, query, parameters and threshold."""
    pinned = database()
    return _cached_protected(
        str(pinned.data_dir), pinned.fingerprint, name, _frozen_params(params), config.suppression_threshold(), pinned
    )
