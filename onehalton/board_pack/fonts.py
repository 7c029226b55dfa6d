"""The pack's one typeface, Bitstream Vera Sans, from the copy that ships inside reportlab.

A PDF names a font it does not embed and the reader substitutes its own; the pack embeds (subsets of) these
TrueType files on every page, charts included, so it prints the same everywhere. Shipping inside a pinned
runtime dependency, they need no system fonts on the server.
"""

from __future__ import annotations

from onehalton.chart_export import FONT_FAMILY, font_dir

REGULAR, BOLD, ITALIC, BOLD_ITALIC = "Vera", "Vera-Bold", "Vera-Italic", "Vera-BoldItalic"
FILES = {REGULAR: "Vera.ttf", BOLD: "VeraBd.ttf", ITALIC: "VeraIt.ttf", BOLD_ITALIC: "VeraBI.ttf"}
_registered = False


def register() -> None:
    """Register the family with reportlab, and map the names an SVG chart may use onto it for svglib."""
    global _registered
    if _registered:
        return
    from reportlab.graphics import shapes
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from svglib import fonts as svg_fonts

    folder = font_dir()
    for name, file in FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    # Any family a chart names (Vega's default is sans-serif) is drawn in Vera: otherwise svglib falls back to
    # Helvetica, which a PDF names but does not embed.
    for family in (FONT_FAMILY, "sans-serif", "Helvetica", "Arial", "Source Sans Pro", "Source Sans"):
        for weight, style, name in (
            ("normal", "normal", REGULAR),
            ("bold", "normal", BOLD),
            ("normal", "italic", ITALIC),
            ("bold", "italic", BOLD_ITALIC),
        ):
            svg_fonts.register_font(family, str(folder / FILES[name]), weight=weight, style=style, rlgFontName=name)
    # After svglib's registrations, which map each face's bold and italic onto itself: <b> in a paragraph
    # must find Vera-Bold.
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(REGULAR, bold, italic, [REGULAR, ITALIC, BOLD, BOLD_ITALIC][bold * 2 + italic])
    # Drawings (charts, icons) start each render in this font before their text sets its own: left at
    # Helvetica, every page with a drawing would name a font the PDF does not embed.
    shapes.STATE_DEFAULTS["fontName"] = REGULAR
    _registered = True
