"""Making Data Count's variation and assurance icons, drawn as SVG in the project (nothing fetched from outside).

As NHS England draws them: a ringed circle, orange for concern, blue for improvement, grey for common cause
(purple for special cause where there is no judgement of direction); an H or L says the special cause is high or
low. Assurance: blue P (consistently passing), orange F (consistently failing), grey ? (hit and miss). A dashed
grey ring stands for "not applicable", with the reason beside it.
"""

from __future__ import annotations

import base64
from html import escape

BLUE = "#489FDF"
ORANGE = "#FFB207"
GREY = "#A6A6A6"
PURPLE = "#61126B"
INK = "#3D3D3D"

VARIATION = {
    "common_cause": (GREY, "", "flat", "Common cause variation"),
    "improvement_high": (BLUE, "H", "up", "Special cause improvement (high)"),
    "improvement_low": (BLUE, "L", "down", "Special cause improvement (low)"),
    "concern_high": (ORANGE, "H", "up", "Special cause concern (high)"),
    "concern_low": (ORANGE, "L", "down", "Special cause concern (low)"),
    "neutral_high": (PURPLE, "H", "up", "Special cause variation (high), no judgement"),
    "neutral_low": (PURPLE, "L", "down", "Special cause variation (low), no judgement"),
}
ASSURANCE = {
    "consistent_pass": (BLUE, "P", "Consistently passing the target"),
    "consistent_fail": (ORANGE, "F", "Consistently failing the target"),
    "hit_and_miss": (GREY, "?", "Hit and miss: the target lies within the process limits"),
}
_TRACES = {"flat": [14, 12, 15, 13, 14], "up": [19, 17, 14, 11, 8], "down": [8, 10, 13, 16, 19]}


def _svg(body: str, title: str, size: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" width="{size}" height="{size}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
    )


def not_applicable(reason: str, size: int = 34) -> str:
    body = (
        f'<circle cx="20" cy="20" r="17" fill="#fff" stroke="{GREY}" stroke-width="2" stroke-dasharray="4 3"/>'
        f'<text x="20" y="25" font-size="14" text-anchor="middle" fill="{GREY}" font-family="sans-serif">–</text>'
    )
    return _svg(body, reason, size)


def variation(code: str | None, size: int = 34, reason: str = "SPC not applicable") -> str:
    if code not in VARIATION:
        return not_applicable(reason, size)
    colour, letter, trace, title = VARIATION[code]
    ys = _TRACES[trace]
    points = " ".join(f"{9 + 5.5 * i},{y + 8}" for i, y in enumerate(ys))
    dots = "".join(
        f'<circle cx="{9 + 5.5 * i}" cy="{y + 8}" r="1.9" fill="{colour if i >= 3 and letter else GREY}"/>'
        for i, y in enumerate(ys)
    )
    text = (
        (
            f'<text x="20" y="15" font-size="10" font-weight="700" text-anchor="middle" fill="{colour}" '
            f'font-family="sans-serif">{letter}</text>'
        )
        if letter
        else ""
    )
    body = (
        f'<circle cx="20" cy="20" r="17" fill="#fff" stroke="{colour}" stroke-width="3.2"/>'
        f'<polyline points="{points}" fill="none" stroke="{GREY}" stroke-width="1.3"/>{dots}{text}'
    )
    return _svg(body, title, size)


def assurance(code: str | None, size: int = 34, reason: str = "No target") -> str:
    if code not in ASSURANCE:
        return not_applicable(reason, size)
    colour, letter, title = ASSURANCE[code]
    body = (
        f'<circle cx="20" cy="20" r="17" fill="#fff" stroke="{colour}" stroke-width="3.2"/>'
        f'<line x1="8" y1="27" x2="32" y2="27" stroke="{INK}" stroke-width="1.2" stroke-dasharray="2.5 2"/>'
        f'<text x="20" y="23" font-size="16" font-weight="700" text-anchor="middle" fill="{colour}" '
        f'font-family="sans-serif">{letter}</text>'
    )
    return _svg(body, title, size)


def sparkline(values, width: int = 120, height: int = 30, colour: str = "#768692") -> str:
    """A neutral trend line: shape only, no colour judgement (the icons and verdict judge)."""
    points = [float(v) for v in values if v is not None and v == v]
    if len(points) < 2:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"></svg>'
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = (width - 4) / (len(points) - 1)
    coords = " ".join(
        f"{2 + i * step:.1f},{height - 3 - (v - low) / span * (height - 6):.1f}" for i, v in enumerate(points)
    )
    last_x, last_y = coords.split(" ")[-1].split(",")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" aria-hidden="true">'
        f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="1.6"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="2.4" fill="{INK}"/></svg>'
    )


def img(svg: str, alt: str = "") -> str:
    """An SVG as an <img> with a data URI: st.html sanitises inline <svg>, but keeps images."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{escape(alt)}" title="{escape(alt)}">'
