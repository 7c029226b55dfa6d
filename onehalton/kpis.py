"""Headline KPIs worked out, apart from drawing: the latest value and period, the change, the target, Making Data
Count's variation and assurance, the verdict in words, whether it needs attention, and the tone its colours take.

Pure (pandas, spc, stats; no Streamlit), so each verdict is written once and tested, and tiles, the Overview's
board summary and the board pack all read the same `Headline`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from onehalton import formats, measures, spc, stats
from onehalton.measures import Measure

IMPROVEMENT, CONCERN, NEUTRAL = "improvement", "concern", "neutral"
# A tile's colour follows its verdict (Making Data Count): blue improvement, orange concern, grey otherwise.
TONE_COLOURS = {IMPROVEMENT: "blue", CONCERN: "orange", NEUTRAL: "gray"}
SPARK_POINTS = 24


@dataclass(frozen=True)
class Headline:
    key: str  # unique on a page: the anchor a link jumps to
    label: str
    measure: Measure
    value: float | None
    value_text: str
    period_text: str
    change_text: str | None
    previous_period: str | None
    ci_text: str | None
    target: float | None
    target_text: str | None
    variation_icon: str | None  # spc.SpcResult.variation_icon, or None where SPC does not apply
    assurance_icon: str | None
    variation_reason: str  # what stands where there is no variation icon
    verdict: str  # in a few words
    attention: str | None  # why it needs attention; None when it does not
    tone: str
    spark: tuple[float, ...] = field(default=())
    scope: str = "Halton"  # the area the figure is for; "Halton-wide" when the ward filter does not change it
    page: str = ""  # the page (navigation slug) and section that explain it
    section: str = ""
    group: str = ""  # a tag shown beside the label on the board summary (the life-course domain)
    trend: str = ""  # Fingertips' recent trend in words (stats.recent_trend), for indicators that have a series
    indicator_id: int | None = None  # the Fingertips ID, for a public-health indicator's headline

    @property
    def colour(self) -> str:
        return TONE_COLOURS[self.tone]


def target_on(table: pd.DataFrame | None, kpi_code: str | None, on) -> tuple[float | None, str | None]:
    """The target in force on a date: the latest that took effect on or before it."""
    if table is None or table.empty or kpi_code is None:
        return None, None
    rows = table[(table["kpi_code"] == kpi_code) & (pd.to_datetime(table["effective_from"]) <= pd.Timestamp(on))]
    if rows.empty:
        return None, None
    row = rows.sort_values("effective_from").iloc[-1]
    return float(row["target_value"]), str(row["label"])


CHOSEN_REBASE = "chosen on screen (Calculate limits from)"


def spc_rebases(value: str, dates: pd.Series, chosen=None) -> dict[pd.Timestamp, str] | None:
    """The recalculations of the limits for a series of measure `value` over `dates`: the measure's registered
    ones (measures.Measure.rebases) that fall inside the series, and the one chosen on screen (`chosen`, a date or
    None), each with its reason. None when there are none."""
    when = pd.to_datetime(dates)
    if when.empty:
        return None
    first, last = when.min(), when.max()
    out = {d: why for d, why in measures.rebases(value).items() if first < d <= last}
    if chosen is not None:
        chosen = pd.Timestamp(chosen)
        out[chosen] = out.get(chosen, CHOSEN_REBASE)
    return out or None


def xmr_for(
    frame: pd.DataFrame, value: str, date_column: str, polarity: str, target: float | None, baseline_start=None
) -> spc.SpcResult | None:
    """The XmR chart of column `value`, recalculated where its measure says the process changed (and from
    `baseline_start` when one is chosen on screen); None when a point is suppressed or missing."""
    # Column by column in numpy: selecting and dropping on the frame cost more than the cached limits saved.
    values = frame[value].to_numpy(dtype=float, na_value=np.nan)
    dates = pd.DatetimeIndex(pd.to_datetime(frame[date_column]))
    if not len(values) or np.isnan(values).any() or dates.hasnans:
        return None  # a suppressed or missing point would make any limits misleading
    rebases = spc_rebases(value, dates, baseline_start)
    return _xmr(
        values.tobytes(),
        dates.to_numpy().astype("datetime64[ns]").tobytes(),
        polarity,
        target,
        tuple(sorted(rebases.items())) if rebases else None,
    )


# Every rerun of a page judges the same series again: about a quarter of a warm Living Well rerun went on XmR
# limits it had already worked out. Keyed by the series' own values (bytes), so a changed point is a new entry;
# results are shared between sessions and read, never changed.
@functools.lru_cache(maxsize=4096)
def _xmr(values: bytes, dates: bytes, polarity: str, target: float | None, rebases: tuple | None) -> spc.SpcResult:
    return spc.xmr(
        np.frombuffer(values, dtype=float).copy(),
        np.frombuffer(dates, dtype="datetime64[ns]").copy(),
        polarity=polarity,
        target=target,
        baseline_start=dict(rebases) if rebases else None,
    )


def _spc_verdict(
    result: spc.SpcResult | None, measure: Measure, target: float | None
) -> tuple[str | None, str | None, str, str, str | None, str]:
    """(variation icon, assurance icon, reason for no icon, verdict, attention, tone) from an XmR chart."""
    if result is None:
        return (
            None,
            None,
            "Some values are suppressed or missing",
            "SPC not shown: values suppressed or missing",
            None,
            NEUTRAL,
        )
    if not result.enough_points:
        return None, None, result.variation, result.variation, None, NEUTRAL
    last = result.points["point_type"].iloc[-1]
    words = [result.variation]
    if result.assurance:
        words.append(result.assurance.lower())
    attention = None
    if last == spc.CONCERN:
        attention = "special cause concern"
    if result.assurance_icon == "consistent_fail":
        attention = (attention + "; " if attention else "") + "consistently failing the target"
    if attention:
        tone = CONCERN
    elif last == spc.IMPROVEMENT or result.assurance_icon == "consistent_pass":
        tone = IMPROVEMENT
    else:
        tone = NEUTRAL
    reason = (
        "No target" if target is None else "No judgement of direction" if measure.polarity == stats.NO_JUDGEMENT else ""
    )
    return result.variation_icon, result.assurance_icon, reason, " · ".join(words), attention, tone


def headline(
    frame: pd.DataFrame | None,
    measure: Measure,
    *,
    key: str,
    value: str | None = None,
    date_column: str = "month",
    label: str | None = None,
    polarity: str | None = None,
    target: float | None = None,
    target_label: str | None = None,
    lower: str | None = None,
    upper: str | None = None,
    period_column: str | None = None,
    scope: str = "Halton",
    page: str = "",
    section: str = "",
    baseline_start=None,
) -> Headline | None:
    """A monthly (or periodic) KPI's headline from its series, one row per period in order."""
    if frame is None or frame.empty:
        return None
    column = value or measure.name
    polarity = polarity or measure.polarity
    judged = measure if polarity == measure.polarity else _with_polarity(measure, polarity)
    latest = frame.iloc[-1]
    current = latest[column]
    previous = frame.iloc[-2] if len(frame) > 1 else None
    change = formats.change(current, previous[column], measure.kind) if previous is not None else None
    period = formats.period_name(latest[date_column], latest[period_column] if period_column else None)
    previous_period = (
        formats.period_name(previous[date_column], previous[period_column] if period_column else None)
        if previous is not None
        else None
    )
    ci = None
    if lower and upper and not formats.is_missing(latest[lower]) and not formats.is_missing(latest[upper]):
        ci = f"95% CI {formats.fmt(latest[lower], measure.kind)} to {formats.fmt(latest[upper], measure.kind)}"
    target_text = (
        f"Target {formats.fmt(target, measure.kind)}" + (f" ({target_label})" if target_label else "")
        if target is not None
        else None
    )
    if measure.spc:
        result = xmr_for(frame, column, date_column, polarity, target, baseline_start)
        variation, assurance, reason, verdict, attention, tone = _spc_verdict(result, judged, target)
    else:
        variation = assurance = None
        reason, verdict, attention, tone = "SPC not applicable", measure.spc_note or "SPC not applicable", None, NEUTRAL
    recent = pd.to_numeric(frame[column], errors="coerce").astype("Float64").tail(SPARK_POINTS)
    spark = tuple(float(v) for v in recent.to_numpy(dtype=float, na_value=float("nan")))
    return Headline(
        key=key,
        label=label or measure.label,
        measure=measure,
        value=_number(current),
        value_text=formats.fmt(current, measure.kind),
        period_text=period,
        change_text=change,
        previous_period=previous_period,
        ci_text=ci,
        target=target,
        target_text=target_text,
        variation_icon=variation,
        assurance_icon=assurance,
        variation_reason=reason,
        verdict=verdict,
        attention=attention,
        tone=tone,
        spark=spark,
        scope=scope,
        page=page,
        section=section,
    )


