import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def isolate_user_dirs(tmp_path, monkeypatch):
    """Never touch the real user's data or config."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("ONLOOKER_DB", raising=False)
    monkeypatch.delenv("ONLOOKER_CONFIG", raising=False)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "data" / "onlooker.db"
