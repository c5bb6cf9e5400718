"""The one writer thread: batches observations and input counts, commits about once a second.

It sleeps on an event while nothing happens (no periodic wake-ups at rest). A batch that cannot
be written stays queued and is retried, so a full disk or a busy lock loses nothing acknowledged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from onlooker.shim.model import InputSecond, Observation

from .errors import StorageError
from .store import Store

BATCH_S = 0.75  # "about once a second", with room for the commit itself within the second


class Writer:
    def __init__(self, store: Store, drain_input: Callable[[], list[InputSecond]] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 on_resume: Callable[[], None] | None = None):
        self.store = store
        self._drain_input = drain_input or (lambda: [])
        self._on_error = on_error or (lambda exc: None)
        self._on_resume = on_resume or (lambda: None)
        self._pending: list[Observation] = []
        self._inputs: list[InputSecond] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="onlooker-writer", daemon=True)
        self._was_paused = False
        self._give_up_at = float("inf")
        self.last_error: BaseException | None = None

    def drain_from(self, drain_input: Callable[[], list[InputSecond]]) -> None:
        """Where input counts come from (set before start; the counter needs ``poke`` first)."""
        self._drain_input = drain_input

    def start(self) -> "Writer":
        self._was_paused = self.store.paused_until() is not None
        self._thread.start()
        return self

    def put(self, observation: Observation) -> None:
        with self._lock:
            self._pending.append(observation)
        self._wake.set()

    def poke(self) -> None:
        """Something (input counts, a pause change) wants a flush soon."""
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            stopping = self._stop.is_set()  # read before flushing: stop() may come mid-flush
            if not stopping:
                self._stop.wait(BATCH_S)  # gather up to a second of happenings into one commit
                stopping = self._stop.is_set()  # stop() came while gathering: its wake is cleared below
            self._wake.clear()
            written = self.flush()
            if stopping and (written or time.monotonic() > self._give_up_at):
                return

    def flush(self) -> bool:
        """Write what is queued; False (and everything kept for a retry) if it could not."""
        with self._lock:
            batch, self._pending = self._pending, []
        inputs = self._inputs + self._drain_input()
        self._inputs = []
        try:
            paused = self.store.paused_until() is not None
            if paused:
                self._was_paused = True
                return True  # paused: what happened is dropped, as the user asked
            if self._was_paused:
                self._was_paused = False
                self._on_resume()
                with self._lock:
                    batch, self._pending = batch + self._pending, []
            if batch or inputs:
                self.store.record(batch, inputs)
            self.last_error = None
            return True
        except (StorageError, OSError, Exception) as exc:  # keep the batch; retry next time
            with self._lock:
                self._pending = batch + self._pending
            self._inputs = inputs
            if self.last_error is None or str(self.last_error) != str(exc):
                self._on_error(exc)  # once per distinct problem, not every retry
            self.last_error = exc
            if self._stop.is_set():
                time.sleep(0.2)  # stopping: retry soon, until stop()'s deadline
            else:
                self._stop.wait(0.5)
            self._wake.set()
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """Flush what is queued (retrying for up to ``timeout``) and end the thread."""
        self._give_up_at = time.monotonic() + max(0.0, timeout - 1.0)
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
