"""Every chart the dashboard draws, as Altair builders, and the one way to put a chart on a page.

A chart is a `Chart`: a builder's name, its options and the frame it shows. `draw` turns it into a Vega-Lite spec
through public APIs only: the builder runs once per shape (builder and options) on `alt.NamedData("table")`, so
Altair's schema validation, tens of milliseconds a chart, is paid once; each draw then hands the frame to
`st.vega_lite_chart` as the named dataset "table", which Streamlit converts to Arrow itself.

Readability rules that every builder follows (each one a defect found in a real browser):
- `autosize: fit-x`: the height asked for is the plot's own height, never the whole chart's (Streamlit's theme
  uses `fit`, which squeezed a 220 px chart into 40 px of plot once its title, axes and legend were placed);
- titles are part of the chart, anchored left, so nothing is clipped above the plot;
- every category on a band axis is labelled (no overlap culling; long names cut with the full name in the tooltip);
- Halton is NHS blue, England and other comparators grey; CI bands and error bars strong enough to see on a
  projector; targets are labelled lines; money axes are written in £ with thousands separators;
- charts render as SVG, so the browser checks can measure what was drawn and the export can write it.
"""

from __future__ import annotations

import functools
import pickle
import textwrap
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from onehalton import formats

# NHS identity colours (NHS England brand guidelines).
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_BRIGHT_BLUE = "#0072CE"
NHS_LIGHT_BLUE = "#41B6E6"
NHS_AQUA_GREEN = "#00A499"
NHS_PURPLE = "#330072"
NHS_PINK = "#AE2573"
NHS_DARK_PINK = "#7C2855"
NHS_WARM_YELLOW = "#FFB81C"
NHS_ORANGE = "#ED8B00"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
# Series other than Halton and England: strong enough to tell apart on a projector.
SERIES_COLOURS = [
    NHS_BLUE,
    NHS_AQUA_GREEN,
    NHS_PINK,
    NHS_PURPLE,
    NHS_ORANGE,
    NHS_DARK_GREY,
    NHS_LIGHT_BLUE,
    NHS_DARK_PINK,
]
FOCUS_COLOUR = NHS_BLUE  # Halton, or the series the chart is about
COMPARATOR_COLOUR = NHS_MID_GREY  # England and other comparators
WARD_COLOUR = NHS_PINK  # a chosen ward, set against Halton's blue
# Making Data Count's point colours: blue improvement, orange concern, purple neutral, grey common cause.
POINT_COLOURS = {
    "improvement": NHS_LIGHT_BLUE,
    "concern": NHS_ORANGE,
    "neutral": NHS_PURPLE,
    "common cause": NHS_MID_GREY,
}

MIN_PLOT_HEIGHT = 200  # px of plot area on every full- or half-width chart (the browser test checks it)
BAND_ROW = 26  # px a bar needs for its label to stay readable
LABEL_LIMIT = 260  # px before a category label is cut (the tooltip keeps it whole)
TABLE = "table"  # the name of each chart's main dataset
AUTOSIZE = {"type": "fit-x", "contains": "padding"}
SVG = {"embedOptions": {"renderer": "svg"}}
PADDING = {"top": 8, "left": 4, "right": 8, "bottom": 4}  # room for the title's ascenders and the last label


@dataclass(frozen=True)
class Chart:
    """A chart to draw: `frame` shown by `builder` with `options` (a sorted tuple of items, so it can key a cache).
    `areas` are the names a colour scale maps, kept out of `options`: a ward's trend then shares its template with
    every other ward's (the names go into the spec's scale domain when it is drawn)."""

    builder: str
    frame: pd.DataFrame
    options: tuple
    areas: tuple = ()

    def spec(self) -> dict:
        """The complete Vega-Lite spec with this chart's rows, as sent to the browser (and to the export)."""
        spec = self._template()
        spec["datasets"] = {**spec.get("datasets", {}), TABLE: self.frame}
        return spec

    def spec_json(self) -> dict:
        """The spec with its rows as JSON records, for tools that read plain Vega-Lite (the PNG/SVG export)."""
        spec = self._template()
        records = self.frame.astype(object).where(self.frame.notna(), None)
        for column in records.columns:
            if pd.api.types.is_datetime64_any_dtype(self.frame[column]):
                records[column] = self.frame[column].dt.strftime("%Y-%m-%d")
        spec["datasets"] = {**spec.get("datasets", {}), TABLE: records.to_dict(orient="records")}
        return spec

    def _template(self) -> dict:
        spec = template(self.builder, self.options)
        if self.areas:
            _name_areas(spec, dict(zip(_placeholders(len(self.areas)), self.areas)))
        return spec


