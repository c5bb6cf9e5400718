"""Which seconds had keyboard or pointer input: yes or no per second, never which, where or how many.

Two kinds of input source feed it (see ``backends/_base.py``, ``InputSource``):

- event sources (pynput) call ``key()`` / ``pointer()`` for every input event;
- idle-counter sources (the X server's IDLETIME counters) never see an event: they call
  ``active(kind, since)`` when input starts after a pause of a second or more and
  ``idle(kind, last)`` when a second has passed without input. Between the two every second had
  input: a gap of a whole second would have fired ``idle``. So the seconds follow exactly from
  the two moments, and a second is known once it is over while the period stays open.

A count is never kept: a second is a pair of flags (keyboard, pointer). A second with both False
still had input, of a kind the source could not tell (an import, a log without kinds).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from .model import InputSecond

KINDS = ("keyboard", "pointer", "any")  # "any": input of a kind the source cannot tell
_SLOT = {"keyboard": 0, "pointer": 1, "any": None}


class InputCounter:
    def __init__(self, clock: Callable[[], float] = time.time,
                 on_first: Callable[[], None] | None = None):
        self._clock = clock
        self._on_first = on_first or (lambda: None)  # "something to drain": wakes the writer
        self._seconds: dict[int, list[bool]] = {}
        # open activity periods of idle-counter sources: kind -> [first second not yet
        # reported, moment the period began]
        self._open: dict[str, list] = {}
        self._lock = threading.Lock()

    # --- event sources ---------------------------------------------------------------------

    def key(self, *_ignored) -> None:
        """A key was pressed. Arguments (the key object a listener passes) are ignored."""
        self._mark(int(self._clock()), 0)

    def pointer(self, *_ignored) -> None:
        """The pointer moved, clicked or scrolled. Coordinates are ignored."""
        self._mark(int(self._clock()), 1)

    def add(self, second: int, keys: int = 0, pointer: int = 0) -> None:
        """Input in a whole second known after the fact (a replayed log, or a source that reports
        per-second totals). ``keys`` / ``pointer`` are counts or flags; only "any?" is kept.
        A second with zero for both still says input happened."""
        if keys < 0 or pointer < 0:
            raise ValueError("input counts must be >= 0")
        self._mark(int(second), None, keys > 0, pointer > 0)

    def _mark(self, second: int, which: int | None, keyboard: bool = False,
              pointer: bool = False) -> None:
        with self._lock:
            first = not self._seconds and not self._open
            slot = self._seconds.get(second)
            if slot is None:
                slot = self._seconds[second] = [False, False]
            if which is not None:
                slot[which] = True
            slot[0] |= keyboard
            slot[1] |= pointer
        if first:
            self._on_first()

    # --- idle-counter sources --------------------------------------------------------------

    def active(self, kind: str, since: float) -> None:
        """Input of ``kind`` began at ``since`` (epoch seconds) after a pause of a second or more.
        A period already open keeps its start."""
        _check_kind(kind)
        with self._lock:
            first = not self._seconds and not self._open
            if kind not in self._open:
                self._open[kind] = [math.floor(since), since]
        if first:
            self._on_first()

    def idle(self, kind: str, last: float) -> None:
        """A second has passed without input of ``kind``; its last input was at ``last``.
        Every second from the period's start to ``last``'s second had input."""
        _check_kind(kind)
        with self._lock:
            period = self._open.pop(kind, None)
            if period is not None:
                self._fill(kind, period[0], max(period[0], math.floor(last) + 1))

    def busy(self) -> bool:
        """An activity period is open: a new second becomes known each second (drain again)."""
        return bool(self._open)

    def _fill(self, kind: str, a: int, b: int) -> None:
        """Seconds [a, b) had input of ``kind`` (called with the lock held)."""
        which = _SLOT[kind]
        for second in range(a, b):
            slot = self._seconds.setdefault(second, [False, False])
            if which is not None:
                slot[which] = True

    # --- the writer's side -----------------------------------------------------------------

    def drain(self) -> list[InputSecond]:
        """Every second known to have had input since the last drain, oldest first. Of an open
        period, the seconds already over (and its first, which had input at its start)."""
        now = math.floor(self._clock())
        with self._lock:
            for kind, period in self._open.items():
                done = max(now, math.floor(period[1]) + 1)
                if done > period[0]:
                    self._fill(kind, period[0], done)
                    period[0] = done
            seconds, self._seconds = self._seconds, {}
        return [InputSecond(s, k, p) for s, (k, p) in sorted(seconds.items())]


def _check_kind(kind: str) -> None:
    if kind not in _SLOT:
        raise ValueError(f"input kind must be one of {', '.join(KINDS)}, not {kind!r}")
