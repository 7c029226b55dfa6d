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
class TableStatus:
    name: str
    title: str
    files: list[str]
    available: bool = False
    rows_read: int = 0
    rows_excluded: int = 0
    problems: list[Problem] = field(default_factory=list)
    reason: str = ""  # why the extract is unavailable, in words a user can act on

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_excluded

    @property
    def state(self) -> str:
        if not self.available:
            return "unavailable"
        return "rows excluded" if self.rows_excluded else "valid"

    def summary(self) -> str:
        files = ", ".join(self.files) if self.files else f"{self.name}.parquet"
        if not self.available:
            return f"**{self.title}** (`{files}`) is unavailable: {self.reason}"
        if self.rows_excluded:
            details = "; ".join(p.describe(self.name) for p in self.problems)
            return (f"**{self.title}** (`{files}`): {self.rows_excluded:,} of {self.rows_read:,} rows excluded "
                    f"({details}).")
        return f"**{self.title}** (`{files}`): all {self.rows_read:,} rows valid."


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
    return duck_type.split("(")[0].strip().upper()


def load_table(con, table: Table, data_dir: Path, statuses: dict[str, TableStatus]) -> TableStatus:
    """Validate one table and, if usable, create its clean view `<name>` on the connection."""
    files = locate(data_dir, table.name)
    status = TableStatus(table.name, table.title, [str(p.relative_to(data_dir)) for p in files])

    missing_deps = [d for d in table.depends_on if not statuses.get(d, TableStatus(d, d, [])).available]
    if not files:
        status.reason = f"no file `{table.name}.parquet` or folder `{table.name}/` in the data folder."
        return status
    if missing_deps:
        status.reason = ("it depends on " + ", ".join(f"`{d}`" for d in missing_deps)
                         + ", which could not be loaded, so its codes cannot be checked.")
        return status

    file_list = "[" + ", ".join(_sql_string(str(p)) for p in files) + "]"
    raw = f"raw_{table.name}"
    try:
        if any(p.stat().st_size == 0 for p in files):
            empty = next(p for p in files if p.stat().st_size == 0)
            raise ValueError(f"`{empty.name}` is an empty file (0 bytes)")
        con.execute(
            f"CREATE OR REPLACE VIEW {raw} AS SELECT * FROM read_parquet({file_list}, "
            f"filename = '{SOURCE_FILE}', file_row_number = true, union_by_name = true)"
        )
        found = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {raw})").fetchall())
        status.rows_read = int(con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0])
    except Exception as exc:  # noqa: BLE001 - any read failure means the same thing to the user
        status.reason = f"the file cannot be read as parquet ({_first_line(exc)})."
        return status

    schema_problems = _check_schema(table, found)
    if schema_problems:
        status.problems = schema_problems
        status.reason = "; ".join(p.rule for p in schema_problems) + "."
        return status
    if status.rows_read == 0:
        status.reason = "the file holds no rows."
        return status

    try:
        _check_rows(con, table, raw, status)
    except Exception as exc:  # noqa: BLE001 - e.g. a file that is corrupt past its footer
        status.problems = []
        status.rows_excluded = 0
        status.reason = f"the file could not be read in full ({_first_line(exc)})."
        return status
    if status.rows_accepted == 0:
        status.reason = "every row breaks the contract: " + "; ".join(p.describe(table.name) for p in status.problems)
        return status
    status.available = True
    return status


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _check_schema(table: Table, found: dict[str, str]) -> list[Problem]:
    problems = []
    present = {k for k in found if k not in (SOURCE_FILE, "file_row_number")}
    for column in table.columns:
        if column.name not in found:
            extra = sorted(present - set(table.column_names))
            hint = difflib.get_close_matches(column.name, extra, n=1, cutoff=0.6)
            rule = f"required column `{column.name}` is missing"
            if hint:
                rule += f" (is `{hint[0]}` the same column renamed?)"
            problems.append(Problem(rule, column.name))
            continue
        actual = found[column.name]
        if _base_type(actual) not in contract.KINDS[column.kind]:
            problems.append(Problem(
                f"column `{column.name}` has type {actual}, but the contract needs {column.kind} "
                f"({' or '.join(contract.KINDS[column.kind][:3])})", column.name))
    return problems


