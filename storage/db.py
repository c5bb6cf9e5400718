"""Opening the database: private file modes, durable pragmas, an integrity check, migrations."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from .errors import CorruptDatabase, DatabaseBusy, StorageError, Unwritable
from .migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 5000


def _prepare_file(path: Path) -> None:
    """Create the directory (0700) and an empty database file (0600) before SQLite does, so the
    -wal and -shm files inherit 0600 too (SQLite copies the database file's mode)."""
    try:
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        pass
    except OSError as exc:
        raise Unwritable(f"cannot create {path}: {exc.strerror}; choose a writable place with "
                         "--db PATH or ONLOOKER_DB") from None


def connect(path: Path | str, *, readonly: bool = False, check: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database; run ``quick_check`` first.

    A file that fails the check is left untouched and reported with ``CorruptDatabase``.
    """
    path = Path(path)
    if readonly:
        if not path.exists():
            raise StorageError(f"no database at {path} yet; run 'onlooker watch' first, or pass --db")
        uri = f"file:{path}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False, isolation_level=None)
    else:
        _prepare_file(path)
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            raise Unwritable(f"{path} is not writable; fix its permissions or choose another "
                             "place with --db PATH")
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False, isolation_level=None)
    try:
        _configure(conn, path, readonly=readonly, check=check)
    except BaseException:
        conn.close()
        raise
    return conn


def _configure(conn: sqlite3.Connection, path: Path, *, readonly: bool, check: bool) -> None:
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if check:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise CorruptDatabase(
                    f"{path} failed its integrity check ({result}); it was left untouched - move "
                    "it aside (or restore a backup) and start again")
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StorageError(f"{path}: could not switch to WAL ({mode}); is it on a network "
                                   "filesystem? Use a local disk")
            # FULL: an acknowledged batch survives power loss too; our write rate is ~1/s.
            conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA secure_delete=ON")  # forget must overwrite, not just unlink pages
        conn.execute("PRAGMA foreign_keys=ON")
        if not readonly:
            from sqlite_utils import Database

            MIGRATIONS.apply(Database(conn))
    except sqlite3.DatabaseError as exc:
        raise _translate(exc, path) from None


def _translate(exc: sqlite3.DatabaseError, path: Path) -> StorageError:
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return DatabaseBusy(f"{path} is locked by another program; close it and try again")
    if "readonly" in text or "read-only" in text:
        return Unwritable(f"{path} is read-only; fix its permissions or use --db PATH")
    if "disk I/O" in text or "full" in text:
        return Unwritable(f"cannot write {path} ({text}); free some space or use --db PATH")
    return CorruptDatabase(f"{path} is not a readable Onlooker database ({text}); it was left "
                           "untouched - move it aside and start again")


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC
