import os
import sys
from pathlib import Path

import pytest

# Times in tests are written in UTC; the dashboard's browser pages are told the same zone.
os.environ["TZ"] = "UTC"
import time as _time  # noqa: E402

_time.tzset()

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def isolate_user_dirs(tmp_path, monkeypatch):
    """Never touch the real user's data or config."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # the recorder's log
    monkeypatch.delenv("ONLOOKER_DB", raising=False)
    monkeypatch.delenv("ONLOOKER_CONFIG", raising=False)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "data" / "onlooker.db"


@pytest.fixture
def restore_logging():
    """configure() changes the root logger: put it back for the other tests."""
    import logging

    from onlooker.ui import logs

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    logs.configure(False, None)
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)


from tests.browser_support import chromium  # noqa: E402,F401  (a session fixture)
