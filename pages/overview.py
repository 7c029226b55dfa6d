"""Overview: one headline tile per area, so the Place Director sees everything on one screen."""

import pandas as pd
import streamlit as st

from onehalton import sections, ui

f = ui.page("One Halton: overview", "Headline KPIs for the partnership. Each tile shows the latest value, the change "
            "from the period before, the target where one exists, and Making Data Count's verdict on the trend.",
            ("appointments", "ld_health_checks", "cancer_fds", "budget_spend", "indicators", "targets"))
st.caption(f"{f.area_label} · {f.period_label}")
targets = sections.targets()

st.subheader("Services")
appointments = sections.appointments_monthly(f, None)
tiles = []
if appointments is not None and not appointments.frame.empty:
    tiles += sections.appointment_kpis(appointments, "all ages")[1:3]
ld = sections.ld_kpi(f, targets)
if ld is not None:
    tiles.append(ld[0])
fds = sections.fds_kpi(f, targets)
if fds is not None:
    tiles.append(fds)
if tiles:
    ui.kpi_row(tiles)
    if appointments is not None:
        ui.suppression_legend(appointments)
else:
    ui.unavailable("Service KPIs")

st.subheader("Life course")
latest = ui.load("indicators_latest", wards=None)
if latest is None or latest.empty:
    ui.unavailable("Life-course indicators")
else:
    latest = sections.add_ci(latest)
    cols = st.columns(4)
    for column, domain in zip(cols, ("Starting Well", "Living Well", "Ageing Well", "Wider Determinants")):
        with column:
            sections.headline_indicator(domain, latest)

st.subheader("Budget")
years = ui.load("budget_years")
if years is None or years.empty:
    ui.unavailable("The budget")
else:
    year = years.iloc[-1]
    statement = ui.load("budget_statement", fy=year["financial_year"], month=int(year["latest_month"]))
    if statement is not None and not statement.empty:
        total = statement[statement["row_type"] == "total"].iloc[0]
        budget = float(total["budget"])
        cols = st.columns(3)
        cols[0].metric(f"Budget {year['financial_year']}", ui.fmt(total["budget"], "gbp"), border=True)
        cols[1].metric(f"Forecast spend (M12) at month {int(year['latest_month'])}", ui.fmt(total["m12_total"], "gbp"),
                       border=True, help="Year-to-date actuals plus accruals.")
        share = float(total["m12_total"]) / budget if budget else None
        cols[2].metric("Forecast as share of budget", ui.fmt(share, "pct") if share is not None else "n/a",
                       border=True)
        if bool(year["is_synthetic"]):
            st.caption(f"{year['financial_year']} budget lines are demo data; 2020/21 is the published statement.")
