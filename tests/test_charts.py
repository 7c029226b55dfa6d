"""Charts: the spec `ui.draw_chart` sends is the one Streamlit's st.altair_chart would send for the same Altair
chart, although the chart is built once per shape (columns, types, options) and the data swapped in."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from onehalton import spc, ui

MONTHS = pd.to_datetime([date(2023, m, 1) for m in range(1, 13)] + [date(2024, m, 1) for m in range(1, 9)])


def _trend(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"month": MONTHS[:len(values)], "value": values,
                         "lower": [v - 0.05 for v in values], "upper": [v + 0.05 for v in values],
                         "series": ["Halton"] * len(values)})


def _bars(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"ward_name": [f"Ward {i}" for i in range(len(values))], "value": values,
                         "lower": [v * 0.9 for v in values], "upper": [v * 1.1 for v in values],
                         "town": ["Widnes", "Runcorn"] * (len(values) // 2) + ["Widnes"] * (len(values) % 2)})


def _spc(values: list[float]) -> ui.ChartRecipe:
    result = spc.xmr(pd.Series(values), pd.Series(MONTHS[:len(values)]), polarity="high is good")
    return ui.spc_chart(result, kind="pct", title="Uptake", target=0.75)


RECIPES = {
    "trend": lambda values: ui.trend_chart(_trend(values), x="month", y="value", kind="pct", title="Share",
                                           lower="lower", upper="upper", target=0.75),
    "trend-by-series": lambda values: ui.trend_chart(_trend(values), x="month", y="value", kind="rate",
                                                     title="Rate", color="series"),
    "bar": lambda values: ui.bar_chart(_bars(values), category="ward_name", value="value", kind="rate",
                                       title="Per 1,000", lower="lower", upper="upper", reference=0.5),
    "bar-by-town": lambda values: ui.bar_chart(_bars(values), category="ward_name", value="value", kind="count",
                                               title="Appointments", colour_by="town"),
    "spc": _spc,
    "grouped-bar": lambda values: ui.grouped_bar_chart(
        pd.DataFrame({"source": ["A", "A", "B", "B"], "measure": ["Budget", "Spent"] * 2,
                      "amount": [values[0] * 1000, values[1] * 1000, values[2] * 1000, values[3] * 1000]}),
        category="source", group="measure", value="amount", kind="gbp", title="Spend"),
    "cumulative": lambda values: ui.cumulative_chart(
        pd.DataFrame({"fy_month": range(1, 6), "actuals": values[:5], "cumulative": pd.Series(values[:5]).cumsum(),
                      "budget": [10.0] * 5}),
        x="fy_month", x_title="Month", value=("actuals", "In month"), cumulative=("cumulative", "Cumulative"),
        limit=("budget", "Budget"), kind="gbp", title="Cumulative"),
}
SERIES = [[0.40 + 0.01 * i for i in range(20)], [0.9 - 0.02 * i for i in range(17)]]


@pytest.mark.parametrize("recipe", sorted(RECIPES))
@pytest.mark.parametrize("series", range(len(SERIES)))
def test_a_chart_is_sent_as_streamlit_would_send_it(recipe, series):
    chart = RECIPES[recipe](SERIES[series])
    sent = ui._vega_lite_spec(chart.builder, chart.frame, chart.options)
    direct = _convert_altair_to_vega_lite_spec(chart.chart())
    # Datasets are named by a hash of their Arrow bytes, so equal specs mean equal data too.
    assert sent == direct


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_charts_of_the_same_shape_with_other_data_send_that_data(recipe):
    first, second = (RECIPES[recipe](values) for values in SERIES)
    sent_first = ui._vega_lite_spec(first.builder, first.frame, first.options)
    sent_second = ui._vega_lite_spec(second.builder, second.frame, second.options)
    assert sent_first["datasets"] != sent_second["datasets"]
    assert sent_second["datasets"] == _convert_altair_to_vega_lite_spec(second.chart())["datasets"]


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_layers_sharing_an_axis_share_its_title(recipe):
    """Vega-Lite joins the titles of layers on one axis ("%, lower_ci"); each axis must read as one title."""
    chart = RECIPES[recipe](SERIES[0])
    spec = ui._vega_lite_spec(chart.builder, chart.frame, chart.options)
    for channel in ("x", "y"):
        titles = {layer["encoding"][channel].get("title", layer["encoding"][channel]["field"])
                  for layer in spec.get("layer", [spec]) if "field" in layer.get("encoding", {}).get(channel, {})}
        assert len(titles) <= 1, f"{recipe}: the {channel} axis would be titled {', '.join(map(str, titles))}"