def _placeholders(count: int) -> list[str]:
    return [f"\x00area {i}" for i in range(count)]


def _encodings(node):
    """Every encoding of a spec: its own and its layers', however deep."""
    if isinstance(node, dict):
        if "encoding" in node:
            yield node["encoding"]
        for layer in node.get("layer", []):
            yield from _encodings(layer)


def _name_areas(spec: dict, names: dict[str, str]) -> None:
    """Put the areas' names in place of their placeholders in the domain of every colour scale (_colour_scale)."""
    for encoding in _encodings(spec):
        colour = encoding.get("color")
        scale = colour.get("scale") if isinstance(colour, dict) else None
        if isinstance(scale, dict) and isinstance(scale.get("domain"), list):
            scale["domain"] = [names.get(d, d) for d in scale["domain"]]


def _recipe(builder: str, frame: pd.DataFrame, **options) -> Chart:
    areas = ()
    if options.get("colours"):
        # The colours in the order given, by position: the names are the chart's, the template's are placeholders.
        areas = tuple(options["colours"])
        options["colours"] = dict(zip(_placeholders(len(areas)), options["colours"].values()))
    return Chart(builder, frame, tuple(sorted((k, _frozen(v)) for k, v in options.items())), areas)


def _frozen(value):
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


@functools.lru_cache(maxsize=512)
def _template(builder: str, options: tuple) -> bytes:
    chart = _BUILDERS[builder](**{k: (dict(v) if k in _DICT_OPTIONS and v else v) for k, v in options})
    # Unvalidated: Altair's schema check was a third of a template's build (5.5 of 15 ms, 0.17 s of a cold ward
    # view's 30 templates). The tests validate every spec a page sends instead (conftest.invalid_chart_specs).
    spec = chart.to_dict(validate=False)
    spec["autosize"] = AUTOSIZE
    spec["padding"] = PADDING
    spec["usermeta"] = SVG
    # Kept pickled: each draw needs a copy of its own (st.vega_lite_chart patches a spec's legend titles in place,
    # and the presentation restyles it), and unpickling is about eight times as fast as copy.deepcopy.
    return pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)


_DICT_OPTIONS = {"colours"}


def template(builder: str, options: tuple) -> dict:
    """A fresh copy of the chart's spec without its main rows (built once per shape)."""
    return pickle.loads(_template(builder, options))


def draw(chart: Chart, *, key: str | None = None) -> None:
    st.vega_lite_chart(spec=chart.spec(), width="stretch", key=key)


# ----------------------------------------------------------------------------------------------
# Shared pieces


def _data() -> alt.NamedData:
    return alt.NamedData(TABLE)


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    # Vega never wraps a title: a long one would run off a half-width chart, so it is broken into lines here.
    lines = textwrap.wrap(text, 58) or [""]
    return alt.TitleParams(
        text=lines if len(lines) > 1 else text,
        subtitle=subtitle or "",
        anchor="start",
        offset=10,
        fontSize=15,
        subtitleFontSize=12,
        subtitleColor=NHS_DARK_GREY,
    )


def value_axis(kind: str, title: str | None) -> alt.Axis:
    if kind in formats.LABEL_EXPRESSIONS:
        return alt.Axis(title=title, labelExpr=formats.LABEL_EXPRESSIONS[kind], labelFontSize=12, titleFontSize=12)
    return alt.Axis(title=title, format=formats.AXIS_FORMATS[kind], labelFontSize=12, titleFontSize=12)


def band_axis(title: str | None = None) -> alt.Axis:
    # labelOverlap off: Vega otherwise drops every other label once bars get close, and readers then credit a
    # value to the neighbouring ward.
    return alt.Axis(title=title, labelOverlap=False, labelLimit=LABEL_LIMIT, labelFontSize=12, labelPadding=4)


