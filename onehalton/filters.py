"""Filters that travel: ward(s) and period, bound to the URL and kept across page switches.

They are drawn once, in the entrypoint, before the page runs; pages read `current()`.
Anything in the URL that is not a valid value is ignored and named in a notice, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from onehalton import config, db

KNOWN_PARAMS = ("ward", "from", "to", "fy", "month", "present", "screen")  # present, screen: presentation.py
SINGLE_VALUED = ("from", "to", "fy", "month")
SHOWN_IN_NOTICE = 60  # characters of a rejected value echoed back; hostile strings can be huge


@dataclass(frozen=True)
class Filters:
    wards: tuple[str, ...]
    ward_names: tuple[str, ...]
    start: date
    end: date

    @property
    def ward_param(self) -> list[str] | None:
        """The `$wards` query parameter: NULL means all of Halton."""
        return list(self.wards) or None

    @property
    def ward_level(self) -> bool:
        """True when the view is cut by ward, so small numbers must be suppressed."""
        return bool(self.wards)

    @property
    def area_label(self) -> str:
        if not self.wards:
            return "Halton"
        if len(self.wards) == 1:
            return self.ward_names[0]
        return f"{len(self.wards)} wards"

    @property
    def period_label(self) -> str:
        return f"{self.start:%b %Y} to {self.end:%b %Y}"


def shown(value: str) -> str:
    """A rejected URL value made safe to echo: printable, short, and inert as markdown."""
    text = "".join(ch if ch.isprintable() else "?" for ch in value)
    if len(text) > SHOWN_IN_NOTICE:
        text = text[:SHOWN_IN_NOTICE] + "…"
    return "`" + text.replace("`", "'") + "`" if text else "(empty)"


def notice_rejected(param: str, values: list[str], what: str) -> None:
    if values:
        listed = ", ".join(shown(v) for v in values[:5]) + (f" and {len(values) - 5} more" if len(values) > 5 else "")
        st.warning(
            f"Ignored {what} in the link (`{param}`): {listed}. Showing the rest of the view without it.",
            icon=":material/link_off:",
        )


def notice_unknown(param: str, options, what: str) -> None:
    """Name the link's values for `param` that are not among `options` (the one check every linked widget needs),
    and, for a single-valued parameter given more than once, which of its values is used."""
    requested = st.query_params.get_all(param)
    notice_rejected(param, [v for v in requested if v not in options], what)
    if param in SINGLE_VALUED:
        notice_repeated(param, requested, options)


def link_value(requested: list[str], options) -> str | None:
    """The value a single-valued parameter takes from the link: the last one given that is usable."""
    return next((v for v in reversed(requested) if v in options), None)


def notice_repeated(param: str, requested: list[str], options) -> None:
    """A single-valued parameter given several times: the notice names the one `from_link` uses."""
    if len(requested) < 2:
        return
    used = link_value(requested, options)
    if used is None:
        return  # every value is unusable, and the notice for unusable values already names them all
    others = [v for v in requested if v != used]
    if others:
        notice_rejected(param, others, f"extra values (only the last usable one, {shown(used)}, is used)")


LINKED = "_link_"  # session-state prefix: what this session last wrote to the URL for a parameter


def from_link(param: str, options: list[str], default, *, multi: bool = False) -> None:
    """Seed a widget's state from the link before the widget is drawn (the widget then takes no index).

    Widgets are synced with the URL here rather than by Streamlit's `bind="query-params"`, which writes
    and reads only the label a `format_func` shows (a ward's name, "Jan 2024", "Month 5 (August)"), so
    a link carrying a ward code or a YYYY-MM month was silently dropped. The link is applied on first
    load and whenever it differs from what this session last wrote; a page switch drops unbound
    parameters from the URL, so an absent parameter leaves the widget as it is.
    """
    requested = st.query_params.get_all(param)
    current = st.session_state.get(param, default)
    if requested and (requested != st.session_state.get(LINKED + param) or param not in st.session_state):
        if multi:
            current = [v for v in dict.fromkeys(requested) if v in options]
        else:
            current = link_value(requested, options) or current
    elif current == st.session_state.get(LINKED + "default-" + param, default):
        current = default  # left at its default, it follows the default (the budget's month follows the year)
    st.session_state[LINKED + "default-" + param] = default
    if multi:
        st.session_state[param] = [v for v in (current or []) if v in options]
    else:
        st.session_state[param] = current if current in options else default


def to_link(param: str, value, default) -> None:
    """Write a widget's value to the URL (repeated for several), or remove it when it is the default."""
    values = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    if value == default or not values:
        st.query_params.pop(param, None)
        values = []
    else:
        st.query_params[param] = values
    st.session_state[LINKED + param] = values


def month_options(database=None) -> list[str]:
    """Months the data covers, from the monthly extracts' own rows (so a newly added month's file appears,
    whatever the manifest says); a sensible span if no monthly extract could be loaded. `database`: this run's
    unless given (the board pack passes its own)."""
    span = (database or db.database()).month_span
    today = date.today()
    if span is not None:
        first, last = span
    else:
        last = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
        first = date(last.year - 5, last.month, 1)
    first = max(first, date(2010, 1, 1))
    months = []
    current = first
    while current <= last:
        months.append(f"{current:%Y-%m}")
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def _parse_month(text: str) -> date | None:
    if len(text) == 7:  # "YYYY-MM", as the URL carries months
        text += "-01"
    try:
        parsed = date.fromisoformat(text[:10])
    except ValueError:
        return None
    return date(parsed.year, parsed.month, 1)


def _ward_choices() -> dict[str, str]:
    try:
        wards = db.run_query("wards")
    except (db.ExtractUnavailable, db.QueryError):
        return {}
    return dict(zip(wards["ward_code"], wards["ward_name"]))


def sidebar() -> Filters:
    """Draw the shared filters in the sidebar and return the current selection."""
    unknown = sorted(k for k in st.query_params.keys() if k not in KNOWN_PARAMS)
    notice_rejected("?", unknown, "unknown parameters")
    # Not a filter, but this runs first on every page: a deployment setting that was ignored is said on each.
    threshold_problem = config.suppression_threshold_problem()
    if threshold_problem:
        st.warning(threshold_problem, icon=":material/settings_alert:")

    choices = _ward_choices()
    notice_unknown("ward", choices, "unknown ward codes")
    months = month_options()
    for param in ("from", "to"):
        notice_unknown(param, months, "months outside the data")

    with st.sidebar:
        st.header("Filters")
        if choices:
            from_link("ward", list(choices), [], multi=True)
            wards = st.multiselect(
                "Ward of residence",
                list(choices),
                format_func=lambda c: choices.get(c, c),
                key="ward",
                placeholder="All of Halton",
                help="Filter to one or more electoral wards. Leave empty for all of Halton.",
            )
            to_link("ward", wards, [])
        else:
            wards = []
            st.caption("Ward filter unavailable: the ward reference table could not be loaded.")
        label = _month_label
        from_link("from", months, months[0])
        from_link("to", months, months[-1])
        # Swapped before the widgets are drawn, so the sidebar and the link show the period the page uses.
        if st.session_state["from"] > st.session_state["to"]:
            st.session_state["from"], st.session_state["to"] = st.session_state["to"], st.session_state["from"]
            swapped = True
        else:
            swapped = False
        start = st.selectbox("From", months, format_func=label, key="from")
        to_link("from", start, months[0])
        end = st.selectbox("To", months, format_func=label, key="to")
        to_link("to", end, months[-1])
    if swapped:
        st.warning("The period's start is after its end, so the two were swapped.", icon=":material/swap_horiz:")
    start_date, end_date = _parse_month(start or months[0]), _parse_month(end or months[-1])
    valid = tuple(w for w in wards if w in choices)
    return Filters(valid, tuple(choices[w] for w in valid), start_date, end_date)


def _month_label(month: str) -> str:
    parsed = _parse_month(month)
    return f"{parsed:%b %Y}" if parsed else month


CURRENT = "_filters"


def current() -> Filters:
    """The selection drawn on this run: by the entrypoint, or, for a page Streamlit ran alone, by `app.boot()`."""
    from onehalton import app

    if not app.is_entered():
        # Streamlit ran this page without the entrypoint (a deep link as a fresh server's first request). Calling
        # st.navigation (in boot) ends the old pages-directory mode; the rerun then comes through dashboard.py,
        # so every widget is made in the navigation's page context from the first paint on (made in this run,
        # an expander or tab opened later would not find its state). The filters are left to that run: drawn here
        # they would tidy the link, and the rerun could no longer name what it had to ignore.
        app.boot(with_filters=False)
        st.rerun()
    return st.session_state[CURRENT]


def link_query(f: Filters) -> dict[str, list[str] | str]:
    """The query string that reproduces this view's filters on another page (the Overview's links)."""
    query: dict[str, list[str] | str] = {}
    if f.wards:
        query["ward"] = list(f.wards)
    for param in ("from", "to"):
        values = st.query_params.get_all(param)
        if values:
            query[param] = values[-1]
    return query
