"""Altair charts for "Where need is greatest": the ward map, compare areas, the spine chart and inequality by
deprivation quintile.

Pure Altair/pandas (no streamlit, no duckdb): each builder takes the frames onehalton/ward_need.py shapes
(already suppressed) and returns a chart; the page draws it. Colours follow Fingertips' comparison colours.

The ward map
    Real ward boundaries are not available offline, so by default Halton's 18 wards are drawn as a tile map
    whose layout is data (``data/reference/halton_ward_tiles.csv``: column and row per ward). It follows the
    real geography approximately: Widnes north of the Mersey (rows 0-2), Runcorn south of it (rows 4-6),
    west on the left, and wards that border each other in neighbouring tiles where a grid allows. When the
    data folder holds a boundary file (``*.geojson`` or ``*.topojson``; a feature property holding the ward
    codes), :func:`boundary_map` draws the real shapes instead. Wards are joined on ``ward_code``; a ward whose
    code is not in the layout is placed by its name, so verified ONS codes can replace the demo codes without
    editing the layout. A click on a ward selects it (point selection named ``ward`` on ``ward_code``), for a
    page to read with ``st.altair_chart(..., on_select="rerun")``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from onehalton import stats, ward_need

__all__ = [
    "TILES_CSV",
    "COMPARISON_COLOURS",
    "tile_layout",
    "place_wards",
    "map_categories",
    "ward_tile_map",
    "find_boundary_file",
    "load_boundaries",
    "boundary_map",
    "compare_areas_chart",
    "spine_chart",
    "quintile_chart",
]

TILES_CSV = Path(__file__).resolve().parent.parent / "data" / "reference" / "halton_ward_tiles.csv"
SELECTION = "ward"

# Fingertips' comparison colours (better, similar, worse; higher/lower for no-judgement indicators).
COMPARISON_COLOURS = {
    "better": "#92D050",
    "similar": "#FFC000",
    "worse": "#C00000",
    "higher": "#BED2FF",
    "lower": "#5555E6",
    "not compared": "#FFFFFF",
    ward_need.SUPPRESSED: "#C9C9C9",
    ward_need.NO_DATA: "#F0F0F0",
}
# Quintiles of value for indicators with no judgement (Fingertips draws those in shades of one colour).
QUINTILE_LABELS = ["Lowest fifth", "Second fifth", "Middle fifth", "Fourth fifth", "Highest fifth"]
QUINTILE_COLOURS = ["#E5E1F4", "#C2B8E3", "#9A8BCF", "#6E5AB5", "#41228F"]
HALTON_LINE = "#003087"
RANGE_LIGHT, RANGE_DARK = "#D9D9D9", "#8C8C8C"


def tile_layout(path: Path = TILES_CSV) -> pd.DataFrame:
    """The tile layout: ward_code, ward_name, town, col, row, short_name (one row per ward, unique tiles)."""
    layout = pd.read_csv(path, dtype={"ward_code": str, "ward_name": str, "town": str, "short_name": str})
    missing = {"ward_code", "ward_name", "town", "col", "row", "short_name"} - set(layout.columns)
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {sorted(missing)}")
    clash = layout[layout.duplicated(["col", "row"], keep=False)]
    if not clash.empty:
        raise ValueError(f"{path.name}: rows {sorted((clash.index + 2).tolist())} share a tile")
    return layout


def place_wards(frame: pd.DataFrame, layout: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with col, row and short_name from the layout, by ward code, else by ward name.
    Returns (placed rows, names of wards that could not be placed)."""
    layout = tile_layout() if layout is None else layout
    tiles = layout[["ward_code", "ward_name", "col", "row", "short_name"]]
    by_code = frame.merge(tiles.drop(columns=["ward_name"]), on="ward_code", how="left")
    unplaced = by_code["col"].isna()
    if unplaced.any():
        by_name = tiles.drop(columns=["ward_code"]).set_index("ward_name")
        for column in ("col", "row", "short_name"):
            by_code.loc[unplaced, column] = by_code.loc[unplaced, "ward_name"].map(by_name[column])
    missing = by_code[by_code["col"].isna()]["ward_name"].tolist()
    placed = by_code[by_code["col"].notna()].copy()
    placed[["col", "row"]] = placed[["col", "row"]].astype(int)
    return placed, missing


