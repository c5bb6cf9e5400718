"""Storage errors. Each message says what happened and what to do, on one line."""

from __future__ import annotations

import sqlite3


class StorageError(Exception):
    """Base class; ``str()`` is the one-line message for the user."""


class CorruptDatabase(StorageError):
    pass


class DatabaseBusy(StorageError):
    pass


class Unwritable(StorageError):
    pass


class AlreadyRecording(StorageError):
    pass


class NotOurs(StorageError):
    """An SQLite file of another program: refused before anything is written to it."""


def describe(exc: sqlite3.Error, where: object = "the database") -> StorageError | None:
    """The one line for a failure of the surroundings (full disk, read-only file, lock, I/O);
    None for anything else, which is a bug or a damaged file and is the caller's to report."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseBusy(f"{where} is locked by another program; close it and try again")
    if "full" in text:
        return Unwritable(f"the disk holding {where} is full; nothing was changed - free some "
                          "space and try again, or use --db PATH")
    if "readonly" in text or "read-only" in text:
        return Unwritable(f"{where} is read-only; nothing was changed - fix its permissions or "
                          "use --db PATH")
    if "malformed" in text or "decode to UTF-8" in text:  # damage met while reading
        return CorruptDatabase(f"{where} is damaged (a page or row cannot be read); it was left "
                               "untouched - move it aside (or restore a backup) and start again")
    if "disk I/O" in text:
        return Unwritable(f"cannot write {where} ({text}); nothing was changed - check the disk, "
                          "or use --db PATH")
    return None
