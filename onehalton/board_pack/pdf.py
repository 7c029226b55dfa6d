"""The board pack as an A4 PDF, laid out with reportlab's platypus.

Why reportlab (with svglib): it embeds (subsetted) TrueType fonts, lays out flowing text and tables that
split across pages with repeated headers, mixes portrait and landscape pages, numbers pages "n of N", and draws
vector graphics natively; svglib turns vl-convert's SVG of a chart into those vector graphics, text included,
so charts stay sharp at any zoom and their text is searchable. fpdf2 was tried first: its SVG reader rejects
the SVG Vega writes (`<line>` without x1, empty paths).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from onehalton import chart_export, suppression
from onehalton.board_pack import charts, fonts, icons
from onehalton.board_pack.data import BudgetPart, Kpi, fmt, fy_month_name, period_name, pounds, verdict_words

NHS_BLUE = colors.HexColor("#005EB8")
NHS_DARK_BLUE = colors.HexColor("#003087")
NHS_ORANGE = colors.HexColor("#ED8B00")
NHS_GREY = colors.HexColor("#425563")
NHS_PALE_GREY = colors.HexColor("#E8EDEE")
MARGIN = 16 * mm


@dataclass
class Pack:
    """Everything the PDF shows, gathered by `onehalton.board_pack.gather`."""

    area: str
    period: str
    wards: tuple[str, ...]
    link: dict[str, list[str]]
    kpis: list[Kpi]
    missing: list[str]
    indicators: object  # DataFrame, or None when unavailable
    indicator_problem: str
    budget: BudgetPart | str
    provenance: list[dict]
    synthetic: list[str]
    notices: list[str]
    ward_level: bool
    generated: datetime


def _styles() -> dict[str, ParagraphStyle]:
    fonts.register()
    base = ParagraphStyle("body", fontName=fonts.REGULAR, fontSize=9.5, leading=12.5, spaceAfter=4)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.2, textColor=NHS_GREY),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.3, leading=10, spaceAfter=0),
        "cell_right": ParagraphStyle(
            "cell_right", parent=base, fontSize=8.3, leading=10, spaceAfter=0, alignment=TA_RIGHT
        ),
        "cell_head": ParagraphStyle(
            "cell_head",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=8.3,
            leading=10,
            spaceAfter=0,
            textColor=colors.white,
        ),
        "tiny": ParagraphStyle("tiny", parent=base, fontSize=6.6, leading=8, spaceAfter=0),
        "tiny_right": ParagraphStyle(
            "tiny_right", parent=base, fontSize=6.6, leading=8, spaceAfter=0, alignment=TA_RIGHT
        ),
        "tiny_head": ParagraphStyle(
            "tiny_head",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=6.6,
            leading=8,
            spaceAfter=0,
            textColor=colors.white,
            alignment=TA_RIGHT,
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=fonts.BOLD, fontSize=26, leading=31, textColor=colors.white
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=14, leading=18, textColor=colors.white),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=16,
            leading=20,
            textColor=NHS_DARK_BLUE,
            spaceBefore=2,
            spaceAfter=6,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=11.5,
            leading=14,
            textColor=NHS_DARK_BLUE,
            spaceBefore=8,
            spaceAfter=4,
        ),
        "figure": ParagraphStyle("figure", parent=base, fontName=fonts.BOLD, fontSize=15, leading=18, spaceAfter=0),
        "figure_long": ParagraphStyle(
            "figure_long", parent=base, fontName=fonts.BOLD, fontSize=11.5, leading=18, spaceAfter=0
        ),
        "label": ParagraphStyle("label", parent=base, fontSize=7.8, leading=9.5, textColor=NHS_GREY, spaceAfter=0),
    }


def _markdown(text: str) -> str:
    """The validation summaries' light markdown (**bold**, `code`) as reportlab paragraph markup."""
    text = escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"`(.+?)`", r"<i>\1</i>", text)


