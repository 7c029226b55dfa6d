"""Small numbers protected by declaration: each query that can reach ward- or practice-level counts says so in
its header (`-- Suppress:`), and loading it returns the protected frame. Pages never suppress by hand.

The rule, decided once on the finest cells a person can reach (ward × period × measure, practice × period ×
measure) and applied to every view built from them (one ward, several, all but one, a pooled period):

1. Primary: a health count from 1 to the threshold (default 7) is hidden; zero is shown.
2. Secondary: within rows that add up to a published total (the header's `groups`), a hidden cell that the total
   would give away is protected by hiding the next smallest (`onehalton.suppression`).
3. Rounding: every other ward- or practice-level health count is rounded to the nearest 5 (halves up), as NHS
   small-area publications do, so that no subtraction of one published view from another pins a hidden value
   down: a difference of two rounded counts is only known to within ±4.
4. Derived measures (rates, shares, confidence limits) are worked out again from the published counts, through the
   measure registry, so a rate cannot be multiplied back into the exact count behind it; a derived value is hidden
   whenever a count it is built on is hidden.

Halton-wide and England figures are published exactly, as the national publications do: with every ward rounded,
Halton minus the other wards is only known to within ±2 per ward.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from onehalton import inequality, measures, stats, suppression

ROUND_TO = 5
SCOPES = ("none", "when wards", "always", "ward rows")
_DECLARATION = re.compile(r"^(?P<scope>none|when \$wards|always|ward rows)\s*(?:;\s*groups:\s*(?P<groups>.*))?$")


@dataclass(frozen=True)
class Declaration:
    scope: str  # one of SCOPES
    groups: tuple[tuple[str, ...], ...] | None = None  # rows adding up to a published total; None: none published

    @property
    def groups_arg(self):
        if self.groups is None:
            return None
        return [list(g) for g in self.groups]


def parse(text: str) -> Declaration:
    """`none`, `when $wards`, `always` or `ward rows`, then optionally `; groups: month | ward_code, month`
    (`|` between groupings, `all` for the whole frame as one group)."""
    match = _DECLARATION.match(text.strip())
    if not match:
        raise ValueError(f"a Suppress: header must be one of {', '.join(SCOPES)} (then '; groups: ...'), not {text!r}")
    scope = match["scope"].replace("$", "")
    groups = None
    if match["groups"]:
        groups = tuple(
            () if g.strip() == "all" else tuple(c.strip() for c in g.split(",") if c.strip())
            for g in match["groups"].split("|")
        )
    return Declaration(scope, groups)


@dataclass(frozen=True)
class Protected:
    frame: pd.DataFrame  # numbers as published: hidden cells <NA>, counts rounded, derived measures recomputed
    hidden: pd.DataFrame  # True where a cell is hidden to protect small numbers
    suppressed: int  # hidden count cells
    rounded: bool  # True when ward- or practice-level counts were rounded

    def with_frame(self, frame: pd.DataFrame) -> Protected:
        """The same protection over a frame built from this one (rows kept or dropped, columns added): new
        columns are not hidden, so add only what is worked out from published values."""
        hidden = self.hidden.reindex(index=frame.index, columns=frame.columns, fill_value=False)
        return Protected(frame, hidden.astype(bool), self.suppressed, self.rounded)

    def display(self, columns: list[str] | None = None, label: str = suppression.SUPPRESSED_LABEL) -> pd.DataFrame:
        """The frame for a CSV (`columns` of it, default all): hidden cells hold `label`, missing ones None,
        everything else as published. Column by column, and only the columns asked for: converting a whole
        frame to objects was most of what a CSV download cost."""
        out = {}
        for column in self.frame.columns if columns is None else columns:
            series = self.frame[column]
            values = series.to_numpy(dtype=object, copy=True)
            values[series.isna().to_numpy()] = None
            values[self.hidden[column].to_numpy(dtype=bool)] = label
            out[column] = values
        return pd.DataFrame(out, index=self.frame.index, dtype=object)


def active_rows(frame: pd.DataFrame, declaration: Declaration, params: dict) -> pd.Series:
    if declaration.scope == "always":
        return pd.Series(True, index=frame.index)
    if declaration.scope == "when wards":
        return pd.Series(bool(params.get("wards")), index=frame.index)
    if declaration.scope == "ward rows":
        return frame["area_type"].eq("Ward") if "area_type" in frame else pd.Series(True, index=frame.index)
    return pd.Series(False, index=frame.index)


def round_counts(values: np.ndarray, base: int = ROUND_TO) -> np.ndarray:
    """Nearest multiple of `base`, halves up (12.5 → 15); NaN stays NaN."""
    return np.floor(values / base + 0.5) * base


def protect(
    frame: pd.DataFrame,
    declaration: Declaration,
    params: dict,
    threshold: int,
    base: int = ROUND_TO,
    halton: pd.DataFrame | None = None,
) -> Protected:
    """`frame` as it may be published. `halton`: the same query for all of Halton (for a `when $wards` view), so
    that a selection whose complement in Halton is small is hidden too (Halton's exact figure minus the
    selection's would otherwise give the wards left out, to within the rounding)."""
    counts = [c for c in frame.columns if c in measures.HEALTH_COUNT_NAMES]
    rows = active_rows(frame, declaration, params)
    at = rows.to_numpy(dtype=bool)
    # Masks as numpy arrays by row position, made a frame once at the end: cell-by-cell .loc writes on a frame of
    # flags were most of what protecting a small view cost.
    hidden = {column: np.zeros(len(frame), dtype=bool) for column in frame.columns}
    out = frame.copy()
    suppressed = 0
    if at.any() and counts:
        part = frame[at]
        cells, _ = suppression.hidden_cells(part, counts=counts, groups=declaration.groups_arg, threshold=threshold)
        complement = _small_complement(frame, rows, counts, declaration, halton, threshold)
        for column in counts:
            exact = part[column].to_numpy(dtype=float, na_value=np.nan)
            mask = cells[column] | np.asarray(complement[column], dtype=bool)[at]
            suppressed += int(mask.sum())
            published = np.where(mask, np.nan, round_counts(exact, base))
            values = _floats(out[column])
            values[at] = published
            out[column] = pd.array(values, dtype="Float64")
            hidden[column][at] = mask
        _recompute(out, hidden, at)
    return Protected(out, pd.DataFrame(hidden, index=frame.index), suppressed, bool(at.any() and counts))


def _key_columns(frame: pd.DataFrame) -> list[str]:
    """The columns that name a row (a month, a mode, an indicator and period), not the numbers in it."""
    return [
        c
        for c in frame.columns
        if c not in measures.REGISTRY
        and not c.endswith(("_lower", "_upper", "_ci"))
        and (not pd.api.types.is_float_dtype(frame[c]) or pd.api.types.is_datetime64_any_dtype(frame[c]))
        and c not in ("area_type", "area_code", "area_name", "multiplier")
    ]


def _small_complement(
    frame: pd.DataFrame,
    rows: pd.Series,
    counts: list[str],
    declaration: Declaration,
    halton: pd.DataFrame | None,
    threshold: int,
) -> pd.DataFrame:
    """True where Halton's exact count minus this selection's is 1..threshold: the wards left out are a small
    number, which the difference of the two views would give away."""
    flags = {column: np.zeros(len(frame), dtype=bool) for column in counts}
    if declaration.scope == "ward rows" and "area_type" in frame:
        halton = frame[frame["area_type"] == "Local authority"]
    if halton is None or halton.empty:
        return flags
    keys = [k for k in _key_columns(frame) if k in halton.columns]
    positions = np.flatnonzero(rows.to_numpy(dtype=bool))
    selection = frame.iloc[positions]
    shared = [c for c in counts if c in halton.columns]
    if not shared:
        return flags
    if keys:
        # One Halton row per key (the last, should the data ever hold two), so the join keeps the selection's rows.
        halton = halton[keys + shared].drop_duplicates(keys, keep="last")
        joined = selection[keys + shared].merge(halton, on=keys, how="left", suffixes=("", "_halton"))
        halton_counts = {c: _floats(joined[f"{c}_halton"]) for c in shared}
    else:  # one row each: the whole selection against the whole of Halton
        halton_counts = {c: np.full(len(selection), float(halton[c].sum())) for c in shared}
    for column in shared:
        left_out = halton_counts[column] - _floats(selection[column])
        flags[column][positions] = (left_out >= 1) & (left_out <= threshold)
    return flags


def _floats(column: pd.Series) -> np.ndarray:
    """A numeric column as floats, missing values NaN (nullable, object and numpy columns alike)."""
    return column.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _recompute(out: pd.DataFrame, hidden: dict[str, np.ndarray], at: np.ndarray) -> None:
    """Derived measures from the published counts, on the protected rows (`at`); hidden with any count they use."""
    for measure in measures.REGISTRY.values():
        if not measure.derived or measure.name not in out or measure.numerator not in out:
            continue
        if not all(c in out for c in measure.denominator):
            continue
        numerator = _floats(out[measure.numerator])
        denominator = sum(_floats(out[c]) for c in measure.denominator)
        multiplier = _row_multiplier(out, measure)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(denominator > 0, numerator / denominator * multiplier, np.nan)
        current = _floats(out[measure.name])
        mask = at & _source_hidden(hidden, measure, len(out))
        recompute = at & _crude(out, measure) & ~np.isnan(numerator) | mask
        current[recompute] = value[recompute]
        current[mask] = np.nan
        out[measure.name] = pd.array(current, dtype="Float64")
        hidden[measure.name][mask] = True


def _source_hidden(hidden: dict[str, np.ndarray], measure: measures.Measure, rows: int) -> np.ndarray:
    mask = np.zeros(rows, dtype=bool)
    for source in measure.sources:
        if source in hidden:
            mask |= hidden[source]
    return mask


def _row_multiplier(out: pd.DataFrame, measure: measures.Measure):
    if measure.ci_method == "row" and "multiplier" in out:
        return out["multiplier"].astype(float).to_numpy()
    return measure.multiplier


def _crude(out: pd.DataFrame, measure: measures.Measure) -> np.ndarray:
    """Rows whose value is the plain ratio of its counts: an indicator's published value is kept when its
    method is not (a directly standardised rate, a score), since the counts alone do not give it."""
    if measure.ci_method == "row" and "ci_method" in out:
        return out["ci_method"].isin(["wilson", "byar"]).to_numpy()
    return np.ones(len(out), dtype=bool)


# The Dobson variance term of a directly standardised rate (queries/summaries/indicator_dsr.sql): worked out from
# the age-band counts behind the rate, so it is hidden, and emptied, wherever the rate is.
DSR_VARIANCE = "dsr_variance"
DSR_NOTE = "ci_note"
DSR_NOTES = {
    "published": "Directly standardised rate as published: the data has no age bands for it "
    "(indicator_age_bands), so no confidence interval.",
    "too_few": "No directly standardised rate: fewer than 10 events (Fingertips publishes none) or an age band "
    "missing.",
    "combined": "No directly standardised rate for several wards together: their age bands are not pooled.",
}


def published(protected: Protected) -> Protected:
    """The protected result with the 95% limits of its derived measures, hidden wherever the measure is."""
    frame = protected.frame
    if DSR_VARIANCE in frame and "value" in protected.hidden:
        hidden_value = protected.hidden["value"].to_numpy(dtype=bool)
        if hidden_value.any():
            variance = _floats(frame[DSR_VARIANCE])
            variance[hidden_value] = np.nan
            frame = frame.assign(**{DSR_VARIANCE: pd.array(variance, dtype="Float64")})
            hidden = protected.hidden.copy()
            hidden.loc[hidden_value, DSR_VARIANCE] = True
            protected = Protected(frame, hidden, protected.suppressed, protected.rounded)
    frame = with_cis(frame)
    out = protected.with_frame(frame)
    for measure in measures.REGISTRY.values():
        if measure.name not in out.hidden:
            continue
        limits = (
            ("lower_ci", "upper_ci")
            if measure.ci_method == "row"
            else (f"{measure.name}_lower", f"{measure.name}_upper")
        )
        for column in limits:
            if column in out.hidden:
                out.hidden[column] |= out.hidden[measure.name]
    return out


def with_cis(frame: pd.DataFrame) -> pd.DataFrame:
    """95% limits for every derived measure in the frame, from its (published) counts, by the registry's method:
    `<measure>_lower`/`<measure>_upper`; an indicator's value by its own row's method as `lower_ci`/`upper_ci`."""
    out = frame
    for measure in measures.REGISTRY.values():
        if not measure.derived or measure.ci_method is None or measure.name not in frame:
            continue
        if measure.numerator not in frame or not all(c in frame for c in measure.denominator):
            continue
        if out is frame:
            out = frame.copy()
        count = _floats(frame[measure.numerator])
        denominator = sum(_floats(frame[c]) for c in measure.denominator)
        if measure.ci_method == "row":
            lower, upper = _row_cis(frame, count, denominator)
            out["lower_ci"], out["upper_ci"] = lower, upper
            if "ci_method" in frame and frame["ci_method"].eq("dsr").any():
                out[DSR_NOTE] = _dsr_notes(frame, count)
            continue
        if measure.ci_method == "wilson":
            lower, upper = stats.wilson_ci(count, denominator)
        else:
            low_count, high_count = stats.byar_ci(count)
            with np.errstate(divide="ignore", invalid="ignore"):
                lower = low_count / denominator * measure.multiplier
                upper = high_count / denominator * measure.multiplier
        value = _floats(frame[measure.name])
        out[f"{measure.name}_lower"] = np.where(np.isnan(value), np.nan, lower)
        out[f"{measure.name}_upper"] = np.where(np.isnan(value), np.nan, upper)
    return out


def _dsr_notes(frame: pd.DataFrame, count: np.ndarray) -> list[str]:
    """Why a dsr row has no rate or no limits ('' when it has both, or when it is suppressed: the suppression
    label says so)."""
    value = _floats(frame["value"])
    variance = _floats(frame[DSR_VARIANCE]) if DSR_VARIANCE in frame else np.full(len(frame), np.nan)
    names = frame["area_name"].astype(str).to_numpy() if "area_name" in frame else np.full(len(frame), "")
    notes = []
    for method, v, var, c, name in zip(frame["ci_method"].to_numpy(), value, variance, count, names):
        if method != "dsr" or (not np.isnan(v) and not np.isnan(var)):
            notes.append("")
        elif name.startswith("Selected wards"):
            notes.append(DSR_NOTES["combined"])
        elif not np.isnan(v):
            notes.append(DSR_NOTES["published"])
        elif not np.isnan(c):
            notes.append(DSR_NOTES["too_few"])
        else:
            notes.append("")
    return notes


def _row_cis(frame: pd.DataFrame, count: np.ndarray, denominator: np.ndarray):
    lower = np.full(len(frame), np.nan)
    upper = np.full(len(frame), np.nan)
    value = _floats(frame["value"])
    methods = frame["ci_method"].to_numpy() if "ci_method" in frame else np.array(["none"] * len(frame))
    multipliers = frame["multiplier"].astype(float).to_numpy() if "multiplier" in frame else np.ones(len(frame))
    for method in ("wilson", "byar"):
        at = (methods == method) & ~np.isnan(count) & ~np.isnan(denominator) & (denominator > 0) & ~np.isnan(value)
        if not at.any():
            continue
        if method == "wilson":
            low, high = stats.wilson_ci(count[at], denominator[at])
            low, high = np.asarray(low) * multipliers[at], np.asarray(high) * multipliers[at]
        else:
            low_count, high_count = stats.byar_ci(count[at])
            low = np.asarray(low_count) / denominator[at] * multipliers[at]
            high = np.asarray(high_count) / denominator[at] * multipliers[at]
        lower[at], upper[at] = low, high
    if DSR_VARIANCE in frame:
        # Dobson's limits from the rate, its (published: rounded at ward level) total count and the variance term
        # SQL worked out from the age bands; none below 10 events, as the rate itself.
        at = methods == "dsr"
        variance = _floats(frame[DSR_VARIANCE])
        if at.any():
            low, high = inequality.dobson_limits(value[at], count[at], variance[at], multiplier=multipliers[at])
            lower[at], upper[at] = low, high
    return lower, upper
