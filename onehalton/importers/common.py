"""What every importer shares: reading a published CSV as its publisher writes it, parsing its numbers and dates,
and saying exactly which file, line and column is wrong.

National files arrive with a UTF-8 byte-order mark or in Windows-1252, with CRLF line ends, thousands separators,
trailing blank rows and headers in whatever case the publisher used that month. None of that is an error; a value
that cannot be read is, and the whole import stops (nothing is written) with the file, line and column named.
Rows that are simply out of scope (another sub-ICB location, another standard, a value suppressed at source) are
excluded and counted by reason, never silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

MAX_ERRORS_SHOWN = 20
LINES_SHOWN = 5  # line numbers listed per exclusion reason

# Markers national publications print in place of a number withheld for disclosure control.
SUPPRESSED_MARKERS = {"*", "c", "x", "-", ".", ":", "..", "n/a", "na", "suppressed"}


class ImportFailed(Exception):
    """The import cannot go ahead; nothing was written. Each problem names its file, line and column."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        shown = self.problems[:MAX_ERRORS_SHOWN]
        more = len(self.problems) - len(shown)
        super().__init__("\n".join(shown) + (f"\n… and {more} more problems" if more > 0 else ""))


class RowProblems:
    """Collects per-row problems so one run reports all of them, not just the first."""

    def __init__(self):
        self.problems: list[str] = []

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        where = file + (f", line {line}" if line is not None else "") + (f", column {column}" if column else "")
        self.problems.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportFailed(self.problems)


@dataclass
class SourceFile:
    """One file given to the importer, and what became of its rows."""

    path: Path
    sha256: str
    rows_read: int = 0
    rows_accepted: int = 0
    excluded: dict[str, list[int]] = field(default_factory=dict)  # reason -> line numbers
    periods: set[str] = field(default_factory=set)  # the periods (replacement keys) its rows cover
    period_start: str | None = None
    period_end: str | None = None
    encoding: str = "utf-8"

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def rows_excluded(self) -> int:
        return sum(len(v) for v in self.excluded.values())

    def exclude(self, reason: str, lines) -> None:
        lines = [int(n) for n in lines]
        if lines:
            self.excluded.setdefault(reason, []).extend(lines)

    def exclusion_summary(self) -> list[str]:
        out = []
        for reason, lines in sorted(self.excluded.items(), key=lambda kv: -len(kv[1])):
            shown = ", ".join(str(n) for n in sorted(lines)[:LINES_SHOWN])
            more = f" and {len(lines) - LINES_SHOWN:,} more" if len(lines) > LINES_SHOWN else ""
            out.append(f"{len(lines):,} excluded: {reason} (line{'s' if len(lines) > 1 else ''} {shown}{more})")
        return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def header_key(name: str) -> str:
    """How a header is matched: case, BOMs, surrounding spaces and `_` versus space do not matter."""
    return re.sub(r"[\s_]+", " ", str(name).replace("\ufeff", "").strip()).casefold()


def value_key(text: str) -> str:
    """How a category value is matched to the contract's spelling (which is then stored verbatim)."""
    return " ".join(str(text).split()).casefold()


def matcher(allowed) -> dict[str, str]:
    return {value_key(v): v for v in allowed}


@dataclass
class Csv:
    """A published CSV read as text: every cell a stripped string, `line` the line number in the file."""

    source: SourceFile
    frame: pd.DataFrame  # columns renamed to the importer's logical names, plus `line`
    headers: dict[str, str]  # logical name -> the header as the file spells it


def read_csv(path: Path, required: dict[str, tuple[str, ...]], optional: dict[str, tuple[str, ...]] | None = None
             ) -> Csv:
    """Read `path` as the publisher wrote it. `required`/`optional` map a logical name to the header spellings
    that mean it (matched by header_key). A missing required column, a file that is not CSV, or a row with more
    fields than the header stops the import, naming the file."""
    path = Path(path)
    source = SourceFile(path, sha256_of(path))
    if path.stat().st_size == 0:
        raise ImportFailed([f"{path.name}: the file is empty (0 bytes)"])
    frame = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            # Lines are kept (skip_blank_lines=False) so a row's index gives its line number in the file.
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
                                encoding=encoding, engine="c")
            source.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            raise ImportFailed([f"{path.name}: cannot be read as CSV ({_first_line(exc)})"]) from exc
    if frame is None:
        raise ImportFailed([f"{path.name}: is neither UTF-8 nor Windows-1252 text"])
    frame = frame.fillna("")
    lines, uneven = _record_lines(path, "utf-8-sig" if source.encoding == "utf-8" else source.encoding,
                                  len(frame.columns))
    if uneven:
        raise ImportFailed([f"{path.name}, line {line}: {fields} field{'s' if fields != 1 else ''} where the header "
                            f"has {len(frame.columns)}" + (" (the last line: is the file truncated?)"
                                                           if line == lines[-1] else "")
                            for line, fields in uneven])
    by_key = {header_key(c): c for c in frame.columns}
    chosen: dict[str, str] = {}
    missing = []
    for logical, spellings in {**required, **(optional or {})}.items():
        found = next((by_key[header_key(s)] for s in spellings if header_key(s) in by_key), None)
        if found is not None:
            chosen[logical] = found
        elif logical in required:
            missing.append(spellings[0])
    if missing:
        raise ImportFailed([f"{path.name}: required column{'s' if len(missing) > 1 else ''} "
                            + ", ".join(f"`{m}`" for m in missing) + " missing (the file has: "
                            + ", ".join(f"`{c}`" for c in frame.columns) + ")"])
    out = pd.DataFrame({logical: frame[column].astype(str).str.strip() for logical, column in chosen.items()})
    for logical in optional or {}:
        if logical not in out:
            out[logical] = ""
    # Line numbers from the csv module's own count, so a quoted field spanning lines does not shift them.
    out["line"] = lines if len(lines) == len(frame) else frame.index.to_numpy() + 2
    # Trailing (and stray) blank rows, however many commas they hold, are not data.
    blank = (frame.astype(str).apply(lambda col: col.str.strip()) == "").all(axis=1)
    out = out[~blank.to_numpy()].reset_index(drop=True)
    source.rows_read = len(out)
    return Csv(source, out, chosen)


def _record_lines(path: Path, encoding: str, width: int) -> tuple[list[int], list[tuple[int, int]]]:
    """The line each record starts on, and the records whose number of fields differs from the header's: pandas
    pads a short row with empty strings, so a download cut off mid-line would otherwise read as a row of blanks.
    A streaming pass of the standard csv module: a few seconds for a national file, no memory to speak of."""
    starts: list[int] = []
    uneven: list[tuple[int, int]] = []
    with path.open(newline="", encoding=encoding) as fh:
        reader = csv.reader(fh)
        next(reader, None)
        previous = reader.line_num
        for record in reader:
            start, previous = previous + 1, reader.line_num
            starts.append(start)
            if len(record) != width and any(field.strip() for field in record):
                uneven.append((start, len(record)))
                if len(uneven) >= MAX_ERRORS_SHOWN:
                    break
    return starts, uneven


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


# ---------------------------------------------------------------------------------------------------------------
# Values

_MONTHS = {m.casefold(): i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DATE_PATTERNS = (
    (re.compile(r"(\d{1,2})[-/ ]?([A-Za-z]{3,9})[-/ ]?(\d{2,4})"), ("d", "mon", "y")),  # 01OCT2025, 1-Oct-25
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?"), ("y", "m", "d")),  # 2025-10-01, 2025-10-01 00:00:00
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: .*)?"), ("d", "m", "y")),  # 01/10/2025 (UK order)
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), ("y", "m", "d")),  # 20251001
    (re.compile(r"(\d{4})-(\d{1,2})"), ("y", "m")),  # 2025-10
    (re.compile(r"([A-Za-z]{3,9})[-/ ]?(\d{2,4})"), ("mon", "y")),  # OCT-2025, October 2025, Oct-25
)


