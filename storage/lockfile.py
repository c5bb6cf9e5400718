"""One recorder per database: an advisory lock on ``<db>.lock`` holding the recorder's pid."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import stat
from pathlib import Path

from .errors import AlreadyRecording, Unwritable
from .paths import lock_path

_NOT_A_FILE = ("{path} is a link or not a plain file, so it was left alone; remove it, or use "
               "--db PATH")


class RecorderLock:
    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        self.path = lock_path(self.db_path)
        self._fd: int | None = None

    def acquire(self) -> "RecorderLock":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # O_NOFOLLOW: a link planted at <db>.lock (say in /tmp) must not get its target
            # truncated; O_NONBLOCK: a FIFO planted there must not hang us.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Unwritable(_NOT_A_FILE.format(path=self.path)) from None
            raise Unwritable(f"cannot create {self.path}: {exc.strerror}; use --db PATH") from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:  # a hard link is another's file too
            os.close(fd)
            raise Unwritable(_NOT_A_FILE.format(path=self.path))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = holder(self.db_path)
            raise AlreadyRecording(
                f"another 'onlooker watch' (pid {pid or '?'}) is already recording into "
                f"{self.db_path}; stop it first, or use --db PATH") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # the kernel drops the lock; a stale file is harmless
            self._fd = None


def holder(db_path: Path) -> int | None:
    """The pid of the running recorder for this database, or None if none runs."""
    path = lock_path(Path(db_path))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def nudge_recorder(db_path: Path) -> bool:
    """Ask a running recorder to re-read its pause state now (SIGUSR1); False if none runs."""
    pid = holder(Path(db_path))
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, signal.SIGUSR1)
    except OSError:
        return False
    return True
