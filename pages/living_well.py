"""Living Well: adults. General practice access, learning disability health checks, cancer faster diagnosis
and the Living Well indicators."""

import pandas as pd
import streamlit as st

from onehalton import sections, stats, ui

f = ui.page("Living Well", "A supportive environment where everyone can live their best life: access to general "
            "practice, learning disability health checks, cancer diagnosis and the Living Well indicators.",
            ("appointments", "practices", "ld_health_checks", "cancer_fds", "targets", "indicators", "wards"))
targets = sections.targets()

st.header("General practice access")
sections.appointment_patterns(f, age_bands=None, who="all ages", key="living-well")

by_pcn = ui.load("appointments_by_pcn_month", wards=f.ward_param, start=f.start, end=f.end)
by_practice = ui.load("appointments_by_practice", wards=f.ward_param, start=f.start, end=f.end)
left, right = st.columns(2)
with left:
    if by_pcn is not None and not by_pcn.empty:
        # The PCNs of a month add up to the month's appointments, which the monthly table publishes.
        pcn = ui.protect(by_pcn, counts=["appointments"], derived={"per_1000": ["appointments"]},
                         groups=["month"], active=f.ward_level)
        measure = "appointments" if f.ward_level else "per_1000"
        chart = ui.trend_chart(pcn.frame, x="month", y=measure, kind="count" if f.ward_level else "rate",
                               color="pcn_name", title="By primary care network",
                               y_title="Appointments" if f.ward_level else "Per 1,000 registered patients")
        ui.show_chart(chart, pcn.display, key="living-well-pcn")
        ui.suppression_legend(pcn)
with right:
    if by_practice is not None and not by_practice.empty:
        # Every rate here is built on (a part of) the practice's appointments; the practices add up
        # to the period's appointments, which the monthly table publishes.
        practice = ui.protect(by_practice, counts=["appointments", "dna"],
                              derived={"per_1000_per_month": ["appointments"], "dna_rate": ["dna", "appointments"],
                                       "same_day_share": ["appointments"], "face_to_face_share": ["appointments"]},
                              groups=[], active=f.ward_level)
        st.markdown("**By practice**, " + f.period_label + (f", patients living in {f.area_label}" if f.ward_level
                                                             else ""))
        ui.show_table(practice.display, key="living-well-practices", height=320, column_config={
            "per_1000_per_month": st.column_config.NumberColumn("Per 1,000 a month", format="%.1f"),
            "dna_rate": st.column_config.NumberColumn("DNA rate", format="percent"),
            "same_day_share": st.column_config.NumberColumn("Same day", format="percent"),
            "face_to_face_share": st.column_config.NumberColumn("Face to face", format="percent")})
        ui.suppression_legend(practice)

st.header("Learning disability annual health checks")
if f.ward_level:
    st.caption("Practice-level extract: shown for all of Halton whatever wards are chosen.")
ld = sections.ld_kpi(f, targets)
if ld is None:
    ui.unavailable("Learning disability health checks")
else:
    kpi, frame = ld
    latest = frame.iloc[-1]
    cols = st.columns(3)
    with cols[0]:
        ui.kpi_tile(kpi)
    with cols[1]:
        lower, upper = stats.wilson_ci(latest["checks"], latest["register"])
        st.metric("Register (14+)", ui.fmt(latest["register"], "count"), border=True,
                  help="Denominator + declined, at the latest month.")
        st.caption(f"95% CI for uptake: {ui.fmt(lower, 'pct')} to {ui.fmt(upper, 'pct')} (Wilson)")
    with cols[2]:
        projected = latest["projected_year_end"]
        st.metric("Projected year end", ui.fmt(projected, "pct") if pd.notna(projected) else "Not enough history",
                  border=True, help="This year's uptake plus the gain last year made from the same month to March.")
        if pd.notna(projected) and kpi.target is not None:
            verdict = "on track to meet" if projected >= kpi.target else "not on track to meet"
            st.caption(f"{latest['financial_year']}: {verdict} the {ui.fmt(kpi.target, 'pct')} ambition.")
    trajectory = frame.assign(financial_year=frame["financial_year"].astype(str))
    chart = ui.trend_chart(trajectory.tail(36), x="month", y="uptake", kind="pct", color="financial_year",
                           title="In-year trajectory (cumulative uptake by financial year)", target=kpi.target,
                           y_title="Uptake, year to date")
    ui.show_chart(chart, trajectory.tail(36), key="ld-trajectory")
    by_practice_part = ui.lazy_expander("By practice", key="ld-practices")
    ld_practice = ui.load("ld_health_checks_by_practice", end=f.end) if by_practice_part.open else None
    if ld_practice is not None and not ld_practice.empty:
        with by_practice_part:
            ld_practice = stats.with_ci(ld_practice, count="checks", denominator="register",
                                        method="wilson", multiplier=1.0)
            ui.show_table(ld_practice, key="ld-practices", column_config={
                "uptake": st.column_config.NumberColumn("Uptake", format="percent"),
                "value": None,
                "lower_ci": st.column_config.NumberColumn("95% CI lower", format="percent"),
                "upper_ci": st.column_config.NumberColumn("95% CI upper", format="percent")})

st.header("Cancer: 28-day Faster Diagnosis Standard")
if f.ward_level:
    st.caption("Sub-ICB extract: shown for all of Halton whatever wards are chosen.")
fds = sections.fds_kpi(f, targets)
if fds is None:
    ui.unavailable("Cancer faster diagnosis")
else:
    cols = st.columns([1, 2])
    with cols[0]:
        ui.kpi_tile(fds)
        if targets is not None:
            planned = targets[targets["kpi_code"] == "cancer_fds"]
            st.caption("Standards: " + "; ".join(f"{ui.fmt(r.target_value, 'pct')} from {r.effective_from:%b %Y} "
                                                  f"({r.label})" for r in planned.itertuples()))
    with cols[1]:
        ui.spc_section(fds, key="fds")
    by_type = ui.load("cancer_fds_by_cancer_type", start=f.start, end=f.end)
    if by_type is not None and not by_type.empty:
        by_type = stats.with_ci(by_type, count="within_standard", denominator="total", method="wilson",
                                multiplier=1.0)
        chart = ui.bar_chart(by_type, category="cancer_type", value="performance", kind="pct",
                             title="Told within 28 days, by cancer type", lower="lower_ci", upper="upper_ci",
                             reference=fds.target, reference_label=fds.target_label or "Target",
                             colour_by="stage_route")
        ui.show_chart(chart, by_type.drop(columns=["value"]), key="fds-by-type")

sections.indicator_section("Living Well", f)
