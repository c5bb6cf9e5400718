"""The one place that chooses how to observe this desktop (the pynput pattern: lazy imports,
an environment override, a clear error naming what to do).

Every backend module exports ``Backend``, a subclass of ``_base.BaseBackend`` (the contract).
``ONLOOKER_BACKEND=fake`` selects the replaying fake (``_fake.py``) anywhere; on Wayland the
desktop picks ``wlroots``, ``gnome`` or ``kde``, and ``ONLOOKER_BACKEND=xwayland`` records the
X11 programs only (saying what it cannot see).
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from ..errors import BackendUnavailable

BACKENDS = {"x11": "._x11", "fake": "._fake",  # future: "win32", "darwin"
            "wlroots": "._wlroots", "gnome": "._gnome", "kde": "._kde", "xwayland": "._xwayland"}
LABELS = {"x11": "X11", "fake": "fake", "wlroots": "wlroots (Wayland)",
          "gnome": "GNOME (Wayland)", "kde": "KDE Plasma (Wayland)",
          "xwayland": "XWayland-only"}
# What each backend imports (module -> pip package), checked before anything starts, so a
# missing one is one line naming what to install rather than a traceback mid-recording.
# (pynput is not listed: the X11 backend imports it only where the server has no idle counters)
REQUIRES = {"x11": {"Xlib": "python-xlib", "jeepney": "jeepney"},
            "fake": {},
            # the Wayland ones: pip install 'onlooker[wayland]' brings them all
            "wlroots": {"pywayland": "pywayland", "jeepney": "jeepney"},
            "gnome": {"jeepney": "jeepney"},
            "kde": {"pywayland": "pywayland", "jeepney": "jeepney"},
            "xwayland": {"Xlib": "python-xlib", "jeepney": "jeepney"}}

WAYLAND = ("wlroots", "gnome", "kde", "xwayland")


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
            return wayland_desktop(env)
        if not env.get("DISPLAY"):
            raise BackendUnavailable("no display to observe (DISPLAY is not set); on a machine "
                                     "without a screen, try 'onlooker demo'")
        return "x11"
    raise BackendUnavailable(f"observing {platform} is not supported yet; try 'onlooker demo'")


def wayland_desktop(env) -> str:
    """The Wayland backend for this session's desktop: GNOME and KDE need their in-compositor
    helper, everything else is tried as a wlroots compositor (which says so if it is not)."""
    desktops = {d.strip().lower() for d in env.get("XDG_CURRENT_DESKTOP", "").split(":")}
    if env.get("SWAYSOCK") or env.get("HYPRLAND_INSTANCE_SIGNATURE"):
        return "wlroots"
    if "gnome" in desktops or env.get("GNOME_SETUP_DISPLAY"):
        return "gnome"
    if "kde" in desktops or env.get("KDE_FULL_SESSION"):
        return "kde"
    if not env.get("WAYLAND_DISPLAY"):
        raise BackendUnavailable("this is a Wayland session but WAYLAND_DISPLAY is not set; run "
                                 "'onlooker watch' from inside the session")
    return "wlroots"


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
    hint = f"pip install {package}"
    if name in WAYLAND:
        hint += " (or pip install 'onlooker[wayland]')"
    raise BackendUnavailable(f"the {LABELS.get(name, name)} backend needs {package}: {hint}")