class _Numbered(pdfcanvas.Canvas):
    """A canvas that knows the page count when it writes each page's footer ("Page 2 of 7")."""

    def __init__(self, *args, footer=None, **kwargs):
        # Else every page names Helvetica, a font the PDF would not embed.
        kwargs["initialFontName"] = fonts.REGULAR
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._footer = footer

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            if self._footer is not None:
                self._footer(self, self._pageNumber, total)
            super().showPage()
        super().save()


class _Drawing(Flowable):
    """A reportlab Drawing (a chart from SVG, an icon) scaled to a width, drawn as vectors."""

    def __init__(self, drawing, width: float):
        super().__init__()
        self.drawing = drawing
        self.scale = width / drawing.width
        self.width, self.height = width, drawing.height * self.scale

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        from reportlab.graphics import renderPDF

        self.canv.saveState()
        self.canv.scale(self.scale, self.scale)
        renderPDF.draw(self.drawing, self.canv, 0, 0)
        self.canv.restoreState()


def _style(commands) -> TableStyle:
    """A table style whose cells default to the embedded font: reportlab's default is Helvetica, which the PDF
    would name without embedding."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR), *commands])


def _icon_cell(drawing, text: str, style) -> Table:
    cells = [[drawing if drawing is not None else "", Paragraph(escape(text), style)]]
    table = Table(cells, colWidths=[26, None])
    table.setStyle(
        _style(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _grid(rows, widths, *, header_rows: int = 1, zebra: bool = True, extra=()) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), 8.3),
        # Top-aligned, so each row's first line carries the first line of every cell (a reader's text
        # extraction then keeps a row together).
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#C8CFD3")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header_rows:
        style.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), NHS_BLUE))
    if zebra:
        style += [("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [colors.white, colors.HexColor("#F4F6F7")])]
    table.setStyle(_style(style + list(extra)))
    return table


def link_text(link: dict[str, list[str]]) -> str:
    return "?" + urlencode([(k, v) for k, values in link.items() for v in values]) if link else "(no filters)"


def render(pack: Pack) -> bytes:
    """The pack as PDF bytes."""
    s = _styles()
    buffer = io.BytesIO()
    portrait_frame = Frame(
        MARGIN,
        MARGIN + 6 * mm,
        A4[0] - 2 * MARGIN,
        A4[1] - 2 * MARGIN - 6 * mm,
        id="portrait",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    wide = landscape(A4)
    landscape_frame = Frame(
        12 * mm,
        12 * mm + 6 * mm,
        wide[0] - 24 * mm,
        wide[1] - 24 * mm - 6 * mm,
        id="landscape",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        initialFontName=fonts.REGULAR,
        title=f"One Halton board pack: {pack.area}, {pack.period}",
        author="One Halton",
        subject="Headline KPIs, Making Data Count, indicators and budget",
        creator="onehalton.board_pack",
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
    )
    doc.addPageTemplates(
        [
            PageTemplate("portrait", [portrait_frame], pagesize=A4, onPage=_cover_band),
            PageTemplate("landscape", [landscape_frame], pagesize=wide),
        ]
    )
    story: list = []
    story += _cover(pack, s)
    story += [PageBreak()] + _summary(pack, s)
    for kpi in pack.kpis:
        if kpi.attention:
            story += [PageBreak()] + _attention_page(kpi, pack, s)
    story += [PageBreak()] + _indicators(pack, s)
    story += [NextPageTemplate("landscape"), PageBreak()] + _budget(pack, s)

    def footer(canvas, page: int, total: int) -> None:
        width = canvas._pagesize[0]
        canvas.saveState()
        canvas.setFont(fonts.REGULAR, 7.5)
        canvas.setFillColor(NHS_GREY)
        left = f"One Halton board pack · {pack.area} · {pack.period}"
        if pack.synthetic:
            left += " · synthetic demo data"
        canvas.drawString(12 * mm if width > A4[0] else MARGIN, 9 * mm, left)
        canvas.drawRightString(width - (12 * mm if width > A4[0] else MARGIN), 9 * mm, f"Page {page} of {total}")
        canvas.restoreState()

    doc.build(story, canvasmaker=lambda *a, **k: _Numbered(*a, footer=footer, **k))
    return buffer.getvalue()


def _cover_band(canvas, doc) -> None:
    if doc.page != 1:
        return
    canvas.saveState()
    canvas.setFillColor(NHS_BLUE)
    canvas.rect(0, A4[1] - 78 * mm, A4[0], 78 * mm, stroke=0, fill=1)
    canvas.restoreState()


def _cover(pack: Pack, s) -> list:
    out: list = [
        Spacer(1, 8 * mm),
        Paragraph("One Halton", s["subtitle"]),
        Paragraph("Board pack: headline KPIs", s["title"]),
        Paragraph(f"{escape(pack.area)} · {escape(pack.period)}", s["subtitle"]),
        Spacer(1, 30 * mm),
    ]
    budget = pack.budget
    facts = [
        ["Area", pack.area + (f" (ward codes {', '.join(pack.wards)})" if pack.wards else " (all wards)")],
        ["Period", pack.period],
        [
            "Budget",
            f"{budget.fy}, as at {fy_month_name(budget.month)}" if isinstance(budget, BudgetPart) else "unavailable",
        ],
        ["Made", f"{pack.generated:%d %b %Y %H:%M} UTC"],
        ["Link to this view", link_text(pack.link)],
    ]
    out.append(
        _grid(
            [[Paragraph(f"<b>{escape(k)}</b>", s["cell"]), Paragraph(escape(v), s["cell"])] for k, v in facts],
            [42 * mm, None],
            header_rows=0,
            zebra=False,
        )
    )
    if pack.synthetic:
        notice = Table(
            [
                [
                    Paragraph(
                        "<b>Synthetic demo data.</b> "
                        + escape(", ".join(pack.synthetic))
                        + (" is" if len(pack.synthetic) == 1 else " are")
                        + " generated for demonstration, calibrated to "
                        "published figures: not real patients or spending.",
                        s["body"],
                    )
                ]
            ],
            colWidths=[None],
        )
        notice.setStyle(
            _style(
                [
                    ("BOX", (0, 0), (-1, -1), 1.5, NHS_ORANGE),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FDF1E0")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        out += [Spacer(1, 6 * mm), notice]
    out += [
        Paragraph("Data as of", s["h2"]),
        Paragraph(
            "From the data folder's manifest: what each extract covers, when it was taken, and whether "
            "it passed its checks when it loaded.",
            s["small"],
        ),
    ]
    rows = [[Paragraph(h, s["cell_head"]) for h in ("Extract", "Covers", "As of", "Synthetic", "Checks")]]
    for entry in pack.provenance:
        rows.append(
            [
                Paragraph(escape(entry["title"]), s["cell"]),
                Paragraph(escape(entry["period"]), s["cell"]),
                Paragraph(escape(entry["as_of"]), s["cell"]),
                Paragraph("yes" if entry["synthetic"] else "no", s["cell"]),
                Paragraph(escape(entry["state"]), s["cell"]),
            ]
        )
    out.append(_grid(rows, [58 * mm, 44 * mm, 26 * mm, 20 * mm, None]))
    for notice in pack.notices:
        out.append(Paragraph(_markdown(notice), s["small"]))
    return out


def _summary(pack: Pack, s) -> list:
    out = [
        Paragraph("Making Data Count summary", s["h1"]),
        Paragraph(
            f"{escape(pack.area)} · {escape(pack.period)}. Each headline KPI's latest value, its 95% "
            "confidence interval, the target in force, and Making Data Count's two questions: is the change "
            "real (variation), and will the target be met (assurance)?",
            s["body"],
        ),
    ]
    head = ("KPI", "Latest", "95% CI", "Target", "Variation", "Assurance")
    rows = [[Paragraph(h, s["cell_head"]) for h in head]]
    attention = []
    for kpi in pack.kpis:
        target = escape(kpi.target_text) + (
            f"<br/><font size=7>{escape(kpi.target_label)}</font>" if kpi.target_label else ""
        )
        rows.append(
            [
                Paragraph(f"<b>{escape(kpi.label)}</b><br/><font size=7>{escape(kpi.area)}</font>", s["cell"]),
                Paragraph(f"<font size=12><b>{escape(kpi.value_text)}</b></font><br/>{kpi.period}", s["cell"]),
                Paragraph(kpi.ci_text, s["cell"]),
                Paragraph(target, s["cell"]),
                _icon_cell(icons.variation(kpi.variation_icon), kpi.variation, s["cell"]),
                _icon_cell(icons.assurance(kpi.assurance_icon), kpi.assurance, s["cell"]),
            ]
        )
        if kpi.attention:
            attention.append(f"<b>{escape(kpi.label)}</b>: {escape('; '.join(kpi.attention))}")
    out.append(_grid(rows, [38 * mm, 19 * mm, 22 * mm, 23 * mm, 36 * mm, None]))
    for line in pack.missing:
        out.append(Paragraph(_markdown(line), s["small"]))
    if any(kpi.value_text == suppression.SUPPRESSED_LABEL or kpi.frame[kpi.value].isna().any() for kpi in pack.kpis):
        out.append(Paragraph(escape(suppression.suppression_legend(_threshold())), s["small"]))
    out += [Paragraph("Needs attention", s["h2"])]
    if attention:
        out.append(Paragraph("Each of these has a page of its own: " + "; ".join(attention) + ".", s["body"]))
    elif pack.kpis:
        out.append(Paragraph("No headline KPI shows special-cause concern or a failing target.", s["body"]))
    else:
        out.append(Paragraph("No headline KPI could be read (see above).", s["body"]))
    out += [
        Paragraph("How to read the icons", s["h2"]),
        _legend(s),
        Paragraph(
            "XmR charts: limits at the mean ± 2.66 × the mean moving range; special cause for a point "
            "beyond "
            "the limits, 7 in a row on one side of the mean, 7 rising or falling, or 2 of 3 near a limit. At "
            "least 15 points are needed. A value is suppressed (*) when it rests on a ward-level count of 1 "
            f"to {_threshold()}; SPC is then not shown.",
            s["small"],
        ),
    ]
    return out


def _threshold() -> int:
    from onehalton import config

    return config.suppression_threshold()


def _legend(s) -> Table:
    items = [
        (icons.variation("concern_high"), "Special cause concern (H: high, L: low)"),
        (icons.variation("improvement_high"), "Special cause improvement"),
        (icons.variation("neutral_high"), "Special cause variation, no judgement of direction"),
        (icons.variation("common_cause"), "Common cause variation"),
        (icons.assurance("consistent_pass"), "Consistently passing the target"),
        (icons.assurance("consistent_fail"), "Consistently failing the target"),
        (icons.assurance("hit_and_miss"), "Hit and miss: the target lies within the limits"),
    ]
    rows = []
    for i in range(0, len(items), 2):
        pair = items[i : i + 2]
        row = []
        for drawing, text in pair:
            row += [drawing, Paragraph(escape(text), s["cell"])]
        rows.append(row + ["", ""] * (2 - len(pair)))
    table = Table(rows, colWidths=[28, 62 * mm, 28, None])
    table.setStyle(
        _style(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _key_figures(pairs: list[tuple[str, str]], s) -> Table:
    cells = [
        [Paragraph(escape(label), s["label"]) for label, _ in pairs],
        [Paragraph(escape(value), s["figure"] if len(value) <= 9 else s["figure_long"]) for _, value in pairs],
    ]
    table = Table(cells, colWidths=[(A4[0] - 2 * MARGIN) / len(pairs)] * len(pairs))
    table.setStyle(
        _style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), NHS_PALE_GREY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEAFTER", (0, 0), (-2, -1), 2, colors.white),
                ("TOPPADDING", (0, 0), (-1, 0), 5),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    return table


def _attention_page(kpi: Kpi, pack: Pack, s) -> list:
    """One page, whatever the KPI: shrunk to fit rather than spilling a table's tail onto a page of its own."""
    width, height = A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN - 6 * mm
    return [KeepInFrame(width, height, _attention_content(kpi, pack, s, width), mode="shrink")]


