"""Validation at the boundary: each extract is checked against the data contract once, when it loads.

The checks run in DuckDB over the parquet files themselves, so a 100-million-row extract is
validated without pulling it into Python. Rows that break a rule are recorded by file and row
number in a small table and kept out of the clean view every query reads; nothing is dropped
without being counted and shown on the About page.

This module builds validation SQL from the contract's own column names and rules (an allow-list
that users never touch); every value is bound as a parameter. It receives the connection from
`onehalton.db`, the only module that imports duckdb.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from onehalton import contract
from onehalton.contract import Table

EXAMPLES_PER_PROBLEM = 3
# The name of the column read_parquet adds for the file a row came from. Not `filename`, its default,
# because an extract may carry a column of that name, and extra columns must be accepted.
SOURCE_FILE = "onehalton_source_file"
# Kinds whose canonical type is narrower than some accepted physical types (DECIMAL(38,2) money,
# UBIGINT or HUGEINT counts): a value that does not fit would fail every query, so its row is excluded.
RANGE_CHECKED = ("integer", "count", "money")

CANONICAL_TYPES = {
    "text": "VARCHAR",
    "integer": "BIGINT",
    "count": "BIGINT",
    "number": "DOUBLE",
    "money": "DECIMAL(18,2)",
    "date": "DATE",
    "boolean": "BOOLEAN",
}


@dataclass
class Problem:
    """One way an extract breaks its contract."""

    rule: str
    column: str | None
    rows: int = 0  # rows excluded because of it (0 for problems that disable the whole extract)
    examples: list[dict] = field(default_factory=list)

    def describe(self, table: str) -> str:
        where = f", column `{self.column}`" if self.column else ""
        count = f": {self.rows:,} row{'s' if self.rows != 1 else ''} excluded" if self.rows else ""
        return f"`{table}`{where}: {self.rule}{count}"


@dataclass
class LeftOut:
    """A file of a folder-of-files table that cannot be used; the folder's other files still are."""

    file: str  # relative to the data folder
    reason: str

    def describe(self) -> str:
        return f"file `{self.file}` left out: {self.reason}"


@dataclass
class TableStatus:
    name: str
    title: str
    files: list[str]
    available: bool = False
    rows_read: int = 0
    rows_excluded: int = 0
    problems: list[Problem] = field(default_factory=list)
    reason: str = ""  # why the extract is unavailable, in words a user can act on
    files_left_out: list[LeftOut] = field(default_factory=list)
    # What validation read differently from how the file holds it (months normalised): said, never silent.
    notes: list[str] = field(default_factory=list)
    month_span: tuple | None = None  # (first, last) month in the accepted rows, for tables with a month column

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_excluded

    @property
    def state(self) -> str:
        if not self.available:
            return "unavailable"
        if self.rows_excluded:
            return "rows excluded"
        return "files left out" if self.files_left_out else "valid"

    @property
    def where(self) -> str:
        """The table's file, or its folder and how many files it holds: a folder of 60 monthly files is named
        once, not file by file (the file at fault, if any, is named on its own)."""
        single = [f for f in self.files if "/" not in f]
        in_folder = len(self.files) - len(single)
        if not self.files:
            return f"{self.name}.parquet"
        if in_folder <= 1:
            return ", ".join(self.files)
        return ", ".join(single + [f"{self.name}/, {in_folder:,} files"])

    def summary(self) -> str:
        files = self.where
        notes = "".join(" " + n for n in self.notes)
        if not self.available:
            return f"**{self.title}** (`{files}`) is unavailable: {self.reason}"
        left_out = ""
        if self.files_left_out:
            used = len(self.files) - len(self.files_left_out)
            left_out = "; ".join(f.describe() for f in self.files_left_out) + (
                f"; the other {used:,} files are used" if used != 1 else "; the other file is used"
            )
        if self.rows_excluded:
            details = "; ".join(p.describe(self.name) for p in self.problems)
            return (
                f"**{self.title}** (`{files}`): {left_out + '; ' if left_out else ''}{self.rows_excluded:,} of "
                f"{self.rows_read:,} rows excluded ({details}).{notes}"
            )
        if left_out:
            return f"**{self.title}** (`{files}`): {left_out}: all {self.rows_read:,} rows valid.{notes}"
        return f"**{self.title}** (`{files}`): all {self.rows_read:,} rows valid.{notes}"