def map_categories(frame: pd.DataFrame) -> pd.Series:
    """What each ward is coloured by: its comparison with Halton for an indicator with a judgement, the
    fifth of the shown wards' values it falls in for a no-judgement indicator, else suppressed / no data."""
    pol = stats.normalise_polarity(frame["polarity"].iloc[0]) if not frame.empty else stats.NO_JUDGEMENT
    out = frame["comparison"].astype(object).copy()
    if pol == stats.NO_JUDGEMENT:
        shown = frame["status"] == ward_need.SHOWN
        if shown.sum() >= 5:
            ranks = frame.loc[shown, "value"].astype(float).rank(method="first")
            fifth = np.ceil(ranks / shown.sum() * 5).astype(int).clip(1, 5)
            out.loc[shown] = [QUINTILE_LABELS[i - 1] for i in fifth]
    return out


def _colour(categories: Iterable[str], title: str) -> alt.Color:
    present = list(dict.fromkeys(categories))
    domain = [c for c in [*COMPARISON_COLOURS, *QUINTILE_LABELS] if c in present]
    colours = {**COMPARISON_COLOURS, **dict(zip(QUINTILE_LABELS, QUINTILE_COLOURS))}
    return alt.Color(
        "category:N",
        title=title,
        scale=alt.Scale(domain=domain, range=[colours[c] for c in domain]),
        legend=alt.Legend(orient="bottom"),
    )


def _tooltips(unit: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip("ward_name:N", title="Ward"),
        alt.Tooltip("value:Q", title=unit, format=",.1f"),
        alt.Tooltip("lower_ci:Q", title="95% CI lower", format=",.1f"),
        alt.Tooltip("upper_ci:Q", title="95% CI upper", format=",.1f"),
        alt.Tooltip("comparison:N", title="Compared with Halton"),
        alt.Tooltip("time_period:N", title="Period"),
    ]


def _map_frame(frame: pd.DataFrame, chosen: Iterable[str]) -> pd.DataFrame:
    out = frame.copy()
    if "status" not in out:
        out["status"] = ward_need.status(out)
    if "comparison" not in out:
        out["comparison"] = out["status"]
    out["category"] = map_categories(out)
    out["chosen"] = out["ward_code"].isin(set(chosen))
    for column in ("value", "lower_ci", "upper_ci"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float) if column in out else np.nan
    return out


