"""The one place that chooses how to observe this desktop (the pynput pattern: lazy imports,
an environment override, a clear error naming what to do)."""

from __future__ import annotations

import os
import sys
from importlib import import_module
from types import ModuleType

from ..errors import BackendUnavailable

BACKENDS = {"x11": "._x11"}  # future: "win32", "darwin", "wlroots"


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


def load(name: str) -> ModuleType:
    """Import a backend module only when it is used (pynput and Xlib connect on import)."""
    return import_module(BACKENDS[name], __name__)
