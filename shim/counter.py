"""Per-second input counts. Callers say *that* a key or the pointer was used, never which or where."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .model import InputSecond


class InputCounter:
    def __init__(self, clock: Callable[[], float] = time.time,
                 on_first: Callable[[], None] | None = None):
        self._clock = clock
        self._on_first = on_first or (lambda: None)
        self._counts: dict[int, list[int]] = {}
        self._lock = threading.Lock()

    def key(self, *_ignored) -> None:
        """A key was pressed. Arguments (the key object a listener passes) are ignored."""
        self._hit(0)

    def pointer(self, *_ignored) -> None:
        """The pointer moved, clicked or scrolled. Coordinates are ignored."""
        self._hit(1)

    def _hit(self, which: int) -> None:
        second = int(self._clock())
        with self._lock:
            first = not self._counts
            slot = self._counts.get(second)
            if slot is None:
                slot = self._counts[second] = [0, 0]
            slot[which] += 1
        if first:
            self._on_first()

    def add(self, second: int, keys: int = 0, pointer: int = 0) -> None:
        """Counts for a whole second known after the fact (a replayed log, or a source that
        reports per-second totals). A second with zero counts still says input happened."""
        if keys < 0 or pointer < 0:
            raise ValueError("input counts must be >= 0")
        with self._lock:
            first = not self._counts
            slot = self._counts.setdefault(int(second), [0, 0])
            slot[0] += keys
            slot[1] += pointer
        if first:
            self._on_first()

    def drain(self) -> list[InputSecond]:
        with self._lock:
            counts, self._counts = self._counts, {}
        return [InputSecond(s, k, p) for s, (k, p) in sorted(counts.items())]
