"""Locked-down data access, and a data folder the app never writes to.

Through the Database's own connection (and the cursors queries run on) no statement can read a file outside
the data folder, reach the network, load an extension or change a setting; threads and memory are bounded by
the configured values. Rendering every page leaves the data folder exactly as it was, and the dashboard works
from a folder that is read-only, down to a real read-only mount.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers_reliability import PAGES, dashboard  # noqa: F401 - `dashboard` is a fixture

from onehalton import config, contract
from onehalton import db as db_module
from onehalton.db import Database

DENIED = re.compile(r"Permission Error|disabled|not allowed|locked", re.IGNORECASE)


@pytest.fixture(scope="module")
def locked(fixture_dir, tmp_path_factory):
    """A Database on a copy of the fixture, and a parquet file and a CSV file outside its data folder. One for
    the module's escape attempts: each only tries to break out, and an attempt that worked would fail its own
    test (and leave the connection looser for the ones after it, failing them too), never pass one."""
    fixture_copy = Path(shutil.copytree(fixture_dir, tmp_path_factory.mktemp("locked") / "data"))
    outside = tmp_path_factory.mktemp("outside")
    pq.write_table(pa.table({"secret": ["outside the data folder"]}), outside / "secret.parquet")
    (outside / "secret.csv").write_text("secret\nouter\n")
    # A folder whose name starts with the data folder's: a prefix check without the slash would let it in.
    sibling = Path(str(fixture_copy) + "-evil")
    sibling.mkdir()
    pq.write_table(pa.table({"secret": ["sibling"]}), sibling / "secret.parquet")
    return Database(fixture_copy), fixture_copy, outside, sibling


def on(database: Database, via: str):
    return database.con if via == "connection" else database.con.cursor()


READS_OUTSIDE = {
    "read_csv /etc/passwd": "SELECT * FROM read_csv('/etc/passwd')",
    "read_text /etc/passwd": "SELECT * FROM read_text('/etc/passwd')",
    "read_blob /etc/shadow": "SELECT * FROM read_blob('/etc/shadow')",
    "parquet in another folder": "SELECT * FROM read_parquet('{outside}/secret.parquet')",
    "csv in another folder": "SELECT * FROM read_csv('{outside}/secret.csv')",
    "folder sharing the data folder's prefix": "SELECT * FROM read_parquet('{sibling}/secret.parquet')",
    "path traversal out of the data folder": "SELECT * FROM read_parquet('{data}/../{outside_rel}/secret.parquet')",
    "glob outside": "SELECT * FROM glob('{outside}/*')",
    "wildcard over the parent folder": "SELECT * FROM read_parquet('{data}/../*/secret.parquet')",
    "http": "SELECT * FROM read_csv('https://example.com/data.csv')",
    "attach outside": "ATTACH '{outside}/evil.duckdb' AS evil",
    "copy to outside": "COPY (SELECT 1 AS x) TO '{outside}/evil.csv'",
    "install extension": "INSTALL httpfs",
    "load extension": "LOAD httpfs",
}


@pytest.mark.parametrize("via", ["connection", "cursor"])
@pytest.mark.parametrize("statement", READS_OUTSIDE.values(), ids=READS_OUTSIDE.keys())
def test_cannot_reach_outside_the_data_folder(locked, statement, via):
    database, data, outside, sibling = locked
    sql = statement.format(
        outside=outside, sibling=sibling, data=data, outside_rel=os.path.relpath(outside, data.parent)
    )
    with pytest.raises(db_module.duckdb.Error, match=DENIED):
        on(database, via).execute(sql).fetchall()
    assert not (outside / "evil.csv").exists() and not (outside / "evil.duckdb").exists()


@pytest.mark.parametrize("via", ["connection", "cursor"])
def test_reads_inside_the_data_folder_still_work(locked, via):
    """The control for the test above: the same readers work on the data folder itself."""
    database, data, _, _ = locked
    con = on(database, via)
    assert con.execute(f"SELECT count(*) FROM read_parquet('{data}/wards.parquet')").fetchone()[0] == 2
    assert con.execute(f"SELECT count(*) FROM read_text('{data}/{contract.MANIFEST_FILE}')").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM wards").fetchone()[0] == 2


SETTINGS_CHANGES = {
    "enable external access": "SET enable_external_access = true",
    "widen allowed directories": "SET allowed_directories = ['/']",
    "allow a path": "SET allowed_paths = ['/etc/passwd']",
    "threads": "SET threads = 64",
    "threads by pragma": "PRAGMA threads = 64",
    "threads globally": "SET GLOBAL threads = 64",
    "memory limit": "SET memory_limit = '100GB'",
    "reset memory limit": "RESET memory_limit",
    "unlock configuration": "SET lock_configuration = false",
    "reset lock": "RESET lock_configuration",
    "temp directory": "SET temp_directory = '/tmp'",
    "autoinstall extensions": "SET autoinstall_known_extensions = true",
    "autoload extensions": "SET autoload_known_extensions = true",
    "unsigned extensions": "SET allow_unsigned_extensions = true",
    "community extensions": "SET allow_community_extensions = true",
}


@pytest.mark.parametrize("via", ["connection", "cursor"])
@pytest.mark.parametrize("statement", SETTINGS_CHANGES.values(), ids=SETTINGS_CHANGES.keys())
def test_cannot_change_settings(locked, statement, via):
    database = locked[0]
    con = on(database, via)
    before = con.execute(
        "SELECT current_setting('threads'), current_setting('memory_limit'), "
        "current_setting('enable_external_access'), current_setting('lock_configuration')"
    ).fetchone()
    with pytest.raises(db_module.duckdb.Error, match=DENIED):
        con.execute(statement)
    after = con.execute(
        "SELECT current_setting('threads'), current_setting('memory_limit'), "
        "current_setting('enable_external_access'), current_setting('lock_configuration')"
    ).fetchone()
    assert after == before
    assert after[2] is False and after[3] is True


def memory_limit_as_duckdb_reports(value: str) -> str:
    """What current_setting('memory_limit') shows for a configured value (DuckDB reports it in its own units)."""
    probe = db_module.duckdb.connect(":memory:", config={"memory_limit": value})
    try:
        return probe.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        probe.close()


@pytest.mark.parametrize(
    "threads, memory",
    [(None, None), (1, "300MB"), (3, "1GB")],
    ids=["configured defaults", "1 thread 300MB", "3 threads 1GB"],
)
def test_threads_and_memory_follow_the_configuration(fixture_copy, monkeypatch, threads, memory):
    if threads is not None:
        monkeypatch.setattr(config, "DUCKDB_THREADS", threads)
        monkeypatch.setattr(config, "DUCKDB_MEMORY_LIMIT", memory)
    database = Database(fixture_copy)
    for con in (database.con, database.con.cursor()):
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == config.DUCKDB_THREADS
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == memory_limit_as_duckdb_reports(
            config.DUCKDB_MEMORY_LIMIT
        )
    # Spilling goes to a folder of its own, never into the data folder.
    spill = Path(database.con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
    assert spill.is_dir() and fixture_copy.resolve() not in (spill.resolve(), *spill.resolve().parents)


WRITING = re.compile(
    r"^\s*(COPY|ATTACH|DETACH|EXPORT|IMPORT|INSTALL|LOAD|SET|RESET|PRAGMA|CALL|CREATE|DROP|ALTER|"
    r"INSERT|UPDATE|DELETE|TRUNCATE|CHECKPOINT|VACUUM|USE)\b",
    re.IGNORECASE | re.MULTILINE,
)


def test_query_files_only_read():
    """DuckDB's allowed_directories lets a statement write inside the data folder (COPY TO, ATTACH), so the
    guard is that nothing but the query files ever runs on a cursor: each must be a single read-only query."""
    specs = db_module.query_specs()
    assert specs
    for name, spec in specs.items():
        body = "\n".join(line for line in spec.sql.splitlines() if not line.strip().startswith("--"))
        assert not WRITING.search(body), f"queries/{name}.sql holds a statement that is not a query"
        statements = [s for s in body.split(";") if s.strip()]
        assert len(statements) == 1, f"queries/{name}.sql holds {len(statements)} statements"
        assert re.match(r"\s*(SELECT|WITH|FROM)\b", statements[0], re.IGNORECASE), name


# ----------------------------------------------------------------------------------------------
# The data folder is never written to


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under a folder: kind, size, modification time (ns), mode and, for files, SHA-256."""
    out: dict[str, tuple] = {".": (os.stat(folder).st_mtime_ns, os.stat(folder).st_mode)}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        out[str(path.relative_to(folder))] = (path.is_dir(), info.st_size, info.st_mtime_ns, info.st_mode, digest)
    return out


