"""The importers (onehalton.importers): files in each published layout, messy as downloads are, go into a fresh
data folder as the contract's tables; a month imported again replaces itself; a failed import changes no byte of
the data folder; the manifest records each source file; and the dashboard then shows every page with the imported
figures. The files are built by tests/importer_files.py, whose docstrings give the figures worked out by hand."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import conftest
import importer_files as files
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import PROJECT_ROOT, open_lazy_views, page_problems

from onehalton import contract
from onehalton.db import Database
from onehalton.importers import ImportFailed, run_import, store

PAGES = [
    "pages/overview.py",
    "pages/starting_well.py",
    "pages/living_well.py",
    "pages/ageing_well.py",
    "pages/wider_determinants.py",
    "pages/budget.py",
    "pages/ward_profile.py",
    "pages/about.py",
]


def folder_hash(folder: Path) -> str:
    """Every file's relative path and bytes, and every folder's name: equal hashes mean nothing changed."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def reference_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reference") / "data"
    run_import("reference", [], folder)
    return folder


@pytest.fixture
def data(reference_template, tmp_path) -> Path:
    """A fresh data folder holding only the reference tables."""
    return Path(shutil.copytree(reference_template, tmp_path / "data"))


@pytest.fixture
def src(tmp_path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


def table(folder: Path, name: str) -> pd.DataFrame:
    return pq.read_table(folder / f"{name}.parquet").to_pandas()


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# Appointments in General Practice


MESSY = [
    pytest.param({}, id="as-published"),
    pytest.param({"bom": True}, id="utf8-bom"),
    pytest.param({"crlf": True}, id="crlf"),
    pytest.param({"blank_rows": 3}, id="trailing-blank-rows"),
    pytest.param({"header_case": "lower"}, id="lower-case-headers"),
    pytest.param({"header_case": "mixed"}, id="mixed-case-headers"),
    pytest.param({"order": list(reversed(files.APPOINTMENT_COLUMNS))}, id="other-column-order"),
    pytest.param(
        {
            "bom": True,
            "crlf": True,
            "blank_rows": 2,
            "header_case": "upper",
            "order": files.APPOINTMENT_COLUMNS[5:] + files.APPOINTMENT_COLUMNS[:5],
        },
        id="all-at-once",
    ),
]


@pytest.mark.parametrize("mess", MESSY)
def test_national_appointments_file_imports_whatever_its_mess(data, src, mess):
    path = files.appointments_csv(src, "Practice_Level_Crosstab_Oct_25.csv", **mess)
    result = run_import("appointments", [path], data)
    rows = table(data, "appointments")
    # Fir Park 1,200 + 300 (two national categories summed into one row) + 40 + 5; Grove House 7 + 2,500.
    assert rows.groupby("gp_code")["count_of_appointments"].sum().to_dict() == {"N81035": 1545, "N81066": 2507}
    assert len(rows) == 5, "the two Face-to-Face Same Day rows of Fir Park differ only by national category"
    assert rows["appointment_month"].map(str).unique().tolist() == ["2025-10-01"]
    assert rows["ward_code"].isna().all() and rows["age_band"].isna().all(), "the national file records neither"
    source = result.sources[0]
    assert (source.rows_read, source.rows_accepted, source.rows_excluded) == (8, 6, 2)
    reasons = " | ".join(source.exclusion_summary())
    assert "outside sub-ICB location 01F (line 8)" in reasons
    assert "practice N81999" in reasons and "not in the practices reference table (line 9)" in reasons


def test_line_numbers_stay_right_after_a_quoted_field_that_spans_lines(data, src):
    rows = files.appointment_rows("01OCT2025")
    rows[0]["GP_NAME"] = "Fir Park\nMedical Centre"  # a name with a line break, quoted by the writer
    rows[3]["COUNT_OF_APPOINTMENTS"] = "five"
    path = files.write_csv(src / "quoted.csv", files.APPOINTMENT_COLUMNS, rows)
    with pytest.raises(ImportFailed, match=r"quoted.csv, line 6, column `COUNT_OF_APPOINTMENTS`: 'five'"):
        run_import("appointments", [path], data)


def test_a_windows_1252_file_is_read_and_says_so(data, src):
    rows = files.appointment_rows("01OCT2025")
    rows[4]["GP_NAME"] = "Grove House Practice – Runcorn £"
    path = files.write_csv(src / "cp1252.csv", files.APPOINTMENT_COLUMNS, rows, encoding="cp1252")
    result = run_import("appointments", [path], data)
    assert result.sources[0].encoding == "cp1252" and result.sources[0].rows_accepted == 6
    assert manifest(data)["appointments"]["files"][0]["encoding"] == "cp1252"


def test_a_zipped_download_is_imported_file_by_file(data, src):
    import zipfile

    october = files.appointments_csv(src, "Practice_Level_Crosstab_Oct_25_North.csv", "01OCT2025")
    archive = src / "Practice_Level_Crosstab_Oct_25.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(october, october.name)
        zipped.writestr("README.txt", "not data")
    run_import("appointments", [archive], data)
    assert table(data, "appointments")["count_of_appointments"].sum() == 4052
    recorded = manifest(data)["appointments"]["files"]
    assert [(f["name"], f["sha256"], f["archive"], f["archive_sha256"]) for f in recorded] == [
        (october.name, sha256(october), archive.name, sha256(archive))
    ]
    cut = src / "cut.zip"
    cut.write_bytes(archive.read_bytes()[:60])
    before = folder_hash(data)
    with pytest.raises(ImportFailed, match="cut.zip: cannot be read as a .zip archive"):
        run_import("appointments", [cut], data)
    assert folder_hash(data) == before


def test_lead_time_labels_keep_their_two_spaces_and_both_unknown_spellings(data, src):
    october = files.appointments_csv(src, "oct.csv", "01OCT2025", unknown_lead="Unknown / Data Quality")
    september = files.appointments_csv(src, "sep.csv", "01SEP2025", unknown_lead="Unknown / Data Issue")
    run_import("appointments", [october, september], data)
    leads = set(table(data, "appointments")["time_between_book_and_appt"])
    assert {"8  to 14 Days", "15  to 21 Days", "Unknown / Data Quality", "Unknown / Data Issue"} <= leads
    recorded = Database(data).run(
        "appointments_by_month",
        {"wards": None, "age_bands": None, "start": dt.date(2025, 9, 1), "end": dt.date(2025, 10, 1)},
    )
    # Neither unknown spelling counts as a known lead time: 4,052 appointments, 5 of unknown lead time.
    assert recorded["appointments"].tolist() == [4052, 4052]
    assert recorded["known_lead_time"].tolist() == [4047, 4047]


def test_a_single_spaced_lead_time_is_stored_in_the_publications_spelling(data, src):
    rows = files.appointment_rows("01OCT2025")
    rows[2]["TIME_BETWEEN_BOOK_AND_APPT"] = "8 to 14 days"
    run_import("appointments", [files.write_csv(src / "one-space.csv", files.APPOINTMENT_COLUMNS, rows)], data)
    assert "8  to 14 Days" in set(table(data, "appointments")["time_between_book_and_appt"])


@pytest.mark.parametrize(
    "written, month",
    [
        ("01OCT2025", "2025-10-01"),
        ("01Oct2025", "2025-10-01"),
        ("2025-10-01", "2025-10-01"),
        ("01/10/2025", "2025-10-01"),
        ("OCT-2025", "2025-10-01"),
        ("1-Oct-25", "2025-10-01"),
    ],
)
def test_appointment_month_is_read_in_the_publishers_date_styles(data, src, written, month):
    run_import("appointments", [files.appointments_csv(src, "a.csv", written)], data)
    assert table(data, "appointments")["appointment_month"].map(str).unique().tolist() == [month]


def test_the_same_month_again_replaces_it_and_another_month_is_appended(data, src):
    first = files.appointments_csv(src, "oct-first.csv", "01OCT2025", big=1200)
    run_import("appointments", [first], data)
    run_import("appointments", [files.appointments_csv(src, "sep.csv", "01SEP2025")], data)
    again = files.appointments_csv(src, "oct-revised.csv", "01OCT2025", big=2200)
    result = run_import("appointments", [again], data)
    rows = table(data, "appointments")
    by_month = rows.groupby(rows["appointment_month"].map(str))["count_of_appointments"].sum().to_dict()
    assert by_month == {"2025-09-01": 4052, "2025-10-01": 5052}, "October replaced (1,000 more), never doubled"
    assert (result.rows_replaced, result.rows_kept) == (5, 5)
    entry = manifest(data)["appointments"]
    assert [f["name"] for f in entry["files"]] == ["sep.csv", "oct-revised.csv"], (
        "the first October file no longer stands behind the table"
    )
    assert (entry["period_start"], entry["period_end"]) == ("2025-09-01", "2025-10-01")


def test_manifest_records_each_source_file(data, src):
    october = files.appointments_csv(src, "oct.csv", "01OCT2025")
    september = files.appointments_csv(src, "sep.csv", "01SEP2025")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run_import("appointments", [october, september], data)
    entry = manifest(data)["appointments"]
    assert entry["synthetic"] is False
    assert entry["source"].startswith("Appointments in General Practice")
    assert entry["ward_of_residence"] is False
    recorded = {f["name"]: f for f in entry["files"]}
    assert set(recorded) == {"oct.csv", "sep.csv"}
    for path, month in ((october, "2025-10-01"), (september, "2025-09-01")):
        item = recorded[path.name]
        assert item["sha256"] == sha256(path)
        assert (item["period_start"], item["period_end"]) == (month, month)
        assert dt.datetime.fromisoformat(item["imported_at"]) >= before
        assert item["rows_accepted"] == 6 and item["rows_excluded"] == 2
    # The reference tables' entries (synthetic in part) are left as they were.
    assert manifest(data)["practices"]["synthetic"] is True


def test_practices_can_be_kept_by_the_reference_table_instead_of_the_sub_icb(data, src):
    rows = [{k: v for k, v in r.items() if not k.startswith("SUB_ICB")} for r in files.appointment_rows("01OCT2025")]
    columns = [c for c in files.APPOINTMENT_COLUMNS if not c.startswith("SUB_ICB")]
    path = files.write_csv(src / "no-sub-icb.csv", columns, rows)
    with pytest.raises(ImportFailed, match="no SUB_ICB_LOCATION_CODE column.*--practices reference"):
        run_import("appointments", [path], data)
    result = run_import("appointments", [path], data, practices="reference")
    assert result.sources[0].rows_accepted == 6
    assert set(table(data, "appointments")["gp_code"]) == {"N81035", "N81066"}


def test_a_place_extract_with_ward_and_age_band_keeps_them(data, src):
    rows = files.appointment_rows("01OCT2025")[:6]
    for i, row in enumerate(rows):
        row["WARD_CODE"] = files.WARD_NORTON if i % 2 else files.WARD_APPLETON.lower()
        row["AGE_BAND"] = "18-64" if i < 3 else "65-74"
    path = files.write_csv(src / "place.csv", files.APPOINTMENT_COLUMNS + ["WARD_CODE", "AGE_BAND"], rows)
    run_import("appointments", [path], data)
    database = Database(data)
    assert database.recorded("appointments") == {"ward_code": "all", "age_band": "all"}
    assert database.ward_filter_applies("appointments") is True
    by_ward = database.run(
        "appointments_by_ward", {"age_bands": None, "start": dt.date(2025, 10, 1), "end": dt.date(2025, 10, 1)}
    )
    assert by_ward.set_index("ward_code")["appointments"].to_dict() == {
        files.WARD_NORTON: 300 + 5 + 2500,
        files.WARD_APPLETON: 1200 + 40 + 7,
    }


def test_pages_can_tell_that_the_ward_filter_does_not_apply_to_the_national_file(data, src, fixture_dir):
    run_import("appointments", [files.appointments_csv(src, "oct.csv")], data)
    database = Database(data)
    assert database.recorded("appointments") == {"ward_code": "none", "age_band": "none"}
    assert database.ward_filter_applies("appointments") is False
    assert database.recorded("cancer_fds") == {}, "no ward of residence in its contract: nothing to say"
    assert database.ward_filter_applies("cancer_fds") is True
    with_wards = Database(fixture_dir)
    assert with_wards.recorded("appointments") == {"ward_code": "all", "age_band": "all"}
    assert with_wards.ward_filter_applies("appointments") is True
    # Halton-wide and practice figures still work; the ward ranking has nothing to rank.
    month = {"start": dt.date(2025, 10, 1), "end": dt.date(2025, 10, 1)}
    assert database.run("appointments_by_month", {"wards": None, "age_bands": None, **month})[
        "appointments"
    ].tolist() == [4052]
    assert database.run("appointments_by_pcn_month", {"wards": None, **month})["appointments"].sum() == 4052
    assert database.run("appointments_by_ward", {"age_bands": None, **month}).empty


def test_some_rows_without_a_ward_are_reported_as_some(data, src):
    rows = files.appointment_rows("01OCT2025")[:6]
    for i, row in enumerate(rows):
        row["WARD_CODE"] = files.WARD_NORTON if i < 3 else ""
    run_import(
        "appointments", [files.write_csv(src / "part.csv", files.APPOINTMENT_COLUMNS + ["WARD_CODE"], rows)], data
    )
    assert Database(data).recorded("appointments") == {"ward_code": "some", "age_band": "none"}


# ---------------------------------------------------------------------------------------------------------------
# A failed import changes nothing


def _bad_count(src):
    rows = files.appointment_rows("01OCT2025")
    rows[3]["COUNT_OF_APPOINTMENTS"] = "five"
    return files.write_csv(src / "bad.csv", files.APPOINTMENT_COLUMNS, rows)


def _bad_category(src):
    rows = files.appointment_rows("01OCT2025")
    rows[1]["APPT_MODE"] = "Carrier pigeon"
    return files.write_csv(src / "bad.csv", files.APPOINTMENT_COLUMNS, rows)


def _bad_date(src):
    rows = files.appointment_rows("01OCT2025")
    rows[0]["APPOINTMENT_MONTH_START_DATE"] = "31FEB2025"
    return files.write_csv(src / "bad.csv", files.APPOINTMENT_COLUMNS, rows)


def _future_month(src):
    return files.appointments_csv(src, "bad.csv", "01JAN2099")


def _missing_column(src):
    columns = [c for c in files.APPOINTMENT_COLUMNS if c != "APPT_STATUS"]
    return files.write_csv(src / "bad.csv", columns, files.appointment_rows("01OCT2025"))


def _truncated(src):
    path = files.appointments_csv(src, "bad.csv")
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b"\n", 0, len(data) - 1) + 30])  # cut in the middle of the last line
    return path


