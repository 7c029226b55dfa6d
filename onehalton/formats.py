"""How a number or a period is written, in one place: tiles, tables, chart axes, CSVs and the board pack all use it.

Money is rounded half up from exact decimals, as the published budget statement prints it (never Python's
round-half-to-even, never through a float's binary approximation of a string the extract held exactly).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

SUPPRESSED = "*"  # a value hidden to protect small numbers
MISSING = "–"  # no value at all (never "None" or "nan")

KINDS = ("count", "pct", "rate", "gbp", "value")
# d3-format strings for chart axes and tooltips. Money has no d3 form that writes "£" without a locale, so its
# axes use LABEL_EXPRESSIONS instead (Vega rejects "£,.0f" and draws nothing).
# A share's axis to one decimal, trailing zeros trimmed: ".0%" wrote 4%, 4%, 5% on a DNA rate between 4.2% and 4.8%.
AXIS_FORMATS = {"count": ",.0f", "pct": ".1~%", "rate": ",.1f", "gbp": ",.0f", "value": ",.1f"}
TOOLTIP_FORMATS = {"count": ",.0f", "pct": ".1%", "rate": ",.1f", "gbp": ",.0f", "value": ",.1f"}
LABEL_EXPRESSIONS = {"gbp": "(datum.value < 0 ? '−£' : '£') + format(abs(datum.value), ',.0f')"}


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def pounds(value) -> int | None:
    """Whole pounds, half up, from an exact Decimal (or anything its text gives exactly)."""
    if is_missing(value):
        return None
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return int(exact.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def fmt(value, kind: str, *, missing: str = SUPPRESSED) -> str:
    """`value` written as a `kind` (a KINDS name); `missing` stands in for no value (suppressed by default)."""
    if is_missing(value):
        return missing
    if kind == "gbp":
        whole = pounds(value)
        return f"−£{-whole:,}" if whole < 0 else f"£{whole:,}"
    number = float(value)
    if math.isinf(number):
        return missing
    if kind == "count":
        return f"{number:,.0f}"
    if kind == "pct":
        return f"{number:.1%}"
    return f"{number:,.1f}"


def change(value, previous, kind: str) -> str | None:
    """The change from the period before, signed ("+1.2 pp", "−£3,000"); None when nothing can be said."""
    if is_missing(value) or is_missing(previous):
        return None
    if kind == "gbp":
        difference = pounds(value) - pounds(previous)
        return "no change" if difference == 0 else f"{'+' if difference > 0 else '−'}£{abs(difference):,}"
    difference = float(value) - float(previous)
    if kind == "pct":
        points = round(difference * 100, 1)
        return "no change" if points == 0 else f"{points:+.1f} pp".replace("-", "−")
    shown = round(difference, 0 if kind == "count" else 1)
    if shown == 0:
        return "no change"
    body = f"{abs(shown):,.0f}" if kind == "count" else f"{abs(shown):,.1f}"
    return ("+" if shown > 0 else "−") + body


def month_name(value) -> str:
    """A month as people write it: "Nov 2026"."""
    return f"{pd.Timestamp(value):%b %Y}"


def period_name(value, time_period: str | None = None) -> str:
    """A period as its own data names it: an indicator's "2024/25" or "2022 - 24" stays as published (with an en
    dash for a span); a month is written "Nov 2026"."""
    if time_period:
        return str(time_period).replace(" - ", "–")
    if isinstance(value, str):
        return value
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return month_name(value)
    return str(value)
