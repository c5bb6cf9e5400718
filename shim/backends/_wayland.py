"""A Wayland client connection for observing: windows through
``wlr-foreign-toplevel-management-unstable-v1`` (wlroots compositors) and idle through
``ext-idle-notify-v1`` or, where only that is offered (wlroots 0.15, KWin), KDE's
``org_kde_kwin_idle``. Bindings come from ``_wlproto`` (generated at first use).

Event-driven: the thread blocks in select() on the compositor's socket and a stop pipe; the only
timeout is the short debounce of "no window active" between two switches (the old window's
``done`` arrives just before the new one's).

Callbacks run on this connection's thread: ``on_window(kind, window, ts)`` with kind one of
"seen" (new, or its app id / title changed), "focus", "none" (nothing active), "minimize",
"restore", "gone"; the idle protocol's transitions go to ``counter`` through an
``IdleTransitions`` input source (``input_source``).
"""

from __future__ import annotations

import logging
import os
import select
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import BackendUnavailable, ObserverCrashed

log = logging.getLogger(__name__)

NONE_DEBOUNCE_S = 0.3   # the old window deactivates a moment before the new one activates
IDLE_TIMEOUT_MS = 1000  # "idle 1 s after the last input": per-second resolution (see _activity)
# zwlr_foreign_toplevel_handle_v1.state values
MINIMIZED, ACTIVATED = 1, 2


@dataclass
class Toplevel:
    number: int
    app: str = ""
    title: str = ""
    states: frozenset = frozenset()
    announced: bool = False        # reported as "seen" at least once
    pending: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"wl:{self.number}"


