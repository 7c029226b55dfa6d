"""The Making Data Count icons as small vector drawings (reportlab graphics), after NHS England's set:
variation (orange concern, blue improvement, purple neutral, grey common cause, with H or L for the
direction) and assurance (blue P for passing, orange F for failing, grey hit and miss)."""

from __future__ import annotations

from reportlab.graphics.shapes import Circle, Drawing, Line, Path, PolyLine, String
from reportlab.lib.colors import HexColor, white

from onehalton.board_pack import fonts

ORANGE = HexColor("#ED8B00")
BLUE = HexColor("#005EB8")
GREY = HexColor("#768692")
PURPLE = HexColor("#330072")

VARIATION = {  # icon key -> (colour, letter, direction of the dots)
    "common_cause": (GREY, "", 0),
    "improvement_high": (BLUE, "H", 1),
    "improvement_low": (BLUE, "L", -1),
    "concern_high": (ORANGE, "H", 1),
    "concern_low": (ORANGE, "L", -1),
    "neutral_high": (PURPLE, "H", 1),
    "neutral_low": (PURPLE, "L", -1),
}
ASSURANCE = {"consistent_pass": (BLUE, "P"), "consistent_fail": (ORANGE, "F"), "hit_and_miss": (GREY, "")}


def _ring(size: float, colour) -> Drawing:
    drawing = Drawing(size, size)
    drawing.add(Circle(size / 2, size / 2, size / 2 - 1.2, strokeColor=colour, strokeWidth=1.8, fillColor=white))
    return drawing


def variation(key: str | None, size: float = 22) -> Drawing | None:
    """The variation icon for an SpcResult.variation_icon key, or None for no icon."""
    if key not in VARIATION:
        return None
    colour, letter, direction = VARIATION[key]
    drawing = _ring(size, colour)
    c = size / 2
    xs = [c - size * 0.28 + i * size * 0.14 for i in range(5)]
    if direction == 0:
        ys = [c - size * 0.05, c + size * 0.03, c - size * 0.02, c + size * 0.04, c - size * 0.03]
        dots = [GREY] * 5
    else:
        # The last points run away from the rest, as on the NHS icon: two dots in the icon's colour.
        step = size * 0.06 * direction
        base = c - size * 0.12 - (2 * step if direction > 0 else 0) + (size * 0.04 if direction < 0 else 0)
        ys = [base + step * i * (1 if i > 2 else 0.3) for i in range(5)]
        dots = [GREY, GREY, GREY, colour, colour]
    drawing.add(PolyLine([v for xy in zip(xs, ys) for v in xy], strokeColor=GREY, strokeWidth=0.8))
    for x, y, dot in zip(xs, ys, dots):
        drawing.add(Circle(x, y, size * 0.05, fillColor=dot, strokeColor=dot, strokeWidth=0.3))
    if letter:
        drawing.add(
            String(
                c,
                c + size * 0.1,
                letter,
                fontName=fonts.BOLD,
                fontSize=size * 0.32,
                fillColor=colour,
                textAnchor="middle",
            )
        )
    return drawing


def assurance(key: str | None, size: float = 22) -> Drawing | None:
    """The assurance icon for an SpcResult.assurance_icon key, or None for no icon."""
    if key not in ASSURANCE:
        return None
    colour, letter = ASSURANCE[key]
    drawing = _ring(size, colour)
    c = size / 2
    if letter:
        drawing.add(
            String(
                c,
                c - size * 0.17,
                letter,
                fontName=fonts.BOLD,
                fontSize=size * 0.5,
                fillColor=colour,
                textAnchor="middle",
            )
        )
    else:
        # Hit and miss: a target line the process crosses, drawn as a wave over a dashed rule.
        drawing.add(
            Line(c - size * 0.3, c, c + size * 0.3, c, strokeColor=ORANGE, strokeWidth=0.9, strokeDashArray=[1.5, 1])
        )
        wave = Path(strokeColor=colour, strokeWidth=1.3, fillColor=None)
        wave.moveTo(c - size * 0.3, c)
        wave.curveTo(c - size * 0.2, c + size * 0.25, c - size * 0.1, c + size * 0.25, c, c)
        wave.curveTo(c + size * 0.1, c - size * 0.25, c + size * 0.2, c - size * 0.25, c + size * 0.3, c)
        drawing.add(wave)
    return drawing