def tooltip(field: str, title: str, kind: str) -> alt.Tooltip:
    if kind == "gbp":
        return alt.Tooltip(f"{field}:Q", title=f"{title} (£)", format=",.0f")
    return alt.Tooltip(f"{field}:Q", title=title, format=formats.TOOLTIP_FORMATS[kind])


def _colour_scale(colours: dict[str, str] | None) -> alt.Scale:
    if colours:
        return alt.Scale(domain=list(colours), range=list(colours.values()))
    return alt.Scale(range=SERIES_COLOURS)


def area_colours(names) -> dict[str, str]:
    """Halton blue, England grey, each other area (a ward, a PCN) its own strong colour. The legend reads in this
    order: Halton and England first, then the others in the order given, whatever the order of the rows."""
    others = iter([WARD_COLOUR, NHS_AQUA_GREEN, NHS_PURPLE, NHS_ORANGE, NHS_DARK_PINK, NHS_LIGHT_BLUE, NHS_DARK_GREY])
    fixed = {"Halton": FOCUS_COLOUR, "England": COMPARATOR_COLOUR}
    areas = list(dict.fromkeys(str(n) for n in names))
    ordered = [n for n in fixed if n in areas] + [n for n in areas if n not in fixed]
    return {n: fixed.get(n) or next(others, NHS_DARK_GREY) for n in ordered}


TARGET_COLOUR = "#DA291C"  # NHS red: a target must not look like a process limit or a comparator


def _reference_layers(value: float, label: str, kind: str, *, axis: str, title: str) -> list:
    """A dashed line at `value` with its label written beside it, so a target reads without a legend. Targets
    are red, comparators (Halton, a budget) dark blue."""
    colour = TARGET_COLOUR if label.lower().startswith(("target", "ambition", "standard")) else NHS_DARK_BLUE
    data = alt.InlineData(values=[{"ref": float(value), "label": f"{label}: {formats.fmt(value, kind)}"}])
    channel = alt.Y if axis == "y" else alt.X
    rule = (
        alt.Chart(data)
        .mark_rule(color=colour, strokeDash=[6, 4], strokeWidth=2)
        .encode(**{axis: channel("ref:Q", title=title)}, tooltip=[alt.Tooltip("label:N", title="Reference")])
    )
    if axis == "y":
        text = (
            alt.Chart(data)
            .mark_text(align="left", baseline="bottom", dx=4, dy=-3, color=colour, fontWeight="bold", fontSize=12)
            .encode(y=alt.Y("ref:Q", title=title), x=alt.value(0), text="label:N")
        )
    else:
        text = (
            alt.Chart(data)
            .mark_text(align="left", baseline="top", dx=4, dy=2, color=colour, fontWeight="bold", fontSize=12)
            .encode(x=alt.X("ref:Q", title=title), y=alt.value(0), text="label:N")
        )
    return [rule, text]


# ----------------------------------------------------------------------------------------------
# Builders: each returns an Altair chart on the named dataset, from options alone.


