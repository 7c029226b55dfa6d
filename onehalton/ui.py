"""Everything a page draws: headers and honesty banners, KPI tiles, charts, tables and downloads.

Pages stay thin by calling these. Small-number suppression is applied here, in one place, so a
table, a chart, a tile and a CSV download all show the same protected numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from onehalton import config, db, filters, spc, stats, suppression

# NHS identity colours (NHS England brand guidelines). Improvement/concern follow Making Data
# Count: blue for improvement, orange for concern, grey for common cause; never red/green alone.
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_WARM_YELLOW = "#FFB81C"
NHS_AQUA_GREEN = "#00A499"
NHS_PURPLE = "#330072"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_ORANGE = "#ED8B00"
NHS_PINK = "#AE2573"
NHS_LIGHT_BLUE = "#41B6E6"
SERIES_COLOURS = [NHS_BLUE, NHS_WARM_YELLOW, NHS_AQUA_GREEN, NHS_PURPLE, NHS_PINK, NHS_DARK_GREY, NHS_LIGHT_BLUE,
                  NHS_ORANGE]
AREA_COLOURS = {"England": NHS_DARK_GREY, "Halton": NHS_BLUE}
POINT_COLOURS = {"improvement": NHS_LIGHT_BLUE, "concern": NHS_ORANGE, "neutral": NHS_PURPLE,
                 "common cause": NHS_MID_GREY}
VARIATION_ICONS = {
    "improvement_high": ":material/trending_up:", "improvement_low": ":material/trending_down:",
    "concern_high": ":material/trending_up:", "concern_low": ":material/trending_down:",
    "neutral_high": ":material/trending_up:", "neutral_low": ":material/trending_down:",
    "common_cause": ":material/trending_flat:",
}
ASSURANCE_ICONS = {"Consistently passing": ":material/verified:", "Consistently failing": ":material/error:",
                   "Hit and miss": ":material/swap_vert:"}

FORMATS = {
    "count": lambda v: f"{v:,.0f}",
    "pct": lambda v: f"{v:.1%}",
    "rate": lambda v: f"{v:,.1f}",
    "gbp": lambda v: f"£{v:,.0f}",
    "value": lambda v: f"{v:,.1f}",
}
AXIS_FORMATS = {"count": ",.0f", "pct": ".0%", "rate": ",.1f", "gbp": "£,.0f", "value": ",.1f"}


def _digest(obj) -> bytes:
    """A cache key for a DataFrame or Series from its values, ~5x cheaper than Streamlit's default (pandas'
    hash_pandas_object, column by column: 4-7 ms for a 20-80 row frame with text columns, most of what caching
    the work saves). Equal values give equal keys whatever the memory layout; pickle would not."""
    frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
    digest = hashlib.md5(usedforsecurity=False)
    digest.update(repr((frame.shape, [str(c) for c in frame.columns], [str(t) for t in frame.dtypes])).encode())
    digest.update(repr(frame.index.tolist()).encode())
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        array = values.to_numpy() if values.dtype.kind in "biufcmM" else None
        if array is not None and array.dtype != object:  # object arrays' bytes are pointers, not values
            digest.update(np.ascontiguousarray(array).tobytes())
        else:
            digest.update("\x1f".join(map(repr, values.tolist())).encode())
    return digest.digest()


FAST_HASH = {pd.DataFrame: _digest, pd.Series: _digest}


def fmt(value, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return suppression.SUPPRESSED_LABEL
    return FORMATS[kind](float(value))


# ----------------------------------------------------------------------------------------------
# Page frame


NOTICED = "_noticed_extract_faults"


def page(title: str, intro: str, tables: tuple[str, ...]) -> filters.Filters:
    """Title, the honesty banner and extract notices for the tables this page reads."""
    st.title(title)
    st.caption(intro)
    database = db.database()
    # Extract faults shown on this run, so `load` can name any the page did not declare.
    st.session_state[NOTICED] = set(tables)
    if database.folder_problem:  # every table is unavailable for this one reason: say it once
        st.error(database.folder_problem, icon=":material/folder_off:")
        st.session_state[NOTICED] = set(database.statuses)
        return filters.current()
    synthetic = [database.statuses[t].title for t in tables if t in database.statuses and database.synthetic(t)]
    if synthetic:
        st.info("**Synthetic demo data.** " + ", ".join(synthetic) + (" is" if len(synthetic) == 1 else " are")
                + " generated for demonstration, calibrated to published figures: not real patients or spending. "
                "See *About the data*.", icon=":material/science:")
    if database.manifest_problem:
        st.warning(database.manifest_problem, icon=":material/help:")
    for name in tables:
        status = database.statuses.get(name)
        if status is None:
            continue
        if not status.available:
            st.error(status.summary() + " Everything else on this page still works.", icon=":material/block:")
        elif status.state != "valid":  # rows excluded, or a file of its folder left out
            st.warning(status.summary(), icon=":material/rule:")
    return filters.current()


def load(name: str, **params) -> pd.DataFrame | None:
    """Run a query for the page; on failure say why in the page (the notice above names the extract)."""
    try:
        return db.run_query(name, **params)
    except db.ExtractUnavailable as exc:
        noticed = st.session_state.setdefault(NOTICED, set())
        for status in exc.statuses:
            if status.name not in noticed:
                noticed.add(status.name)
                st.error(status.summary() + " Everything else on this page still works.", icon=":material/block:")
        return None
    except db.QueryError as exc:
        st.error(str(exc), icon=":material/error:")
        return None


def unavailable(what: str) -> None:
    st.info(f"{what} cannot be shown: the data it needs is unavailable (see the notice above).",
            icon=":material/block:")


# ----------------------------------------------------------------------------------------------
# Suppression


@dataclass
class Protected:
    frame: pd.DataFrame  # numeric, suppressed cells NA: for charts and tiles
    display: pd.DataFrame  # labelled, for tables and downloads
    suppressed: int


def protect(frame: pd.DataFrame, *, counts: list[str], derived: dict[str, list[str]] | None = None,
            groups: list[str] | None = None, active: bool = True, rows: pd.Series | None = None) -> Protected:
    """Suppress small ward-level numbers. `active` is False for Halton-wide figures, which are not
    suppressed; `rows` limits suppression to ward rows in a frame that also holds Halton/England."""
    if not active or frame.empty:
        return Protected(frame, frame, 0)
    return _protect(frame, tuple(counts), tuple((k, tuple(v)) for k, v in (derived or {}).items()),
                    None if groups is None else tuple(groups), rows, config.suppression_threshold())


@st.cache_data(show_spinner=False, max_entries=4096, hash_funcs=FAST_HASH)
def _protect(frame: pd.DataFrame, counts: tuple, derived: tuple, groups: tuple | None, rows: pd.Series | None,
             threshold: int) -> Protected:
    """`protect`, once per distinct input: tables, tiles and charts ask for it on every rerun (performance)."""
    return _protect_uncached(frame, counts=list(counts), derived={k: list(v) for k, v in derived},
                             groups=None if groups is None else list(groups), rows=rows, threshold=threshold)


def _protect_uncached(frame: pd.DataFrame, *, counts: list[str], derived: dict[str, list[str]],
                      groups: list[str] | None, rows: pd.Series | None, threshold: int) -> Protected:
    if frame.empty:
        return Protected(frame, frame, 0)
    if rows is not None and not rows.all():
        ward_part = _protect_uncached(frame[rows], counts=counts, derived=derived, groups=groups, rows=None,
                                      threshold=threshold)
        other = frame[~rows]
        numeric = pd.concat([other, ward_part.frame]).loc[frame.index]
        display = pd.concat([other, ward_part.display]).loc[frame.index]
        for column in display.columns:
            values = display[column]
            if values.map(lambda v: isinstance(v, str)).any() and pd.api.types.is_numeric_dtype(frame[column]):
                display[column] = [v if isinstance(v, str) or v is None else
                                   (None if pd.isna(v) else _as_text(v)) for v in values]
        return Protected(numeric, display, ward_part.suppressed)
    result = suppression.suppress(frame, counts=[c for c in counts if c in frame],
                                  derived={k: v for k, v in (derived or {}).items() if k in frame},
                                  groups=groups, threshold=threshold)
    return Protected(result.frame, _display(frame, result), int(result.primary + result.secondary))


def _display(original: pd.DataFrame, result: suppression.Suppressed) -> pd.DataFrame:
    """The labelled frame, typed so tables can still sort and format: columns with a suppressed
    cell become text (Arrow cannot mix numbers and labels); the rest keep their original type."""
    labelled = result.display()
    display = original.copy()
    for column in original.columns:
        if result.mask[column].any():
            display[column] = [_as_text(v) for v in labelled[column]]
    return display


def _as_text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    number = float(value)
    return f"{int(number)}" if number.is_integer() else f"{number:.4f}".rstrip("0").rstrip(".")


def suppression_legend(protected: Protected) -> None:
    if protected.suppressed:
        st.caption(f"{suppression.SUPPRESSED_LABEL} {suppression.SUPPRESSION_LEGEND}")


# ----------------------------------------------------------------------------------------------
# KPI tiles


@dataclass
class Kpi:
    label: str
    frame: pd.DataFrame  # one row per period, in order
    value: str  # column holding the KPI
    kind: str  # a FORMATS key
    polarity: str = "high is good"
    date: str = "month"
    target: float | None = None
    target_label: str | None = None
    help: str | None = None
    # False for measures SPC cannot judge (a year-to-date count that resets every April);
    # `note` then says what stands in its place.
    spc: bool = True
    note: str | None = None
    lower: str | None = None  # columns holding the latest value's 95% confidence limits
    upper: str | None = None


def spc_for(kpi: Kpi, baseline_start=None) -> spc.SpcResult | None:
    series = kpi.frame[[kpi.date, kpi.value]].dropna()
    if len(series) != len(kpi.frame) or series.empty:
        return None  # a suppressed or missing point would make any limits misleading
    return _xmr(series[kpi.value].astype(float).to_numpy(), pd.to_datetime(series[kpi.date]).to_numpy(),
                kpi.polarity, kpi.target, baseline_start)


@st.cache_data(show_spinner=False, max_entries=4096)
def _xmr(values, dates, polarity: str, target: float | None, baseline_start) -> spc.SpcResult:
    """spc.xmr, once per distinct series: every tile on every rerun asks for it (performance)."""
    return spc.xmr(values, dates, polarity=polarity, target=target, baseline_start=baseline_start)


def kpi_tile(kpi: Kpi, *, baseline_start=None) -> None:
    frame = kpi.frame
    with st.container(border=True):
        if frame is None or frame.empty:
            st.metric(kpi.label, "No data", help=kpi.help)
            st.caption("No data for this selection.")
            return
        latest = frame.iloc[-1]
        value = latest[kpi.value]
        previous = frame.iloc[-2][kpi.value] if len(frame) > 1 else None
        delta = None
        if previous is not None and not pd.isna(previous) and not pd.isna(value):
            change = float(value) - float(previous)
            delta = (f"{change * 100:+.1f} pp" if kpi.kind == "pct" else f"{FORMATS[kpi.kind](change)}"
                     if change < 0 else f"+{FORMATS[kpi.kind](change)}")
        colour = {"high is good": "normal", "low is good": "inverse"}.get(kpi.polarity, "off")
        spark = frame[kpi.value].astype(float).tolist()[-24:]
        st.metric(kpi.label, fmt(value, kpi.kind), delta=delta, delta_color=colour, help=kpi.help,
                  chart_data=spark, chart_type="line",
                  delta_description=f"vs {_period_name(frame.iloc[-2][kpi.date])}" if delta else None)
        when = _period_name(latest[kpi.date])
        lines = [when]
        if kpi.lower and kpi.upper and not pd.isna(latest[kpi.lower]) and not pd.isna(latest[kpi.upper]):
            lines.append(f"95% CI {fmt(latest[kpi.lower], kpi.kind)} to {fmt(latest[kpi.upper], kpi.kind)}")
        if kpi.target is not None:
            lines.append(f"Target {fmt(kpi.target, kpi.kind)}" + (f" ({kpi.target_label})" if kpi.target_label else ""))
        st.caption(" · ".join(lines))
        if not kpi.spc:
            st.markdown(kpi.note or "SPC not applicable to this measure.")
            return
        result = spc_for(kpi, baseline_start)
        if result is None:
            st.caption("SPC not shown: some values are suppressed or missing.")
        elif not result.enough_points:
            st.caption(result.variation)
        else:
            icon = VARIATION_ICONS.get(result.variation_icon or "", "")
            text = f"{icon} {result.variation}"
            if result.assurance:
                text += f" · {ASSURANCE_ICONS.get(result.assurance, '')} {result.assurance}"
            st.markdown(text)


def _period_name(value) -> str:
    if isinstance(value, str):
        return value
    stamp = pd.Timestamp(value)
    return f"{stamp:%b %Y}"


def kpi_row(kpis: list[Kpi], baseline_start=None) -> None:
    for column, kpi in zip(st.columns(len(kpis)), kpis):
        with column:
            kpi_tile(kpi, baseline_start=baseline_start)


# ----------------------------------------------------------------------------------------------
# Charts and tables


def _tooltip(field: str, title: str, kind: str) -> alt.Tooltip:
    # Typed, not inferred: charts are built once per shape from a frame with no rows (`_template`).
    return alt.Tooltip(f"{field}:Q", title=title, format=AXIS_FORMATS.get(kind, ""))


class ChartRecipe:
    """An Altair chart held as its builder and inputs, so `draw_chart` builds and validates it once per shape
    (`_template`) rather than on every rerun: Altair validates the whole spec against the Vega-Lite schema each
    time, tens of milliseconds a chart. `chart()` builds it, for tests and inspection."""

    __slots__ = ("builder", "frame", "options")

    def __init__(self, builder: str, frame: pd.DataFrame, options: dict):
        self.builder, self.frame, self.options = builder, frame, tuple(sorted(options.items()))

    def chart(self) -> alt.TopLevelMixin:
        return _BUILDERS[self.builder](self.frame, **dict(self.options))


@st.cache_data(show_spinner=False, max_entries=1024, hash_funcs=FAST_HASH)
def _vega_lite_spec(builder: str, frame: pd.DataFrame, options: tuple) -> dict:
    """The chart's Vega-Lite spec with `frame` as its data, as st.altair_chart would send it.

    Performance: building and validating the Altair chart is most of the cost, and depends only on the
    builder, the options and the frame's columns and types, never on its values. So the chart is built once
    per shape, with no rows (`_template`), and each frame's Arrow bytes take the place of that empty dataset.
    The dataset is named by a hash of its bytes, Streamlit's own naming, so the browser sees new data as new."""
    from streamlit.elements.vega_charts import _to_arrow_dataset

    template, empty_name, other_datasets = _template(builder, frame.iloc[:0], options)
    datasets: dict = {}
    name = _to_arrow_dataset(frame, datasets)["name"]
    spec = json.loads(template.replace(json.dumps(empty_name), json.dumps(name)))
    spec["datasets"] = {**other_datasets, **datasets}
    return spec


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=FAST_HASH)
def _template(builder: str, empty: pd.DataFrame, options: tuple) -> tuple[str, str, dict]:
    """The chart built with no rows: (its spec as JSON without datasets, the name of its empty main dataset,
    the other datasets it carries, such as a target line's one row)."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec, _to_arrow_dataset

    # Streamlit's own conversion, as st.altair_chart does it (data as Arrow datasets, Altair validating the spec).
    spec = _convert_altair_to_vega_lite_spec(_BUILDERS[builder](empty, **dict(options)))
    empty_name = _to_arrow_dataset(empty, {})["name"]
    others = {k: v for k, v in spec.pop("datasets", {}).items() if k != empty_name}
    return json.dumps(spec), empty_name, others


def draw_chart(chart: ChartRecipe) -> None:
    st.vega_lite_chart(spec=_vega_lite_spec(chart.builder, chart.frame, chart.options), width="stretch")


def trend_chart(frame: pd.DataFrame, *, x: str, y: str, kind: str, title: str, color: str | None = None,
                lower: str | None = None, upper: str | None = None, target: float | None = None,
                x_title: str = "Month", y_title: str | None = None, height: int = 280) -> ChartRecipe:
    return ChartRecipe("trend", frame, dict(x=x, y=y, kind=kind, title=title, color=color, lower=lower, upper=upper,
                                            target=target, x_title=x_title, y_title=y_title, height=height))


def bar_chart(frame: pd.DataFrame, *, category: str, value: str, kind: str, title: str,
              lower: str | None = None, upper: str | None = None, reference: float | None = None,
              reference_label: str = "Halton", colour_by: str | None = None, height: int | None = None) -> ChartRecipe:
    return ChartRecipe("bar", frame, dict(category=category, value=value, kind=kind, title=title, lower=lower,
                                          upper=upper, reference=reference, reference_label=reference_label,
                                          colour_by=colour_by, height=height or max(160, 22 * frame[category].nunique())))


def spc_chart(result: spc.SpcResult, *, kind: str, title: str, target: float | None = None) -> ChartRecipe:
    return ChartRecipe("spc", result.points, dict(kind=kind, title=title, target=target))


def _build_trend_chart(frame: pd.DataFrame, *, x: str, y: str, kind: str, title: str, color: str | None = None,
                       lower: str | None = None, upper: str | None = None, target: float | None = None,
                       x_title: str = "Month", y_title: str | None = None, height: int = 280) -> alt.LayerChart:
    base = alt.Chart(frame).encode(x=alt.X(f"{x}:T", title=x_title, axis=alt.Axis(format="%b %Y", labelAngle=0)))
    enc_color = (alt.Color(f"{color}:N", title=None,
                           scale=alt.Scale(range=SERIES_COLOURS), legend=alt.Legend(orient="bottom"))
                 if color else alt.value(NHS_BLUE))
    tips = [alt.Tooltip(f"{x}:T", title=x_title, format="%b %Y")]
    if color:
        tips.append(alt.Tooltip(f"{color}:N", title="Series"))
    tips.append(_tooltip(y, y_title or title, kind))
    layers = []
    if lower and upper:
        tips += [_tooltip(lower, "95% CI lower", kind), _tooltip(upper, "95% CI upper", kind)]
        # The band carries the line's axis title, or Vega-Lite joins the two ("lower_ci, Share").
        layers.append(base.mark_area(opacity=0.18).encode(y=alt.Y(f"{lower}:Q", title=y_title or title),
                                                          y2=f"{upper}:Q", color=enc_color))
    layers.append(base.mark_line(point=True).encode(
        y=alt.Y(f"{y}:Q", title=y_title or title, axis=alt.Axis(format=AXIS_FORMATS.get(kind))),
        color=enc_color, tooltip=tips))
    if target is not None:
        layers.append(alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
            color=NHS_DARK_BLUE, strokeDash=[6, 4]).encode(
            y=alt.Y("target:Q", title=y_title or title), tooltip=[_tooltip("target", "Target", kind)]))
    return alt.layer(*layers).properties(title=title, height=height)


def _build_bar_chart(frame: pd.DataFrame, *, category: str, value: str, kind: str, title: str,
                     lower: str | None = None, upper: str | None = None, reference: float | None = None,
                     reference_label: str = "Halton", colour_by: str | None = None,
                     height: int = 160) -> alt.LayerChart:
    sort = alt.EncodingSortField(field=value, order="descending")
    base = alt.Chart(frame).encode(y=alt.Y(f"{category}:N", sort=sort, title=None))
    tips = [alt.Tooltip(f"{category}:N"), _tooltip(value, title, kind)]
    if lower and upper:
        tips += [_tooltip(lower, "95% CI lower", kind), _tooltip(upper, "95% CI upper", kind)]
    color = (alt.Color(f"{colour_by}:N", title=None, scale=alt.Scale(range=SERIES_COLOURS),
                       legend=alt.Legend(orient="bottom")) if colour_by else alt.value(NHS_BLUE))
    if colour_by:
        tips.append(alt.Tooltip(f"{colour_by}:N"))
    layers = [base.mark_bar().encode(x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(format=AXIS_FORMATS.get(kind))),
                                     color=color, tooltip=tips)]
    if lower and upper:
        # The same axis title as the bars', or Vega-Lite joins the two ("%, lower_ci").
        layers.append(base.mark_errorbar(color=NHS_DARK_GREY).encode(x=alt.X(f"{lower}:Q", title=title),
                                                                      x2=f"{upper}:Q"))
    if reference is not None:
        layers.append(alt.Chart(pd.DataFrame({"ref": [reference], "label": [reference_label]})).mark_rule(
            color=NHS_DARK_BLUE, strokeDash=[6, 4]).encode(
            x=alt.X("ref:Q", title=title), tooltip=[alt.Tooltip("label:N", title="Reference"), _tooltip("ref", "Value", kind)]))
    return alt.layer(*layers).properties(title=title, height=height)


def _build_spc_chart(points: pd.DataFrame, *, kind: str, title: str, target: float | None = None) -> alt.LayerChart:
    points = points.copy()
    base = alt.Chart(points).encode(x=alt.X("date:T", title="Month", axis=alt.Axis(format="%b %Y", labelAngle=0)))
    y_axis = alt.Axis(format=AXIS_FORMATS.get(kind))
    layers = [
        base.mark_line(color=NHS_MID_GREY).encode(y=alt.Y("value:Q", title=title, axis=y_axis,
                                                          scale=alt.Scale(zero=False))),
        base.mark_line(color=NHS_DARK_GREY).encode(y=alt.Y("mean:Q", title=title)),
        base.mark_line(color=NHS_DARK_GREY, strokeDash=[4, 3]).encode(y=alt.Y("upl:Q", title=title)),
        base.mark_line(color=NHS_DARK_GREY, strokeDash=[4, 3]).encode(y=alt.Y("lpl:Q", title=title)),
        base.mark_circle(size=45, opacity=1).encode(
            y=alt.Y("value:Q", title=title),
            color=alt.Color("point_type:N", title="Variation",
                            scale=alt.Scale(domain=list(POINT_COLOURS), range=list(POINT_COLOURS.values())),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("date:T", title="Month", format="%b %Y"), _tooltip("value", title, kind),
                     _tooltip("mean", "Mean", kind), _tooltip("lpl", "Lower process limit", kind),
                     _tooltip("upl", "Upper process limit", kind), alt.Tooltip("point_type:N", title="Variation"),
                     alt.Tooltip("rule:N", title="Special cause rule")]),
    ]
    if target is not None:
        layers.append(alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
            color=NHS_DARK_BLUE, strokeDash=[8, 4], strokeWidth=2).encode(
            y=alt.Y("target:Q", title=title), tooltip=[_tooltip("target", "Target", kind)]))
    return alt.layer(*layers).properties(title=f"{title}: XmR chart", height=300)


def grouped_bar_chart(frame: pd.DataFrame, *, category: str, group: str, value: str, kind: str, title: str,
                      height: int = 260) -> ChartRecipe:
    """Horizontal bars of `value` per `category`, one bar per `group` side by side (spend against budget)."""
    return ChartRecipe("grouped_bar", frame, dict(category=category, group=group, value=value, kind=kind,
                                                  title=title, height=height))


def cumulative_chart(frame: pd.DataFrame, *, x: str, x_title: str, value: tuple[str, str], cumulative: tuple[str, str],
                     limit: tuple[str, str], kind: str, title: str, height: int = 260) -> ChartRecipe:
    """Bars of a running total per period, with a dashed rule at the limit it is measured against. `value`,
    `cumulative` and `limit` are (column, title in the tooltip)."""
    return ChartRecipe("cumulative", frame, dict(x=x, x_title=x_title, value=value, cumulative=cumulative,
                                                 limit=limit, kind=kind, title=title, height=height))


def _build_grouped_bar_chart(frame: pd.DataFrame, *, category: str, group: str, value: str, kind: str, title: str,
                             height: int) -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y(f"{category}:N", title=None), yOffset=f"{group}:N",
        x=alt.X(f"{value}:Q", title=None, axis=alt.Axis(format=AXIS_FORMATS.get(kind))),
        color=alt.Color(f"{group}:N", title=None, scale=alt.Scale(range=SERIES_COLOURS),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{group}:N"), _tooltip(value, "Amount", kind)],
    ).properties(title=title, height=height)


def _build_cumulative_chart(frame: pd.DataFrame, *, x: str, x_title: str, value: tuple[str, str],
                            cumulative: tuple[str, str], limit: tuple[str, str], kind: str, title: str,
                            height: int) -> alt.LayerChart:
    base = alt.Chart(frame).encode(x=alt.X(f"{x}:O", title=x_title))
    return alt.layer(
        base.mark_bar(color=NHS_BLUE).encode(
            y=alt.Y(f"{cumulative[0]}:Q", title=None, axis=alt.Axis(format=AXIS_FORMATS.get(kind))),
            tooltip=[alt.Tooltip(f"{x}:O", title=x_title), _tooltip(*value, kind), _tooltip(*cumulative, kind)]),
        base.mark_rule(color=NHS_DARK_BLUE, strokeDash=[6, 4]).encode(
            y=alt.Y(f"{limit[0]}:Q", title=None), tooltip=[_tooltip(*limit, kind)]),
    ).properties(title=title, height=height)


_BUILDERS = {"trend": _build_trend_chart, "bar": _build_bar_chart, "spc": _build_spc_chart,
             "grouped_bar": _build_grouped_bar_chart, "cumulative": _build_cumulative_chart}


def show_chart(chart: ChartRecipe, data: pd.DataFrame, key: str) -> None:
    """Draw a chart with a download of exactly the data it shows."""
    draw_chart(chart)
    download(data, key, label="Download chart data (CSV)")


def show_table(display: pd.DataFrame, key: str, *, column_config: dict | None = None, height: str | int = "auto") -> None:
    # Headers people can read ("List size", not list_size); the CSV keeps the contract's names.
    headers = {c: str(c).replace("_", " ").capitalize() for c in display.columns}
    st.dataframe(display, hide_index=True, width="stretch", column_config={**headers, **(column_config or {})},
                 height=height)
    download(display, key)


def download(frame: pd.DataFrame, key: str, label: str = "Download table (CSV)") -> None:
    # Performance: the CSV is written when someone clicks, not on every run of every page (deferred data);
    # "ignore" keeps the page as it is rather than rerunning it for a download.
    st.download_button(label, lambda: frame.to_csv(index=False).encode("utf-8"), file_name=f"{key}.csv",
                       mime="text/csv", key=f"download-{key}", icon=":material/download:", on_click="ignore")


def lazy_tabs(labels: list[str], key: str):
    """Tabs that draw only the open one: callers draw a tab's content under `if tab.open:`. Switching tabs
    reruns the page (from cache, quickly) instead of building every tab's charts and tables on every run."""
    return st.tabs(labels, key=f"tabs-{key}", on_change="rerun")


