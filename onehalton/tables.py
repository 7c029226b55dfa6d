"""Tables people can read, and downloads of exactly what is shown.

Headers come from the measure registry (one place), values are written by their measure's kind (£ with
separators, percentages as percentages, months as "Nov 2026"), hidden values show `*`, missing ones `–`, and
subtotal and total rows are emphasised. The CSV keeps the contract's column names and the published numbers
(money in whole pounds, rounded half up), with `*` where a value is hidden.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from onehalton import formats, measures, protection

# Columns that are never shown: how rows are built or typed, not what they say.
INTERNAL = {
    "row_type",
    "multiplier",
    "ci_method",
    "polarity",
    "code_verified",
    "id_verified",
    "area_code",
    "period_start",
    "is_synthetic",
    "months",
    "segment",
    "upper_near",
    "lower_near",
    "moving_range",
    "special_cause",
    "direction",
    "fy_start",
    "halton_value_ci",
}
DATE_COLUMNS = {"month", "date"}
CI_SUFFIXES = {"_lower": "95% CI lower", "_upper": "95% CI upper"}


def column_kind(column: str) -> str | None:
    """The kind a column is written in: its measure's, or its measure's for a CI limit column."""
    for suffix in CI_SUFFIXES:
        if column.endswith(suffix) and column[: -len(suffix)] in measures.REGISTRY:
            return measures.REGISTRY[column[: -len(suffix)]].kind
    measure = measures.REGISTRY.get(column)
    return measure.kind if measure else None


def header(column: str) -> str:
    for suffix, words in CI_SUFFIXES.items():
        if column.endswith(suffix) and column[: -len(suffix)] in measures.REGISTRY:
            return f"{measures.label(column[: -len(suffix)])}: {words}"
    return measures.label(column)


def _cell(value, kind: str | None, column: str) -> str:
    if formats.is_missing(value):
        return formats.MISSING
    if column in DATE_COLUMNS or isinstance(value, pd.Timestamp):
        return formats.month_name(value)
    if kind == "value" or (kind is None and isinstance(value, float)):
        return formats.fmt(value, "value")
    if kind:
        return formats.fmt(value, kind)
    return str(value)


def readable(
    protected: protection.Protected, *, columns: list[str] | None = None, kinds: dict[str, str] | None = None
) -> pd.DataFrame:
    """The table as people read it: human headers, written values, `*` hidden, `–` missing."""
    frame = protected.frame
    shown = [c for c in (columns or list(frame.columns)) if c not in INTERNAL]
    out = {}
    for column in shown:
        kind = (kinds or {}).get(column) or column_kind(column)
        hidden = protected.hidden[column].to_numpy(dtype=bool) if column in protected.hidden else None
        values = [_cell(v, kind, column) for v in frame[column].tolist()]
        if hidden is not None:
            values = [formats.SUPPRESSED if h else v for v, h in zip(values, hidden)]
        out[header(column)] = values
    return pd.DataFrame(out, index=frame.index)


def csv_frame(protected: protection.Protected, columns: list[str] | None = None) -> pd.DataFrame:
    """What the CSV holds: the contract's names, published numbers, money in pounds (half up), `*` hidden."""
    keep = [c for c in (columns or list(protected.frame.columns)) if c not in INTERNAL]
    frame = protected.display(keep)
    for column in keep:
        if column_kind(column) == "gbp":
            frame[column] = [v if v == formats.SUPPRESSED else formats.pounds(v) for v in frame[column]]
        elif column in DATE_COLUMNS:
            frame[column] = [
                None if formats.is_missing(v) else pd.Timestamp(v).strftime("%Y-%m") for v in frame[column]
            ]
    return frame


def show(
    protected: protection.Protected,
    key: str,
    *,
    columns: list[str] | None = None,
    kinds: dict[str, str] | None = None,
    emphasise: pd.Series | None = None,
    height: str | int = "auto",
) -> None:
    """A readable table and its CSV download. `emphasise` marks subtotal/total rows (bold, shaded)."""
    table = readable(protected, columns=columns, kinds=kinds)
    if emphasise is not None and emphasise.any():
        rows = emphasise.reindex(table.index).fillna(False).to_numpy()
        styled = table.style.apply(
            lambda row: [
                "font-weight: 700; background-color: #E8EDEE" if rows[table.index.get_loc(row.name)] else ""
                for _ in row
            ],
            axis=1,
        )
        st.dataframe(styled, hide_index=True, width="stretch", height=height)
    else:
        st.dataframe(table, hide_index=True, width="stretch", height=height)
    download(lambda: csv_frame(protected, columns), key)


def download(rows: Callable[[], pd.DataFrame], key: str, label: str = "Download table (CSV)") -> None:
    # `rows` makes the published frame the CSV is written from, when someone clicks, not on every run (deferred
    # data): a warm rerun used to spend a seventh of its time on CSVs nobody asked for. "ignore" keeps the page.
    st.download_button(
        label,
        lambda: rows().to_csv(index=False).encode("utf-8"),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"download-{key}",
        icon=":material/download:",
        on_click="ignore",
    )


def chart_with_download(chart, protected: protection.Protected, key: str, columns: list[str] | None = None) -> None:
    """A chart with downloads of exactly the data it shows (CSV) and of the chart itself (PNG, SVG: drawn on the
    server by vl-convert when someone clicks, so a run pays nothing for them)."""
    from onehalton import charts

    charts.draw(chart, key=f"chart-{key}")
    with st.container(horizontal=True, gap="small"):
        download(lambda: csv_frame(protected, columns), key, label="Chart data (CSV)")
        image_downloads(chart.spec_json, key)


def image_downloads(spec: Callable[[], dict], key: str) -> None:
    """PNG and SVG buttons for a chart, `spec` making its Vega-Lite spec: drawn on the server by vl-convert when
    someone clicks, so a run pays nothing for them."""
    from onehalton import chart_export

    for label, draw, mime in (("PNG", chart_export.to_png, "image/png"), ("SVG", chart_export.to_svg, "image/svg+xml")):
        st.download_button(
            label,
            lambda draw=draw: draw(spec()),
            file_name=f"{key}.{label.lower()}",
            mime=mime,
            key=f"{label.lower()}-{key}",
            icon=":material/image:",
            on_click="ignore",
        )


def altair_with_downloads(chart, key: str, rows: Callable[[], pd.DataFrame] | None = None, **selection):
    """A chart built by hand in Altair (charts.draw_altair: the ward map, compare areas, spine and quintile
    charts) with its PNG and SVG, and its data as CSV when `rows` makes it; returns the chart's selection event."""
    from onehalton import charts

    event = charts.draw_altair(chart, key=f"chart-{key}", **selection)
    with st.container(horizontal=True, gap="small"):
        if rows is not None:
            download(rows, key, label="Chart data (CSV)")
        image_downloads(chart.to_dict, key)
    return event


def plain(frame: pd.DataFrame) -> protection.Protected:
    """A frame with nothing hidden (Halton-wide figures, or values worked out on the page) as a Protected."""
    return protection.Protected(frame, pd.DataFrame(False, index=frame.index, columns=frame.columns), 0, False)
