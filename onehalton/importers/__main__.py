"""python -m onehalton.importers KIND FILE... --into DATA_DIR"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from onehalton.importers import KINDS, ImportFailed, run_import


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m onehalton.importers",
        description="Import downloaded national files into a One Halton data folder. Rows of the same period "
        "already there are replaced; a failed import changes nothing.",
        epilog="Kinds: " + "; ".join(f"{k}: {v[2]}" for k, v in KINDS.items()),
    )
    parser.add_argument("kind", choices=list(KINDS), metavar="KIND", help="one of: " + ", ".join(KINDS))
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE")
    parser.add_argument("--into", type=Path, required=True, metavar="DATA_DIR", help="the data folder")
    parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    parser.add_argument("--sub-icb", default="01F", help="appointments: the sub-ICB location kept (default 01F)")
    parser.add_argument(
        "--practices",
        choices=("sub-icb", "reference"),
        default="sub-icb",
        help="appointments: keep the --sub-icb location's practices (default) or every practice "
        "in the practices reference table",
    )
    parser.add_argument("--org", default="01F", help="cancer-fds: the organisation kept (ORG CODE, default 01F)")
    parser.add_argument(
        "--area",
        default="E06000006",
        help="fingertips: the local authority kept besides England and its wards (default Halton)",
    )
    parser.add_argument("--financial-year", help="budget: YYYY/YY, if the statement's title does not say")
    parser.add_argument(
        "--month", type=int, help="budget: the statement's financial month (1 = April), if its title does not say"
    )
    parser.add_argument("--replace", action="store_true", help="reference: overwrite reference tables present")
    parser.add_argument("--table", help="table: the reference table the CSV replaces (e.g. practices)")
    args = parser.parse_args(argv)
    # Validation loads onehalton.db, whose Streamlit caches warn that no app is running: true, and not news here.
    import streamlit.logger

    streamlit.logger.set_log_level("error")
    options = {
        "appointments": {"sub_icb": args.sub_icb, "practices": args.practices},
        "cancer-fds": {"org": args.org},
        "fingertips": {"area": args.area},
        "budget": {"financial_year": args.financial_year, "month": args.month},
        "reference": {"replace": args.replace},
        "table": {"table": args.table},
    }.get(args.kind, {})
    try:
        result = run_import(args.kind, args.files, args.into, dry_run=args.dry_run, **options)
    except ImportFailed as exc:
        print(f"Import failed; nothing in {args.into} was changed.", file=sys.stderr)
        for problem in exc.problems[:50]:
            print("  " + problem, file=sys.stderr)
        if len(exc.problems) > 50:
            print(f"  … and {len(exc.problems) - 50} more", file=sys.stderr)
        return 1
    for line in result if isinstance(result, list) else result.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
