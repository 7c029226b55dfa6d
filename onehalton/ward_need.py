"""Where need is greatest: ward-level data shaped for compare-areas, spine charts, inequality by deprivation,
the need ranking, pooled periods and side-by-side wards.

Pure pandas (no streamlit, no duckdb). Inputs are the frames of queries/indicator_by_ward_latest.sql,
indicator_by_ward_pooled.sql and indicator_by_deprivation_quintile.sql.

Suppression comes first. A page loads each query through ``db.load``, which protects it as its header declares
(counts of 1-7 hidden, other ward counts rounded to 5, values and 95% limits worked out again from the published
counts) and hands the *protected* frame to these functions. So every statistic here is worked out from shown
values only: a suppressed ward never moves a percentile, a rank or the slope index of inequality (the SII is
linear in the group values, so with four groups shown and the SII published the fifth could be solved for; a
suppressed quintile therefore means no SII). A row whose value is missing while its denominator is present is
taken to be suppressed; a row with neither has no data. Pooled periods pass through :func:`guard_pooled` on the
way (``db.GUARDS``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from onehalton import inequality, stats
from onehalton.protection import Protected

__all__ = [
    "SHOWN",
    "SUPPRESSED",
    "NO_DATA",
    "NOT_NEED_INDICATORS",
    "status",
    "compare_areas",
    "spine_rows",
    "quintile_inequality",
    "need_ranking",
    "side_by_side",
    "guard_pooled",
    "recent_trends",
    "with_recent_trends",
]

SHOWN, SUPPRESSED, NO_DATA = "shown", "suppressed", "no data"

# Indicators that measure use or performance of a service, not need: screening coverage and diagnosis rates
# rise with good services, so ranking wards on them would rank access, not need (issue 10). Fingertips IDs.
NOT_NEED_INDICATORS: dict[int, str] = {
    22001: "screening coverage measures service use",
    91720: "screening coverage measures service use",
    92949: "a diagnosis rate measures service performance",
    93347: "a diagnosis rate measures service performance",
}


def status(frame: pd.DataFrame, *, value: str = "value", denominator: str = "denominator") -> pd.Series:
    """'shown', 'suppressed' (value hidden, denominator present) or 'no data' for each row."""
    has_value = frame[value].notna()
    has_denominator = frame[denominator].notna() if denominator in frame else pd.Series(False, index=frame.index)
    out = pd.Series(NO_DATA, index=frame.index, dtype=object)
    out[~has_value & has_denominator] = SUPPRESSED
    out[has_value] = SHOWN
    return out


def _comparisons(frame: pd.DataFrame, comparator: str) -> pd.Series:
    st_ = status(frame)
    result = pd.Series(st_, index=frame.index, dtype=object)
    shown = st_ == SHOWN
    if shown.any():
        part = frame[shown]
        result[shown] = stats.benchmark(part["lower_ci"], part["upper_ci"], part[comparator], part["polarity"])
    return result


def compare_areas(frame: pd.DataFrame, chosen: Iterable[str] = (), *, comparator: str = "halton_value") -> pd.DataFrame:
    """Every ward's value and limits for one indicator, the chosen wards flagged, sorted for a compare-areas chart.

    ``frame``: one indicator's rows (protected), with lower_ci / upper_ci. Shown wards come first, highest
    value first; then suppressed wards, then wards with no data, each by name. ``comparison`` is the
    Fingertips verdict against the comparator's value for the same period ('better', 'similar', ...), or
    'suppressed' / 'no data'. ``label`` is the ward name, with "(suppressed)" or "(no data)" when there is no
    value to draw, so every ward is named on the chart.
    """
    if frame["indicator_id"].nunique() > 1:
        raise ValueError("compare_areas takes one indicator at a time")
    chosen = set(chosen)
    out = frame.copy()
    out["status"] = status(out)
    out["comparison"] = _comparisons(out, comparator)
    out["chosen"] = out["ward_code"].isin(chosen)
    out["label"] = np.where(out["status"] == SHOWN, out["ward_name"], out["ward_name"] + " (" + out["status"] + ")")
    rank = out["status"].map({SHOWN: 0, SUPPRESSED: 1, NO_DATA: 2})
    out = out.assign(_rank=rank, _sort_value=-out["value"].astype(float).fillna(0.0))
    out = out.sort_values(["_rank", "_sort_value", "ward_name"], kind="stable").drop(columns=["_rank", "_sort_value"])
    out["order"] = range(1, len(out) + 1)
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# Spine chart


SPINE_COLUMNS = [
    "indicator_id",
    "indicator_name",
    "domain",
    "unit",
    "polarity",
    "time_period",
    "ward_code",
    "ward_name",
    "value",
    "lower_ci",
    "upper_ci",
    "status",
    "comparison",
    "halton_value",
    "wards_shown",
    "worst",
    "q25",
    "q75",
    "best",
    "pos_worst",
    "pos_q25",
    "pos_q75",
    "pos_best",
    "pos_value",
]


def spine_rows(frame: pd.DataFrame, ward_code: str) -> pd.DataFrame:
    """One row per indicator for a Fingertips-style spine chart of one ward.

    The range is of the wards shown (suppressed wards are left out): worst, 25th and 75th percentiles
    (numpy's linear interpolation) and best, by the indicator's polarity (lowest is 'worst' when high is
    good; for no-judgement indicators 'worst' is simply the lowest). Positions (``pos_*``) put the Halton
    value at 0.5 and the end further from Halton at 0 or 1, better to the right, as Fingertips scales its
    spines; NaN when no ward is shown or every shown ward equals Halton.
    """
    rows = []
    for _, part in frame.groupby("indicator_id", sort=False):
        first = part.iloc[0]
        pol = stats.normalise_polarity(first["polarity"])
        shown = part[status(part) == SHOWN]["value"].astype(float)
        ward = part[part["ward_code"] == ward_code]
        if ward.empty:
            continue
        w = ward.iloc[0]
        flip = pol == stats.LOW_IS_GOOD
        if shown.empty:
            worst = q25 = q75 = best = np.nan
        else:
            lo, hi = float(shown.min()), float(shown.max())
            p25, p75 = float(np.percentile(shown, 25)), float(np.percentile(shown, 75))
            worst, best = (hi, lo) if flip else (lo, hi)
            q25, q75 = (p75, p25) if flip else (p25, p75)
        halton = float(first["halton_value"]) if pd.notna(first["halton_value"]) else np.nan
        half = (
            np.nanmax([abs(worst - halton), abs(best - halton)]) if not np.isnan(halton) and not shown.empty else np.nan
        )

        def position(v: float) -> float:
            if np.isnan(v) or np.isnan(half) or half == 0:
                return np.nan
            offset = (v - halton) / (2 * half)
            return float(0.5 - offset if flip else 0.5 + offset)

        value = float(w["value"]) if pd.notna(w["value"]) else np.nan
        row_status = status(ward).iloc[0]
        comparison = _comparisons(ward, "halton_value").iloc[0]
        rows.append(
            {
                "indicator_id": int(first["indicator_id"]),
                "indicator_name": first["indicator_name"],
                "domain": first.get("domain"),
                "unit": first["unit"],
                "polarity": pol,
                "time_period": first["time_period"],
                "ward_code": ward_code,
                "ward_name": w["ward_name"],
                "value": value,
                "lower_ci": w.get("lower_ci"),
                "upper_ci": w.get("upper_ci"),
                "status": row_status,
                "comparison": comparison,
                "halton_value": halton,
                "wards_shown": int(len(shown)),
                "worst": worst,
                "q25": q25,
                "q75": q75,
                "best": best,
                "pos_worst": position(worst),
                "pos_q25": position(q25),
                "pos_q75": position(q75),
                "pos_best": position(best),
                "pos_value": position(value),
            }
        )
    return pd.DataFrame(rows, columns=SPINE_COLUMNS)


# ------------------------------------------------------------------------------------------------
# Inequality by deprivation quintile


_SII_VALUE_TYPES = {"wilson": "proportion", "byar": "rate"}


def quintile_inequality(frame: pd.DataFrame, *, repetitions: int = 100_000, seed: int = 0) -> dict:
    """The slope index of inequality across ward deprivation quintiles (1 = most deprived).

    ``frame``: the protected rows of queries/indicator_by_deprivation_quintile.sql with lower_ci/upper_ci
    (``db.load`` adds them). Returns {'sii', 'lower', 'upper', 'gap' (most minus least deprived, i.e. -SII),
    'significant', 'sentence', 'reason'}: the SII in the indicator's own unit, by PHEindicatormethods'
    phe_sii method (see onehalton/inequality.py), with proportions on the logit and rates on the log scale.
    The SII cannot be calculated when a quintile is suppressed or has no data, or for a value-only
    indicator (no counts, so no limits to simulate from).
    """
    out = {
        "sii": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "gap": np.nan,
        "significant": False,
        "sentence": "",
        "reason": "",
    }
    if frame.empty:
        out["reason"] = "no ward data for this indicator"
        return out
    first = frame.iloc[0]
    value_type = _SII_VALUE_TYPES.get(first["ci_method"])
    if first["ci_method"] == "dsr":
        out["reason"] = (
            "a directly standardised rate by quintile needs its age bands pooled by quintile, which is not done yet"
        )
        return out
    if value_type is None:
        out["reason"] = "the SII needs counts and confidence limits; this indicator publishes values only"
        return out
    states = status(frame)
    if (states != SHOWN).any() or frame[["lower_ci", "upper_ci"]].isna().any().any() or len(frame) != 5:
        out["reason"] = (
            "a quintile is suppressed or has no data, so the SII is not shown (it could reveal the hidden figure)"
        )
        return out
    multiplier = float(first["multiplier"])
    scale = multiplier if value_type == "proportion" else 1.0
    try:
        result = inequality.slope_index_of_inequality(
            frame["quintile"],
            frame["denominator"],
            frame["value"].astype(float) / scale,
            lower=frame["lower_ci"].astype(float) / scale,
            upper=frame["upper_ci"].astype(float) / scale,
            value_type=value_type,
            multiplier=scale,
            repetitions=repetitions,
            seed=seed,
        )
    except ValueError as exc:
        out["reason"] = f"the SII cannot be calculated: {exc}"
        return out
    gap = -result.sii
    out.update(sii=result.sii, lower=result.lower, upper=result.upper, gap=gap, significant=result.significant())
    unit = "percentage points" if first["unit"] == "%" else first["unit"]
    out["sentence"] = (
        f"Slope index of inequality {result.sii:,.1f} {unit} (95% CI {result.lower:,.1f} to {result.upper:,.1f}): "
        f"modelled across the wards' deprivation gradient, the most deprived end is {abs(gap):,.1f} {unit} "
        f"{'higher' if gap > 0 else 'lower'} than the least deprived"
        + ("" if result.significant() else "; the interval includes 0, so no clear gradient")
        + "."
    )
    return out


# ------------------------------------------------------------------------------------------------
# Need ranking


def need_ranking(frame: pd.DataFrame, *, exclude: dict[int, str] | None = None) -> pd.DataFrame:
    """Wards ranked by need on deprivation and outcome indicators, not on service use.

    ``frame``: protected rows of queries/indicator_by_ward_latest.sql for every indicator, with limits.
    Each ward gets a need percentile on each indicator with a judgement (high or low is good) and on its
    IMD score: 1 for the worst ward, 0 for the best (ties share the mean rank), among the wards shown for
    that indicator. ``need_score`` is the mean over what the ward has shown; ``need_rank`` 1 = greatest need.
    Indicators in ``exclude`` (default :data:`NOT_NEED_INDICATORS`) are left out. ``worse_than_halton``
    counts indicators where the ward is significantly worse than Halton.
    """
    excluded = NOT_NEED_INDICATORS if exclude is None else exclude
    frame = frame.reset_index(drop=True)
    wards = frame.drop_duplicates("ward_code")[["ward_code", "ward_name", "town", "imd_score"]].set_index("ward_code")
    scores: dict[str, list[float]] = {w: [] for w in wards.index}
    worse = dict.fromkeys(wards.index, 0)
    used: dict[str, list[str]] = {w: [] for w in wards.index}

    def add(values: pd.Series, names: pd.Series, worst_high: bool, label: str) -> None:
        values = values.dropna().astype(float)
        if len(values) < 2:
            return
        pct = (values.rank(ascending=not worst_high, method="average") - 1) / (len(values) - 1)
        for code, p in (1 - pct).items():
            scores[names[code]].append(float(p))
            used[names[code]].append(label)

    imd = wards["imd_score"]
    add(imd, pd.Series(imd.index, index=imd.index), True, "Deprivation score (IMD)")
    for indicator_id, part in frame.groupby("indicator_id", sort=False):
        pol = stats.normalise_polarity(part["polarity"].iloc[0])
        if int(indicator_id) in excluded or pol == stats.NO_JUDGEMENT:
            continue
        shown = part[status(part) == SHOWN]
        add(shown["value"], shown["ward_code"], pol == stats.LOW_IS_GOOD, str(part["indicator_name"].iloc[0]))
        verdicts = _comparisons(shown, "halton_value") if not shown.empty else pd.Series(dtype=object)
        for code in shown.loc[verdicts == "worse", "ward_code"]:
            worse[code] += 1
    out = wards.reset_index()
    out["need_score"] = [float(np.mean(scores[c])) if scores[c] else np.nan for c in out["ward_code"]]
    out["indicators_used"] = [len(used[c]) for c in out["ward_code"]]
    out["worse_than_halton"] = [worse[c] for c in out["ward_code"]]
    out["need_rank"] = out["need_score"].rank(ascending=False, method="min").astype("Int64")
    return out.sort_values(["need_rank", "ward_name"], na_position="last").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# Side by side


def side_by_side(frame: pd.DataFrame, wards: Iterable[str]) -> pd.DataFrame:
    """Two or more wards compared column by column (never summed): one row per indicator, with Halton, and for
    each ward its value and its verdict against Halton ('suppressed' / 'no data' when there is none)."""
    wards = list(dict.fromkeys(wards))
    if not wards:
        raise ValueError("choose at least one ward")
    chosen = frame[frame["ward_code"].isin(wards)].copy()
    chosen["verdict"] = _comparisons(chosen, "halton_value") if not chosen.empty else pd.Series(dtype=object)
    names = frame.drop_duplicates("ward_code").set_index("ward_code")["ward_name"]
    rows = []
    for _, part in frame.groupby("indicator_id", sort=False):
        first = part.iloc[0]
        row = {
            "indicator": first["indicator_name"],
            "unit": first["unit"],
            "period": first["time_period"],
            "Halton": first["halton_value"],
        }
        for code in wards:
            name = names.get(code, code)
            mine = chosen[(chosen["indicator_id"] == first["indicator_id"]) & (chosen["ward_code"] == code)]
            row[name] = mine["value"].iloc[0] if not mine.empty else np.nan
            row[f"{name}: vs Halton"] = mine["verdict"].iloc[0] if not mine.empty else NO_DATA
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------
# Pooled periods


def guard_pooled(pooled: pd.DataFrame, singles: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """Withhold a ward's pooled figure where it would give away a suppressed single-period count.

    ``pooled``: rows of queries/indicator_by_ward_pooled.sql (real counts, before suppression). ``singles``: the
    same wards' single periods (queries/indicator_ward_periods.sql). A ward's trend shows every single-period
    count above ``threshold``, so the pooled count minus the shown periods equals the sum of the hidden ones
    (counts of 1 to ``threshold``). When that sum is itself 1 to ``threshold`` (one hidden period, or several
    small ones), the pooled row is marked ``guarded`` and its count replaced by a stand-in of 1, so that the
    suppression applied next hides it, and everything built on it, and protects it from differencing against
    the pooled Halton total like any other small count. The real figure never leaves this function.
    """
    out = pooled.copy()
    values = pd.to_numeric(singles["count"], errors="coerce")
    hidden = singles.assign(_hidden=values.where((values > 0) & (values <= threshold), 0.0))
    small = hidden.groupby(["indicator_id", "ward_code"])["_hidden"].sum()
    key = list(zip(out["indicator_id"], out["ward_code"]))
    sums = pd.Series([small.get(k, 0.0) for k in key], index=out.index, dtype=float)
    out["guarded"] = (sums > 0) & (sums <= threshold) & out["count"].notna()
    out.loc[out["guarded"], "count"] = 1.0
    return out


# ------------------------------------------------------------------------------------------------
# Recent trend on every series


def recent_trends(frame: pd.DataFrame, *, by: tuple[str, ...] = ("indicator_id", "area_name")) -> pd.DataFrame:
    """Fingertips' recent trend (stats.recent_trend) for every series in a trends frame.

    ``frame``: rows of queries/indicator_trends.sql with lower_ci / upper_ci (after suppression for ward rows, so
    a suppressed year is not a valid point and an older one is used). Proportions (``ci_method`` 'wilson') use
    the chi-squared test for trend, everything else weighted least squares. One row per series: the ``by``
    columns, trend, reason, chi2 and the periods used.
    """
    rows = []
    for keys, part in frame.groupby(list(by), sort=False):
        first = part.iloc[0]
        result = stats.recent_trend(part, polarity=first["polarity"], proportion=first["ci_method"] == "wilson")
        periods = part.set_index("period_start")["time_period"] if "time_period" in part else None
        used = [periods.get(p, p) for p in result["points"]] if periods is not None else result["points"]
        rows.append(
            {
                **dict(zip(by, keys if isinstance(keys, tuple) else (keys,))),
                "trend": result["trend"],
                "reason": result["reason"],
                "chi2": result["chi2"],
                "periods_used": ", ".join(str(p) for p in used),
            }
        )
    return pd.DataFrame(rows, columns=[*by, "trend", "reason", "chi2", "periods_used"])


def with_recent_trends(trends: Protected) -> Protected:
    """The trends rows with each series' Fingertips recent trend (`recent_trend`, `recent_trend_periods`), worked
    out from the published values only: a suppressed point is not a valid point, so an older one is used."""
    series = recent_trends(trends.frame, by=("indicator_id", "area_name"))
    words = series.assign(
        recent_trend=[f"{t} ({r})" if r else t for t, r in zip(series["trend"], series["reason"])],
        recent_trend_periods=series["periods_used"],
    )[["indicator_id", "area_name", "recent_trend", "recent_trend_periods"]]
    keys = pd.MultiIndex.from_frame(trends.frame[["indicator_id", "area_name"]])
    lookup = words.set_index(["indicator_id", "area_name"])
    out = trends.frame.copy()
    for column in ("recent_trend", "recent_trend_periods"):
        out[column] = lookup[column].reindex(keys).to_numpy()
    return trends.with_frame(out)
