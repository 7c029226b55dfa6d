"""Validation results kept between restarts, outside the data folder, so a restart on unchanged files is quick.

Checking every extract against the contract is most of a start (about 55 s for 120 million appointment rows),
and building the summaries most of the rest; both give the same answer while the files do not change. For each
extract and each summary this module keeps what its load left on the DuckDB connection (the views, the table of
excluded rows, the summary table: their DDL as DuckDB reports it, and a table's rows as an Arrow file) and its
`TableStatus`, in a folder of its own with a subfolder per data folder: `ONE_HALTON_CACHE_DIR`, default
`$XDG_CACHE_HOME/onehalton` or `~/.cache/onehalton` (`off` turns the cache off). An entry is used only when all of
these are unchanged:

* every file of the extract: size, modification time and SHA-256 of its bytes (a file rewritten with its old
  size and time still has a new hash), and the same for every data-folder file that belongs to no extract
  (the manifest), since validation may read it;
* the version of each extract it depends on (the codes it checks); for a summary, its SQL and the versions of
  the extracts it is built from. A version is made afresh whenever an extract is validated, so whatever was
  built on the old one is rebuilt;
* the code that validates: every module of `onehalton/`, and the DuckDB and Python versions;
* the data folder's path (the views name files by absolute path), unless the entry was made on another folder with
  the same files, byte for byte, and validation found nothing wrong there: then it is restored with the views'
  paths pointed at this folder's files (a copied or moved data folder, or a test's copy of its fixture, is not
  checked again table by table; an entry that excluded rows or left files out names that folder's files, so it
  is never used for another);
* the day, for an extract with a "not in the future" rule that excluded or refused anything: a month in the
  future yesterday may be this month today. (A row valid yesterday is still valid today.)

Validation is treated as a black box: the catalog of the connection is compared before and after it, and a load
that changed anything this module cannot put back (a macro, a sequence, a table that existed before, a row added to
one) is simply not cached. Anything that goes wrong with the cache (unreadable entry, full disk, a view that no
longer binds) means the extract is validated as if there were no cache; the cache can cost time, never
correctness. Entries are written to a temporary folder and renamed into place, so several worker processes may
share one cache folder; while one of them validates an extract, the others wait for its entry (a lock file)
rather than check the same rows at the same time. A few recent entries per extract and data folder are kept.

The cache trusts its own folder (created private to the user): entries hold DDL that is executed and pickled
statuses, as Streamlit's own persisted caches do. Like `onehalton.validate`, this module never imports duckdb: it
is handed the connection by `onehalton.db`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import pickle
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pyarrow as pa

from onehalton import contract

CACHE_DIR_ENV = "ONE_HALTON_CACHE_DIR"
OFF_VALUES = {"off", "0", "false", "no", "none"}
ENTRIES_KEPT = 3  # per extract (or summary) and data folder: the current data and the one before, with a spare
STALE_TEMP_S = 24 * 3600  # an unfinished write older than this was left by a process that died
FORMAT = 4  # bump when what an entry holds, or where it is kept, changes
COPIES = "copies"  # under the cache folder: per extract and content key, the entry made on those files

_LOG = logging.getLogger(__name__)


def cache_root() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    configured = os.environ.get(CACHE_DIR_ENV, "").strip()
    if configured.lower() in OFF_VALUES:
        return None
    if configured:
        return Path(configured).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return (Path(base).expanduser() / "onehalton").resolve()


_code_version: str | None = None


def code_version() -> str:
    """A digest of everything that decides a validation's outcome besides the data."""
    global _code_version
    if _code_version is None:
        digest = hashlib.sha256(f"format {FORMAT}; python {sys.version}".encode())
        for package in ("duckdb", "pyarrow"):
            try:
                digest.update(f"{package} {metadata.version(package)}".encode())
            except metadata.PackageNotFoundError:
                digest.update(f"{package} missing".encode())
        package_dir = Path(__file__).resolve().parent
        for path in sorted(package_dir.rglob("*.py")):
            digest.update(str(path.relative_to(package_dir)).encode() + b"\0" + path.read_bytes())
        _code_version = digest.hexdigest()
    return _code_version


def _today() -> tuple[str, str]:
    """The local and the UTC date: DuckDB's current_date may follow either."""
    return dt.date.today().isoformat(), dt.datetime.now(dt.UTC).date().isoformat()


@dataclass(frozen=True)
class FileFingerprint:
    path: str  # relative to the data folder
    size: int
    mtime_ns: int
    sha256: str


