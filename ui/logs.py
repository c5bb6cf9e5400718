"""Logging: one configuration for every command (standard library ``logging``).

Modules log through ``logging.getLogger(__name__)``. By default nothing reaches the terminal
(user-facing errors are one line each, printed by the commands); ``--verbose`` shows the log on
stderr. The recorder (``watch``) also keeps its log in the per-user state directory
(``~/.local/state/onlooker/onlooker.log``), rotated, readable only by the user. The log holds app
names and what went wrong; never titles, keys or pointer positions.
"""

from __future__ import annotations

import errno
import logging
import logging.handlers
import os
import stat
import sys
from pathlib import Path

LOG_NAME = "onlooker.log"
MAX_BYTES = 1_000_000  # a year of a quiet recorder's log; five of them at most on disk
BACKUPS = 4
NOT_A_FILE = "it is a link, not a plain file, or not yours, so it was left alone"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_installed: list[logging.Handler] = []  # what configure() added, so a second call replaces it


def default_log_file() -> Path:
    """The recorder's log file in the XDG state directory (created 0700 when used)."""
    from platformdirs import user_state_dir

    return Path(user_state_dir("onlooker")) / LOG_NAME


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files (the current one and each new one after a rollover) are 0600,
    and which never writes through a link, into a device or FIFO, or into another's file."""

    def _open(self):
        # O_NOFOLLOW: a link planted at the name (to ~/.bashrc, say) is refused, not appended to;
        # O_NONBLOCK: a FIFO there cannot hang us.
        try:
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
                         | os.O_NONBLOCK, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise OSError(exc.errno, NOT_A_FILE) from None
            raise
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_uid != os.geteuid():
            os.close(fd)
            raise OSError(errno.EPERM, NOT_A_FILE)
        os.fchmod(fd, 0o600)  # an older file created with a looser umask is tightened too
        return os.fdopen(fd, self.mode.replace("w", "a") or "a", encoding=self.encoding,
                         errors=self.errors)


def configure(verbose: bool = False, log_file: Path | None = None) -> Path | None:
    """Set up the root logger: stderr when ``verbose``, a private rotating file when
    ``log_file``. Calling it again replaces what an earlier call installed. Returns the log file
    in use, or None when there is none (it could not be created: the reason goes to stderr)."""
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()
    level = logging.DEBUG if verbose else logging.INFO
    if verbose:
        _install(root, logging.StreamHandler(sys.stderr), level)
    else:
        _install(root, logging.NullHandler(), level)  # not Python's last-resort stderr printer
    used = None
    if log_file is not None:
        try:
            log_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _install(root, PrivateRotatingFileHandler(log_file, maxBytes=MAX_BYTES,
                                                      backupCount=BACKUPS, encoding="utf-8"), level)
            used = log_file
        except OSError as exc:
            print(f"onlooker: cannot write the log {log_file} ({exc.strerror}); "
                  "going on without it", file=sys.stderr)
    root.setLevel(level)
    return used


def _install(root: logging.Logger, handler: logging.Handler, level: int) -> None:
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    _installed.append(handler)