def make_read_only(folder: Path) -> None:
    for path in folder.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    folder.chmod(0o555)


def make_writable(folder: Path) -> None:
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def render_every_page(dashboard, folder: Path) -> dict[str, dict[str, str]]:
    at = dashboard.open(folder)  # the entrypoint opens on the Overview
    shown = {}
    for page in ["overview", *(p for p in PAGES if p != "overview")]:
        if page != "overview":
            dashboard.show(at, page)
        assert not at.exception, f"{page}: {dashboard.exceptions(at)}"
        assert len(at.title), f"{page} drew nothing"
        # A clean dataset: no extract is reported unavailable or short of rows, and no query failed.
        assert not [e.value for e in at.error], f"{page}: {[e.value for e in at.error]}"
        shown[page] = dashboard.metrics(at)
    assert shown["budget"].get("Annual budget") == "£776,123"
    assert shown["overview"].get("Budget 2020/21: forecast (M12)") == "£231,993"
    return shown


def test_rendering_every_page_leaves_a_read_only_data_folder_untouched(fixture_copy, dashboard):
    make_read_only(fixture_copy)
    try:
        before = snapshot(fixture_copy)
        render_every_page(dashboard, fixture_copy)
        assert snapshot(fixture_copy) == before
    finally:
        make_writable(fixture_copy)


