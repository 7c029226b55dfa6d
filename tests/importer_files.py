"""Small files in each published layout, written into a temp folder for tests/test_importers.py, with the mess
real downloads carry on request: a UTF-8 byte-order mark, CRLF line ends, thousands separators, trailing blank
rows, upper- or mixed-case headers, and a column order other than the publisher's.

Every builder returns the path it wrote; the figures in each are small and worked out in the docstrings.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from onehalton import config
from onehalton.importers.appointments import NATIONAL_COLUMNS

# Halton practices in the reference tables the `reference` importer writes (from the domain brief).
FIR_PARK, GROVE_HOUSE = ("N81035", "Fir Park Medical Centre"), ("N81066", "Grove House Practice")
OUTSIDE = ("N82001", "A practice in another sub-ICB location")
UNLISTED = ("N81999", "A Halton practice missing from the reference table")
WARD_NORTON, WARD_APPLETON = "E05013186", "E05013169"

APPOINTMENT_COLUMNS = list(NATIONAL_COLUMNS)
FDS_COLUMNS = ["PERIOD", "STANDARD", "ORG CODE", "CANCER TYPE", "STAGE/ROUTE", "TOTAL", "WITHIN STANDARD", "BREACHES"]
LD_COLUMNS = ["QUALITY_SERVICE", "ACH_DATE", "ORG_CODE", "IND_CODE", "FIELD_NAME", "VALUE"]
FINGERTIPS_COLUMNS = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
]


def write_csv(
    path: Path,
    header: list[str],
    rows: list[dict],
    *,
    bom: bool = False,
    crlf: bool = False,
    blank_rows: int = 0,
    header_case: str | None = None,
    order: list[str] | None = None,
    encoding: str = "utf-8",
) -> Path:
    """rows are dicts by the publisher's header names; `order` reorders the columns, `header_case` is 'upper',
    'lower' or 'mixed' (alternating), `blank_rows` appends rows of empty fields as spreadsheets export them."""
    columns = order or header
    shown = {
        "upper": str.upper,
        "lower": str.lower,
        None: lambda h: h,
        "mixed": lambda h: "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(h)),
    }[header_case]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow([shown(c) for c in columns])
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    for _ in range(blank_rows):
        writer.writerow([""] * len(columns))
    data = buffer.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def thousands(n: int) -> str:
    return f"{n:,}"


def appointment_rows(month: str, *, unknown_lead: str = "Unknown / Data Quality", big: int = 1200) -> list[dict]:
    """One month. Halton (01F): Fir Park: GP Face-to-Face Same Day Attended `big` (General Consultation Routine)
    + 300 (General Consultation Acute), Other Practice staff Telephone '8  to 14 Days' DNA 40, GP Video Same Day
    Unknown... no: GP Video Conference/Online `unknown_lead` Unknown 5. Grove House: GP Home Visit '15  to 21 Days'
    Attended 7, Other Practice staff Telephone 1 Day Attended 2,500. Fir Park total big + 345, Grove House 2,507.
    Outside Halton: N82001 (01J) 999 Attended. Halton practice not in the reference table: N81999 11 Attended."""

    def row(practice, pcn, sub_icb, hcp, mode, category, lead, count, status):
        return {
            "APPOINTMENT_MONTH_START_DATE": month,
            "GP_CODE": practice[0],
            "GP_NAME": practice[1],
            "SUPPLIER": "EMIS",
            "PCN_CODE": pcn,
            "PCN_NAME": pcn + " PCN",
            "SUB_ICB_LOCATION_CODE": sub_icb,
            "SUB_ICB_LOCATION_NAME": "NHS Cheshire and Merseyside ICB - " + sub_icb,
            "HCP_TYPE": hcp,
            "APPT_MODE": mode,
            "NATIONAL_CATEGORY": category,
            "TIME_BETWEEN_BOOK_AND_APPT": lead,
            "COUNT_OF_APPOINTMENTS": thousands(count),
            "APPT_STATUS": status,
        }

    return [
        row(FIR_PARK, "U1", "01F", "GP", "Face-to-Face", "General Consultation Routine", "Same Day", big, "Attended"),
        row(FIR_PARK, "U1", "01F", "GP", "Face-to-Face", "General Consultation Acute", "Same Day", 300, "Attended"),
        row(FIR_PARK, "U1", "01F", "Other Practice staff", "Telephone", "Clinical Triage", "8  to 14 Days", 40, "DNA"),
        row(FIR_PARK, "U1", "01F", "GP", "Video Conference/Online", "Unmapped", unknown_lead, 5, "Unknown"),
        row(GROVE_HOUSE, "U2", "01F", "GP", "Home Visit", "Home Visit", "15  to 21 Days", 7, "Attended"),
        row(
            GROVE_HOUSE, "U2", "01F", "Other Practice staff", "Telephone", "Planned Clinics", "1 Day", 2500, "Attended"
        ),
        row(OUTSIDE, "U9", "01J", "GP", "Face-to-Face", "General Consultation Routine", "Same Day", 999, "Attended"),
        row(UNLISTED, "U1", "01F", "GP", "Face-to-Face", "General Consultation Routine", "Same Day", 11, "Attended"),
    ]


def appointments_csv(folder: Path, name: str, month: str = "01OCT2025", **mess) -> Path:
    rows_kw = {k: mess.pop(k) for k in ("unknown_lead", "big") if k in mess}
    return write_csv(folder / name, APPOINTMENT_COLUMNS, appointment_rows(month, **rows_kw), **mess)


def fds_rows(period: str = "2025-10-01") -> list[dict]:
    """01F, 28-day FDS: lung USC 40 (30 within, 10 breaches), breast symptomatic 1,000 (800, 200), bowel screening
    60 (45, 15) -> 1,100 told, 875 within. Excluded: an 'ALL CANCERS' total row, a 62-day row, another org."""

    def row(org, standard, cancer, route, total, within, breaches):
        return {
            "PERIOD": period,
            "STANDARD": standard,
            "ORG CODE": org,
            "CANCER TYPE": cancer,
            "STAGE/ROUTE": route,
            "TOTAL": thousands(total),
            "WITHIN STANDARD": thousands(within),
            "BREACHES": thousands(breaches),
        }

    return [
        row("01F", "28-day FDS", "Suspected lung cancer", "URGENT SUSPECTED CANCER", 40, 30, 10),
        # Mixed case from the publisher: matched to the contract's spelling.
        row(
            "01F",
            "FDS",
            "Exhibited (non-cancer) breast symptoms - cancer not initially suspected",
            "Breast Symptomatic, Cancer Not Suspected",
            1000,
            800,
            200,
        ),
        row("01F", "28-day FDS", "Bowel screening", "NATIONAL SCREENING PROGRAMME", 60, 45, 15),
        row("01F", "28-day FDS", "ALL CANCERS", "URGENT SUSPECTED CANCER", 1100, 875, 225),
        row("01F", "62-day", "Suspected lung cancer", "URGENT SUSPECTED CANCER", 12, 8, 4),
        row("01J", "28-day FDS", "Suspected lung cancer", "URGENT SUSPECTED CANCER", 77, 70, 7),
    ]


def fds_csv(folder: Path, name: str, period: str = "2025-10-01", rows: list[dict] | None = None, **mess) -> Path:
    return write_csv(folder / name, FDS_COLUMNS, rows if rows is not None else fds_rows(period), **mess)


def ld_rows(ach_date: str = "31/10/2025") -> list[dict]:
    """Long layout. Fir Park LDHCMI035: numerator 30, denominator 60, declined 2; LDHCMI034: 3, 6, 0. Grove
    House LDHCMI035: 20, 1,040, 0 (denominator with a thousands separator). Halton register 60+2+6+1,040 = 1,108,
    checks 53. Excluded: Grove House LDHCMI034 suppressed (*), an LDHCMI036 row, a practice outside Halton."""

    def rows(practice, indicator, numerator, denominator, declined):
        return [
            {
                "QUALITY_SERVICE": "LDHC",
                "ACH_DATE": ach_date,
                "ORG_CODE": practice,
                "IND_CODE": indicator,
                "FIELD_NAME": field,
                "VALUE": value,
            }
            for field, value in (("Numerator", numerator), ("Denominator", denominator), ("HLTHCHKDEC", declined))
        ]

    return (
        rows(FIR_PARK[0], "LDHCMI035", "30", "60", "2")
        + rows(FIR_PARK[0], "LDHCMI034", "3", "6", "0")
        + rows(GROVE_HOUSE[0], "LDHCMI035", "20", "1,040", "0")
        + rows(GROVE_HOUSE[0], "LDHCMI034", "*", "*", "0")
        + rows(FIR_PARK[0], "LDHCMI036", "1", "2", "0")
        + rows(OUTSIDE[0], "LDHCMI035", "5", "9", "1")
    )


def ld_csv(folder: Path, name: str, ach_date: str = "31/10/2025", rows: list[dict] | None = None, **mess) -> Path:
    return write_csv(folder / name, LD_COLUMNS, rows if rows is not None else ld_rows(ach_date), **mess)


def fingertips_rows() -> list[dict]:
    """92443 adult smoking (Living Well, %, 18+ yrs): England 2023 11.6 (count 3,000, denominator 25,862),
    Halton 2023 13.0 (130 / 1,000), Halton Male 14.0, Female 12.0. Ward Norton 2023 value suppressed at source
    (empty value, value note); ward Appleton 2023 20.0 (40 / 200). Halton 2022 15.0 (150 / 1,000).
    Excluded: Halton again under 'Districts & UAs', a 16+ yrs row, a deprivation-decile breakdown, another LA,
    a 'Not applicable' sex. 90366 life expectancy (Ageing Well, years): Halton Male 2021 - 23, 77.1, no count."""

    def row(
        indicator,
        name,
        code,
        area_name,
        area_type,
        sex,
        age,
        period,
        value,
        count="",
        denominator="",
        note="",
        category_type="",
        category="",
    ):
        return {
            "Indicator ID": str(indicator),
            "Indicator Name": name,
            "Parent Code": "E92000001",
            "Parent Name": "England",
            "Area Code": code,
            "Area Name": area_name,
            "Area Type": area_type,
            "Sex": sex,
            "Age": age,
            "Category Type": category_type,
            "Category": category,
            "Time period": period,
            "Value": value,
            "Lower CI 95.0 limit": "",
            "Upper CI 95.0 limit": "",
            "Lower CI 99.8 limit": "",
            "Upper CI 99.8 limit": "",
            "Count": count,
            "Denominator": denominator,
            "Value note": note,
            "Recent Trend": "",
            "Compared to England value or percentiles": "",
        }

    smoking = (92443, "Smoking Prevalence in adults (18+) - current smokers (APS)")
    la = "Counties & UAs (from Apr 2023)"
    return [
        row(*smoking, "E92000001", "England", "England", "Persons", "18+ yrs", "2023", "11.6", "3,000", "25,862"),
        row(*smoking, "E06000006", "Halton", la, "Persons", "18+ yrs", "2023", "13.0", "130", "1,000"),
        row(
            *smoking,
            "E06000006",
            "Halton",
            "Districts & UAs (from Apr 2023)",
            "Persons",
            "18+ yrs",
            "2023",
            "13.0",
            "130",
            "1,000",
        ),
        row(*smoking, "E06000006", "Halton", la, "Male", "18+ yrs", "2023", "14.0", "70", "500"),
        row(*smoking, "E06000006", "Halton", la, "Female", "18+ yrs", "2023", "12.0", "60", "500"),
        row(*smoking, "E06000006", "Halton", la, "Not applicable", "18+ yrs", "2023", "13.0", "130", "1,000"),
        row(*smoking, "E06000006", "Halton", la, "Persons", "18+ yrs", "2022", "15.0", "150", "1,000"),
        row(*smoking, "E06000006", "Halton", la, "Persons", "16+ yrs", "2023", "12.5", "140", "1,120"),
        row(
            *smoking,
            "E06000006",
            "Halton",
            la,
            "Persons",
            "18+ yrs",
            "2023",
            "18.0",
            "50",
            "278",
            category_type="LSOA11 deprivation deciles in England (IMD2019)",
            category="Most deprived decile",
        ),
        row(
            *smoking,
            WARD_NORTON,
            "Norton South & Preston Brook",
            "Ward",
            "Persons",
            "18+ yrs",
            "2023",
            "",
            "",
            "",
            note="Value suppressed for disclosure control due to small count",
        ),
        row(*smoking, WARD_APPLETON, "Appleton", "Ward", "Persons", "18+ yrs", "2023", "20.0", "40", "200"),
        row(*smoking, "E08000012", "Liverpool", la, "Persons", "18+ yrs", "2023", "16.0", "800", "5,000"),
        row(90366, "Life expectancy at birth", "E06000006", "Halton", la, "Male", "All ages", "2021 - 23", "77.1"),
    ]


def fingertips_csv(folder: Path, name: str, rows: list[dict] | None = None, **mess) -> Path:
    return write_csv(folder / name, FINGERTIPS_COLUMNS, rows if rows is not None else fingertips_rows(), **mess)


# ---------------------------------------------------------------------------------------------------------------
# The budget statement

BUDGET_LINES_CSV = config.PROJECT_ROOT / "data" / "reference" / "budget_2020_21_m5_lines.csv"
STATEMENT_HEADER = (
    ["Organisation Ledger", "Funding Source", "Title", "Host", "Annual Budget", "Prior Year Invoices"]
    + [f"Month {m}" for m in range(1, 13)]
    + ["YTD Actuals", "M5 Accurals", "M12 Total", "Variance"]
)


def budget_reference_lines() -> list[dict]:
    with BUDGET_LINES_CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def statement_lines() -> list[dict]:
    """The reference lines folded back into the statement's rows: one per (ledger, funding source, title, host)."""
    rows: dict[tuple, dict] = {}
    for r in budget_reference_lines():
        key = (r["org_ledger"], r["funding_source"], r["line_title"], r["host"])
        row = rows.setdefault(key, {"budget": Decimal("0"), "prior": None, "months": {}, "accrual": None})
        amount = Decimal(r["amount_gbp"])
        if r["entry_type"] == "budget":
            row["budget"] = amount
        elif r["entry_type"] == "prior_year_invoice":
            row["prior"] = amount
        elif r["entry_type"] == "actual":
            row["months"][int(r["month"])] = amount
        else:
            row["accrual"] = amount
    return [{"ledger": k[0], "funding": k[1], "title": k[2], "host": k[3], **v} for k, v in rows.items()]


