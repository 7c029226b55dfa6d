"""Ward profile: one ward (or several together) against Halton and England, and the wards ranked by need."""

import streamlit as st

from onehalton import sections, ui

f = ui.page("Ward profile", "A ward's population, deprivation, use of general practice and public-health "
            "indicators against Halton and England. Choose wards in the sidebar.",
            ("wards", "ward_population", "appointments", "indicators"))

wards = ui.load("wards")
need = ui.load("appointments_by_ward", age_bands=None, start=f.start, end=f.end)

if not f.wards:
    st.info("Choose one or more wards in the sidebar to see their profile. Below, every ward ranked by "
            "appointments per 1,000 residents, with deprivation.", icon=":material/touch_app:")
else:
    chosen = wards[wards["ward_code"].isin(f.wards)] if wards is not None else None
    if chosen is not None and not chosen.empty:
        cols = st.columns(4)
        cols[0].metric("Area", f.area_label, border=True)
        cols[1].metric("Residents", ui.fmt(chosen["population"].sum(), "count"), border=True)
        cols[2].metric("Deprivation rank (1 = most deprived)",
                       ", ".join(str(int(r)) for r in chosen["imd_rank"]), border=True,
                       help=f"Out of {len(wards)} wards, by deprivation score.")
        cols[3].metric("Town", ", ".join(sorted(set(chosen["town"]))), border=True)
        if not chosen["code_verified"].all():
            st.caption("Some ward codes are not yet verified against ONS; populations and deprivation are demo values.")
    population = ui.load("ward_population_by_age_band", wards=f.ward_param)
    if population is not None and not population.empty:
        shown = ui.protect(population, counts=["population"], groups=None)
        chart = ui.bar_chart(shown.frame, category="age_band", value="population", kind="count",
                             title="Residents by age band", height=180)
        ui.show_chart(chart, shown.display, key="ward-population")
    latest = ui.load("indicators_latest", wards=f.ward_param)
    if latest is not None and not latest.empty:
        latest = sections.add_ci(latest)
        is_ward = latest["area_type"] == "Ward"
        protected = ui.protect(latest, counts=["count"], derived={"value": ["count"], "lower_ci": ["count"],
                                                                 "upper_ci": ["count"]}, rows=is_ward)
        table = sections.ward_comparison_table(protected.frame, protected.display)
        st.subheader(f"{f.area_label} against Halton and England")
        ui.show_table(table, key="ward-profile-indicators")
        ui.suppression_legend(protected)

st.subheader("Where need is greatest: wards ranked by appointments per 1,000 residents")
if need is None or need.empty:
    ui.unavailable("The ward ranking")
else:
    # groups=[]: the wards add up to Halton's appointments for the period, published unfiltered.
    protected = ui.protect(need, counts=["appointments", "dna"],
                           derived={"per_1000_per_month": ["appointments"], "dna_rate": ["dna", "appointments"]},
                           groups=[])
    chart = ui.bar_chart(protected.frame, category="ward_name", value="per_1000_per_month", kind="rate",
                         title="Appointments per 1,000 residents a month", colour_by="town")
    ui.show_chart(chart, protected.display, key="ward-ranking-chart")
    ui.show_table(protected.display, key="ward-ranking", column_config={
        "per_1000_per_month": st.column_config.NumberColumn("Per 1,000 a month", format="%.1f"),
        "dna_rate": st.column_config.NumberColumn("DNA rate", format="percent")})
    ui.suppression_legend(protected)
