"""Writing an imported table into the data folder, all or nothing.

The new rows replace the table's rows for the same periods (importing a month again replaces it, never duplicates
it) and are appended to the rest. Everything is written first to a staging folder beside the data folder and
checked there with the dashboard's own validation (`onehalton.db.Database`, which runs `onehalton.validate`): only
when the table loads with every row accepted are the table file and then manifest.json renamed into place. Any
failure before that (a bad row, a missing column, a truncated file, a full disk) leaves every byte of the data
folder as it was, because nothing was written there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from onehalton import contract
from onehalton.importers.common import ImportFailed, SourceFile

ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "count": pa.int64(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "money": pa.decimal128(14, 2),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


@dataclass
class Imported:
    """What an importer hands to `commit`: the table's new rows and where each came from."""

    table: str
    frame: pd.DataFrame  # the contract's columns
    origins: list[tuple[str, int]]  # (file name, line) for each row of `frame`, for error messages
    sources: list[SourceFile]
    # frame -> Series of replacement keys (str): a key among the new rows replaces the old rows with it
    period_of: Callable[[pd.DataFrame], pd.Series]
    span_of: Callable[[pd.DataFrame], tuple[str, str]]  # frame -> (period_start, period_end) ISO dates for the manifest
    source: str  # the publication, for the manifest's `source`
    notes: str = ""
    extra: dict = field(default_factory=dict)  # more manifest fields (e.g. the organisation kept)


@dataclass
class Result:
    table: str
    folder: Path
    rows_new: int
    rows_replaced: int
    rows_kept: int
    rows_total: int
    replaced_synthetic: bool
    sources: list[SourceFile]
    dry_run: bool = False

    def lines(self) -> list[str]:
        out = []
        for s in self.sources:
            out.append(
                f"{s.name}: {s.rows_read:,} rows read, {s.rows_accepted:,} accepted, "
                f"{s.rows_excluded:,} excluded (sha256 {s.sha256[:12]}…)"
            )
            out.extend("  " + line for line in s.exclusion_summary())
        verb = "would write" if self.dry_run else "wrote"
        what = (
            f"replacing {self.rows_replaced:,} synthetic demo rows"
            if self.replaced_synthetic
            else f"replacing {self.rows_replaced:,} rows of the same periods, keeping {self.rows_kept:,}"
        )
        out.append(
            f"{self.table}: {verb} {self.rows_new:,} rows ({what}); {self.rows_total:,} rows in "
            f"{self.folder / (self.table + '.parquet')}"
        )
        return out


def schema(table: contract.Table) -> pa.Schema:
    # Every field nullable: a null where the contract forbids one is for the validator to report, by row.
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.kind]) for c in table.columns])


def to_arrow(table: contract.Table, frame: pd.DataFrame) -> pa.Table:
    # Typed explicitly, so a column that is all null (ward_code from the national file) is still text.
    columns = {}
    for column in table.columns:
        values = frame[column.name].tolist()
        columns[column.name] = pa.array([None if _missing(v) else v for v in values], type=ARROW_TYPES[column.kind])
    return pa.Table.from_pydict(columns, schema=schema(table))


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value


def read_manifest(folder: Path) -> dict:
    path = folder / contract.MANIFEST_FILE
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImportFailed(
            [
                f"{path}: cannot be read ({exc}); fix or remove it before importing, so the "
                "provenance of the other tables is not lost"
            ]
        ) from exc
    if not isinstance(manifest, dict):
        raise ImportFailed([f"{path}: is not a JSON object; fix or remove it before importing"])
    return manifest


def dependencies(name: str) -> list[str]:
    """The reference tables a table's codes point at, and theirs, in load order."""
    out: list[str] = []

    def visit(n: str) -> None:
        for d in contract.TABLES_BY_NAME[n].depends_on:
            visit(d)
            if d not in out:
                out.append(d)

    visit(name)
    return out


def _read_existing(folder: Path, table: contract.Table) -> pd.DataFrame | None:
    path = folder / f"{table.name}.parquet"
    if (folder / table.name).is_dir():
        raise ImportFailed(
            [
                f"{folder / table.name}/ is a folder of parquet files; the importer keeps "
                f"`{table.name}` as one file, {table.name}.parquet. Move the folder out of the data "
                "folder (or merge it into one file) and import again."
            ]
        )
    if not path.exists():
        return None
    try:
        existing = pq.read_table(path).to_pandas(date_as_object=True)
    except Exception as exc:  # noqa: BLE001 - a corrupt existing file must not be overwritten blindly
        raise ImportFailed(
            [f"{path}: the existing table cannot be read ({exc}); move it away to start afresh"]
        ) from exc
    missing = [c for c in table.column_names if c not in existing.columns]
    if missing:
        raise ImportFailed(
            [f"{path}: the existing table lacks column(s) {', '.join(missing)}; move it away to start afresh"]
        )
    return existing[list(table.column_names)]


