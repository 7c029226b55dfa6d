"""The board pack for the view on the screen, as a download button (the Overview, and presentation mode's footer).

The PDF is made only when the button is clicked (`st.download_button` with a callable: Streamlit runs it on the
click, apart from the script run), by the board pack's own `build_pack`, on this run's Database and for the URL's
filters, so it carries the numbers the screen carries. It is cached on the data folder's version, the view and the
suppression threshold, so a second click, or another person asking for the same view, does not build it again.
"""

from __future__ import annotations

import re

import streamlit as st

from onehalton import config, db, filters, frame

MIME = "application/pdf"


def view_for(f: filters.Filters):
    """The board pack's View for the current filters, with the link's budget year and month where the data has
    them (the Budget page's `fy` and `month`; otherwise the pack takes the latest, as the Budget page does)."""
    from onehalton.board_pack import View

    fy = month = None
    years = frame.load("budget_years")
    if years is not None and not years.frame.empty:
        fy = filters.link_value(st.query_params.get_all("fy"), years.frame["financial_year"].tolist())
        month = filters.link_value(st.query_params.get_all("month"), [str(m) for m in range(1, 13)])
    return View.from_filters(f, fy, month)


def file_name(f: filters.Filters) -> str:
    """`one-halton-board-pack-<area>-<from>-to-<to>.pdf`: the area as the page names it, made safe for a file."""
    area = re.sub(r"[^a-z0-9]+", "-", f.area_label.lower()).strip("-") or "halton"
    return f"one-halton-board-pack-{area}-{f.start:%Y-%m}-to-{f.end:%Y-%m}.pdf"


@st.cache_data(show_spinner=False, max_entries=16)
def pack_pdf(data_dir: str, fingerprint: tuple, view: tuple, threshold: int, _database: db.Database) -> bytes:
    """The pack's PDF bytes for a view (wards, from, to, fy, month), on the given Database."""
    from onehalton.board_pack import View, build_pack

    wards, start, end, fy, month = view
    return build_pack(View(tuple(wards), start, end, fy, month), _database)


def button(f: filters.Filters, *, key: str, label: str = "Board pack (PDF)") -> None:
    """A download button that makes the board pack of this view when clicked."""
    database = db.database()
    if database.folder_problem:
        return
    view = view_for(f)
    frozen = (tuple(view.wards), view.start, view.end, view.fy, view.month)
    threshold = config.suppression_threshold()
    location, fingerprint = str(database.data_dir), database.fingerprint

    def build() -> bytes:
        return pack_pdf(location, fingerprint, frozen, threshold, database)

    st.download_button(
        label,
        data=build,
        file_name=file_name(f),
        mime=MIME,
        key=key,
        on_click="ignore",
        help=f"The board pack for {f.area_label}, {f.period_label}: made when you click (a few seconds).",
    )
