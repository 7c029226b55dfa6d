"""Budget: the One Halton budget statement for a financial year as at a month, as the partnership reads it."""

import calendar

import streamlit as st

from onehalton import budget, charts, filters, formats, frame, kpis, sections, tables

frame.page(
    "Budget",
    "The One Halton budget statement: budget, prior-year invoices, monthly actuals, year-to-date "
    "actuals, accruals, forecast (M12 total) and variance, per line, per funding source and in total.",
    ("budget_spend",),
)
years = frame.load("budget_years")
if years is None or years.frame.empty:
    frame.unavailable("The budget statement")
    st.stop()
years = years.frame

year_options = years["financial_year"].tolist()
filters.notice_unknown("fy", year_options, "financial years not in the data")
month_options = [str(m) for m in range(1, 13)]
filters.notice_unknown("month", month_options, "months that are not financial months 1 to 12")

left, right = st.columns(2)
filters.from_link("fy", year_options, year_options[-1])
fy = left.selectbox("Financial year", year_options, key="fy")
filters.to_link("fy", fy, year_options[-1])
latest_month = int(years.loc[years["financial_year"] == fy, "latest_month"].iloc[0])
filters.from_link("month", month_options, str(latest_month))
month = int(
    right.selectbox(
        "As at month",
        month_options,
        key="month",
        format_func=lambda m: f"Month {m} ({calendar.month_name[(int(m) + 2) % 12 + 1]})",
    )
)
filters.to_link("month", str(month), str(latest_month))
if bool(years.loc[years["financial_year"] == fy, "is_synthetic"].iloc[0]):
    st.warning(
        f"{fy} budget lines are **demo data**, invented for illustration. Only 2020/21 comes from a "
        "published statement (One Halton Budget Statement, Month 5).",
        icon=":material/science:",
    )
if month > latest_month:
    st.info(f"{fy} has entries up to month {latest_month}; months after that show no spend yet.")

statement = frame.load("budget_statement", fy=fy, month=month)
if statement is None or statement.frame.empty:
    frame.unavailable("The budget statement")
    st.stop()

total = statement.frame[statement.frame["row_type"] == "total"].iloc[0]
headline = kpis.budget_headline(total, fy, month)
st.subheader(f"{fy} at month {month}: {headline.verdict.lower()}", anchor="budget-headline")
# Three and two a row: five to a row cut "£1,308,300" to "£1,30…" on a 1280x720 projector.
cols = st.columns(3) + st.columns(3)[:2]
for column, (label, field, help_text) in zip(cols, budget.HEADLINES):
    column.metric(label, formats.fmt(total[field], "gbp"), help=help_text, border=True)

st.subheader(f"Statement {fy}, as at month {month}")
shown = budget.statement_for_display(statement.frame, month)
slug = f"{fy.replace('/', '-')}-m{month}"
tables.show(
    tables.plain(shown),
    key=f"budget-statement-{slug}",
    emphasise=shown["row_type"] != "line",
    height=min(36 * (len(shown) + 1), 700),
)
st.caption(
    "Figures rounded to the pound, half up, as the statement prints them; sums are exact in pence. "
    "YTD actuals include prior-year invoices; M12 total = YTD actuals + accruals; variance = budget − M12 total."
)

spend = frame.load("budget_spend_by_month", fy=fy, month=month)
subtotals = statement.frame[statement.frame["row_type"] == "subtotal"]
left, right = st.columns(2)
with left:
    chart_data = budget.spend_against_budget(subtotals)
    chart = charts.grouped_bar(
        chart_data,
        category="funding_source",
        group="measure",
        value="amount",
        kind="gbp",
        title="Spend against budget by funding source",
    )
    tables.chart_with_download(chart, tables.plain(chart_data), key=f"budget-by-source-{slug}")
with right:
    if spend is not None and not spend.frame.empty:
        chart, _ = sections.budget_cumulative_chart(spend.frame)
        tables.chart_with_download(chart, spend, key=f"budget-cumulative-{slug}")
