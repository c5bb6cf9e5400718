"""Screen lock and unlock from D-Bus: X has no lock signal, lockers announce it there.

Listens (where the buses exist) to ``ActiveChanged`` of org.freedesktop.ScreenSaver and
org.gnome.ScreenSaver on the session bus, and to logind's ``Lock``/``Unlock`` for this session
on the system bus. Uses jeepney (pure Python), blocking, one thread per bus.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from ..model import Observation

log = logging.getLogger(__name__)
SCREENSAVER_INTERFACES = ("org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver")


def logind_session_path(session_id: str) -> str:
    """logind object path for a session id, escaped the way sd-bus does (``3`` -> ``_33``)."""
    out = []
    for i, ch in enumerate(session_id):
        if ch.isalnum() and ch.isascii() and not (i == 0 and ch.isdigit()):
            out.append(ch)
        else:
            out.append(f"_{ord(ch):02x}")
    return "/org/freedesktop/login1/session/" + "".join(out)


class LockWatcher:
    def __init__(self, sink: Callable[[Observation], None], env=None,
                 clock: Callable[[], float] = time.time):
        self.sink = sink
        self.env = os.environ if env is None else env
        self.clock = clock
        self._conns: list = []
        self.listening: list[str] = []
        self._stopping = False

    def start(self) -> "LockWatcher":
        from jeepney import DBusErrorResponse, MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        plans = []
        if self.env.get("DBUS_SESSION_BUS_ADDRESS"):
            plans.append(("SESSION", [MatchRule(type="signal", interface=i, member="ActiveChanged")
                                      for i in SCREENSAVER_INTERFACES]))
        if self.env.get("XDG_SESSION_ID") and os.path.exists("/run/dbus/system_bus_socket"):
            path = logind_session_path(self.env["XDG_SESSION_ID"])
            plans.append(("SYSTEM", [MatchRule(type="signal", interface="org.freedesktop.login1.Session",
                                               member=m, path=path) for m in ("Lock", "Unlock")]))
        for bus, rules in plans:
            try:
                # the session bus of this env (a backend's), not necessarily the process's own
                conn = open_dbus_connection(bus=self.env["DBUS_SESSION_BUS_ADDRESS"]
                                            if bus == "SESSION" else bus)
                for rule in rules:
                    conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
            except (OSError, ValueError, KeyError, TimeoutError, DBusErrorResponse) as exc:
                # no such bus, or it refused us: lock events from it just won't be seen
                log.info("no lock signals from the %s bus: %r", bus.lower(), exc)
                continue
            self._conns.append(conn)
            self.listening.append(bus.lower())
            threading.Thread(target=self._loop, args=(conn,), name=f"onlooker-dbus-{bus.lower()}",
                             daemon=True).start()
        return self

    def _loop(self, conn) -> None:
        from jeepney import HeaderFields

        try:
            while True:
                msg = conn.receive()
                member = msg.header.fields.get(HeaderFields.member)
                if member == "ActiveChanged" and msg.body:
                    self._emit("lock" if msg.body[0] else "unlock", "screensaver-dbus")
                elif member in ("Lock", "Unlock"):
                    self._emit(member.lower(), "logind")
        except (OSError, EOFError, ValueError) as exc:  # closed by stop(), or the bus went away
            if not self._stopping:
                log.warning("lock signals stopped: the D-Bus connection ended (%r)", exc)

    def _emit(self, kind: str, source: str) -> None:
        self.sink(Observation(ts=self.clock(), kind=kind, data={"source": source}))

    def stop(self) -> None:
        self._stopping = True
        for conn in self._conns:
            try:
                conn.close()
            except OSError as exc:
                log.debug("closing a D-Bus connection: %r", exc)
