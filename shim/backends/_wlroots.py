"""wlroots compositors (sway, Hyprland, labwc, river, Wayfire...): focus, app id, title and
minimize from ``wlr-foreign-toplevel-management-unstable-v1``; hidden windows (scratchpad,
another workspace) from sway's IPC when it is there; seconds with input from the compositor's
idle protocol (idle 1 s after the last input; no counts, no input events reach us); lock and
unlock from D-Bus as on X11.

Run ``python -m onlooker.shim.backends._wlroots`` to print what it sees.
"""

from __future__ import annotations

import logging
import os

from ._base import missing_package
from ._dbus import LockWatcher
from ._wayland import IDLE_TIMEOUT_MS, WaylandClient
from ._windows import WindowsBackend

log = logging.getLogger(__name__)

PACKAGES = {"pywayland": "pywayland", "jeepney": "jeepney", "i3ipc": "i3ipc"}


class Backend(WindowsBackend):
    name = "wlroots"
    capabilities = frozenset({"focus", "minimize", "lock", "input", "meeting"})
    input_resolution_s = IDLE_TIMEOUT_MS / 1000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client: WaylandClient | None = None

    def start(self) -> "Backend":
        try:
            self.client = WaylandClient(self.env.get("WAYLAND_DISPLAY"), on_window=self._window,
                                        counter=self.counter, clock=self.clock, env=self.env)
            self.client.connect()
        except ModuleNotFoundError as exc:
            raise missing_package("wlroots", exc, PACKAGES) from None
        self.input_source = self.client.input_source
        if self.input_source is None:
            self.blind_spots.append("input (the compositor offers no idle protocol)")
        self.client.start(on_exit=lambda: self._ended(self.client.error))
        with self._starting("wlroots", PACKAGES):
            sway = self.env.get("SWAYSOCK")
            if sway and os.path.exists(sway):
                from ._sway import SwayVisibility

                self._parts.append(SwayVisibility(self.sink, sway, classifier=self.classifier,
                                                  clock=self.clock).start())
            self._parts.append(LockWatcher(self.sink, env=self.env).start())
        log.info("wlroots backend on %s; input from %s; sway IPC %s",
                 self.env.get("WAYLAND_DISPLAY"), self.client.idle_protocol or "nothing",
                 "on" if len(self._parts) > 1 else "off")
        self.ready.set()
        return self

    def _window(self, kind: str, t, ts: float) -> None:
        if kind == "none":
            self.windows.nothing(ts)
        elif kind == "seen":
            self.windows.seen(t.id, t.app, t.title, ts)
        elif kind == "focus":
            self.windows.focus(t.id, ts)
        elif kind in ("minimize", "restore"):
            self.windows.minimized(t.id, kind == "minimize", ts)
        elif kind == "gone":
            self.windows.gone(t.id, ts)

    def stop(self) -> None:
        self._stop_parts(self._parts)
        if self.client is not None:
            self.client.stop()
        if self.input_source is not None:
            self.input_source.stop()
        self._ended(None)


if __name__ == "__main__":  # a probe: print what this backend sees
    import threading

    from ..counter import InputCounter

    class _Printing(InputCounter):
        def active(self, kind, since):
            print("input from", since, flush=True)

        def idle(self, kind, last):
            print("input until", last, flush=True)

    finished = threading.Event()
    Backend(lambda o: print(o, flush=True), _Printing(), on_exit=finished.set).start()
    finished.wait()
