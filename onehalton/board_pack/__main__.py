"""`python -m onehalton.board_pack --out pack.pdf [--ward CODE ...] [--from YYYY-MM] [--to YYYY-MM] [--fy 2024/25]
[--month N] [--data-dir DIR]`: the board pack for a view, for a scheduled monthly run. The options are the
dashboard link's parameters, so `?ward=E05013186&from=2024-04` becomes `--ward E05013186 --from 2024-04`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onehalton.board_pack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="where to write the PDF")
    parser.add_argument(
        "--ward",
        action="append",
        default=[],
        metavar="CODE",
        help="a ward code (repeat for several); none means all of Halton",
    )
    parser.add_argument("--from", dest="start", metavar="YYYY-MM", help="first month of the period")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM", help="last month of the period")
    parser.add_argument("--fy", help="financial year of the budget statement, e.g. 2024/25 (default the latest)")
    parser.add_argument(
        "--month", type=int, help="financial month of the budget statement, 1 = April (default the year's latest)"
    )
    parser.add_argument(
        "--data-dir", type=Path, help="the data folder (default ONE_HALTON_DATA_DIR, else the demo data)"
    )
    args = parser.parse_args(argv)
    _quiet_streamlit_caches()

    from onehalton import config
    from onehalton.board_pack import BadView, View, gather, render
    from onehalton.db import Database

    folder = args.data_dir.expanduser().resolve() if args.data_dir else config.data_dir()
    if not folder.is_dir():
        parser.error(f"the data folder {folder} does not exist")
    started = time.perf_counter()
    database = Database(folder)
    view = View(tuple(dict.fromkeys(args.ward)), args.start, args.end, args.fy, args.month)
    try:
        pack = gather(view, database)
    except BadView as exc:
        parser.error(str(exc))
    document = render(pack)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(document)
    except OSError as exc:
        parser.error(f"cannot write {args.out}: {exc}")
    print(
        f"wrote {args.out} ({len(document):,} bytes; {pack.area}, {pack.period}) in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


def _quiet_streamlit_caches() -> None:
    """The data layer's st.cache_* decorators warn, at import, that there is no Streamlit runtime: true, and
    expected here (the pack reads db.Database directly), so a scheduled run's log keeps only what matters."""
    import logging

    import streamlit.runtime.caching.cache_data_api  # noqa: F401  (creates the logger the warning goes to)
    import streamlit.runtime.caching.cache_resource_api  # noqa: F401

    # A filter, not a level: Streamlit resets its loggers' levels when it reads its configuration.
    for name in ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.caching.cache_resource_api"):
        logging.getLogger(name).addFilter(lambda record: "No runtime found" not in record.getMessage())


if __name__ == "__main__":
    sys.exit(main())
