"""The data layer's own machinery: summaries built at load, and how often the data folder is looked at."""

from __future__ import annotations

import shutil

import pytest
from fixtures import MONTHS

from onehalton import config, db
from onehalton.db import Database, ExtractUnavailable

ALL = {"wards": None, "age_bands": None, "start": MONTHS[0], "end": MONTHS[-1]}


def test_a_summary_that_fails_to_build_blocks_only_the_queries_that_read_it(fixture_dir, tmp_path, monkeypatch):
    summaries = tmp_path / "summaries"
    shutil.copytree(config.SUMMARIES_DIR, summaries)
    broken = summaries / "appointments_ward_month.sql"
    broken.write_text(
        broken.read_text().replace(
            "sum(count_of_appointments) AS BIGINT) AS appointments,", "sum(no_such_column) AS BIGINT) AS appointments,"
        )
    )
    monkeypatch.setattr(config, "SUMMARIES_DIR", summaries)
    database = Database(fixture_dir)
    status = database.summary_statuses["appointments_ward_month"]
    assert not status.available
    assert "queries/summaries/appointments_ward_month.sql failed" in status.reason and "no_such_column" in status.reason
    with pytest.raises(ExtractUnavailable, match="appointments_ward_month"):
        database.run("appointments_by_month", ALL)
    # The other summary, and the queries that read it, are unaffected.
    assert database.summary_statuses["appointments_practice_month"].available
    assert len(database.run("appointments_by_practice", {"wards": None, "start": MONTHS[0], "end": MONTHS[-1]})) == 2


def test_the_data_folder_is_looked_at_again_after_a_second(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "wards.parquet").write_bytes(b"one")
    clock = [1000.0]
    monkeypatch.setattr(db.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(db, "_fingerprints", {})
    first = db._current_fingerprint(folder)
    (folder / "wards.parquet").write_bytes(b"replaced, longer")
    assert db._current_fingerprint(folder) == first, "looked at the folder again within the second"
    clock[0] += db.FINGERPRINT_TTL_S + 0.01
    # Seen changed once: it may still be being copied in, so the version in use stays until a second look.
    assert db._current_fingerprint(folder) == first, "a file seen changing once was taken up at once"
    clock[0] += db.FINGERPRINT_TTL_S + 0.01
    assert db._current_fingerprint(folder) != first, "a replaced extract was not noticed after two seconds"


def test_an_extract_still_being_written_is_not_taken_up(tmp_path, monkeypatch):
    """While a file keeps changing between looks (a copy in progress), the last settled version is served;
    once two looks a second apart see the same files, the new version is taken up."""
    folder = tmp_path / "data"
    folder.mkdir()
    target = folder / "appointments.parquet"
    target.write_bytes(b"v1")
    clock = [1000.0]
    monkeypatch.setattr(db.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(db, "_fingerprints", {})
    settled = db._current_fingerprint(folder)
    for size in range(1, 6):  # the copy grows between every look
        target.write_bytes(b"x" * (100 * size))
        clock[0] += db.FINGERPRINT_TTL_S + 0.01
        assert db._current_fingerprint(folder) == settled, f"a half-written file was taken up at look {size}"
    clock[0] += db.FINGERPRINT_TTL_S + 0.01
    finished = db._current_fingerprint(folder)
    assert finished != settled and finished == db._fingerprint(folder)


def test_a_folder_that_changes_while_it_loads_is_loaded_again(fixture_copy, monkeypatch):
    """Loading opens each file more than once (checked, then copied): if the folder changes meanwhile, the load is
    repeated, so the Database's statuses and rows are of one version."""
    path = fixture_copy / "cancer_fds.parquet"
    good = path.read_bytes()
    real_load = db.load_table
    loads = []

    def load_table(con, table, folder, statuses):
        status = real_load(con, table, folder, statuses)
        if table.name == "cancer_fds":
            loads.append(status.state)
            if len(loads) == 1:  # a newer copy lands while the first load is under way, and is soon complete
                path.write_bytes(b"a newer copy, still arriving")
                path.write_bytes(good)
        return status

    monkeypatch.setattr(db, "load_table", load_table)
    # Validated afresh: the validation cache would restore the copy's extracts from the fixture's own load.
    monkeypatch.setenv("ONE_HALTON_CACHE_DIR", "off")
    db._database.clear()
    try:
        loaded = db._database(str(fixture_copy), db._fingerprint(fixture_copy))
    finally:
        db._database.clear()
    assert len(loads) == 2, "a load the folder changed under was kept"
    assert loaded.statuses["cancer_fds"].state == "valid"