def ward_tile_map(
    frame: pd.DataFrame,
    *,
    chosen: Iterable[str] = (),
    title: str = "",
    layout: pd.DataFrame | None = None,
    tile: int = 62,
) -> alt.LayerChart:
    """Tile map of the wards: coloured by :func:`map_categories`, chosen wards outlined, each ward labelled,
    the Mersey between the towns; clicking a tile selects its ward (selection ``ward`` on ``ward_code``)."""
    layout = tile_layout() if layout is None else layout
    data, _missing = place_wards(_map_frame(frame, chosen), layout)
    cols = list(range(int(layout["col"].max()) + 1))
    rows = list(range(int(layout["row"].max()) + 1))
    unit = str(frame["unit"].iloc[0]) if "unit" in frame and not frame.empty else "Value"
    pick = alt.selection_point(name=SELECTION, fields=["ward_code"], on="click")
    x = alt.X("col:O", axis=None, scale=alt.Scale(domain=cols, paddingInner=0.06))
    y = alt.Y("row:O", axis=None, scale=alt.Scale(domain=rows, paddingInner=0.06))
    base = alt.Chart(data).encode(x=x, y=y)
    tiles = base.mark_rect(cornerRadius=4).encode(
        color=_colour(data["category"], "Compared with Halton"),
        stroke=alt.condition("datum.chosen", alt.value("#000000"), alt.value("#FFFFFF")),
        strokeWidth=alt.condition("datum.chosen", alt.value(4), alt.value(1)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.85)),
    )
    # short_name carries its own line breaks ("|"), so a long name wraps where it reads well.
    labels = base.mark_text(fontSize=9, lineBreak="|", baseline="middle").encode(
        text="short_name:N",
        color=alt.condition(
            "datum.category == 'worse' || datum.category == 'Highest fifth' || "
            "datum.category == 'Fourth fifth' || datum.category == 'lower'",
            alt.value("#FFFFFF"),
            alt.value("#000000"),
        ),
    )
    # The click target: an all but transparent tile over each ward, above its name, so a click on the name
    # chooses the ward too (one selection bound to two layers makes Vega declare its signals twice).
    targets = base.mark_rect(fill="#000000", fillOpacity=0.001).encode(tooltip=_tooltips(unit)).add_params(pick)
    river_row = [r for r in rows if r not in set(layout["row"])]
    layers = [tiles, labels, targets]
    if river_row:
        river = pd.DataFrame({"col": [cols[len(cols) // 2]], "row": [river_row[0]], "text": ["River Mersey"]})
        layers.append(
            alt.Chart(river).mark_text(fontSize=11, fontStyle="italic", color="#41B6E6").encode(x=x, y=y, text="text:N")
        )
    layers.append(
        alt.Chart(town_label_cells(layout))
        .mark_text(fontSize=12, fontWeight="bold", color="#425563")
        .encode(x=x, y=y, text="town:N")
    )
    return alt.layer(*layers).properties(title=title, width=tile * len(cols), height=tile * len(rows))


def town_label_cells(layout: pd.DataFrame) -> pd.DataFrame:
    """Where each town's name goes (town, col, row): the first empty cell of the town's own rows, read from the
    top left, so the name never sits on a ward's tile (it was drawn on the corner of the town's first tile, where
    a dark tile hid it). A town whose rows are full takes the first cell left empty in the other towns' rows (the
    river's row keeps the river's name); with none left, the town goes unnamed rather than cover a ward."""
    taken = set(zip(layout["col"].astype(int), layout["row"].astype(int), strict=True))
    cols = range(int(layout["col"].max()) + 1)
    town_rows = {town: sorted(set(tiles["row"].astype(int))) for town, tiles in layout.groupby("town", sort=False)}
    every_town_row = sorted({r for rows in town_rows.values() for r in rows})
    placed: dict[str, tuple[int, int]] = {}

    def first_free(rows) -> tuple[int, int] | None:
        return next(((c, r) for r in rows for c in cols if (c, r) not in taken), None)

    for fallback in (False, True):
        for town, rows in town_rows.items():
            if town in placed:
                continue
            cell = first_free(every_town_row if fallback else rows)
            if cell is not None:
                placed[town] = cell
                taken.add(cell)
    return pd.DataFrame(
        [{"town": t, "col": c, "row": r} for t, (c, r) in placed.items()], columns=["town", "col", "row"]
    )


# ------------------------------------------------------------------------------------------------
# Real boundaries


def find_boundary_file(folder: Path) -> Path | None:
    """The first ``*.geojson`` or ``*.topojson`` in the data folder (by name), or None."""
    files = sorted([*Path(folder).glob("*.geojson"), *Path(folder).glob("*.topojson")])
    return files[0] if files else None


def load_boundaries(path: Path, ward_codes: Iterable[str]) -> dict:
    """Read a boundary file and find the feature property holding the ward codes.

    Returns {'kind': 'geojson' | 'topojson', 'data': the parsed file, 'code_property': name, 'object': the
    TopoJSON object name or None}. Raises ValueError naming the file when it cannot be read or no property
    holds the wards' codes, so the page can say why and fall back to the tile map.
    """
    codes = set(ward_codes)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{Path(path).name}: not readable as GeoJSON or TopoJSON ({exc})") from None
    if data.get("type") == "Topology":
        objects = data.get("objects") or {}
        if not objects:
            raise ValueError(f"{Path(path).name}: TopoJSON has no objects")
        name = next(iter(objects))
        features = [g.get("properties") or {} for g in objects[name].get("geometries", [])]
        kind = "topojson"
    elif data.get("type") == "FeatureCollection":
        name = None
        features = [f.get("properties") or {} for f in data.get("features", [])]
        kind = "geojson"
    else:
        raise ValueError(f"{Path(path).name}: expected a GeoJSON FeatureCollection or a TopoJSON Topology")
    best, hits = None, 0
    for key in {k for props in features for k in props}:
        found = len(codes & {str(p.get(key)) for p in features})
        if found > hits:
            best, hits = key, found
    if best is None:
        raise ValueError(f"{Path(path).name}: no feature property holds the ward codes (e.g. {sorted(codes)[:1]})")
    return {"kind": kind, "data": data, "code_property": best, "object": name}


def boundary_map(
    frame: pd.DataFrame,
    boundaries: dict,
    *,
    chosen: Iterable[str] = (),
    title: str = "",
    width: int = 420,
    height: int = 420,
) -> alt.Chart:
    """The wards' real shapes, coloured and outlined as :func:`ward_tile_map`, from :func:`load_boundaries`."""
    data = _map_frame(frame, chosen)
    unit = str(frame["unit"].iloc[0]) if "unit" in frame and not frame.empty else "Value"
    if boundaries["kind"] == "topojson":
        source = alt.InlineData(
            values=boundaries["data"], format=alt.DataFormat(type="topojson", feature=boundaries["object"])
        )
    else:
        source = alt.InlineData(values=boundaries["data"], format=alt.DataFormat(property="features", type="json"))
    columns = [
        "ward_code",
        "ward_name",
        "value",
        "lower_ci",
        "upper_ci",
        "comparison",
        "category",
        "chosen",
        "time_period",
    ]
    pick = alt.selection_point(name=SELECTION, fields=["ward_code"], on="click")
    lookup = data[[c for c in columns if c in data]].copy()
    return (
        alt.Chart(source)
        .mark_geoshape()
        .transform_lookup(
            lookup=f"properties.{boundaries['code_property']}",
            from_=alt.LookupData(lookup, "ward_code", [c for c in columns if c in lookup]),
        )
        .encode(
            color=_colour(data["category"], "Compared with Halton"),
            stroke=alt.condition("datum.chosen", alt.value("#000000"), alt.value("#FFFFFF")),
            strokeWidth=alt.condition("datum.chosen", alt.value(3), alt.value(0.8)),
            tooltip=_tooltips(unit),
        )
        .add_params(pick)
        .project(type="mercator")
        .properties(title=title, width=width, height=height)
    )


# ------------------------------------------------------------------------------------------------
# Compare areas, spine chart, quintiles


def compare_areas_chart(frame: pd.DataFrame, *, title: str, unit: str) -> alt.LayerChart:
    """Every ward from :func:`ward_need.compare_areas`: value and 95% CI, Halton as a line, chosen wards
    outlined and named in bold, suppressed wards named and marked "suppressed" rather than left out."""
    data = frame.copy()
    for column in ("value", "lower_ci", "upper_ci", "halton_value"):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype(float)
    data["category"] = data["comparison"]
    order = data.sort_values("order")["label"].tolist()
    chosen_labels = data.loc[data["chosen"], "label"].tolist()
    bold = alt.expr(f"indexof({json.dumps(chosen_labels)}, datum.label) >= 0 ? 'bold' : 'normal'")
    # labelOverlap off: every ward is named, never every other one.
    y = alt.Y(
        "label:N", sort=order, title=None, axis=alt.Axis(labelFontWeight=bold, labelLimit=260, labelOverlap=False)
    )
    base = alt.Chart(data).encode(y=y)
    x = alt.X("value:Q", title=unit)
    shown = base.transform_filter("isValid(datum.value)")
    layers = [
        shown.mark_bar().encode(x=x, color=_colour(data["category"], "Compared with Halton"), tooltip=_tooltips(unit)),
        # The chosen wards' outline as a layer of its own: a conditional stroke on the bars lost their fill.
        shown.transform_filter("datum.chosen")
        .mark_bar(filled=False, stroke="#000000", strokeWidth=2)
        .encode(x=alt.X("value:Q", title=unit)),
        shown.transform_filter("isValid(datum.lower_ci)")
        .mark_errorbar(color="#425563")
        .encode(x=alt.X("lower_ci:Q", title=unit), x2="upper_ci:Q"),
        base.transform_filter("!isValid(datum.value)")
        .mark_text(align="left", dx=3, color="#425563", fontStyle="italic")
        .encode(x=alt.datum(0), text="status:N"),
    ]
    halton = data["halton_value"].dropna()
    if not halton.empty:
        layers.append(
            alt.Chart(pd.DataFrame({"halton": [float(halton.iloc[0])], "label": ["Halton"]}))
            .mark_rule(color=HALTON_LINE, strokeDash=[6, 4], size=2)
            .encode(
                x=alt.X("halton:Q", title=unit),
                tooltip=[alt.Tooltip("label:N"), alt.Tooltip("halton:Q", format=",.1f")],
            )
        )
    return alt.layer(*layers).properties(title=title, height=alt.Step(24))


def spine_chart(rows: pd.DataFrame, *, title: str = "") -> alt.LayerChart:
    """Fingertips-style spine chart from :func:`ward_need.spine_rows`: per indicator, the range of wards from
    worst (left) to best (right), the 25th to 75th percentile darker, Halton at the centre line, and the ward's
    value as a dot coloured by its comparison with Halton."""
    data = rows.copy()
    data["category"] = data["comparison"]
    data["label"] = data["indicator_name"] + " (" + data["unit"] + ")"
    order = data["label"].tolist()
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=360, labelOverlap=False))
    x_scale = alt.Scale(domain=[0, 1])
    axis_title = "Worst ward ← Halton → best ward"
    x = alt.X("pos_worst:Q", scale=x_scale, title=axis_title, axis=alt.Axis(labels=False, ticks=False, grid=False))
    tips = [
        alt.Tooltip("indicator_name:N", title="Indicator"),
        alt.Tooltip("value:Q", title="Ward", format=",.1f"),
        alt.Tooltip("halton_value:Q", title="Halton", format=",.1f"),
        alt.Tooltip("worst:Q", title="Worst ward", format=",.1f"),
        alt.Tooltip("q25:Q", title="25th percentile", format=",.1f"),
        alt.Tooltip("q75:Q", title="75th percentile", format=",.1f"),
        alt.Tooltip("best:Q", title="Best ward", format=",.1f"),
        alt.Tooltip("comparison:N", title="Compared with Halton"),
        alt.Tooltip("time_period:N", title="Period"),
    ]
    base = alt.Chart(data).encode(y=y)
    layers = [
        base.mark_bar(color=RANGE_LIGHT, height=18).encode(x=x, x2="pos_best:Q", tooltip=tips),
        base.mark_bar(color=RANGE_DARK, height=18).encode(
            x=alt.X("pos_q25:Q", scale=x_scale, title=axis_title), x2="pos_q75:Q", tooltip=tips
        ),
        alt.Chart(pd.DataFrame({"centre": [0.5]}))
        .mark_rule(color=HALTON_LINE, size=2)
        .encode(x=alt.X("centre:Q", scale=x_scale, title=axis_title)),
        base.transform_filter("isValid(datum.pos_value)")
        .mark_circle(size=110, opacity=1, stroke="#000000", strokeWidth=0.6)
        .encode(
            x=alt.X("pos_value:Q", scale=x_scale, title=axis_title),
            color=_colour(data["category"], "Compared with Halton"),
            tooltip=tips,
        ),
        # A ward with no value to place says why, rather than leaving a blank row.
        base.transform_filter("!isValid(datum.pos_value) && datum.status != 'shown'")
        .mark_text(align="right", dx=-4, fontStyle="italic", color="#425563")
        .encode(x=alt.datum(1, scale=x_scale), text="status:N"),
    ]
    return alt.layer(*layers).properties(title=title, height=alt.Step(30))


def quintile_chart(frame: pd.DataFrame, *, title: str, unit: str, halton: float | None = None) -> alt.LayerChart:
    """The indicator by ward deprivation quintile (1 = most deprived) with 95% CIs and Halton as a line."""
    data = frame.copy()
    for column in ("value", "lower_ci", "upper_ci"):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype(float)
    data["group"] = [
        f"{q}: {'most deprived' if q == 1 else 'least deprived' if q == 5 else 'quintile ' + str(q)}"
        for q in data["quintile"]
    ]
    x = alt.X("group:N", title="Ward deprivation quintile", sort=data["group"].tolist(), axis=alt.Axis(labelAngle=0))
    base = alt.Chart(data).encode(x=x)
    tips = [
        alt.Tooltip("group:N", title="Quintile"),
        alt.Tooltip("ward_names:N", title="Wards"),
        alt.Tooltip("value:Q", title=unit, format=",.1f"),
        alt.Tooltip("lower_ci:Q", title="95% CI lower", format=",.1f"),
        alt.Tooltip("upper_ci:Q", title="95% CI upper", format=",.1f"),
    ]
    layers = [
        base.mark_bar(color="#005EB8").encode(y=alt.Y("value:Q", title=unit), tooltip=tips),
        base.transform_filter("isValid(datum.lower_ci)")
        .mark_errorbar(color="#425563")
        .encode(y=alt.Y("lower_ci:Q", title=unit), y2="upper_ci:Q"),
    ]
    if halton is not None and not np.isnan(halton):
        layers.append(
            alt.Chart(pd.DataFrame({"halton": [halton]}))
            .mark_rule(color=HALTON_LINE, strokeDash=[6, 4], size=2)
            .encode(y=alt.Y("halton:Q", title=unit))
        )
    return alt.layer(*layers).properties(title=title, height=260)
