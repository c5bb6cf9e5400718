"""One recorder per database: an advisory lock on ``<db>.lock`` holding the recorder's pid.

The pid in the file is only a claim (anyone who can hold a flock on a file at that name can write
any number into it), so it is believed only when the kernel vouches for it: the lock file is a
plain file of ours, and the process runs as us and has that very file open. Signals go through a
pidfd, so a pid reused in between can never receive them.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import signal
import stat
from pathlib import Path

from .errors import AlreadyRecording, Unwritable
from .paths import lock_path

log = logging.getLogger(__name__)

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
        if st.st_uid != os.geteuid():  # planted in a shared directory: its holder is not ours
            os.close(fd)
            raise Unwritable(f"{self.path} belongs to another user (uid {st.st_uid}); it was left "
                             "alone - remove it, or use --db PATH")
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
    """The pid of the running recorder for this database, or None if none runs (or the lock is
    held by something that is not provably our recorder: then it is logged and never signalled)."""
    found = _recorder(Path(db_path))
    if found is None:
        return None
    os.close(found[1])
    return found[0]


def nudge_recorder(db_path: Path) -> bool:
    """Ask a running recorder to re-read its pause state now (SIGUSR1); False if none runs."""
    return signal_recorder(db_path, signal.SIGUSR1)


def signal_recorder(db_path: Path, sig: int) -> bool:
    """Send ``sig`` to this database's recorder, and to nothing else; False if none runs."""
    found = _recorder(Path(db_path))
    if found is None:
        return False
    pid, pidfd = found
    try:
        signal.pidfd_send_signal(pidfd, sig)
    except OSError:  # it ended meanwhile
        return False
    finally:
        os.close(pidfd)
    return True


def _recorder(db_path: Path) -> tuple[int, int] | None:
    """(pid, pidfd) of the process holding this database's lock, if it is provably ours."""
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode(errors="replace").strip()
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
    finally:
        os.close(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_uid != os.geteuid():
        return _untrusted(path, "it is not a plain file of yours")
    if not text.isdigit():
        return _untrusted(path, "it names no process")
    pid = int(text)
    try:
        pidfd = os.pidfd_open(pid)  # from here on, this process and no later one with its pid
    except OSError:
        return _untrusted(path, f"pid {pid} does not run")
    if _runs_as_us(pid) and _has_open(pid, st) and _alive(pidfd):
        return pid, pidfd
    os.close(pidfd)
    return _untrusted(path, f"pid {pid} is not your process holding it")


def _untrusted(path: Path, why: str) -> None:
    log.warning("%s is locked, but %s; no recorder is assumed and nothing is signalled", path, why)
    return None


def _runs_as_us(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    uids = next((ln.split()[1:] for ln in status.splitlines() if ln.startswith("Uid:")), [])
    return bool(uids) and all(int(u) == os.geteuid() for u in uids)  # real, effective, saved, fs


def _has_open(pid: int, st: os.stat_result) -> bool:
    """Whether ``pid`` has the lock file (this inode on this device) open."""
    fd_dir = f"/proc/{pid}/fd"
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return False
    for name in names:
        try:
            other = os.stat(f"{fd_dir}/{name}")
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
            return True
    return False


def _alive(pidfd: int) -> bool:
    """The process the pidfd names still runs, so the /proc checks above were about it."""
    try:
        signal.pidfd_send_signal(pidfd, 0)
    except OSError:
        return False
    return True
