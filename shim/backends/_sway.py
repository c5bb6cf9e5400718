"""sway's IPC, when present: which windows are visible. sway never reports minimize through
the toplevel protocol (it ignores it), but a window sent to the scratchpad or left on another
workspace shows ``visible: false`` in its IPC tree; that is what a tracker would call hidden.

Event-driven: i3ipc's loop blocks on the IPC socket; the tree is read again only when sway
reports a window or workspace event. A hidden window becomes ``minimize`` (with
``data.hidden`` "scratchpad" or "workspace"), visible again ``restore``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ..model import Observation

log = logging.getLogger(__name__)


def _app(con) -> str:
    data = con.ipc_data
    return (data.get("app_id") or (data.get("window_properties") or {}).get("class")
            or "unknown")


def visibility(tree) -> dict[int, tuple[str, bool, bool]]:
    """con id -> (app, visible, in the scratchpad) for every window in a get_tree() answer."""
    out = {}
    for con in tree.descendants():
        if "pid" not in con.ipc_data:  # a container, a workspace or an output: not a window
            continue
        workspace = con.workspace()
        out[con.id] = (_app(con), bool(con.ipc_data.get("visible")),
                       workspace is not None and workspace.name == "__i3_scratch")
    return out


class SwayVisibility:
    def __init__(self, sink: Callable[[Observation], None], socket_path: str, *,
                 classifier, clock: Callable[[], float] = time.time):
        self.sink = sink
        self.socket_path = socket_path
        self.classifier = classifier
        self.clock = clock
        self.known: dict[int, tuple[str, bool, bool]] = {}
        self.conn = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> "SwayVisibility":
        from i3ipc import Connection, Event

        self.conn = Connection(socket_path=self.socket_path)
        self.known = visibility(self.conn.get_tree())
        for event in (Event.WINDOW, Event.WORKSPACE):
            self.conn.on(event, self._changed)
        # i3ipc subscribes only once its loop runs: wait for sway's answer (a tick event, sent
        # on subscribing) so that nothing happening right after start() is missed
        subscribed = threading.Event()
        self.conn.on(Event.TICK, lambda _conn, _event: subscribed.set())
        self._thread = threading.Thread(target=self._loop, name="onlooker-sway-ipc", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 3
        while not subscribed.wait(0.05) and time.monotonic() < deadline:
            pass
        if subscribed.is_set():
            self.known = visibility(self.conn.get_tree())  # what changed while subscribing
        else:
            log.warning("sway did not confirm the IPC subscription; hidden windows may be late")
        return self

    def _loop(self) -> None:
        try:
            self.conn.main()
        except Exception as exc:  # noqa: BLE001 (sway went away: visibility is just not seen)
            if not self._stopping:
                log.warning("sway IPC ended: %r", exc)

    def _changed(self, _conn, _event) -> None:
        ts = self.clock()
        now = visibility(self.conn.get_tree())
        for con_id, (app, visible, scratch) in now.items():
            before = self.known.get(con_id)
            if before is not None and before[1] != visible:
                kind = "restore" if visible else "minimize"
                data = None if visible else {"hidden": "scratchpad" if scratch else "workspace"}
                self.sink(Observation(ts=ts, kind=kind, app=app, window=f"sway:{con_id}",
                                      category=self.classifier.classify(app, None), data=data))
        self.known = now

    def stop(self) -> None:
        self._stopping = True
        if self.conn is not None:
            try:
                self.conn.main_quit()
            except Exception:  # noqa: BLE001
                log.debug("stopping the sway IPC loop failed", exc_info=True)
