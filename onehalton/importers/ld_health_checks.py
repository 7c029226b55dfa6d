"""Learning disabilities health check scheme (NHS England, GP enhanced service, monthly), practice-level CSV, into
`ld_health_checks`.

The published file is long: one row per month (ACH_DATE), practice (ORG_CODE), indicator (IND_CODE) and field
(FIELD_NAME: Numerator, Denominator, HLTHCHKDEC, …) with its VALUE. Indicators LDHCMI034 (ages 14-17) and
LDHCMI035 (18+) are kept, for the practices in the practices reference table; counts are cumulative within the
financial year as published. A wide file (NUMERATOR, DENOMINATOR, HLTHCHKDEC columns) is read too. A practice's
indicator whose figures are suppressed at source (`*`) or incomplete is excluded, by reason.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from onehalton import contract
from onehalton.importers import common, store

SOURCE = "Learning disabilities health check scheme (NHS England), practice-level CSV"
FIELDS = {"numerator": "numerator", "denominator": "denominator", "hlthchkdec": "declined"}
REQUIRED = {
    "month": ("ACH_DATE", "ACHIEVEMENT_DATE", "ACHIEVEMENT_MONTH", "REPORTING_PERIOD_END"),
    "gp_code": ("ORG_CODE", "PRACTICE_CODE", "GP_CODE"),
    "indicator": ("IND_CODE", "INDICATOR_CODE"),
}
LONG = {"field": ("FIELD_NAME", "MEASURE"), "value": ("VALUE",)}
WIDE = {"numerator": ("NUMERATOR",), "denominator": ("DENOMINATOR",), "declined": ("HLTHCHKDEC", "DECLINED")}


def load(files: list[Path], into: Path) -> store.Imported:
    known = set(store.reference(into, "practices")["gp_code"])
    problems = common.RowProblems()
    parts, sources = [], []
    for path in files:
        csv = common.read_csv(path, REQUIRED, {**LONG, **WIDE})
        source, frame = csv.source, csv.frame
        sources.append(source)
        wide = all(k in csv.headers for k in WIDE)
        if not wide and not all(k in csv.headers for k in LONG):
            raise common.ImportFailed(
                [
                    f"{source.name}: neither the published long layout (FIELD_NAME, VALUE) "
                    "nor a wide one (NUMERATOR, DENOMINATOR, HLTHCHKDEC) is in the header"
                ]
            )
        indicator = frame["indicator"].str.upper()
        other = ~indicator.isin(contract.LD_INDICATORS)
        source.exclude("another indicator than LDHCMI034/LDHCMI035", frame["line"][other])
        frame = frame[~other].assign(indicator=indicator[~other])
        outside = ~frame["gp_code"].str.upper().isin(known)
        source.exclude("practice not in the practices reference table", frame["line"][outside])
        frame = frame[~outside].assign(gp_code=lambda f: f["gp_code"].str.upper())
        frame = frame.assign(month_value=common.convert(csv, frame, "month", common.month_parser, problems))
        out = _wide(csv, frame, problems) if wide else _from_long(csv, frame, problems)
        out = out.assign(file=source.name)
        source.rows_accepted = int(out["source_rows"].sum()) if len(out) else 0
        source.covers(out["achievement_month"])
        parts.append(out)
    problems.raise_if_any()
    rows = pd.concat(parts, ignore_index=True)
    return store.Imported(
        table="ld_health_checks",
        frame=rows,
        origins=list(zip(rows["file"], rows["line"])),
        sources=sources,
        period_of=store.by_column("achievement_month"),
        span_of=store.iso_span("achievement_month"),
        source=SOURCE,
        notes="Imported from the published LD health check file (LDHCMI034 ages 14-17, LDHCMI035 "
        "18+), practices in the practices reference table; cumulative within the year.",
    )


def _number(csv, frame, column, problems) -> pd.Series:
    """A count, or None where the publisher suppressed it."""
    return common.convert(
        csv, frame, column, lambda v: None if common.is_suppressed(v) else common.parse_count(v), problems
    )


def _wide(csv, frame, problems) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "achievement_month": frame["month_value"],
            "gp_code": frame["gp_code"],
            "indicator_code": frame["indicator"],
            "numerator": _number(csv, frame, "numerator", problems),
            "denominator": _number(csv, frame, "denominator", problems),
            "declined": _number(csv, frame, "declined", problems),
            "line": frame["line"],
            "source_rows": 1,
        }
    )
    suppressed = out[["numerator", "denominator", "declined"]].isna().any(axis=1) & out["achievement_month"].notna()
    csv.source.exclude("a figure suppressed at source", out["line"][suppressed])
    return out[~suppressed]


def _from_long(csv, frame, problems) -> pd.DataFrame:
    field = frame["field"].map(lambda f: FIELDS.get(common.value_key(f).replace(" ", "")))
    unused = field.isna()
    csv.source.exclude(
        "a field the dashboard does not use (kept: Numerator, Denominator, HLTHCHKDEC)", frame["line"][unused]
    )
    frame = frame[~unused].assign(field=field[~unused])
    frame = frame.assign(number=_number(csv, frame, "value", problems))
    keys = ["month_value", "gp_code", "indicator"]
    out = []
    for (month, gp_code, indicator), group in frame.groupby(keys, sort=True):
        lines = group["line"].tolist()
        values = {}
        for f, n in zip(group["field"], group["number"]):
            if f in values:
                problems.add(
                    csv.source.name,
                    int(group["line"].iloc[-1]),
                    "`FIELD_NAME`",
                    f"{gp_code} {indicator} {month:%b %Y} has more than one {f} row",
                )
            values[f] = None if pd.isna(n) else int(n)
        if any(values.get(f) is None for f in FIELDS.values()):
            absent = [f for f in FIELDS.values() if f not in values]
            reason = (
                "a figure suppressed at source"
                if not absent
                else "incomplete at source (no " + ", ".join(absent) + " row)"
            )
            csv.source.exclude(reason, lines)
            continue
        out.append(
            {
                "achievement_month": month,
                "gp_code": gp_code,
                "indicator_code": indicator,
                "numerator": values["numerator"],
                "denominator": values["denominator"],
                "declined": values["declined"],
                "line": min(lines),
                "source_rows": len(lines),
            }
        )
    columns = [
        "achievement_month",
        "gp_code",
        "indicator_code",
        "numerator",
        "denominator",
        "declined",
        "line",
        "source_rows",
    ]
    return pd.DataFrame(out, columns=columns)