def _empty(src):
    path = src / "bad.csv"
    path.write_bytes(b"")
    return path


FAILURES = [
    pytest.param(_bad_count, ("bad.csv, line 5", "`COUNT_OF_APPOINTMENTS`", "'five'"), id="bad-number"),
    pytest.param(_bad_category, ("bad.csv, line 3", "`APPT_MODE`", "Carrier pigeon"), id="bad-category"),
    pytest.param(_bad_date, ("bad.csv, line 2", "`APPOINTMENT_MONTH_START_DATE`", "31FEB2025"), id="bad-date"),
    pytest.param(_future_month, ("date in the future", "appointment_month", "bad.csv line 2"), id="future-month"),
    pytest.param(_missing_column, ("bad.csv", "`APPT_STATUS` missing"), id="missing-column"),
    pytest.param(_truncated, ("bad.csv, line 9", "truncated"), id="truncated-file"),
    pytest.param(_empty, ("bad.csv", "empty"), id="empty-file"),
]


@pytest.mark.parametrize("make, says", FAILURES)
def test_a_failed_import_changes_no_byte_of_the_data_folder(data, src, make, says):
    run_import("appointments", [files.appointments_csv(src, "good.csv", "01OCT2025")], data)
    before = folder_hash(data)
    with pytest.raises(ImportFailed) as failure:
        run_import("appointments", [make(src)], data)
    assert folder_hash(data) == before
    message = str(failure.value)
    for words in says:
        assert words in message, message
    assert not list(data.parent.glob(f".{data.name}.import-*")), "the staging folder is cleaned up"


