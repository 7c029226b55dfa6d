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
from array import array
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
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
    excluded: dict[str, int] = field(default_factory=dict)  # reason -> rows
    # reason -> the first few line numbers: a national file excludes millions of rows, and five say where to look.
    excluded_lines: dict[str, list[int]] = field(default_factory=dict)
    periods: set[str] = field(default_factory=set)  # the periods (replacement keys) its rows cover
    period_start: str | None = None
    period_end: str | None = None
    encoding: str = "utf-8"
    archive: tuple[str, str] | None = None  # (name, sha256) of the .zip the file came in

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def rows_excluded(self) -> int:
        return sum(self.excluded.values())

    def covers(self, months) -> None:
        """Record the months its accepted rows cover: the replacement keys and the span."""
        months = sorted(m for m in set(months) if m is not None)
        self.periods = {m.isoformat() for m in months}
        if months:
            self.period_start, self.period_end = months[0].isoformat(), months[-1].isoformat()

    def exclude(self, reason: str, lines) -> None:
        lines = np.asarray(lines, dtype=np.int64)
        if len(lines):
            self.excluded[reason] = self.excluded.get(reason, 0) + len(lines)
            shown = self.excluded_lines.setdefault(reason, [])
            shown[:] = sorted(shown + [int(n) for n in np.sort(lines)[:LINES_SHOWN]])[:LINES_SHOWN]

    def exclusion_summary(self) -> list[str]:
        out = []
        for reason, rows in sorted(self.excluded.items(), key=lambda kv: -kv[1]):
            lines = self.excluded_lines.get(reason, [])
            shown = ", ".join(str(n) for n in lines)
            more = f" and {rows - len(lines):,} more" if rows > len(lines) else ""
            out.append(f"{rows:,} excluded: {reason} (line{'s' if rows > 1 else ''} {shown}{more})")
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


CHUNK_ROWS = 500_000


def read_csv(
    path: Path, required: dict[str, tuple[str, ...]], optional: dict[str, tuple[str, ...]] | None = None, *, keep=None
) -> Csv:
    """Read `path` as the publisher wrote it. `required`/`optional` map a logical name to the header spellings
    that mean it (matched by header_key). A missing required column, a file that is not CSV, or a row whose number
    of fields differs from the header's (a truncated download) stops the import, naming the file and line.

    `keep` is an optional (reason, function(frame) -> boolean mask) applied while reading, in chunks of only the
    columns used, so a national file's rows for the rest of England are counted as excluded but never all held in
    memory at once."""
    path = Path(path)
    source = SourceFile(path, sha256_of(path))
    if path.stat().st_size == 0:
        raise ImportFailed([f"{path.name}: the file is empty (0 bytes)"])
    last_error = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return _read(path, source, encoding, required, optional or {}, keep)
        except UnicodeDecodeError as exc:
            last_error = exc
            source.excluded.clear()
            source.excluded_lines.clear()
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
            raise ImportFailed([f"{path.name}: cannot be read as CSV ({_first_line(exc)})"]) from exc
    raise ImportFailed([f"{path.name}: is neither UTF-8 nor Windows-1252 text ({last_error})"])


def _read(
    path: Path, source: SourceFile, encoding: str, required: dict, optional: dict, keep, *, exact: bool = False
) -> Csv:
    header = pd.read_csv(path, dtype=str, nrows=0, encoding=encoding).columns
    by_key = {header_key(c): c for c in header}
    chosen: dict[str, str] = {}
    missing = []
    for logical, spellings in {**required, **optional}.items():
        found = next((by_key[header_key(s)] for s in spellings if header_key(s) in by_key), None)
        if found is not None:
            chosen[logical] = found
        elif logical in required:
            missing.append(spellings[0])
    if missing:
        raise ImportFailed(
            [
                f"{path.name}: required column{'s' if len(missing) > 1 else ''} "
                + ", ".join(f"`{m}`" for m in missing)
                + " missing (the file has: "
                + ", ".join(f"`{c}`" for c in header)
                + ")"
            ]
        )
    if exact:
        lines, uneven = _record_lines(path, encoding, len(header))
        if uneven:
            raise ImportFailed(
                [
                    f"{path.name}, line {line}: {fields} field{'s' if fields != 1 else ''} where the "
                    f"header has {len(header)}"
                    + (" (the last line: is the file truncated?)" if line == lines[-1] else "")
                    for line, fields in uneven
                ]
            )
        numbered = np.frombuffer(lines, dtype=np.int64) if len(lines) else np.zeros(0, dtype=np.int64)
    else:
        last_line, fields = _last_record(path, encoding)
        if fields and fields != len(header):
            raise ImportFailed(
                [
                    f"{path.name}, line {last_line}: {fields} field{'s' if fields != 1 else ''} where "
                    f"the header has {len(header)} (the last line: is the file truncated?)"
                ]
            )
        numbered = np.zeros(0, dtype=np.int64)
    parts = []
    read = 0
    records = 0
    # Lines are kept (skip_blank_lines=False) so a row's position gives its line: position + 2 while every record is
    # one line, else (exact) as the csv module counts them, so a quoted field spanning lines does not shift them.
    reader = pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        encoding=encoding,
        usecols=list(dict.fromkeys(chosen.values())),
        chunksize=CHUNK_ROWS,
    )
    for chunk in reader:
        positions = chunk.index.to_numpy()
        records = int(positions[-1]) + 1
        out = pd.DataFrame(
            {logical: chunk[column].astype(str).str.strip() for logical, column in chosen.items()}, index=chunk.index
        )
        out["line"] = numbered[positions] if len(numbered) > positions[-1] else positions + 2
        # Trailing (and stray) blank rows, however many commas they hold, are not data.
        blank = (out.drop(columns="line") == "").all(axis=1)
        out = out[~blank]
        read += len(out)
        if keep is not None and len(out):
            reason, predicate = keep
            mask = predicate(out).to_numpy()
            source.exclude(reason, out["line"][~mask])
            out = out[mask]
        parts.append(out)
    if not exact and _physical_lines(path) != records + 1:
        source.excluded.clear()
        source.excluded_lines.clear()
        return _read(path, source, encoding, required, optional, keep, exact=True)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*chosen, "line"])
    for logical in optional:
        if logical not in frame:
            frame[logical] = ""
    source.rows_read = read
    source.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    return Csv(source, frame.reset_index(drop=True), chosen)


def _physical_lines(path: Path) -> int:
    count = 0
    last = b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            count += block.count(b"\n")
            last = block
    return count + (0 if last.endswith(b"\n") else 1)


def _last_record(path: Path, encoding: str) -> tuple[int, int]:
    """(line, number of fields) of the file's last non-blank line: a download cut off mid-line ends in a short one,
    which pandas would pad with empty strings."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - (1 << 16)))
        tail = fh.read()
    text = tail.decode(encoding, errors="replace").splitlines()
    lines = _physical_lines(path)
    for back, raw in enumerate(reversed(text)):
        if raw.strip().strip(",").strip():
            return lines - back, len(next(csv.reader([raw]), []))
    return lines, 0


def _record_lines(path: Path, encoding: str, width: int) -> tuple[array, list[tuple[int, int]]]:
    """The line each record starts on, and the records whose number of fields differs from the header's: pandas
    pads a short row with empty strings, so a download cut off mid-line would otherwise read as a row of blanks.
    A streaming pass of the standard csv module: a few seconds for a national file, no memory to speak of."""
    starts = array("q")
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

_MONTHS = {
    m.casefold(): i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
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
    full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
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
