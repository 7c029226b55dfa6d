"""docs/data-contract.md is rendered from onehalton/contract.py and the committed copy is up to date."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
from conftest import PROJECT_ROOT

from onehalton import contract
from scripts import render_contract

DOC = PROJECT_ROOT / "docs" / "data-contract.md"


@pytest.fixture(scope="module")
def rendered() -> str:
    return render_contract.render()


def test_committed_doc_equals_the_rendered_one(rendered):
    assert DOC.exists(), "docs/data-contract.md is missing: run `python -m scripts.render_contract`"
    assert DOC.read_text(encoding="utf-8") == rendered, (
        "docs/data-contract.md is out of date with onehalton/contract.py: run `python -m scripts.render_contract`"
    )


def test_rendering_is_deterministic(rendered):
    assert render_contract.render() == rendered


def test_check_flag_passes_on_the_committed_doc_and_fails_on_a_stale_one(tmp_path, capsys):
    assert render_contract.main(["--check"]) == 0
    stale = tmp_path / "data-contract.md"
    stale.write_text(DOC.read_text(encoding="utf-8").replace("`appt_mode`", "`appointment_mode`"), encoding="utf-8")
    assert render_contract.main(["--check", "--output", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert render_contract.main(["--check", "--output", str(tmp_path / "missing.md")]) == 1


def test_writing_then_checking_round_trips(tmp_path):
    target = tmp_path / "docs" / "data-contract.md"
    assert render_contract.main(["--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_contract.render()
    assert render_contract.main(["--check", "--output", str(target)]) == 0


def test_a_change_to_the_contract_changes_the_doc(monkeypatch, rendered):
    wards = contract.TABLES_BY_NAME["wards"]
    changed = dataclasses.replace(wards, grain="one row per ward, as changed by this test")
    monkeypatch.setattr(contract, "TABLES", tuple(changed if t is wards else t for t in contract.TABLES))
    again = render_contract.render()
    assert again != rendered
    assert "one row per ward, as changed by this test" in again


def test_runs_as_a_module_with_check():
    result = subprocess.run(
        [sys.executable, "-m", "scripts.render_contract", "--check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("table", contract.TABLES, ids=lambda t: t.name)
def test_the_doc_describes_every_table_fully(rendered, table):
    section = rendered.split(f"({'`'}{table.name}{'`'})\n", 1)
    assert len(section) == 2, f"no section for {table.name}"
    body = section[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    assert f"`data/{table.name}.parquet`" in body and f"`data/{table.name}/`" in body
    assert f"**Role:** {table.role}" in body
    assert f"**Grain:** {table.grain}" in body
    assert "**Key:** " + ", ".join(f"`{k}`" for k in table.key) in body
    if table.notes:
        assert table.notes in body
    for column in table.columns:
        row = next((line for line in body.splitlines() if line.startswith(f"| `{column.name}` |")), None)
        assert row is not None, f"{table.name}.{column.name} is not in the doc"
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[1] == column.kind
        assert cells[2] == ", ".join(contract.KINDS[column.kind])
        assert cells[3] == ("yes" if column.nullable else "no")
        for value in column.allowed or ():
            assert f"`{value}`" in cells[4], f"{table.name}.{column.name}: allowed value {value!r} missing"
        if column.references:
            assert f"`{column.references}`" in cells[5]
        if column.minimum is not None:
            assert f"≥ {column.minimum:g}" in cells[6]
        if column.not_future:
            assert "not in the future" in cells[6]
    for rule in table.rules:
        assert rule.name in body and f"`{rule.bad_when}`" in body


def test_the_doc_lists_the_manifest_fields_and_the_column_kinds(rendered):
    manifest = rendered.split("## `manifest.json`", 1)[1].split("\n## ", 1)[0]
    for field, meaning in contract.MANIFEST_FIELDS.items():
        assert f"| `{field}` | {meaning} |" in manifest
    for kind, types in contract.KINDS.items():
        assert f"| {kind} | {', '.join(types)} |" in rendered


@pytest.mark.parametrize(
    "published, table, column, how",
    [
        ("APPT_MODE", "appointments", "appt_mode", "lower-case"),
        ("COUNT_OF_APPOINTMENTS", "appointments", "count_of_appointments", "lower-case"),
        ("APPOINTMENT_MONTH_START_DATE", "appointments", "appointment_month", "rename"),
        ("ORG CODE", "cancer_fds", "org_code", "lower-case, `_` for spaces and `/`"),
        ("STAGE/ROUTE", "cancer_fds", "stage_route", "lower-case, `_` for spaces and `/`"),
        ("HLTHCHKDEC", "ld_health_checks", "declined", "rename"),
        ("Time period", "indicators", "time_period", "lower-case, `_` for spaces and `/`"),
    ],
)
def test_the_doc_maps_published_column_names(rendered, published, table, column, how):
    assert f"| `{published}` | `{table}` | `{column}` | {how} |" in rendered


def test_double_spaces_in_national_values_survive(rendered):
    assert "`8  to 14 Days`" in rendered
