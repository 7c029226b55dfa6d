"""Where need is greatest: the ward map, compare areas, spine chart, inequality by deprivation, need ranking,
pooled periods and chosen wards side by side."""

import streamlit as st

from onehalton import config, ui, ward_charts, ward_need

f = ui.page("Where need is greatest", "Every ward on one indicator: a map, every ward against Halton with its "
            "confidence interval, the gap between the most and least deprived wards, and wards ranked by need on "
            "deprivation and outcomes (not service use). Click a ward on the map to choose it.",
            ("indicators", "wards", "ward_population"))

WARD_ONLY = dict(counts=["count"], derived={"value": ["count"], "lower_ci": ["count"], "upper_ci": ["count"]})

latest = ui.load("indicator_by_ward_latest", indicator_id=None)
if latest is None or latest.empty:
    ui.unavailable("Ward indicators")
    st.stop()
# groups=["indicator_id"]: each indicator's wards add up to Halton's count for the period, which is published.
protected = ui.protect(ward_need.with_cis(latest), groups=["indicator_id"], **WARD_ONLY)
frame = protected.frame

names = dict(zip(frame["indicator_id"], frame["indicator_name"]))
indicator_id = st.selectbox("Indicator", list(names), format_func=names.get, key="need-indicator")
pooled_choice = st.radio("Period", ["Latest period", "Three periods pooled"], horizontal=True, key="need-period",
                         help="Pooling three periods, as Fingertips does for small areas, recovers values that a "
                              "single year's small numbers suppress. Pooled figures are labelled as pooled.")
if pooled_choice == "Three periods pooled":
    pooled = ui.load("indicator_by_ward_pooled", indicator_id=indicator_id, periods=3)
    singles = ui.load("indicator_ward_periods", indicator_id=indicator_id, periods=3)
    if pooled is None or pooled.empty or singles is None:
        st.info("This indicator cannot be pooled (it has no counts, or fewer than three periods).")
        st.stop()
    guarded = ward_need.guard_pooled(pooled, singles, threshold=config.suppression_threshold())
    shown = ui.protect(ward_need.with_cis(guarded), groups=[], **WARD_ONLY)
else:
    shown = ui.protect(ward_need.with_cis(latest[latest["indicator_id"] == indicator_id]), groups=[], **WARD_ONLY)
areas = ward_need.compare_areas(shown.frame, chosen=f.wards)
first = areas.iloc[0]
title = f"{first['indicator_name']}, {first['time_period']}"

map_column, compare_column = st.columns([2, 3])
with map_column:
    boundary_file = ward_charts.find_boundary_file(config.data_dir())
    chart = None
    if boundary_file is not None:
        try:
            chart = ward_charts.boundary_map(areas, ward_charts.load_boundaries(boundary_file, areas["ward_code"]),
                                             chosen=f.wards, title=str(first["time_period"]))
        except ValueError as problem:
            st.warning(f"{problem}. Showing the tile map instead.", icon=":material/map:")
    if chart is None:
        chart = ward_charts.ward_tile_map(areas, chosen=f.wards, title=str(first["time_period"]))
    # The key follows the chosen wards, so a new choice starts the map with no stale click.
    event = st.altair_chart(chart, on_select="rerun", selection_mode="ward", key=f"need-map-{'-'.join(f.wards)}")
    picked = [p.get("ward_code") for p in (event.selection.get("ward") or []) if p.get("ward_code")]
    if picked and picked[-1:] != list(f.wards):
        st.query_params["ward"] = picked[-1:]
        st.rerun()
with compare_column:
    st.altair_chart(ward_charts.compare_areas_chart(areas, title=f"Compare areas: {title}", unit=first["unit"]))
    ui.download(areas, "need-compare-areas", label="Download chart data (CSV)")
ui.suppression_legend(shown)

if f.wards:
    st.subheader("Spine chart: every indicator against the range of wards")
    for code in f.wards[:3]:
        rows = ward_need.spine_rows(frame, code)
        if not rows.empty:
            st.altair_chart(ward_charts.spine_chart(rows, title=rows["ward_name"].iloc[0]))
if len(f.wards) >= 2:
    st.subheader("Chosen wards side by side")
    ui.show_table(ward_need.side_by_side(frame, f.wards), key="need-side-by-side")

st.subheader("Inequality by deprivation")
quintiles = ui.load("indicator_by_deprivation_quintile", indicator_id=indicator_id)
if quintiles is not None and not quintiles.empty:
    by_quintile = ui.protect(ward_need.with_cis(quintiles), groups=[], **WARD_ONLY)
    sii = ward_need.quintile_inequality(by_quintile.frame)
    st.altair_chart(ward_charts.quintile_chart(by_quintile.frame, title=title, unit=first["unit"],
                                               halton=float(first["halton_value"])))
    st.markdown(sii["sentence"] or f"The slope index of inequality cannot be calculated: {sii['reason']}.")
    ui.show_table(by_quintile.display, key="need-quintiles")
    ui.suppression_legend(by_quintile)

st.subheader("Wards ranked by need")
st.caption("Mean need percentile over the IMD score and every outcome indicator with a judgement, among the wards "
           "shown (1 = the worst ward). Service-use measures (screening coverage, diagnosis rates) are left out.")
ui.show_table(ward_need.need_ranking(frame), key="need-ranking")
ui.suppression_legend(protected)