def _build_trend(
    *,
    x: str,
    y: str,
    kind: str,
    title: str,
    subtitle: str | None,
    x_title: str,
    y_title: str | None,
    x_type: str,
    x_sort: str | None,
    color: str | None,
    colours: dict | None,
    lower: str | None,
    upper: str | None,
    target: float | None,
    target_label: str | None,
    height: int,
):
    if x_type == "T":
        x_enc = alt.X(f"{x}:T", title=x_title, axis=alt.Axis(format="%b %Y", labelAngle=0, labelFontSize=12))
        x_tip = alt.Tooltip(f"{x}:T", title=x_title, format="%b %Y")
    else:  # an indicator's own periods ("2024/25", "2022–24"), in time order
        sort = alt.EncodingSortField(field=x_sort, op="min") if x_sort else "ascending"
        x_enc = alt.X(f"{x}:O", title=x_title, sort=sort, axis=alt.Axis(labelAngle=0, labelFontSize=12))
        x_tip = alt.Tooltip(f"{x}:N", title=x_title)
    base = alt.Chart(_data()).encode(x=x_enc)
    colour = (
        alt.Color(
            f"{color}:N",
            title=None,
            scale=_colour_scale(colours),
            legend=alt.Legend(
                orient="top", labelFontSize=12, symbolType="stroke", symbolStrokeWidth=4, symbolOpacity=1
            ),
        )
        if color
        else alt.value(FOCUS_COLOUR)
    )
    y_name = y_title or title
    tips = [x_tip] + ([alt.Tooltip(f"{color}:N", title="Area")] if color else []) + [tooltip(y, y_name, kind)]
    layers = []
    if lower and upper:
        tips += [tooltip(lower, "95% CI lower", kind), tooltip(upper, "95% CI upper", kind)]
        # The band carries the line's axis title, or Vega-Lite joins the two ("lower_ci, Share").
        layers.append(
            base.mark_area(opacity=0.28).encode(y=alt.Y(f"{lower}:Q", title=y_name), y2=f"{upper}:Q", color=colour)
        )
    layers.append(
        base.mark_line(point=alt.OverlayMarkDef(size=40), strokeWidth=2.5).encode(
            y=alt.Y(f"{y}:Q", title=y_name, axis=value_axis(kind, y_name), scale=alt.Scale(zero=False)),
            color=colour,
            tooltip=tips,
        )
    )
    if target is not None:
        layers += _reference_layers(target, target_label or "Target", kind, axis="y", title=y_name)
    return alt.layer(*layers).properties(title=_title(title, subtitle), height=height)


def _build_bar(
    *,
    category: str,
    value: str,
    kind: str,
    title: str,
    subtitle: str | None,
    value_title: str | None,
    lower: str | None,
    upper: str | None,
    reference: float | None,
    reference_label: str,
    colour_by: str | None,
    colours: dict | None,
    highlight: str | None,
    rows: int,
):
    base = alt.Chart(_data()).encode(y=alt.Y(f"{category}:N", sort=None, title=None, axis=band_axis()))
    axis_title = value_title or title
    tips = [alt.Tooltip(f"{category}:N", title="Name"), tooltip(value, axis_title, kind)]
    if lower and upper:
        tips += [tooltip(lower, "95% CI lower", kind), tooltip(upper, "95% CI upper", kind)]
    if colour_by:
        colour = alt.Color(
            f"{colour_by}:N",
            title=None,
            scale=_colour_scale(colours),
            legend=alt.Legend(orient="top", labelFontSize=12, labelLimit=400),
        )
        tips.append(alt.Tooltip(f"{colour_by}:N", title="Group"))
    elif highlight:  # the chosen wards stand out; the rest stay one colour
        colour = alt.condition(f"datum['{highlight}']", alt.value(WARD_COLOUR), alt.value(FOCUS_COLOUR))
    else:
        colour = alt.value(FOCUS_COLOUR)
    layers = [
        base.mark_bar().encode(
            x=alt.X(f"{value}:Q", title=axis_title, axis=value_axis(kind, axis_title)), color=colour, tooltip=tips
        )
    ]
    if lower and upper:
        layers.append(
            base.mark_errorbar(color=NHS_DARK_GREY, thickness=2, ticks=True).encode(
                x=alt.X(f"{lower}:Q", title=axis_title), x2=f"{upper}:Q"
            )
        )
    # A hidden value keeps its row, labelled, so a suppressed ward reads as suppressed rather than missing.
    layers.append(
        base.transform_filter(f"!isValid(datum['{value}'])")
        .mark_text(align="left", dx=4, color=NHS_DARK_GREY, fontSize=12, fontStyle="italic")
        .encode(x=alt.datum(0), text=alt.value(f"{formats.SUPPRESSED} hidden (small numbers)"))
    )
    if reference is not None:
        layers += _reference_layers(reference, reference_label, kind, axis="x", title=axis_title)
    height = max(MIN_PLOT_HEIGHT, BAND_ROW * rows)
    return alt.layer(*layers).properties(title=_title(title, subtitle), height=height)


REBASE_COLOUR = NHS_DARK_BLUE
REBASE_LABEL_WIDTH = 34  # characters a line of a rebase's label holds before it wraps


