"""Starting Well: children and families. Under-18s' use of general practice and the domain's indicators."""

from onehalton import contract, frame, sections

f = frame.page(
    "Starting Well",
    "Enabling children and families to live healthy independent lives: under-18s' "
    "appointments and the Starting Well public-health indicators.",
    ("appointments", "indicators", "wards"),
)
sections.appointment_patterns(
    f, age_bands=list(contract.UNDER_18_BANDS), who="under-18s", key="starting-well", page="starting_well"
)
sections.indicator_section("Starting Well", f, page="starting_well")
