"""Input activity from "idle" / "active again" transitions, the only input news a Wayland or
D-Bus idle source gives (no input event ever reaches the process, so there is nothing to count).

A source armed with an idle timeout T says "idle" T seconds after the last input and "resumed"
at the first input after that: input happened from the resume up to the idle event minus T, and
gaps shorter than T are not visible. With T = 1 s that is exactly "the seconds with any input"
(per-second resolution, like the X server's idle counters); a longer T (a screen saver's
minutes) is coarser, and ``resolution_s`` says so. The kind of input (keyboard or pointer) is not
told: periods go to the ``InputCounter`` as kind "any".
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ._base import InputSource


class IdleTransitions(InputSource):
    """Feeds ``counter.active`` / ``counter.idle`` from a source's transitions. The owner (a
    Wayland connection, a D-Bus watcher) calls ``resumed()`` and ``idled()`` as they arrive."""

    sees_input_events = False

    def __init__(self, counter, *, name: str, timeout_s: float, description: str,
                 clock: Callable[[], float]):
        self.counter = counter
        self.name = name
        self.resolution_s = timeout_s
        self.timeout_s = timeout_s
        self.description = description
        self.clock = clock
        self.active = False
        self._lock = threading.Lock()

    def start(self, now: float | None = None) -> "IdleTransitions":
        """Recording begins with the user present (as a log's start does); a source that is
        idle already says so within T, which closes the period."""
        self.resumed(self.clock() if now is None else now)
        return self

    def resumed(self, now: float | None = None) -> None:
        with self._lock:
            self.active = True
            self.counter.active("any", self.clock() if now is None else now)

    def idled(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        with self._lock:
            if self.active:
                self.active = False
                self.counter.idle("any", now - self.timeout_s)

    def stop(self, now: float | None = None) -> None:
        """Recording stops during activity: input came at least every T seconds until now."""
        with self._lock:
            if self.active:
                self.active = False
                self.counter.idle("any", self.clock() if now is None else now)