def _rebase_layers(rebases: tuple) -> list:
    """A vertical rule at each recalculation of the limits, its reason written beside it (wrapped) and in its
    tooltip: Making Data Count asks that a rebase says why."""
    if not rebases:
        return []
    values = [
        {
            "date": when,
            "reason": why,
            # The label names the reason's first clause, so it stays clear of the points; the tooltip and the
            # caption under the chart give it whole.
            "label": "\n".join(textwrap.wrap(f"Limits recalculated: {why.split(':')[0]}", REBASE_LABEL_WIDTH)),
        }
        for when, why in rebases
    ]
    data = alt.InlineData(values=values)
    x = alt.X("date:T", title="Month")
    rule = (
        alt.Chart(data)
        .mark_rule(color=REBASE_COLOUR, strokeWidth=2, strokeDash=[2, 2])
        .encode(
            x=x,
            tooltip=[
                alt.Tooltip("date:T", title="Limits recalculated from", format="%b %Y"),
                alt.Tooltip("reason:N", title="Why"),
            ],
        )
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", baseline="top", dx=5, dy=4, color=REBASE_COLOUR, fontSize=11, lineBreak="\n")
        .encode(x=x, y=alt.value(0), text="label:N")
    )
    return [rule, text]


def _build_spc(
    *,
    kind: str,
    title: str,
    subtitle: str | None,
    target: float | None,
    target_label: str | None,
    rebases: tuple = (),
):
    base = alt.Chart(_data()).encode(
        x=alt.X("date:T", title="Month", axis=alt.Axis(format="%b %Y", labelAngle=0, labelFontSize=12))
    )
    # Each segment's mean and limits are drawn apart, so a recalculation reads as a step, not a slope.
    segment = alt.Detail("segment:N")
    layers = [
        base.mark_line(color=NHS_MID_GREY, strokeWidth=1.5).encode(
            y=alt.Y("value:Q", title=None, axis=value_axis(kind, None), scale=alt.Scale(zero=False))
        ),
        base.mark_line(color=NHS_DARK_GREY, strokeWidth=1.5).encode(y=alt.Y("mean:Q", title=None), detail=segment),
        base.mark_line(color=NHS_DARK_GREY, strokeDash=[4, 3]).encode(y=alt.Y("upl:Q", title=None), detail=segment),
        base.mark_line(color=NHS_DARK_GREY, strokeDash=[4, 3]).encode(y=alt.Y("lpl:Q", title=None), detail=segment),
        base.mark_circle(size=55, opacity=1).encode(
            y=alt.Y("value:Q", title=None),
            color=alt.Color(
                "point_type:N",
                title="Variation",
                scale=alt.Scale(domain=list(POINT_COLOURS), range=list(POINT_COLOURS.values())),
                legend=alt.Legend(orient="top", labelFontSize=12),
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Month", format="%b %Y"),
                tooltip("value", title, kind),
                tooltip("mean", "Mean", kind),
                tooltip("lpl", "Lower process limit", kind),
                tooltip("upl", "Upper process limit", kind),
                alt.Tooltip("point_type:N", title="Variation"),
                alt.Tooltip("rule:N", title="Special cause rule"),
            ],
        ),
    ]
    layers += _rebase_layers(rebases)
    if target is not None:
        layers += _reference_layers(target, target_label or "Target", kind, axis="y", title=None)
    return alt.layer(*layers).properties(
        title=_title(title, subtitle or "XmR chart: mean and process limits"), height=260
    )


def _build_grouped_bar(
    *, category: str, group: str, value: str, kind: str, title: str, subtitle: str | None, rows: int
):
    return (
        alt.Chart(_data())
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=None, axis=band_axis()),
            yOffset=alt.YOffset(f"{group}:N"),
            x=alt.X(f"{value}:Q", title=None, axis=value_axis(kind, None)),
            color=alt.Color(
                f"{group}:N",
                title=None,
                scale=alt.Scale(range=[NHS_MID_GREY, NHS_BLUE, NHS_AQUA_GREEN]),
                legend=alt.Legend(orient="top", labelFontSize=12),
            ),
            tooltip=[
                alt.Tooltip(f"{category}:N", title="Funding source"),
                alt.Tooltip(f"{group}:N", title="Measure"),
                tooltip(value, "Amount", kind),
            ],
        )
        .properties(title=_title(title, subtitle), height=max(MIN_PLOT_HEIGHT, rows * 3 * 14))
    )


