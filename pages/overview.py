"""Overview: the Making Data Count board summary, every headline KPI in one table, what needs attention first."""

import streamlit as st

from onehalton import filters, frame, pack_download, presentation, sections, tiles

f = frame.page(
    "One Halton: overview",
    "Is the change real (variation)? Will the target be met (assurance)?",
    ("appointments", "ld_health_checks", "cancer_fds", "budget_spend", "indicators", "targets"),
    context=True,
)
headlines = sections.overview_headlines(f, sections.targets())
items = headlines.items

query = filters.link_query(f)
if items:
    tiles.attention(items, query)
    tiles.board(items, query, ward_level=f.ward_level)
    if f.ward_level:
        st.caption(
            f"Appointment KPIs are for {f.area_label}; rows marked Halton-wide come from practice, sub-ICB, "
            "local-authority or budget extracts and do not change with the ward filter."
        )
    frame.legend(headlines.monthly)
    with st.container(horizontal=True, gap="small"):
        pack_download.button(f, key="overview-board-pack", label="Download the board pack for this view (PDF)")
        presentation.start_button(key="overview-present")
else:
    frame.unavailable("The headline KPIs")
