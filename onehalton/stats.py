"""Confidence intervals and Fingertips-style benchmarking.

Pure numpy/pandas/scipy/statsmodels: no streamlit, no duckdb, so it is easy to test.

Methods (as used by Fingertips / OHID and the domain brief):

* Proportions: Wilson score interval, from ``statsmodels.stats.proportion.proportion_confint``
  (statsmodels is BSD-3 licensed).
* Counts and crude rates: the Fingertips rule, as implemented in PHEindicatormethods'
  ``phe_rate`` and set out in the Fingertips public health technical guidance ("Rates"):
  an exact Poisson interval from the chi-square distribution when the count is below 10,
  Byar's approximation when it is 10 or more. For a count of 0 the lower limit is 0.

Why Byar's formula is written out by hand here: no maintained, permissively licensed Python
package implements it. DHSC's ``PHStatsMethods`` does, but it is GPL-3, and this product is
shared with partner organisations, so we avoid copyleft dependencies. The formula is short,
public (Breslow & Day 1987; Fingertips technical guidance) and is tested against exact
Poisson limits from ``scipy.stats.chi2`` (BSD-3).

Benchmarking follows the Fingertips rule: an area is significantly different from a comparator
only when its whole confidence interval lies on one side of the comparator's value; a limit
exactly equal to the comparator counts as overlapping ("similar").

Recent trend (:func:`recent_trend`) is Fingertips' method as FingertipsNext implements it
(dhsc-govuk/FingertipsNext, trend-analysis/.../Legacy/TrendMarkerCalculator.cs); tests/test_recent_trend.py
runs that project's own published cases.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _scipy_stats
from statsmodels.stats.proportion import proportion_confint

__all__ = [
    "POLARITIES",
    "BENCHMARK_RESULTS",
    "BYAR_EXACT_BELOW",
    "wilson_ci",
    "byar_ci",
    "with_ci",
    "benchmark",
    "benchmark_phrase",
    "normalise_polarity",
    "RECENT_TREND_POINTS",
    "RECENT_TREND_CHI2",
    "recent_trend",
]

HIGH_IS_GOOD = "high is good"
LOW_IS_GOOD = "low is good"
NO_JUDGEMENT = "no judgement"
POLARITIES: tuple[str, ...] = (HIGH_IS_GOOD, LOW_IS_GOOD, NO_JUDGEMENT)

BENCHMARK_RESULTS: tuple[str, ...] = ("better", "worse", "similar", "higher", "lower", "not compared")

# Fingertips / PHEindicatormethods: exact (chi-square) limits below this count, Byar's at or above.
BYAR_EXACT_BELOW = 10

CI_METHODS = ("wilson", "byar", "none")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _to_float_array(x: Any) -> np.ndarray:
    """Any scalar / list / ndarray / Series (incl. nullable dtypes with pd.NA) -> float ndarray."""
    if isinstance(x, (pd.Series, pd.Index)):
        return x.to_numpy(dtype=float, na_value=np.nan)
    if x is None or x is pd.NA:
        return np.asarray(np.nan, dtype=float)
    arr = np.asarray(x)
    if arr.dtype.kind in "biuf":
        return arr.astype(float)
    arr = np.asarray(x, dtype=object)
    if arr.dtype == object:
        return np.array([np.nan if (v is None or v is pd.NA) else v for v in arr.ravel()], dtype=float).reshape(
            arr.shape
        )
    return arr.astype(float)


def _wrap(result: np.ndarray, *templates: Any) -> Any:
    """Return `result` in the shape of the inputs: Series if any input was a Series, float if all scalar."""
    for t in templates:
        if isinstance(t, pd.Series):
            return pd.Series(result, index=t.index, dtype=float)
    if result.ndim == 0:
        return float(result)
    return result


def _check_confidence(confidence: float) -> float:
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(f"confidence must be a number between 0 and 1, got {confidence!r}") from None
    if not 0 < c < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1 (e.g. 0.95 or 0.998), got {confidence!r}")
    return c


def normalise_polarity(polarity: str) -> str:
    """Return the canonical polarity ('high is good', 'low is good', 'no judgement') or raise."""
    if isinstance(polarity, str):
        p = " ".join(polarity.strip().lower().split())
        if p in POLARITIES:
            return p
    raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")


# --------------------------------------------------------------------------------------------
# confidence intervals
# --------------------------------------------------------------------------------------------
def wilson_ci(count: Any, denominator: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval for a proportion, as (lower, upper) proportions in 0-1.

    Vectorised: accepts scalars, lists, numpy arrays or pandas Series (a Series result keeps the
    index of the first Series input). Limits are NaN where the denominator is 0 or missing, or the
    count is missing. A negative count or denominator, or a count above its denominator, is a data
    error and raises ValueError.
    """
    conf = _check_confidence(confidence)
    x = _to_float_array(count)
    n = _to_float_array(denominator)
    x, n = np.broadcast_arrays(x, n)
    valid = ~np.isnan(x) & ~np.isnan(n) & (n > 0)
    if np.any(valid & (x < 0)) or np.any(~np.isnan(n) & (n < 0)):
        raise ValueError("counts and denominators must not be negative")
    if np.any(valid & (x > n)):
        raise ValueError("a count is larger than its denominator")
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    if np.any(valid):
        lo, up = proportion_confint(x[valid], n[valid], alpha=1 - conf, method="wilson")
        # The Wilson interval lies in [0, 1] mathematically; clip float rounding.
        lower[valid] = np.clip(lo, 0.0, 1.0)
        upper[valid] = np.clip(up, 0.0, 1.0)
        # Exact at the edges: 0 of n has lower limit 0, n of n has upper limit 1.
        lower[valid & (x == 0)] = 0.0
        upper[valid & (x == n)] = 1.0
    return _wrap(lower, count, denominator), _wrap(upper, count, denominator)


