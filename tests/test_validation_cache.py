"""Quick restarts (onehalton/validation_cache.py): a restart on unchanged files restores every extract and
summary exactly as validation left them; any change to a file, however made, is validated again and its bad
rows caught; a damaged or misplaced cache costs time, never correctness."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import fixtures
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from onehalton import contract, validation_cache
from onehalton.db import Database
from onehalton.validation_cache import CACHE_DIR_ENV

TABLES = [t.name for t in contract.TABLES]
ALL = {"wards": None, "age_bands": None, "start": fixtures.MONTHS[0], "end": fixtures.MONTHS[-1]}


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def data(fixture_dir, tmp_path) -> Path:
    return Path(shutil.copytree(fixture_dir, tmp_path / "data"))


def set_cells(folder: Path, table: str, column: str, changes: dict[int, object], **write_options) -> Path:
    path = folder / f"{table}.parquet"
    t = pq.read_table(path)
    values = t.column(column).to_pylist()
    for row, value in changes.items():
        values[row] = value
    index = t.schema.get_field_index(column)
    t = t.set_column(index, t.schema.field(index), pa.array(values, type=t.schema.field(index).type))
    pq.write_table(t, path, **write_options)
    return path


def outcomes(database: Database) -> dict[str, str]:
    return dict(database.validation_cache.report)


def contents(database: Database) -> dict[str, list]:
    """Every table and view the queries can read, row for row, and each column's type."""
    names = [
        r[0]
        for r in database.con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal UNION ALL "
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal"
        ).fetchall()
    ]
    out = {}
    for name in sorted(names):
        described = database.con.execute(f'DESCRIBE SELECT * FROM "{name}"').fetchall()
        rows = database.con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
        out[name] = [[(c[0], c[1]) for c in described], rows]
    return out


def test_a_restart_on_unchanged_files_restores_everything_exactly_as_validation_left_it(data, cache):
    set_cells(data, "appointments", "count_of_appointments", {0: -5, 7: -1})  # so rows are excluded
    first = Database(data)
    assert set(outcomes(first).values()) == {"validated"}, outcomes(first)
    assert first.statuses["appointments"].rows_excluded == 2

    second = Database(data)
    assert set(outcomes(second).values()) == {"restored"}, outcomes(second)
    assert set(outcomes(second)) == set(TABLES) | set(second.summaries)
    for name in TABLES:
        assert second.statuses[name] == first.statuses[name], f"{name}'s status differs after a restore"
    for name in second.summaries:
        assert second.summary_statuses[name] == first.summary_statuses[name]
    assert contents(second) == contents(first), "a restored table or view holds other rows or types"
    restored = second.run("appointments_by_month", ALL)
    fresh = first.run("appointments_by_month", ALL)
    assert restored.dtypes.to_dict() == fresh.dtypes.to_dict()
    assert restored.equals(fresh)


OTHER_OBJECTS = (
    "SELECT (SELECT count(*) FROM duckdb_functions() WHERE NOT internal), (SELECT count(*) FROM duckdb_sequences()), "
    "(SELECT count(*) FROM duckdb_indexes()), (SELECT count(*) FROM duckdb_types() WHERE NOT internal)"
)


def test_no_load_creates_what_a_restore_could_not_put_back(data, cache):
    """The cache stores and restores views and tables only (validation_cache._Catalog): a load that made a macro,
    sequence, index or type would come back without it. None does, validated or restored."""
    import duckdb

    empty = duckdb.connect().execute(OTHER_OBJECTS).fetchall()
    validated = Database(data)
    assert set(outcomes(validated).values()) == {"validated"}
    assert validated.con.execute(OTHER_OBJECTS).fetchall() == empty
    restored = Database(data)
    assert set(outcomes(restored).values()) == {"restored"}
    assert restored.con.execute(OTHER_OBJECTS).fetchall() == empty
    # The check sees one: a macro on the connection changes the count.
    restored.con.execute("CREATE MACRO plus_one(a) AS a + 1")
    assert restored.con.execute(OTHER_OBJECTS).fetchall() != empty


def test_a_restart_skips_the_work(data, cache, monkeypatch):
    Database(data)
    monkeypatch.setattr("onehalton.db.load_table", lambda *a: pytest.fail(f"{a[1].name} validated again"))
    monkeypatch.setattr(Database, "_build_summary", lambda self, spec: pytest.fail(f"{spec.name} built again"))
    again = Database(data)
    assert all(again.statuses[t].available for t in TABLES)
    assert all(s.available for s in again.summary_statuses.values())


COPIED = "restored (validated on the same files in another folder)"
SOURCE = "onehalton_source_file"  # the column of the views over the files that names each row's file


