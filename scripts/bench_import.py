"""Benchmark: importing a national-size Appointments in General Practice file (python -m scripts.bench_import).

Writes a practice-level CSV in the published layout for `--practices` practices (default 6,300, about England's
number; 1,440 rows each, so some 9 million rows and 1.2 GB at the default), seven of them Halton's under sub-ICB 01F,
then runs the importer on it in a child process and reports wall time and the child's peak resident memory. The
importer reads the file in chunks of the columns it uses, so memory should stay flat as the file grows.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from onehalton import config, contract
from onehalton.importers.appointments import NATIONAL_COLUMNS

COLUMNS = list(NATIONAL_COLUMNS)
HALTON = ["N81011", "N81019", "N81035", "N81037", "N81066", "N81072", "N81619"]
CATEGORIES = ["General Consultation Routine", "Clinical Triage", "Planned Clinics", "Home Visit"]


def write(path: Path, practices: int) -> int:
    combos = list(
        itertools.product(
            contract.HCP_TYPE,
            contract.APPT_MODE,
            CATEGORIES,
            contract.TIME_BETWEEN_BOOK_AND_APPT[:8],
            contract.APPT_STATUS,
        )
    )
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for p in range(practices):
            code = HALTON[p] if p < len(HALTON) else f"Y{p:05d}"
            sub_icb = "01F" if p < len(HALTON) else f"{p % 106:02d}X"
            for hcp, mode, category, lead, status in combos:
                writer.writerow(
                    [
                        "01OCT2025",
                        code,
                        f"Practice {p}",
                        "EMIS",
                        "U00001",
                        "A PCN",
                        sub_icb,
                        "A sub-ICB",
                        hcp,
                        mode,
                        category,
                        lead,
                        f"{(p * 7 + len(lead)) % 1500:,}",
                        status,
                    ]
                )
                rows += 1
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=6300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="onehalton-bench-import-") as tmp:
        folder, source = Path(tmp) / "data", Path(tmp) / "national.csv"
        started = time.perf_counter()
        rows = write(source, args.practices)
        print(f"wrote {rows:,} rows, {source.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - started:.1f} s")
        run = [sys.executable, "-m", "onehalton.importers"]
        subprocess.run(
            run + ["reference", "--into", str(folder)], check=True, cwd=config.PROJECT_ROOT, capture_output=True
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        done = subprocess.run(
            run + ["appointments", str(source), "--into", str(folder)],
            cwd=config.PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(done.stdout.strip() or done.stderr.strip())
        print(
            f"import: {seconds:.1f} s wall, peak resident memory {max(peak, before) / 1024:,.0f} MB "
            f"({rows / seconds:,.0f} rows a second)"
        )
        return done.returncode


if __name__ == "__main__":
    sys.exit(main())
