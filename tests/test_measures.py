"""The measure registry is the one definition: every query's declared measures exist in it and come back from the
query; every query that can reach ward- or practice-level counts declares its suppression; and a change to one
measure's label follows into every table header, CSV-facing header and the About page's definitions."""

from __future__ import annotations

import pytest

from onehalton import db, measures, protection, tables

SPECS = db.query_specs()
# Queries whose rows can be cut by ward or practice: each must say how its small numbers are protected.
WARD_OR_PRACTICE = {
    name
    for name, spec in SPECS.items()
    if "wards" in spec.params or {"ward_code", "gp_code", "area_type"} & set(spec.columns)
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_declared_measure_is_in_the_registry_and_among_the_columns(name):
    spec = SPECS[name]
    unknown = [m for m in spec.measures if m not in measures.REGISTRY]
    assert not unknown, f"queries/{name}.sql declares measures the registry does not define: {unknown}"
    missing = [m for m in spec.measures if m not in spec.columns]
    assert not missing, f"queries/{name}.sql declares measures it does not return: {missing}"
    protection.parse(spec.suppress)  # a declaration the protection understands


@pytest.mark.parametrize("name", sorted(WARD_OR_PRACTICE))
def test_every_ward_or_practice_level_query_declares_its_suppression(name):
    text = SPECS[name].path.read_text(encoding="utf-8")
    assert "-- Suppress:" in text, f"queries/{name}.sql reaches ward or practice rows but declares no suppression"
    if {"count", "appointments", "checks", "dna"} & set(SPECS[name].columns) and name != "wards":
        assert SPECS[name].suppress != "none", f"queries/{name}.sql publishes small counts unprotected"


def test_one_change_to_a_label_changes_every_header(monkeypatch, fixture_dir, make_app):
    from dataclasses import replace

    changed = replace(measures.REGISTRY["dna_rate"], label="Missed appointments (test label)")
    monkeypatch.setitem(measures.REGISTRY, "dna_rate", changed)
    assert tables.header("dna_rate") == "Missed appointments (test label)"
    assert tables.header("dna_rate_lower") == "Missed appointments (test label): 95% CI lower"
    at = make_app(fixture_dir, page="pages/living_well.py")
    assert not at.exception, at.exception
    tile_labels = [m.label for m in at.metric]
    assert "Missed appointments (test label) (all ages)" in tile_labels, tile_labels
    headers = [c for d in at.dataframe for c in d.value.columns]
    assert "Missed appointments (test label)" in headers, headers
    at.switch_page("pages/about.py").run()
    definitions = next(d.value for d in at.dataframe if "Measure" in d.value.columns)
    assert "Missed appointments (test label)" in set(definitions["Measure"])
