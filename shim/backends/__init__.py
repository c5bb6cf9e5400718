"""The one place that chooses how to observe this desktop (the pynput pattern: lazy imports,
an environment override, a clear error naming what to do).

Every backend module exports ``Backend``, a subclass of ``_base.BaseBackend`` (the contract).
``ONLOOKER_BACKEND=fake`` selects the replaying fake (``_fake.py``) anywhere.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from ..errors import BackendUnavailable

BACKENDS = {"x11": "._x11", "fake": "._fake"}  # future: "win32", "darwin", "wlroots"
LABELS = {"x11": "X11", "fake": "fake"}
# What each backend imports (module -> pip package), checked before anything starts, so a
# missing one is one line naming what to install rather than a traceback mid-recording.
REQUIRES = {"x11": {"Xlib": "python-xlib", "pynput": "pynput", "jeepney": "jeepney"},
            "fake": {}}


def choose(env: dict | os._Environ | None = None, platform: str | None = None) -> str:
    """The backend name for this session, or BackendUnavailable saying why not."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    forced = env.get("ONLOOKER_BACKEND")
    if forced:
        if forced not in BACKENDS:
            raise BackendUnavailable(f"ONLOOKER_BACKEND={forced} is not a backend "
                                     f"(known: {', '.join(BACKENDS)})")
        return forced
    if platform.startswith("linux") or "bsd" in platform:
        if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland":
            raise BackendUnavailable(
                "Wayland is not yet supported (X11 programs only would be seen); log in to an "
                "X11 session, or try 'onlooker demo'")
        if not env.get("DISPLAY"):
            raise BackendUnavailable("no display to observe (DISPLAY is not set); on a machine "
                                     "without a screen, try 'onlooker demo'")
        return "x11"
    raise BackendUnavailable(f"observing {platform} is not supported yet; try 'onlooker demo'")


def missing(name: str) -> str | None:
    """The pip package a backend needs and cannot find, or None when all are there."""
    for module, package in REQUIRES.get(name, {}).items():
        try:
            if find_spec(module) is None:
                return package
        except (ImportError, ValueError):  # a broken or hidden install counts as missing
            return package
    return None


def load(name: str) -> ModuleType:
    """Import a backend module only when it is used (pynput and Xlib connect on import).
    Raises BackendUnavailable naming the package to install when one is missing."""
    package = missing(name)
    if package is None:
        try:
            return import_module(BACKENDS[name], __name__)
        except ModuleNotFoundError as exc:
            package = REQUIRES.get(name, {}).get((exc.name or "").split(".")[0])
            if package is None:
                raise
    raise BackendUnavailable(f"the {LABELS.get(name, name)} backend needs {package}: "
                             f"pip install {package}")