def _build_cumulative(
    *,
    x: str,
    x_title: str,
    label: str,
    value: tuple,
    cumulative: tuple,
    limit: float,
    limit_label: str,
    kind: str,
    title: str,
    subtitle: str | None,
):
    base = alt.Chart(_data()).encode(
        x=alt.X(
            f"{label}:O", title=x_title, sort=alt.EncodingSortField(x), axis=alt.Axis(labelAngle=0, labelFontSize=12)
        )
    )
    bars = base.mark_bar(color=NHS_BLUE).encode(
        y=alt.Y(f"{cumulative[0]}:Q", title=None, axis=value_axis(kind, None)),
        tooltip=[alt.Tooltip(f"{label}:N", title=x_title), tooltip(*value, kind), tooltip(*cumulative, kind)],
    )
    return alt.layer(bars, *_reference_layers(limit, limit_label, kind, axis="y", title=None)).properties(
        title=_title(title, subtitle), height=MIN_PLOT_HEIGHT + 40
    )


TRAJECTORY_COLOURS = [NHS_PALE_GREY, "#AEB7BD", NHS_MID_GREY, NHS_DARK_GREY, NHS_BLUE]  # oldest to this year


def _build_trajectory(
    *,
    kind: str,
    title: str,
    subtitle: str | None,
    target: float | None,
    target_label: str | None,
    current: str,
    years: tuple = (),
):
    """Cumulative in-year uptake, April to March on x, one line per financial year, this year emphasised, and the
    projected year end with its range."""
    months = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
    x = alt.X(
        "fy_month_name:O",
        title="Month of the financial year",
        sort=months,
        scale=alt.Scale(domain=months),
        axis=alt.Axis(labelAngle=0, labelFontSize=12),
    )
    lines = (
        alt.Chart(_data())
        .transform_filter("datum.series == 'actual'")
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(
                "uptake:Q",
                title="Uptake, year to date",
                axis=value_axis(kind, "Uptake, year to date"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(
                "financial_year:N",
                title=None,
                # The years shown take the darkest greys, and this year the blue, however few there are (with
                # two years, the current one was drawn in the second-palest grey).
                scale=alt.Scale(domain=list(years), range=TRAJECTORY_COLOURS[-len(years) :])
                if years
                else alt.Scale(range=TRAJECTORY_COLOURS),
                legend=alt.Legend(orient="top", labelFontSize=12),
            ),
            strokeWidth=alt.condition(f"datum.financial_year == '{current}'", alt.value(4), alt.value(1.5)),
            tooltip=[
                alt.Tooltip("financial_year:N", title="Year"),
                alt.Tooltip("month_name:N", title="Month"),
                tooltip("uptake", "Uptake", kind),
            ],
        )
    )
    projection = alt.Chart(_data()).transform_filter("datum.series == 'projection'")
    y = alt.Y("uptake:Q", title="Uptake, year to date")
    layers = [
        lines,
        projection.mark_line(strokeDash=[3, 3], color=NHS_BLUE, strokeWidth=2).encode(x=x, y=y),
        projection.transform_filter("datum.low != null")
        .mark_errorbar(color=NHS_BLUE, thickness=2, ticks=True)
        .encode(x=x, y=alt.Y("low:Q", title="Uptake, year to date"), y2="high:Q"),
        projection.transform_filter("datum.low != null")
        .mark_point(shape="diamond", size=110, filled=True, color=NHS_BLUE)
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("label:N", title="Projection"),
                tooltip("uptake", "Projected", kind),
                tooltip("low", "Range low", kind),
                tooltip("high", "Range high", kind),
            ],
        ),
    ]
    if target is not None:
        layers += _reference_layers(target, target_label or "Ambition", kind, axis="y", title="Uptake, year to date")
    return alt.layer(*layers).properties(title=_title(title, subtitle), height=MIN_PLOT_HEIGHT + 40)


_BUILDERS = {
    "trend": _build_trend,
    "bar": _build_bar,
    "spc": _build_spc,
    "grouped_bar": _build_grouped_bar,
    "cumulative": _build_cumulative,
    "trajectory": _build_trajectory,
}


# ----------------------------------------------------------------------------------------------
# What pages call: a recipe per chart shape.