def _disk_full(monkeypatch):
    real = pq.write_table

    def write_then_fail(tbl, where, **kwargs):
        real(tbl, where, **kwargs)
        with open(where, "r+b") as fh:
            fh.truncate(100)  # half a file on disk, then the device is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.pq, "write_table", write_then_fail)


def _manifest_disk_full(monkeypatch):
    real = Path.write_text

    def fail(self, *args, **kwargs):
        if self.name == contract.MANIFEST_FILE:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", fail)


def _rename_of_manifest_fails(monkeypatch):
    real = store.os.replace

    def replace(a, b):
        if Path(b).name == contract.MANIFEST_FILE:
            raise OSError(errno.EIO, "Input/output error")
        return real(a, b)

    monkeypatch.setattr(store.os, "replace", replace)


@pytest.mark.parametrize(
    "break_it",
    [_disk_full, _manifest_disk_full, _rename_of_manifest_fails],
    ids=[
        "disk-full-writing-the-table",
        "disk-full-writing-the-manifest",
        "manifest-rename-fails-after-the-table-is-in-place",
    ],
)
def test_a_write_that_fails_leaves_the_data_folder_as_it_was(data, src, monkeypatch, break_it):
    run_import("appointments", [files.appointments_csv(src, "good.csv", "01OCT2025")], data)
    before = folder_hash(data)
    revised = files.appointments_csv(src, "revised.csv", "01OCT2025", big=9999)
    break_it(monkeypatch)
    with pytest.raises(ImportFailed, match="unchanged"):
        run_import("appointments", [revised], data)
    assert folder_hash(data) == before
    monkeypatch.undo()
    run_import("appointments", [revised], data)  # and the same import goes through once the disk has room
    assert folder_hash(data) != before


