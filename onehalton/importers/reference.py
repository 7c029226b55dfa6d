"""The reference tables a data folder needs before any extract can be imported: wards, ward population, PCNs,
practices, indicator definitions and targets, from the project's own reference data (onehalton.demo_data).

Ward names, practice names and codes from the domain brief, the Fingertips IDs and the targets are real; ward
populations, deprivation scores, list sizes and placeholder codes are demo values, and the manifest says so
(`synthetic: true`), so the dashboard keeps its synthetic-data banner for them. Tables already in the folder are
kept (a team's own corrected practices table is never overwritten) unless replace=True.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from onehalton import contract, demo_data
from onehalton.importers import store
from onehalton.importers.common import ImportFailed

TABLES = tuple(t.name for t in contract.TABLES if t.role == "reference")


def write(into: Path, *, dry_run: bool = False, replace: bool = False, now: dt.datetime | None = None) -> list[str]:
    into = Path(into).resolve()
    with store.locked(into):
        return _write(into, dry_run=dry_run, replace=replace, now=now)


def _write(into: Path, *, dry_run: bool, replace: bool, now: dt.datetime | None) -> list[str]:
    manifest = store.read_manifest(into) if into.is_dir() else {}
    wanted = [t for t in TABLES if replace or not ((into / f"{t}.parquet").exists() or (into / t).is_dir())]
    if not wanted:
        return [f"{into}: every reference table is already there ({', '.join(TABLES)}); --replace overwrites them"]
    tables = demo_data.reference_tables(demo_data.build_geography(1, demo_data.DEFAULT_SEED))
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    month = dt.date(stamp.year, stamp.month, 1)
    entries = demo_data._manifest(tables, month, 1, demo_data.DEFAULT_SEED, (month, month))  # noqa: SLF001
    lines = []
    into.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{into.name}.import-", dir=into.parent))
    try:
        for name in wanted:
            pq.write_table(tables[name], staging / f"{name}.parquet", compression="zstd")
            entry = dict(entries[name], as_of=stamp.date().isoformat(), imported_at=stamp.isoformat())
            entry["source"] = "onehalton reference data (" + entry["source"] + ")"
            manifest[name] = entry
            lines.append(
                f"{name}: {'would write' if dry_run else 'wrote'} {tables[name].num_rows:,} rows "
                f"({'synthetic demo values in part' if entry['synthetic'] else 'published values'})"
            )
        (staging / contract.MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        if dry_run:
            return lines
        into.mkdir(parents=True, exist_ok=True)
        for name in wanted:
            if (into / name).is_dir():
                raise ImportFailed([f"{into / name}/ is a folder; move it away to replace `{name}`"])
        for name in wanted:
            os.replace(staging / f"{name}.parquet", into / f"{name}.parquet")
        os.replace(staging / contract.MANIFEST_FILE, into / contract.MANIFEST_FILE)
    except OSError as exc:
        raise ImportFailed([f"writing to {staging} failed ({exc}); {into} is unchanged"]) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    kept = [t for t in TABLES if t not in wanted]
    if kept:
        lines.append("kept as they were: " + ", ".join(kept))
    return lines