def trend(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    kind: str,
    title: str,
    subtitle: str | None = None,
    x_title: str = "Month",
    y_title: str | None = None,
    x_type: str = "T",
    x_sort: str | None = None,
    color: str | None = None,
    colours: dict | None = None,
    lower: str | None = None,
    upper: str | None = None,
    target: float | None = None,
    target_label: str | None = None,
    height: int = 240,
) -> Chart:
    return _recipe(
        "trend",
        frame,
        x=x,
        y=y,
        kind=kind,
        title=title,
        subtitle=subtitle,
        x_title=x_title,
        y_title=y_title,
        x_type=x_type,
        x_sort=x_sort,
        color=color,
        colours=colours,
        lower=lower,
        upper=upper,
        target=target,
        target_label=target_label,
        height=max(MIN_PLOT_HEIGHT, height),
    )


def bar(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    kind: str,
    title: str,
    subtitle: str | None = None,
    value_title: str | None = None,
    lower: str | None = None,
    upper: str | None = None,
    reference: float | None = None,
    reference_label: str = "Halton",
    colour_by: str | None = None,
    colours: dict | None = None,
    highlight: str | None = None,
) -> Chart:
    rows = int(frame[category].nunique())
    # Ranked in the data, not by the encoding: Vega-Lite drops a sort it cannot share across layers (the error bars).
    ranked = frame.sort_values(value, ascending=False, na_position="last", kind="stable")
    return _recipe(
        "bar",
        ranked,
        category=category,
        value=value,
        kind=kind,
        title=title,
        subtitle=subtitle,
        value_title=value_title,
        lower=lower,
        upper=upper,
        reference=reference,
        reference_label=reference_label,
        colour_by=colour_by,
        colours=colours,
        highlight=highlight,
        rows=max(rows, 1),
    )


def spc(
    points: pd.DataFrame,
    *,
    kind: str,
    title: str,
    subtitle: str | None = None,
    target: float | None = None,
    target_label: str | None = None,
    rebases=(),
) -> Chart:
    """An XmR chart of `points` (spc.SpcResult.points). `rebases`: SpcResult.rebases (or (date, reason) pairs),
    each drawn as a labelled vertical rule where the limits were recalculated."""
    pairs = tuple(
        (pd.Timestamp(r["date"]).strftime("%Y-%m-%d"), r["reason"] or "no reason recorded")
        if isinstance(r, dict)
        else (pd.Timestamp(r[0]).strftime("%Y-%m-%d"), str(r[1]))
        for r in rebases
    )
    return _recipe(
        "spc",
        points,
        kind=kind,
        title=title,
        subtitle=subtitle,
        target=target,
        target_label=target_label,
        rebases=pairs,
    )


def grouped_bar(
    frame: pd.DataFrame, *, category: str, group: str, value: str, kind: str, title: str, subtitle: str | None = None
) -> Chart:
    """Horizontal bars of `value` per `category`, one bar per `group` side by side (spend against budget)."""
    return _recipe(
        "grouped_bar",
        frame,
        category=category,
        group=group,
        value=value,
        kind=kind,
        title=title,
        subtitle=subtitle,
        rows=max(int(frame[category].nunique()), 1),
    )


def cumulative(
    frame: pd.DataFrame,
    *,
    x: str,
    label: str,
    x_title: str,
    value: tuple[str, str],
    cumulative: tuple[str, str],
    limit: float,
    limit_label: str,
    kind: str,
    title: str,
    subtitle: str | None = None,
) -> Chart:
    """Bars of a running total per period, with a labelled dashed line at the limit it is measured against."""
    return _recipe(
        "cumulative",
        frame,
        x=x,
        label=label,
        x_title=x_title,
        value=tuple(value),
        cumulative=tuple(cumulative),
        limit=float(limit),
        limit_label=limit_label,
        kind=kind,
        title=title,
        subtitle=subtitle,
    )


def trajectory(
    frame: pd.DataFrame,
    *,
    kind: str,
    title: str,
    current: str,
    subtitle: str | None = None,
    target: float | None = None,
    target_label: str | None = None,
) -> Chart:
    actual = frame[frame["series"] == "actual"] if "series" in frame else frame
    years = tuple(sorted(str(y) for y in actual["financial_year"].dropna().unique()))[-len(TRAJECTORY_COLOURS) :]
    return _recipe(
        "trajectory",
        frame,
        kind=kind,
        title=title,
        subtitle=subtitle,
        target=target,
        target_label=target_label,
        current=current,
        years=years,
    )


