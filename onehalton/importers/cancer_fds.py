"""Cancer Waiting Times (NHS England), 28-day Faster Diagnosis Standard CSV, into `cancer_fds`.

Kept to one organisation (ORG CODE; Halton's sub-ICB location 01F by default), so a national file's other
organisations never add into Halton's figures; the organisation kept is recorded in the manifest. Rows of other
standards (31- and 62-day) and "all cancers" total rows are excluded by reason; a cancer type or route the contract
does not know stops the import, because dropping it would silently change the totals.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from onehalton import contract
from onehalton.importers import common, store

SOURCE = "Cancer Waiting Times (NHS England), 28-day Faster Diagnosis Standard CSV"
REQUIRED = {
    "period": ("PERIOD",),
    "standard": ("STANDARD",),
    "org_code": ("ORG CODE", "ORG_CODE", "ORGANISATION CODE"),
    "cancer_type": ("CANCER TYPE", "CANCER_TYPE"),
    "stage_route": ("STAGE/ROUTE", "STAGE_ROUTE", "ROUTE"),
    "total": ("TOTAL",),
    "within_standard": ("WITHIN STANDARD", "WITHIN_STANDARD"),
    "breaches": ("BREACHES",),
}
FDS = re.compile(r"fds|faster diagnosis|28[ -]?days?", re.IGNORECASE)
TOTAL_ROWS = {"all cancers", "all", "total", "all cancer types", "all routes"}


def load(files: list[Path], into: Path, *, org: str = "01F") -> store.Imported:
    problems = common.RowProblems()
    parts, sources = [], []
    for path in files:
        csv = common.read_csv(path, REQUIRED)
        source, frame = csv.source, csv.frame
        sources.append(source)
        other_org = frame["org_code"].str.casefold() != org.casefold()
        source.exclude(f"another organisation than {org}", frame["line"][other_org])
        frame = frame[~other_org]
        other_standard = ~frame["standard"].map(lambda s: bool(FDS.search(s)))
        for standard, rows in frame[other_standard].groupby("standard"):
            source.exclude(f"another standard ({standard or 'empty'})", rows["line"])
        frame = frame[~other_standard]
        totals = frame["cancer_type"].map(common.value_key).isin(TOTAL_ROWS) | frame["stage_route"].map(
            common.value_key
        ).isin(TOTAL_ROWS)
        source.exclude(
            "a total row (all cancers or all routes), which the dashboard adds up itself", frame["line"][totals]
        )
        frame = frame[~totals]
        out = pd.DataFrame(
            {
                "period": common.convert(csv, frame, "period", common.month_parser, problems),
                "standard": "28-day FDS",
                "org_code": frame["org_code"].str.upper(),
                "cancer_type": common.convert(
                    csv, frame, "cancer_type", common.category(contract.FDS_CANCER_TYPES, "cancer type"), problems
                ),
                "stage_route": common.convert(
                    csv, frame, "stage_route", common.category(contract.FDS_ROUTES, "route"), problems
                ),
                "total": common.convert(csv, frame, "total", common.count_parser, problems),
                "within_standard": common.convert(csv, frame, "within_standard", common.count_parser, problems),
                "breaches": common.convert(csv, frame, "breaches", common.count_parser, problems),
                "file": source.name,
                "line": frame["line"],
            }
        )
        source.rows_accepted = len(out)
        source.covers(out["period"])
        parts.append(out)
    problems.raise_if_any()
    rows = pd.concat(parts, ignore_index=True)
    return store.Imported(
        table="cancer_fds",
        frame=rows,
        origins=list(zip(rows["file"], rows["line"])),
        sources=sources,
        period_of=store.by_column("period"),
        span_of=store.iso_span("period"),
        source=SOURCE,
        notes=f"Imported from the published 28-day FDS file, organisation {org.upper()} only.",
        extra={"organisation": org.upper()},
    )
