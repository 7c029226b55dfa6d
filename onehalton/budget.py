"""Shaping the budget statement for people: the columns the partnership prints, rounded to the pound."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import streamlit as st

HEADLINES = (
    ("Annual budget", "budget", "Sum of the year's budget lines."),
    ("YTD actuals", "ytd_actuals", "Actuals to the as-at month, including prior-year invoices."),
    ("Accruals", "accruals", "Accruals at the as-at month."),
    ("M12 total (forecast)", "m12_total", "YTD actuals + accruals."),
    ("Variance", "variance", "Budget − M12 total. Positive means underspend."),
)
MONEY = [
    "budget",
    "prior_year_invoices",
    *[f"m{m:02d}" for m in range(1, 13)],
    "ytd_actuals",
    "accruals",
    "m12_total",
    "variance",
]
LABELS = {
    "budget": "Annual budget",
    "prior_year_invoices": "Prior-year invoices",
    "ytd_actuals": "YTD actuals",
    "accruals": "Accruals",
    "m12_total": "M12 total",
    "variance": "Variance",
    **{f"m{m:02d}": f"Month {m}" for m in range(1, 13)},
}


def to_pounds(value) -> int | None:
    """Round exact pence to whole pounds the way a printed statement does (half up, not banker's)."""
    if value is None or pd.isna(value):
        return None
    return int(Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def statement_for_display(statement: pd.DataFrame, month: int) -> pd.DataFrame:
    months = [f"m{m:02d}" for m in range(1, month + 1)]
    frame = statement.copy()
    frame["line"] = frame["line_title"].where(
        frame["row_type"] == "line", frame["funding_source"].fillna("") + " subtotal"
    )
    frame.loc[frame["row_type"] == "total", "line"] = "Grand total"
    keep = [
        "row_type",
        "org_ledger",
        "funding_source",
        "line",
        "host",
        "budget",
        "prior_year_invoices",
        *months,
        "ytd_actuals",
        "accruals",
        "m12_total",
        "variance",
    ]
    frame = frame[keep]
    for column in [c for c in keep if c in MONEY]:
        frame[column] = frame[column].map(to_pounds).astype("Int64")
    return frame


def column_config(frame: pd.DataFrame) -> dict:
    config = {c: st.column_config.NumberColumn(LABELS[c], format="£%d") for c in frame.columns if c in MONEY}
    config.update(
        {
            "row_type": st.column_config.TextColumn("Row"),
            "org_ledger": "Ledger",
            "funding_source": "Funding source",
            "line": "Line",
            "host": "Host",
        }
    )
    return config


def spend_against_budget(subtotals: pd.DataFrame) -> pd.DataFrame:
    frame = subtotals.melt(
        id_vars=["funding_source"],
        value_vars=["budget", "ytd_actuals", "m12_total"],
        var_name="measure",
        value_name="amount",
    )
    frame["measure"] = frame["measure"].map(LABELS)
    frame["amount"] = frame["amount"].astype(float)
    return frame