def locate(data_dir: Path, name: str) -> list[Path]:
    """The parquet files holding a table: `<name>.parquet`, or every parquet file in `<name>/`."""
    single = data_dir / f"{name}.parquet"
    folder = data_dir / name
    files: list[Path] = []
    if single.is_file():
        files.append(single)
    if folder.is_dir():
        files.extend(sorted(p for p in folder.glob("*.parquet") if p.is_file()))
    return files


def _sql_string(text: str) -> str:
    # Paths come from listing the data folder, never from a user; quoting still guards odd names.
    return "'" + text.replace("'", "''") + "'"


def _base_type(duck_type: str) -> str:
    return duck_type.split("(")[0].strip().strip('"').upper()


def load_table(con, table: Table, data_dir: Path, statuses: dict[str, TableStatus]) -> TableStatus:
    """Validate one table and, if usable, create its clean table (or, for a large extract, view) `<name>`."""
    files = locate(data_dir, table.name)
    status = TableStatus(table.name, table.title, [str(p.relative_to(data_dir)) for p in files])

    missing_deps = [d for d in table.depends_on if not statuses.get(d, TableStatus(d, d, [])).available]
    if not files:
        status.reason = f"no file `{table.name}.parquet` or folder `{table.name}/` in the data folder."
        return status
    if missing_deps:
        status.reason = (
            "it depends on "
            + ", ".join(f"`{d}`" for d in missing_deps)
            + ", which could not be loaded, so its codes cannot be checked."
        )
        return status

    # Each file is checked on its own first, so in a folder of monthly files the one file at fault is named
    # with what is wrong with it, and the others are used; read together, a column missing from one file
    # would be NULL in its rows (thousands of "key missing" rows) and one wrong type would retype them all.
    usable: list[Path] = []
    faults: list[tuple[Path, str, list[Problem]]] = []
    for path in files:
        reason, problems = _screen_file(con, table, path)
        if reason:
            faults.append((path, reason, problems))
        else:
            usable.append(path)
    if not usable:
        if len(files) == 1:
            _, reason, problems = faults[0]
            status.problems = problems
            status.reason = reason + "."
        else:
            status.reason = (
                "no file in it can be used: "
                + "; ".join(f"`{p.relative_to(data_dir)}`: {reason}" for p, reason, _ in faults)
                + "."
            )
        return status
    status.files_left_out = [
        LeftOut(str(p.relative_to(data_dir)), reason + _rows_in(con, p)) for p, reason, _ in faults
    ]

    file_list = "[" + ", ".join(_sql_string(str(p)) for p in usable) + "]"
    raw = f"raw_{table.name}"
    try:
        con.execute(
            f"CREATE OR REPLACE VIEW {raw} AS SELECT * FROM read_parquet({file_list}, "
            f"filename = '{SOURCE_FILE}', file_row_number = true, union_by_name = true)"
        )
        found = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {raw})").fetchall())
        status.rows_read = int(con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0])
    except Exception as exc:  # noqa: BLE001 - any read failure means the same thing to the user
        status.reason = f"the file cannot be read as parquet ({_first_line(exc)})."
        return status

    # Files that are each fine can still disagree once read together (one column's type in one, another's in
    # the next): checked again on the union.
    schema_problems = _check_schema(table, found)
    if schema_problems:
        status.problems = schema_problems
        status.reason = "; ".join(p.rule for p in schema_problems) + "."
        return status
    if status.rows_read == 0:
        status.reason = "the file holds no rows."
        return status

    try:
        typed, date_problems = _typed_view(con, table, raw, found, status)
        if date_problems:
            status.problems = date_problems
            status.reason = "; ".join(p.rule for p in date_problems) + "."
            return status
        select = _check_rows(con, table, typed, status)
    except Exception as exc:  # noqa: BLE001 - e.g. a file that is corrupt past its footer
        return _not_read_in_full(status, exc)
    if status.rows_accepted == 0:
        status.reason = "every row breaks the contract: " + "; ".join(p.describe(table.name) for p in status.problems)
        return status
    # A Database is one consistent version of the data for as long as a page run uses it, even while an
    # extract is replaced on disk: so the clean rows are copied into DuckDB's memory rather than read from the
    # files at query time. An extract too big for that (the appointments) stays a view over its files; no
    # query reads it, only the summaries, which are built from it once, at load, straight after validation.
    kind = "TABLE" if status.rows_accepted <= COPIED_ROWS else "VIEW"
    try:
        con.execute(f"CREATE OR REPLACE {kind} {table.name} AS {select}")
    except Exception as exc:  # noqa: BLE001 - the file was replaced (or broke) between the check and the copy
        # The copy reads the file again: one replaced meanwhile ("TProtocolException: Invalid data", seen under
        # load in test_robustness_round_two) must name the file, not end the page; db._database then loads the
        # changed folder again.
        return _not_read_in_full(status, exc)
    month = next((c.name for c in table.columns if c.month), None)
    if month:
        first, last = con.execute(f"SELECT min({month}), max({month}) FROM {table.name}").fetchone()
        status.month_span = (first, last) if first is not None else None
    status.available = True
    return status


