"""GNOME Shell on Wayland: window focus and minimize from Onlooker's small Shell extension
(``helpers/gnome/``, installed by ``onlooker desktop install-helper``), input activity from
GNOME's own idle monitor, lock and unlock from D-Bus as on X11.

GNOME gives normal programs no way to see other windows on Wayland (``org.gnome.Shell.Introspect``
is refused to them and ``Shell.Eval`` is locked), so the extension runs inside gnome-shell and
sends each change to Onlooker only (see ``_helperbus.py``). At start Onlooker asks it to send
the current state again (``Resend``); when it does not answer, the helper is missing.
"""

from __future__ import annotations

import logging

from ..errors import BackendUnavailable
from ._activity import IdleTransitions
from ._base import missing_package
from ._dbus import LockWatcher
from ._helperbus import (HELPER_PATH, INTERFACE, HelperReceiver, MutterIdle, call, close_router,
                         open_router, owner)
from ._windows import WindowsBackend

log = logging.getLogger(__name__)

PACKAGES = {"jeepney": "jeepney"}
SHELL = "org.gnome.Shell"
MISSING = ("the GNOME helper extension is not running: run 'onlooker desktop install-helper', "
           "then log out and back in (GNOME on Wayland loads extensions at login)")


class Backend(WindowsBackend):
    name = "gnome"
    capabilities = frozenset({"focus", "minimize", "lock", "input", "meeting"})
    input_resolution_s = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.router = None

    def start(self) -> "Backend":
        try:
            from jeepney import DBusErrorResponse
        except ModuleNotFoundError as exc:
            raise missing_package("GNOME", exc, PACKAGES) from None
        self.router = open_router(self.env)
        with self._starting("GNOME", PACKAGES):
            shell = owner(self.router, SHELL)
            if shell is None:
                raise BackendUnavailable("gnome-shell is not on this session bus; is this a GNOME "
                                         "session? (ONLOOKER_BACKEND chooses another backend)")
            receiver = HelperReceiver(self.router, self.windows, clock=self.clock,
                                      senders=lambda: {owner(self.router, SHELL)} - {None})
            self._parts.append(receiver.start())
            try:
                call(self.router, SHELL, HELPER_PATH, INTERFACE, "Resend")
            except (DBusErrorResponse, TimeoutError):
                raise BackendUnavailable(MISSING) from None
            self._start_idle()
            self._parts.append(LockWatcher(self.sink, env=self.env).start())
        log.info("gnome backend: helper answered; input from %s",
                 self.input_source.name if self.input_source else "nothing")
        self.ready.set()
        return self

    def _start_idle(self) -> None:
        if owner(self.router, MutterIdle.SERVICE) is None:
            self.blind_spots.append("input (GNOME's idle monitor is not on the session bus)")
            return
        source = IdleTransitions(
            self.counter, name="mutter-idle-monitor", timeout_s=1.0, clock=self.clock,
            description="GNOME's idle monitor (idle 1 s after the last input): activity per "
                        "second, no input event reaches Onlooker")
        self._parts.append(MutterIdle(self.router, source, clock=self.clock).start())
        self.input_source = source

    def stop(self) -> None:
        self._stop_parts(self._parts)
        if self.input_source is not None:
            self.input_source.stop()
        if self.router is not None:
            close_router(self.router)
            self.router = None
        self._ended(None)