def test_a_copy_of_a_validated_folder_is_restored_and_reads_its_own_files(data, cache, tmp_path, monkeypatch):
    """A folder copied (or moved) with its files unchanged is not checked again: each extract and summary comes back
    from what validation left on the original, its views pointed at the copy's files. The copy then holds what a
    validation of it would, and still works once the original is gone."""
    original = Database(data)
    copy = Path(shutil.copytree(data, tmp_path / "copy"))
    monkeypatch.setattr("onehalton.db.load_table", lambda *a: pytest.fail(f"{a[1].name} validated again"))
    monkeypatch.setattr(Database, "_build_summary", lambda self, spec: pytest.fail(f"{spec.name} built again"))
    restored = Database(copy)
    assert set(outcomes(restored).values()) == {COPIED}, outcomes(restored)
    for name in TABLES:
        assert restored.statuses[name] == original.statuses[name], f"{name}'s status differs in the copy"
    shutil.rmtree(data)
    monkeypatch.undo()
    monkeypatch.setenv(CACHE_DIR_ENV, "off")
    fresh = Database(copy)
    assert contents(restored) == contents(fresh), "the copy restored holds other rows than the copy validated"
    files = restored.con.execute(f"SELECT DISTINCT {SOURCE} FROM raw_appointments").fetchall()
    assert files == [(str(copy.resolve() / "appointments.parquet"),)]


def test_only_what_changed_in_a_copy_is_validated_and_a_load_that_excluded_rows_stays_with_its_folder(
    data, cache, tmp_path
):
    set_cells(data, "cancer_fds", "within_standard", {1: -3})  # a row excluded: its example names the file
    first = Database(data)
    assert first.statuses["cancer_fds"].rows_excluded == 1
    copy = Path(shutil.copytree(data, tmp_path / "copy"))
    set_cells(copy, "targets", "target_value", {0: 0.61})
    report = outcomes(Database(copy))
    assert report["targets"] == "validated" and report["cancer_fds"] == "validated", report
    assert report["wards"] == report["appointments"] == report["appointments_ward_month"] == COPIED, report
    again = Database(copy)
    assert again.statuses["cancer_fds"].problems[0].rows == 1
    excluded = again.con.execute(f"SELECT DISTINCT {SOURCE} FROM excluded_cancer_fds").fetchall()
    assert excluded == [(str(copy.resolve() / "cancer_fds.parquet"),)], "the copy's excluded rows name the original"


def test_a_file_changed_between_two_starts_is_validated_again_and_its_bad_rows_caught(data, cache):
    first = Database(data)
    assert first.statuses["appointments"].rows_excluded == 0

    set_cells(data, "appointments", "count_of_appointments", {3: -7})
    set_cells(data, "appointments", "ward_code", {5: "E05999999"})
    second = Database(data)
    report = outcomes(second)
    assert report["appointments"] == "validated", report
    # What did not change, and does not depend on what did, is restored.
    assert all(report[t] == "restored" for t in ("wards", "practices", "targets", "budget_spend")), report
    # The summaries that read the appointments are built again from the new rows; the one that does not
    # (directly standardised rates) is restored.
    reads = {name: "appointments" in spec.tables for name, spec in second.summaries.items()}
    assert sum(reads.values()) >= 2, reads
    assert all(report[s] == ("validated" if reads[s] else "restored") for s in second.summaries), report
    status = second.statuses["appointments"]
    assert status.rows_excluded == 2
    rules = {(p.rule, p.column): p.rows for p in status.problems}
    assert rules == {
        ("negative count", "count_of_appointments"): 1,
        ("unknown code (not in `wards`)", "ward_code"): 1,
    }, rules
    examples = {p.column: p.examples[0]["row_in_file"] for p in status.problems}
    assert examples == {"count_of_appointments": "4", "ward_code": "6"}
    clean = second.con.execute("SELECT count(*), min(count_of_appointments) FROM appointments").fetchall()[0]
    assert clean[0] == 90 - 2 and clean[1] >= 0, "the bad rows reached the clean view"


def test_a_change_that_keeps_the_size_and_modification_time_is_still_caught(data, cache):
    # Uncompressed, plain-encoded integers: a value changed in place leaves the file the same size.
    options = dict(compression="none", use_dictionary=False, write_statistics=False)
    path = set_cells(data, "appointments", "count_of_appointments", {}, **options)
    before = path.stat()
    assert Database(data).statuses["appointments"].rows_excluded == 0

    set_cells(data, "appointments", "count_of_appointments", {2: -50}, **options)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns), "test set-up"

    second = Database(data)
    assert outcomes(second)["appointments"] == "validated"
    assert second.statuses["appointments"].rows_excluded == 1
    assert second.statuses["appointments"].problems[0].rule == "negative count"


def test_a_file_added_to_a_folder_of_monthly_files_is_validated(data, cache):
    folder = data / "appointments"
    folder.mkdir()
    (data / "appointments.parquet").rename(folder / "part-1.parquet")
    assert Database(data).statuses["appointments"].rows_excluded == 0

    extra = pq.read_table(folder / "part-1.parquet").slice(0, 3)  # three rows whose keys are already there
    pq.write_table(extra, folder / "part-2.parquet")
    second = Database(data)
    assert outcomes(second)["appointments"] == "validated"
    status = second.statuses["appointments"]
    assert [(p.rule, p.rows) for p in status.problems] == [("duplicated key", 6)]
    assert status.files == ["appointments/part-1.parquet", "appointments/part-2.parquet"]