class WaylandClient:
    def __init__(self, display: str | None, *, on_window: Callable | None = None,
                 counter=None, clock: Callable[[], float] = time.time,
                 idle_timeout_ms: int = IDLE_TIMEOUT_MS, env=None):
        self.display_name = display
        self.on_window = on_window
        self.counter = counter
        self.input_source = None  # an IdleTransitions once the idle protocol is armed
        self.clock = clock
        self.idle_timeout_ms = idle_timeout_ms
        self.env = os.environ if env is None else env
        self.globals: dict[str, tuple[int, int]] = {}
        self.toplevels: dict[object, Toplevel] = {}
        self.active: Toplevel | None = None
        self.idle_protocol: str | None = None
        self._none_since: float | None = None
        self._numbers = 0
        self._keep: list = []  # proxies that must stay referenced
        self._stop_r, self._stop_w = os.pipe()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._on_exit: Callable[[], None] = lambda: None
        self.d = None

    # --- connecting ------------------------------------------------------------------------

    def connect(self) -> "WaylandClient":
        """Connect, bind what is offered and report the starting state (blocking, this thread)."""
        from pywayland.client import Display
        from pywayland.protocol.wayland import WlSeat

        from . import _wlproto

        try:
            protocols = _wlproto.load(self.env)
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(f"cannot prepare the Wayland protocol bindings ({exc}); "
                                     "check that ~/.cache is writable") from None
        # libwayland reads XDG_RUNTIME_DIR from the process, not from self.env: give it a path
        name = self.display_name or self.env.get("WAYLAND_DISPLAY") or "wayland-0"
        if not os.path.isabs(name) and self.env.get("XDG_RUNTIME_DIR"):
            name = os.path.join(self.env["XDG_RUNTIME_DIR"], name)
        self.d = Display(name)
        try:
            self.d.connect()
        except (ValueError, RuntimeError, OSError) as exc:
            self.d = None
            raise BackendUnavailable(f"cannot connect to the Wayland compositor "
                                     f"{self.display_name or self.env.get('WAYLAND_DISPLAY')} "
                                     f"({exc}); is it running?") from None
        registry = self.d.get_registry()
        self._keep.append(registry)

        def on_global(_reg, name, interface, version):
            self.globals[interface] = (name, version)

        registry.dispatcher["global"] = on_global
        self.d.roundtrip()

        def bind(interface: str, cls, highest: int):
            name, version = self.globals[interface]
            proxy = registry.bind(name, cls, min(version, highest))
            self._keep.append(proxy)
            return proxy

        seat = bind("wl_seat", WlSeat, 1) if "wl_seat" in self.globals else None
        if self.on_window is not None:
            ft = protocols["foreign_toplevel"]
            if "zwlr_foreign_toplevel_manager_v1" not in self.globals:
                self.disconnect()
                raise BackendUnavailable(
                    "this Wayland compositor does not offer wlr-foreign-toplevel-management "
                    "(window focus); on GNOME or KDE use ONLOOKER_BACKEND=gnome or kde")
            manager = bind("zwlr_foreign_toplevel_manager_v1",
                           ft.ZwlrForeignToplevelManagerV1, 3)
            manager.dispatcher["toplevel"] = self._new_toplevel
            manager.dispatcher["finished"] = lambda *_: log.info("the compositor stopped "
                                                                 "sending window events")
        if self.counter is not None and seat is not None:
            self._arm_idle(protocols, bind, seat)
        self.d.roundtrip()  # the toplevels and their first states
        self.d.roundtrip()
        self.d.flush()
        return self

    def _arm_idle(self, protocols, bind, seat) -> None:
        from ._activity import IdleTransitions

        if "ext_idle_notifier_v1" in self.globals:
            ext = protocols["ext_idle"]
            notifier = bind("ext_idle_notifier_v1", ext.ExtIdleNotifierV1, 1)
            watch = notifier.get_idle_notification(self.idle_timeout_ms, seat)
            self.idle_protocol, idled = "ext-idle-notify-v1", "idled"
        elif "org_kde_kwin_idle" in self.globals:
            kde = protocols["kde_idle"]
            idle = bind("org_kde_kwin_idle", kde.OrgKdeKwinIdle, 1)
            watch = idle.get_idle_timeout(seat, self.idle_timeout_ms)
            self.idle_protocol, idled = "org_kde_kwin_idle", "idle"
        else:
            log.info("the compositor offers no idle protocol; no input activity from Wayland")
            return
        timeout_s = self.idle_timeout_ms / 1000
        source = IdleTransitions(
            self.counter, name=self.idle_protocol, timeout_s=timeout_s, clock=self.clock,
            description=f"the compositor's {self.idle_protocol} (idle {timeout_s:g} s after the "
                        "last input): activity per second, no input event reaches Onlooker")
        self._keep.append(watch)
        watch.dispatcher[idled] = lambda *_: source.idled(self.clock())
        watch.dispatcher["resumed"] = lambda *_: source.resumed(self.clock())
        self.input_source = source.start(self.clock())

    # --- windows ---------------------------------------------------------------------------

    def _new_toplevel(self, _manager, handle) -> None:
        self._numbers += 1
        t = Toplevel(self._numbers)
        self.toplevels[handle] = t
        self._keep.append(handle)
        handle.dispatcher["app_id"] = lambda _h, app: t.pending.__setitem__("app", app)
        handle.dispatcher["title"] = lambda _h, title: t.pending.__setitem__("title", title)
        handle.dispatcher["state"] = lambda _h, states: t.pending.__setitem__(
            "states", frozenset(_states(states)))
        handle.dispatcher["done"] = lambda _h: self._done(t)
        handle.dispatcher["closed"] = lambda h: self._closed(h, t)

    def _done(self, t: Toplevel) -> None:
        ts = self.clock()
        pending, t.pending = t.pending, {}
        changed = False
        for key in ("app", "title"):
            if key in pending and pending[key] != getattr(t, key):
                setattr(t, key, pending[key])
                changed = True
        if changed or not t.announced:
            t.announced = True
            self._tell("seen", t, ts)
        if "states" not in pending:
            return
        before, t.states = t.states, pending["states"]
        if MINIMIZED in t.states and MINIMIZED not in before:
            self._tell("minimize", t, ts)
        elif MINIMIZED in before and MINIMIZED not in t.states:
            self._tell("restore", t, ts)
        if ACTIVATED in t.states and self.active is not t:
            self.active, self._none_since = t, None
            self._tell("focus", t, ts)
        elif ACTIVATED not in t.states and self.active is t and self._none_since is None:
            self._none_since = ts

    def _closed(self, handle, t: Toplevel) -> None:
        ts = self.clock()
        self.toplevels.pop(handle, None)
        if self.active is t and self._none_since is None:
            self._none_since = ts
        self._tell("gone", t, ts)
        try:
            handle.destroy()
        except Exception:  # noqa: BLE001 (the compositor may have gone already)
            log.debug("destroying a closed toplevel handle failed", exc_info=True)

    def _tell(self, kind: str, t: Toplevel | None, ts: float) -> None:
        if self.on_window is not None:
            self.on_window(kind, t, ts)

    # --- the loop --------------------------------------------------------------------------

    def run(self) -> None:
        """Blocking loop until stop(); ObserverCrashed if the compositor goes away."""
        fd = self.d.get_fd()
        try:
            while True:
                self.d.dispatch(block=False)
                self.d.flush()
                timeout = None
                if self._none_since is not None:
                    timeout = max(0.0, self._none_since + NONE_DEBOUNCE_S - self.clock())
                ready, _, _ = select.select([fd, self._stop_r], [], [], timeout)
                if self._stop_r in ready:
                    return
                if fd in ready:
                    self.d.read()
                    self.d.dispatch(block=False)
                elif self._none_since is not None:
                    since, self._none_since = self._none_since, None
                    self.active = None
                    self._tell("none", None, since)
        except (RuntimeError, OSError, ValueError) as exc:
            log.warning("lost the Wayland compositor: %r", exc)
            raise ObserverCrashed(f"lost the Wayland compositor ({exc}); what was recorded "
                                  "is kept") from None

    def start(self, on_exit: Callable[[], None]) -> "WaylandClient":
        self._on_exit = on_exit

        def body():
            try:
                self.run()
            except BaseException as exc:  # surfaced to the backend through .error
                if not isinstance(exc, ObserverCrashed):
                    log.exception("the Wayland observer stopped")
                self.error = exc
            finally:
                self.done.set()
                self._on_exit()

        self._thread = threading.Thread(target=body, name="onlooker-wayland", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stop_w is not None:
            try:
                os.write(self._stop_w, b"x")
            except OSError:
                pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self.disconnect()

    def disconnect(self) -> None:
        """Free our proxies while the connection still lives, then close it. (pywayland files
        proxies the compositor creates under whichever display it finds first, so a proxy
        left for the garbage collector could outlive its connection and crash the process.)"""
        from pywayland.protocol_core import Proxy

        for proxy in reversed(self._keep):
            try:
                proxy.interface.registry.pop(proxy._ptr, None)
                Proxy._destroy(proxy)
            except Exception:  # noqa: BLE001 (already destroyed)
                log.debug("freeing a Wayland proxy failed", exc_info=True)
        self._keep.clear()
        self.toplevels.clear()
        if self.d is not None:
            try:
                self.d.disconnect()
            except Exception:  # noqa: BLE001 (the compositor may have gone first)
                log.debug("closing the Wayland connection failed", exc_info=True)
            self.d = None


def _states(array) -> list[int]:
    """The ``state`` event's wl_array of uint32 values (native byte order)."""
    data = bytes(array)
    return [int.from_bytes(data[i:i + 4], sys.byteorder) for i in range(0, len(data) - 3, 4)]
