"""Negative controls for tests/browser_checks.py: a page with one of each defect the checks must catch, served by
tests/test_browser.py. Each defect is one the dashboard really had (see issue 8)."""

import sys
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

defect = st.query_params.get("defect", "")
frame = pd.DataFrame({"ward": [f"Ward with a long name {i}" for i in range(30)], "value": range(30)})
points = pd.DataFrame({"x": range(10), "y": range(10)})

if defect == "short":  # the height asked for taken as the whole chart: a sliver of plot
    st.vega_lite_chart(
        points,
        {
            "mark": "line",
            "height": 60,
            "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}},
            "usermeta": {"embedOptions": {"renderer": "svg"}},
        },
        width="stretch",
    )
elif defect == "every-other-label":  # Vega's default overlap culling on 30 close bars
    chart = alt.Chart(frame).mark_bar().encode(y="ward:N", x="value:Q").properties(height=220)
    spec = chart.to_dict()
    spec["usermeta"] = {"embedOptions": {"renderer": "svg"}}
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    st.vega_lite_chart(spec=spec, width="stretch")
elif defect == "bad-format":  # the Budget's blank charts: a format Vega rejects
    st.vega_lite_chart(
        points,
        {
            "mark": "bar",
            "height": 240,
            "encoding": {
                "x": {"field": "x", "type": "ordinal"},
                "y": {"field": "y", "type": "quantitative", "axis": {"format": "£,.0f"}},
            },
            "usermeta": {"embedOptions": {"renderer": "svg"}},
        },
        width="stretch",
    )
elif defect == "clipped-title":  # a title pushed out above the plot
    st.vega_lite_chart(
        points,
        {
            "mark": "line",
            "height": 240,
            "title": {"text": "A title out of view", "dy": -400},
            "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}},
            "usermeta": {"embedOptions": {"renderer": "svg"}},
        },
        width="stretch",
    )
elif defect == "no-marks":  # axes and no marks: a chart whose data never arrived
    st.vega_lite_chart(
        spec={
            "data": {"name": "missing"},
            "mark": "line",
            "height": 240,
            "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}},
            "usermeta": {"embedOptions": {"renderer": "svg"}},
        },
        width="stretch",
    )
elif defect == "external":  # a favicon or font fetched from a host other than the dashboard's
    st.html('<img src="https://fonts.example.invalid/favicon.png" alt="">')
elif defect == "below-the-fold":  # a KPI row pushed off the first screen
    st.html(
        '<div style="height:1200px"></div><table><tr data-kpi="late"><td class="oh-name">Late</td>'
        '<td class="oh-value">1</td></tr></table>'
    )
elif defect == "small-text":  # presentation mode's type floor: a caption left at 14 px
    st.html('<p style="font-size:14px">Fourteen pixel text</p>')
elif defect == "small-chart-text":  # a chart's axis labels left at Vega's 12 px on a presentation screen
    st.vega_lite_chart(
        points,
        {
            "mark": "line",
            "height": 240,
            "encoding": {
                "x": {"field": "x", "type": "quantitative", "axis": {"labelFontSize": 12, "title": None}},
                "y": {"field": "y", "type": "quantitative", "axis": {"labelFontSize": 30, "title": None}},
            },
            "usermeta": {"embedOptions": {"renderer": "svg"}},
        },
        width="stretch",
    )
elif defect == "too-tall":  # a presentation screen that needs scrolling
    st.html('<div style="height:2000px;font-size:24px">A screen taller than the window</div>')
st.write("control page drawn")
