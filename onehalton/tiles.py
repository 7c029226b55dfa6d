"""KPI tiles and the Overview's Making Data Count board summary, drawn from `kpis.Headline`s.

Colours follow the verdict and the KPI's polarity (blue improvement, orange concern, grey otherwise), never last
month's change alone; the change is still written, with its own arrow.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

import streamlit as st

from onehalton import filters, icons, kpis


def tile(item: kpis.Headline | None, *, label: str = "No data") -> None:
    with st.container(border=True, key=f"tile-{item.key}" if item else None):
        if item is None:
            st.metric(label, "No data")
            st.caption("No data for this selection.")
            return
        arrow = "off"
        if item.change_text and item.change_text != "no change":
            arrow = "down" if item.change_text.startswith("−") else "up"
        st.metric(
            item.label,
            item.value_text,
            delta=item.change_text,
            delta_color=item.colour,
            delta_arrow=arrow,
            help=item.measure.definition,
            chart_data=list(item.spark) or None,
            chart_type="line",
            delta_description=f"vs {item.previous_period}" if item.change_text else None,
        )
        trend = f"Recent trend: {item.trend}" if item.trend else None
        lines = [item.period_text] + [t for t in (item.ci_text, item.target_text, trend) if t]
        st.caption(" · ".join(lines))
        if item.scope == "Halton-wide" and filters.current().ward_level:
            st.caption(":material/public: Halton-wide: the ward filter does not change this.")
        st.html(
            f'<div class="oh-verdict-line" style="display:flex;gap:6px;align-items:center">'
            f"{_variation(item, 30)}{_assurance(item, 30)}"
            f'<span style="font-size:0.95rem;line-height:1.2">{escape(item.verdict)}</span></div>'
        )


def _variation(item: kpis.Headline, size: int) -> str:
    reason = item.variation_reason or "SPC not applicable"
    title = icons.VARIATION.get(item.variation_icon, (None, None, None, reason))[3]
    return icons.img(icons.variation(item.variation_icon, size, reason), f"Variation: {title}")


def _assurance(item: kpis.Headline, size: int) -> str:
    reason = "No target" if item.target is None else "Assurance not judged for this measure"
    title = icons.ASSURANCE.get(item.assurance_icon, (None, None, reason))[2]
    return icons.img(icons.assurance(item.assurance_icon, size, reason), f"Assurance: {title}")


TILES_A_ROW = 4  # five tiles a row cut their labels and deltas at 1280x720 with the sidebar open


def tile_row(items: list[kpis.Headline | None]) -> None:
    """Tiles side by side: up to four in a row, more as rows of three (five as three and two)."""
    width = len(items) if len(items) <= TILES_A_ROW else 3
    for start in range(0, len(items), width):
        for column, item in zip(st.columns(width), items[start : start + width]):
            with column:
                tile(item)


def _link(item, query: dict) -> str:
    params = urlencode(query, doseq=True)
    return f"./{item.page}" + (f"?{params}" if params else "") + (f"#{item.section}" if item.section else "")


def board(items: list[kpis.Headline], query: dict, *, ward_level: bool = False) -> None:
    """One row per headline KPI: name (a link to the page and section that explain it), latest value and period,
    target, the variation and assurance icons, a neutral sparkline and the verdict in a few words."""
    rows = []
    for item in items:
        tone = {"concern": "#ED8B00", "improvement": "#005EB8"}.get(item.tone, "#768692")
        # With a ward chosen, say which rows stay Halton-wide; without one, every row is Halton anyway.
        scope = ' <span class="oh-scope">Halton-wide</span>' if ward_level and item.scope == "Halton-wide" else ""
        where = f"{item.group}: {item.label}" if item.group else item.label
        rows.append(
            f'<tr data-kpi="{escape(item.key)}" style="border-left:5px solid {tone}">'
            f'<td class="oh-name"><a href="{escape(_link(item, query))}" target="_self" title="{escape(where)}">'
            f"{escape(item.label)}</a>{scope}"
            "</td>"
            f'<td class="oh-value">{escape(item.value_text)}<div class="oh-sub">{escape(item.period_text)}</div></td>'
            f'<td class="oh-target" title="{escape(item.target_text or "No target set")}">{_target(item)}</td>'
            f'<td class="oh-icon">{_variation(item, 30)}</td><td class="oh-icon">{_assurance(item, 30)}</td>'
            f'<td class="oh-spark">{icons.img(icons.sparkline(item.spark, 80, 26), "Trend")}</td>'
            f'<td class="oh-verdict">{escape(item.verdict)}</td></tr>'
        )
    widths = "".join(f'<col style="width:{w}%">' for w in (30, 10, 8, 7, 8, 10, 27))
    st.html(
        BOARD_STYLE
        + f'<table class="oh-board"><colgroup>{widths}</colgroup><thead><tr><th>KPI</th><th>Latest</th><th>Target</th>'
        '<th title="Making Data Count: variation">Variation</th><th title="Making Data Count: assurance">'
        "Assurance</th><th>Trend</th><th>Verdict</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _target(item: kpis.Headline) -> str:
    if item.target is None:
        return "–"
    return escape(item.target_text.split(" (")[0].replace("Target ", "") if item.target_text else "")


def attention(items: list, query: dict) -> None:
    """The short list a board should look at first."""
    flagged = kpis.needing_attention(items)
    if not flagged:
        st.success(
            "Nothing needs attention: no special-cause concern, no failing assurance, nothing off track.",
            icon=":material/check_circle:",
        )
        return
    links = " · ".join(
        f'<a href="{escape(_link(i, query))}" target="_self" title="{escape(i.attention)}"><b>{escape(i.label)}</b></a>'
        for i in flagged
    )
    st.html(
        f'<div class="oh-attention" data-testid="oh-attention" style="border-left:6px solid #ED8B00;'
        f'background:#FFF4E5;padding:6px 12px;border-radius:4px;font-size:0.9rem;line-height:1.35">'
        f"<b>Needs attention ({len(flagged)})</b>, why in the verdict column: {links}</div>"
    )


BOARD_STYLE = """<style>
.oh-board { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 0.98rem; }
.oh-board th { text-align: left; font-weight: 600; color: #425563; border-bottom: 2px solid #AEB7BD;
  padding: 2px 6px; font-size: 0.85rem; }
.oh-board td { padding: 1px 6px; border-bottom: 1px solid #E8EDEE; vertical-align: middle; }
.oh-board tr { height: 36px; }
.oh-board td.oh-name { line-height: 1.12; font-size: 0.95rem; }
.oh-board td.oh-verdict { line-height: 1.15; }
.oh-board .oh-name a { color: #003087; font-weight: 600; text-decoration: none; }
.oh-board .oh-name a:hover { text-decoration: underline; }
.oh-board .oh-sub { color: #425563; font-size: 0.8rem; line-height: 1.1; }
.oh-board .oh-scope { background: #E8EDEE; color: #425563; font-size: 0.75rem; padding: 0 4px; border-radius: 3px; }
.oh-board .oh-value { font-size: 1.12rem; font-weight: 700; white-space: nowrap; line-height: 1.1; }
.oh-board .oh-value .oh-sub { font-weight: 400; }
.oh-board .oh-target { color: #231F20; font-size: 0.9rem; line-height: 1.15; }
.oh-board .oh-icon { width: 40px; text-align: center; }
.oh-board .oh-verdict { font-size: 0.88rem; color: #231F20; }
.oh-board img { display: block; margin: auto; }
</style>"""
