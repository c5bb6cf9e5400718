import os
from pathlib import Path

import pytest

from .harness import CHROMIUM_BIN, Chromium, PageServer, onlooker


@pytest.fixture
def pages():
    srv = PageServer()
    yield srv
    srv.close()


@pytest.fixture
def user(tmp_path):
    """A user's environment: private data, config and state directories, and a config that
    adds the stand-in pages' origin (127.0.0.1) to the watched list, as a user would."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "ONLOOKER_DB": str(tmp_path / "onlooker.db"),
           "ONLOOKER_CONFIG": str(tmp_path / "config.toml"), "HOME": str(tmp_path)}
    (tmp_path / "config.toml").write_text(
        '[browser]\norigins = ["http://127.0.0.1/*"]\nmeeting_pages = ["http://127.0.0.1/meet/*"]\n')
    return env


@pytest.fixture
def chromium_with_host(tmp_path, user):
    """Debian's Chromium with the extension, after `onlooker browser install --profile-dir`."""
    if not Path(CHROMIUM_BIN).exists():
        pytest.fail(f"{CHROMIUM_BIN} is missing; run ./bootstrap test (it installs chromium)")
    r = onlooker(user, "browser", "install", "--browser", "chromium",
                 "--profile-dir", str(tmp_path / "chromium-profile"))
    assert r.returncode == 0, r.stderr
    browser = Chromium(tmp_path, user)
    yield browser
    browser.close()
