"""Importers: the national publications' files, as downloaded, into the data contract's tables.

    python -m onehalton.importers KIND FILE... --into DATA_DIR

One module per published format (see KINDS). Each parses its files, excluding out-of-scope rows by reason and
stopping at any row it cannot read; `store.commit` then merges the rows by period, validates the result with the
dashboard's own validation and renames it into place, or leaves the data folder untouched.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from onehalton.importers.common import ImportFailed

# kind -> (module, contract table, what the files are)
KINDS = {
    "appointments": (
        "appointments",
        "appointments",
        "Appointments in General Practice, practice-level CSV (one or more months)",
    ),
    "cancer-fds": ("cancer_fds", "cancer_fds", "Cancer Waiting Times 28-day Faster Diagnosis Standard CSV"),
    "ld-health-checks": (
        "ld_health_checks",
        "ld_health_checks",
        "Learning disability health checks (LDHCMI034/LDHCMI035), practice-level CSV",
    ),
    "fingertips": ("fingertips", "indicators", "Fingertips (OHID) indicator CSV download"),
    "budget": ("budget", "budget_spend", "One Halton budget statement spreadsheet (.xlsx), Month N layout"),
    "table": (
        "contract_csv",
        None,
        "a reference table (--table practices, pcns, wards, …) from a CSV in the "
        "contract's own columns, replacing it whole",
    ),
    "reference": (
        "reference",
        None,
        "the reference tables (wards, practices, PCNs, indicator definitions, "
        "targets) from the project's own data; no files",
    ),
}

__all__ = ["KINDS", "ImportFailed", "run_import"]


def run_import(kind: str, files: list[Path], into: Path, *, dry_run: bool = False, **options):
    """Import `files` of `kind` into the data folder `into`; returns a store.Result (or, for `reference`, a list
    of lines). Raises ImportFailed, with nothing written, when the import cannot go ahead."""
    import importlib

    from onehalton.importers import store

    if kind not in KINDS:
        raise ImportFailed([f"unknown kind {kind!r}; choose one of: {', '.join(KINDS)}"])
    module = importlib.import_module(f"onehalton.importers.{KINDS[kind][0]}")
    into = Path(into)
    if kind == "reference":
        return module.write(into, dry_run=dry_run, **options)
    if not files:
        raise ImportFailed([f"{kind}: no files given"])
    missing = [str(f) for f in files if not Path(f).is_file()]
    if missing:
        raise ImportFailed([f"{m}: no such file" for m in missing])
    with tempfile.TemporaryDirectory(prefix="onehalton-import-") as unpacked:
        paths, archives = _unzipped([Path(f) for f in files], Path(unpacked))
        imported = module.load(paths, into, **options)
        for source in imported.sources:
            source.archive = archives.get(source.path)
        return store.commit(into, imported, dry_run=dry_run)


def _unzipped(files: list[Path], folder: Path) -> tuple[list[Path], dict[Path, tuple[str, str]]]:
    """National publications come zipped (a month's practice-level CSVs in one archive): each CSV in a .zip is
    imported as a file of its own, and the manifest names the archive it came in and the archive's SHA-256."""
    from onehalton.importers.common import sha256_of

    paths: list[Path] = []
    archives: dict[Path, tuple[str, str]] = {}
    for n, path in enumerate(files):
        if path.suffix.lower() != ".zip":
            paths.append(path)
            continue
        try:
            with zipfile.ZipFile(path) as archive:
                members = [
                    m
                    for m in archive.infolist()
                    if not m.is_dir()
                    and m.filename.lower().endswith((".csv", ".xlsx"))
                    and "__MACOSX" not in m.filename
                ]
                if not members:
                    raise ImportFailed([f"{path.name}: the archive holds no .csv or .xlsx file"])
                digest = sha256_of(path)
                for member in members:
                    target = folder / str(n) / Path(member.filename).name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(member) as src, target.open("wb") as dst:
                        shutil.copyfileobj(src, dst)
                    paths.append(target)
                    archives[target] = (path.name, digest)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ImportFailed(
                [f"{path.name}: cannot be read as a .zip archive ({exc}); a truncated download reads like this"]
            ) from exc
    return paths, archives
