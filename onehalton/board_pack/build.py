"""Gathering a view's pack and rendering it: the package's public functions (see the package docstring)."""

from __future__ import annotations

from datetime import UTC, datetime

from onehalton.board_pack.data import (
    BadView,
    Kpi,
    View,
    budget_statement,
    headline_kpis,
    indicator_summary,
    provenance,
    resolve,
)
from onehalton.board_pack.pdf import Pack, render
from onehalton.db import Database

# The package's public names (onehalton/board_pack/__init__.py hands them out lazily from here).
__all__ = ["BadView", "Kpi", "Pack", "View", "build_pack", "gather", "headline_kpis", "render"]


def gather(view: View, database: Database, *, now: datetime | None = None) -> Pack:
    """Everything the pack shows for `view`, from `database` (BadView for a filter value the data lacks)."""
    resolved = resolve(view, database)
    f = resolved.filters
    kpis, missing = headline_kpis(database, f)
    indicators = indicator_summary(database, f)
    problem = ""
    if indicators is None:
        blocked = database.unavailable(database.specs["indicators_latest"].tables)
        problem = " ".join(s.summary() for s in blocked) or "The indicators could not be read."
    rows, synthetic = provenance(database)
    notices = [database.manifest_problem] if database.manifest_problem else []
    notices += [
        status.summary() for status in database.statuses.values() if not status.available or status.rows_excluded
    ]
    link: dict[str, list[str]] = {}
    if f.wards:
        link["ward"] = list(f.wards)
    if view.start:
        link["from"] = [f"{f.start:%Y-%m}"]
    if view.end:
        link["to"] = [f"{f.end:%Y-%m}"]
    if view.fy:
        link["fy"] = [resolved.fy]
    if view.month:
        link["month"] = [str(resolved.month)]
    return Pack(
        area=f.area_label,
        period=f.period_label,
        wards=f.wards,
        link=link,
        kpis=kpis,
        missing=missing,
        indicators=indicators,
        indicator_problem=problem,
        budget=budget_statement(database, resolved.fy, resolved.month),
        provenance=rows,
        synthetic=synthetic,
        notices=notices,
        ward_level=f.ward_level,
        generated=now or datetime.now(UTC),
    )


def build_pack(view: View, database: Database | None = None) -> bytes:
    """The pack for `view` as PDF bytes. Without `database`, the dashboard's own cached one (db.database())."""
    if database is None:
        from onehalton import db

        database = db.database()
    return render(gather(view, database))