def _not_read_in_full(status: TableStatus, exc: Exception) -> TableStatus:
    """The extract unavailable because reading it failed part way: what its check had found no longer stands."""
    status.problems = []
    status.rows_excluded = 0
    status.notes = []
    status.reason = f"the file could not be read in full ({_first_line(exc)})."
    return status


# Tables up to this many accepted rows are copied into memory at load (every table but a large appointments
# extract: the demo's is 1.2 million rows at 1x, 120 million at 100x).
COPIED_ROWS = 500_000


def _screen_file(con, table: Table, path: Path) -> tuple[str, list[Problem]]:
    """('' , []) if the file can be read and has the contract's columns; else what is wrong with it."""
    try:
        if path.stat().st_size == 0:
            return f"the file cannot be read as parquet (`{path.name}` is an empty file (0 bytes))", []
        found = dict(
            con.execute(
                f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet({_sql_string(str(path))}))"
            ).fetchall()
        )
    except Exception as exc:  # noqa: BLE001 - any read failure means the same thing to the user
        return f"the file cannot be read as parquet ({_first_line(exc)})", []
    problems = _check_schema(table, found)
    return "; ".join(p.rule for p in problems), problems


def _rows_in(con, path: Path) -> str:
    """' (N rows)' from a readable file's footer, so the rows left out are counted; '' if it cannot say."""
    try:
        rows = con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata({_sql_string(str(path))})").fetchone()[0]
    except Exception:  # noqa: BLE001 - an unreadable file's rows cannot be counted, and need not be
        return ""
    return f" ({int(rows):,} row{'s' if rows != 1 else ''} not read)" if rows is not None else ""


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _actual_names(found: dict[str, str]) -> dict[str, str]:
    """Contract-style (lower-case) name -> the file's own spelling: national files use upper-case headers."""
    out: dict[str, str] = {}
    for name in found:
        if name not in (SOURCE_FILE, "file_row_number"):
            out.setdefault(name.lower(), name)
    return out


def _check_schema(table: Table, found: dict[str, str]) -> list[Problem]:
    problems = []
    actual = _actual_names(found)
    for column in table.columns:
        if column.name not in actual:
            extra = sorted(set(actual) - set(table.column_names))
            hint = difflib.get_close_matches(column.name, extra, n=1, cutoff=0.6)
            rule = f"required column `{column.name}` is missing"
            if hint:
                rule += f" (is `{actual[hint[0]]}` the same column renamed?)"
            problems.append(Problem(rule, column.name))
            continue
        duck_type = found[actual[column.name]]
        base = _base_type(duck_type)
        if base == "NULL":
            # Pandas writes a column that is empty throughout with Parquet's NULL type: no values, no type.
            if not column.nullable:
                problems.append(
                    Problem(f"required column `{column.name}` holds no values at all (type NULL)", column.name)
                )
            continue
        if base not in contract.KINDS[column.kind]:
            problems.append(
                Problem(
                    f"column `{column.name}` has type {duck_type}, but the contract needs {column.kind} "
                    f"({' or '.join(contract.KINDS[column.kind][:3])})",
                    column.name,
                )
            )
    return problems


TIMESTAMPS_WITHOUT_ZONE = ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")
TIMESTAMPS_WITH_ZONE = ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ_NS")