def lazy_expander(label: str, key: str):
    """An expander whose content is drawn only while it is open: callers draw under `if expander.open:`."""
    return st.expander(label, key=f"expander-{key}", on_change="rerun")


def spc_section(kpi: Kpi, *, key: str, baseline_choice: bool = True) -> None:
    """An XmR chart for a KPI with a choice of the date the limits are calculated from."""
    frame = kpi.frame
    if frame is None or frame.empty:
        return
    dates = pd.to_datetime(frame[kpi.date])
    baseline = None
    if baseline_choice and len(frame) >= 30:
        options = ["All points"] + [f"{d:%b %Y}" for d in dates.iloc[:-14]]
        chosen = st.selectbox("Calculate limits from", options, key=f"baseline-{key}",
                              help="Recalculate the mean and limits from a later date, e.g. after the Covid drop.")
        if chosen != "All points":
            baseline = dates.iloc[options.index(chosen) - 1]
    result = spc_for(kpi, baseline)
    if result is None:
        st.caption("SPC chart not shown: some values in this series are suppressed or missing.")
        return
    if not result.enough_points:
        st.caption(f"{result.variation} ({len(frame)} points; Making Data Count needs at least 15).")
        return
    chart = spc_chart(result, kind=kpi.kind, title=kpi.label, target=kpi.target)
    show_chart(chart, result.points, key=f"spc-{key}")


def with_ci(frame: pd.DataFrame, *, count: str, denominator: str, method: str = "wilson",
            multiplier: float = 1.0) -> pd.DataFrame:
    return stats.with_ci(frame, count=count, denominator=denominator, method=method, multiplier=multiplier)
