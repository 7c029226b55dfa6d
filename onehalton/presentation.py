"""Presentation mode for forum meetings: `?present=1` on any link.

The headline KPIs as a sequence of screens, each one fitting a 1280x720 projector with no scrolling and no text
under 24 px: what needs attention, the board summary a few rows a screen, then one screen per KPI that needs
attention with the chart that explains it, in life-course order. Next and previous by the on-screen buttons and by
the arrow keys (Streamlit's own `st.button(shortcut=...)`); the screen's number is in the URL (`&screen=3`), and
the footer writes the link that reproduces the screen, offers the board pack for the view and a way out (Esc).

Nothing is worked out here: the items are the Overview's (`sections.overview_headlines`), the charts the pages'
(`sections.spc_chart`, `ld_trajectory_chart`, `indicator_trend_chart`, `budget_cumulative_chart`), drawn larger
(`charts.presentation_spec`); small numbers arrive protected as everywhere else.

A screen belongs to the page that explains it (the board to the Overview, the cancer screen to Living Well), and
moving to a screen of another page switches to that page (`st.switch_page` with the link's query), so the path
names the page and leaving presentation mode lands there. `present=1` is kept across every page switch, as the
filters are (filters.py): written back to the URL on each run, and remembered by the session for a switch that
drops the query.
"""

from __future__ import annotations

import dataclasses
from html import escape
from urllib.parse import urlencode, urlparse

import streamlit as st

from onehalton import charts, filters, frame, icons, kpis, navigation, pack_download, sections

PARAM, SCREEN_PARAM = "present", "screen"
ON, OFF = "1", "0"
ACTIVE = "_presenting"  # session: presentation mode is on (kept for a page switch that drops the query)
SCREEN = "_present_screen"  # session: the screen drawn last (1-based)
SCREEN_PAGE = "_present_page"  # session: the page slug that screen was drawn on
LINKED_SCREEN = "_present_linked_screen"  # session: the screen this session last wrote to the URL
GOTO = "_present_goto"  # session: the screen a button (or its key) asked for

TABLES = ("appointments", "ld_health_checks", "cancer_fds", "budget_spend", "indicators", "targets")
ATTENTION_PER_SCREEN = 5  # KPIs listed on one "needs attention" screen: five fit 1280x720 with their verdicts
BOARD_ROWS = 4  # board-summary rows on one screen: names and verdicts wrap at 24 px
CHART_HEIGHT = 230  # px of plot on a KPI screen: title, legend and axes fit above the footer at 1280x720
PAGE_ORDER = {entry.slug: i for i, entry in enumerate(navigation.PAGES)}


@dataclasses.dataclass(frozen=True)
class Screen:
    kind: str  # "attention", "board" or "kpi"
    title: str
    page: str  # the navigation slug of the page that explains it
    items: tuple = ()  # the headlines it shows


# ----------------------------------------------------------------------------------------------
# The mode, in the URL


def requested() -> bool:
    """Whether this run presents: `present=1` in the link (`present=0` turns it off), else what the session was
    doing (a page switch may drop the query)."""
    values = st.query_params.get_all(PARAM)
    if values:
        usable = filters.link_value(values, (ON, OFF))
        if usable is not None:
            return usable == ON
    return bool(st.session_state.get(ACTIVE, False))


def active() -> bool:
    return bool(st.session_state.get(ACTIVE, False))


def start_run() -> bool:
    """Called by `app.boot` before anything is drawn: records whether this run presents and names a `present`
    value the link gives that is neither 1 nor 0."""
    presenting = requested()
    st.session_state[ACTIVE] = presenting
    filters.notice_rejected(PARAM, [v for v in st.query_params.get_all(PARAM) if v not in (ON, OFF)], "values")
    if presenting:
        st.query_params[PARAM] = ON
    else:
        st.query_params.pop(SCREEN_PARAM, None)
        if st.query_params.get_all(PARAM):
            st.query_params.pop(PARAM, None)
    return presenting


def _leave() -> None:
    st.session_state[ACTIVE] = False
    for key in (SCREEN, SCREEN_PAGE, LINKED_SCREEN, GOTO):
        st.session_state.pop(key, None)
    st.query_params.pop(PARAM, None)
    st.query_params.pop(SCREEN_PARAM, None)


def _start() -> None:
    for key in (SCREEN, SCREEN_PAGE, LINKED_SCREEN, GOTO):
        st.session_state.pop(key, None)
    st.session_state[ACTIVE] = True
    st.query_params[PARAM] = ON
    st.query_params[SCREEN_PARAM] = "1"
    st.session_state[GOTO] = 1


