"""Streamlit's own floor for the benchmark: one URL-bound selectbox and one metric, nothing else.

`scripts/bench.py` serves this the same way as the dashboard and drives it through the same agent API, so
the difference between the two is the dashboard's own work (queries, charts, tiles), not Streamlit's
per-run overhead (session handling, the script run, the agent snapshot).
"""

import streamlit as st

WARDS = [f"Ward {i:02d}" for i in range(1, 19)]

ward = st.selectbox("Ward", WARDS, key="ward", bind="query-params")
st.metric("Appointments", f"{(WARDS.index(ward) + 1) * 1234:,}")
