"""Writing a file the user named (``log -o``, ``diary -o``, the config file) so that it is
private, whole or absent, and never written through something planted at its name."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write to a temporary file beside ``path`` (0600, a fresh random name), then rename over
    ``path``: the file is whole or absent, and private like the database it comes from. A link
    at ``path`` is replaced, not followed. A device or FIFO there is refused (OSError): renaming
    over /dev/null as root would replace it for the whole system."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            raise OSError(errno.EINVAL, "it is not a regular file")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.writelines([data] if isinstance(data, bytes) else data)  # chunks: streamed
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
