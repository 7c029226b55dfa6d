"""A reference table from a CSV in the contract's own columns (`python -m onehalton.importers table FILE --table
practices`): how a team puts in its own practices (real ODS codes, list sizes, surgery wards), PCNs, wards and ward
populations in place of the project's demo values. The file replaces the table whole and is recorded as real
(`synthetic: false`), so the synthetic-data banner goes for that table. Headers match the contract's column names in
any case; docs/data-contract.md lists them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd

from onehalton import contract
from onehalton.importers import common, store

TRUE, FALSE = {"true", "yes", "y", "1", "t"}, {"false", "no", "n", "0", "f"}


def _parser(column: contract.Column):
    def text(value: str):
        return value

    def whole(value: str):
        return common.parse_count(value) if not value.startswith("-") else -common.parse_count(value[1:])

    def number(value: str):
        parsed = common.parse_number(value)
        if parsed is None:
            raise ValueError("is empty")
        return float(parsed)

    def money(value: str):
        parsed = common.parse_number(value)
        if parsed is None:
            raise ValueError("is empty")
        return Decimal(parsed).quantize(Decimal("0.01"))

    def day(value: str):
        for style in ("%Y-%m-%d", "%d/%m/%Y", "%d%b%Y"):
            try:
                return dt.datetime.strptime(value, style).date()
            except ValueError:
                continue
        raise ValueError(f"{value!r} is not a date (expected e.g. 2025-04-01)")

    def boolean(value: str):
        if value.casefold() in TRUE:
            return True
        if value.casefold() in FALSE:
            return False
        raise ValueError(f"{value!r} is not true or false")

    parse = {
        "text": text,
        "integer": whole,
        "count": whole,
        "number": number,
        "money": money,
        "date": day,
        "boolean": boolean,
    }[column.kind]
    if column.nullable:
        return lambda v: None if v == "" else parse(v)
    return lambda v: parse(v) if v != "" else (_ for _ in ()).throw(ValueError("is empty"))


def load(files: list[Path], into: Path, *, table: str | None = None) -> store.Imported:
    chosen = contract.TABLES_BY_NAME.get(table or "")
    if chosen is None or chosen.role != "reference":
        names = ", ".join(t.name for t in contract.TABLES if t.role == "reference")
        raise common.ImportFailed(
            [f"--table must name a reference table ({names}); extracts come in through their published formats"]
        )
    if len(files) != 1:
        raise common.ImportFailed([f"table: give one CSV file for `{chosen.name}` (it replaces the table whole)"])
    required = {c.name: (c.name,) for c in chosen.columns if not c.nullable}
    optional = {c.name: (c.name,) for c in chosen.columns if c.nullable}
    csv = common.read_csv(files[0], required, optional)
    problems = common.RowProblems()
    frame = pd.DataFrame({c.name: common.convert(csv, csv.frame, c.name, _parser(c), problems) for c in chosen.columns})
    problems.raise_if_any()
    frame = frame.astype(object).where(frame.notna(), None)
    source = csv.source
    source.rows_accepted = len(frame)
    today = dt.date.today().isoformat()
    source.periods = {"all"}
    source.period_start = source.period_end = today
    return store.Imported(
        table=chosen.name,
        frame=frame,
        origins=list(zip([source.name] * len(frame), csv.frame["line"])),
        sources=[source],
        period_of=lambda f: pd.Series(["all"] * len(f), index=f.index, dtype=object),
        span_of=lambda f: (today, today),
        source=f"{source.name} (the team's own {chosen.title.lower()})",
        notes=f"Replaced whole from {source.name}, in the contract's columns.",
    )
