"""Overview: the Making Data Count board summary, every headline KPI in one table, what needs attention first."""

import streamlit as st

from onehalton import filters, frame, sections, tiles

f = frame.page(
    "One Halton: overview",
    "Is the change real (variation)? Will the target be met (assurance)?",
    ("appointments", "ld_health_checks", "cancer_fds", "budget_spend", "indicators", "targets"),
    context=True,
)
targets = sections.targets()

items = []
monthly = sections.appointments_monthly(f, None)
if monthly is not None and not monthly.frame.empty:
    access = sections.appointment_headlines(monthly, f, None, targets, page="living_well", section="living-well-access")
    items += [access[name] for name in ("per_1000", "dna_rate", "same_day_share", "two_week_share")]
ld, _ = sections.ld_headline(f, targets, page="living_well", section="ld-health-checks")
fds, _ = sections.fds_headline(f, targets, page="living_well", section="cancer-fds")
items += [i for i in (ld, fds) if i is not None]
latest = frame.load("indicators_latest", wards=None)
if latest is not None and not latest.frame.empty:
    pages = {
        "Starting Well": "starting_well",
        "Living Well": "living_well",
        "Ageing Well": "ageing_well",
        "Wider Determinants": "wider_determinants",
    }
    items += list(sections.headline_indicators(latest, page_for_domain=pages).values())
budget = sections.budget_headline_item()
if budget is not None:
    items.append(budget)

query = filters.link_query(f)
if items:
    tiles.attention(items, query)
    tiles.board(items, query, ward_level=f.ward_level)
    if f.ward_level:
        st.caption(
            f"Appointment KPIs are for {f.area_label}; rows marked Halton-wide come from practice, sub-ICB, "
            "local-authority or budget extracts and do not change with the ward filter."
        )
    frame.legend(monthly)
else:
    frame.unavailable("The headline KPIs")
