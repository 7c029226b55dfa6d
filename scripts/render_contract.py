"""Render docs/data-contract.md from onehalton/contract.py, the single source of truth.

    python -m scripts.render_contract          # write docs/data-contract.md
    python -m scripts.render_contract --check  # exit 1 if the committed doc differs from the contract

The output is deterministic (no dates, no environment), so `--check` can run in CI and in the tests.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

from onehalton import config, contract, suppression
from onehalton.contract import Column, Table

OUTPUT = config.PROJECT_ROOT / "docs" / "data-contract.md"
COMMAND = "python -m scripts.render_contract"

# A national/published column name quoted in a column description, e.g. "Mode (APPT_MODE)",
# "Organisation code (ORG CODE); 01F for Halton", "Area code (Area Code)".
_SOURCE_NAME = re.compile(r"\(([A-Z][A-Za-z0-9_/]*(?: [A-Za-z0-9_/]+)*)\)")


def cell(text: object) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def code(text: object) -> str:
    """An inline code span that keeps every character, double spaces included."""
    value = str(text).replace("|", "\\|")
    ticks = "``" if "`" in value else "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def file_of(table: Table) -> str:
    return f"`data/{table.name}.parquet` or folder `data/{table.name}/`"


def source_names(column: Column) -> list[str]:
    return _SOURCE_NAME.findall(column.description)


def mechanical(name: str) -> str:
    """What a published header becomes by lower-casing, with spaces and slashes as underscores."""
    return re.sub(r"[ /]+", "_", name.strip().lower())


def _number(value: float) -> str:
    return f"{value:g}"


def checks(column: Column) -> str:
    parts = []
    if column.minimum is not None:
        parts.append(f"≥ {_number(column.minimum)}")
    if column.maximum is not None:
        parts.append(f"≤ {_number(column.maximum)}")
    if column.not_future:
        parts.append("not in the future")
    if column.month:
        parts.append("a month (see [Month values](#month-values))")
    return "; ".join(parts)


def allowed(column: Column) -> str:
    if not column.allowed:
        return ""
    return ", ".join(code(v) for v in column.allowed)


def render_table(table: Table) -> list[str]:
    out = [f"### {table.title} (`{table.name}`)", ""]
    out.append(f"- **File:** {file_of(table)} (every `*.parquet` file in the folder; columns matched by name)")
    out.append(f"- **Role:** {table.role}")
    out.append(f"- **Grain:** {table.grain}")
    out.append(f"- **Key:** {', '.join(code(k) for k in table.key)} (rows sharing a key are all excluded)")
    if table.depends_on:
        out.append(
            f"- **Depends on:** {', '.join(code(d) for d in table.depends_on)} "
            "(validated first; if one is unavailable, so is this table)"
        )
    if table.ward_level:
        out.append(
            "- **Small numbers:** holds ward-level counts, so counts from 1 to the suppression threshold "
            f"({suppression.DEFAULT_THRESHOLD} unless `{config.THRESHOLD_ENV}` says otherwise, as a positive "
            "whole number: any other setting is ignored, with a notice on every page naming it and the value "
            "used), and values built on them, are suppressed on screen and in downloads"
        )
    if table.optional:
        out.append(
            "- **Optional:** when it is missing or cannot be used, an empty table with these columns stands in, so "
            "the pages that read it still work; the About page says why it is empty"
        )
    if table.notes:
        out.append(f"- **Notes:** {table.notes}")
    out.append("")
    out.append(
        "| Column | Kind | Physical types accepted | Nullable | Allowed values | References | Other checks "
        "| Description |"
    )
    out.append("|---|---|---|---|---|---|---|---|")
    for column in table.columns:
        out.append(
            "| "
            + " | ".join(
                [
                    code(column.name),
                    column.kind,
                    ", ".join(contract.KINDS[column.kind]),
                    "yes" if column.nullable else "no",
                    allowed(column),
                    code(column.references) if column.references else "",
                    checks(column),
                    cell(column.description),
                ]
            )
            + " |"
        )
    out.append("")
    if table.rules:
        out.append("Row rules (a row for which the condition is true is excluded and counted):")
        out.append("")
        for rule in table.rules:
            out.append(f"- **{rule.name}**: {code(rule.bad_when)} (columns {', '.join(code(c) for c in rule.columns)})")
        out.append("")
    return out


def render_mapping() -> list[str]:
    out = [
        "## Mapping real extracts onto the contract",
        "",
        "Contract column names are the national publications' names in snake_case, and category values are the",
        "national values verbatim (the double spaces in `8  to 14 Days` included), so values need no recoding.",
        "The dashboard matches columns by their contract names without regard to case, and ignores any others, so",
        "the national files' upper-case headers are used as they are (`APPT_MODE` is `appt_mode`). Headers with",
        "spaces or slashes are renamed, with underscores for them (`ORG CODE` becomes `org_code`, `STAGE/ROUTE`",
        "becomes `stage_route`). *lower-case* below means the published name is the contract name but for case,",
        "so the file needs no change. The few columns where that is not enough are marked *rename*. Columns a place",
        "extract adds (`ward_code`, `age_band`) and the reference tables have no published counterpart.",
        "",
        "| Published column | Table | Contract column | How |",
        "|---|---|---|---|",
    ]
    for table in contract.TABLES:
        for column in table.columns:
            for name in source_names(column):
                how = (
                    "lower-case"
                    if name.lower() == column.name
                    else "lower-case, `_` for spaces and `/`"
                    if mechanical(name) == column.name
                    else "rename"
                )
                out.append(f"| {code(name)} | {code(table.name)} | {code(column.name)} | {how} |")
    out.append("")
    return out


def render_manifest() -> list[str]:
    example = {
        name: {field: f"<{field}>" for field in contract.MANIFEST_FIELDS} for name in ("appointments", "budget_spend")
    }
    example["appointments"].update(
        {
            "source": "Appointments in General Practice, practice level, with ward and age "
            "band added by the place extract",
            "period_start": "2020-04-01",
            "period_end": "2024-09-30",
            "as_of": "2024-10-15",
            "synthetic": False,
            "notes": "",
        }
    )
    example["budget_spend"].update(
        {
            "source": "One Halton Budget Statement, Month 5 2020/21",
            "period_start": "2020-04-01",
            "period_end": "2020-08-31",
            "as_of": "2020-09-15",
            "synthetic": False,
            "notes": "pence reconstructed",
        }
    )
    out = [
        f"## `{contract.MANIFEST_FILE}`",
        "",
        f"The data folder holds a `{contract.MANIFEST_FILE}` (UTF-8, with or without a byte-order mark): one JSON "
        "object with an entry per table name, each an object with these fields. A table with no entry, or a folder "
        "with no manifest, is treated as synthetic and every page that reads it says so.",
        "",
        "The manifest describes; it does not decide. The months the period filters offer come from the monthly "
        "extracts' own rows, so a newly added month's file appears at once. Each monthly extract's `period_start` "
        "and `period_end` are checked against the months its rows cover, and a mismatch is named on the *About the "
        "data* page. So is any field of the wrong type (a number or a list for a date, text for `synthetic`), a "
        "date that is not ISO (YYYY-MM-DD), before 1990 or in the future, a reversed period, and an entry that is "
        "not an object or names no table; such a field is not used (a `synthetic` that cannot be read counts as "
        "true). None of these stops a page.",
        "",
        "| Field | Meaning |",
        "|---|---|",
    ]
    for field, meaning in contract.MANIFEST_FIELDS.items():
        out.append(f"| {code(field)} | {cell(meaning)} |")
    out += ["", "For example:", "", "```json", json.dumps(example, indent=2), "```", ""]
    return out


def render() -> str:
    out = [
        "# One Halton data contract",
        "",
        f"<!-- Generated from onehalton/contract.py by `{COMMAND}`. Do not edit by hand:",
        f"     change the contract and re-run it (`make docs`); `{COMMAND} --check` fails when they differ. -->",
        "",
        "What every extract in the data folder must look like. The dashboard reads the folder named by",
        f"`{config.DATA_DIR_ENV}` (the generated demo data when it is unset), checks each table against this",
        "contract once when the data loads, and shows the result on the *About the data* page:",
        "",
        "- a table whose file is missing or unreadable, lacks a required column, has a column of the wrong type,",
        "  holds no rows, or depends on a table that is unavailable is **unavailable**; the pages that need it say",
        "  why and everything else still works;",
        "- a row that breaks a rule (a missing value in a column that is not nullable, a value not in the allowed",
        "  list, below a minimum or above a maximum, a code not found in the table it references, a date in the",
        "  future, a row rule, or a duplicated key) is **excluded and counted**, with examples by file and row.",
        "",
        "Each table is one Parquet file, `data/<name>.parquet`, or a folder `data/<name>/` of Parquet files with",
        "the same columns (monthly drops, say). Tables are validated in the order listed, reference tables first.",
        "In a folder, each file is checked on its own first: a file that cannot be read, is empty, lacks a required",
        "column or has a column of the wrong type is **left out**, named with what is wrong with it (and how many",
        "rows it holds, when its footer can say), and the folder's other files are used. Only when no file in the",
        "folder can be used is the table unavailable.",
        "",
        "An optional (nullable) column that is empty throughout may have Parquet's NULL type, as pandas writes a",
        "column of `None`; a required column of that type is rejected, naming it.",
        "",
        "A data folder that does not exist, is a file or cannot be listed gives one message naming the folder, on",
        "every page, instead of one per table.",
        "",
        "The data is loaded once per version of the folder (its files' names, sizes and modification times). A",
        "changed folder is taken up once two looks a second apart see the same files, so an extract still being",
        "copied in is not loaded half-written. Each page run uses one loaded version from its first line to its",
        "last: the clean rows of every table are copied into memory at load (a large appointments extract is read",
        "only by the summaries, built at load), so replacing a file never changes a version already in use.",
        "",
        "## Month values",
        "",
        contract.MONTH_VALUES,
        "",
        "Month columns: "
        + ", ".join(f"{code(t.name)}.{code(c.name)}" for t in contract.TABLES for c in t.columns if c.month)
        + ".",
        "",
        "## Column kinds",
        "",
        "| Kind | Physical (DuckDB/Parquet) types accepted |",
        "|---|---|",
    ]
    for kind, types in contract.KINDS.items():
        out.append(f"| {kind} | {', '.join(types)} |")
    out += ["", "Money is exact: a floating-point column for pounds is rejected outright, never rounded.", ""]
    out += ["## Tables", "", "| Table | Title | Role | File | Grain |", "|---|---|---|---|---|"]
    for table in contract.TABLES:
        out.append(
            f"| [{code(table.name)}](#{_anchor(table)}) | {cell(table.title)} | {table.role} | "
            f"`data/{table.name}.parquet` | {cell(table.grain)} |"
        )
    out.append("")
    for role, heading in (("reference", "## Reference tables"), ("extract", "## Extracts")):
        out += [heading, ""]
        for table in contract.TABLES:
            if table.role == role:
                out += render_table(table)
    out += render_manifest()
    out += render_mapping()
    return "\n".join(out).rstrip("\n") + "\n"


def _anchor(table: Table) -> str:
    """GitHub's anchor for the table's heading."""
    heading = f"{table.title} ({table.name})".lower()
    return re.sub(r"[^a-z0-9 _-]", "", heading).replace(" ", "-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed doc differs from the contract")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current == text:
            shown = args.output
            if shown.is_relative_to(config.PROJECT_ROOT):
                shown = shown.relative_to(config.PROJECT_ROOT)
            print(f"{shown} is up to date.")
            return 0
        diff = difflib.unified_diff(current.splitlines(), text.splitlines(), "committed", "rendered", lineterm="", n=1)
        print(f"{args.output} is out of date with onehalton/contract.py; run `{COMMAND}`.", file=sys.stderr)
        print("\n".join(list(diff)[:60]), file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