def test_a_changed_reference_table_revalidates_the_tables_that_check_its_codes(data, cache):
    Database(data)
    wards = pq.read_table(data / "wards.parquet")
    pq.write_table(wards.filter(pa.compute.equal(wards.column("ward_code"), fixtures.WARD_A)), data / "wards.parquet")
    second = Database(data)
    report = outcomes(second)
    for name in ("wards", "ward_population", "practices", "appointments", "indicators"):
        assert report[name] == "validated", (name, report)
    assert report["pcns"] == "restored" and report["budget_spend"] == "restored", report
    unknown = [p for p in second.statuses["appointments"].problems if p.column == "ward_code"]
    assert unknown and unknown[0].rule == "unknown code (not in `wards`)" and unknown[0].rows > 0


def test_new_validation_code_revalidates_everything(data, cache, monkeypatch):
    Database(data)
    monkeypatch.setattr(validation_cache, "_code_version", "another version of onehalton/")
    assert set(outcomes(Database(data)).values()) == {"validated"}


def test_a_damaged_cache_is_a_miss_not_an_error(data, cache):
    first = Database(data)
    entries = sorted(cache.glob("*/*"))
    (next(e for e in entries if e.name.startswith("wards-")) / "entry.pkl").write_bytes(b"truncated")
    for rows in next(e for e in entries if e.name.startswith("appointments_ward_month-")).glob("*.arrow"):
        rows.write_bytes(b"not parquet")
    second = Database(data)
    report = outcomes(second)
    assert report["wards"] == "validated" and report["appointments_ward_month"] == "validated", report
    assert contents(second) == contents(first)


def test_a_cache_folder_inside_the_data_folder_is_never_used(data, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(data / "cache"))
    database = Database(data)
    assert "inside the data folder" in database.validation_cache.problem
    assert not (data / "cache").exists(), "the dashboard wrote into the data folder"
    assert all("not cached" in v for v in outcomes(database).values())


def test_the_cache_can_be_turned_off(data, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    Database(data)
    assert set(outcomes(Database(data)).values()) == {"validated (not cached: cache off)"}
    assert not (tmp_path / "xdg").exists()


def test_on_a_new_day_rows_excluded_as_in_the_future_are_checked_again(data, cache, monkeypatch):
    future = date(date.today().year + 1, 1, 1)
    set_cells(data, "cancer_fds", "period", {0: future})
    first = Database(data)
    assert any(p.rule == "date in the future" for p in first.statuses["cancer_fds"].problems)
    assert outcomes(Database(data))["cancer_fds"] == "restored"  # the same day

    monkeypatch.setattr(validation_cache, "_today", lambda: ("2099-01-01", "2099-01-01"))
    report = outcomes(Database(data))
    assert report["cancer_fds"].startswith("validated again"), report
    # An extract with nothing excluded stays valid as days pass.
    assert report["appointments"] == "restored", report


def test_only_a_few_entries_are_kept_per_extract(data, cache):
    for value in range(validation_cache.ENTRIES_KEPT + 2):
        set_cells(data, "targets", "target_value", {0: 0.5 + value / 100})
        Database(data)
    kept = [e for e in cache.glob("*/*") if e.name.startswith("targets-")]
    assert len(kept) == validation_cache.ENTRIES_KEPT
    # Each kept entry, and no other, is found by copies of its files.
    pointers = list((cache / validation_cache.COPIES).glob("*.targets"))
    assert sorted(Path(p.read_text()) for p in pointers) == sorted(kept)


def test_each_data_folder_keeps_its_entries_apart_and_older_flat_entries_go(data, cache, tmp_path):
    """Entries sit in a subfolder per data folder, so one folder's pruning never lists (or removes) another's;
    entries left at the top of the cache by the format before are removed when their folder is next stored."""
    other = Path(shutil.copytree(data, tmp_path / "other"))
    Database(other)
    theirs = sorted(cache.glob("*/*"))
    leftover = cache / f"{validation_cache.ValidationCache(data)._folder.name}-wards-{'0' * 40}"
    leftover.mkdir()
    for value in range(validation_cache.ENTRIES_KEPT + 2):
        set_cells(data, "targets", "target_value", {0: 0.5 + value / 100})
        Database(data)
    assert set(theirs) <= set(cache.glob("*/*")), "pruning one data folder removed another's entries"
    assert len({e.parent for e in cache.glob("*/*-*")}) == 2
    assert not leftover.exists()


def test_workers_starting_together_validate_each_extract_once(data, cache):
    """Two loads at once (as `make serve` starts its workers): for every extract and summary one validates and the
    other waits for its result (a lock file in the cache folder), never both."""
    import threading

    loaded: dict[str, Database] = {}
    barrier = threading.Barrier(2)

    def start(name: str) -> None:
        barrier.wait()
        loaded[name] = Database(data)

    threads = [threading.Thread(target=start, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    a, b = outcomes(loaded["a"]), outcomes(loaded["b"])
    for name in a:
        assert sorted([a[name], b[name]]) == ["restored", "validated"], (name, a[name], b[name])
    assert contents(loaded["a"]) == contents(loaded["b"])
