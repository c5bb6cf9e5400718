"""``onlooker watch``: wire a backend (through its contract only), the input counter and the
writer together. ``Recorder`` is the wiring without signals (also used by ``demo --live``);
``watch`` adds SIGINT/SIGTERM and the one-line messages."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from onlooker.shim import backends
from onlooker.shim.counter import InputCounter
from onlooker.shim.errors import BackendUnavailable, ShimError
from onlooker.storage.db import connect
from onlooker.storage.errors import StorageError
from onlooker.storage.lockfile import RecorderLock
from onlooker.storage.store import Store
from onlooker.storage.writer import Writer

from .config import Config

log = logging.getLogger(__name__)


class _Retention:
    """Deletes recordings older than ``retention_days``: at start, then once a day."""

    def __init__(self, store: Store, days: int | None, echo):
        self.store, self.days, self.echo = store, days, echo
        self._stop = threading.Event()

    def purge(self) -> int:
        cutoff = time.time() - self.days * 86400
        return self.store.forget(0.0, cutoff)

    def start(self) -> "_Retention":
        if self.days:
            def loop():
                while True:
                    try:
                        n = self.purge()
                        if n:
                            log.info("retention: deleted %d rows older than %d days", n, self.days)
                            self.echo(f"onlooker: deleted {n} rows older than {self.days} days",
                                      err=True)
                    except (StorageError, sqlite3.Error, OSError) as exc:  # busy: try tomorrow
                        log.warning("retention purge postponed: %r", exc)
                        self.echo(f"onlooker: retention purge postponed ({exc})", err=True)
                    if self._stop.wait(86400):
                        return
            threading.Thread(target=loop, name="onlooker-retention", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()


def _thread_died(args) -> None:
    """pynput's listener threads die with the X connection; say so in one line, no traceback
    (the traceback goes to the log)."""
    if args.exc_type is not SystemExit:
        log.warning("thread %s stopped", getattr(args.thread, "name", "?"),
                    exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        print(f"onlooker: input listener stopped ({args.exc_type.__name__})", file=sys.stderr)


class Recorder:
    """A backend feeding the writer of one database, holding the recorder lock meanwhile.

    ``start()`` raises ShimError (BackendUnavailable for a missing package or display) or
    StorageError with nothing left running; when the backend ends by itself ``ended`` is set
    and ``on_end`` called;
    ``stop()`` flushes everything acknowledged and returns the exit code (0, or 1 with
    ``problem`` saying why)."""

    def __init__(self, db_path: Path, config: Config, *, env: Mapping[str, str] | None = None,
                 echo=print, backend_options: dict | None = None,
                 on_end: Callable[[], None] | None = None):
        self.db_path, self.config, self.echo = db_path, config, echo
        self._on_end = on_end or (lambda: None)
        self.env = os.environ if env is None else env
        self.backend_options = backend_options or {}
        self.module = backends.load(backends.choose(self.env))  # before the lock: fails fast
        self.ended = threading.Event()
        self.backend = None
        self.writer: Writer | None = None
        self.problem: str | None = None
        self._lock: RecorderLock | None = None
        self._stopping = threading.Lock()
        self._code: int | None = None

    def start(self) -> "Recorder":
        fresh = not self.db_path.exists()
        self._lock = RecorderLock(self.db_path).acquire()
        try:
            store = Store(connect(self.db_path,
                                  notice=lambda m: self.echo(f"onlooker: {m}", err=True)))
            # its own connection: a sqlite3 connection is not shared between threads, and the
            # writer thread is using this one while the purge runs
            self.retention = _Retention(Store(connect(self.db_path)) if self.config.retention_days
                                        else store, self.config.retention_days, self.echo)
            self.writer = Writer(store, on_error=self._write_failed,
                                 on_resume=lambda: self.backend and self.backend.snapshot())
            counter = InputCounter(on_first=self.writer.poke)
            self.writer.drain_from(counter.drain, busy=counter.busy)
            self.backend = self.module.Backend(
                self.writer.put, counter, classifier=self.config.classifier,
                keep_titles=self.config.keep_titles, title_deny=self.config.title_deny,
                on_exit=self._backend_ended, env=self.env, **self.backend_options)
            # the span of time this recorder observes; opened before the writer thread shares
            # the connection, extended by every commit and heartbeat, dropped if start fails
            self.writer.recording_id = store.open_recording(time.time())
            self.writer.start()
            try:
                self.backend.start()
            except BaseException:
                self.writer.stop()
                store.drop_recording(self.writer.recording_id)
                raise
            log.info("recording into %s with the %s backend (observes %s)", self.db_path,
                     self.backend.name, ", ".join(sorted(self.backend.capabilities)))
            self._note_input_source()
            self.retention.start()
        except BaseException:
            self._lock.release()
            if fresh:
                self._remove_unused_database()
            raise
        return self

    def _remove_unused_database(self) -> None:
        """A start that failed (no display, a missing package) leaves no empty database behind
        when there was none before."""
        from onlooker.storage.paths import lock_path

        for path in (self.db_path, Path(f"{self.db_path}-wal"), Path(f"{self.db_path}-shm"),
                     lock_path(self.db_path)):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("could not remove %s after a failed start: %s", path, exc)

    def _note_input_source(self) -> None:
        """Say which input source records (for `status`), and whether pynput, which would hand
        every key press to this process, is loaded at all."""
        source = getattr(self.backend, "input_source", None)
        summary = source.summary() if source is not None else {
            "source": "backend", "resolution_s": self.backend.input_resolution_s,
            "sees_input_events": False, "description": f"the {self.backend.name} backend"}
        log.info("input source %s (resolution %s s); pynput imported: %s", summary["source"],
                 summary["resolution_s"], "yes" if "pynput" in sys.modules else "no")
        self.writer.note("input_source", json.dumps(summary))

    def _backend_ended(self) -> None:
        self.ended.set()
        self._on_end()

    def _write_failed(self, exc: BaseException) -> None:
        log.warning("cannot write yet, keeping it and retrying: %r", exc)
        self.echo(f"onlooker: cannot write yet ({exc}); keeping it and retrying", err=True)

    def stop(self) -> int:
        """Stop observing, flush, release the lock; the exit code. Safe to call again, from
        any thread (the first call does the work, later ones return its code)."""
        with self._stopping:
            if self._code is None:
                self._code = self._stop()
            return self._code

    def _stop(self) -> int:
        try:
            self.retention.stop()
            self.backend.stop()  # never raises: failures are logged by the backend
            self.writer.stop()
        finally:
            self._lock.release()
        if self.backend.error is not None:
            self.problem = str(self.backend.error)
        elif self.writer.last_error is not None:
            self.problem = f"the last batch could not be written ({self.writer.last_error})"
        if self.problem:
            log.error("recorder stopped: %s", self.problem)
            return 1
        log.info("recorder stopped; everything recorded is saved")
        return 0


def watch(db_path: Path, config: Config, *, echo=print, env: Mapping[str, str] | None = None,
          stop: threading.Event | None = None) -> int:
    """Record until SIGINT/SIGTERM (or ``stop`` is set, or the backend ends); the exit code.
    Everything acknowledged is flushed."""
    previous_hook, threading.excepthook = threading.excepthook, _thread_died
    try:
        return _record(db_path, config, echo, env, stop or threading.Event())
    finally:
        threading.excepthook = previous_hook


def _record(db_path: Path, config: Config, echo, env, stop: threading.Event) -> int:
    try:
        recorder = Recorder(db_path, config, env=env, echo=echo, on_end=stop.set).start()
    except ShimError as exc:  # no backend here (2), or it could not start (1)
        echo(f"onlooker: {exc}", err=True)
        return 2 if isinstance(exc, BackendUnavailable) else 1
    previous = {}
    if threading.current_thread() is threading.main_thread():  # only it may set handlers
        previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
        # 'pause' / 'resume' nudge us
        previous[signal.SIGUSR1] = signal.signal(signal.SIGUSR1, lambda *_: recorder.writer.poke())
    label = backends.LABELS.get(recorder.backend.name, recorder.backend.name)
    echo(f"onlooker: recording into {db_path} with the {label} backend (Ctrl-C to stop)", err=True)
    for blind in getattr(recorder.backend, "blind_spots", ()):  # what this desktop hides from us
        echo(f"onlooker: not seen here: {blind}", err=True)
    try:
        while not stop.is_set():
            stop.wait(3600)  # woken by a signal handler, the caller, or the backend ending
    finally:
        code = recorder.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    if code:
        echo(f"onlooker: {recorder.problem}", err=True)
    else:
        echo("onlooker: stopped; everything recorded is saved", err=True)
    return code


@contextmanager
def replaying(log_path: Path, db_path: Path, config: Config, *, echo=print) -> Iterator[Recorder]:
    """Record a scenario into ``db_path`` as it "happens" (the fake backend replaying
    ``log_path``; ONLOOKER_FAKE_SPEED speeds it up); stopped and flushed on leaving."""
    env = {**os.environ, "ONLOOKER_BACKEND": "fake"}
    recorder = Recorder(db_path, config, env=env, echo=echo, backend_options={"log": log_path},
                        on_end=lambda: threading.Thread(target=recorder.stop, daemon=True).start())
    recorder.start()  # at the scenario's end the recording stops by itself (the line above)
    try:
        yield recorder
    finally:
        recorder.stop()
