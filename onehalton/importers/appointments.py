"""Appointments in General Practice (NHS England, monthly), practice-level CSV, into `appointments`.

The national file counts appointments by practice, staff type, mode, national category, booking lead time and
status. The contract has no national category, so counts are summed over it. It records no ward of residence or
age band: those columns stay null, and the dashboard shows such an extract at practice and PCN level
(`Database.recorded`). A place's own extract in the same layout may add WARD_CODE and AGE_BAND columns; then they
are used. Rows are kept for Halton's sub-ICB location (01F) or, with practices="reference", for the practices in
the practices reference table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from onehalton import contract
from onehalton.importers import common, store

SOURCE = "Appointments in General Practice (NHS England), practice-level CSV"
# The national practice-level file's header as published, in its order (the benchmark and tests write files so).
NATIONAL_COLUMNS = (
    "APPOINTMENT_MONTH_START_DATE",
    "GP_CODE",
    "GP_NAME",
    "SUPPLIER",
    "PCN_CODE",
    "PCN_NAME",
    "SUB_ICB_LOCATION_CODE",
    "SUB_ICB_LOCATION_NAME",
    "HCP_TYPE",
    "APPT_MODE",
    "NATIONAL_CATEGORY",
    "TIME_BETWEEN_BOOK_AND_APPT",
    "COUNT_OF_APPOINTMENTS",
    "APPT_STATUS",
)
REQUIRED = {
    "month": ("APPOINTMENT_MONTH_START_DATE", "APPOINTMENT_MONTH"),
    "gp_code": ("GP_CODE", "PRACTICE_CODE"),
    "hcp_type": ("HCP_TYPE",),
    "appt_mode": ("APPT_MODE",),
    "lead_time": ("TIME_BETWEEN_BOOK_AND_APPT",),
    "status": ("APPT_STATUS",),
    "count": ("COUNT_OF_APPOINTMENTS",),
}
OPTIONAL = {
    "gp_name": ("GP_NAME", "PRACTICE_NAME"),
    "sub_icb": ("SUB_ICB_LOCATION_CODE", "SUB_ICB_LOC_CODE", "SUB_ICB_CODE"),
    "ward_code": ("WARD_CODE", "WARD_OF_RESIDENCE_CODE", "PATIENT_WARD_CODE"),
    "age_band": ("AGE_BAND", "PATIENT_AGE_BAND"),
}
KEY = [
    "appointment_month",
    "gp_code",
    "ward_code",
    "age_band",
    "hcp_type",
    "appt_mode",
    "time_between_book_and_appt",
    "appt_status",
]


def load(files: list[Path], into: Path, *, sub_icb: str = "01F", practices: str = "sub-icb") -> store.Imported:
    known = store.reference(into, "practices")
    known_codes = set(known["gp_code"])
    wards = set(store.reference(into, "wards")["ward_code"])
    problems = common.RowProblems()
    parts, sources = [], []
    for path in files:
        if practices == "sub-icb":
            wanted = sub_icb.casefold()

            def in_scope(rows):
                if "sub_icb" not in rows:
                    raise common.ImportFailed(
                        [
                            f"{path.name}: no SUB_ICB_LOCATION_CODE column to keep sub-ICB "
                            f"location {sub_icb} by; use --practices reference to keep the "
                            "practices in the practices reference table instead"
                        ]
                    )
                return rows["sub_icb"].str.casefold() == wanted

            keep = (f"outside sub-ICB location {sub_icb}", in_scope)
        else:
            keep = ("practice not in the practices reference table", lambda rows: rows["gp_code"].isin(known_codes))
        csv = common.read_csv(path, REQUIRED, OPTIONAL, keep=keep)
        source, frame = csv.source, csv.frame
        sources.append(source)
        if practices == "sub-icb":
            unknown = ~frame["gp_code"].isin(known_codes)
            for code, rows in frame[unknown].groupby("gp_code"):
                name = rows["gp_name"].iloc[0]
                source.exclude(
                    f"practice {code}{f' ({name})' if name else ''} is in {sub_icb} but not in the "
                    "practices reference table",
                    rows["line"],
                )
            frame = frame[~unknown]
        out = pd.DataFrame(
            {
                "appointment_month": common.convert(csv, frame, "month", common.month_parser, problems),
                "gp_code": frame["gp_code"],
                "ward_code": _optional(csv, frame, "ward_code", _ward_parser(wards), problems),
                "age_band": _optional(
                    csv, frame, "age_band", common.category(contract.AGE_BANDS, "age band"), problems
                ),
                "hcp_type": common.convert(
                    csv, frame, "hcp_type", common.category(contract.HCP_TYPE, "staff type"), problems
                ),
                "appt_mode": common.convert(
                    csv, frame, "appt_mode", common.category(contract.APPT_MODE, "mode"), problems
                ),
                "time_between_book_and_appt": common.convert(
                    csv, frame, "lead_time", common.category(contract.TIME_BETWEEN_BOOK_AND_APPT, "lead time"), problems
                ),
                "appt_status": common.convert(
                    csv, frame, "status", common.category(contract.APPT_STATUS, "status"), problems
                ),
                "count_of_appointments": common.convert(csv, frame, "count", common.count_parser, problems),
                "file": source.name,
                "line": frame["line"],
            }
        )
        source.rows_accepted = len(out)
        parts.append(out)
    problems.raise_if_any()
    rows = pd.concat(parts, ignore_index=True)
    for source in sources:
        _periods(source, rows[rows["file"] == source.name])
    # The contract has no national category: its rows sum into one per key. dropna=False keeps null wards.
    summed = (
        rows.groupby(KEY, dropna=False, sort=True)
        .agg(count_of_appointments=("count_of_appointments", "sum"), file=("file", "first"), line=("line", "first"))
        .reset_index()
    )
    summed = summed.astype(object).where(summed.notna(), None)
    recorded = (
        "with the ward of residence and age band the extract adds"
        if summed["ward_code"].notna().any()
        else "no ward of residence or age band (the national file records neither): practice and PCN level only"
    )
    return store.Imported(
        table="appointments",
        frame=summed,
        origins=list(zip(summed["file"], summed["line"])),
        sources=sources,
        period_of=store.by_column("appointment_month"),
        span_of=store.iso_span("appointment_month"),
        source=SOURCE,
        notes=f"Imported from the published practice-level file; summed over national category; {recorded}. "
        + (
            "Kept: practices in the practices reference table."
            if practices != "sub-icb"
            else f"Kept: sub-ICB location {sub_icb}, practices in the practices reference table."
        ),
        extra={"ward_of_residence": bool(summed["ward_code"].notna().any())},
    )


def _optional(csv, frame, logical, parse, problems) -> pd.Series:
    if logical not in csv.headers:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return common.convert(csv, frame, logical, lambda v: None if v == "" else parse(v), problems)


def _ward_parser(wards: set[str]):
    def parse(value: str) -> str:
        code = value.strip().upper()
        if code not in wards:
            raise ValueError(f"{value!r} is not a ward in the wards reference table")
        return code

    return parse


def _periods(source: common.SourceFile, rows: pd.DataFrame) -> None:
    source.covers(rows["appointment_month"])
