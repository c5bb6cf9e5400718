"""Onlooker's end of the desktop helpers (the GNOME Shell extension, the KWin script): window
news arriving on the session bus, and GNOME's idle monitor.

While recording, Onlooker owns ``org.onlooker.Recorder`` on the session bus. The helpers send
``org.onlooker.Helper1.Window(event, id, app, title)`` to that name only (GNOME: a signal with
that destination; KWin: a method call), never to the whole bus, so no other program learns the
window titles. ``event`` is one of "seen" (new, or its app or title changed), "focus",
"none" (nothing in front), "minimize", "restore", "gone"; ``Hello(helper, version)`` says a
helper started. Messages from anyone but the expected sender (gnome-shell's or KWin's bus name)
are ignored, so another program on the bus cannot forge focus changes.

Event-driven: jeepney's router thread blocks on the socket, ours on a queue.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from ..errors import BackendUnavailable
from ._windows import WindowReporter

log = logging.getLogger(__name__)

BUS_NAME = "org.onlooker.Recorder"
OBJECT_PATH = "/org/onlooker/Recorder"
INTERFACE = "org.onlooker.Helper1"
HELPER_PATH = "/org/onlooker/Helper"   # where the GNOME extension exports Resend()
EVENTS = ("seen", "focus", "none", "minimize", "restore", "gone")
# KWin 5.27 reports "no window active" a moment (1-3 ms here) before each new activation; a
# "none" followed by a focus within this long is that hand-over, not a time without a window
HANDOVER_S = 0.1
_STOP = object()


def _event(msg) -> str | None:
    """The event of a helper's Window message ("focus", "none", ...), else None."""
    from jeepney import HeaderFields

    if msg.header.fields.get(HeaderFields.member) == "Window" and msg.body:
        return str(msg.body[0])
    return None


def open_router(env):
    """A threaded jeepney connection to the session bus, or BackendUnavailable."""
    from jeepney.io.threading import DBusRouter, open_dbus_connection

    if not env.get("DBUS_SESSION_BUS_ADDRESS"):
        raise BackendUnavailable("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set); "
                                 "run 'onlooker watch' from inside the desktop session")
    try:
        # this env's bus (not necessarily the process's own)
        return DBusRouter(open_dbus_connection(bus=env["DBUS_SESSION_BUS_ADDRESS"]))
    except (OSError, ValueError, KeyError) as exc:
        raise BackendUnavailable(f"cannot connect to the D-Bus session bus ({exc})") from None


def close_router(router) -> None:
    """Close ``open_router``'s connection; never raises (the bus may have gone with the session)."""
    try:
        router.close()
        router.conn.close()
    except Exception:  # noqa: BLE001
        log.debug("closing the session bus failed", exc_info=True)


