"""The pack's charts as Vega-Lite specs: the XmR chart of a KPI that needs attention, and the in-year trajectory
of a cumulative KPI. Plain dicts rather than Altair charts: Altair validates a whole spec against the schema
each time it is built, and the pack needs no more than these two shapes."""

from __future__ import annotations

import textwrap

import pandas as pd

from onehalton.board_pack.data import Kpi

# The dashboard's Making Data Count colours (onehalton.icons): orange concern, blue improvement, purple neutral,
# grey common cause; never red and green alone.
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_ORANGE = "#ED8B00"
NHS_LIGHT_BLUE = "#41B6E6"
NHS_PURPLE = "#330072"
NHS_WARM_YELLOW = "#FFB81C"
NHS_AQUA_GREEN = "#00A499"
POINT_COLOURS = {
    "improvement": NHS_LIGHT_BLUE,
    "concern": NHS_ORANGE,
    "neutral": NHS_PURPLE,
    "common cause": NHS_MID_GREY,
}
# One decimal more than the dashboard's axes for percentages: a board pack's XmR chart spans a few points.
AXIS_FORMATS = {"count": ",.0f", "pct": ".1%", "rate": ",.1f", "value": ",.1f"}
WIDTH, HEIGHT = 620, 210


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    out = []
    for record in frame[columns].to_dict("records"):
        out.append(
            {
                k: (
                    f"{pd.Timestamp(v):%Y-%m-%d}"
                    if k in ("date", "month")
                    else None
                    if v is None or pd.isna(v)
                    else v
                    if isinstance(v, str)
                    else float(v)
                )
                for k, v in record.items()
            }
        )
    return out


def _target_layer(kpi: Kpi, name: str) -> dict:
    """The target as a dashed dark-blue rule, labelled at its left end."""
    return {
        "data": {"values": [{"target": kpi.target, "label": f"{name} {kpi.target_text}"}]},
        "layer": [
            {
                "mark": {"type": "rule", "color": NHS_DARK_BLUE, "strokeDash": [8, 4], "strokeWidth": 2},
                "encoding": {"y": {"field": "target", "type": "quantitative"}},
            },
            {
                "mark": {
                    "type": "text",
                    "align": "left",
                    "baseline": "bottom",
                    "dx": 4,
                    "dy": -3,
                    "color": NHS_DARK_BLUE,
                    "fontSize": 11,
                },
                "encoding": {
                    "y": {"field": "target", "type": "quantitative"},
                    "x": {"value": 0},
                    "text": {"field": "label"},
                },
            },
        ],
    }


def xmr_spec(kpi: Kpi) -> dict:
    """The KPI's XmR chart as the dashboard draws it: the values, the mean, the process limits (dashed), each
    point coloured by its Making Data Count type, and the target as a dashed blue rule."""
    r = kpi.result
    points = r.points.copy()
    values = _rows(points, ["date", "value", "mean", "upl", "lpl", "point_type"])
    y_format = AXIS_FORMATS.get(kpi.kind, "")
    shown = [t for t in POINT_COLOURS if t in set(points["point_type"])]  # the legend names only types drawn
    x = {
        "field": "date",
        "type": "temporal",
        "title": "Month",
        "axis": {"format": "%b %Y", "labelAngle": 0, "tickCount": 6, "labelOverlap": "greedy"},
    }

    def line(field: str, colour: str, dash=None, width=1.5) -> dict:
        mark = {"type": "line", "color": colour, "strokeWidth": width}
        if dash:
            mark["strokeDash"] = dash
        return {
            "mark": mark,
            "encoding": {
                "x": x,
                "y": {
                    "field": field,
                    "type": "quantitative",
                    "title": kpi.label,
                    "scale": {"zero": False},
                    "axis": {"format": y_format},
                },
            },
        }

    layers = [
        line("value", NHS_MID_GREY),
        line("mean", NHS_DARK_GREY, width=1.2),
        line("upl", NHS_DARK_GREY, [4, 3], 1.2),
        line("lpl", NHS_DARK_GREY, [4, 3], 1.2),
        {
            "mark": {"type": "circle", "size": 45, "opacity": 1},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "title": kpi.label},
                "color": {
                    "field": "point_type",
                    "type": "nominal",
                    "title": "Variation",
                    "scale": {"domain": shown, "range": [POINT_COLOURS[t] for t in shown]},
                    "legend": {"orient": "bottom"},
                },
            },
        },
    ]
    for rebase in r.rebases:  # where the limits were recalculated, and why
        when = pd.Timestamp(rebase["date"]).strftime("%Y-%m-%d")
        label = f"Limits recalculated: {rebase['reason'] or 'no reason recorded'}"
        layers += [
            {
                "data": {"values": [{"date": when, "label": label}]},
                "mark": {"type": "rule", "color": NHS_DARK_BLUE, "strokeDash": [2, 2], "strokeWidth": 1.5},
                "encoding": {"x": x},
            },
            {
                "data": {"values": [{"date": when, "label": textwrap.wrap(label, 40)}]},
                "mark": {
                    "type": "text",
                    "align": "left",
                    "baseline": "top",
                    "dx": 4,
                    "dy": 2,
                    "color": NHS_DARK_BLUE,
                    "fontSize": 9,
                },
                "encoding": {"x": x, "y": {"value": 0}, "text": {"field": "label"}},
            },
        ]
    if kpi.target is not None:
        layers.append(_target_layer(kpi, "Target"))
    return _page_chart(values, layers, f"{kpi.label}, {kpi.area}: XmR chart")


def _page_chart(values: list[dict], layers: list[dict], title: str) -> dict:
    """A layered chart at the pack's page width, its title at the start and 11 pt text."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": values},
        "layer": layers,
        "width": WIDTH,
        "height": HEIGHT,
        "title": {"text": title, "anchor": "start"},
        "config": {
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 11},
            "legend": {"labelFontSize": 11, "titleFontSize": 11},
        },
    }


def trajectory_spec(kpi: Kpi) -> dict:
    """A cumulative in-year KPI (LD health checks): one line per financial year against the year-end target."""
    frame = kpi.frame.tail(36).assign(financial_year=lambda f: f["financial_year"].astype(str))
    values = _rows(frame.rename(columns={kpi.value: "value"}), ["month", "value", "financial_year"])
    x = {
        "field": "month",
        "type": "temporal",
        "title": "Month",
        "axis": {"format": "%b %Y", "labelAngle": 0, "tickCount": 6, "labelOverlap": "greedy"},
    }
    layers = [
        {
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": "Uptake, year to date",
                    "axis": {"format": AXIS_FORMATS.get(kpi.kind, "")},
                },
                "color": {
                    "field": "financial_year",
                    "type": "nominal",
                    "title": "Financial year",
                    "scale": {"range": [NHS_BLUE, NHS_WARM_YELLOW, NHS_AQUA_GREEN, NHS_PURPLE]},
                    "legend": {"orient": "bottom"},
                },
            },
        }
    ]
    if kpi.target is not None:
        layers.append(_target_layer(kpi, "Year-end target"))
    return _page_chart(values, layers, f"{kpi.label}: in-year trajectory against the year-end target")
