"""Window facts from any Wayland source (foreign-toplevel, the GNOME extension, the KWin
script) -> Observations, in one place: classification, the meeting policy (``sessions.py``),
titles only with keep_titles (redacted), and the cached state ``snapshot()`` reports.

Thread-safe: the sources call it from their own threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from ..classify import Classifier
from ..model import Observation
from ..redact import redact_title
from ..sessions import GONE, SEEN, MeetingSessions, WindowFact
from ._base import BaseBackend, missing_package

NOTHING = "(none)"  # the app recorded when no window is in front


@dataclass
class Window:
    id: str
    app: str
    title: str
    category: str
    minimized: bool = False


class WindowReporter:
    def __init__(self, sink: Callable[[Observation], None], *, classifier: Classifier,
                 keep_titles: bool, title_deny, clock: Callable[[], float]):
        self.sink = sink
        self.classifier = classifier
        self.keep_titles = keep_titles
        self.title_deny = title_deny
        self.clock = clock
        self.windows: dict[str, Window] = {}
        self.active: str | None = None
        self.sessions = MeetingSessions()
        self._lock = threading.RLock()

    def seen(self, wid: str, app: str | None, title: str | None, ts: float | None = None) -> Window:
        """A window exists (new, or its app id or title changed)."""
        ts = self.clock() if ts is None else ts
        app, title = app or "unknown", title or ""
        with self._lock:
            w = self.windows.get(wid)
            category = self.classifier.classify(app, title)
            if w is None:
                w = self.windows[wid] = Window(wid, app, title, category)
            elif (w.app, w.title, w.category) == (app, title, category):
                return w
            else:
                w.app, w.title, w.category = app, title, category
            self._fact(WindowFact(ts, wid, app, category, SEEN))
            return w

    def focus(self, wid: str, ts: float | None = None, app: str | None = None,
              title: str | None = None) -> None:
        ts = self.clock() if ts is None else ts
        with self._lock:
            w = self.windows.get(wid)
            if w is None or app is not None:
                w = self.seen(wid, app or (w.app if w else None), title, ts)
            if self.active == wid:
                return
            self.active = wid
            self._emit("focus", w, ts)

    def nothing(self, ts: float | None = None) -> None:
        """No window is in front (the last one closed, or the desktop itself has focus)."""
        ts = self.clock() if ts is None else ts
        with self._lock:
            if self.active is None:
                return
            self.active = None
            self.sink(Observation(ts=ts, kind="focus", app=NOTHING, category="other"))

    def minimized(self, wid: str, value: bool, ts: float | None = None) -> None:
        ts = self.clock() if ts is None else ts
        with self._lock:
            w = self.windows.get(wid)
            if w is None or w.minimized == value:
                return
            w.minimized = value
            self._emit("minimize" if value else "restore", w, ts)

    def gone(self, wid: str, ts: float | None = None) -> None:
        ts = self.clock() if ts is None else ts
        with self._lock:
            if self.windows.pop(wid, None) is not None:
                self._fact(WindowFact(ts, wid, event=GONE))

    def snapshot(self) -> None:
        with self._lock:
            w = self.windows.get(self.active) if self.active else None
            if w is not None:
                self._emit("focus", w, self.clock())

    def _fact(self, fact: WindowFact) -> None:
        for observation in self.sessions.feed(fact):
            self.sink(observation)

    def _emit(self, kind: str, w: Window, ts: float) -> None:
        title = redact_title(w.title, self.title_deny) if (self.keep_titles and w.title) else None
        self.sink(Observation(ts=ts, kind=kind, app=w.app, window=w.id, category=w.category,
                              title=title))


class WindowsBackend(BaseBackend):
    """A backend whose windows come from a compositor source (GNOME's extension, the KWin
    script, wlroots' foreign-toplevel) through one ``WindowReporter``: the reporter, the parts
    it starts (stopped newest first), what it cannot see, and undoing a half-done start."""

    def __init__(self, *args, clock=time.time, **kwargs):
        super().__init__(*args, **kwargs)
        self.clock = clock
        self.windows = WindowReporter(self.sink, classifier=self.classifier,
                                      keep_titles=self.keep_titles, title_deny=self.title_deny,
                                      clock=clock)
        self._parts: list = []
        self.blind_spots: list[str] = []

    @contextmanager
    def _starting(self, desktop: str, packages: Mapping[str, str]) -> Iterator[None]:
        """Whatever fails inside stops what had started; a missing module is named with the
        pip package that brings it."""
        try:
            yield
        except ModuleNotFoundError as exc:
            self.stop()
            raise missing_package(desktop, exc, packages) from None
        except BaseException:
            self.stop()
            raise

    def snapshot(self) -> None:
        self.windows.snapshot()
