"""Whether a file at a path is one Onlooker may use: a regular file (or directory) of our own
user. A device, a FIFO or another user's file in a shared directory is refused before anything
opens, reads, writes or chmods it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import StorageError


class NotOwnFile(StorageError):
    """Something at an Onlooker path that is not a plain file (or directory) of this user."""


def check(path: Path, *, directory: bool = False) -> os.stat_result | None:
    """The file's status if it is ours and of the right kind; None if nothing is there.
    A link is followed only if the link itself is ours too (no one else can redirect us)."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            _owner(path, st)
            st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):  # nothing there (creating it says why not)
        return None
    except OSError as exc:
        raise StorageError(f"cannot look at {path}: {exc.strerror}; use --db PATH") from None
    if directory and not stat.S_ISDIR(st.st_mode):
        raise NotOwnFile(f"{path} is not a directory; move it aside or use --db PATH")
    if not directory and not stat.S_ISREG(st.st_mode):
        raise NotOwnFile(f"{path} is not a regular file (a device, FIFO or socket); it was left "
                         "alone - choose a file with --db PATH")
    _owner(path, st)
    return st


def _owner(path: Path, st: os.stat_result) -> None:
    if st.st_uid != os.geteuid():
        raise NotOwnFile(f"{path} belongs to another user (uid {st.st_uid}), who could read or "
                         "change it; it was left alone - remove it, or use --db PATH")
