"""Where Onlooker keeps its files. Nothing is created until something is written."""

from __future__ import annotations

import os
from pathlib import Path

APP = "onlooker"


def default_db_path(env: os._Environ | dict | None = None) -> Path:
    """``ONLOOKER_DB`` if set, else the per-user data directory (platformdirs)."""
    env = os.environ if env is None else env
    if env.get("ONLOOKER_DB"):
        return Path(env["ONLOOKER_DB"]).expanduser()
    return data_dir() / "onlooker.db"


def data_dir() -> Path:
    """Onlooker's own per-user data directory: the one directory it keeps private (0700)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP))


def default_config_path(env: os._Environ | dict | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("ONLOOKER_CONFIG"):
        return Path(env["ONLOOKER_CONFIG"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")