def draw_altair(chart: alt.TopLevelMixin, *, key: str | None = None, **selection):
    """A chart built by hand in Altair (the ward map, with its click selection), under the same readability rules
    as the recipes: plot height as asked, title inside, SVG. `selection`: st.vega_lite_chart's on_select and
    selection_mode."""
    spec = chart.to_dict(validate=False)  # as _template: validated in the tests, not on every render
    spec.update(autosize=AUTOSIZE, padding=PADDING, usermeta=SVG)
    return st.vega_lite_chart(spec=spec, width="stretch", key=key, **selection)


# ----------------------------------------------------------------------------------------------
# Presentation mode: the same charts, with type a room can read from the back.

PRESENT_FONT = 24  # px: the smallest text on a presentation screen (tests/test_presentation_browser.py checks it)
_FONT_KEYS = ("fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize")
_PRESENT_CONFIG = {
    "axis": {"labelFontSize": PRESENT_FONT, "titleFontSize": PRESENT_FONT, "titleFontWeight": "normal"},
    "legend": {"labelFontSize": PRESENT_FONT, "titleFontSize": PRESENT_FONT, "symbolSize": 260, "labelLimit": 420},
    "title": {"fontSize": PRESENT_FONT + 2, "subtitleFontSize": PRESENT_FONT},
    "text": {"fontSize": PRESENT_FONT},
}


def _enlarged(node):
    """Every font size in a spec raised to at least PRESENT_FONT (the rows themselves are left alone)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("datasets", "data", "values"):
                out[key] = value
            elif key in _FONT_KEYS and isinstance(value, (int, float)):
                out[key] = max(value, PRESENT_FONT)
            elif key == "size" and isinstance(value, (int, float)) and node.get("type") in ("circle", "point"):
                out[key] = max(value, 140)  # points a projector shows
            else:
                out[key] = _enlarged(value)
        return out
    if isinstance(node, list):
        return [_enlarged(v) for v in node]
    return node


PRESENT_CHAR_PX = 14  # px a character of a 24 px label takes, with room to spare (Source Sans)
PRESENT_BAND_ROOM = 640  # px of x axis a chart beside the KPI's figures has at 1280x720, about


def _turn_crowded_labels(spec: dict, frame: pd.DataFrame) -> None:
    """Keep every label of a band x axis (periods, months), turned when at 24 px they would not fit side by side:
    Vega would otherwise drop every other one, and a period would go unnamed."""
    for encoding in _encodings(spec):
        x = encoding.get("x")
        if not isinstance(x, dict) or x.get("type") not in ("ordinal", "nominal") or x.get("field") not in frame:
            continue
        labels = frame[x["field"]].dropna().astype(str).unique()
        needed = sum(len(label) * PRESENT_CHAR_PX + 16 for label in labels)
        axis = {**(x.get("axis") or {}), "labelOverlap": False}  # every period named, as on the pages
        if len(labels) and needed > PRESENT_BAND_ROOM:
            axis["labelAngle"] = -40
        x["axis"] = axis


def presentation_spec(chart: Chart, *, height: int, title: str | None = None) -> dict:
    """The chart's spec for a presentation screen: every text at least PRESENT_FONT px, the plot `height` px tall,
    and `title` in place of its own (None: no title; the screen's heading names what it shows)."""
    spec = chart.spec()
    rows = spec.pop("datasets")
    spec = _enlarged(spec)
    spec["datasets"] = rows
    _turn_crowded_labels(spec, chart.frame)
    spec["height"] = height
    if title:
        spec["title"] = {"text": title, "anchor": "start", "offset": 8, "fontSize": PRESENT_FONT + 2}
    else:
        spec.pop("title", None)
    config = spec.setdefault("config", {})
    for part, values in _PRESENT_CONFIG.items():
        config[part] = {**config.get(part, {}), **values}
    return spec


def draw_presentation(chart: Chart, *, height: int, title: str | None = None, key: str | None = None) -> None:
    st.vega_lite_chart(spec=presentation_spec(chart, height=height, title=title), width="stretch", key=key)