def test_a_failed_import_into_a_folder_without_the_reference_tables_says_what_to_run(tmp_path, src):
    empty = tmp_path / "fresh"
    empty.mkdir()
    with pytest.raises(ImportFailed, match=r"python -m onehalton.importers reference --into"):
        run_import("appointments", [files.appointments_csv(src, "a.csv")], empty)
    assert list(empty.iterdir()) == []


def test_an_unreadable_manifest_stops_the_import_rather_than_losing_provenance(data, src):
    (data / "manifest.json").write_text("{not json", encoding="utf-8")
    before = folder_hash(data)
    with pytest.raises(ImportFailed, match="manifest.json: cannot be read"):
        run_import("appointments", [files.appointments_csv(src, "a.csv")], data)
    assert folder_hash(data) == before


def test_a_table_kept_as_a_folder_of_files_is_not_silently_replaced(data, src):
    (data / "appointments").mkdir()
    shutil.copy(data / "wards.parquet", data / "appointments" / "part-0.parquet")
    before = folder_hash(data)
    with pytest.raises(ImportFailed, match=r"appointments/ is a folder of parquet files.*Move the folder"):
        run_import("appointments", [files.appointments_csv(src, "a.csv")], data)
    assert folder_hash(data) == before


def test_a_table_without_a_manifest_entry_is_not_guessed_at(data, src):
    run_import("appointments", [files.appointments_csv(src, "a.csv")], data)
    entries = manifest(data)
    del entries["appointments"]
    (data / "manifest.json").write_text(json.dumps(entries), encoding="utf-8")
    before = folder_hash(data)
    with pytest.raises(ImportFailed, match="has no entry in manifest.json, so it is unclear whether it is demo data"):
        run_import("appointments", [files.appointments_csv(src, "b.csv", "01SEP2025")], data)
    assert folder_hash(data) == before


def test_dry_run_writes_nothing(data, src):
    before = folder_hash(data)
    result = run_import("appointments", [files.appointments_csv(src, "a.csv")], data, dry_run=True)
    assert result.rows_new == 5 and result.dry_run
    assert folder_hash(data) == before


def _practices_csv(src: Path, rows: list[tuple]) -> Path:
    header = ["GP_CODE", "gp_name", "Pcn_Code", "ward_code", "list_size", "code_verified"]
    return files.write_csv(src / "practices.csv", header, [dict(zip(header, r)) for r in rows], bom=True)


def test_a_team_replaces_the_practices_table_with_its_own(data, src):
    run_import("appointments", [files.appointments_csv(src, "oct.csv")], data)
    ours = [
        ("N81035", "Fir Park Medical Centre", "UX0001", files.WARD_APPLETON, "8,612", "yes"),
        ("N81066", "Grove House Practice", "UX0002", files.WARD_NORTON, "7,950", "true"),
        ("N81999", "A practice the demo table lacked", "UX0001", files.WARD_NORTON, "4,100", "false"),
    ]
    run_import("table", [_practices_csv(src, ours)], data, table="practices")
    practices = table(data, "practices").set_index("gp_code")
    assert practices.loc["N81035", "list_size"] == 8612 and bool(practices.loc["N81066", "code_verified"])
    assert len(practices) == 3
    assert Database(data).synthetic("practices") is False
    # The practice the demo table lacked is now kept from the national file.
    result = run_import("appointments", [files.appointments_csv(src, "oct-again.csv")], data)
    assert result.sources[0].rows_accepted == 7


