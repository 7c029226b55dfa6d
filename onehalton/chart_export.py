"""Charts as files: a Vega-Lite spec to SVG or PNG bytes, on the server, with no browser.

vl-convert (the Vega-Lite and Vega JavaScript libraries compiled into a Python wheel, from the Vega project)
renders exactly what the browser's vega-embed renders, which a re-implementation of the chart in another
plotting library would not. A spec as the dashboard sends it to the browser (`st.vega_lite_chart`) carries its
data as named datasets of Arrow IPC bytes or DataFrames: those are turned into plain JSON rows first.

Text is set in Bitstream Vera Sans, which ships inside reportlab (a runtime dependency for the board pack), so
the images look the same on any server whatever fonts it has, and the pack's PDF can embed the same font.
"""

from __future__ import annotations

import copy
import io
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa

FONT_FAMILY = "Bitstream Vera Sans"
# d3's en-GB locale: "$" in a number format prints £, and thousands take commas, as a UK reader expects.
LOCALE = "en-GB"
EXPORT_WIDTH = 640  # px, for a chart drawn on screen at the container's width
_fonts_registered = False


def font_dir() -> Path:
    import reportlab

    return Path(reportlab.__file__).resolve().parent / "fonts"


def _converter():
    global _fonts_registered
    import vl_convert

    if not _fonts_registered:
        vl_convert.register_font_directory(str(font_dir()))
        _fonts_registered = True
    return vl_convert


def _rows(data) -> list[dict]:
    """Dataset contents as JSON-ready rows: Arrow IPC bytes (Streamlit's own datasets), a DataFrame, or rows."""
    if isinstance(data, list):
        return data
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            frame = pa.ipc.open_stream(pa.py_buffer(data)).read_all().to_pandas()
        except pa.ArrowInvalid:
            frame = pa.ipc.open_file(pa.py_buffer(data)).read_all().to_pandas()
    elif isinstance(data, pd.DataFrame):
        frame = data
    else:
        raise TypeError(f"a chart dataset must be rows, a DataFrame or Arrow bytes, not {type(data).__name__}")
    frame = frame.reset_index(drop=True) if not isinstance(frame.index, pd.RangeIndex) else frame
    frame = frame.apply(
        lambda c: c.map(lambda v: float(v) if isinstance(v, Decimal) else v) if c.dtype == object else c
    )
    # pandas writes NaN and NA as null and dates as ISO text, which Vega-Lite parses as dates.
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def prepare(spec: dict, *, width: int = EXPORT_WIDTH) -> dict:
    """A self-contained copy of `spec`: inline JSON datasets, a fixed width for a container-wide chart, and the
    export font unless the spec names its own."""
    out = copy.copy(spec)
    if "datasets" in out:
        out["datasets"] = {name: _rows(data) for name, data in out["datasets"].items()}
    if out.get("width") in (None, "container"):
        out["width"] = width
    out["config"] = {**out.get("config", {})}
    out["config"].setdefault("font", FONT_FAMILY)
    return out


def to_svg(spec: dict, *, width: int = EXPORT_WIDTH) -> bytes:
    """The chart as SVG (vector) bytes."""
    # No base URL is allowed: a chart's data is inline, and an export must never fetch from elsewhere.
    return (
        _converter()
        .vegalite_to_svg(
            prepare(spec, width=width), allowed_base_urls=[], format_locale=LOCALE, time_format_locale=LOCALE
        )
        .encode("utf-8")
    )


def to_png(spec: dict, *, width: int = EXPORT_WIDTH, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes, at `scale` times its CSS pixel size (2 = sharp on a projector or in a paper)."""
    return _converter().vegalite_to_png(
        prepare(spec, width=width), scale=scale, allowed_base_urls=[], format_locale=LOCALE, time_format_locale=LOCALE
    )


def svg_drawing(svg: bytes):
    """An SVG as a reportlab Drawing: vector shapes and text in the embedded font, for a PDF."""
    from svglib.svglib import svg2rlg

    from onehalton.board_pack import fonts

    fonts.register()
    return svg2rlg(io.BytesIO(svg))