def _typed_view(con, table: Table, raw: str, found: dict[str, str], status: TableStatus) -> tuple[str, list[Problem]]:
    """A view of the contract's columns under their contract names, with every date as a DATE and every month as
    its first day (contract.MONTH_VALUES); what was read differently from the file is noted on `status`.
    Returns the view's name and the problems that reject a date column outright."""
    actual = _actual_names(found)
    zone = _sql_string(contract.MONTH_TIME_ZONE)
    problems: list[Problem] = []
    selected = [SOURCE_FILE, "file_row_number"]
    for column in table.columns:
        name = '"' + actual[column.name].replace('"', '""') + '"'
        base = _base_type(found[actual[column.name]])
        if base == "NULL":
            selected.append(f"CAST(NULL AS {CANONICAL_TYPES[column.kind]}) AS {column.name}")
            continue
        if column.kind != "date":
            selected.append(f"{name} AS {column.name}")
            continue
        zoned = base in TIMESTAMPS_WITH_ZONE
        local = f"timezone({zone}, CAST({name} AS TIMESTAMPTZ))" if zoned else name
        if column.month and base in TIMESTAMPS_WITHOUT_ZONE:
            timed = con.execute(
                f"SELECT count(*), min({name}) FROM {raw} WHERE CAST({name} AS TIME) <> TIME '00:00:00'"
            ).fetchone()
            if timed[0]:
                problems.append(
                    Problem(
                        f"column `{column.name}` holds times of day without a time zone ({timed[0]:,} values, e.g. "
                        f"{timed[1]}), so which month each means is not certain: give dates, or timestamps with a "
                        "time zone",
                        column.name,
                    )
                )
                continue
        if zoned:
            status.notes.append(
                f"`{column.name}` holds timestamps with a time zone: each is read as the "
                f"{'month' if column.month else 'date'} it falls in in UK time "
                f"({contract.MONTH_TIME_ZONE})."
            )
        if column.month:
            moved = con.execute(
                f"SELECT count(*), min(CAST({local} AS DATE)) FROM {raw} WHERE {name} IS NOT NULL AND day({local}) <> 1"
            ).fetchone()
            if moved[0]:
                status.notes.append(
                    f"{moved[0]:,} value{'s' if moved[0] != 1 else ''} of `{column.name}` "
                    f"{'are' if moved[0] != 1 else 'is'} not the first day of a month (e.g. {moved[1]}): each is "
                    f"read as the month it falls in ({moved[1]:%Y-%m})."
                )
            # Performance: first-of-month DATEs, the common case, are used as they are; truncating them anyway
            # costs the key check a third of validation at 1x.
            if moved[0] or zoned:
                selected.append(f"CAST(date_trunc('month', {local}) AS DATE) AS {column.name}")
            else:
                selected.append(
                    f"CAST({name} AS DATE) AS {column.name}" if base != "DATE" else f"{name} AS {column.name}"
                )
        else:
            selected.append(f"CAST({local} AS DATE) AS {column.name}")
    typed = f"typed_{table.name}"
    con.execute(f"CREATE OR REPLACE VIEW {typed} AS SELECT {', '.join(selected)} FROM {raw}")
    return typed, problems


def _row_checks(table: Table) -> list[tuple[str, str | None, str, dict]]:
    """(rule, column, SQL that is TRUE for a bad row, bound parameters) for every row-level rule."""
    checks: list[tuple[str, str | None, str, dict]] = []
    for i, col in enumerate(table.columns):
        name = col.name
        if not col.nullable:
            label = "key is missing (null)" if name in table.key else "value is missing (null)"
            checks.append((label, name, f"{name} IS NULL", {}))
        if col.allowed is not None:
            checks.append(
                (
                    "value not in the allowed list",
                    name,
                    f"{name} IS NOT NULL AND NOT list_contains($allowed_{i}, {name})",
                    {f"allowed_{i}": list(col.allowed)},
                )
            )
        if col.minimum is not None:
            label = "negative count" if col.kind == "count" and col.minimum == 0 else f"value below {col.minimum:g}"
            checks.append((label, name, f"{name} < $min_{i}", {f"min_{i}": col.minimum}))
        if col.maximum is not None:
            checks.append((f"value above {col.maximum:g}", name, f"{name} > $max_{i}", {f"max_{i}": col.maximum}))
        if col.references:
            ref_table, ref_col = col.references.split(".")
            checks.append(
                (
                    f"unknown code (not in `{ref_table}`)",
                    name,
                    f"{name} IS NOT NULL AND {name} NOT IN (SELECT {ref_col} FROM {ref_table})",
                    {},
                )
            )
        if col.not_future:
            checks.append(("date in the future", name, f"CAST({name} AS DATE) > current_date", {}))
        if col.kind in RANGE_CHECKED:
            canonical = CANONICAL_TYPES[col.kind]
            checks.append(
                (
                    f"value too large for {canonical}",
                    name,
                    f"{name} IS NOT NULL AND TRY_CAST({name} AS {canonical}) IS NULL",
                    {},
                )
            )
    for rule in table.rules:
        checks.append((rule.name, ", ".join(rule.columns), rule.bad_when, {}))
    return checks


