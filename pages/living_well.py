"""Living Well: adults. General practice access, learning disability health checks, cancer faster diagnosis
and the Living Well indicators."""

import streamlit as st

from onehalton import charts, frame, sections, tables, tiles

f = frame.page(
    "Living Well",
    "A supportive environment where everyone can live their best life: access to general "
    "practice, learning disability health checks, cancer diagnosis and the Living Well indicators.",
    ("appointments", "practices", "ld_health_checks", "cancer_fds", "targets", "indicators", "wards"),
)
targets = sections.targets()

sections.appointment_patterns(f, age_bands=None, who="all ages", key="living-well", page="living_well")
wards = sections.appointment_wards(f)
by_pcn = frame.load("appointments_by_pcn_month", wards=wards, start=f.start, end=f.end)
by_practice = frame.load("appointments_by_practice", wards=wards, start=f.start, end=f.end)
left, right = st.columns(2)
with left:
    if by_pcn is not None and not by_pcn.frame.empty:
        measure = "appointments" if wards else "per_1000_registered"
        chart = charts.trend(
            by_pcn.frame,
            x="month",
            y=measure,
            kind="count" if wards else "rate",
            color="pcn_name",
            title="By primary care network",
            y_title="Appointments" if wards else "Per 1,000 registered patients",
        )
        tables.chart_with_download(chart, by_pcn, key="living-well-pcn")
        frame.legend(by_pcn)
with right:
    if by_practice is not None and not by_practice.frame.empty:
        st.markdown("**By practice**, " + f.period_label + (f", patients living in {f.area_label}" if wards else ""))
        tables.show(
            by_practice,
            key="living-well-practices",
            height=360,
            columns=[
                "gp_code",
                "gp_name",
                "pcn_name",
                "list_size",
                "appointments",
                "per_1000_per_month",
                "dna",
                "dna_rate",
                "same_day_share",
                "face_to_face_share",
            ],
        )
        frame.legend(by_practice)

st.header("Learning disability annual health checks", anchor="ld-health-checks")
frame.halton_wide("Practice-level extract, shown for all of Halton.")
ld, ld_monthly = sections.ld_headline(f, targets, page="living_well", section="ld-health-checks")
if ld is None:
    frame.unavailable("Learning disability health checks")
else:
    latest = ld_monthly.frame.iloc[-1]
    cols = st.columns([1, 2])
    with cols[0]:
        tiles.tile(ld)
        st.metric(
            "Register (14+)",
            f"{int(latest['register']):,}",
            border=True,
            help="Denominator + declined, at the latest month.",
        )
    with cols[1]:
        chart, trajectory = sections.ld_trajectory_chart(ld, ld_monthly.frame)
        tables.chart_with_download(chart, tables.plain(trajectory), key="ld-trajectory")
    by_practice_part = frame.lazy_expander("By practice", key="ld-practices")
    if by_practice_part.open:
        ld_practice = frame.load("ld_health_checks_by_practice", end=f.end)
        if ld_practice is not None and not ld_practice.frame.empty:
            with by_practice_part:
                tables.show(ld_practice, key="ld-practices")
                frame.legend(ld_practice)

st.header("Cancer: 28-day Faster Diagnosis Standard", anchor="cancer-fds")
frame.halton_wide("Sub-ICB extract, shown for all of Halton.")
fds, fds_monthly = sections.fds_headline(f, targets, page="living_well", section="cancer-fds")
if fds is None:
    frame.unavailable("Cancer faster diagnosis")
else:
    cols = st.columns([1, 2])
    with cols[0]:
        tiles.tile(fds)
        if targets is not None:
            planned = targets[targets["kpi_code"] == "cancer_fds"]
            st.caption(
                "Standards: "
                + "; ".join(
                    f"{r.target_value:.0%} from {r.effective_from:%b %Y} ({r.label})" for r in planned.itertuples()
                )
            )
    with cols[1]:
        sections.spc_section(
            fds_monthly,
            "performance",
            key="fds",
            label="Cancer 28-day Faster Diagnosis",
            target=fds.target,
            target_label="Target",
        )
    by_type = frame.load("cancer_fds_by_cancer_type", start=f.start, end=f.end)
    if by_type is not None and not by_type.frame.empty:
        chart = charts.bar(
            by_type.frame,
            category="cancer_type",
            value="performance",
            kind="pct",
            title="Told within 28 days, by cancer type",
            lower="performance_lower",
            upper="performance_upper",
            reference=fds.target,
            reference_label="Target",
            colour_by="stage_route",
        )
        tables.chart_with_download(chart, by_type, key="fds-by-type")

sections.indicator_section("Living Well", f, page="living_well")
