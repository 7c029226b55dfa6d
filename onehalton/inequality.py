"""Inequality and standardisation: the slope index of inequality (SII) and directly standardised rates (DSR).

Pure numpy/pandas/scipy (no streamlit, no duckdb), so it is easy to test.

Reference methods are PHEindicatormethods' ``phe_sii`` and ``phe_dsr`` (R, OHID), which are what Fingertips
publishes with. That package is GPL-3 and R, and no maintained, permissively licensed Python package
implements either method (DHSC's PHStatsMethods does, but it is GPL-3 too; stats.py explains why this
product avoids copyleft dependencies). Both methods are short and published (Fingertips technical guidance;
Low & Low 2004 for the SII; Dobson et al. 1991 for the DSR limits), so they are written here from the method
and tested against the reference package's own published test cases (tests/test_inequality.py).

SII (``slope_index_of_inequality``)
    Groups are ordered from most deprived (first) to least deprived (last). Each group's position is the
    midpoint of its share of the cumulative population (0 = most deprived end, 1 = least deprived end).
    The SII is the slope of a population-weighted regression of value on position, through the origin on
    the transformed design of ``phe_sii`` (y*sqrt(a) on sqrt(a) and b*sqrt(a), a = population share):
    the modelled difference between the least and the most deprived ends. ``multiplier=-1`` flips the sign
    so that a positive SII means more of the measure in the most deprived groups (as Fingertips shows for
    "high is bad" measures). Its confidence interval comes from simulation, as ``phe_sii``'s: each group's
    value is drawn from a normal distribution (on the log scale for rates, the logit scale for proportions)
    with the group's standard error, the regression refitted for every draw, and the limits read at the
    ``round(reps * alpha/2)``-th and ``round(reps * (1 - alpha/2))``-th sorted draws. A standard error
    worked out from 95% limits uses z = 1.96 whatever the SII's own confidence, as ``phe_sii`` does.
DSR (``dsr_dobson``)
    value = sum(count_i / population_i * standard_i) / sum(standard_i) * multiplier; limits by Dobson's
    method from Byar's limits for the total count; not calculated (NaN) when the total count is below 10,
    as Fingertips does. Missing age-band counts count as 0. The default standard is the 2013 European
    Standard Population in 19 five-year bands to 90+ (``data/reference/esp2013.csv``; Eurostat, *Revision of
    the European Standard Population*, 2013 edition).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from onehalton import stats

__all__ = [
    "ESP2013_CSV",
    "VALUE_TYPES",
    "SiiResult",
    "DsrResult",
    "esp2013",
    "slope_index_of_inequality",
    "dsr_dobson",
    "dobson_limits",
]

ESP2013_CSV = Path(__file__).resolve().parent.parent / "data" / "reference" / "esp2013.csv"
VALUE_TYPES = ("normal", "rate", "proportion")  # phe_sii value_type 0, 1, 2
DSR_MIN_COUNT = 10
_Z95 = 1.959963984540054  # phe_sii derives standard errors from 95% limits whatever its own confidence


def esp2013() -> pd.DataFrame:
    """The 2013 European Standard Population: age_band, lower_age, weight (19 bands, total 100,000)."""
    frame = pd.read_csv(ESP2013_CSV, dtype={"age_band": str, "lower_age": int, "weight": float})
    if len(frame) != 19 or frame["weight"].sum() != 100_000:
        raise ValueError(f"{ESP2013_CSV.name}: expected 19 age bands with weights summing to 100,000")
    return frame


# --------------------------------------------------------------------------------------------
# Slope index of inequality
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SiiResult:
    sii: float
    lower: float
    upper: float
    rii: float
    rii_lower: float
    rii_upper: float
    confidence: float
    groups: int
    repetitions: int

    def significant(self) -> bool:
        """True when the interval excludes 0: a real gradient between the most and least deprived."""
        return bool(self.lower > 0 or self.upper < 0)


def _as_float(x: Any, name: str, n: int | None = None) -> np.ndarray:
    arr = pd.to_numeric(
        pd.Series(list(x) if not isinstance(x, pd.Series) else x.to_list(), dtype=object), errors="coerce"
    ).to_numpy(dtype=float, na_value=np.nan)
    if n is not None and len(arr) != n:
        raise ValueError(f"{name} has {len(arr)} values, expected {n}")
    return arr


def _transform(v: np.ndarray, value_type: str) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if value_type == "rate":
            return np.log(v)
        if value_type == "proportion":
            return np.log(v / (1 - v))
    return v


def _untransform(v: np.ndarray, value_type: str) -> np.ndarray:
    if value_type == "rate":
        return np.exp(v)
    if value_type == "proportion":
        return 1 / (1 + np.exp(-v))
    return v


def slope_index_of_inequality(
    quantile: Any,
    population: Any,
    value: Any,
    *,
    se: Any = None,
    lower: Any = None,
    upper: Any = None,
    value_type: str = "normal",
    multiplier: float = 1.0,
    confidence: float = 0.95,
    repetitions: int = 100_000,
    seed: int | None = 0,
) -> SiiResult:
    """Slope index of inequality with simulated limits, as PHEindicatormethods' ``phe_sii`` (see module doc).

    quantile: group order (1 = most deprived); 5 to 100 distinct groups, each once.
    population: each group's population (> 0). value: each group's value (a proportion in 0-1 for
    ``value_type='proportion'``). Give either ``se`` (on the transformed scale for rates and proportions,
    as ``phe_sii`` takes it) or ``lower`` and ``upper`` 95% limits (untransformed).
    seed: the simulation's random seed, so the same data always give the same limits; None for fresh draws.
    Raises ValueError, naming the problem, for input that the method cannot use.
    """
    if value_type not in VALUE_TYPES:
        raise ValueError(f"value_type must be one of {VALUE_TYPES}, got {value_type!r}")
    conf = float(confidence)
    if conf >= 90:
        conf /= 100
    if not 0.9 <= conf < 1:
        raise ValueError(f"confidence must be between 0.9 and 1 (or 90 and 100), got {confidence!r}")
    if not isinstance(repetitions, (int, np.integer)) or repetitions < 1000:
        raise ValueError(f"repetitions must be an integer of at least 1,000, got {repetitions!r}")
    q = _as_float(quantile, "quantile")
    n = len(q)
    pop = _as_float(population, "population", n)
    val = _as_float(value, "value", n)
    if np.isnan(q).any() or len(np.unique(q)) != n:
        raise ValueError("quantile must hold each group once, with no missing group")
    if not 5 <= n <= 100:
        raise ValueError(f"the SII needs 5 to 100 groups, got {n}")
    if np.isnan(pop).any() or (pop <= 0).any():
        raise ValueError("every group needs a population above 0")
    if np.isnan(val).any():
        raise ValueError("every group needs a value")
    if value_type == "proportion" and ((val <= 0) | (val >= 1)).any():
        raise ValueError("proportions must lie strictly between 0 and 1 (give 0-1, not a percentage)")
    if value_type == "rate" and (val <= 0).any():
        raise ValueError("rates must be above 0 for the log transformation")

    tval = _transform(val, value_type)
    if se is not None:
        se_t = _as_float(se, "se", n)
    elif lower is not None and upper is not None:
        lo, up = _as_float(lower, "lower", n), _as_float(upper, "upper", n)
        se_t = (_transform(up, value_type) - _transform(lo, value_type)) / _Z95 / 2
    else:
        raise ValueError("give either se, or both lower and upper confidence limits")
    if np.isnan(se_t).any() or (se_t < 0).any():
        raise ValueError("every group needs a standard error (or limits) that is not missing or negative")

    order = np.argsort(q, kind="stable")
    pop, val, tval, se_t = pop[order], val[order], tval[order], se_t[order]
    share = pop / pop.sum()
    position = np.cumsum(share) - share / 2  # midpoint of each group's cumulative population share
    sqrt_a = np.sqrt(share)
    design = np.vstack([sqrt_a, position * sqrt_a])  # 2 x n
    solver = np.linalg.solve(design @ design.T, design)  # (X'X)^-1 X', 2 x n

    intercept, slope = solver @ (sqrt_a * val)
    sii = float(multiplier * slope)
    rii = float((intercept + slope) / intercept)
    if multiplier < 0:
        rii = 1 / rii

    rng = np.random.default_rng(seed)
    draws = rng.normal(tval[:, None], se_t[:, None], size=(n, int(repetitions)))
    params = solver @ (_untransform(draws, value_type) * sqrt_a[:, None])
    sims_sii = np.sort(multiplier * params[1])
    sims_rii = (params[0] + params[1]) / params[0]
    if multiplier < 0:
        sims_rii = 1 / sims_rii
    sims_rii = np.sort(sims_rii)
    upper_q = conf + (1 - conf) / 2
    # phe_sii's 1-based positions round(reps * p); R rounds halves to even, as Python's round does.
    lo_pos = max(int(round(repetitions * (1 - upper_q))), 1) - 1
    up_pos = min(int(round(repetitions * upper_q)), repetitions) - 1
    return SiiResult(
        sii=sii,
        lower=float(sims_sii[lo_pos]),
        upper=float(sims_sii[up_pos]),
        rii=rii,
        rii_lower=float(sims_rii[lo_pos]),
        rii_upper=float(sims_rii[up_pos]),
        confidence=conf,
        groups=n,
        repetitions=int(repetitions),
    )


# --------------------------------------------------------------------------------------------
# Directly standardised rates
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DsrResult:
    total_count: float
    total_population: float
    value: float
    lower: float
    upper: float
    confidence: float
    multiplier: float
    note: str  # '' or why there is no value


def _dobson(value, total, variance, multiplier, confidence: float):
    """Dobson's limits: the rate moved by sqrt(variance / total) x multiplier per event of Byar's limits on the
    total (stats.byar_ci; Dobson is used from 10 events, where it is Byar's approximation, not the exact limits)."""
    b_lo, b_up = stats.byar_ci(total, confidence)
    scale = np.sqrt(variance / total) * multiplier
    return value + scale * (b_lo - total), value + scale * (b_up - total)


def dobson_limits(
    value: Any, count: Any, variance: Any, *, multiplier: Any = 100_000, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Dobson limits for directly standardised rates already worked out (in SQL: queries/summaries/indicator_dsr.sql),
    one per row: ``value`` the rate, ``count`` the total events, ``variance`` the term
    sum(count_i x (standard_i / population_i)^2) / sum(standard_i)^2, ``multiplier`` per row or one for all.
    The same arithmetic as ``dsr_dobson``; NaN where any input is missing or there are fewer than 10 events."""
    v = _as_float(value, "value")
    n = len(v)
    x = _as_float(count, "count", n)
    var = _as_float(variance, "variance", n)
    mult = np.broadcast_to(np.asarray(multiplier, dtype=float), (n,))
    lower, upper = np.full(n, np.nan), np.full(n, np.nan)
    at = ~np.isnan(v) & ~np.isnan(var) & ~np.isnan(x) & (x >= DSR_MIN_COUNT) & (var >= 0)
    if at.any():
        lower[at], upper[at] = _dobson(v[at], x[at], var[at], mult[at], float(confidence))
    return lower, upper


def dsr_dobson(
    count: Any,
    population: Any,
    standard: Any = None,
    *,
    multiplier: float = 100_000,
    confidence: float = 0.95,
) -> DsrResult:
    """Directly standardised rate with Dobson limits for one area, age bands in the standard's order.

    count, population: per age band (same length as ``standard``; default the ESP 2013 weights, 19 bands).
    A missing count is 0; every population must be above 0. Below 10 events in total the value and limits
    are NaN and ``note`` says why (Fingertips does not publish a DSR on fewer than 10 events).
    """
    conf = float(confidence)
    if conf >= 90:
        conf /= 100
    if not 0.9 <= conf < 1:
        raise ValueError(f"confidence must be between 0.9 and 1 (or 90 and 100), got {confidence!r}")
    weights = esp2013()["weight"].to_numpy(dtype=float) if standard is None else _as_float(standard, "standard")
    k = len(weights)
    x = _as_float(count, "count", k)
    n = _as_float(population, "population", k)
    if np.isnan(weights).any() or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError("the standard population needs a weight of 0 or more for every age band")
    if (x[~np.isnan(x)] < 0).any():
        raise ValueError("counts must not be negative")
    if np.isnan(n).any() or (n <= 0).any():
        raise ValueError("every age band needs a population above 0")
    x = np.nan_to_num(x, nan=0.0)
    total = float(x.sum())
    total_pop = float(n.sum())
    mult = float(multiplier)
    if total < DSR_MIN_COUNT:
        return DsrResult(
            total, total_pop, np.nan, np.nan, np.nan, conf, mult, f"not calculated: fewer than {DSR_MIN_COUNT} events"
        )
    w_sum = weights.sum()
    value = float((x * weights / n).sum() / w_sum * mult)
    var = float((x * (weights / n) ** 2).sum() / w_sum**2)
    lower, upper = _dobson(value, total, var, mult, conf)
    return DsrResult(total, total_pop, value, float(lower), float(upper), conf, mult, "")
