"""Ageing Well: older adults. Appointments for people aged 65 and over (home visits included) and the indicators."""

from onehalton import contract, frame, sections

f = frame.page(
    "Ageing Well",
    "Enabling older adults to live full, independent, healthy lives: appointments for "
    "people aged 65 and over, including home visits, and the Ageing Well indicators.",
    ("appointments", "indicators", "wards"),
)
sections.appointment_patterns(
    f, age_bands=list(contract.OVER_65_BANDS), who="65+", key="ageing-well", page="ageing_well", home_visits=True
)
sections.indicator_section("Ageing Well", f, page="ageing_well")
