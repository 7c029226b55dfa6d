"""Making Data Count XmR (individuals) charts: limits, special-cause rules and icons.

Pure numpy/pandas (no streamlit, no duckdb). The rules follow NHS England's *Making Data Count*
guidance as summarised in the domain brief, with the R package NHSRplotthedots
(nhs-r-community/NHSRplotthedots: ``ptd_spc_standard.R``, ``ptd_calculate_point_type.R``,
``ptd_calculate_assurance_type.R``, ``ptd_add_rebase_column.R``, ``geom_ptd_icon.R``) as the
reference implementation. Where this module decides a detail, the decision and its source are
stated here:

Limits
    centre = mean of the values; mR = |difference between consecutive values|; mean mR over the
    segment. Process limits = mean +/- 2.66 x mean mR. Near ("two-sigma") limits =
    mean +/- (2 x 2.66 / 3) x mean mR = +/- 1.7733... x mean mR, the constant NHSRplotthedots uses
    (``limitclose <- 2 * (limit / 3)``), i.e. the brief's 1.773 unrounded.
Outlier screening (``screen_outliers=True``, the NHSRplotthedots default)
    moving ranges >= 3.267 x the first mean mR are dropped and the mean mR recalculated, so one
    freak month does not inflate the limits. Skipped when the mean mR is 0 (a flat series), where
    the reference would otherwise produce undefined limits.
Recalculation (``baseline_start``)
    like NHSRplotthedots' ``rebase``: the chart is split into segments and each segment gets its
    own mean, moving ranges and limits, and the rules are tested within each segment (no run,
    trend or 2-of-3 window crosses a recalculation). Points before ``baseline_start`` therefore
    keep limits from the period before it. NHSRplotthedots needs the rebase date to be a date in
    the data; here the new segment starts at the first point on or after ``baseline_start``.
    A segment with fewer than ``min_points`` points gets no limits and no rules.
    A recalculation can carry its reason (``baseline_start={date: reason}``); ``SpcResult.rebases`` lists
    each one with the date of the segment's first point, so a chart can show why the limits moved.
Fixed baseline (``fix_after_n_points``)
    like NHSRplotthedots' ``fix_after_n_points`` (``ptd_spc_standard.R``: ``fix_y`` keeps the first n
    points of each rebase group): the mean, moving ranges, outlier screening and limits of each segment come
    from its first n points only, and are extended unchanged over the later points, which are tested
    against them by every rule. As in the reference, n must be at least 12; a segment shorter than n uses
    all its points.
Rules (each flags every point involved, not only the last)
    * outside limits: value > upper or < lower process limit.
    * shift: 7 or more consecutive points on the same side of the mean. A point exactly on the
      mean has no side and breaks the run (reference: ``sign(y - mean)`` and ``vp[[i]] != 0``).
    * trend: 7 consecutive points each strictly above (or below) the one before, i.e. 6
      consecutive increases (decreases). Equal neighbours break the trend (reference:
      ``sign(diff(y[i - 0:6]))`` must be all 1 or all -1 over a 7-point window).
    * two of three: in some window of 3 consecutive points, at least 2 lie beyond a near limit
      but inside the process limits, and all 3 points are on the same side of the mean; the
      near-limit points of that window are flagged. Both details are the reference's
      (``close_to_limits = !outside_limits & ...`` and ``abs(sum(rtm)) == 3``): a point outside
      the process limits is already special cause by the first rule and is not counted here,
      and one high plus one low near-limit point never fire.
Direction of a special-cause point (reference ``ptd_special_cause_type``)
    outside limits -> side of the mean; else trend -> the trend's direction (a point that ends one
    trend and starts another takes the later trend's direction, the reference's "use right side");
    else two-of-three or shift -> side of the mean. High/increasing is improvement when high is
    good, concern when low is good; 'neutral' when there is no judgement.
Icons (reference ``geom_ptd_icon.R``)
    variation = the type of the last point: 'common_cause'; improvement -> 'improvement_high'
    (high is good) or 'improvement_low' (low is good); concern -> 'concern_low' (high is good) or
    'concern_high' (low is good); neutral -> 'neutral_high' / 'neutral_low' by the point's
    direction. Assurance (reference ``ptd_calculate_assurance_type``) compares the target with the
    last segment's process limits: outside them on the good side -> 'Consistently passing'
    ('consistent_pass'), on the bad side -> 'Consistently failing' ('consistent_fail'), otherwise
    'Hit and miss' ('hit_and_miss'); none without a target or with no-judgement polarity.
Minimum points
    ``min_points`` (default 15, the domain brief's threshold) applies to the current (last)
    segment: with fewer there are no limits, no icons and ``variation`` says why.
    (NHSRplotthedots only warns below 13 and draws trial limits.)
Missing values are dropped before calculation (the moving range then joins the neighbours of the
gap), as the reference expects a series without gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from onehalton.stats import HIGH_IS_GOOD, LOW_IS_GOOD, NO_JUDGEMENT, normalise_polarity

__all__ = [
    "LIMIT",
    "NEAR_LIMIT",
    "MR_OUTLIER",
    "RUN_LENGTH",
    "RULE_OUTSIDE",
    "RULE_SHIFT",
    "RULE_TREND",
    "RULE_TWO_OF_THREE",
    "SpcResult",
    "xmr",
]

LIMIT = 2.66
NEAR_LIMIT = 2 * LIMIT / 3  # 1.7733..., NHSRplotthedots `limitclose`
MR_OUTLIER = 3.267
RUN_LENGTH = 7

RULE_OUTSIDE = "outside limits"
RULE_SHIFT = "shift"
RULE_TREND = "trend"
RULE_TWO_OF_THREE = "two of three"

COMMON_CAUSE = "common cause"
IMPROVEMENT = "improvement"
CONCERN = "concern"
NEUTRAL = "neutral"

_VARIATION_TEXT = {
    COMMON_CAUSE: "Common cause variation",
    IMPROVEMENT: "Special cause improvement",
    CONCERN: "Special cause concern",
    NEUTRAL: "Special cause variation",
}

POINT_COLUMNS = [
    "date",
    "value",
    "segment",
    "mean",
    "upl",
    "lpl",
    "upper_near",
    "lower_near",
    "moving_range",
    "special_cause",
    "rule",
    "direction",
    "point_type",
]


@dataclass(frozen=True)
class SpcResult:
    """Outcome of :func:`xmr`.

    points: one row per (non-missing) point, sorted by date, columns ``POINT_COLUMNS``:
      date, value, segment (0, 1, ... after each recalculation), mean, upl, lpl, upper_near,
      lower_near, moving_range, special_cause (bool), rule ('' or rules joined by '; '),
      direction ('high', 'low' or None) and point_type ('common cause', 'improvement', 'concern',
      'neutral').
    """

    points: pd.DataFrame
    enough_points: bool
    variation: str
    variation_icon: str | None
    assurance: str | None
    assurance_icon: str | None
    polarity: str
    target: float | None
    min_points: int
    fix_after_n_points: int | None = None
    # One entry per recalculation: {'date': first point of the new segment, 'requested': the date asked
    # for, 'reason': why ('' when none was given)}.
    rebases: tuple[dict, ...] = ()

    def _last(self, column: str) -> float | None:
        if self.points.empty:
            return None
        v = self.points[column].iloc[-1]
        return None if pd.isna(v) else float(v)

    @property
    def mean(self) -> float | None:
        """Centre line of the current (last) segment."""
        return self._last("mean")

    @property
    def upl(self) -> float | None:
        """Upper process limit of the current segment (None without enough points)."""
        return self._last("upl")

    @property
    def lpl(self) -> float | None:
        """Lower process limit of the current segment (None without enough points)."""
        return self._last("lpl")


# --------------------------------------------------------------------------------------------
# rules, on one segment
# --------------------------------------------------------------------------------------------
def _mean_moving_range(y: np.ndarray, screen_outliers: bool) -> float:
    mr = np.abs(np.diff(y))
    amr = float(mr.mean())
    if screen_outliers and amr > 0:
        kept = mr[mr < MR_OUTLIER * amr]
        amr = float(kept.mean())
    return amr


def _shift_flags(side: np.ndarray) -> np.ndarray:
    flags = np.zeros(len(side), dtype=bool)
    i = 0
    n = len(side)
    while i < n:
        if side[i] == 0:
            i += 1
            continue
        j = i
        while j + 1 < n and side[j + 1] == side[i]:
            j += 1
        if j - i + 1 >= RUN_LENGTH:
            flags[i : j + 1] = True
        i = j + 1
    return flags


def _trend_directions(y: np.ndarray) -> np.ndarray:
    """+1 / -1 for points in a 7-point rising / falling trend, 0 otherwise."""
    n = len(y)
    out = np.zeros(n, dtype=int)
    if n < RUN_LENGTH:
        return out
    steps = np.sign(np.diff(y))
    for end in range(RUN_LENGTH - 1, n):  # window of points end-6 .. end
        w = steps[end - (RUN_LENGTH - 1) : end]
        if np.all(w == 1):
            out[end - (RUN_LENGTH - 1) : end + 1] = 1  # later windows overwrite: "right side" wins
        elif np.all(w == -1):
            out[end - (RUN_LENGTH - 1) : end + 1] = -1
    return out


def _two_of_three_flags(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    flags = np.zeros(len(close), dtype=bool)
    for s in range(len(close) - 2):
        w = slice(s, s + 3)
        if close[w].sum() >= 2 and abs(side[w].sum()) == 3:
            flags[w] |= close[w]
    return flags


def _segment(y: np.ndarray, screen_outliers: bool, fix_n: int | None = None) -> dict[str, np.ndarray]:
    n = len(y)
    base = y if fix_n is None else y[:fix_n]
    mean = float(base.mean())
    amr = _mean_moving_range(base, screen_outliers)
    upl, lpl = mean + LIMIT * amr, mean - LIMIT * amr
    nupl, nlpl = mean + NEAR_LIMIT * amr, mean - NEAR_LIMIT * amr

    # A point within rounding error of a line is on it: the mean of a flat series of 10/110 differs from its
    # values in the last bit, and an exact comparison called every point of it special cause.
    tolerance = 1e-9 * max(abs(mean), amr, np.finfo(float).tiny)
    side = np.where(np.abs(y - mean) <= tolerance, 0, np.sign(y - mean)).astype(int)
    outside = (y > upl + tolerance) | (y < lpl - tolerance)
    close = ~outside & ((y > nupl + tolerance) | (y < nlpl - tolerance))
    shift = _shift_flags(side)
    trend = _trend_directions(y)
    two = _two_of_three_flags(close, side)

    direction = np.zeros(n, dtype=int)
    # lowest priority first, so higher-priority rules overwrite (reference case_when order:
    # outside > trend > two of three > shift)
    direction[shift] = side[shift]
    direction[two] = side[two]
    direction[trend != 0] = trend[trend != 0]
    direction[outside] = side[outside]

    rules = []
    for i in range(n):
        fired = []
        if outside[i]:
            fired.append(RULE_OUTSIDE)
        if shift[i]:
            fired.append(RULE_SHIFT)
        if trend[i] != 0:
            fired.append(RULE_TREND)
        if two[i]:
            fired.append(RULE_TWO_OF_THREE)
        rules.append("; ".join(fired))
    return {
        "mean": np.full(n, mean),
        "upl": np.full(n, upl),
        "lpl": np.full(n, lpl),
        "upper_near": np.full(n, nupl),
        "lower_near": np.full(n, nlpl),
        "special_cause": outside | shift | (trend != 0) | two,
        "rule": np.array(rules, dtype=object),
        "direction_sign": direction,
    }


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
def xmr(
    values: Any,
    dates: Any,
    *,
    polarity: str,
    target: float | None = None,
    baseline_start: Any = None,
    min_points: int = 15,
    screen_outliers: bool = True,
    fix_after_n_points: int | None = None,
) -> SpcResult:
    """Making Data Count XmR chart for one series. See the module docstring for every rule.

    values, dates: equal-length sequences (lists, arrays, Series); sorted by date here; duplicate
    dates raise ValueError; missing values are dropped.
    polarity: 'high is good', 'low is good' or 'no judgement'.
    target: optional; gives the assurance icon (not for 'no judgement').
    baseline_start: optional date, sequence of dates, or mapping {date: reason}; limits are recalculated
    from the first point on or after each date, and earlier points keep limits from their own period.
    A reason given in a mapping must be non-empty text; it is returned in ``rebases``.
    min_points: minimum points in the current segment to show limits (default 15).
    screen_outliers: drop moving ranges >= 3.267 x mean mR before setting limits (default True,
    as NHSRplotthedots).
    fix_after_n_points: optional integer >= 12; each segment's limits come from its first n points and
    are extended over the rest (NHSRplotthedots ``fix_after_n_points``).
    """
    pol = normalise_polarity(polarity)
    if not isinstance(min_points, (int, np.integer)) or isinstance(min_points, bool) or min_points < 2:
        raise ValueError(f"min_points must be an integer of at least 2, got {min_points!r}")
    if fix_after_n_points is not None and (
        not isinstance(fix_after_n_points, (int, np.integer))
        or isinstance(fix_after_n_points, bool)
        or fix_after_n_points < 12
    ):
        raise ValueError(f"fix_after_n_points must be an integer of at least 12, got {fix_after_n_points!r}")
    if target is not None:
        target = float(target)
        if np.isnan(target):
            target = None

    vals = values.to_numpy(dtype=float, na_value=np.nan) if isinstance(values, pd.Series) else None
    if vals is None:
        vals = pd.to_numeric(pd.Series(list(values), dtype=object), errors="raise").to_numpy(
            dtype=float, na_value=np.nan
        )
    when = pd.to_datetime(pd.Series(list(dates.to_numpy() if isinstance(dates, pd.Series) else dates)))
    if len(vals) != len(when):
        raise ValueError(f"values ({len(vals)}) and dates ({len(when)}) differ in length")
    frame = pd.DataFrame({"date": when.to_numpy(), "value": vals})
    frame = frame[frame["value"].notna()]
    if frame["date"].isna().any():
        raise ValueError("dates must not be missing")
    if frame["date"].duplicated().any():
        raise ValueError("dates must be unique: one value per period")
    frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    n = len(frame)

    # segments
    segment = np.zeros(n, dtype=int)
    reasons: dict[pd.Timestamp, str] = {}
    if baseline_start is not None:
        if isinstance(baseline_start, dict):
            for when_, why in baseline_start.items():
                if not isinstance(why, str) or not why.strip():
                    raise ValueError(f"the reason for the recalculation on {when_} must be non-empty text")
                reasons[pd.Timestamp(when_)] = why.strip()
            starts = list(reasons)
        else:
            starts = (
                [baseline_start]
                if isinstance(baseline_start, (str, pd.Timestamp)) or np.ndim(baseline_start) == 0
                else list(baseline_start)
            )
        for start in sorted(pd.Timestamp(s) for s in starts):
            if n and start > frame["date"].iloc[-1]:
                raise ValueError(f"baseline_start {start.date()} is after the last point")
            segment += (frame["date"] >= start).to_numpy().astype(int)
        # renumber 0, 1, 2 ... (a start before the first point makes no empty segment)
        segment = pd.factorize(segment, sort=True)[0] if n else segment
    frame["segment"] = segment
    rebases = []
    if baseline_start is not None and n:
        first_dates = frame.groupby("segment")["date"].min()
        for start in sorted(pd.Timestamp(s) for s in starts):
            first = frame["date"][frame["date"] >= start].min()
            seg = int(frame.loc[frame["date"] == first, "segment"].iloc[0])
            if seg == 0:
                continue  # a date before the first point starts no new segment
            rebases.append(
                {"date": pd.Timestamp(first_dates.loc[seg]), "requested": start, "reason": reasons.get(start, "")}
            )

    y_all = frame["value"].to_numpy(dtype=float)
    frame["moving_range"] = np.nan
    for col in ("mean", "upl", "lpl", "upper_near", "lower_near"):
        frame[col] = np.nan
    frame["special_cause"] = False
    frame["rule"] = ""
    sign = np.zeros(n, dtype=int)

    for seg in np.unique(segment):
        idx = np.flatnonzero(segment == seg)
        y = y_all[idx]
        if len(y) > 1:
            mr = np.full(len(y), np.nan)
            mr[1:] = np.abs(np.diff(y))
            frame.loc[idx, "moving_range"] = mr
        frame.loc[idx, "mean"] = float(y.mean())
        if len(y) < min_points:
            continue  # no limits, no rules for a short segment
        res = _segment(y, screen_outliers, fix_after_n_points)
        for col in ("mean", "upl", "lpl", "upper_near", "lower_near", "special_cause", "rule"):
            frame.loc[idx, col] = res[col]
        sign[idx] = res["direction_sign"]

    special = frame["special_cause"].to_numpy(dtype=bool)
    frame["special_cause"] = special
    frame["direction"] = pd.Series(np.where(sign > 0, "high", np.where(sign < 0, "low", None)), dtype=object)
    frame.loc[~special, "direction"] = None
    improve = {HIGH_IS_GOOD: 1, LOW_IS_GOOD: -1, NO_JUDGEMENT: 0}[pol]
    point_type = np.full(n, COMMON_CAUSE, dtype=object)
    if improve == 0:
        point_type[special] = NEUTRAL
    else:
        point_type[special & (sign * improve > 0)] = IMPROVEMENT
        point_type[special & (sign * improve < 0)] = CONCERN
    frame["point_type"] = point_type
    frame = frame[POINT_COLUMNS]

    last_seg_size = int((segment == segment[-1]).sum()) if n else 0
    enough = last_seg_size >= min_points
    if not enough:
        since = " since the limits were recalculated" if n and segment[-1] > 0 else ""
        return SpcResult(
            points=frame,
            enough_points=False,
            variation=f"Fewer than {min_points} points{since}: too few for SPC",
            variation_icon=None,
            assurance=None,
            assurance_icon=None,
            polarity=pol,
            target=target,
            min_points=min_points,
            fix_after_n_points=fix_after_n_points,
            rebases=tuple(rebases),
        )

    last = frame.iloc[-1]
    last_type = last["point_type"]
    variation = _VARIATION_TEXT[last_type]
    if last_type == COMMON_CAUSE:
        variation_icon = "common_cause"
    elif last_type == NEUTRAL:
        variation_icon = f"neutral_{last['direction']}"
    elif last_type == IMPROVEMENT:
        variation_icon = "improvement_high" if pol == HIGH_IS_GOOD else "improvement_low"
    else:
        variation_icon = "concern_low" if pol == HIGH_IS_GOOD else "concern_high"

    assurance = assurance_icon = None
    if target is not None and pol != NO_JUDGEMENT:
        upl, lpl = float(last["upl"]), float(last["lpl"])
        if target > upl:
            passing = pol == LOW_IS_GOOD
        elif target < lpl:
            passing = pol == HIGH_IS_GOOD
        else:
            passing = None
        if passing is None:
            assurance, assurance_icon = "Hit and miss", "hit_and_miss"
        elif passing:
            assurance, assurance_icon = "Consistently passing", "consistent_pass"
        else:
            assurance, assurance_icon = "Consistently failing", "consistent_fail"

    return SpcResult(
        points=frame,
        enough_points=True,
        variation=variation,
        variation_icon=variation_icon,
        assurance=assurance,
        assurance_icon=assurance_icon,
        polarity=pol,
        target=target,
        min_points=min_points,
        fix_after_n_points=fix_after_n_points,
        rebases=tuple(rebases),
    )
