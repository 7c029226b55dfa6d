"""One Halton KPI dashboard: the entrypoint. Draws the shared filters, then the chosen page."""

import streamlit as st

from onehalton import filters

st.set_page_config(page_title="One Halton KPIs", page_icon=":material/monitoring:", layout="wide")

navigation = st.navigation({
    "One Halton": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    ],
    "Life course": [
        st.Page("pages/starting_well.py", title="Starting Well", icon=":material/child_care:"),
        st.Page("pages/living_well.py", title="Living Well", icon=":material/favorite:"),
        st.Page("pages/ageing_well.py", title="Ageing Well", icon=":material/elderly:"),
        st.Page("pages/wider_determinants.py", title="Wider Determinants", icon=":material/home_work:"),
    ],
    "Partnership": [
        st.Page("pages/budget.py", title="Budget", icon=":material/payments:"),
        st.Page("pages/ward_profile.py", title="Ward profile", icon=":material/map:"),
        st.Page("pages/about.py", title="About the data", icon=":material/info:"),
    ],
})
# Drawn in the entrypoint so the filters, bound to the URL, survive every page switch.
st.session_state["_filters"] = filters.sidebar()
navigation.run()
