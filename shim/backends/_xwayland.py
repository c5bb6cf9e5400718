"""The last resort on a Wayland desktop with no usable Wayland backend: observe XWayland, the
X server Wayland desktops run for older programs, with the X11 window code.

What it cannot see, and says so at start: any native Wayland window (most programs on a
modern desktop: their focus looks like "nothing in front"), and input (XWayland's idle
counters and pynput see only input that goes to X11 windows, so no input is recorded rather
than a misleading part of it). Lock and unlock still come from D-Bus. Chosen only by
``ONLOOKER_BACKEND=xwayland``.
"""

from __future__ import annotations

import logging

from ..errors import BackendUnavailable
from ._base import BaseBackend, missing_package
from ._dbus import LockWatcher

log = logging.getLogger(__name__)

PACKAGES = {"Xlib": "python-xlib", "jeepney": "jeepney"}
BLIND_SPOTS = ["native Wayland windows (only X11 programs' focus and minimize are recorded)",
               "input (XWayland sees only input sent to X11 programs, so none is recorded)"]


class Backend(BaseBackend):
    name = "xwayland"
    capabilities = frozenset({"focus", "minimize", "lock"})
    input_resolution_s = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.desktop = None
        self._parts: list = []
        self.blind_spots = list(BLIND_SPOTS)

    def start(self) -> "Backend":
        if not self.env.get("DISPLAY"):
            raise BackendUnavailable("XWayland is not running here (DISPLAY is not set); install "
                                     "the helper for your desktop instead: onlooker desktop "
                                     "install-helper")
        try:
            from ._x11 import Desktop
        except ModuleNotFoundError as exc:
            raise missing_package("XWayland-only", exc, PACKAGES) from None
        self.desktop = Desktop(self.sink, display=self.env.get("DISPLAY"),
                               classifier=self.classifier, keep_titles=self.keep_titles,
                               title_deny=self.title_deny,
                               on_exit=lambda: self._ended(self.desktop.error))
        self.desktop.start()
        self.desktop.ready.wait(10)
        if self.desktop.error is not None:
            return self
        try:
            self._parts.append(LockWatcher(self.sink, env=self.env).start())
        except BaseException:
            self.stop()
            raise
        log.warning("XWayland-only backend: not seen: %s", "; ".join(self.blind_spots))
        self.ready.set()
        return self

    def stop(self) -> None:
        self._stop_parts(self._parts)
        if self.desktop is not None:
            self.desktop.stop()

    def snapshot(self) -> None:
        if self.desktop is not None:
            self.desktop.snapshot()