def _with_polarity(measure: Measure, polarity: str) -> Measure:
    from dataclasses import replace

    return replace(measure, polarity=polarity)


def _number(value) -> float | None:
    return None if formats.is_missing(value) else float(value)


def on_track(projected: float | None, target: float | None) -> str:
    """The LD ambition verdict, written once: the year end the trajectory points to against the ambition."""
    if projected is None or formats.is_missing(projected):
        return "not enough history to project the year end"
    if target is None:
        return f"projected year end {formats.fmt(projected, 'pct')}; no ambition set"
    side = "on track to meet" if projected >= target else "not on track to meet"
    return f"projected year end {formats.fmt(projected, 'pct')}: {side} the {formats.fmt(target, 'pct')} ambition"


def with_projection(item: Headline, projected: float | None, target: float | None) -> Headline:
    """A cumulative KPI (LD uptake) judged by where its in-year trajectory ends, not by SPC."""
    from dataclasses import replace

    words = on_track(projected, target)
    missing = projected is None or formats.is_missing(projected) or target is None
    attention = None if missing or projected >= target else "not on track for the year-end ambition"
    tone = NEUTRAL if missing else (CONCERN if attention else IMPROVEMENT)
    return replace(
        item,
        verdict=words[0].upper() + words[1:],
        attention=attention,
        tone=tone,
        variation_reason="Cumulative in-year measure: SPC not applicable",
    )


