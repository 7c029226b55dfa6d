"""Small-number suppression, in one place, for tables, charts and downloads alike.

Pure pandas/numpy (no streamlit, no duckdb).

Rules
-----
Primary
    a count of 1 to ``threshold`` (default 7) is hidden. Zero is shown: it discloses nothing about
    any person. (Any value > 0 and <= threshold is hidden, so a stray 0.5 is hidden too.)
Derived
    a rate, percentage or confidence limit is hidden whenever any count it is built from is.
Secondary (complementary)
    ``groups`` names the columns that identify rows adding up to a published total (for example
    ``["month"]``: all wards in a month add up to the Halton figure; ``["ward", "month"]``: the
    categories of one ward-month add up to its total). Within each group, for each count column,
    a hidden cell could be worked out from the total when

    * exactly one cell in the group is hidden (total minus the visible cells), or
    * two or more are hidden but they sum to the number hidden: every hidden cell must then be 1,
      because zeros are never hidden.

    Either way the smallest non-zero visible cell of the group is hidden as well (ties: first
    row), and the check repeats. A zero is used as the complement only when the group has no
    non-zero visible cell left.
    Pass several groupings (a list of lists, e.g. ``[["month"], ["ward"]]``) when more than one
    kind of total is published; they are applied in turn until nothing changes.
    ``groups=None`` means no total is published (no secondary suppression); ``groups=[]`` means
    the whole frame is one group (its column totals are published).
    Not covered: totals held in another column of the same row (a wide table with a row total).
    Reshape to long form and group by the row's keys instead.

The result keeps numbers numeric: suppressed cells become <NA> in nullable ``Float64`` columns so
charts still draw (with gaps); ``display()`` gives text with the label for tables and CSVs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_THRESHOLD",
    "SUPPRESSED_LABEL",
    "SUPPRESSION_LEGEND",
    "Suppressed",
    "suppression_legend",
    "suppress",
    "assert_no_small_counts",
]

DEFAULT_THRESHOLD = 7
SUPPRESSED_LABEL = "*"


def suppression_legend(threshold: int = DEFAULT_THRESHOLD, label: str = SUPPRESSED_LABEL) -> str:
    """Plain-English legend for a suppressed table or chart."""
    return (
        f"{label} Not shown to protect confidentiality: counts of 1 to {threshold}, and rates or "
        "percentages built on them, are suppressed. Some other values are also hidden so that they "
        "cannot be worked out from the totals."
    )


SUPPRESSION_LEGEND = suppression_legend()


@dataclass(frozen=True)
class Suppressed:
    """Result of :func:`suppress`.

    frame: copy of the input; suppressed cells are <NA>; count and derived numeric columns are
      nullable Float64 (other columns untouched).
    mask: bool DataFrame, same index and columns as the input, True where a cell is suppressed
      (count and derived cells).
    primary: number of count cells hidden because they are 1..threshold.
    secondary: number of further count cells hidden to protect them.
    """

    frame: pd.DataFrame
    mask: pd.DataFrame
    primary: int
    secondary: int
    threshold: int = DEFAULT_THRESHOLD
    count_columns: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        """All suppressed cells, derived ones included."""
        return int(self.mask.to_numpy().sum())

    @property
    def legend(self) -> str:
        return suppression_legend(self.threshold)

    def display(self, label: str = SUPPRESSED_LABEL) -> pd.DataFrame:
        """Object-dtype copy for tables and CSV downloads: suppressed cells hold ``label``.

        Whole-number counts are shown as ints (12, not 12.0); missing cells that were not
        suppressed are None (an empty CSV cell).
        """
        out = self.frame.astype(object)
        for col in out.columns:
            values = out[col].to_numpy(dtype=object, copy=True)
            for i, v in enumerate(values):
                if v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                    values[i] = None
                elif col in self.count_columns and isinstance(v, (float, np.floating)) and float(v).is_integer():
                    values[i] = int(v)
            m = self.mask[col].to_numpy(dtype=bool)
            values[m] = label
            out[col] = pd.Series(values, index=out.index, dtype=object)
        return out


def _groupings(groups: Sequence | None) -> list[list[str]]:
    if groups is None:
        return []
    groups = list(groups)
    if not groups:
        return [[]]
    if all(isinstance(g, str) for g in groups):
        return [groups]
    if all(isinstance(g, (list, tuple)) for g in groups):
        return [list(g) for g in groups]
    raise TypeError("groups must be a list of column names or a list of such lists")


def _protect_group(pos: np.ndarray, vals: np.ndarray, hidden: np.ndarray) -> bool:
    """Add complementary suppressions in one group of one column. Returns True if it changed."""
    changed = False
    while True:
        h = hidden[pos]
        k = int(h.sum())
        if k == 0:
            return changed
        hidden_sum = float(np.nansum(vals[pos][h]))
        if not (k == 1 or hidden_sum == k):
            return changed
        visible = pos[~h & ~np.isnan(vals[pos])]
        nonzero = visible[vals[visible] > 0]
        if len(nonzero):
            # smallest value; ties -> first row (argmin returns the first)
            choice = nonzero[np.argmin(vals[nonzero])]
        else:
            zeros = visible[vals[visible] == 0]
            if not len(zeros):
                return changed  # nothing left to hide in this group
            choice = zeros[0]
        hidden[choice] = True
        changed = True


def hidden_cells(
    df: pd.DataFrame,
    *,
    counts: list[str],
    groups: list[str] | list[list[str]] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Which cells to hide, before any frame is built: (hidden, primary), each a count column's boolean array
    by row position, primary and secondary rules applied (see `suppress`). `protection.protect` needs only these,
    and building the suppressed frame it would throw away was half of protecting a small view."""
    if not isinstance(threshold, (int, np.integer)) or isinstance(threshold, bool) or threshold < 0:
        raise ValueError(f"threshold must be a non-negative integer, got {threshold!r}")
    if df.columns.duplicated().any():
        raise ValueError("column names must be unique")
    counts = list(counts)
    if not counts:
        raise ValueError("counts must name at least one column")
    groupings = _groupings(groups)
    missing = sorted((set(counts) | {c for g in groupings for c in g}) - set(df.columns))
    if missing:
        raise KeyError(f"columns not in frame: {missing}")

    n = len(df)
    values: dict[str, np.ndarray] = {}
    for col in counts:
        s = df[col]
        if not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
            raise TypeError(f"count column {col!r} must be numeric, not {s.dtype}")
        values[col] = s.to_numpy(dtype=float, na_value=np.nan)

    primary = {c: (values[c] > 0) & (values[c] <= threshold) for c in counts}
    hidden = {c: primary[c].copy() for c in counts}

    group_positions: list[list[np.ndarray]] = []
    for keys in groupings:
        if not keys:
            group_positions.append([np.arange(n)])
        else:
            ids = df.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
            group_positions.append([np.flatnonzero(ids == g) for g in np.unique(ids)])

    changed = bool(group_positions)
    while changed:
        changed = False
        for positions in group_positions:
            for col in counts:
                for pos in positions:
                    if _protect_group(pos, values[col], hidden[col]):
                        changed = True
    return hidden, primary