def test_a_practices_table_that_would_orphan_imported_rows_is_refused(data, src):
    run_import("appointments", [files.appointments_csv(src, "oct.csv")], data)
    before = folder_hash(data)
    only_one = [("N81035", "Fir Park Medical Centre", "UX0001", files.WARD_APPLETON, "8612", "true")]
    with pytest.raises(
        ImportFailed,
        match=r"rows of `appointments` already in the folder would be excluded.*"
        r"unknown code \(not in `practices`\)",
    ):
        run_import("table", [_practices_csv(src, only_one)], data, table="practices")
    assert folder_hash(data) == before


def test_the_table_kind_takes_reference_tables_only(data, src):
    with pytest.raises(ImportFailed, match="--table must name a reference table"):
        run_import("table", [files.appointments_csv(src, "a.csv")], data, table="appointments")


# ---------------------------------------------------------------------------------------------------------------
# Cancer 28-day FDS


def test_fds_keeps_the_named_organisation_and_the_fds_standard(data, src):
    result = run_import(
        "cancer-fds", [files.fds_csv(src, "fds.csv", bom=True, crlf=True, header_case="lower", blank_rows=1)], data
    )
    rows = table(data, "cancer_fds")
    assert (rows["total"].sum(), rows["within_standard"].sum()) == (1100, 875)
    assert set(rows["org_code"]) == {"01F"} and set(rows["standard"]) == {"28-day FDS"}
    assert "BREAST SYMPTOMATIC, CANCER NOT SUSPECTED" in set(rows["stage_route"]), "matched to the contract's case"
    reasons = " | ".join(result.sources[0].exclusion_summary())
    for words in (
        "another organisation than 01F (line 7)",
        "another standard (62-day) (line 6)",
        "a total row",
        "(line 5)",
    ):
        assert words in reasons
    assert manifest(data)["cancer_fds"]["organisation"] == "01F"
    monthly = Database(data).run("cancer_fds_by_month", {"start": dt.date(2025, 10, 1), "end": dt.date(2025, 10, 1)})
    assert monthly["performance"].tolist() == [pytest.approx(875 / 1100)]


def test_fds_for_another_organisation_on_request(data, src):
    run_import("cancer-fds", [files.fds_csv(src, "fds.csv")], data, org="01j")
    assert table(data, "cancer_fds")["total"].tolist() == [77]
    assert manifest(data)["cancer_fds"]["organisation"] == "01J"


def test_fds_month_again_replaces_it(data, src):
    run_import("cancer-fds", [files.fds_csv(src, "oct.csv", "2025-10-01")], data)
    run_import("cancer-fds", [files.fds_csv(src, "sep.csv", "SEP-2025")], data)
    run_import("cancer-fds", [files.fds_csv(src, "oct-again.csv", "01/10/2025")], data)
    rows = table(data, "cancer_fds")
    assert rows.groupby(rows["period"].map(str))["total"].sum().to_dict() == {"2025-09-01": 1100, "2025-10-01": 1100}


def test_fds_row_that_breaks_a_contract_rule_fails_naming_its_line(data, src):
    rows = files.fds_rows()
    rows[2]["BREACHES"] = "16"  # 45 + 16 is not 60
    before = folder_hash(data)
    with pytest.raises(ImportFailed, match=r"within standard plus breaches is not total.*bad.csv line 4"):
        run_import("cancer-fds", [files.fds_csv(src, "bad.csv", rows=rows)], data)
    assert folder_hash(data) == before


def test_fds_unknown_cancer_type_fails_rather_than_shrinking_the_totals(data, src):
    rows = files.fds_rows()
    rows[0]["CANCER TYPE"] = "Suspected something new"
    with pytest.raises(ImportFailed, match=r"bad.csv, line 2, column `CANCER TYPE`: 'Suspected something new'"):
        run_import("cancer-fds", [files.fds_csv(src, "bad.csv", rows=rows)], data)


# ---------------------------------------------------------------------------------------------------------------
# Learning disability health checks


def test_ld_health_checks_long_layout(data, src):
    result = run_import("ld-health-checks", [files.ld_csv(src, "ldhc.csv", crlf=True, bom=True)], data)
    rows = table(data, "ld_health_checks").set_index(["gp_code", "indicator_code"])
    assert rows.loc[("N81035", "LDHCMI035"), ["numerator", "denominator", "declined"]].tolist() == [30, 60, 2]
    assert rows.loc[("N81066", "LDHCMI035"), "denominator"] == 1040
    assert ("N81066", "LDHCMI034") not in rows.index, "suppressed at source"
    assert rows["achievement_month"].map(str).unique().tolist() == ["2025-10-01"]
    reasons = " | ".join(result.sources[0].exclusion_summary())
    assert "a figure suppressed at source (lines 11, 12, 13)" in reasons
    assert "another indicator than LDHCMI034/LDHCMI035 (lines 14, 15, 16)" in reasons
    assert "practice not in the practices reference table (lines 17, 18, 19)" in reasons
    monthly = Database(data).run(
        "ld_health_checks_by_month", {"start": dt.date(2025, 10, 1), "end": dt.date(2025, 10, 1)}
    )
    assert (monthly["checks"].tolist(), monthly["register"].tolist()) == ([53], [1108])