def test_the_snapshot_sees_a_write(fixture_copy):
    """The control for the test above: touching one file in the folder changes the snapshot."""
    before = snapshot(fixture_copy)
    path = fixture_copy / "wards.parquet"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000))
    assert snapshot(fixture_copy) != before


@pytest.fixture
def read_only_mount(fixture_copy, tmp_path):
    """The fixture copy bind-mounted read-only: the kernel, not permissions, refuses every write."""
    mount_point = tmp_path / "read-only-data"
    mount_point.mkdir()
    try:
        subprocess.run(["mount", "--bind", str(fixture_copy), str(mount_point)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or str(exc).encode()
        pytest.skip(f"cannot bind-mount here (needs root and CAP_SYS_ADMIN): {detail.decode(errors='replace')}")
    try:
        remount = subprocess.run(["mount", "-o", "remount,ro,bind", str(mount_point)], capture_output=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {remount.stderr.decode(errors='replace')}")
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False, capture_output=True)


def test_dashboard_works_from_a_read_only_mount(read_only_mount, dashboard):
    probe = read_only_mount / "probe.txt"
    with pytest.raises(OSError, match="Read-only file system"):
        probe.write_text("x")  # proves the mount is read-only, even to root
    before = snapshot(read_only_mount)
    render_every_page(dashboard, read_only_mount)
    database = db_module.database()
    assert database.data_dir == read_only_mount.resolve()
    assert all(s.state == "valid" for s in database.statuses.values())
    assert snapshot(read_only_mount) == before