def suppress(
    df: pd.DataFrame,
    *,
    counts: list[str],
    derived: dict[str, list[str]] | None = None,
    groups: list[str] | list[list[str]] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> Suppressed:
    """Suppress small counts (primary), what is built on them (derived) and complements (secondary).

    See the module docstring for the rules. ``counts`` are the numeric count columns to check;
    ``derived`` maps each derived column to the columns it is built from; ``groups`` gives the
    column(s) identifying rows that add up to a published total.
    """
    derived = dict(derived or {})
    missing = sorted(({c for srcs in derived.values() for c in srcs} | set(derived)) - set(df.columns))
    if missing:
        raise KeyError(f"columns not in frame: {missing}")
    overlap = sorted(set(counts) & set(derived))
    if overlap:
        raise ValueError(f"a column cannot be both a count and a derived column: {overlap}")
    hidden, primary = hidden_cells(df, counts=counts, groups=groups, threshold=threshold)
    counts = list(counts)
    n = len(df)

    mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    for col in counts:
        mask[col] = hidden[col]
    for col, sources in derived.items():
        m = np.zeros(n, dtype=bool)
        for src in sources:
            if src in hidden:
                m |= hidden[src]
        mask[col] = m

    frame = df.copy()
    for col in list(counts) + list(derived):
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            s = s.astype("Float64")
        else:
            s = s.astype(object)
        s = s.mask(mask[col].to_numpy(), pd.NA)
        frame[col] = s

    n_primary = int(sum(int(primary[c].sum()) for c in counts))
    n_secondary = int(sum(int((hidden[c] & ~primary[c]).sum()) for c in counts))
    return Suppressed(
        frame=frame,
        mask=mask,
        primary=n_primary,
        secondary=n_secondary,
        threshold=int(threshold),
        count_columns=tuple(counts),
    )


def assert_no_small_counts(
    df: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, columns: Sequence[str] | None = None
) -> None:
    """Raise AssertionError naming the first offending cells if a whole number 1..threshold remains.

    ``columns`` defaults to every numeric (non-boolean) column. Named columns of text (for example
    the output of ``Suppressed.display()``) are read as numbers where they parse, so labels such
    as "*" are ignored.
    """
    if columns is None:
        columns = [
            c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        ]
    offenders: list[str] = []
    total = 0
    for col in columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            continue
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(v) & (v >= 1) & (v <= threshold) & (v == np.floor(v))
        total += int(bad.sum())
        for i in np.flatnonzero(bad):
            if len(offenders) < 10:
                offenders.append(f"row {df.index[i]!r}, column {col!r}: {s.iloc[i]}")
    if total:
        raise AssertionError(
            f"{total} cell(s) with a count of 1 to {threshold} not suppressed; first: " + "; ".join(offenders)
        )