def _attention_content(kpi: Kpi, pack: Pack, s, width: float) -> list:
    out = [
        Paragraph(f"{escape(kpi.label)}: needs attention", s["h1"]),
        Paragraph(
            f"{escape(kpi.area)} · {escape(pack.period)} · " + escape("; ".join(kpi.attention)).capitalize() + ".",
            s["body"],
        ),
    ]
    pairs = [
        (f"Latest, {kpi.period}", kpi.value_text),
        ("95% CI", kpi.ci_text or "n/a"),
        ("Target", kpi.target_text or "none"),
    ]
    if kpi.result is not None and kpi.spc_problem is None:
        r = kpi.result
        pairs += [
            ("Mean", fmt(r.mean, kpi.kind)),
            ("Process limits", f"{fmt(r.lpl, kpi.kind)} to {fmt(r.upl, kpi.kind)}"),
        ]
        spec = charts.xmr_spec(kpi)
    else:
        pairs += [("Projected year end", fmt(kpi.latest.get("projected_year_end"), kpi.kind))]
        spec = charts.trajectory_spec(kpi)
    out.append(_key_figures(pairs, s))
    out.append(Spacer(1, 4 * mm))
    drawing = chart_export.svg_drawing(chart_export.to_svg(spec))
    out.append(_Drawing(drawing, width))
    out.append(Paragraph("Verdict", s["h2"]))
    if kpi.result is not None and kpi.spc_problem is None:
        out.append(
            Table(
                [
                    [
                        icons.variation(kpi.variation_icon) or "",
                        icons.assurance(kpi.assurance_icon) or "",
                        Paragraph(" ".join(escape(w) for w in verdict_words(kpi)), s["body"]),
                    ]
                ],
                colWidths=[28, 28, None],
                style=_style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]),
            )
        )
    else:
        out += [Paragraph(escape(w), s["body"]) for w in verdict_words(kpi)]
    if kpi.target_label:
        out.append(
            Paragraph(
                f"Target: {escape(kpi.target_text)} ({escape(kpi.target_label)}), the one in force at {kpi.period}.",
                s["small"],
            )
        )
    out.append(Paragraph(f"Definition: {escape(kpi.definition)}", s["small"]))
    out.append(Paragraph("The figures behind it (latest 12 months)", s["h2"]))
    out.append(_figures_table(kpi, s))
    return out


