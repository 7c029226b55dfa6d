"""Charts: every builder's spec follows the readability rules of onehalton/charts.py (plot height, titles inside,
every band labelled, money in £, SVG), is built once per shape, and carries exactly the rows it is given."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from onehalton import charts, spc

MONTHS = pd.to_datetime([date(2023, m, 1) for m in range(1, 13)] + [date(2024, m, 1) for m in range(1, 9)])


def _trend(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": MONTHS[: len(values)],
            "value": values,
            "lower": [v - 0.05 for v in values],
            "upper": [v + 0.05 for v in values],
            "series": ["Halton"] * len(values),
        }
    )


def _bars(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ward_name": [f"Ward {i}" for i in range(len(values))],
            "value": values,
            "lower": [v * 0.9 for v in values],
            "upper": [v * 1.1 for v in values],
            "town": ["Widnes", "Runcorn"] * (len(values) // 2) + ["Widnes"] * (len(values) % 2),
        }
    )


def _spc(values: list[float]) -> charts.Chart:
    result = spc.xmr(pd.Series(values), pd.Series(MONTHS[: len(values)]), polarity="high is good")
    return charts.spc(result.points, kind="pct", title="Uptake", target=0.75, target_label="Target")


def _trajectory(values: list[float]) -> charts.Chart:
    rows = pd.DataFrame(
        {
            "series": "actual",
            "financial_year": "2024/25",
            "fy_month": range(1, 13),
            "fy_month_name": ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"],
            "month_name": "x",
            "uptake": values[:12],
            "low": None,
            "high": None,
            "label": None,
        }
    )
    return charts.trajectory(
        rows, kind="pct", title="Trajectory", current="2024/25", target=0.75, target_label="Ambition"
    )


RECIPES = {
    "trend": lambda values: charts.trend(
        _trend(values),
        x="month",
        y="value",
        kind="pct",
        title="Share",
        lower="lower",
        upper="upper",
        target=0.75,
        target_label="Target",
    ),
    "trend-by-series": lambda values: charts.trend(
        _trend(values),
        x="month",
        y="value",
        kind="rate",
        title="Rate",
        color="series",
        colours=charts.area_colours(["Halton"]),
    ),
    "bar": lambda values: charts.bar(
        _bars(values),
        category="ward_name",
        value="value",
        kind="rate",
        title="Per 1,000",
        lower="lower",
        upper="upper",
        reference=0.5,
    ),
    "bar-by-town": lambda values: charts.bar(
        _bars(values), category="ward_name", value="value", kind="count", title="Appointments", colour_by="town"
    ),
    "spc": _spc,
    "grouped-bar": lambda values: charts.grouped_bar(
        pd.DataFrame(
            {
                "source": ["A", "A", "B", "B"],
                "measure": ["Budget", "Spent"] * 2,
                "amount": [values[0] * 1000, values[1] * 1000, values[2] * 1000, values[3] * 1000],
            }
        ),
        category="source",
        group="measure",
        value="amount",
        kind="gbp",
        title="Spend",
    ),
    "cumulative": lambda values: charts.cumulative(
        pd.DataFrame(
            {
                "fy_month": range(1, 6),
                "name": ["Apr", "May", "Jun", "Jul", "Aug"],
                "actuals": values[:5],
                "cumulative": pd.Series(values[:5]).cumsum(),
            }
        ),
        x="fy_month",
        label="name",
        x_title="Month",
        value=("actuals", "In month"),
        cumulative=("cumulative", "Cumulative"),
        limit=10.0,
        limit_label="Annual budget",
        kind="gbp",
        title="Cumulative",
    ),
    "trajectory": _trajectory,
}
SERIES = [[0.40 + 0.01 * i for i in range(20)], [0.9 - 0.02 * i for i in range(17)]]


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_the_height_asked_for_is_the_plot_and_the_chart_renders_as_svg(recipe):
    spec = RECIPES[recipe](SERIES[0]).spec()
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["height"] >= charts.MIN_PLOT_HEIGHT
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    assert spec["title"]["anchor"] == "start"


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_a_chart_carries_exactly_its_rows(recipe):
    first, second = (RECIPES[recipe](values) for values in SERIES)
    assert first.spec()["datasets"][charts.TABLE] is first.frame
    assert second.spec()["datasets"][charts.TABLE] is second.frame
    records = first.spec_json()["datasets"][charts.TABLE]
    assert len(records) == len(first.frame)
    json.dumps(first.spec_json())  # plain JSON, for the PNG/SVG export


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_a_shape_is_built_once(recipe):
    charts._template.cache_clear()
    first, second = (RECIPES[recipe](values) for values in SERIES)
    first.spec()
    if first.options == second.options:
        second.spec()
        assert charts._template.cache_info().hits >= 1
    assert charts._template.cache_info().misses == 1


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_layers_sharing_an_axis_share_its_title(recipe):
    """Vega-Lite joins the titles of layers on one axis ("%, lower_ci"); each axis must read as one title."""
    spec = RECIPES[recipe](SERIES[0]).spec()
    for channel in ("x", "y"):
        titles = {
            layer["encoding"][channel].get("title", layer["encoding"][channel]["field"])
            for layer in _layers(spec)
            if "field" in layer.get("encoding", {}).get(channel, {})
        }
        assert len(titles) <= 1, f"{recipe}: the {channel} axis would be titled {', '.join(map(str, titles))}"


@pytest.mark.parametrize("recipe", ["grouped-bar", "cumulative"])
def test_money_axes_are_written_in_pounds_with_separators(recipe):
    text = json.dumps(RECIPES[recipe](SERIES[0]).spec_json())
    assert "£,.0f" not in text, "Vega rejects a £ in a d3 format and draws nothing"
    assert "format(abs(datum.value), ',.0f')" in text


@pytest.mark.parametrize("recipe", ["bar", "bar-by-town", "grouped-bar"])
def test_every_bar_is_labelled(recipe):
    chart = RECIPES[recipe](SERIES[0])
    spec = chart.spec()
    axes = [layer["encoding"]["y"]["axis"] for layer in _layers(spec) if "axis" in layer["encoding"].get("y", {})]
    assert axes and all(axis["labelOverlap"] is False for axis in axes)
    rows = chart.frame[[c for c in ("ward_name", "source") if c in chart.frame][0]].nunique()
    assert spec["height"] >= min(charts.BAND_ROW * rows, charts.MIN_PLOT_HEIGHT)


def test_bars_are_ranked_in_the_data():
    chart = RECIPES["bar"]([3.0, 9.0, 1.0, 5.0])
    assert chart.frame["value"].tolist() == [9.0, 5.0, 3.0, 1.0]


def test_halton_is_blue_and_england_grey_whatever_the_order():
    colours = charts.area_colours(["England", "Appleton", "Halton"])
    assert colours == {
        "England": charts.COMPARATOR_COLOUR,
        "Appleton": charts.WARD_COLOUR,
        "Halton": charts.FOCUS_COLOUR,
    }


def test_every_ward_shares_one_trend_template_and_names_its_own_areas():
    """The areas a colour scale maps are the chart's, not its template's: a ward view builds no trend shape anew."""
    from onehalton import sections

    charts._template.cache_clear()
    specs = []
    for ward in ("Appleton", "Windmill Hill"):
        rows = pd.DataFrame(
            {
                "indicator_name": "An indicator",
                "unit": "%",
                "time_period": "2023/24",
                "period_start": pd.Timestamp("2023-04-01"),
                "value": [1.0, 2.0, 3.0],
                "lower_ci": [0.5, 1.5, 2.5],
                "upper_ci": [1.5, 2.5, 3.5],
                "area_name": [ward, "England", "Halton"],
            }
        )
        specs.append(sections.indicator_trend_chart(rows).spec())  # as each ward's indicator block draws it
    assert charts._template.cache_info().misses == 1
    for ward, spec in zip(("Appleton", "Windmill Hill"), specs):
        scales = [layer["encoding"]["color"]["scale"] for layer in _layers(spec) if "color" in layer["encoding"]]
        assert scales and all(scale["domain"] == ["Halton", "England", ward] for scale in scales), scales
        assert all(
            scale["range"] == [charts.FOCUS_COLOUR, charts.COMPARATOR_COLOUR, charts.WARD_COLOUR] for scale in scales
        )
        assert "\\u0000" not in json.dumps(spec, default=str), "a placeholder is left in the spec"


def test_a_target_is_a_labelled_red_line_and_a_comparator_blue():
    spec = RECIPES["trend"](SERIES[0]).spec_json()
    texts = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "text"]
    assert texts and texts[0]["mark"]["color"] == charts.TARGET_COLOUR
    labels = [row["label"] for name, rows in spec["datasets"].items() if name != charts.TABLE for row in rows]
    assert "Target: 75.0%" in labels
    bar = RECIPES["bar"](SERIES[0]).spec_json()
    assert [layer for layer in bar["layer"] if layer.get("mark", {}).get("type") == "rule"][0]["mark"][
        "color"
    ] == charts.NHS_DARK_BLUE


@pytest.mark.parametrize("recipe", ["trend", "bar", "grouped-bar"])
def test_a_chart_exports_as_svg_and_png_with_its_data(recipe):
    from onehalton import chart_export

    chart = RECIPES[recipe](SERIES[0])
    svg = chart_export.to_svg(chart.spec_json()).decode("utf-8")
    assert svg.startswith("<svg")
    assert chart.spec_json()["title"]["text"] in svg or chart.spec_json()["title"]["text"][0] in svg
    assert "£" in svg or recipe != "grouped-bar", "money axes in pounds in the export too"
    png = chart_export.to_png(chart.spec_json())
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
