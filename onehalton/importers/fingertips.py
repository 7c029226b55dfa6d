"""Fingertips (OHID) indicator CSV downloads, into `indicators`.

Kept: England (E92000001), the local authority named (Halton, E06000006, by default) and the wards in the wards
reference table, for the indicators in the indicator definitions. Excluded by reason: other areas, breakdowns by a
category (deprivation decile, ethnicity…), sexes the contract does not know, values suppressed at source (an empty
Value with a Value note), and the same area listed again under another area type (Halton is both a county and a
district unitary authority). The contract holds one age per indicator: where a file has several, the age with
most rows (the indicator's standard one) is kept and the others excluded by reason. Importing a time period of an
indicator again replaces it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from onehalton import contract
from onehalton.importers import common, store

SOURCE = "Fingertips (OHID) indicator CSV download"
ENGLAND = "E92000001"
REQUIRED = {
    "indicator_id": ("Indicator ID",),
    "area_code": ("Area Code",),
    "area_type": ("Area Type",),
    "sex": ("Sex",),
    "age": ("Age",),
    "time_period": ("Time period",),
    "value": ("Value",),
    "count": ("Count",),
    "denominator": ("Denominator",),
}
OPTIONAL = {
    "indicator_name": ("Indicator Name",),
    "area_name": ("Area Name",),
    "category_type": ("Category Type",),
    "value_note": ("Value note",),
}

_YEAR = r"(\d{4})"
_PERIODS = (
    (re.compile(rf"{_YEAR}/\d{{2}}(?:\s*-\s*\d{{2}}/\d{{2}})?"), lambda m: dt.date(int(m[1]), 4, 1)),  # 2022/23
    (re.compile(rf"{_YEAR}\s*-\s*\d{{2,4}}"), lambda m: dt.date(int(m[1]), 1, 1)),  # 2020 - 22
    (re.compile(rf"{_YEAR}/\d{{2}}\s*Q([1-4])"), lambda m: _fy_quarter(int(m[1]), int(m[2]))),  # 2022/23 Q1
    (re.compile(rf"{_YEAR}\s*Q([1-4])"), lambda m: dt.date(int(m[1]), 3 * int(m[2]) - 2, 1)),  # 2022 Q1
    (re.compile(_YEAR), lambda m: dt.date(int(m[1]), 1, 1)),  # 2022
)


def _fy_quarter(year: int, quarter: int) -> dt.date:
    month = 4 + 3 * (quarter - 1)
    return dt.date(year + (month > 12), (month - 1) % 12 + 1, 1)


def period_start(text: str) -> dt.date:
    """The first day of a Fingertips time period, for ordering: financial years from April, calendar and
    rolling periods from January."""
    label = " ".join(str(text).split())
    for pattern, start in _PERIODS:
        match = pattern.fullmatch(label)
        if match:
            return start(match)
    month = common.parse_month(label)  # monthly indicators, "Oct 2025"
    if month is not None:
        return month
    raise ValueError(f"{text!r} is not a time period this importer reads (e.g. 2022/23, 2020 - 22, 2022, 2022 Q1)")


def _value(text: str) -> float | None:
    number = common.parse_number(text)
    return None if number is None else float(number)


def load(files: list[Path], into: Path, *, area: str = "E06000006") -> store.Imported:
    wards = set(store.reference(into, "wards")["ward_code"])
    definitions = set(int(i) for i in store.reference(into, "indicator_definitions")["indicator_id"])
    area = area.upper()
    problems = common.RowProblems()
    parts, sources = [], []
    for path in files:
        csv = common.read_csv(path, REQUIRED, OPTIONAL)
        source, frame = csv.source, csv.frame
        sources.append(source)
        code = frame["area_code"].str.upper()
        kind = code.map(
            lambda c: "England" if c == ENGLAND else "Local authority" if c == area else "Ward" if c in wards else None
        )
        outside = kind.isna()
        source.exclude(
            f"an area other than England, {area} or a ward in the wards reference table", frame["line"][outside]
        )
        frame = frame[~outside].assign(area_code=code[~outside], contract_area_type=kind[~outside])
        labelled = frame["contract_area_type"] == "Ward"
        not_ward = labelled & ~frame["area_type"].str.casefold().str.contains("ward")
        source.exclude("a ward code listed under an area type other than Ward", frame["line"][not_ward])
        frame = frame[~not_ward]
        breakdown = frame["category_type"] != ""
        for category, rows in frame[breakdown].groupby("category_type"):
            source.exclude(f"a breakdown by {category} (the dashboard shows whole populations)", rows["line"])
        frame = frame[~breakdown]
        sex = frame["sex"].map(lambda s: common.matcher(contract.SEXES).get(common.value_key(s)))
        for value, rows in frame[sex.isna()].groupby("sex"):
            source.exclude(f"sex {value or '(empty)'} (the contract holds {', '.join(contract.SEXES)})", rows["line"])
        frame = frame[sex.notna()].assign(sex=sex[sex.notna()])
        ids = common.convert(csv, frame, "indicator_id", lambda v: int(common.parse_count(v)), problems)
        frame = frame.assign(indicator_id=ids)
        undefined = frame["indicator_id"].notna() & ~frame["indicator_id"].isin(definitions)
        for indicator, rows in frame[undefined].groupby("indicator_id"):
            name = rows["indicator_name"].iloc[0]
            source.exclude(
                f"indicator {int(indicator)}{f' ({name})' if name else ''} is not in the indicator "
                "definitions (add it there to show it)",
                rows["line"],
            )
        frame = frame[~undefined]
        blank = frame["value"].map(lambda v: v == "" or common.is_suppressed(v))
        noted = blank & (frame["value_note"] != "")
        for note, rows in frame[noted].groupby("value_note"):
            source.exclude(f"value suppressed at source ({note})", rows["line"])
        source.exclude("no value published", frame["line"][blank & ~noted])
        frame = frame[~blank]
        frame = frame.assign(
            period_start=common.convert(csv, frame, "time_period", period_start, problems),
            value_number=common.convert(csv, frame, "value", _value, problems),
            count_number=common.convert(
                csv, frame, "count", lambda v: None if common.is_suppressed(v) else _value(v), problems
            ),
            denominator_number=common.convert(
                csv, frame, "denominator", lambda v: None if common.is_suppressed(v) else _value(v), problems
            ),
            time_period=frame["time_period"].map(lambda t: " ".join(t.split())),
        )
        problems.raise_if_any()  # unreadable values first: the checks below compare them
        frame = _one_age(source, frame)
        frame = _one_area_type(source, frame)
        out = pd.DataFrame(
            {
                "indicator_id": frame["indicator_id"],
                "area_code": frame["area_code"],
                "area_type": frame["contract_area_type"],
                "sex": frame["sex"],
                "time_period": frame["time_period"],
                "period_start": frame["period_start"],
                "count": frame["count_number"],
                "denominator": frame["denominator_number"],
                "value": frame["value_number"],
                "file": source.name,
                "line": frame["line"],
            }
        )
        source.rows_accepted = len(out)
        source.periods = set(_period_keys(out))
        starts = sorted(s for s in set(out["period_start"]) if s is not None)
        if starts:
            source.period_start, source.period_end = starts[0].isoformat(), starts[-1].isoformat()
        parts.append(out)
    problems.raise_if_any()
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.astype(object).where(rows.notna(), None)
    return store.Imported(
        table="indicators",
        frame=rows,
        origins=list(zip(rows["file"], rows["line"])),
        sources=sources,
        period_of=_period_keys,
        span_of=store.iso_span("period_start"),
        source=SOURCE,
        notes=f"Imported from Fingertips downloads: England, {area} and the wards in the wards reference table. "
        "Values suppressed at source are left out (see each file's exclusions).",
        extra={"area": area},
    )


def _period_keys(frame: pd.DataFrame) -> pd.Series:
    """An indicator's time period is what an import replaces: every area and sex of it."""
    return frame["indicator_id"].astype(int).astype(str) + "|" + frame["time_period"].astype(str)


