"""Ward profile: one ward (or several together) against Halton and England, and the wards ranked."""

import streamlit as st

from onehalton import charts, formats, frame, sections, tables

f = frame.page(
    "Ward profile",
    "A ward's population, deprivation, use of general practice and public-health "
    "indicators against Halton and England. Choose wards in the sidebar.",
    ("wards", "ward_population", "appointments", "indicators"),
)

wards = frame.load("wards")
need = frame.load("appointments_by_ward", age_bands=None, start=f.start, end=f.end)

if not f.wards:
    st.info(
        "Choose one or more wards in the sidebar to see their profile. Below, every ward ranked by "
        "appointments per 1,000 residents, with deprivation.",
        icon=":material/touch_app:",
    )
elif wards is not None:
    chosen = wards.frame[wards.frame["ward_code"].isin(f.wards)]
    if not chosen.empty:
        cols = st.columns(4)
        cols[0].metric("Area", f.area_label, border=True)
        cols[1].metric("Residents", formats.fmt(chosen["population"].sum(), "count"), border=True)
        cols[2].metric(
            "Deprivation rank (1 = most deprived)",
            ", ".join(str(int(r)) for r in chosen["imd_rank"]),
            border=True,
            help=f"Out of {len(wards.frame)} wards, by deprivation score.",
        )
        cols[3].metric("Town", ", ".join(sorted(set(chosen["town"]))), border=True)
        if not chosen["code_verified"].all():
            st.caption("Some ward codes are not yet verified against ONS; populations and deprivation are demo values.")
    population = frame.load("ward_population_by_age_band", wards=f.ward_param)
    if population is not None and not population.frame.empty:
        chart = charts.bar(
            population.frame,
            category="age_band",
            value="population",
            kind="count",
            title="Residents by age band",
            value_title="Residents",
        )
        tables.chart_with_download(chart, population, key="ward-population")
    latest = frame.load("indicators_latest", wards=f.ward_param)
    if latest is not None and not latest.frame.empty:
        st.subheader(f"{f.area_label} against Halton and England")
        tables.show(
            sections.ward_comparison_table(latest),
            key="ward-profile-indicators",
            kinds={"ward_value": "value", "halton_value": "value", "england_value": "value"},
        )
        frame.legend(latest)

st.subheader("Wards ranked by appointments per 1,000 residents a month")
if need is None or need.frame.empty:
    frame.unavailable("The ward ranking")
else:
    chart = charts.bar(
        need.frame,
        category="ward_name",
        value="per_1000_per_month",
        kind="rate",
        title="Appointments per 1,000 residents a month",
        value_title="Per 1,000 a month",
        colour_by="town",
        colours={"Widnes": charts.NHS_BLUE, "Runcorn": charts.NHS_AQUA_GREEN},
    )
    tables.chart_with_download(chart, need, key="ward-ranking-chart")
    tables.show(
        need,
        key="ward-ranking",
        columns=[
            "ward_name",
            "town",
            "imd_score",
            "population",
            "appointments",
            "per_1000_per_month",
            "dna",
            "dna_rate",
        ],
    )
    frame.legend(need)