def start_button(*, key: str) -> None:
    """A button that starts presenting this view from its first screen (the Overview offers it)."""
    st.button(
        "Present this view",
        key=key,
        icon=":material/slideshow:",
        on_click=_start,
        help="Presentation mode: one headline section per screen for a projector; the arrow keys move, Esc leaves.",
    )


def _go(number: int) -> None:
    st.session_state[GOTO] = number


# ----------------------------------------------------------------------------------------------
# The screens


def deck(items: list[kpis.Headline]) -> list[Screen]:
    """Needs attention, the board summary a few rows a screen, then each KPI that needs attention on its own
    screen, in the order of the pages that explain them (life course, then budget)."""
    flagged = kpis.needing_attention(items)
    screens: list[Screen] = []
    attention = _chunks(flagged, ATTENTION_PER_SCREEN) or [[]]
    for i, part in enumerate(attention):
        screens.append(
            Screen("attention", _numbered("What needs attention", i, len(attention)), "overview", tuple(part))
        )
    board = _chunks(items, BOARD_ROWS)
    for i, part in enumerate(board):
        screens.append(Screen("board", _numbered("Headline KPIs", i, len(board)), "overview", tuple(part)))
    ordered = sorted(flagged, key=lambda item: PAGE_ORDER.get(item.page or "overview", len(PAGE_ORDER)))
    for item in ordered:
        screens.append(Screen("kpi", item.label, item.page or "overview", (item,)))
    return screens