def _one_age(source: common.SourceFile, frame: pd.DataFrame) -> pd.DataFrame:
    keep = []
    for indicator, rows in frame.groupby("indicator_id", sort=False):
        counts = rows["age"].value_counts()
        if len(counts) == 1:
            keep.append(rows)
            continue
        # The standard age has a row for every area and period; "All ages" wins a tie.
        best = max(counts.index, key=lambda a: (counts[a], a.casefold() == "all ages"))
        for age, other in rows[rows["age"] != best].groupby("age"):
            source.exclude(
                f"age {age} of indicator {int(indicator)}, which is kept at {best} (one age per indicator)",
                other["line"],
            )
        keep.append(rows[rows["age"] == best])
    return pd.concat(keep) if keep else frame


def _one_area_type(source: common.SourceFile, frame: pd.DataFrame) -> pd.DataFrame:
    key = ["indicator_id", "area_code", "sex", "time_period"]
    again = frame.duplicated(key, keep="first")
    if not again.any():
        return frame
    first = frame[~again].set_index(key)
    for key_values, rows in frame[again].groupby(key):
        kept = first.loc[key_values]
        same = (rows["value_number"] == kept["value_number"]).all()
        if not same:
            lines = ", ".join(str(n) for n in rows["line"])
            raise common.ImportFailed(
                [
                    f"{source.name}, line {lines}: indicator {int(key_values[0])}, area "
                    f"{key_values[1]}, {key_values[2]}, {key_values[3]} appears again with a "
                    f"different value (first on line {kept['line']})"
                ]
            )
        source.exclude("the same area and period again (under another area type)", rows["line"])
    return frame[~again]
