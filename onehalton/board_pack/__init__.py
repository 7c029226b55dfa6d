"""The board pack: the dashboard's view as an A4 PDF for Health and Wellbeing Board papers.

`build_pack(view)` gathers the numbers (`data`, through the project's own queries and methods), draws the charts
(`charts`, Vega-Lite through vl-convert) and lays out the PDF (`pdf`, reportlab). It needs no Streamlit server:
`python -m onehalton.board_pack --out pack.pdf` makes the same pack from the command line.
"""

from __future__ import annotations

__all__ = ["BadView", "Kpi", "Pack", "View", "build_pack", "gather", "headline_kpis", "render"]


def __getattr__(name: str):
    # Lazy, so `python -m onehalton.board_pack` can quieten Streamlit's bare-runtime warnings before the data
    # layer (whose st.cache_* decorators give them) is imported.
    if name in __all__:
        from onehalton.board_pack import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
