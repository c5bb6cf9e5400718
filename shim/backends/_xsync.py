"""X11 input activity from the X server's idle counters (the SYNC extension), never from events.

The server keeps "milliseconds since the last input" per device (``DEVICEIDLETIME 2``: the core
pointer, ``DEVICEIDLETIME 3``: the core keyboard; ``IDLETIME`` for all) and sends an alarm when
such a counter crosses a value. Two alarms per counter at 1000 ms — rising past it ("idle for a
second") and falling below it ("active again") — are all this source receives: no key press or
pointer motion ever reaches the process, and an input storm costs it nothing. GNOME's idle
monitor works the same way. ``InputCounter.active`` / ``idle`` turn the two moments into the
exact seconds that had input (a whole second without input would have fired "idle").

python-xlib has no SYNC module and xcffib's fails to list the counters, so this binds libX11 and
libXext with ctypes, on its own connection used only by its own thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import select
import socket
import threading
import time
from collections.abc import Callable

from ..counter import InputCounter
from ..errors import BackendUnavailable
from ._base import InputSource

log = logging.getLogger(__name__)

IDLE_MS = 1000  # a second without input ends a period: what makes "seconds with input" exact
# counter name -> the counter's kind of input (master devices of XInput 2: 2 pointer, 3 keyboard)
DEVICE_COUNTERS = {"DEVICEIDLETIME 3": "keyboard", "DEVICEIDLETIME 2": "pointer"}

# SYNC protocol constants (sync.h / syncconst.h)
_ABSOLUTE = 0
_POSITIVE_TRANSITION, _NEGATIVE_TRANSITION = 0, 1
_CA_ALL = 0x3F  # Counter | ValueType | Value | TestType | Delta | Events
_ALARM_NOTIFY = 1  # event base + 1


class _Value(ctypes.Structure):
    _fields_ = [("hi", ctypes.c_int), ("lo", ctypes.c_uint)]

    @property
    def ms(self) -> int:
        return (self.hi << 32) | self.lo


class _SystemCounter(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("counter", ctypes.c_ulong), ("resolution", _Value)]


class _Trigger(ctypes.Structure):
    _fields_ = [("counter", ctypes.c_ulong), ("value_type", ctypes.c_int),
                ("wait_value", _Value), ("test_type", ctypes.c_int)]


class _AlarmAttributes(ctypes.Structure):
    _fields_ = [("trigger", _Trigger), ("delta", _Value), ("events", ctypes.c_int),
                ("state", ctypes.c_int)]


class _AlarmNotify(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("alarm", ctypes.c_ulong),
                ("counter_value", _Value), ("alarm_value", _Value), ("time", ctypes.c_ulong),
                ("state", ctypes.c_int)]


class _XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("alarm", _AlarmNotify), ("pad", ctypes.c_long * 24)]


_IO_EXIT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_ERROR = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


def _libs():
    """libX11 and libXext with the prototypes used here; BackendUnavailable if absent."""
    names = [ctypes.util.find_library(n) or f"lib{n}.so.6" for n in ("X11", "Xext")]
    try:
        x11, xext = (ctypes.CDLL(n) for n in names)
    except OSError as exc:
        raise BackendUnavailable(f"the X idle counters need libX11 and libXext ({exc}); "
                                 "install libxext6") from None
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    for name in ("XCloseDisplay", "XConnectionNumber", "XPending", "XFlush"):
        getattr(x11, name).argtypes = [ctypes.c_void_p]
    x11.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_XEvent)]
    x11.XSetErrorHandler.argtypes = [_ERROR]
    x11.XSetErrorHandler.restype = ctypes.c_void_p
    if hasattr(x11, "XSetIOErrorExitHandler"):  # libX11 >= 1.7
        x11.XSetIOErrorExitHandler.argtypes = [ctypes.c_void_p, _IO_EXIT, ctypes.c_void_p]
    xext.XSyncQueryExtension.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                                         ctypes.POINTER(ctypes.c_int)]
    xext.XSyncInitialize.argtypes = xext.XSyncQueryExtension.argtypes
    xext.XSyncListSystemCounters.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    xext.XSyncListSystemCounters.restype = ctypes.POINTER(_SystemCounter)
    xext.XSyncFreeSystemCounterList.argtypes = [ctypes.POINTER(_SystemCounter)]
    xext.XSyncQueryCounter.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_Value)]
    xext.XSyncCreateAlarm.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                      ctypes.POINTER(_AlarmAttributes)]
    xext.XSyncCreateAlarm.restype = ctypes.c_ulong
    xext.XSyncDestroyAlarm.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    return x11, xext


@_ERROR
def _log_x_error(_display, _event):
    # Xlib's default handler exits the process; a failed alarm request is not worth that.
    log.warning("the X server refused an idle-counter request")
    return 0


class IdleCounterSource(InputSource):
    """Activity periods from the X server's idle counters, through ``counter.active``/``idle``."""

    name = "xsync"
    sees_input_events = False
    resolution_s = 1.0
    description = ("the X server's idle counters (SYNC alarms): activity per second, no input "
                   "event reaches Onlooker")

    def __init__(self, counter: InputCounter, display: str | None,
                 clock: Callable[[], float] = time.time):
        self.counter = counter
        self.display_name = display
        self.clock = clock
        self.kinds: dict[int, str] = {}      # counter id -> kind of input
        self._alarms: dict[int, tuple[str, bool]] = {}  # alarm id -> (kind, True: went idle)
        self._dpy = None
        self._lost = False
        self._stop_r, self._stop_w = os.pipe()
        self._thread: threading.Thread | None = None
        self._io_exit = _IO_EXIT(self._on_io_error)  # kept: ctypes must not free the callback

    # --- setting up ------------------------------------------------------------------------

    def start(self) -> "IdleCounterSource":
        """Open a connection, find the counters, arm the alarms and report the state now;
        BackendUnavailable (nothing left open) when the server has no idle counters."""
        self._x11, self._xext = _libs()
        self._dpy = self._x11.XOpenDisplay((self.display_name or "").encode() or None)
        if not self._dpy:
            raise BackendUnavailable(f"cannot open the X display {self.display_name} for its idle "
                                     "counters; is the X server running?")
        try:
            self._arm()
        except BaseException:
            self._x11.XCloseDisplay(self._dpy)
            self._dpy = None
            raise
        self._thread = threading.Thread(target=self._run, name="onlooker-xsync", daemon=True)
        self._thread.start()
        return self

    def _arm(self) -> None:
        x11, xext = self._x11, self._xext
        if hasattr(x11, "XSetIOErrorExitHandler"):
            x11.XSetIOErrorExitHandler(self._dpy, self._io_exit, None)
        x11.XSetErrorHandler(_log_x_error)
        base, err = ctypes.c_int(), ctypes.c_int()
        major, minor = ctypes.c_int(), ctypes.c_int()
        if not (xext.XSyncQueryExtension(self._dpy, ctypes.byref(base), ctypes.byref(err))
                and xext.XSyncInitialize(self._dpy, ctypes.byref(major), ctypes.byref(minor))):
            raise BackendUnavailable("this X server has no SYNC extension (idle counters)")
        self._event_base = base.value
        found = self._counters()
        # per-device counters tell keyboard from pointer; without them, input of either kind
        self.kinds = {c: k for name, c in found.items() if (k := DEVICE_COUNTERS.get(name))}
        if len(self.kinds) < len(DEVICE_COUNTERS):
            if "IDLETIME" not in found:
                raise BackendUnavailable("this X server has no IDLETIME counter")
            self.kinds = {found["IDLETIME"]: "any"}
        now = self.clock()
        for counter_id, kind in self.kinds.items():
            for went_idle in (True, False):
                attrs = _AlarmAttributes(
                    _Trigger(counter_id, _ABSOLUTE, _Value(0, IDLE_MS),
                             _POSITIVE_TRANSITION if went_idle else _NEGATIVE_TRANSITION),
                    _Value(0, 0), 1, 0)
                alarm = xext.XSyncCreateAlarm(self._dpy, _CA_ALL, ctypes.byref(attrs))
                self._alarms[alarm] = (kind, went_idle)
            idle_ms = self._query(counter_id)
            if idle_ms is not None and idle_ms < IDLE_MS:  # in the middle of a period now
                self.counter.active(kind, now - idle_ms / 1000)
        x11.XFlush(self._dpy)

    def _counters(self) -> dict[str, int]:
        n = ctypes.c_int()
        listed = self._xext.XSyncListSystemCounters(self._dpy, ctypes.byref(n))
        try:
            return {listed[i].name.decode("ascii", "replace"): listed[i].counter
                    for i in range(n.value)}
        finally:
            if listed:
                self._xext.XSyncFreeSystemCounterList(listed)

    def _query(self, counter_id: int) -> int | None:
        value = _Value()
        if not self._xext.XSyncQueryCounter(self._dpy, counter_id, ctypes.byref(value)):
            return None
        return value.ms

    # --- the loop ----------------------------------------------------------------------------

    def _run(self) -> None:
        fd = self._x11.XConnectionNumber(self._dpy)
        peer = socket.socket(fileno=os.dup(fd))
        event = _XEvent()
        try:
            while not self._lost:
                while self._x11.XPending(self._dpy) and not self._lost:
                    self._x11.XNextEvent(self._dpy, ctypes.byref(event))
                    if event.type == self._event_base + _ALARM_NOTIFY:
                        self._on_alarm(event.alarm)
                ready, _, _ = select.select([fd, self._stop_r], [], [])
                if self._stop_r in ready:
                    return
                if self._closed(peer):  # the server went away: spare Xlib the news (its default
                    self._lost = True   # is to end the process); the X11 observer reports it
        finally:
            peer.close()
            self._close()

    @staticmethod
    def _closed(peer: socket.socket) -> bool:
        try:
            return peer.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def _on_alarm(self, alarm: _AlarmNotify) -> None:
        what = self._alarms.get(alarm.alarm)
        if what is None:
            return
        kind, went_idle = what
        at = self.clock() - alarm.counter_value.ms / 1000  # the last input / the new input
        if went_idle:
            self.counter.idle(kind, at)
        else:
            self.counter.active(kind, at)

    def _on_io_error(self, _display, _data) -> None:
        # Called by Xlib instead of exit(): the connection is unusable; stop quietly.
        self._lost = True
        log.warning("the X connection of the idle counters was lost")

    def _close(self) -> None:
        """End the open periods at their last input, free the alarms, close the connection."""
        if self._dpy is None:
            return
        if not self._lost:
            now = self.clock()
            for counter_id, kind in self.kinds.items():
                idle_ms = self._query(counter_id)
                if idle_ms is not None:
                    self.counter.idle(kind, now - idle_ms / 1000)
            for alarm in self._alarms:
                self._xext.XSyncDestroyAlarm(self._dpy, alarm)
            self._x11.XCloseDisplay(self._dpy)
        self._dpy = None

    def stop(self) -> None:
        if self._thread is None:
            return
        os.write(self._stop_w, b"x")
        self._thread.join(5)
        if not self._thread.is_alive():
            os.close(self._stop_r)
            os.close(self._stop_w)
        self._thread = None


if __name__ == "__main__":  # a probe: print the periods this source reports
    class _Print(InputCounter):
        def active(self, kind, since):
            print(f"{since:.3f} {kind} active", flush=True)

        def idle(self, kind, last):
            print(f"{last:.3f} {kind} idle (last input)", flush=True)

    src = IdleCounterSource(_Print(), os.environ.get("DISPLAY")).start()
    print("counters:", src.kinds, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        src.stop()
