"""Where need is greatest: the ward map, compare areas, spine chart, inequality by deprivation, need ranking,
pooled periods and chosen wards side by side."""

import streamlit as st

from onehalton import config, frame, tables, ward_charts, ward_need

f = frame.page(
    "Where need is greatest",
    "Every ward on one indicator: a map, every ward against Halton with its "
    "confidence interval, the gap between the most and least deprived wards, and wards ranked by need on "
    "deprivation and outcomes (not service use). Click a ward on the map to choose it.",
    ("indicators", "wards", "ward_population"),
)

# Every ward-level count arrives protected as each query's header declares (hidden 1-7, others rounded to 5,
# rates and limits from the published counts): the page works only with what may be published.
protected = frame.load("indicator_by_ward_latest", indicator_id=None)
if protected is None or protected.frame.empty:
    frame.unavailable("Ward indicators")
    st.stop()
data = protected.frame

names = dict(zip(data["indicator_id"], data["indicator_name"]))
indicator_id = st.selectbox("Indicator", list(names), format_func=names.get, key="need-indicator")
pooled_choice = st.radio(
    "Period",
    ["Latest period", "Three periods pooled"],
    horizontal=True,
    key="need-period",
    help="Pooling three periods, as Fingertips does for small areas, recovers values that a "
    "single year's small numbers suppress. Pooled figures are labelled as pooled.",
)
if pooled_choice == "Three periods pooled":
    shown = frame.load("indicator_by_ward_pooled", indicator_id=indicator_id, periods=3)
    if shown is None or shown.frame.empty:
        st.info(
            "This indicator cannot be pooled (it has no counts, is a directly standardised rate, whose age "
            "bands are not pooled, or has fewer than three periods)."
        )
        st.stop()
else:
    shown = protected.with_frame(data[data["indicator_id"] == indicator_id])
areas = ward_need.compare_areas(shown.frame, chosen=f.wards)
first = areas.iloc[0]
title = f"{first['indicator_name']}, {first['time_period']}"

map_column, compare_column = st.columns([2, 3])
with map_column:
    boundary_file = ward_charts.find_boundary_file(config.data_dir())
    chart = None
    if boundary_file is not None:
        try:
            chart = ward_charts.boundary_map(
                areas,
                ward_charts.load_boundaries(boundary_file, areas["ward_code"]),
                chosen=f.wards,
                title=str(first["time_period"]),
            )
        except ValueError as problem:
            st.warning(f"{problem}. Showing the tile map instead.", icon=":material/map:")
    if chart is None:
        chart = ward_charts.ward_tile_map(areas, chosen=f.wards, title=str(first["time_period"]))
    # The key follows the chosen wards, so a new choice starts the map with no stale click.
    event = tables.altair_with_downloads(
        chart, f"need-map-{'-'.join(f.wards)}", on_select="rerun", selection_mode="ward"
    )
    picked = [p.get("ward_code") for p in (event.selection.get("ward") or []) if p.get("ward_code")]
    if picked and picked[-1:] != list(f.wards):
        st.query_params["ward"] = picked[-1:]
        st.rerun()
with compare_column:
    compared = shown.with_frame(areas)
    tables.altair_with_downloads(
        ward_charts.compare_areas_chart(areas, title=f"Compare areas: {title}", unit=first["unit"]),
        "need-compare-areas",
        rows=lambda: tables.csv_frame(compared),
    )
frame.legend(shown)

if f.wards:
    st.subheader("Spine chart: every indicator against the range of wards")
    for code in f.wards[:3]:
        rows = ward_need.spine_rows(data, code)
        if not rows.empty:
            tables.altair_with_downloads(
                ward_charts.spine_chart(rows, title=rows["ward_name"].iloc[0]), f"spine-{code}"
            )
if len(f.wards) >= 2:
    st.subheader("Chosen wards side by side")
    tables.show(tables.plain(ward_need.side_by_side(data, f.wards)), key="need-side-by-side")

st.subheader("Inequality by deprivation")
by_quintile = frame.load("indicator_by_deprivation_quintile", indicator_id=indicator_id)
if by_quintile is not None and not by_quintile.frame.empty:
    sii = ward_need.quintile_inequality(by_quintile.frame)
    if by_quintile.frame["value"].notna().any():  # a chart with no bars would only look broken
        tables.altair_with_downloads(
            ward_charts.quintile_chart(
                by_quintile.frame, title=title, unit=first["unit"], halton=float(first["halton_value"])
            ),
            "need-quintiles-chart",
        )
    st.markdown(sii["sentence"] or f"The slope index of inequality cannot be calculated: {sii['reason']}.")
    tables.show(by_quintile, key="need-quintiles")
    frame.legend(by_quintile)

st.subheader("Wards ranked by need")
st.caption(
    "Mean need percentile over the IMD score and every outcome indicator with a judgement, among the wards "
    "shown (1 = the worst ward). Service-use measures (screening coverage, diagnosis rates) are left out."
)
tables.show(tables.plain(ward_need.need_ranking(data)), key="need-ranking")
frame.legend(protected)