def _row_checks(table: Table) -> list[tuple[str, str | None, str, dict]]:
    """(rule, column, SQL that is TRUE for a bad row, bound parameters) for every row-level rule."""
    checks: list[tuple[str, str | None, str, dict]] = []
    for i, col in enumerate(table.columns):
        name = col.name
        if not col.nullable:
            label = "key is missing (null)" if name in table.key else "value is missing (null)"
            checks.append((label, name, f"{name} IS NULL", {}))
        if col.allowed is not None:
            checks.append(("value not in the allowed list", name,
                           f"{name} IS NOT NULL AND NOT list_contains($allowed_{i}, {name})",
                           {f"allowed_{i}": list(col.allowed)}))
        if col.minimum is not None:
            label = "negative count" if col.kind == "count" and col.minimum == 0 else f"value below {col.minimum:g}"
            checks.append((label, name, f"{name} < $min_{i}", {f"min_{i}": col.minimum}))
        if col.maximum is not None:
            checks.append((f"value above {col.maximum:g}", name, f"{name} > $max_{i}", {f"max_{i}": col.maximum}))
        if col.references:
            ref_table, ref_col = col.references.split(".")
            checks.append((f"unknown code (not in `{ref_table}`)", name,
                           f"{name} IS NOT NULL AND {name} NOT IN (SELECT {ref_col} FROM {ref_table})", {}))
        if col.not_future:
            checks.append(("date in the future", name, f"CAST({name} AS DATE) > current_date", {}))
        if col.kind in RANGE_CHECKED:
            canonical = CANONICAL_TYPES[col.kind]
            checks.append((f"value too large for {canonical}", name,
                           f"{name} IS NOT NULL AND TRY_CAST({name} AS {canonical}) IS NULL", {}))
    for rule in table.rules:
        checks.append((rule.name, ", ".join(rule.columns), rule.bad_when, {}))
    return checks


def _check_rows(con, table: Table, raw: str, status: TableStatus) -> None:
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
        sums = con.execute(
            f"SELECT {', '.join(f'count_if({f})' for f in flag_names)} FROM {excluded}").fetchone()
        labelled = [(c[0], c[1]) for c in checks] + [("duplicated key", key)] * bool(duplicated)
        for (rule, column), flag, rows in zip(labelled, flag_names, sums):
            if rows:
                # As text, so examples show values as the file holds them: exact money, plain dates.
                shown = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in table.column_names)
                examples = con.execute(
                    f"SELECT file_row_number + 1 AS row_in_file, {shown} "
                    f"FROM {excluded} WHERE {flag} ORDER BY {SOURCE_FILE}, file_row_number LIMIT {EXAMPLES_PER_PROBLEM}"
                ).df()
                status.problems.append(Problem(rule, column, int(rows), _records(examples)))

    select = ", ".join(f"CAST({c.name} AS {CANONICAL_TYPES[c.kind]}) AS {c.name}" for c in table.columns)
    if status.rows_excluded:
        con.execute(
            f"CREATE OR REPLACE VIEW {table.name} AS SELECT {select} FROM {raw} r "
            f"ANTI JOIN {excluded} x ON r.{SOURCE_FILE} = x.{SOURCE_FILE} AND r.file_row_number = x.file_row_number")
    else:
        # The common case pays nothing for validation at query time.
        con.execute(f"CREATE OR REPLACE VIEW {table.name} AS SELECT {select} FROM {raw}")


# Above this many rows the key check runs one period at a time: grouping 100 million rows by an
# eight-column key at once needs gigabytes, one month of them a few megabytes.
PARTITIONED_KEY_CHECK_ROWS = 5_000_000


def _count_duplicated_keys(con, table: Table, raw: str, rows: int) -> int:
    """How many key values occur more than once (0 in a healthy extract)."""
    key = ", ".join(table.key)
    period = next((c for c in table.key if table.column(c).kind == "date"), None)
    if rows <= PARTITIONED_KEY_CHECK_ROWS or period is None:
        return int(con.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM {raw} GROUP BY ALL HAVING count(*) > 1)").fetchone()[0])
    total = 0
    periods = [row[0] for row in con.execute(f"SELECT DISTINCT {period} FROM {raw}").fetchall()]
    for value in periods:
        if value is None:
            continue  # null keys are caught, and excluded, by their own rule
        total += int(con.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM {raw} WHERE {period} = $period "
            "GROUP BY ALL HAVING count(*) > 1)", {"period": value}).fetchone()[0])
    return total


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: (None if pd.isna(v) else str(v)) for k, v in row.items()} for row in frame.to_dict("records")]
