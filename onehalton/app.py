"""Starting a run of the dashboard: page setup, navigation from the page registry, and the shared filters.

dashboard.py calls `boot()` and runs the chosen page, both inside `entered()`. A page can also run without the
entrypoint: Streamlit runs a page file alone on a fresh server whose first request is a deep link
(`/budget?fy=...`), because a `pages/` folder beside the entrypoint starts it in the old pages-directory mode
until some run calls `st.navigation`. Then `filters.current()` finds no entrypoint, calls `boot()` (whose
`st.navigation` call ends that mode) and `st.rerun()`, so the page is drawn through the entrypoint with the link's
navigation and filters. Public APIs only; tests/test_browser.py's first test proves the deep link on a fresh server,
and its expander test that widgets made after such a start keep their state.
"""

from __future__ import annotations

import contextlib
import contextvars

import streamlit as st

from onehalton import config, db, filters, frame, navigation, presentation

_ENTERED: contextvars.ContextVar[bool] = contextvars.ContextVar("onehalton_entered", default=False)


def boot(*, with_filters: bool = True):
    """Page setup, navigation and (unless told not to) the filters for this run; returns the page chosen."""
    # A local favicon: an emoji or Material icon would be fetched from a font host, which fails offline.
    # Presentation mode (`?present=1`) starts with the sidebar closed (its stylesheet hides it and its toggle).
    presenting = presentation.requested()
    st.set_page_config(
        page_title="One Halton KPIs",
        page_icon=str(config.PROJECT_ROOT / "onehalton/assets/favicon.png"),
        layout="wide",
        initial_sidebar_state="collapsed" if presenting else "auto",
    )
    frame.style()
    presentation.start_run()
    sections: dict[str, list] = {}
    for entry in navigation.PAGES:
        sections.setdefault(entry.section, []).append(
            st.Page(
                entry.script,
                title=entry.title,
                icon=entry.icon,
                url_path=entry.url_path or None,
                default=not entry.url_path,
            )
        )
    chosen = st.navigation(sections, position="hidden" if presenting else "sidebar")
    if with_filters:
        # Drawn before the page so the filters, bound to the URL, survive every page switch.
        st.session_state[filters.CURRENT] = filters.sidebar()
    return chosen


def run(chosen) -> None:
    """Run the chosen page, or, in presentation mode, draw the presentation screen in its place."""
    if presentation.active():
        presentation.show(chosen)
    else:
        chosen.run()


@contextlib.contextmanager
def entered():
    """A run started by the entrypoint: marked so, with one version of the data held from its first line to its
    last (`db.pinned_for_run`)."""
    token = _ENTERED.set(True)
    try:
        with db.pinned_for_run():
            yield
    finally:
        _ENTERED.reset(token)


def is_entered() -> bool:
    return _ENTERED.get()