def _chunks(items: list, size: int) -> list[list]:
    """Items in balanced runs of at most `size` (10 rows by 4: 4, 3, 3, not 4, 4, 2)."""
    if not items:
        return []
    count = -(-len(items) // size)
    base, extra = divmod(len(items), count)
    out, start = [], 0
    for i in range(count):
        end = start + base + (i < extra)
        out.append(items[start:end])
        start = end
    return out


def _numbered(title: str, i: int, count: int) -> str:
    return title if count == 1 else f"{title} ({i + 1} of {count})"


def _requested_screen(count: int) -> int | None:
    """The screen the link names, if it is a usable one; a notice names any other value."""
    values = st.query_params.get_all(SCREEN_PARAM)
    options = [str(n) for n in range(1, count + 1)]
    filters.notice_rejected(
        SCREEN_PARAM, [v for v in values if v not in options], f"screen numbers (there are {count} screens)"
    )
    chosen = filters.link_value(values, options)
    return int(chosen) if chosen else None


def choose(screens: list[Screen], page: str) -> int:
    """The screen to draw on this run (1-based): the one a button asked for; else the link's, when it differs
    from what this session wrote (a link opened, or the URL edited); else, after a switch to another page that
    has screens, that page's first; else the session's last; else the page's first, or the first."""
    count = len(screens)
    asked = st.session_state.pop(GOTO, None)
    if asked is not None and 1 <= asked <= count:
        return asked
    linked = _requested_screen(count)
    if linked is not None and linked != st.session_state.get(LINKED_SCREEN):
        return linked
    first_of_page = next((i + 1 for i, s in enumerate(screens) if s.page == page), None)
    last, last_page = st.session_state.get(SCREEN), st.session_state.get(SCREEN_PAGE)
    if last is not None and last_page is not None and last_page != page and first_of_page is not None:
        return first_of_page  # the person switched pages: the new page's first screen
    if last is not None and 1 <= last <= count:
        return last
    if linked is not None:
        return linked
    return first_of_page or 1


def _query(f: filters.Filters, number: int) -> dict[str, list[str] | str]:
    """The link's query for screen `number` of this view: present, ward(s), period, budget year, screen."""
    query: dict[str, list[str] | str] = {PARAM: ON}
    if f.wards:
        query["ward"] = list(f.wards)
    query["from"], query["to"] = f"{f.start:%Y-%m}", f"{f.end:%Y-%m}"
    for param in ("fy", "month"):
        values = st.query_params.get_all(param)
        if values:
            query[param] = values[-1]
    query[SCREEN_PARAM] = str(number)
    return query


def _link(page: str, query: dict) -> str:
    """The full address of the view where the browser's address is known, else the path and query."""
    path = "" if page == "overview" else page
    tail = f"/{path}?{urlencode(query, doseq=True)}"
    base = ""
    url = st.context.url
    if url:
        parts = urlparse(url)
        prefix = (st.get_option("server.baseUrlPath") or "").strip("/")
        base = f"{parts.scheme}://{parts.netloc}" + (f"/{prefix}" if prefix else "")
    return base + tail if base else "." + tail


# ----------------------------------------------------------------------------------------------
# Drawing


def show(chosen) -> None:
    """Draw this run's screen (called by the entrypoint instead of the page, in presentation mode)."""
    page = chosen.url_path or "overview"
    f = filters.current()
    st.html(STYLE)
    frame.notices(TABLES, banner=False)
    headlines = sections.overview_headlines(f, sections.targets())
    screens = deck(headlines.items)
    number = choose(screens, page)
    screen = screens[number - 1]
    st.session_state[SCREEN] = number
    st.session_state[SCREEN_PAGE] = screen.page
    st.session_state[LINKED_SCREEN] = number
    st.query_params[SCREEN_PARAM] = str(number)
    query = _query(f, number)
    if screen.page != page:
        st.switch_page(navigation.by_slug(screen.page).script, query_params=query)

    st.title(screen.title)
    _context(f)
    if screen.kind == "attention":
        _attention(screen, f)
    elif screen.kind == "board":
        _board(screen, f)
    else:
        _kpi(screen.items[0], f, headlines)
    _footer(f, screen, number, len(screens), _link(screen.page, query))


def _area(f: filters.Filters) -> str:
    if not f.wards:
        return "Halton"
    if len(f.wards) <= 2:
        return " and ".join(f.ward_names)
    return f"{len(f.wards)} wards: " + ", ".join(f.ward_names[:2]) + f" and {len(f.wards) - 2} more"


def _context(f: filters.Filters) -> None:
    which = frame.synthetic_scope(TABLES)
    synthetic = (
        '<span class="oh-p-synthetic"><b>Synthetic demo data</b>: not real patients or spending</span>' if which else ""
    )
    st.html(
        f'<div class="oh-p-context" data-testid="oh-present-context"><span><b>{escape(_area(f))}</b> · '
        f"{escape(f.period_label)}</span>{synthetic}</div>"
    )


def _scope(item: kpis.Headline, f: filters.Filters) -> str:
    return ' <span class="oh-p-scope">Halton-wide</span>' if f.ward_level and item.scope == "Halton-wide" else ""


def _tone(item) -> str:
    return {"concern": "#ED8B00", "improvement": "#005EB8"}.get(item.tone, "#768692")


def _icons(item: kpis.Headline, size: int) -> str:
    reason = item.variation_reason or "SPC not applicable"
    variation = icons.img(
        icons.variation(item.variation_icon, size, reason),
        "Variation: " + icons.VARIATION.get(item.variation_icon, (None, None, None, reason))[3],
    )
    no_target = "No target" if item.target is None else "Assurance not judged for this measure"
    assurance = icons.img(
        icons.assurance(item.assurance_icon, size, no_target),
        "Assurance: " + icons.ASSURANCE.get(item.assurance_icon, (None, None, no_target))[2],
    )
    return variation + assurance


def _attention(screen: Screen, f: filters.Filters) -> None:
    if not screen.items:
        st.html(
            '<div class="oh-p-good">Nothing needs attention: no special-cause concern, no failing assurance, '
            "nothing off track.</div>"
        )
        return
    rows = "".join(
        f'<li style="border-left-color:{_tone(item)}"><div class="oh-p-name">{escape(item.label)}{_scope(item, f)}'
        f'</div><div class="oh-p-why"><b>{escape(item.value_text)}</b> · {escape(item.period_text)} · '
        f"{escape(item.attention or '')}</div></li>"
        for item in screen.items
    )
    st.html(f'<ul class="oh-p-attention" data-testid="oh-present-attention">{rows}</ul>')


def _target(item: kpis.Headline) -> str:
    if item.target is None:
        return "–"
    return escape(item.target_text.split(" (")[0].replace("Target ", "") if item.target_text else "")


def _board(screen: Screen, f: filters.Filters) -> None:
    rows = "".join(
        f'<tr data-kpi="{escape(item.key)}" style="border-left:8px solid {_tone(item)}">'
        f'<td class="oh-p-name">{escape(item.label)}{_scope(item, f)}</td>'
        f'<td class="oh-p-value">{escape(item.value_text)}<div class="oh-p-sub">{escape(item.period_text)}</div></td>'
        f'<td>{_target(item)}</td><td class="oh-p-icons">{_icons(item, 40)}</td>'
        f'<td class="oh-p-verdict">{escape(item.verdict)}</td></tr>'
        for item in screen.items
    )
    widths = "".join(f'<col style="width:{w}%">' for w in (32, 16, 12, 11, 29))
    st.html(
        f'<table class="oh-p-board"><colgroup>{widths}</colgroup><thead><tr><th>KPI</th><th>Latest</th>'
        '<th>Target</th><th title="Making Data Count: variation and assurance">SPC</th><th>Verdict</th></tr>'
        "</thead><tbody>" + rows + "</tbody></table>"
    )


def _kpi(item: kpis.Headline, f: filters.Filters, headlines: sections.OverviewHeadlines) -> None:
    left, right = st.columns([4, 7], gap="medium")
    lines = [f"{escape(item.period_text)}" + (f" · {escape(item.scope)}" if item.scope != "Halton" else "")]
    if item.change_text:
        lines.append(f"{escape(item.change_text)} vs {escape(item.previous_period or '')}")
    if item.ci_text:
        lines.append(escape(item.ci_text))
    if item.target_text:
        lines.append(escape(item.target_text.split(" (")[0]))
    with left:
        st.html(
            f'<div class="oh-p-kpi" data-testid="oh-present-kpi" data-kpi="{escape(item.key)}">'
            f'<div class="oh-p-big">{escape(item.value_text)}</div>'
            + "".join(f'<div class="oh-p-line">{line}</div>' for line in lines)
            + f'<div class="oh-p-verdict-line">{_icons(item, 46)}<span>{escape(item.verdict)}</span></div>'
            + (f'<div class="oh-p-flag">Needs attention: {escape(item.attention)}</div>' if item.attention else "")
            + "</div>"
        )
    with right:
        chart, title, why = _chart(item, headlines)
        if chart is None:
            st.html(f'<div class="oh-p-line">{escape(why)}</div>')
        else:
            charts.draw_presentation(chart, height=CHART_HEIGHT, title=title, key=f"present-chart-{item.key}")


XMR_TITLE = "XmR chart: mean and process limits"


def _chart(item: kpis.Headline, headlines: sections.OverviewHeadlines):
    """(the chart its page draws for this KPI, a short title, None), or (None, None, why there is none). The
    screen's heading names the KPI, so the chart's title says only what kind of chart it is."""
    unavailable = "The data behind this chart is unavailable (see the notice above)."
    if item.key == "ld-uptake":
        if headlines.ld is None:
            return None, None, unavailable
        return sections.ld_trajectory_chart(item, headlines.ld.frame)[0], "In-year trajectory, April to March", None
    if item.key == "cancer-fds":
        if headlines.fds is None:
            return None, None, unavailable
        chart, _, why = sections.spc_chart(headlines.fds.frame, "performance", item.label, item.target, "Target")
        return chart, XMR_TITLE, why
    if item.key == "budget":
        year, _ = sections.budget_statement_latest()
        if year is None:
            return None, None, unavailable
        spend = frame.load("budget_spend_by_month", fy=year["financial_year"], month=int(year["latest_month"]))
        if spend is None or spend.frame.empty:
            return None, None, unavailable
        return sections.budget_cumulative_chart(spend.frame)[0], "Cumulative actuals against the annual budget", None
    indicator = item.indicator_id
    if indicator is not None:
        trends = frame.load("indicator_trends", domain=item.group, wards=None)
        if trends is None:
            return None, None, unavailable
        rows = trends.frame[trends.frame["indicator_id"] == indicator]
        if rows.empty:
            return None, None, "No trend for this indicator in the data."
        return sections.indicator_trend_chart(rows), "By period, with 95% confidence intervals", None
    if headlines.monthly is None:
        return None, None, unavailable
    chart, _, why = sections.spc_chart(
        headlines.monthly.frame, item.measure.name, item.label, item.target, "Target" if item.target else None
    )
    return chart, XMR_TITLE, why


def _footer(f: filters.Filters, screen: Screen, number: int, count: int, link: str) -> None:
    with st.container(key="oh-present-footer"):
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            st.button(
                "Previous",
                key="present-previous",
                shortcut="Left",
                disabled=number <= 1,
                on_click=_go,
                args=(number - 1,),
            )
            st.button(
                "Next",
                key="present-next",
                shortcut="Right",
                type="primary",
                disabled=number >= count,
                on_click=_go,
                args=(number + 1,),
            )
            st.html(f'<div class="oh-p-count" data-testid="oh-present-count">Screen {number} of {count}</div>')
            pack_download.button(f, key="present-board-pack", label="Board pack (PDF)")
            st.button("Leave presentation", key="present-leave", shortcut="Esc", on_click=_leave)
        st.html(
            f'<div class="oh-p-link" data-testid="oh-present-link">Link: <a href="{escape(link)}" target="_self">'
            f"{escape(link)}</a></div>"
        )


# Sizes in px: every text at least 24 (charts.PRESENT_FONT), headings larger. The sidebar and Streamlit's header
# (the toolbar and its "Deploy" text) are hidden; the footer is fixed to the bottom of the screen, so the
# buttons stay in one place from screen to screen, and the page keeps room for it.
STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.6rem 1.6rem 8.2rem 1.6rem; max-width: none; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.55rem; }
[data-testid="stMain"] h1, [data-testid="stMain"] h1 span { font-size: 40px; line-height: 1.25; padding: 0; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] td, [data-testid="stMain"] th,
[data-testid="stMain"] button, [data-testid="stMain"] kbd, [data-testid="stMain"] span { font-size: 24px; }
[data-testid="stAlertContainer"] p, [data-testid="stSkipToContent"] { font-size: 24px; }
.oh-p-context { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 4px 24px; font-size: 26px;
  color: #231F20; line-height: 1.25; }
.oh-p-synthetic { background: #E8F1FA; color: #003087; padding: 0 10px; border-radius: 4px; }
.oh-p-scope { background: #E8EDEE; color: #425563; padding: 0 6px; border-radius: 4px; margin-left: 8px;
  white-space: nowrap; }
ul.oh-p-attention { list-style: none; padding: 0; margin: 6px 0 0 0; }
.oh-p-attention li { border-left: 10px solid #ED8B00; background: #FFF4E5; padding: 6px 16px; margin: 0 0 10px 0;
  border-radius: 4px; }
.oh-p-attention .oh-p-name { font-size: 30px; font-weight: 700; color: #003087; line-height: 1.2; }
.oh-p-attention .oh-p-why { font-size: 26px; color: #231F20; line-height: 1.25; }
.oh-p-good { border-left: 10px solid #009639; background: #E6F4EA; padding: 12px 16px; font-size: 28px; }
.oh-p-board { border-collapse: collapse; width: 100%; table-layout: fixed; }
.oh-p-board th { text-align: left; color: #425563; border-bottom: 2px solid #AEB7BD; padding: 2px 10px;
  font-size: 24px; font-weight: 600; }
.oh-p-board td { padding: 6px 10px; border-bottom: 1px solid #E8EDEE; vertical-align: middle; line-height: 1.2;
  font-size: 24px; }
.oh-p-board .oh-p-name { font-weight: 700; color: #003087; }
.oh-p-board .oh-p-value { font-size: 30px; font-weight: 700; white-space: nowrap; }
.oh-p-board .oh-p-sub { font-size: 24px; font-weight: 400; color: #425563; }
.oh-p-board .oh-p-icons img { display: inline-block; margin-right: 4px; }
.oh-p-kpi { line-height: 1.25; }
.oh-p-big { font-size: 64px; font-weight: 700; color: #231F20; line-height: 1.05; }
.oh-p-line { font-size: 24px; color: #231F20; margin-top: 4px; }
.oh-p-verdict-line { display: flex; gap: 8px; align-items: center; font-size: 26px; margin-top: 12px;
  line-height: 1.2; }
.oh-p-flag { border-left: 8px solid #ED8B00; background: #FFF4E5; padding: 4px 12px; margin-top: 12px;
  font-size: 24px; }
.st-key-oh-present-footer { position: fixed; left: 0; right: 0; bottom: 0; z-index: 50; background: #FFFFFF;
  border-top: 2px solid #AEB7BD; padding: 8px 1.6rem 6px 1.6rem; gap: 4px; }
.st-key-oh-present-footer button { min-height: 52px; padding: 4px 22px; }
.st-key-present-next button:not(:disabled) { background: #005EB8; border-color: #005EB8; color: #FFFFFF; }
.st-key-oh-present-footer button p, .st-key-oh-present-footer button span,
.st-key-oh-present-footer button kbd { font-size: 24px; }
.oh-p-count { font-size: 24px; padding: 0 10px; white-space: nowrap; }
.oh-p-link { font-size: 24px; line-height: 1.2; overflow-wrap: anywhere; color: #425563; }
.oh-p-link a { color: #003087; }
</style>"""