def dependents(name: str) -> list[str]:
    """The tables whose codes point at `name`, directly or through another table, in load order."""
    return [t.name for t in contract.TABLES if name in dependencies(t.name)]


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@contextlib.contextmanager
def locked(into: Path):
    """One import at a time per data folder: two at once would each rewrite the manifest from what they read, and
    the second would drop the first's entry. The lock file sits beside the folder, never in it."""
    into.parent.mkdir(parents=True, exist_ok=True)
    with open(into.parent / f".{into.name}.import.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def commit(into: Path, imported: Imported, *, dry_run: bool = False, now: dt.datetime | None = None) -> Result:
    """Merge `imported` into the data folder `into`, validate, and rename into place (see the module docstring)."""
    into = Path(into).resolve()
    with locked(into):
        return _commit(into, imported, dry_run=dry_run, now=now)


def _commit(into: Path, imported: Imported, *, dry_run: bool, now: dt.datetime | None) -> Result:
    table = contract.TABLES_BY_NAME[imported.table]
    if into.exists() and not into.is_dir():
        raise ImportFailed([f"{into}: is not a folder"])
    missing = [d for d in dependencies(table.name) if not (into / f"{d}.parquet").exists() and not (into / d).is_dir()]
    if missing:
        raise ImportFailed(
            [
                f"{into}: the reference table{'s' if len(missing) > 1 else ''} "
                + ", ".join(f"`{m}`" for m in missing)
                + f" that `{table.name}` needs "
                f"{'are' if len(missing) > 1 else 'is'} missing. Write the reference tables first: "
                f"python -m onehalton.importers reference --into {into}"
            ]
        )
    if imported.frame.empty:
        raise ImportFailed(
            [
                ", ".join(s.name for s in imported.sources) + f": no rows for `{table.name}` were "
                "accepted, so nothing was imported (see the exclusions above)"
            ]
        )
    manifest = read_manifest(into)
    existing = _read_existing(into, table)
    entry = manifest.get(table.name) if isinstance(manifest.get(table.name), dict) else None
    if existing is not None and entry is None and table.role == "extract":
        # The dashboard treats such a table as synthetic, but replacing it whole on that guess could wipe real rows.
        raise ImportFailed(
            [
                f"{into / (table.name + '.parquet')} has no entry in {contract.MANIFEST_FILE}, so it is "
                "unclear whether it is demo data (replaced whole) or real rows (kept beside the new "
                "periods). Move it out of the data folder, or add its manifest entry, and import again."
            ]
        )
    synthetic = existing is not None and entry.get("synthetic", True) is not False

    new = imported.frame[list(table.column_names)].reset_index(drop=True)
    new_periods = set(imported.period_of(new))
    if existing is None or synthetic:
        kept = new.iloc[0:0]
        replaced = 0 if existing is None else len(existing)
    else:
        stale = imported.period_of(existing).isin(new_periods).to_numpy()
        kept = existing[~stale]
        replaced = int(stale.sum())
    combined = pd.concat([kept, new], ignore_index=True) if len(kept) else new
    # Old rows first, then the new ones in file order: a validation problem at row n maps back to its source line.
    origins: list[tuple[str, int] | None] = [None] * len(kept) + list(imported.origins)

    # Beside the data folder, not in it (the dashboard would see it) nor in /tmp (a rename across file systems
    # is a copy, and not atomic).
    into.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{into.name}.import-", dir=into.parent))
    try:
        pq.write_table(to_arrow(table, combined), staging / f"{table.name}.parquet", compression="zstd")
        linked = dependencies(table.name) + [d for d in dependents(table.name) if d not in dependencies(table.name)]
        for dep in linked:
            src = into / f"{dep}.parquet"
            if src.exists():
                _link_or_copy(src, staging / src.name)
            elif (into / dep).is_dir():
                shutil.copytree(into / dep, staging / dep)
        _validate(staging, table, len(combined), origins)
        stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        updated = _manifest_entry(entry if not synthetic else None, imported, combined, new_periods, stamp)
        manifest = dict(manifest)
        manifest[table.name] = updated
        (staging / contract.MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        result = Result(
            table.name, into, len(new), replaced, len(kept), len(combined), synthetic, imported.sources, dry_run
        )
        if dry_run:
            return result
        into.mkdir(parents=True, exist_ok=True)
        _swap(staging, into, table.name)
        return result
    except OSError as exc:
        raise ImportFailed([f"writing to {staging} failed ({exc}); the data folder {into} is unchanged"]) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, into: Path, name: str) -> None:
    """Table first, manifest second, each by an atomic rename; if the manifest cannot be put in place the old
    table is put back, so the folder is never left with a table its manifest does not describe."""
    target = into / f"{name}.parquet"
    previous = staging / "previous.parquet"
    had_table = target.exists()
    if had_table:
        _link_or_copy(target, previous)
    os.replace(staging / f"{name}.parquet", target)
    try:
        os.replace(staging / contract.MANIFEST_FILE, into / contract.MANIFEST_FILE)
    except OSError:
        if had_table:
            os.replace(previous, target)
        else:
            target.unlink(missing_ok=True)
        raise


def _validate(staging: Path, table: contract.Table, rows: int, origins: list) -> None:
    """Load the staged folder as the dashboard will and insist on every row passing the contract."""
    from onehalton.db import Database  # imported here: it brings Streamlit, which the parsers do not need

    database = Database(staging)
    problems = []
    for dep in dependencies(table.name):
        status = database.statuses[dep]
        if not status.available or status.rows_excluded:
            problems.append(f"reference table `{dep}` does not pass the contract: {status.summary()}")
    status = database.statuses[table.name]
    if not status.available and not status.problems:
        problems.append(f"`{table.name}` would not load: {status.reason}")
    for problem in status.problems:
        where = []
        for example in problem.examples:
            row = example.get("row_in_file")
            origin = origins[int(row) - 1] if row is not None and 0 < int(row) <= len(origins) else None
            where.append(f"{origin[0]} line {origin[1]}" if origin else f"row {row} already in the table")
        rows_text = f"{problem.rows:,} row{'s' if problem.rows != 1 else ''}" if problem.rows else "the table"
        problems.append(
            f"{problem.rule} (column `{problem.column}`, {rows_text}"
            + (f"; e.g. {', '.join(where)}" if where else "")
            + ")"
        )
    for other in dependents(table.name):
        after = database.statuses[other]
        if after.files and after.rows_excluded:
            problems.append(
                f"with this `{table.name}`, {after.rows_excluded:,} rows of `{other}` already in the "
                "folder would be excluded: " + "; ".join(p.describe(other) for p in after.problems)
            )
    if not problems and status.rows_read != rows:
        problems.append(f"`{table.name}`: wrote {rows:,} rows but {status.rows_read:,} were read back")
    if problems:
        raise ImportFailed(
            [f"`{table.name}` does not pass the data contract, so nothing was imported: {p}" for p in problems]
        )


def _manifest_entry(
    entry: dict | None, imported: Imported, combined: pd.DataFrame, new_periods: set[str], stamp: dt.datetime
) -> dict:
    files = []
    for old in (entry or {}).get("files", []) if isinstance((entry or {}).get("files"), list) else []:
        if not isinstance(old, dict):
            continue
        left = [p for p in old.get("periods", []) if p not in new_periods]
        if left:  # a file whose every period was imported again is no longer behind the table
            files.append(dict(old, periods=left))
    for source in imported.sources:
        files.append(
            {
                "name": source.name,
                "sha256": source.sha256,
                "period_start": source.period_start,
                "period_end": source.period_end,
                "imported_at": stamp.isoformat(),
                "rows_read": source.rows_read,
                "rows_accepted": source.rows_accepted,
                "rows_excluded": source.rows_excluded,
                "excluded": dict(sorted(source.excluded.items())),
                "periods": sorted(source.periods),
                "encoding": source.encoding,
                **({"archive": source.archive[0], "archive_sha256": source.archive[1]} if source.archive else {}),
            }
        )
    start, end = imported.span_of(combined)
    return {
        "source": imported.source,
        "synthetic": False,
        "period_start": start,
        "period_end": end,
        "as_of": stamp.date().isoformat(),
        "imported_at": stamp.isoformat(),
        "notes": imported.notes,
        "files": files,
        **imported.extra,
    }


def reference(into: Path, name: str) -> pd.DataFrame:
    """A reference table already in the data folder (the importers filter and check codes against it)."""
    path = Path(into) / f"{name}.parquet"
    files = [path] if path.exists() else sorted((Path(into) / name).glob("*.parquet"))
    if not files:
        raise ImportFailed(
            [
                f"{into}: the reference table `{name}` is missing. Write the reference tables first: "
                f"python -m onehalton.importers reference --into {into}"
            ]
        )
    try:
        return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
    except Exception as exc:  # noqa: BLE001
        raise ImportFailed([f"{files[0]}: the reference table `{name}` cannot be read ({exc})"]) from exc


def iso_span(column: str):
    """span_of for a table whose period is one date column."""

    def span(frame: pd.DataFrame) -> tuple[str, str]:
        values = pd.to_datetime(frame[column])
        return values.min().date().isoformat(), values.max().date().isoformat()

    return span


def by_column(column: str):
    """period_of for a table replaced one value of a column at a time (a month)."""

    def period(frame: pd.DataFrame) -> pd.Series:
        return frame[column].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))

    return period