def call(router, destination: str, path: str, interface: str, member: str,
         signature: str | None = None, body: tuple = (), timeout: float = 5):
    """A method call's reply body; DBusErrorResponse on a D-Bus error."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.wrappers import unwrap_msg

    msg = new_method_call(DBusAddress(path, bus_name=destination, interface=interface), member,
                          signature, body)
    return unwrap_msg(router.send_and_get_reply(msg, timeout=timeout))


def owner(router, name: str) -> str | None:
    """The unique bus name owning ``name``, or None."""
    from jeepney import DBusErrorResponse

    try:
        return call(router, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus", "GetNameOwner", "s", (name,))[0]
    except DBusErrorResponse:
        return None


class HelperReceiver:
    """Owns BUS_NAME and turns the helper's Window messages into ``WindowReporter`` calls."""

    def __init__(self, router, windows: WindowReporter, *, senders: Callable[[], set[str]],
                 clock: Callable[[], float] = time.time):
        self.router = router
        self.windows = windows
        self.senders = senders  # the unique names allowed to send (looked up when needed)
        self.clock = clock
        self.hello = threading.Event()  # a helper said Hello or sent its first message
        self.received = 0
        self._queue: queue.Queue = queue.Queue()
        self._filter = None
        self._thread: threading.Thread | None = None
        self._allowed: set[str] = set()

    def start(self) -> "HelperReceiver":
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus

        reply = self.router.send_and_get_reply(message_bus.RequestName(BUS_NAME, 4), timeout=5)
        if reply.body and reply.body[0] not in (1, 4):  # 1 primary owner, 4 already ours
            raise BackendUnavailable(f"another program holds {BUS_NAME} on the session bus "
                                     "(is another 'onlooker watch' running?); stop it first")
        self._filter = self.router.filter(MatchRule(interface=INTERFACE), queue=self._queue)
        # GNOME's unicast signals need no match rule; one is added so that a bus that routes
        # them like broadcasts (older dbus-daemon) delivers them too
        self.router.send_and_get_reply(message_bus.AddMatch(
            MatchRule(type="signal", interface=INTERFACE)), timeout=5)
        self._allowed = set(self.senders())
        self._thread = threading.Thread(target=self._loop, name="onlooker-helper-bus",
                                        daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        held = None  # (msg, ts): a "none" that a focus may follow at once (see HANDOVER_S)
        while True:
            try:
                msg = self._queue.get(timeout=None if held is None else HANDOVER_S)
            except queue.Empty:  # nothing followed: the desktop really has no window in front
                self._safely(*held)
                held = None
                continue
            if msg is _STOP:
                return
            ts = self.clock()
            if held is not None:
                self._safely(*held, apply=_event(msg) != "focus")
                held = None
            if _event(msg) == "none":
                held = (msg, ts)
            else:
                self._safely(msg, ts)

    def _safely(self, msg, ts: float, apply: bool = True) -> None:
        try:
            self.handle(msg, ts, apply=apply)
        except Exception:  # noqa: BLE001 (one bad message never stops the recording)
            log.warning("could not handle a helper message", exc_info=True)

    def handle(self, msg, ts: float | None = None, apply: bool = True) -> None:
        """Act on one message received at ``ts``; with ``apply`` False only answer it."""
        from jeepney import HeaderFields, MessageType, new_error, new_method_return

        fields = msg.header.fields
        sender = fields.get(HeaderFields.sender)
        member = fields.get(HeaderFields.member)
        is_call = msg.header.message_type == MessageType.method_call
        if sender not in self._allowed:
            self._allowed = set(self.senders())  # the helper may have restarted
        if sender not in self._allowed:
            log.warning("ignored %s from %s: not the desktop's helper", member, sender)
            if is_call:
                self.router.send(new_error(msg, "org.freedesktop.DBus.Error.AccessDenied"))
            return
        if is_call:
            self.router.send(new_method_return(msg))
        ts = self.clock() if ts is None else ts
        self.hello.set()
        if not apply:
            return
        if member == "Hello":
            log.info("desktop helper says hello: %s", msg.body)
            return
        if member != "Window" or len(msg.body) < 4:
            return
        event, wid, app, title = (str(x) for x in msg.body[:4])
        self.received += 1
        wid = f"helper:{wid}"
        if event == "seen":
            self.windows.seen(wid, app, title, ts)
        elif event == "focus":
            self.windows.focus(wid, ts, app=app or None, title=title)
        elif event == "none":
            self.windows.nothing(ts)
        elif event in ("minimize", "restore"):
            if wid not in self.windows.windows:
                self.windows.seen(wid, app, title, ts)
            self.windows.minimized(wid, event == "minimize", ts)
        elif event == "gone":
            self.windows.gone(wid, ts)
        else:
            log.warning("unknown helper event %r", event)

    def stop(self) -> None:
        self._queue.put(_STOP)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        if self._filter is not None:
            self._filter.close()


class MutterIdle:
    """GNOME's idle monitor (``org.gnome.Mutter.IdleMonitor``): a watch that fires after 1 s
    without input and a one-shot "user active" watch, re-armed after each idle; the server
    keeps the idle time, no input event reaches us (the X server's idle counters, on Wayland)."""

    SERVICE = "org.gnome.Mutter.IdleMonitor"
    PATH = "/org/gnome/Mutter/IdleMonitor/Core"

    def __init__(self, router, source, *, idle_ms: int = 1000,
                 clock: Callable[[], float] = time.time):
        self.router, self.source, self.idle_ms, self.clock = router, source, idle_ms, clock
        self._queue: queue.Queue = queue.Queue()
        self._filter = None
        self._idle_id = self._active_id = None
        self._thread: threading.Thread | None = None

    def _call(self, member: str, signature: str | None = None, body: tuple = ()):
        return call(self.router, self.SERVICE, self.PATH, self.SERVICE, member, signature, body)

    def start(self) -> "MutterIdle":
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus

        rule = MatchRule(type="signal", interface=self.SERVICE, member="WatchFired",
                         path=self.PATH)
        self._filter = self.router.filter(rule, queue=self._queue)
        self.router.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
        idle_now = self._call("GetIdletime")[0]
        self._idle_id = self._call("AddIdleWatch", "t", (self.idle_ms,))[0]
        now = self.clock()
        if idle_now < self.idle_ms:
            self.source.resumed(now - idle_now / 1000)
        self._active_id = self._call("AddUserActiveWatch")[0]
        self._thread = threading.Thread(target=self._loop, name="onlooker-mutter-idle",
                                        daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while True:
            msg = self._queue.get()
            if msg is _STOP:
                return
            watch = msg.body[0] if msg.body else None
            now = self.clock()
            try:
                if watch == self._idle_id:
                    self.source.idled(now)
                elif watch == self._active_id:
                    self.source.resumed(now)
                    self._active_id = self._call("AddUserActiveWatch")[0]  # one-shot: re-arm
            except Exception:  # noqa: BLE001 (the monitor went away: input just stops)
                log.warning("GNOME's idle monitor stopped answering", exc_info=True)

    def stop(self) -> None:
        self._queue.put(_STOP)
        for watch in (self._idle_id, self._active_id):
            if watch is not None:
                try:
                    self._call("RemoveWatch", "u", (watch,))
                except Exception:  # noqa: BLE001 (gone with the session)
                    log.debug("removing an idle watch failed", exc_info=True)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        if self._filter is not None:
            self._filter.close()