def _check_rows(con, table: Table, raw: str, status: TableStatus) -> str:
    """Flag and count the rows that break a rule; return the SELECT of the clean rows, in canonical types."""
    checks = _row_checks(table)
    params: dict = {}
    flags = []
    for n, (_, _, predicate, bound) in enumerate(checks):
        params.update(bound)
        flags.append(f"coalesce(({predicate}), false) AS bad_{n}")
    key = ", ".join(table.key)
    flag_names = [f"bad_{n}" for n in range(len(checks))]
    duplicated = _count_duplicated_keys(con, table, raw, status.rows_read)
    if duplicated:
        # Every copy is excluded, because nothing says which copy is right. The window is only
        # paid for when duplicates exist; PARTITION BY groups null key parts together.
        flags.append(f"count(*) OVER (PARTITION BY {key}) > 1 AS bad_dup")
        flag_names.append("bad_dup")
    excluded = f"excluded_{table.name}"
    con.execute(
        f"CREATE OR REPLACE TABLE {excluded} AS SELECT * FROM ("
        f"SELECT {SOURCE_FILE}, file_row_number, {', '.join(table.column_names)}, {', '.join(flags)} FROM {raw}"
        f") WHERE {' OR '.join(flag_names)}",
        params,
    )
    status.rows_excluded = int(con.execute(f"SELECT count(*) FROM {excluded}").fetchone()[0])
    if status.rows_excluded:
        sums = con.execute(f"SELECT {', '.join(f'count_if({f})' for f in flag_names)} FROM {excluded}").fetchone()
        labelled = [(c[0], c[1]) for c in checks] + [("duplicated key", key)] * bool(duplicated)
        for (rule, column), flag, rows in zip(labelled, flag_names, sums):
            if rows:
                # As text, so examples show values as validation read them: exact money, plain dates, and months
                # as their first day (the About page says when a month was read from another day).
                shown = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in table.column_names)
                examples = con.execute(
                    f"SELECT file_row_number + 1 AS row_in_file, {shown} "
                    f"FROM {excluded} WHERE {flag} ORDER BY {SOURCE_FILE}, file_row_number LIMIT {EXAMPLES_PER_PROBLEM}"
                ).df()
                status.problems.append(Problem(rule, column, int(rows), _records(examples)))

    select = ", ".join(f"CAST({c.name} AS {CANONICAL_TYPES[c.kind]}) AS {c.name}" for c in table.columns)
    if status.rows_excluded:
        return (
            f"SELECT {select} FROM {raw} r ANTI JOIN {excluded} x "
            f"ON r.{SOURCE_FILE} = x.{SOURCE_FILE} AND r.file_row_number = x.file_row_number"
        )
    return f"SELECT {select} FROM {raw}"


# Above this many rows the key check runs one period at a time: grouping 100 million rows by an
# eight-column key at once needs gigabytes, one month of them a few megabytes.
PARTITIONED_KEY_CHECK_ROWS = 5_000_000


def _count_duplicated_keys(con, table: Table, raw: str, rows: int) -> int:
    """How many key values occur more than once (0 in a healthy extract)."""
    key = ", ".join(table.key)
    period = next((c for c in table.key if table.column(c).kind == "date"), None)
    if rows <= PARTITIONED_KEY_CHECK_ROWS or period is None:
        return int(
            con.execute(f"SELECT count(*) FROM (SELECT {key} FROM {raw} GROUP BY ALL HAVING count(*) > 1)").fetchone()[
                0
            ]
        )
    total = 0
    periods = [row[0] for row in con.execute(f"SELECT DISTINCT {period} FROM {raw}").fetchall()]
    for value in periods:
        if value is None:
            continue  # null keys are caught, and excluded, by their own rule
        total += int(
            con.execute(
                f"SELECT count(*) FROM (SELECT {key} FROM {raw} WHERE {period} = $period "
                "GROUP BY ALL HAVING count(*) > 1)",
                {"period": value},
            ).fetchone()[0]
        )
    return total


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if pd.isna(v) else str(v)) for k, v in row.items()} for row in frame.to_dict("records")]