def byar_ci(count: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """Confidence limits for a Poisson count, the Fingertips way, as (lower, upper) counts.

    * count < 10: exact limits from the chi-square distribution,
      lower = chi2.ppf(alpha/2, 2*O) / 2 (0 when O = 0), upper = chi2.ppf(1 - alpha/2, 2*O + 2) / 2.
    * count >= 10: Byar's approximation (Breslow & Day 1987),
      lower = O * (1 - 1/(9*O) - z/(3*sqrt(O)))**3,
      upper = (O+1) * (1 - 1/(9*(O+1)) + z/(3*sqrt(O+1)))**3, with z the 1 - alpha/2 normal quantile.

    This is what PHEindicatormethods' ``phe_rate`` and the Fingertips technical guidance do. Divide
    by the denominator (and multiply by the rate multiplier) to get limits for a crude rate.
    Vectorised like :func:`wilson_ci`; NaN in gives NaN out; a negative count raises ValueError.
    """
    conf = _check_confidence(confidence)
    o = _to_float_array(count)
    if np.any(o[~np.isnan(o)] < 0):
        raise ValueError("counts must not be negative")
    alpha = 1 - conf
    z = _scipy_stats.norm.ppf(1 - alpha / 2)
    lower = np.full(o.shape, np.nan)
    upper = np.full(o.shape, np.nan)

    small = ~np.isnan(o) & (o < BYAR_EXACT_BELOW)
    large = ~np.isnan(o) & (o >= BYAR_EXACT_BELOW)

    if np.any(small):
        os_ = o[small]
        with np.errstate(invalid="ignore"):
            lo = _scipy_stats.chi2.ppf(alpha / 2, 2 * os_) / 2
        lower[small] = np.where(os_ == 0, 0.0, lo)  # chi2 with 0 df is degenerate at 0
        upper[small] = _scipy_stats.chi2.ppf(1 - alpha / 2, 2 * os_ + 2) / 2
    if np.any(large):
        ol = o[large]
        lower[large] = ol * (1 - 1 / (9 * ol) - z / (3 * np.sqrt(ol))) ** 3
        o1 = ol + 1
        upper[large] = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    return _wrap(lower, count), _wrap(upper, count)


def with_ci(
    df: pd.DataFrame,
    *,
    count: str,
    denominator: str,
    method: str,
    multiplier: float,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Return a copy of ``df`` with float columns ``value``, ``lower_ci`` and ``upper_ci``.

    value = count / denominator * multiplier (NaN where the denominator is 0 or missing).
    method 'wilson': limits = wilson_ci(count, denominator) * multiplier (use for proportions,
    multiplier 100 for a percentage); 'byar': limits = byar_ci(count) / denominator * multiplier
    (rates per 1,000 / 100,000, exact below 10); 'none': value only, NaN limits.
    Existing columns with those names are overwritten.
    """
    if method not in CI_METHODS:
        raise ValueError(f"method must be one of {CI_METHODS}, got {method!r}")
    for col in (count, denominator):
        if col not in df.columns:
            raise KeyError(f"column {col!r} not in frame")
    out = df.copy()
    x = _to_float_array(df[count])
    n = _to_float_array(df[denominator])
    mult = float(multiplier)
    ok = ~np.isnan(n) & (n != 0)
    safe_n = np.where(ok, n, 1.0)
    value = np.where(ok, x / safe_n * mult, np.nan)
    if method == "wilson":
        lo, up = wilson_ci(x, n, confidence)
        lower, upper = lo * mult, up * mult
    elif method == "byar":
        if np.any(ok & (n < 0)):
            raise ValueError("denominators must not be negative")
        lo, up = byar_ci(x, confidence)
        lower = np.where(ok, lo / safe_n * mult, np.nan)
        upper = np.where(ok, up / safe_n * mult, np.nan)
    else:
        lower = np.full(len(df), np.nan)
        upper = np.full(len(df), np.nan)
    out["value"] = np.asarray(value, dtype=float)
    out["lower_ci"] = np.asarray(lower, dtype=float)
    out["upper_ci"] = np.asarray(upper, dtype=float)
    return out


# --------------------------------------------------------------------------------------------
# benchmarking
# --------------------------------------------------------------------------------------------
def _benchmark_arrays(lower: np.ndarray, upper: np.ndarray, comp: np.ndarray, pol: np.ndarray) -> np.ndarray:
    result = np.full(lower.shape, "not compared", dtype=object)
    valid = ~np.isnan(lower) & ~np.isnan(upper) & ~np.isnan(comp)
    above = valid & (lower > comp)  # whole interval above the comparator; touching is not above
    below = valid & (upper < comp)
    similar = valid & ~above & ~below
    result[similar] = "similar"
    high_good = pol == HIGH_IS_GOOD
    low_good = pol == LOW_IS_GOOD
    neutral = pol == NO_JUDGEMENT
    result[above & high_good] = "better"
    result[above & low_good] = "worse"
    result[above & neutral] = "higher"
    result[below & high_good] = "worse"
    result[below & low_good] = "better"
    result[below & neutral] = "lower"
    return result


def benchmark(lower: Any, upper: Any, comparator: Any, polarity: Any) -> Any:
    """Fingertips comparison of an area's confidence interval with a comparator's value.

    Returns 'better' / 'worse' (polarity 'high is good' or 'low is good'), 'higher' / 'lower'
    (polarity 'no judgement') when the interval lies wholly above or below the comparator, else
    'similar' (an interval touching the comparator is similar). Any missing input gives
    'not compared'.

    Scalars in -> a str. Arrays or Series in (any argument, polarity included) -> an object
    ndarray, or a Series carrying the index of the first Series argument.
    """
    scalar = all(np.ndim(a) == 0 and not isinstance(a, pd.Series) for a in (lower, upper, comparator, polarity))
    lo = _to_float_array(lower)
    up = _to_float_array(upper)
    cp = _to_float_array(comparator)
    if isinstance(polarity, str) or np.ndim(polarity) == 0:
        pol = np.asarray(normalise_polarity(polarity), dtype=object)
    else:
        pol = np.asarray([normalise_polarity(p) for p in np.asarray(polarity, dtype=object).ravel()], dtype=object)
        pol = pol.reshape(np.shape(polarity))
    lo, up, cp, pol = np.broadcast_arrays(lo, up, cp, pol)
    result = _benchmark_arrays(lo, up, cp, pol)
    if scalar:
        return str(result[()])
    for t in (lower, upper, comparator, polarity):
        if isinstance(t, pd.Series):
            return pd.Series(result, index=t.index, dtype=object)
    return result


_PHRASES = {
    "better": "significantly better than {name}",
    "worse": "significantly worse than {name}",
    "higher": "significantly higher than {name}",
    "lower": "significantly lower than {name}",
    "similar": "similar to {name}",
    "not compared": "not compared with {name}",
}


def benchmark_phrase(result: str, comparator_name: str) -> str:
    """Plain-English phrase for a benchmark result, e.g. 'significantly worse than England'."""
    try:
        template = _PHRASES[result]
    except (KeyError, TypeError):
        raise ValueError(f"result must be one of {BENCHMARK_RESULTS}, got {result!r}") from None
    return template.format(name=comparator_name)


# --------------------------------------------------------------------------------------------
# recent trend (Fingertips)
# --------------------------------------------------------------------------------------------
RECENT_TREND_POINTS = 5
# chi2.ppf(0.998, 1): Fingertips' 99.8% threshold (FingertipsNext TrendMarkerCalculator.ChiSquareConfidence).
RECENT_TREND_CHI2 = float(_scipy_stats.chi2.ppf(0.998, 1))
CANNOT_BE_CALCULATED = "cannot be calculated"
NO_SIGNIFICANT_CHANGE = "no significant change"


def _trend_words(direction: int, polarity: str) -> str:
    moving = "increasing" if direction > 0 else "decreasing"
    if polarity == NO_JUDGEMENT:
        return moving
    better = (direction > 0) == (polarity == HIGH_IS_GOOD)
    return f"{moving} and getting {'better' if better else 'worse'}"


def _signs_agree(slopes: list[float]) -> bool:
    # The reference counts a slope of exactly 0 with the positives (`slopeValue < 0 ? -1 : 1`).
    signs = [-1 if s < 0 else 1 for s in slopes]
    return abs(sum(signs)) == len(signs)


def recent_trend(
    frame: pd.DataFrame,
    *,
    polarity: str,
    proportion: bool,
    order: str = "period_start",
    value: str = "value",
    lower: str = "lower_ci",
    upper: str = "upper_ci",
    count: str = "count",
    denominator: str = "denominator",
) -> dict[str, Any]:
    """Fingertips' recent trend on one series: the 5 most recent valid points.

    Proportions (``proportion=True``, from ``count`` and ``denominator``): the chi-squared test for trend
    (Armitage), with the direction and the leave-one-out check from ordinary least squares of
    log(count / (denominator - count)) on the time index. Other values (rates, DSRs; from ``value``,
    ``lower`` and ``upper``): weighted least squares of value on the time index with weights 1/SE^2,
    SE = (upper - lower) / 3.92, and chi2 = (slope / SE(slope))^2. Significant when chi2 > 9.5495 (99.8%)
    and the slope on all 5 points and on each of the 5 leave-one-out subsets has the same sign. The time
    index is each point's position 1-5, kept when a point is left out (FingertipsNext
    ``TrendMarkerCalculator``). Points need not be consecutive periods; a point with a missing input is
    not valid and an older one is used instead (proportions need value, limits, count and denominator).

    Returns {'trend': 'increasing and getting worse' / ... / 'no significant change' / 'cannot be
    calculated', 'direction': +1 / -1 / 0, 'chi2', 'slope', 'points' (periods used, oldest first),
    'reason' ('' or why it cannot be calculated)}.
    """
    pol = normalise_polarity(polarity)
    out: dict[str, Any] = {
        "trend": CANNOT_BE_CALCULATED,
        "direction": 0,
        "chi2": np.nan,
        "slope": np.nan,
        "points": [],
        "reason": "",
    }
    # A point needs its limits even for proportions: FingertipsNext's GetMostRecentData drops points
    # without them on both paths (a missing limit usually means a suppressed value).
    needed = [value, lower, upper, count, denominator] if proportion else [value, lower, upper]
    missing = [c for c in [order, *needed] if c not in frame.columns]
    if missing:
        raise KeyError(f"recent_trend: column(s) {missing} not in frame")
    data = frame[[order, *needed]].copy()
    for c in needed:
        data[c] = pd.to_numeric(data[c], errors="coerce").astype(float)
    valid = data[needed].notna().all(axis=1)
    if proportion:
        valid &= (data[denominator] > 0) & (data[count] >= 0) & (data[count] <= data[denominator])
    data = data[valid].sort_values(order, kind="stable").tail(RECENT_TREND_POINTS)
    out["points"] = list(data[order])
    if len(data) < RECENT_TREND_POINTS:
        out["reason"] = f"fewer than {RECENT_TREND_POINTS} points with valid values"
        return out
    t = np.arange(1, RECENT_TREND_POINTS + 1, dtype=float)
    subsets = [np.ones(RECENT_TREND_POINTS, dtype=bool)] + [t != k for k in t]

    if proportion:
        x = data[count].to_numpy()
        n = data[denominator].to_numpy()
        if np.any(x == 0) or np.any(x == n):
            out["reason"] = "a count of 0, or equal to its denominator, leaves the trend undefined"
            return out
        big_n, big_x = n.sum(), x.sum()
        numerator = big_n * (big_n * (x * t).sum() - big_x * (n * t).sum()) ** 2
        denominator_ = big_x * (big_n - big_x) * (big_n * (n * t * t).sum() - (n * t).sum() ** 2)
        chi2 = float(numerator / denominator_)
        logit = np.log(x / (n - x))
        slopes = [float(np.polyfit(t[s], logit[s], 1)[0]) for s in subsets]
    else:
        y = data[value].to_numpy()
        se = (data[upper].to_numpy() - data[lower].to_numpy()) / 3.92
        if np.any(se <= 0):
            out["reason"] = "a confidence interval of zero width leaves the trend undefined"
            return out
        w = 1 / se**2
        slopes = []
        chi2 = np.nan
        for s in subsets:
            s1, s2, s3, s4, s5 = (
                w[s].sum(),
                (w * y * t)[s].sum(),
                (w * t)[s].sum(),
                (w * y)[s].sum(),
                (w * t * t)[s].sum(),
            )
            det = s1 * s5 - s3**2
            slopes.append(float((s1 * s2 - s3 * s4) / det))
            if len(slopes) == 1:
                chi2 = float((slopes[0] / np.sqrt(s1 / det)) ** 2)
    out["chi2"], out["slope"] = chi2, slopes[0]
    if chi2 > RECENT_TREND_CHI2 and _signs_agree(slopes) and slopes[0] != 0:
        out["direction"] = 1 if slopes[0] > 0 else -1
        out["trend"] = _trend_words(out["direction"], pol)
    else:
        out["trend"] = NO_SIGNIFICANT_CHANGE
    return out
