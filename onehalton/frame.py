"""The page frame: title, the honesty banner, extract notices, and the one way a page loads data.

Pages stay thin: `page(...)` once, then `load(...)` per dataset, then the renderers in charts, tiles and tables.
"""

from __future__ import annotations

import streamlit as st

from onehalton import contract, db, filters, protection

NOTICED = "_noticed_extract_faults"
LAZY_PARTS = "_lazy_parts"  # this run's lazy tabs and expanders, by widget key: a seam the tests open them through

# Projector-friendly spacing and type: Streamlit leaves 6rem above the title and draws captions in light grey,
# which took half of a 1280x720 screen and washed out on a projector. No theme option covers either, so a small
# stylesheet through st.html (a public API) sets them; the selectors are Streamlit's test ids.
STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2rem; padding-bottom: 3rem; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #425563; font-size: 0.95rem; }
[data-testid="stMetricLabel"] p { font-size: 0.95rem; white-space: normal; }
[data-testid="stAlertContainer"] { padding-top: 0.55rem; padding-bottom: 0.55rem; }
</style>"""


def style() -> None:
    st.html(STYLE)


def page(title: str, intro: str, tables: tuple[str, ...], *, context: bool = False) -> filters.Filters:
    """Title, the synthetic-data banner and extract notices for the tables this page reads. `context` adds the
    chosen area and period to the introduction."""
    st.title(title)
    chosen = filters.current()
    st.caption((f"**{chosen.area_label} · {chosen.period_label}.** " if context else "") + intro)
    notices(tables)
    return chosen


def notices(tables: tuple[str, ...], *, banner: bool = True) -> None:
    """The synthetic-data banner and the extract notices for the tables a page reads (`banner=False`: the caller
    writes the synthetic-data notice itself, from `synthetic_scope`, as presentation mode does)."""
    database = db.database()
    st.session_state[NOTICED] = set(tables)  # so `load` can name any fault the page did not declare
    st.session_state[LAZY_PARTS] = {"expanders": [], "tabs": {}}
    if database.folder_problem:  # every table is unavailable for this one reason: say it once
        st.error(database.folder_problem, icon=":material/folder_off:")
        st.session_state[NOTICED] = set(database.statuses)
        return
    which = synthetic_scope(tables)
    if which and banner:
        st.info(
            f"**Synthetic demo data** {which}: not real patients or spending (*About the data* says more).",
            icon=":material/science:",
        )
    fault_notices(tables)


def synthetic_scope(tables: tuple[str, ...]) -> str | None:
    """Where the tables' synthetic extracts are ("throughout this page", "in Budget spend"), or None if none is."""
    database = db.database()
    extracts = [t for t in tables if t in database.statuses and t in contract.EXTRACTS]
    synthetic = [database.statuses[t].title for t in extracts if database.synthetic(t)]
    if not synthetic:
        return None
    return "throughout this page" if len(synthetic) == len(extracts) else "in " + ", ".join(synthetic)


def fault_notices(tables: tuple[str, ...]) -> None:
    """A manifest problem, and each table that is unavailable or had rows excluded."""
    database = db.database()
    if database.manifest_problem:
        st.warning(database.manifest_problem, icon=":material/help:")
    for name in tables:
        status = database.statuses.get(name)
        if status is None:
            continue
        if not status.available and _optional_and_absent(status):
            st.caption(f":material/info: {status.title}: not in the data folder (optional). {status.reason}")
        elif not status.available:
            st.error(status.summary() + " Everything else on this page still works.", icon=":material/block:")
        elif status.state != "valid":  # rows excluded, or a file of its folder left out
            st.warning(status.summary(), icon=":material/rule:")


def _optional_and_absent(status) -> bool:
    """An optional extract that is simply not there (no file at all) is not a fault: real extracts often lack
    it. One that is there but broken is, and is said as loudly as any other."""
    table = contract.TABLES_BY_NAME.get(status.name)
    return table is not None and table.optional and not status.files


def load(name: str, **params) -> protection.Protected | None:
    """A query's published result (small numbers protected as its header declares); on failure the page says why
    and this returns None."""
    try:
        return db.load(name, **params)
    except db.ExtractUnavailable as exc:
        noticed = st.session_state.setdefault(NOTICED, set())
        for status in exc.statuses:
            if status.name not in noticed:
                noticed.add(status.name)
                st.error(status.summary() + " Everything else on this page still works.", icon=":material/block:")
        return None
    except db.QueryError as exc:
        st.error(str(exc), icon=":material/error:")
        return None


def unavailable(what: str) -> None:
    st.info(
        f"{what} cannot be shown: the data it needs is unavailable (see the notice above).", icon=":material/block:"
    )


def halton_wide(what: str) -> None:
    """Say, when wards are chosen, that a part of the page is for all of Halton whatever wards are chosen."""
    if filters.current().ward_level:
        st.caption(f":material/public: **Halton-wide**: {what} The ward filter does not change it.")


def legend(protected: protection.Protected | None) -> None:
    if protected is not None and (protected.suppressed or protected.rounded):
        from onehalton import config

        parts = []
        if protected.suppressed:
            parts.append(
                f"a value shown as \\* is hidden: a count from 1 to {config.suppression_threshold()}, or a "
                "value that would give one away"
            )
        if protected.rounded:
            parts.append(
                f"ward- and practice-level counts rounded to the nearest {protection.ROUND_TO}, and rates "
                "worked out from the rounded counts, so no hidden value can be recovered by subtraction"
            )
        st.caption("Small numbers: " + "; ".join(parts) + ".")


def lazy_tabs(labels: list[str], key: str):
    """Tabs that draw only the open one: callers draw a tab's content under `if tab.open:`."""
    st.session_state.setdefault(LAZY_PARTS, {"expanders": [], "tabs": {}})["tabs"][f"tabs-{key}"] = list(labels)
    return st.tabs(labels, key=f"tabs-{key}", on_change="rerun")


def lazy_expander(label: str, key: str):
    """An expander whose content is drawn only while it is open: callers draw under `if expander.open:`."""
    st.session_state.setdefault(LAZY_PARTS, {"expanders": [], "tabs": {}})["expanders"].append(f"expander-{key}")
    return st.expander(label, key=f"expander-{key}", on_change="rerun")
