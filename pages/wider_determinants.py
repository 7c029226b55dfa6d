"""Wider Determinants: employment, education and living conditions."""

from onehalton import frame, sections

f = frame.page(
    "Wider Determinants",
    "Employment, education and living conditions: the wider determinants of health.",
    ("indicators", "wards"),
)
sections.indicator_section("Wider Determinants", f, page="wider_determinants")