def _figures_table(kpi: Kpi, s) -> Table:
    frame = kpi.frame.tail(12)
    spc_points = None
    if kpi.result is not None and kpi.spc_problem is None:
        spc_points = kpi.result.points.set_index("date")
    head = (
        ["Month"]
        + [h for _, h, _ in kpi.figures]
        + (["Mean", "Limits", "Special cause"] if spc_points is not None else [])
    )
    right = ParagraphStyle("head_right", parent=s["cell_head"], alignment=TA_RIGHT)
    rows = [
        [
            Paragraph(h, s["cell_head"] if i in (0, len(head) - 1) and spc_points is not None or i == 0 else right)
            for i, h in enumerate(head)
        ]
    ]
    offset = len(kpi.frame) - len(frame)
    for i, (_, row) in enumerate(frame.iterrows()):
        cells = [Paragraph(period_name(row["month"]), s["cell"])]
        cells += [Paragraph(kpi.cell(offset + i, c, kind), s["cell_right"]) for c, _, kind in kpi.figures]
        if spc_points is not None:
            point = spc_points.loc[row["month"]]
            cells += [
                Paragraph(fmt(point["mean"], kpi.kind), s["cell_right"]),
                Paragraph(f"{fmt(point['lpl'], kpi.kind)} to {fmt(point['upl'], kpi.kind)}", s["cell_right"]),
                Paragraph(escape(point["rule"] or "none"), s["cell"]),
            ]
        rows.append(cells)
    fixed = [22 * mm] + ([17 * mm, 30 * mm, 36 * mm] if spc_points is not None else [])
    share = (A4[0] - 2 * MARGIN - sum(fixed)) / len(kpi.figures)
    widths = [fixed[0]] + [share] * len(kpi.figures) + fixed[1:]
    return _grid(rows, widths, extra=[("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)])


def _indicators(pack: Pack, s) -> list:
    out = [
        Paragraph("Life-course indicators", s["h1"]),
        Paragraph(
            "Every public-health indicator at its latest period, with 95% confidence intervals (Wilson score "
            "for proportions, Byar's method for rates) and Fingertips benchmarking: significantly better or "
            "worse only when the whole interval lies on one side of the comparator.",
            s["body"],
        ),
    ]
    frame = pack.indicators
    if frame is None:
        return out + [Paragraph(_markdown(pack.indicator_problem), s["body"])]
    if frame.empty:
        return out + [Paragraph("No indicators in the data.", s["body"])]
    ward = pack.ward_level
    head = ["Indicator", "Period", "Halton (95% CI)", "England", "Halton vs England"]
    if ward:
        head += [f"{pack.area} (95% CI)", f"{pack.area} vs Halton"]
    st = s["cell"] if not ward else ParagraphStyle("ward_cell", parent=s["cell"], fontSize=7.6, leading=9.2)
    head_style = (
        s["cell_head"] if not ward else ParagraphStyle("ward_head", parent=s["cell_head"], fontSize=7.6, leading=9.2)
    )
    rows = [[Paragraph(escape(h), head_style) for h in head]]
    extra = []
    for domain, part in frame.groupby("domain", sort=False):
        extra += [
            ("SPAN", (0, len(rows)), (-1, len(rows))),
            ("BACKGROUND", (0, len(rows)), (-1, len(rows)), NHS_PALE_GREY),
        ]
        rows.append([Paragraph(f"<b>{escape(domain)}</b>", st)] + [""] * (len(head) - 1))
        for row in part.itertuples():
            cells = [
                Paragraph(f"{escape(row.indicator)} ({escape(row.unit)})", st),
                Paragraph(row.period, st),
                Paragraph(escape(row.halton), st),
                Paragraph(escape(row.england), st),
                Paragraph(_benchmark(row.halton_vs_england), st),
            ]
            if ward:
                cells += [Paragraph(escape(row.ward), st), Paragraph(_benchmark(row.ward_vs_halton), st)]
            rows.append(cells)
    total = A4[0] - 2 * MARGIN
    widths = (
        [62 * mm, 17 * mm, 32 * mm, 17 * mm, None]
        if not ward
        else [36 * mm, 14 * mm, 29 * mm, 17 * mm, 25 * mm, 29 * mm, None]
    )
    assert sum(w for w in widths if w) < total
    out.append(_grid(rows, widths, zebra=False, extra=extra))
    if ward and frame["ward"].astype(str).str.contains(r"^\*", regex=True).any():
        out.append(Paragraph(escape(suppression.suppression_legend(_threshold())), s["small"]))
    return out


def _benchmark(phrase: str) -> str:
    colour = "#ED8B00" if "worse" in phrase else "#005EB8" if "better" in phrase else None
    text = escape(phrase)
    return f'<font color="{colour}"><b>{text}</b></font>' if colour else text


def _budget(pack: Pack, s) -> list:
    part = pack.budget
    out = [Paragraph("Budget statement", s["h1"])]
    if not isinstance(part, BudgetPart):
        return out + [Paragraph(_markdown(part), s["body"])]
    out.append(
        Paragraph(
            f"One Halton budget statement {escape(part.fy)}, as at {fy_month_name(part.month)}. Figures "
            "rounded to the pound (half up), as the statement prints them; sums are exact in pence. YTD "
            "actuals include prior-year invoices; M12 total = YTD actuals + accruals; variance = "
            "budget − "
            "M12 total (positive means underspend).",
            s["body"],
        )
    )
    if part.synthetic:
        out.append(
            Paragraph(
                f"<b>{escape(part.fy)} budget lines are demo data</b>, invented for illustration. Only "
                "2020/21 comes from a published statement (One Halton Budget Statement, Month 5).",
                ParagraphStyle("warn", parent=s["body"], textColor=NHS_ORANGE),
            )
        )
    if part.month > part.latest_month:
        out.append(
            Paragraph(
                f"{escape(part.fy)} has entries up to month {part.latest_month}; months after that show no spend yet.",
                s["small"],
            )
        )
    wide = landscape(A4)[0] - 24 * mm
    pairs = list(part.totals.items())
    totals = Table(
        [[Paragraph(escape(k), s["label"]) for k, _ in pairs], [Paragraph(escape(v), s["figure"]) for _, v in pairs]],
        colWidths=[wide / len(pairs)] * len(pairs),
    )
    totals.setStyle(
        _style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), NHS_PALE_GREY),
                ("LINEAFTER", (0, 0), (-2, -1), 2, colors.white),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    out += [totals, Spacer(1, 4 * mm)]
    frame = part.statement
    months = [f"m{m:02d}" for m in range(1, part.month + 1)]
    summary = ["budget", "prior_year_invoices", "ytd_actuals", "accruals", "m12_total", "variance"]
    out.append(_statement_table(frame, summary, s, wide, size=7.6))
    # The monthly table whole on a page where it fits (it does for a statement of this size), so its grand total
    # is not left alone on a page of its own; a longer one still splits, its header repeated.
    by_month = [
        Paragraph(f"Actuals by month, {escape(part.fy)} (£)", s["h2"]),
        _statement_table(frame, months, s, wide, host=False),
    ]
    return [KeepTogether(out[:3])] + out[3:] + [KeepTogether(by_month)]


STATEMENT_LABELS = {
    "budget": "Annual budget",
    "prior_year_invoices": "Prior-year invoices",
    "ytd_actuals": "YTD actuals",
    "accruals": "Accruals",
    "m12_total": "M12 total (forecast)",
    "variance": "Variance",
    **{f"m{m:02d}": f"Month {m}" for m in range(1, 13)},
}


def _statement_table(frame, money: list[str], s, wide: float, *, host: bool = True, size: float = 7.0) -> Table:
    """Statement rows (lines, funding-source subtotals, the grand total) with whole-pound columns."""
    tiny = ParagraphStyle("statement", parent=s["tiny"], fontSize=size, leading=size * 1.2)
    number = ParagraphStyle("statement_number", parent=tiny, alignment=TA_RIGHT)
    head_right = ParagraphStyle("statement_head", parent=s["tiny_head"], fontSize=size, leading=size * 1.2)
    left = ParagraphStyle("statement_head_left", parent=head_right, alignment=0)
    s = {**s, "tiny": tiny, "tiny_right": number}
    head = [Paragraph("Line", left)] + ([Paragraph("Host", left)] if host else [])
    head += [Paragraph(STATEMENT_LABELS[c] + " (£)", head_right) for c in money]
    rows, extra = [head], []
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        bold = row.row_type != "line"
        wrap = (lambda t: f"<b>{t}</b>") if bold else (lambda t: t)
        line = row.line if row.row_type != "subtotal" else f"{row.org_ledger}: {row.line}"
        cells = [Paragraph(wrap(escape(str(line))), s["tiny"])]
        if host:
            cells.append(Paragraph(escape(row.host) if isinstance(row.host, str) else "", s["tiny"]))
        cells += [Paragraph(wrap(pounds(getattr(row, c)).replace("£", "")), s["tiny_right"]) for c in money]
        rows.append(cells)
        if bold:
            extra.append(
                (
                    "BACKGROUND",
                    (0, i),
                    (-1, i),
                    NHS_PALE_GREY if row.row_type == "subtotal" else colors.HexColor("#C6DBF0"),
                )
            )
    line_w, host_w = 72 * mm, (34 * mm if host else 0)
    widths = [line_w] + ([host_w] if host else []) + [(wide - line_w - host_w) / len(money)] * len(money)
    return _grid(
        rows,
        widths,
        zebra=False,
        extra=extra
        + [
            ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
            ("TOPPADDING", (0, 0), (-1, -1), 1.6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
        ],
    )
