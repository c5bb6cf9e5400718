"""Opening the database: private file modes, durable pragmas, an integrity check, migrations,
and a refusal to touch any SQLite file that is not Onlooker's."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from . import owned
from .errors import CorruptDatabase, NotOurs, StorageError, Unwritable, describe
from .paths import data_dir

BUSY_TIMEOUT_MS = 5000
DIR_MODE, FILE_MODE = 0o700, 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's companions of the database file
# How migrations.MIGRATIONS marks a database as Onlooker's (sqlite_utils' table, our set's name),
# known here so a read-only open never imports sqlite_utils (0.1 s of every short command).
MIGRATIONS_TABLE, MIGRATION_SET = "_sqlite_migrations", "onlooker"

log = logging.getLogger(__name__)
Notice = Callable[[str], None]


def connect(path: Path | str, *, readonly: bool = False, check: bool | None = None,
            busy_timeout_ms: int = BUSY_TIMEOUT_MS,
            notice: Notice | None = None) -> sqlite3.Connection:
    """Open the database; ``readonly`` never creates, migrates or writes anything. Otherwise
    create it if needed (0600 in a 0700 directory) and migrate it.

    Refused, each with one line and the file left as it was: a directory at ``path``, a device,
    FIFO or socket there or at a companion's name, a file (or Onlooker's own data directory)
    owned by another user (``owned.NotOwnFile``), a file that fails ``quick_check``
    (``CorruptDatabase``), another program's SQLite file (``NotOurs``). ``check`` (default: on
    a read-write open only) runs ``quick_check`` first; a read-only open skips it (0.3 s of a
    year-sized file) because SQLite still refuses every damaged page it reads, which the CLI
    reports as one line (``errors.describe``), and a read changes nothing that could spread it. Looser modes on our own
    files are tightened and reported through ``notice`` (as well as the log, which the CLI does
    not show by default). A first open that fails removes what it created. A write waits up to
    ``busy_timeout_ms`` for another program's lock.
    """
    path = Path(path)
    check = not readonly if check is None else check
    if path.is_dir():
        raise StorageError(f"{path} is a directory, not a database file; move it aside or "
                           "choose a file with --db PATH")
    _check_owned(path)  # before anything opens, creates or chmods: nothing is written if refused
    if readonly and not path.exists():
        raise StorageError(f"no database at {path} yet; run 'onlooker watch' first, or pass --db")
    created = [] if readonly else _prepare_file(path)
    try:
        _check_owned(path)  # again: a file that appeared meanwhile was not created by us
        conn = _open(path, readonly=readonly, busy_timeout_ms=busy_timeout_ms)
        try:
            _configure(conn, path, readonly=readonly, check=check, busy_timeout_ms=busy_timeout_ms,
                       notice=notice)
        except BaseException:
            conn.close()
            raise
    except BaseException:
        _remove(created)
        raise
    return conn


def _prepare_file(path: Path) -> list[Path]:
    """Create the directory (0700) and an empty database file (0600) before SQLite does, so the
    -wal and -shm files get 0600 too (SQLite gives them the database file's mode). Returns what
    it created, newest first, for a failed first open to remove."""
    created: list[Path] = []
    try:
        missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
        for d in reversed(missing):
            d.mkdir(mode=DIR_MODE if d == path.parent else 0o777)  # parents: umask decides
            created.insert(0, d)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, FILE_MODE)
        os.close(fd)
        created.insert(0, path)
    except FileExistsError:
        pass
    except OSError as exc:
        _remove(created)
        raise Unwritable(f"cannot create {path}: {exc.strerror}; choose a writable place with "
                         "--db PATH or ONLOOKER_DB") from None
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise Unwritable(f"{path} is not writable; fix its permissions or choose another place "
                         "with --db PATH")
    return created


def _check_owned(path: Path) -> None:
    """The database and its companions are plain files of ours (or absent), and so is
    Onlooker's own data directory; a file in a shared directory may have been planted."""
    if path.parent.absolute() == data_dir().absolute():
        owned.check(path.parent, directory=True)
    for side in ("", *SIDE_FILES):
        owned.check(Path(str(path) + side))


def _remove(created: list[Path]) -> None:
    """Undo a failed first open: the file (and SQLite's companions), then new directories."""
    for p in created:
        try:
            if p.is_dir():
                p.rmdir()
            else:
                for side in ("", *SIDE_FILES):
                    Path(str(p) + side).unlink(missing_ok=True)
        except OSError as exc:  # never hide the error that made us clean up
            log.warning("could not remove %s after a failed first open: %s", p, exc)


def _open(path: Path, *, readonly: bool, busy_timeout_ms: int) -> sqlite3.Connection:
    # An escaped file: URI, so '#', '?' and '%' in a name are part of the name, not URI syntax.
    uri = path.absolute().as_uri() + ("?mode=ro" if readonly else "?mode=rw")
    try:
        return sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms / 1000,
                               check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        raise _translate(exc, path) from None


def _configure(conn: sqlite3.Connection, path: Path, *, readonly: bool, check: bool,
               busy_timeout_ms: int, notice: Notice | None) -> None:
    try:
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        ours = _whose(conn, path)  # reads only the schema: nothing is written to a foreign file
        if readonly and not ours:
            raise StorageError(f"{path} holds no Onlooker data yet; run 'onlooker watch' first, "
                               "or pass --db")
        _tighten(path, notice)
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

            from .migrations import MIGRATIONS

            MIGRATIONS.apply(Database(conn))
    except sqlite3.DatabaseError as exc:
        raise _translate(exc, path) from None


def _whose(conn: sqlite3.Connection, path: Path) -> bool:
    """True: Onlooker's database. False: an empty one (new). Refuses another program's."""
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")
             if not r[0].startswith("sqlite_")}
    if not names:
        return False
    table = MIGRATIONS_TABLE
    if table in names and conn.execute(f"SELECT 1 FROM {table} WHERE migration_set = ? LIMIT 1",
                                       (MIGRATION_SET,)).fetchone():
        return True
    raise NotOurs(f"{path} is not an Onlooker database; nothing was changed; use --db PATH to "
                  "choose another file")


def _tighten(path: Path, notice: Notice | None) -> None:
    """0600 for the database and its companions, 0700 for Onlooker's own data directory (not
    for a directory the user chose with --db: /tmp or ~/Documents stay as they are)."""
    targets = [(Path(str(path) + side), FILE_MODE) for side in ("", *SIDE_FILES)]
    if path.parent.absolute() == data_dir().absolute():
        targets.append((path.parent, DIR_MODE))
    for target, mode in targets:
        try:
            st = target.lstat()
        except FileNotFoundError:
            continue
        kind_ok = stat.S_ISDIR(st.st_mode) if mode == DIR_MODE else stat.S_ISREG(st.st_mode)
        if not kind_ok or st.st_uid != os.geteuid() or stat.S_IMODE(st.st_mode) & ~mode == 0:
            continue  # a link, a device or another's file is never chmodded (links: the user's)
        was = stat.S_IMODE(st.st_mode)
        try:
            os.chmod(target, mode)
        except OSError as exc:
            message = (f"{target} is readable by others ({was:o}) and could not be made "
                       f"private: {exc.strerror}")
        else:
            message = f"{target} was readable by others ({was:o}); it is now {mode:o}"
        log.warning("%s", message)
        if notice:
            notice(message)


def _translate(exc: sqlite3.Error, path: Path) -> StorageError:
    return describe(exc, path) or CorruptDatabase(
        f"{path} is not a readable Onlooker database ({exc}); it was left untouched - move it "
        "aside and start again")