def test_ld_health_checks_wide_layout(data, src):
    rows = [
        {
            "ACH_DATE": "20251031",
            "PRACTICE_CODE": "n81035",
            "IND_CODE": "ldhcmi035",
            "NUMERATOR": "30",
            "DENOMINATOR": "60",
            "HLTHCHKDEC": "2",
        }
    ]
    run_import("ld-health-checks", [files.write_csv(src / "wide.csv", list(rows[0]), rows)], data)
    assert table(data, "ld_health_checks")[["gp_code", "indicator_code", "numerator"]].values.tolist() == [
        ["N81035", "LDHCMI035", 30]
    ]


def test_ld_numerator_above_denominator_fails_naming_the_line(data, src):
    rows = files.ld_rows()
    rows[0]["VALUE"] = "61"  # Fir Park LDHCMI035 numerator above its denominator of 60
    before = folder_hash(data)
    with pytest.raises(ImportFailed, match=r"numerator above denominator.*bad.csv line 2"):
        run_import("ld-health-checks", [files.ld_csv(src, "bad.csv", rows=rows)], data)
    assert folder_hash(data) == before


# ---------------------------------------------------------------------------------------------------------------
# Fingertips


def test_fingertips_download(data, src):
    result = run_import("fingertips", [files.fingertips_csv(src, "fingertips.csv", bom=True, crlf=True)], data)
    rows = table(data, "indicators")
    key = rows.set_index(["indicator_id", "area_code", "sex", "time_period"])
    assert key.loc[(92443, "E06000006", "Persons", "2023"), ["value", "count", "denominator"]].tolist() == [
        13.0,
        130.0,
        1000.0,
    ]
    assert key.loc[(92443, "E92000001", "Persons", "2023"), "denominator"] == 25862, "thousands separator"
    assert key.loc[(92443, "E06000006", "Male", "2023"), "value"] == 14.0, "other sexes are kept"
    assert key.loc[(92443, "E06000006", "Female", "2023"), "value"] == 12.0
    assert key.loc[(92443, files.WARD_APPLETON, "Persons", "2023"), "area_type"] == "Ward"
    assert (92443, files.WARD_NORTON, "Persons", "2023") not in key.index, "suppressed at source"
    life = key.loc[(90366, "E06000006", "Male", "2021 - 23")]
    assert life["value"] == 77.1 and pd.isna(life["count"]) and str(life["period_start"]) == "2021-01-01"
    assert str(key.loc[(92443, "E06000006", "Persons", "2022"), "period_start"]) == "2022-01-01"
    reasons = " | ".join(result.sources[0].exclusion_summary())
    for words in (
        "value suppressed at source (Value suppressed for disclosure control due to small count) (line 11)",
        "age 16+ yrs of indicator 92443, which is kept at 18+ yrs (one age per indicator) (line 9)",
        "a breakdown by LSOA11 deprivation deciles",
        "sex Not applicable",
        "(line 7)",
        "the same area and period again (under another area type) (line 4)",
        "an area other than England, E06000006 or a ward in the wards reference table (line 13)",
    ):
        assert words in reasons, reasons
    assert len(rows) == 7


def test_fingertips_time_period_again_replaces_it(data, src):
    run_import("fingertips", [files.fingertips_csv(src, "first.csv")], data)
    revised = [r for r in files.fingertips_rows() if r["Time period"] == "2023" and r["Indicator ID"] == "92443"]
    for r in revised:
        r["Value"] = "10.0" if r["Area Code"] == "E06000006" and r["Sex"] == "Persons" else r["Value"]
    run_import("fingertips", [files.fingertips_csv(src, "revised.csv", rows=revised)], data)
    rows = table(data, "indicators").set_index(["indicator_id", "area_code", "sex", "time_period"])
    assert rows.loc[(92443, "E06000006", "Persons", "2023"), "value"] == 10.0
    assert rows.loc[(92443, "E06000006", "Persons", "2022"), "value"] == 15.0, "other periods are kept"
    assert rows.loc[(90366, "E06000006", "Male", "2021 - 23"), "value"] == 77.1, "other indicators are kept"
    assert not rows.index.duplicated().any()


def test_fingertips_indicator_not_in_the_definitions_is_excluded_by_reason(data, src):
    rows = files.fingertips_rows()[:2]
    rows[1] = dict(rows[1], **{"Indicator ID": "12345", "Indicator Name": "Something unlisted"})
    result = run_import("fingertips", [files.fingertips_csv(src, "f.csv", rows=rows)], data)
    assert "indicator 12345 (Something unlisted) is not in the indicator definitions" in " ".join(
        result.sources[0].exclusion_summary()
    )


def test_fingertips_unreadable_value_fails(data, src):
    rows = files.fingertips_rows()
    rows[1]["Value"] = "thirteen"
    with pytest.raises(ImportFailed, match=r"f.csv, line 3, column `Value`: 'thirteen'"):
        run_import("fingertips", [files.fingertips_csv(src, "f.csv", rows=rows)], data)


# ---------------------------------------------------------------------------------------------------------------
# The budget statement


def _reference_entries() -> set[tuple]:
    return {
        (
            r["financial_year"],
            r["org_ledger"],
            r["funding_source"],
            r["line_title"],
            r["host"] or None,
            r["entry_type"],
            int(r["month"]) if r["month"] else None,
            Decimal(r["amount_gbp"]),
        )
        for r in files.budget_reference_lines()
    }


@pytest.mark.parametrize("float_cells", [True, False], ids=["numeric-cells", "decimal-cells"])
def test_budget_statement_spreadsheet_is_exact_to_the_penny(data, src, float_cells):
    run_import("budget", [files.budget_xlsx(src / "statement.xlsx", float_cells=float_cells)], data)
    rows = table(data, "budget_spend")
    imported = {
        (
            r.financial_year,
            r.org_ledger,
            r.funding_source,
            r.line_title,
            None if pd.isna(r.host) else r.host,
            r.entry_type,
            None if pd.isna(r.month) else int(r.month),
            r.amount_gbp,
        )
        for r in rows.itertuples()
    }
    assert imported == _reference_entries(), "every line, entry and penny of the published statement"
    assert not rows["is_synthetic"].any()
    statement = Database(data).run("budget_statement", {"fy": "2020/21", "month": 5})
    total = statement[statement["row_type"] == "total"].iloc[0]
    figures = [total[c] for c in ("budget", "ytd_actuals", "accruals", "m12_total", "variance")]
    # The pence as the reference lines hold them, and the statement's printed whole pounds when rounded.
    assert figures == [
        Decimal("776123.00"),
        Decimal("51196.70"),
        Decimal("180796.00"),
        Decimal("231992.70"),
        Decimal("544130.30"),
    ]
    assert [round(f) for f in figures] == [776123, 51197, 180796, 231993, 544130]
    entry = manifest(data)["budget_spend"]
    assert (entry["period_start"], entry["period_end"], entry["synthetic"]) == ("2020-04-01", "2020-08-01", False)


def test_budget_statement_later_month_replaces_the_year_but_keeps_earlier_accruals(data, src):
    run_import("budget", [files.budget_xlsx(src / "m5.xlsx")], data)
    run_import(
        "budget",
        [files.budget_xlsx(src / "m6.xlsx", title="One Halton Budget Statement - Month 6 - to 30 September 2020")],
        data,
    )
    rows = table(data, "budget_spend")
    accruals = rows[rows["entry_type"] == "accrual"].groupby("month")["amount_gbp"].sum().to_dict()
    assert accruals == {5: Decimal("180796.00"), 6: Decimal("180796.00")}
    assert rows[rows["entry_type"] == "budget"]["amount_gbp"].sum() == Decimal("776123.00"), "not doubled"


@pytest.mark.parametrize(
    "kwargs, says",
    [
        ({"shift_column": True}, "a column may be shifted"),
        ({"wrong_total": True}, "Totals row, Annual Budget: the statement says 776,223"),
        ({"wrong_subtotal": True}, "subtotal, Month 1: the statement says 4,788"),
        ({"title": "One Halton Budget Statement"}, "--month"),
    ],
    ids=["shifted-column", "totals-do-not-add-up", "subtotal-does-not-add-up", "title-without-month"],
)
def test_budget_statement_that_does_not_add_up_fails(data, src, kwargs, says):
    before = folder_hash(data)
    with pytest.raises(ImportFailed, match=None) as failure:
        run_import("budget", [files.budget_xlsx(src / "bad.xlsx", **kwargs)], data)
    assert says in str(failure.value)
    assert folder_hash(data) == before


def test_budget_month_and_year_can_be_given_when_the_title_lacks_them(data, src):
    path = files.budget_xlsx(src / "untitled.xlsx", title="Budget")
    run_import("budget", [path], data, financial_year="2020/21", month=5)
    assert set(table(data, "budget_spend")["financial_year"]) == {"2020/21"}


def test_truncated_spreadsheet_fails(data, src):
    path = files.budget_xlsx(src / "cut.xlsx")
    path.write_bytes(path.read_bytes()[:2000])
    before = folder_hash(data)
    with pytest.raises(ImportFailed, match="cut.xlsx: cannot be read as an .xlsx spreadsheet"):
        run_import("budget", [path], data)
    assert folder_hash(data) == before


# ---------------------------------------------------------------------------------------------------------------
# Into a folder of demo data; the command line


def test_importing_over_demo_data_replaces_the_synthetic_table_only(tmp_path, src):
    demo = tmp_path / "demo"
    from onehalton import demo_data

    demo_data.generate(demo, end_month=dt.date(2025, 10, 1))
    result = run_import("cancer-fds", [files.fds_csv(src, "fds.csv")], demo)
    assert result.replaced_synthetic
    assert table(demo, "cancer_fds")["total"].sum() == 1100, "no synthetic row is left beside the real ones"
    database = Database(demo)
    assert database.synthetic("cancer_fds") is False
    assert database.synthetic("appointments") is True and database.synthetic("ld_health_checks") is True


