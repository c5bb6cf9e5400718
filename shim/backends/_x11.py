"""X11: focus, minimize and screen-saver events from python-xlib; input activity from the X
server's idle counters (``_xsync.py``: no input event reaches the process), or from pynput where
the server has none (or ``ONLOOKER_INPUT=pynput`` asks for it).

Event-driven: the loop blocks in select() on the X connection and wakes only when the X server
sends something. The only timeout is the short debounce of openbox's transient "no active
window" between two switches.

Meetings are decided by ``shim/sessions.py`` from the window facts this module reports;
lock and unlock come from D-Bus (``_dbus.py``), as X itself has no signal for them.

Run ``python -m onlooker.shim.backends._x11`` to print what it sees.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from Xlib import X, Xatom, display as xdisplay, error as xerror
from Xlib.ext import screensaver

from ..classify import Classifier
from ..errors import BackendUnavailable, ObserverCrashed
from ..model import Observation
from ..redact import redact_title
from ..sessions import GONE, SEEN, MeetingSessions, WindowFact
from ._base import BaseBackend, InputSource, missing_package
from ._dbus import LockWatcher
from ._xsync import IdleCounterSource

log = logging.getLogger(__name__)

# import name -> the package to install (for the one-line error when one is missing)
PACKAGES = {"Xlib": "python-xlib", "pynput": "pynput", "jeepney": "jeepney"}

ZERO_DEBOUNCE_S = 0.3  # openbox sets _NET_ACTIVE_WINDOW to 0 for a moment between switches


@dataclass
class _Window:
    wid: int
    app: str
    title: str
    category: str
    hidden: bool


class Desktop:
    """Watches the X display and reports Observations to ``sink`` from its own thread."""

    def __init__(self, sink: Callable[[Observation], None], *, display: str | None = None,
                 classifier: Classifier | None = None, keep_titles: bool = False,
                 title_deny=None, on_exit: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.time):
        self.sink = sink
        self.classifier = classifier or Classifier()
        self.keep_titles = keep_titles
        self.title_deny = title_deny
        self.on_exit = on_exit or (lambda: None)
        self.clock = clock
        try:
            self.d = xdisplay.Display(display)
        except (xerror.DisplayError, xerror.ConnectionClosedError, OSError) as exc:
            raise BackendUnavailable(f"cannot open the X display {display or os.environ.get('DISPLAY')}"
                                     f" ({exc}); is the X server running?") from None
        self.root = self.d.screen().root
        self.atom = {name: self.d.intern_atom(name) for name in (
            "_NET_ACTIVE_WINDOW", "_NET_CLIENT_LIST", "_NET_WM_STATE", "_NET_WM_STATE_HIDDEN",
            "_NET_WM_PID", "_NET_WM_NAME", "UTF8_STRING", "WM_NAME")}
        self.windows: dict[int, _Window] = {}
        self.active = 0
        self._zero_since: float | None = None
        self.sessions = MeetingSessions()
        self._ss_event = None
        self._stop_r, self._stop_w = os.pipe()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.ready = threading.Event()  # set once the starting state has been reported

    # --- reading windows -----------------------------------------------------------------

    def _prop(self, wid: int, name: str, kind=X.AnyPropertyType):
        try:
            p = self.d.create_resource_object("window", wid).get_full_property(self.atom[name], kind)
        except (xerror.BadWindow, xerror.BadMatch, xerror.BadValue):
            return None
        return p.value if p else None

    def _title(self, wid: int) -> str:
        # Any type: asking for UTF8_STRING when a client wrote STRING returns an empty value.
        for name in ("_NET_WM_NAME", "WM_NAME"):  # xterm sets only WM_NAME
            value = self._prop(wid, name)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if value:
                return str(value)
        return ""

    def _app(self, wid: int) -> str:
        try:
            wm_class = self.d.create_resource_object("window", wid).get_wm_class()
        except (xerror.BadWindow, xerror.BadValue):
            wm_class = None
        if wm_class and wm_class[1]:
            return wm_class[1]
        pid = self._prop(wid, "_NET_WM_PID", Xatom.CARDINAL)
        if pid:
            try:
                with open(f"/proc/{int(pid[0])}/comm", encoding="utf-8") as fh:
                    return fh.read().strip()
            except OSError:
                pass
        return "unknown"

    def _hidden(self, wid: int) -> bool:
        state = self._prop(wid, "_NET_WM_STATE", Xatom.ATOM)
        return bool(state) and self.atom["_NET_WM_STATE_HIDDEN"] in list(state)

    def _track(self, wid: int) -> _Window | None:
        try:
            self.d.create_resource_object("window", wid).change_attributes(
                event_mask=X.PropertyChangeMask | X.StructureNotifyMask)
        except (xerror.BadWindow, xerror.BadValue):
            return None
        app, title = self._app(wid), self._title(wid)
        w = _Window(wid, app, title, self.classifier.classify(app, title), self._hidden(wid))
        self.windows[wid] = w
        log.debug("tracking window %#x of %s (%s)", wid, app, w.category)
        return w

    # --- reporting -----------------------------------------------------------------------

    def _emit(self, kind: str, w: _Window | None = None, ts: float | None = None, **data) -> None:
        title = redact_title(w.title, self.title_deny) if (w and self.keep_titles) else None
        self.sink(Observation(ts=self.clock() if ts is None else ts, kind=kind,
                              app=w.app if w else None,
                              window=f"x11:{w.wid:#x}" if w else None,
                              category=w.category if w else None, title=title,
                              data=data or None))

    def _focus(self, wid: int, ts: float) -> None:
        if wid == self.active:
            return
        self.active = wid
        w = self.windows.get(wid) or (self._track(wid) if wid else None)
        if w is None:  # nothing in front (or a window that vanished at once)
            self.sink(Observation(ts=ts, kind="focus", app="(none)", category="other"))
            return
        if w.wid in self.windows:
            self._window_fact(ts, w.wid, w)
        self._emit("focus", w, ts)

    def _window_fact(self, ts: float, wid: int, w: _Window | None = None) -> None:
        """Tell the meeting policy a window was seen (w) or is gone (None); record its answer."""
        fact = (WindowFact(ts, f"x11:{wid:#x}", w.app, w.category, SEEN) if w is not None
                else WindowFact(ts, f"x11:{wid:#x}", event=GONE))
        for observation in self.sessions.feed(fact):
            self.sink(observation)

    def snapshot(self) -> None:
        """Report what is in front now (after a pause); uses cached state only, any thread."""
        w = self.windows.get(self.active)
        if w is not None:
            self._emit("focus", w)

    # --- the loop ------------------------------------------------------------------------

    def _start_state(self) -> None:
        self.root.change_attributes(event_mask=X.PropertyChangeMask)
        if self.d.has_extension("MIT-SCREEN-SAVER"):
            self.root.screensaver_select_input(screensaver.NotifyMask)
            # python-xlib copies extension event classes, so compare type numbers
            self._ss_event = self.d.query_extension("MIT-SCREEN-SAVER").first_event
        now = self.clock()
        for wid in self._client_list():
            w = self._track(wid)
            if w:
                self._window_fact(now, wid, w)
        active = self._prop(self.root.id, "_NET_ACTIVE_WINDOW", Xatom.WINDOW)
        if active and active[0]:
            self._focus(int(active[0]), now)
        self.d.flush()

    def _client_list(self) -> list[int]:
        value = self._prop(self.root.id, "_NET_CLIENT_LIST", Xatom.WINDOW)
        return [int(x) for x in value] if value is not None else []

    def _on_event(self, ev, ts: float) -> None:
        if ev.type == X.PropertyNotify:
            if ev.window.id == self.root.id:
                if ev.atom == self.atom["_NET_ACTIVE_WINDOW"]:
                    active = self._prop(self.root.id, "_NET_ACTIVE_WINDOW", Xatom.WINDOW)
                    wid = int(active[0]) if active else 0
                    if wid == 0:
                        if self._zero_since is None and self.active:
                            self._zero_since = ts
                    else:
                        self._zero_since = None
                        self._focus(wid, ts)
                elif ev.atom == self.atom["_NET_CLIENT_LIST"]:
                    self._clients_changed(ts)
                return
            w = self.windows.get(ev.window.id)
            if w is None:
                return
            if ev.atom == self.atom["_NET_WM_STATE"]:
                hidden = self._hidden(w.wid)
                if hidden != w.hidden:
                    w.hidden = hidden
                    self._emit("minimize" if hidden else "restore", w, ts)
            elif ev.atom in (self.atom["_NET_WM_NAME"], self.atom["WM_NAME"]):
                w.title = self._title(w.wid)
                category = self.classifier.classify(w.app, w.title)
                if category != w.category:
                    w.category = category
                    self._window_fact(ts, w.wid, w)
        elif ev.type == X.DestroyNotify:
            if self.windows.pop(ev.window.id, None) is not None:
                self._window_fact(ts, ev.window.id)
        elif self._ss_event is not None and ev.type == self._ss_event:
            if ev.state == screensaver.StateOn:
                self.sink(Observation(ts=ts, kind="lock", data={"source": "screensaver"}))
            elif ev.state == screensaver.StateOff:
                self.sink(Observation(ts=ts, kind="unlock", data={"source": "screensaver"}))

    def _clients_changed(self, ts: float) -> None:
        current = set(self._client_list())
        for wid in current - set(self.windows):
            w = self._track(wid)
            if w:
                self._window_fact(ts, wid, w)
        for wid in set(self.windows) - current:
            self.windows.pop(wid, None)
            self._window_fact(ts, wid)

    def run(self) -> None:
        """Blocking loop; returns when stop() is called. Raises ObserverCrashed if X goes away."""
        try:
            self._start_state()
            self.ready.set()
            fd = self.d.fileno()
            while True:
                timeout = None
                if self._zero_since is not None:
                    timeout = max(0.0, self._zero_since + ZERO_DEBOUNCE_S - self.clock())
                if not self.d.pending_events():
                    ready, _, _ = select.select([fd, self._stop_r], [], [], timeout)
                    if self._stop_r in ready:
                        return
                    if not ready and self._zero_since is not None:
                        since, self._zero_since = self._zero_since, None
                        self._focus(0, since)  # really nothing in front
                        continue
                while self.d.pending_events():
                    ev = self.d.next_event()
                    self._on_event(ev, self.clock())
        except (xerror.ConnectionClosedError, OSError, xerror.DisplayError) as exc:
            log.warning("lost the X display: %r", exc)
            raise ObserverCrashed(f"lost the X display ({exc}); what was recorded is kept") from None

    def start(self) -> "Desktop":
        def body():
            try:
                self.run()
            except BaseException as exc:  # surfaced to the runner through .error
                if not isinstance(exc, ObserverCrashed):
                    log.exception("the X11 observer stopped")
                self.error = exc
            finally:
                self.ready.set()
                self.done.set()
                self.on_exit()
        self._thread = threading.Thread(target=body, name="onlooker-x11", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        os.write(self._stop_w, b"x")
        if self._thread is not None:
            self._thread.join(5)
        try:
            self.d.close()
        except (xerror.ConnectionClosedError, OSError) as exc:  # the X server went first
            log.debug("closing the X connection: %r", exc)


INPUT_SOURCES = ("auto", "xsync", "pynput")  # ONLOOKER_INPUT; auto: xsync, else pynput


class InputListener(InputSource):
    """pynput listeners that only mark seconds. Every key press and pointer motion reaches this
    process (XRecord); the callbacks ignore pynput's key object and coordinates, so nothing about
    which key or where is kept anywhere. The fallback where the server has no idle counters."""

    name = "pynput"
    sees_input_events = True
    resolution_s = 1.0
    description = "pynput (XRecord): every input event reaches Onlooker, which keeps only yes/no per second"

    def __init__(self, counter) -> None:
        self.counter = counter
        self._listeners: list = []

    def start(self) -> "InputListener":
        try:
            from pynput import keyboard, mouse  # connects to X on import
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] in PACKAGES:
                raise missing_package("X11", exc, PACKAGES) from None
            raise BackendUnavailable(f"cannot count input ({exc}); is the X server running?") from None
        except ImportError as exc:  # pynput's own way of saying it found no X server
            raise BackendUnavailable(f"cannot count input ({exc}); is the X server running?") from None
        count_key, count_pointer = self.counter.key, self.counter.pointer

        def on_click(*args):
            if args[-1]:  # pressed, not released: one click counts once
                count_pointer()

        self._listeners = [keyboard.Listener(on_press=lambda _k: count_key()),
                           mouse.Listener(on_move=lambda *_a: count_pointer(), on_click=on_click,
                                          on_scroll=lambda *_a: count_pointer())]
        for listener in self._listeners:
            listener.start()
        for listener in self._listeners:
            listener.wait()
        return self

    def stop(self) -> None:
        for listener in self._listeners:
            listener.stop()


class Backend(BaseBackend):
    """This X11 session: ``Desktop`` (focus, minimize, screen saver, meetings), pynput's input
    counts and D-Bus lock signals, behind the contract in ``_base.py``."""

    name = "x11"
    capabilities = frozenset({"focus", "minimize", "lock", "input", "meeting"})
    input_resolution_s = 1.0

    def _start_input(self) -> InputSource:
        """The idle counters if the server has them, else pynput (or what ONLOOKER_INPUT says)."""
        wanted = self.env.get("ONLOOKER_INPUT") or "auto"
        if wanted not in INPUT_SOURCES:
            raise BackendUnavailable(f"ONLOOKER_INPUT={wanted} is not an input source "
                                     f"(known: {', '.join(INPUT_SOURCES)})")
        if wanted != "pynput":
            try:
                return IdleCounterSource(self.counter, self.env.get("DISPLAY")).start()
            except BackendUnavailable as exc:
                if wanted == "xsync":
                    raise
                log.warning("no X idle counters (%s); counting input with pynput", exc)
        return InputListener(self.counter).start()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.desktop: Desktop | None = None
        self._parts: list = []

    def start(self) -> "Backend":
        self.desktop = Desktop(self.sink, display=self.env.get("DISPLAY"),
                               classifier=self.classifier, keep_titles=self.keep_titles,
                               title_deny=self.title_deny,
                               on_exit=lambda: self._ended(self.desktop.error))
        self.desktop.start()
        self.desktop.ready.wait(10)
        if self.desktop.error is not None:
            return self  # ended already; the runner reads .error
        try:
            self.input_source = self._start_input()
            self._parts.append(self.input_source)
            self._parts.append(LockWatcher(self.sink, env=self.env).start())
        except ModuleNotFoundError as exc:  # jeepney, imported when the lock watcher starts
            self.stop()
            raise missing_package("X11", exc, PACKAGES) from None
        except BaseException:
            self.stop()
            raise
        log.info("x11 backend observing %s; input from %s; lock signals from %s",
                 self.env.get("DISPLAY"), self.input_source.name,
                 ", ".join(self._parts[-1].listening) or "the X screen saver only")
        self.ready.set()
        return self

    def stop(self) -> None:
        self._stop_parts(self._parts)
        if self.desktop is not None:
            self.desktop.stop()

    def snapshot(self) -> None:
        if self.desktop is not None:
            self.desktop.snapshot()


if __name__ == "__main__":  # a probe: print what this backend sees
    desktop = Desktop(lambda o: print(o, flush=True))
    desktop.run()