def budget_xlsx(
    path: Path,
    *,
    title: str = "One Halton Budget Statement - Month 5 - to 31 August 2020",
    shift_column: bool = False,
    wrong_total: bool = False,
    wrong_subtotal: bool = False,
    float_cells: bool = True,
) -> Path:
    """The published Month 5 statement's layout: a title, the summary of funds, one block per funding source (its
    header row, lines with the organisation merged down the block, a subtotal row), and the Totals row. Amounts are
    numeric cells with pence, as a finance spreadsheet holds them; YTD, M5 accruals, M12 total and variance are
    filled in as values. `shift_column` moves every Month 3 figure into Month 2 (the YTD no longer adds up);
    `wrong_total` puts the Totals row's budget £100 out, `wrong_subtotal` the first block's Month 1 £2 out."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Budget Statement"
    sheet.append([title])
    sheet.append([])
    sheet.append([None, None, "Total One Halton 20/21 Budget", "Funds", "Committed Expenditure", "Total Agreed"])
    sheet.append([None, None, "19/20 unallocated funding - CCG", 119579, "19/20 Committed", 221562])
    sheet.append([None, None, "Total Budget", 776123, "Total Committed Spend", 339562])
    number = float if float_cells else (lambda d: d)
    lines = statement_lines()
    blocks: dict[tuple, list[dict]] = {}
    for line in lines:
        blocks.setdefault((line["ledger"], line["funding"]), []).append(line)
    grand = None
    for (ledger, funding), members in blocks.items():
        sheet.append(STATEMENT_HEADER)
        first = sheet.max_row + 1
        sums = [Decimal("0")] * 22
        for line in members:
            ytd = (line["prior"] or 0) + sum(line["months"].values(), Decimal("0"))
            m12 = ytd + (line["accrual"] or 0)
            values = (
                [ledger, funding, line["title"], line["host"] or None, line["budget"], line["prior"]]
                + [line["months"].get(m) for m in range(1, 13)]
                + [ytd, line["accrual"], m12, line["budget"] - m12]
            )
            if shift_column and 3 in line["months"]:
                values = values[:8] + [None] + values[8:-1]  # Month 3 onwards one cell to the right
            for i, v in enumerate(values[4:], start=4):
                sums[i] += v or 0
            sheet.append([number(v) if isinstance(v, Decimal) else v for v in values])
        last = sheet.max_row
        # The organisation is one merged cell down the block, as in the published statement.
        sheet["A1"].value = title
        if last > first:
            sheet.merge_cells(start_row=first, start_column=1, end_row=last, end_column=1)
        subtotal = [number(v) for v in sums[4:]]
        if wrong_subtotal and grand is None:
            subtotal[2] = subtotal[2] + 2
        sheet.append([None, None, None, None] + subtotal)
        grand = [a + b for a, b in zip(grand or [Decimal("0")] * 22, sums)]
    sheet.append(
        ["One Halton", "Funding Source", "Title", "Host", "Annual Budget", "Prior Year Invoices"]
        + [f"Month {m}" for m in range(1, 13)]
        + ["YTD", "M12", "M12 Total", "Variance"]
    )
    sheet.append([None] * 18 + ["Actuals", "Accurals"])
    totals = [number(s) for s in grand[4:]]
    if wrong_total:
        totals[0] = totals[0] + 100
    sheet.append(["Totals", None, None, None] + totals)
    book.save(path)
    return path