def parse_month(text: str) -> dt.date | None:
    """The first day of the month a published date falls in, or None if it is not a date."""
    text = str(text).strip()
    for pattern, parts in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if not match:
            continue
        got = dict(zip(parts, match.groups()))
        if "mon" in got:
            month = _MONTHS.get(got["mon"][:3].casefold())
            if month is None or (len(got["mon"]) > 3 and not _full_month(got["mon"])):
                continue
        else:
            month = int(got["m"])
        year = int(got["y"])
        if len(got["y"]) == 2:
            year += 2000
        day = int(got.get("d", 1))
        try:
            dt.date(year, month, day)  # rejects 31 February and month 13
        except ValueError:
            return None
        return dt.date(year, month, 1)
    return None


def _full_month(name: str) -> bool:
    full = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
            "november", "december"]
    return name.casefold() in full or name.casefold() in ("sept",)


_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def parse_number(text: str) -> Decimal | None:
    """A published number: thousands separators, spaces and a leading £ allowed; '' is None. Raises ValueError
    for anything else (a suppression marker included: callers decide what that means)."""
    cleaned = str(text).strip().replace(",", "").replace("£", "").replace(" ", "").replace("\u00a0", "")
    if cleaned == "":
        return None
    negative = cleaned.startswith("(") and cleaned.endswith(")")  # accounting style (1,234)
    if negative:
        cleaned = cleaned[1:-1]
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    return -value if negative else value


def is_suppressed(text: str) -> bool:
    return str(text).strip().casefold() in SUPPRESSED_MARKERS


def parse_count(text: str) -> int:
    """A whole, non-negative count. Raises ValueError with words a user can act on."""
    value = parse_number(text)
    if value is None:
        raise ValueError("is empty")
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number")
    if value < 0:
        raise ValueError(f"{text!r} is negative")
    return int(value)


def month_iso(value: dt.date) -> str:
    return value.isoformat()


def convert(csv: Csv, frame: pd.DataFrame, logical: str, parse, problems: RowProblems) -> pd.Series:
    """Parse one column of `frame` (rows of `csv`) with `parse`, once per distinct value; a value `parse` rejects
    (ValueError) is a problem naming file, line and the column as the file spells it."""
    column = frame[logical]
    parsed: dict[str, tuple] = {}
    for value in column.unique():
        try:
            parsed[value] = (parse(value), None)
        except ValueError as exc:
            parsed[value] = (None, str(exc) or "cannot be read")
    errors = column.map(lambda v: parsed[v][1])
    bad = errors.notna().to_numpy()
    header = csv.headers.get(logical, logical)
    for line, value, error in zip(frame["line"][bad], column[bad], errors[bad]):
        shown = f"{value!r}" if value != "" else "empty value"
        message = error if error.startswith(repr(value)) else f"{shown}: {error}"
        if value == "" and csv.frame["line"].iloc[-1] == line:
            message += " (the last line: is the file truncated?)"
        problems.add(csv.source.name, int(line), f"`{header}`", message)
    return column.map(lambda v: parsed[v][0])


def category(allowed, what: str):
    """A parser for a category column: matched to the contract's spelling, whatever the case or spacing."""
    lookup = matcher(allowed)

    def parse(value: str) -> str:
        found = lookup.get(value_key(value))
        if found is None:
            raise ValueError(f"{value!r} is not a {what} the contract allows ({', '.join(map(repr, allowed))})")
        return found

    return parse


def month_parser(value: str) -> dt.date:
    parsed = parse_month(value)
    if parsed is None:
        raise ValueError(f"{value!r} is not a date (expected e.g. 01OCT2025, 2025-10-01 or 01/10/2025)")
    return parsed


def count_parser(value: str) -> int:
    return parse_count(value)
