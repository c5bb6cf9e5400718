"""One recorder per database: an advisory lock on ``<db>.lock`` holding the recorder's pid."""

from __future__ import annotations

import fcntl
import os
import signal
from pathlib import Path

from .errors import AlreadyRecording, Unwritable
from .paths import lock_path


class RecorderLock:
    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        self.path = lock_path(self.db_path)
        self._fd: int | None = None

    def acquire(self) -> "RecorderLock":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise Unwritable(f"cannot create {self.path}: {exc.strerror}; use --db PATH") from None
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
        fd = os.open(path, os.O_RDONLY)
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