def benchmarked(item: Headline, phrase: str) -> Headline:
    """An annual indicator judged by the Fingertips comparison with England (too few points for SPC)."""
    from dataclasses import replace

    worse = "worse" in phrase
    better = "better" in phrase
    return replace(
        item,
        verdict=phrase[0].upper() + phrase[1:],
        attention=phrase.replace("significantly ", "") if worse else None,
        tone=CONCERN if worse else IMPROVEMENT if better else NEUTRAL,
        variation_reason=item.variation_reason or "Too few periods for SPC",
    )


@dataclass(frozen=True)
class BudgetHeadline:
    financial_year: str
    month: int
    budget: object
    forecast: object
    variance: object
    share: float | None
    verdict: str
    attention: str | None
    tone: str


def budget_headline(total: pd.Series, financial_year: str, month: int) -> BudgetHeadline:
    """The budget's headline from the statement's total row, written once for the Overview, Budget page and pack:
    the forecast against the budget, with an overspend needing attention."""
    budget, forecast, variance = total["budget"], total["m12_total"], total["variance"]
    share = float(forecast) / float(budget) if float(budget) else None
    if formats.pounds(variance) < 0:
        verdict = f"Forecast overspend of {formats.fmt(-variance, 'gbp')}"
        attention, tone = "forecast to overspend", CONCERN
    else:
        verdict = f"Forecast underspend of {formats.fmt(variance, 'gbp')}"
        attention, tone = None, NEUTRAL
    return BudgetHeadline(financial_year, int(month), budget, forecast, variance, share, verdict, attention, tone)


def needing_attention(items) -> list:
    """The KPIs a board should look at first: special-cause concern, failing assurance, off track or worse."""
    return [i for i in items if i is not None and getattr(i, "attention", None)]


def latest_month(frame: pd.DataFrame, column: str = "month") -> date | None:
    if frame is None or frame.empty:
        return None
    return pd.Timestamp(frame[column].iloc[-1]).date()