def test_command_line(data, src):
    path = files.appointments_csv(src, "oct.csv")
    ok = subprocess.run(
        [sys.executable, "-m", "onehalton.importers", "appointments", str(path), "--into", str(data)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "oct.csv: 8 rows read, 6 accepted, 2 excluded" in ok.stdout
    assert "appointments: wrote 5 rows" in ok.stdout
    before = folder_hash(data)
    bad = _bad_count(src)
    failed = subprocess.run(
        [sys.executable, "-m", "onehalton.importers", "appointments", str(bad), "--into", str(data)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1
    assert f"Import failed; nothing in {data} was changed." in failed.stderr
    assert "bad.csv, line 5, column `COUNT_OF_APPOINTMENTS`" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert folder_hash(data) == before


# ---------------------------------------------------------------------------------------------------------------
# The dashboard on an imported folder


@pytest.fixture(scope="module")
def imported(tmp_path_factory, reference_template) -> Path:
    """Every kind imported from its published layout into a fresh folder: two months of appointments (Sep and Oct
    2025), one of FDS and LD checks, the Fingertips download and the Month 5 statement."""
    folder = Path(shutil.copytree(reference_template, tmp_path_factory.mktemp("imported") / "data"))
    downloads = tmp_path_factory.mktemp("downloads")
    run_import(
        "appointments",
        [
            files.appointments_csv(downloads, "sep.csv", "01SEP2025"),
            files.appointments_csv(downloads, "oct.csv", "01OCT2025", bom=True, crlf=True),
        ],
        folder,
    )
    run_import("cancer-fds", [files.fds_csv(downloads, "fds.csv")], folder)
    run_import("ld-health-checks", [files.ld_csv(downloads, "ldhc.csv")], folder)
    run_import("fingertips", [files.fingertips_csv(downloads, "fingertips.csv")], folder)
    run_import("budget", [files.budget_xlsx(downloads / "statement.xlsx")], folder)
    # Read-only from here on: Streamlit's caches built on it may be shared between tests (see conftest).
    conftest._SHARED_DIRS.add(str(folder.resolve()))
    return folder


def _all_text(at) -> str:
    parts = [
        str(e.value)
        for kind in ("markdown", "caption", "info", "warning", "error", "title", "header", "subheader")
        for e in at.get(kind)
    ]
    parts += [f"{label}: {value}" for label, value in conftest.metrics(at).items()]
    return "\n".join(parts)


@pytest.mark.parametrize("query", [{}, {"ward": files.WARD_NORTON}], ids=["halton", "ward-chosen"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_imported_folder(make_app, imported, page, query):
    at = make_app(imported, page=page, query=query)
    assert not page_problems(at), page_problems(at)
    for view in open_lazy_views(at):  # tabs and expanders are drawn only while open
        assert not page_problems(at), (view, page_problems(at))
    banner = " ".join(str(e.value) for e in at.info if "Synthetic demo data" in str(e.value))
    for title in (
        "GP appointments",
        "Cancer 28-day Faster Diagnosis Standard",
        "Learning disability annual health checks",
        "Public-health indicators",
        "One Halton budget spend",
    ):
        assert title not in banner, f"{page}: the synthetic banner still names {title}"


def test_pages_show_the_imported_figures(make_app, imported):
    overview = make_app(imported, page="pages/overview.py")
    text = _all_text(overview)
    assert "Cancer 28-day Faster Diagnosis: 79.5%" in text, "FDS: 875 of 1,100 told within 28 days"
    assert "4.8%" in text, "LD checks: 53 of a register of 1,108"
    assert "£231,993" in text, "the Month 5 statement's M12 forecast (budget £776,123 beside it)"
    living = make_app(imported, page="pages/living_well.py")
    text = _all_text(living)
    assert "4,052" in text or "4052" in text, "October's appointments"
    assert "13.0" in text, "Halton's adult smoking, 2023"
    budget = make_app(imported, page="pages/budget.py")
    assert "£776,123" in _all_text(budget)


def test_about_page_lists_each_tables_source_files(make_app, imported):
    at = make_app(imported, page="pages/about.py")
    frames = [df.value for df in at.dataframe]
    provenance = next((f for f in frames if "sha256" in f.columns), None)
    assert provenance is not None, "a table of source files with their SHA-256"
    oct_file = provenance[provenance["file"] == "oct.csv"].iloc[0]
    assert oct_file["table"] == "appointments"
    assert oct_file["sha256"] == manifest(imported)["appointments"]["files"][1]["sha256"]
    assert oct_file["period"] == "2025-10-01 to 2025-10-01"
    assert set(provenance["table"]) == {"appointments", "cancer_fds", "ld_health_checks", "indicators", "budget_spend"}


def test_an_imported_entry_holds_the_contracts_manifest_fields_and_the_importers_own(data, src):
    run_import("appointments", [files.appointments_csv(src, "oct.csv")], data)
    entry = manifest(data)["appointments"]
    assert set(contract.MANIFEST_FIELDS) <= set(entry)
    assert set(entry) - set(contract.MANIFEST_FIELDS) <= set(contract.IMPORTED_MANIFEST_FIELDS)
    assert set(entry["files"][0]) == {
        "name",
        "sha256",
        "period_start",
        "period_end",
        "periods",
        "imported_at",
        "rows_read",
        "rows_accepted",
        "rows_excluded",
        "excluded",
        "encoding",
    }