def _file_fingerprint(data_dir: Path, path: Path) -> FileFingerprint | None:
    """None when the file cannot be read whole, or changed while it was read."""
    try:
        before = path.stat()
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        after = path.stat()
    except OSError:
        return None
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        return None
    return FileFingerprint(str(path.relative_to(data_dir)), after.st_size, after.st_mtime_ns, digest)


def _owner(relative: Path) -> str:
    """The table a data-folder file belongs to (`appointments.parquet`, `appointments/…`), matched without
    regard to case, or '' for files that belong to none (the manifest, notes)."""
    first = relative.parts[0]
    stem = first[: -len(".parquet")] if first.lower().endswith(".parquet") else first
    return stem.casefold()


def _digest(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def _content(fingerprint: dict) -> dict:
    """A file's fingerprint without its modification time: what the same bytes have in any folder."""
    return {k: v for k, v in fingerprint.items() if k != "mtime_ns"}


def _portable(status) -> bool:
    """Whether a load's result holds nothing of the folder it was made in but the views' paths: validation found
    nothing wrong (an excluded row, a file left out or a problem names its file by path)."""
    return bool(
        getattr(status, "available", False)
        and not getattr(status, "rows_excluded", 0)
        and not getattr(status, "files_left_out", None)
        and not getattr(status, "problems", None)
        and not getattr(status, "reason", "")
    )


def _path_literal(folder: Path) -> str:
    """How a path inside `folder` starts in DuckDB's DDL: a SQL string literal."""
    return "'" + (str(folder) + os.sep).replace("'", "''")


def _repointed(objects: list, origin: Path, here: Path) -> list | None:
    """An entry's objects with the views that read files reading this folder's instead; None if a view reads a
    file by a path not inside the folder it was made in."""
    old, new = _path_literal(origin), _path_literal(here)
    out = []
    for kind, object_name, sql, rows_file in objects:
        if kind == "view" and "read_parquet" in sql:
            if old not in sql:
                return None
            sql = sql.replace(old, new)
        out.append((kind, object_name, sql, rows_file))
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Catalog:
    """What a connection holds: (kind, name) -> (oid, DDL, estimated rows) of its views and tables.

    A load makes only views and tables, which is all a restore can put back. Macros, sequences, indexes and types
    are not read here: listing them (duckdb_functions()) cost 18 ms a read, twice per extract, more than half of a
    start on a small folder. tests/test_validation_cache.py proves no load creates one."""

    objects: dict[tuple[str, str], tuple[int, str, int]] = field(default_factory=dict)

    @classmethod
    def read(cls, con) -> _Catalog:
        found = cls()
        for schema, name, oid, sql, temporary in con.execute(
            "SELECT schema_name, view_name, view_oid, sql, temporary FROM duckdb_views() WHERE NOT internal"
        ).fetchall():
            found.objects[("view", f"{schema}.{name}" if temporary or schema != "main" else name)] = (oid, sql, 0)
        for schema, name, oid, sql, temporary, size in con.execute(
            "SELECT schema_name, table_name, table_oid, sql, temporary, estimated_size FROM duckdb_tables() "
            "WHERE NOT internal"
        ).fetchall():
            found.objects[("table", f"{schema}.{name}" if temporary or schema != "main" else name)] = (oid, sql, size)
        return found


def _made_by(before: _Catalog, after: _Catalog) -> tuple[list[tuple[str, str, str]], str]:
    """The objects a load created, in the order it created them, or why they cannot be put back."""
    if set(before.objects) - set(after.objects):
        return [], "it dropped an object"
    made = []
    for key, (oid, sql, size) in after.objects.items():
        old = before.objects.get(key)
        if old is not None and old[0] == oid:
            if key[0] == "table" and old[2] != size:
                return [], f"it changed the table {key[1]}, which existed before"
            continue
        if "." in key[1]:
            return [], f"it created {key[1]} outside the main schema"
        if not sql:
            return [], f"DuckDB gives no DDL for {key[1]}"
        made.append((oid, key[0], key[1], sql))
    made.sort()
    return [(kind, name, sql) for _, kind, name, sql in made], ""


class ValidationCache:
    """The cache as one Database load sees it. `report` says, per extract and summary, what happened."""

    def __init__(self, data_dir: Path, root: Path | None | str = "env"):
        self.data_dir = Path(data_dir).resolve()
        self.root = cache_root() if root == "env" else (Path(root).resolve() if root else None)
        self.report: dict[str, str] = {}
        self.problem = ""
        self._versions: dict[str, str] = {}
        self._notes: dict[str, str] = {}  # why an entry that was found was not used
        if self.root is not None and (self.root == self.data_dir or self.data_dir in self.root.parents):
            # The dashboard never writes to the data folder, and a cache there would change the folder's
            # fingerprint with every write.
            self.problem = f"the cache folder {self.root} is inside the data folder: cache not used"
            _LOG.warning(self.problem)
            self.root = None
        self._files: dict[str, list[FileFingerprint | None]] | None = None
        # Each data folder's entries in a folder of their own: pruning lists only that folder's entries, not
        # every folder's (a test run makes hundreds of data folders; listing them all for each store was
        # quadratic).
        folder_id = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        self._folder = self.root / folder_id if self.root is not None else None

    # -- keys --------------------------------------------------------------------------------------

    def _fingerprints(self) -> dict[str, list[FileFingerprint | None]]:
        """Every file of the data folder, by owning table ('' for none); taken once per load."""
        if self._files is None:
            files: dict[str, list[FileFingerprint | None]] = {}
            try:
                paths = sorted(p for p in self.data_dir.rglob("*") if p.is_file())
            except OSError:
                paths = []
                files[""] = [None]
            for path in paths:
                relative = path.relative_to(self.data_dir)
                files.setdefault(_owner(relative), []).append(_file_fingerprint(self.data_dir, path))
            self._files = files
        return self._files

    def _keys(self, kind: str, name: str, inputs: dict) -> tuple[str | None, str | None]:
        """(this folder's key, the key of the same files in any folder): the second leaves out the folder and the
        files' modification times, so a copy of the folder finds what was validated on the original."""
        if any(v is None for v in inputs.get("versions", {}).values()):
            return None, None
        document = {"kind": kind, "name": name, "code": code_version(), **inputs}
        anywhere = {
            **document,
            **{part: [_content(f) for f in inputs[part]] for part in ("files", "shared") if part in inputs},
        }
        return _digest({**document, "folder": str(self.data_dir)}), _digest(anywhere)

    def _table_keys(self, table: contract.Table) -> tuple[tuple[str | None, str | None], str]:
        files = self._fingerprints()
        own = files.get(table.name.casefold(), [])
        shared = files.get("", [])
        if any(f is None for f in own + shared):
            return (None, None), "a file in the data folder could not be read, or changed while it was read"
        depends = set(table.depends_on) | {c.references.split(".")[0] for c in table.columns if c.references}
        depends.discard(table.name)
        versions = {d: self._versions.get(d) for d in sorted(depends)}
        keys = self._keys(
            "table",
            table.name,
            {"files": [vars(f) for f in own], "shared": [vars(f) for f in shared], "versions": versions},
        )
        return keys, "" if keys[0] else "an extract it depends on was not loaded first"

    def standard(self, name: str, source: Path) -> None:
        """A table the project registers from its own file (a standard population): its version is the file's
        content, so a summary that reads it is restored while the file is unchanged and rebuilt when it changes."""
        self._versions[name] = hashlib.sha256(source.read_bytes()).hexdigest()

    # -- the two entry points ----------------------------------------------------------------------

    def table(self, con, table: contract.Table, build: Callable):
        """The extract's TableStatus, restored when its files are unchanged, else `build()` (validation) run
        and its result stored."""
        keys, why = self._table_keys(table) if self.root else ((None, None), "cache off")
        dated = any(c.not_future for c in table.columns)
        return self._load(con, table.name, keys, why, build, dated)

    def summary(self, con, spec, build: Callable):
        """A summary's TableStatus, restored when its SQL and the extracts it reads are unchanged, else built."""
        keys, why = (None, None), "cache off"
        if self.root:
            keys = self._keys(
                "summary", spec.name, {"sql": spec.sql, "versions": {t: self._versions.get(t) for t in spec.tables}}
            )
            why = "" if keys[0] else "an extract it reads was not loaded first"
        return self._load(con, spec.name, keys, why, build, dated=False)

    # -- loading and storing -----------------------------------------------------------------------

    def _entry_dir(self, name: str, key: str) -> Path:
        return self._folder / f"{name}-{key[:40]}"

    def _copy_pointer(self, name: str, content_key: str) -> Path:
        """Where the entry validated on these files, in whichever folder, is recorded."""
        return self.root / COPIES / f"{content_key[:40]}.{name}"

    def _load(self, con, name: str, keys: tuple[str | None, str | None], why: str, build: Callable, dated: bool):
        key, content_key = keys
        if key is not None:
            restored = self._restore(con, name, key, dated)
            if restored is None:
                restored = self._restore_copy(con, name, content_key, dated)
            if restored is not None:
                return restored
        with self._lock(name) if key is not None else nullcontext():
            if key is not None:
                # Another worker may have stored it while this one waited for the lock.
                restored = self._restore(con, name, key, dated)
                if restored is not None:
                    return restored
            return self._build(con, name, keys, why, build, dated)

    @contextmanager
    def _lock(self, name: str):
        """Held while validating `name`: workers starting together validate each extract once, not once each."""
        handle = None
        try:
            self._make_folder()
            handle = open(self._folder / f".lock-{name}", "a")
            fcntl.flock(handle, fcntl.LOCK_EX)  # released by the kernel if this process dies
        except OSError as exc:
            _LOG.warning("validation cache: no lock for %s (%s)", name, exc)
        try:
            yield
        finally:
            if handle is not None:
                handle.close()

    def _build(self, con, name: str, keys: tuple[str | None, str | None], why: str, build: Callable, dated: bool):
        key = keys[0]  # the content key is stored with the entry (_store)
        before = _Catalog.read(con)
        status = build()
        version = uuid.uuid4().hex
        self._versions[name] = version
        if key is None:
            self.report[name] = f"validated (not cached: {why})"
            return status
        made, why = _made_by(before, _Catalog.read(con))
        if why:
            self.report[name] = f"validated (not cached: {why})"
            return status
        if self._changed_since_keyed(name):
            self.report[name] = "validated (not cached: its files changed while it was validated)"
            return status
        stored = self._store(con, name, keys, version, status, made, dated)
        again = self._notes.pop(name, "")
        self.report[name] = (
            "validated"
            + (f" again ({again})" if again else "")
            + ("" if stored else " (not cached: the cache folder could not be written)")
        )
        return status

    def _changed_since_keyed(self, name: str) -> bool:
        table = contract.TABLES_BY_NAME.get(name)
        if table is None:
            return False
        earlier = self._fingerprints().get(table.name.casefold(), []) + self._fingerprints().get("", [])
        for fingerprint in earlier:
            if fingerprint is None or _file_fingerprint(self.data_dir, self.data_dir / fingerprint.path) != fingerprint:
                return True
        return False

    def _restore(self, con, name: str, key: str, dated: bool):
        return self._restore_entry(con, name, self._entry_dir(name, key), key, dated)

    def _restore_copy(self, con, name: str, content_key: str | None, dated: bool):
        """The entry validated on the same files in another folder (or under another modification time), its
        views pointed at this folder's files; None if there is none that may be used here."""
        if content_key is None:
            return None
        pointer = self._copy_pointer(name, content_key)
        try:
            folder = Path(pointer.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return None
        restored = self._restore_entry(con, name, folder, content_key, dated, copy=True)
        if restored is None and not (folder / "entry.pkl").exists():
            pointer.unlink(missing_ok=True)  # the entry was pruned from its folder: the pointer leads nowhere
        return restored

    def _restore_entry(self, con, name: str, folder: Path, key: str, dated: bool, copy=False):
        try:
            with open(folder / "entry.pkl", "rb") as handle:
                entry = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - a damaged entry is a miss, whatever the damage
            _LOG.warning("validation cache entry %s unreadable (%s): validating again", folder.name, exc)
            return None
        if entry.get("content_key" if copy else "key") != key:
            return None
        objects = entry["objects"]
        if copy:
            origin = entry.get("data_dir")
            if not entry.get("portable") or not origin:
                return None
            if origin != str(self.data_dir):
                objects = _repointed(objects, Path(origin), self.data_dir)
                if objects is None:
                    return None
        status = entry["status"]
        if (
            dated
            and entry.get("dates") != _today()
            and not (getattr(status, "available", False) and not getattr(status, "rows_excluded", 0))
        ):
            self._notes[name] = "a new day: rows excluded as in the future may be due now"
            return None
        created: list[tuple[str, str]] = []
        try:
            for kind, object_name, sql, rows_file in objects:
                con.execute(sql)
                created.append((kind, object_name))
                if rows_file:
                    # Arrow's own file format, memory-mapped: reading it is nearly free, unlike Parquet. The
                    # rows live in the mapping, so it stays open until DuckDB has copied them.
                    with pa.memory_map(str(folder / rows_file)) as source:
                        con.register("onehalton_cache_rows", pa.ipc.open_file(source).read_all())
                        try:
                            con.execute(f"INSERT INTO {_quote(object_name)} SELECT * FROM onehalton_cache_rows")
                        finally:
                            con.unregister("onehalton_cache_rows")
        except Exception as exc:  # noqa: BLE001 - e.g. a view over a file that has gone: validate afresh
            _LOG.warning("validation cache entry %s could not be restored (%s): validating again", folder.name, exc)
            for kind, object_name in reversed(created):
                try:
                    con.execute(f"DROP {'VIEW' if kind == 'view' else 'TABLE'} IF EXISTS {_quote(object_name)}")
                except Exception:  # noqa: BLE001
                    pass
            return None
        try:
            os.utime(folder)  # most recently used: kept when older entries are removed
        except OSError:
            pass
        self._versions[name] = entry["version"]
        self.report[name] = "restored" + (" (validated on the same files in another folder)" if copy else "")
        return status

    def _store(self, con, name: str, keys: tuple[str, str], version: str, status, made, dated: bool) -> bool:
        key, content_key = keys
        portable = _portable(status)
        temporary = None
        try:
            self._make_folder()
            temporary = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self._folder))
            objects = []
            for n, (kind, object_name, sql) in enumerate(made):
                rows_file = ""
                if kind == "table":
                    rows_file = f"{n:02d}.arrow"
                    rows = con.sql(f"SELECT * FROM {_quote(object_name)}").to_arrow_table()
                    with pa.OSFile(str(temporary / rows_file), "wb") as sink:
                        with pa.ipc.new_file(sink, rows.schema) as writer:
                            writer.write_table(rows)
                objects.append((kind, object_name, sql, rows_file))
            entry = {
                "key": key,
                "content_key": content_key,
                "data_dir": str(self.data_dir),
                "portable": portable,
                "version": version,
                "status": status,
                "objects": objects,
                "dates": _today() if dated else None,
                "stored": time.time(),
            }
            with open(temporary / "entry.pkl", "wb") as handle:
                pickle.dump(entry, handle, protocol=pickle.HIGHEST_PROTOCOL)
            final = self._entry_dir(name, key)
            try:
                os.rename(temporary, final)
            except OSError:
                if not final.exists():
                    raise
                # Another worker stored the same entry first: its version stands for this result from now on.
                shutil.rmtree(temporary, ignore_errors=True)
            temporary = None
            self._prune(name)
            if portable:
                self._point_copies_at(name, content_key, final)
            return True
        except Exception as exc:  # noqa: BLE001 - a cache that cannot be written costs time, not correctness
            _LOG.warning("validation cache: could not store %s (%s)", name, exc)
            if temporary is not None:
                shutil.rmtree(temporary, ignore_errors=True)
            return False

    def _point_copies_at(self, name: str, content_key: str, entry: Path) -> None:
        pointer = self._copy_pointer(name, content_key)
        try:
            pointer.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            written = pointer.with_name(f".tmp-{uuid.uuid4().hex}")
            written.write_text(str(entry), encoding="utf-8")
            os.replace(written, pointer)
        except OSError as exc:  # a copy of the folder is validated afresh: time, not correctness
            _LOG.warning("validation cache: could not record %s for copies of its files (%s)", name, exc)

    def _make_folder(self) -> None:
        """This data folder's subfolder. When it is new, entries and locks of the folder left at the top of the
        cache by format 2 (which kept every folder's entries side by side) go: they can never be used again."""
        if self._folder.is_dir():
            return
        self._folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for path in self.root.glob(f"{self._folder.name}-*"):
            shutil.rmtree(path, ignore_errors=True)
        for path in self.root.glob(f".lock-{self._folder.name}-*"):
            path.unlink(missing_ok=True)

    def _prune(self, name: str) -> None:
        prefix = f"{name}-"
        mine = []
        now = time.time()
        for path in self._folder.iterdir():
            try:
                if path.name.startswith(prefix):
                    mine.append((path.stat().st_mtime, path))
                elif path.name.startswith(".tmp-") and now - path.stat().st_mtime > STALE_TEMP_S:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                continue
        for _, path in sorted(mine, reverse=True)[ENTRIES_KEPT:]:
            self._forget_copies_of(name, path)
            shutil.rmtree(path, ignore_errors=True)

    def _forget_copies_of(self, name: str, entry: Path) -> None:
        """The pointer to an entry about to go, so the pointers stay as few as the entries."""
        try:
            with open(entry / "entry.pkl", "rb") as handle:
                content_key = pickle.load(handle).get("content_key")
            pointer = self._copy_pointer(name, content_key) if content_key else None
            if pointer is not None and pointer.read_text(encoding="utf-8") == str(entry):
                pointer.unlink()
        except Exception:  # noqa: BLE001 - a pointer left behind is a miss when it is next read, and removed then
            pass
