"""The one writer thread: commits desktop changes at once, input seconds about once a second.

A focus change, minimize, lock or meeting mark is committed as soon as it arrives (with whatever
input is known by then): a reader sees it within a commit's time. Input alone is gathered until
its second is over, so each second goes in one commit. The thread sleeps on an event while
nothing happens (no periodic wake-ups at rest). A batch that cannot be written stays queued and
is retried, so a full disk or a busy lock loses nothing acknowledged.

Browser page events (``put_soon``) come in bursts of up to hundreds a second; each is committed
within BATCH_S together with whatever else arrived, not one commit (and one fsync) each.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from onlooker.shim.model import InputSecond, Observation

from .errors import StorageError
from .store import Store

# Input alone waits until its second is over (plus this grace, for the source to report the
# second's end), so a second is written whole in one commit; at most a second and a bit.
SECOND_GRACE_S = 0.05
# A page event waits at most this long for others to share its commit: well inside the 1.5 s
# tab-switch-to-durable-row target, and at 100 events/s a few commits a second instead of 100.
BATCH_S = 0.25


# A recorder that saw nothing still says, this often, that it was running: time after its last
# word is "not recorded" if it dies. Long enough that a recorder at rest stays asleep.
HEARTBEAT_S = 300.0


def input_wait_s(now: float) -> float:
    """How long input waits for its second to end before it is committed."""
    return 1.0 - (now % 1.0) + SECOND_GRACE_S


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
        self._settings: dict[str, str] = {}  # written with the next commit (see ``note``)
        self._lock = threading.Lock()
        self._wake = threading.Event()     # something to write
        self._urgent = threading.Event()   # a desktop change (or stop): write it without waiting
        self._stop = threading.Event()
        self._input_open: Callable[[], bool] = lambda: False
        self._thread = threading.Thread(target=self._run, name="onlooker-writer", daemon=True)
        self._was_paused = False
        self._give_up_at = float("inf")
        self._soon_by: float | None = None  # monotonic deadline of the oldest put_soon waiting
        self.last_error: BaseException | None = None
        self.recording_id: int | None = None  # the recorder's span (Store.open_recording)

    def drain_from(self, drain_input: Callable[[], list[InputSecond]],
                   busy: Callable[[], bool] | None = None) -> None:
        """Where input seconds come from (set before start; the counter needs ``poke`` first).
        ``busy`` says an activity period is open (an idle-counter source): while it is, the
        writer drains again each second although no new call pokes it."""
        self._drain_input = drain_input
        self._input_open = busy or (lambda: False)

    def start(self) -> "Writer":
        self._was_paused = self.store.paused_until() is not None
        self._thread.start()
        return self

    def put(self, observation: Observation) -> None:
        """A desktop change: committed at once (not batched)."""
        with self._lock:
            self._pending.append(observation)
        self._urgent.set()
        self._wake.set()

    def put_soon(self, observation: Observation) -> None:
        """A page event: committed within BATCH_S, with the others that came meanwhile."""
        with self._lock:
            self._pending.append(observation)
            if self._soon_by is not None:
                return  # the writer is already woken for this batch
            self._soon_by = time.monotonic() + BATCH_S
        self._wake.set()

    def note(self, key: str, value: str) -> None:
        """Store a setting (e.g. which input source records) with the next commit, from any
        thread: the writer's connection is used by the writer thread only."""
        with self._lock:
            self._settings[key] = value
        self._urgent.set()
        self._wake.set()

    def poke(self) -> None:
        """Something (input, a pause change) wants a flush within about a second."""
        self._wake.set()

    def _run(self) -> None:
        while True:
            if not self._wake.wait(HEARTBEAT_S if self.recording_id is not None else None):
                self._urgent.set()  # a heartbeat: extend the recording span, nothing to gather
            stopping = self._stop.is_set()  # read before flushing: stop() may come mid-flush
            if not stopping and not self._urgent.is_set():
                # input only: let its second end, unless a desktop change or stop() comes first;
                # page events wait no longer than their batch deadline
                wait = input_wait_s(time.time())
                with self._lock:
                    soon_by = self._soon_by
                if soon_by is not None:
                    wait = min(wait, max(0.0, soon_by - time.monotonic()))
                self._urgent.wait(wait)
                stopping = self._stop.is_set()  # stop() came while gathering: its wake is cleared below
            self._wake.clear()
            self._urgent.clear()
            written = self.flush()
            if stopping and (written or time.monotonic() > self._give_up_at):
                return
            if written and self._input_open():
                self._wake.set()  # an open activity period: its next second is known in a second

    def flush(self) -> bool:
        """Write what is queued; False (and everything kept for a retry) if it could not."""
        with self._lock:
            batch, self._pending = self._pending, []
            settings, self._settings = self._settings, {}
            self._soon_by = None
        inputs = self._inputs + self._drain_input()
        self._inputs = []
        try:
            paused = self.store.paused_until() is not None
            if paused:
                self._was_paused = True
                if settings:  # how Onlooker records, not what you did: kept
                    self.store.record([], [], settings)
                return True  # paused: what happened is dropped, as the user asked
            if self._was_paused:
                self._was_paused = False
                self._on_resume()
                with self._lock:
                    batch, self._pending = batch + self._pending, []
            beat = self.recording_id is not None
            if batch or inputs or settings or beat:
                # running until now, or until the latest moment written (a replay stamps ahead)
                until = max([time.time(), *(o.ts for o in batch), *(s.second + 1 for s in inputs)])
                self.store.record(batch, inputs, settings,
                                  recording=(self.recording_id, until) if beat else None)
            self.last_error = None
            return True
        except (StorageError, OSError, Exception) as exc:  # keep the batch; retry next time
            with self._lock:
                self._pending = batch + self._pending
                self._settings = {**settings, **self._settings}
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
        self._urgent.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
