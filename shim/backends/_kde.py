"""KDE Plasma on Wayland: window focus and minimize from Onlooker's KWin script
(``helpers/kwin/``, installed by ``onlooker desktop install-helper``), input activity from
KWin's idle protocol for Wayland clients, lock and unlock from D-Bus as on X11.

KWin offers the window list to its own scripts only. At start Onlooker (re)loads the installed
script through KWin's scripting D-Bus API (so it reports the current state at once, and no
re-login is needed); the script calls Onlooker's bus name on every change (see
``_helperbus.py``). At stop the script is unloaded again.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..errors import BackendUnavailable
from ._base import missing_package
from ._dbus import LockWatcher
from ._helperbus import HelperReceiver, call, close_router, open_router, owner
from ._windows import WindowsBackend

log = logging.getLogger(__name__)

PACKAGES = {"jeepney": "jeepney", "pywayland": "pywayland"}
KWIN = "org.kde.KWin"
SCRIPT_NAME = "onlooker-helper"
MISSING = ("the KDE helper (a KWin script) is not installed: run 'onlooker desktop "
           "install-helper' (no re-login needed)")


def installed_script(env) -> Path:
    """Where ``install-helper`` puts the KWin script (the user's KWin scripts folder)."""
    data = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data) / "kwin" / "scripts" / SCRIPT_NAME / "contents" / "code" / "main.js"


class Backend(WindowsBackend):
    name = "kde"
    capabilities = frozenset({"focus", "minimize", "lock", "input", "meeting"})
    input_resolution_s = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.router = None
        self.wayland = None
        self._loaded = False

    def _scripting(self, member: str, signature: str | None = None, body: tuple = ()):
        return call(self.router, KWIN, "/Scripting", "org.kde.kwin.Scripting", member,
                    signature, body)

    def start(self) -> "Backend":
        try:
            from jeepney import DBusErrorResponse
        except ModuleNotFoundError as exc:
            raise missing_package("KDE", exc, PACKAGES) from None
        script = installed_script(self.env)
        if not script.is_file():
            raise BackendUnavailable(MISSING)
        self.router = open_router(self.env)
        with self._starting("KDE", PACKAGES):
            if owner(self.router, KWIN) is None:
                raise BackendUnavailable("KWin is not on this session bus; is this a KDE Plasma "
                                         "session? (ONLOOKER_BACKEND chooses another backend)")
            receiver = HelperReceiver(self.router, self.windows, clock=self.clock,
                                      senders=lambda: {owner(self.router, KWIN)} - {None})
            self._parts.append(receiver.start())
            try:
                self._scripting("unloadScript", "s", (SCRIPT_NAME,))  # a stale copy from before
                self._scripting("loadScript", "ss", (str(script), SCRIPT_NAME))
                self._loaded = True
                self._scripting("start")
            except DBusErrorResponse as exc:
                raise BackendUnavailable(f"KWin refused to load Onlooker's script ({exc}); "
                                         "run 'onlooker desktop install-helper' again") from None
            if not receiver.hello.wait(5):
                raise BackendUnavailable("the KWin script was loaded but sent nothing within 5 s; "
                                         "see ~/.local/share/sddm/wayland-session.log or journalctl "
                                         "--user for KWin's script errors")
            self._start_idle()
            self._parts.append(LockWatcher(self.sink, env=self.env).start())
        self.ready.set()
        return self

    def _start_idle(self) -> None:
        from ._wayland import WaylandClient

        self.wayland = WaylandClient(self.env.get("WAYLAND_DISPLAY"), counter=self.counter,
                                     clock=self.clock, env=self.env)
        self.wayland.connect()
        self.input_source = self.wayland.input_source
        if self.input_source is None:
            self.blind_spots.append("input (KWin offers no idle protocol here)")
        self.wayland.start(on_exit=lambda: self._ended(self.wayland.error))

    def stop(self) -> None:
        self._stop_parts(self._parts)
        if self.wayland is not None:
            self.wayland.stop()
        if self.input_source is not None:
            self.input_source.stop()
        if self.router is not None:
            if self._loaded:
                try:
                    self._scripting("unloadScript", "s", (SCRIPT_NAME,))
                except Exception:  # noqa: BLE001 (KWin may have gone with the session)
                    log.debug("unloading the KWin script failed", exc_info=True)
            close_router(self.router)
            self.router = None
        self._ended(None)
