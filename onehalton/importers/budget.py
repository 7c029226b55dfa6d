"""The One Halton budget statement, as a spreadsheet (.xlsx) in the layout of the published Month 5 statement, into
`budget_spend`, exact to the penny.

The layout (one sheet): a title ("One Halton Budget Statement - Month 5 - to 31 August 2020"), a summary of funds,
then blocks, each headed by a row "Organisation Ledger | Funding Source | Title | Host | Annual Budget | Prior Year
Invoices | Month 1 … Month 12 | YTD Actuals | M5 Accruals | M12 Total | Variance", with one row per budget line, a
subtotal row, and a final "Totals" row. The organisation and funding source are often merged cells spanning a
block. Money is read as the cell holds it (pounds and pence) into DECIMAL, never through binary floating point
arithmetic; the statement's own YTD, M12 total and variance, its subtotals and its Totals row are checked against
the lines (to the penny where the cell holds pence, within the printed statement's £1 rounding where it holds
whole pounds), so a shifted column or a misread cell stops the import.

Importing a statement replaces its financial year's budget, prior-year invoices and actuals, and its month's
accruals; accruals recorded at other months are kept, so the year can still be read as at those months.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from onehalton.importers import common, store

SOURCE = "One Halton budget statement (.xlsx)"
PENNY = Decimal("0.01")
ROUNDING = Decimal("1")  # the printed statement rounds every figure to the pound, so its totals can be £1 out
_TITLE = re.compile(r"month\s*(\d{1,2})\b", re.IGNORECASE)
_TO_DATE = re.compile(r"to\s+(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\s+(\d{4})", re.IGNORECASE)


@dataclass
class Columns:
    ledger: int
    source: int
    title: int
    host: int
    budget: int
    prior: int | None
    months: dict[int, int]  # financial month -> column
    accruals: int | None
    ytd: int | None
    m12_total: int | None
    variance: int | None


def load(
    files: list[Path], into: Path, *, financial_year: str | None = None, month: int | None = None
) -> store.Imported:
    parts, sources = [], []
    for path in files:
        frame, source = _statement(Path(path), financial_year, month)
        sources.append(source)
        parts.append(frame)
    rows = pd.concat(parts, ignore_index=True)
    years = rows.groupby("file")["financial_year"].first()
    if years.duplicated().any():
        raise common.ImportFailed(
            [
                f"{', '.join(years.index)}: more than one statement for the same financial "
                "year; import them one at a time, oldest first"
            ]
        )
    return store.Imported(
        table="budget_spend",
        frame=rows,
        origins=list(zip(rows["file"], rows["line"])),
        sources=sources,
        period_of=_period_keys,
        span_of=_span,
        source=SOURCE,
        notes="Imported from the budget statement spreadsheet line by line, amounts exact to the penny; the "
        "statement's own subtotals and totals were checked against its lines.",
    )


def _period_keys(frame: pd.DataFrame) -> pd.Series:
    accrual = frame["entry_type"] == "accrual"
    keys = frame["financial_year"].astype(str)
    return keys.where(~accrual, keys + "|accrual|" + frame["month"].astype("Int64").astype(str))


def _span(frame: pd.DataFrame) -> tuple[str, str]:
    years = sorted(set(frame["financial_year"]))
    start = dt.date(int(years[0][:4]), 4, 1)
    last = frame[frame["financial_year"] == years[-1]]["month"].dropna()
    month = int(last.max()) if len(last) else 1
    end = dt.date(int(years[-1][:4]) + (month > 9), (month + 2) % 12 + 1, 1)
    return start.isoformat(), end.isoformat()


def _text(value) -> str:
    return "" if value is None else " ".join(str(value).split())


def _cells(path: Path):
    """The first sheet's values as a list of rows, with every merged range's value filled into each of its cells
    (the statement merges the organisation and funding source down a block)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError) as exc:
        raise common.ImportFailed(
            [f"{path.name}: cannot be read as an .xlsx spreadsheet ({exc}); a truncated download reads like this"]
        ) from exc
    sheet = book.worksheets[0]
    grid = [list(row) for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        value = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                grid[r][c] = value
    return sheet.title, grid


def _money(value, where: str, problems: common.RowProblems, file: str, line: int) -> Decimal | None:
    if value is None or (isinstance(value, str) and value.strip() in ("", "-", "/")):
        return None
    if isinstance(value, bool):
        problems.add(file, line, where, f"{value!r} is not an amount")
        return None
    if isinstance(value, (int, float)):
        # repr gives the shortest decimal that round-trips, i.e. the number as typed (9575.6, not 9575.59999…).
        amount = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
    else:
        try:
            amount = common.parse_number(str(value))
        except ValueError:
            problems.add(file, line, where, f"{value!r} is not an amount")
            return None
    if amount is None:
        return None
    if amount != amount.quantize(PENNY):
        problems.add(file, line, where, f"{value!r} has fractions of a penny")
        return None
    return amount.quantize(PENNY)


def _is_amount(value) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    try:
        return isinstance(value, str) and common.parse_number(value) is not None
    except ValueError:
        return False


def _header(row: list) -> dict[str, int] | None:
    keys = {common.header_key(_text(v)): i for i, v in enumerate(row) if _text(v)}
    return keys if "annual budget" in keys else None


def _columns(keys: dict[str, int], file: str) -> Columns:
    def find(*names) -> int | None:
        return next((keys[n] for n in names if n in keys), None)

    budget = keys["annual budget"]
    source = find("funding source")
    host = find("host")
    missing = [n for n, c in (("Funding Source", source), ("Host", host)) if c is None]
    if missing:
        raise common.ImportFailed([f"{file}: the statement's header row lacks {', '.join(missing)}"])
    # The published statement leaves the title column's header blank in some blocks: it is the one after
    # Funding Source.
    title = find("title", "budget line", "line") or source + 1
    months = {}
    for key, column in keys.items():
        match = re.fullmatch(r"(?:month|m)\s*(\d{1,2})", key)
        if match and 1 <= int(match[1]) <= 12:
            months[int(match[1])] = column
    accruals = next((c for k, c in keys.items() if re.search(r"acc?u?r?r?u?als?", k)), None)
    return Columns(
        ledger=find("organisation ledger", "organization ledger", "ledger") or 0,
        source=source,
        title=title,
        host=host,
        budget=budget,
        prior=find("prior year invoices", "prior year invoice"),
        months=months,
        accruals=accruals,
        ytd=find("ytd actuals", "ytd"),
        m12_total=find("m12 total", "forecast"),
        variance=find("variance"),
    )


def _as_at(grid: list[list], file: str, financial_year: str | None, month: int | None) -> tuple[str, int]:
    before_header = next((i for i, row in enumerate(grid) if _header(row) is not None), len(grid))
    title = " ".join(_text(v) for row in grid[: min(before_header, 12)] for v in row if _text(v))
    title = title.replace("Stateme nt", "Statement")
    if month is None:
        match = _TITLE.search(title)
        month = int(match[1]) if match else None
    if financial_year is None:
        match = _TO_DATE.search(title)
        if match:
            parsed = common.parse_month(f"{match[1]} {match[2][:3]} {match[3]}")
            if parsed is not None:
                start = parsed.year if parsed.month >= 4 else parsed.year - 1
                financial_year = f"{start}/{(start + 1) % 100:02d}"
    problems = []
    if month is None or not 1 <= month <= 12:
        problems.append(
            f"{file}: the title does not say which month the statement is at "
            '("… Month 5 - to 31 August 2020"); give --month N (1 = April)'
        )
    if financial_year is None or not re.fullmatch(r"\d{4}/\d{2}", financial_year):
        problems.append(
            f'{file}: the title does not say the date the statement runs to ("… to 31 August 2020"); '
            "give --financial-year YYYY/YY"
        )
    if problems:
        raise common.ImportFailed(problems)
    return financial_year, month


def _statement(path: Path, financial_year: str | None, month: int | None) -> tuple[pd.DataFrame, common.SourceFile]:
    source = common.SourceFile(path, common.sha256_of(path))
    file = path.name
    sheet, grid = _cells(path)
    fy, as_at = _as_at(grid, file, financial_year, month)
    problems = common.RowProblems()
    columns = None
    entries = []
    block: list[dict] = []
    seen_lines = 0
    blocks = 0

    def cell(row, column):
        return row[column] if column is not None and column < len(row) else None

    def amounts(row, line) -> dict:
        where = {}
        for name, column in (
            ("budget", columns.budget),
            ("prior", columns.prior),
            ("accruals", columns.accruals),
            ("ytd", columns.ytd),
            ("m12_total", columns.m12_total),
            ("variance", columns.variance),
        ):
            where[name] = (
                _money(cell(row, column), f"`{name}` ({sheet}!{_ref(line, column)})", problems, file, line)
                if column is not None
                else None
            )
        where["months"] = {
            m: _money(cell(row, c), f"`Month {m}` ({sheet}!{_ref(line, c)})", problems, file, line)
            for m, c in columns.months.items()
        }
        return where

    def check_sum(label, line, expected: Decimal | None, parts: list[dict], key) -> None:
        if expected is None:
            return
        total = sum((key(p) for p in parts), Decimal("0.00"))
        whole = expected == expected.to_integral_value()
        if (abs(total - expected) > ROUNDING) if whole else (total != expected):
            problems.add(file, line, None, f"{label}: the statement says {expected:,} but its lines add to {total:,}")

    sums = (("Annual Budget", "budget"), ("Prior Year Invoices", "prior"), ("accruals", "accruals"))

    def check_row(label: str, line: int, stated: dict, lines: list[dict]) -> None:
        """A subtotal or Totals row against the lines it adds up."""
        for name, key in sums:
            check_sum(f"{label}, {name}", line, stated[key], lines, lambda p, key=key: p[key] or 0)
        for m in columns.months:
            check_sum(f"{label}, Month {m}", line, stated["months"][m], lines, lambda p, m=m: p["months"][m] or 0)

    all_lines: list[dict] = []
    for index, row in enumerate(grid):
        line = index + 1
        keys = _header(row)
        if keys is not None:
            found = _columns(keys, file)
            columns = columns or found
            block = []
            blocks += 1
            continue
        if columns is None:
            continue
        texts = [_text(v) for v in row]
        if not any(texts):
            continue
        first = common.value_key(texts[0]) if texts else ""
        if not any(_is_amount(v) for v in row):
            continue  # labels only: the second row of the Totals block's header, a note
        title = _text(cell(row, columns.title))
        values = amounts(row, line)
        numbers = [values[k] for k in ("budget", "prior", "accruals")] + list(values["months"].values())
        if first in ("totals", "total", "grand total") and not title:
            check_row("Totals row", line, values, all_lines)
            continue
        if not title:
            if any(n not in (None, Decimal("0.00")) for n in numbers) and block:
                check_row("subtotal", line, values, block)
                block = []
            continue
        ledger, funding = _text(cell(row, columns.ledger)), _text(cell(row, columns.source))
        host = _text(cell(row, columns.host)) or None
        if values["budget"] is None and not any(n is not None for n in numbers):
            continue  # a row of labels (the two-row header of the Totals block)
        line_entry = {
            "line": line,
            "block": blocks,
            "ledger": ledger,
            "funding": funding,
            "title": title,
            "host": host,
            **values,
        }
        block.append(line_entry)
        all_lines.append(line_entry)
        seen_lines += 1
        _check_line(line_entry, file, problems)
        for m, amount in values["months"].items():
            if amount not in (None, Decimal("0.00")) and m > as_at:
                problems.add(file, line, f"`Month {m}`", f"an actual in month {m} of a Month {as_at} statement")
    if columns is None:
        raise common.ImportFailed(
            [f'{file}: no header row with "Annual Budget" was found; is this the budget statement?']
        )
    _fill_down(all_lines, file, problems)
    problems.raise_if_any()
    if not all_lines:
        raise common.ImportFailed([f"{file}: the statement has a header but no budget lines"])
    for entry in all_lines:
        base = {
            "financial_year": fy,
            "org_ledger": entry["ledger"],
            "funding_source": entry["funding"],
            "line_title": entry["title"],
            "host": entry["host"],
            "is_synthetic": False,
            "file": file,
            "line": entry["line"],
        }
        entries.append(
            {**base, "entry_type": "budget", "month": None, "amount_gbp": entry["budget"] or Decimal("0.00")}
        )
        if entry["prior"] not in (None, Decimal("0.00")):
            entries.append({**base, "entry_type": "prior_year_invoice", "month": None, "amount_gbp": entry["prior"]})
        for m, amount in sorted(entry["months"].items()):
            if amount not in (None, Decimal("0.00")):
                entries.append({**base, "entry_type": "actual", "month": m, "amount_gbp": amount})
        if entry["accruals"] not in (None, Decimal("0.00")):
            entries.append({**base, "entry_type": "accrual", "month": as_at, "amount_gbp": entry["accruals"]})
    source.rows_read = seen_lines
    source.rows_accepted = seen_lines
    source.periods = {fy, f"{fy}|accrual|{as_at}"}
    start = int(fy[:4])
    source.period_start = dt.date(start, 4, 1).isoformat()
    source.period_end = dt.date(start + (as_at > 9), (as_at + 2) % 12 + 1, 1).isoformat()
    frame = pd.DataFrame(entries)
    frame = frame.astype(object).where(frame.notna(), None)
    return frame, source


def _check_line(entry: dict, file: str, problems: common.RowProblems) -> None:
    """The statement's own YTD, M12 total and variance must follow from the line's inputs."""
    months = sum((v or Decimal("0.00") for v in entry["months"].values()), Decimal("0.00"))
    ytd = (entry["prior"] or Decimal("0.00")) + months
    m12 = ytd + (entry["accruals"] or Decimal("0.00"))
    variance = (entry["budget"] or Decimal("0.00")) - m12
    for label, stated, computed in (
        ("YTD Actuals", entry["ytd"], ytd),
        ("M12 Total", entry["m12_total"], m12),
        ("Variance", entry["variance"], variance),
    ):
        if stated is None:
            continue
        whole = stated == stated.to_integral_value()
        if (abs(stated - computed) > ROUNDING) if whole else stated != computed:
            problems.add(
                file,
                entry["line"],
                f"`{label}`",
                f"the statement says {stated:,} but the line's figures give {computed:,}: a column may be shifted",
            )


def _fill_down(lines: list[dict], file: str, problems: common.RowProblems) -> None:
    """Organisation and funding source are printed once per block, on any of its rows (or merged down it): carry
    each to every line of its block."""
    for key in ("ledger", "funding"):
        for block in sorted({e["block"] for e in lines}):
            members = [e for e in lines if e["block"] == block]
            value = ""
            for entry in members + members[::-1]:  # down, then back up for lines above the printed value
                value = entry[key] or value
                entry[key] = entry[key] or value
    for entry in lines:
        if not entry["ledger"] or not entry["funding"]:
            problems.add(
                file,
                entry["line"],
                None,
                f"budget line {entry['title']!r} has no "
                + ("organisation ledger" if not entry["ledger"] else "funding source"),
            )


def _ref(line: int, column: int | None) -> str:
    if column is None:
        return f"row {line}"
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column + 1)}{line}"
