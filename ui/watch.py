"""``onlooker watch``: wire the desktop observer, the input counter and the writer together."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from shim import backends
from shim.counter import InputCounter
from shim.errors import ShimError
from storage.db import connect
from storage.lockfile import RecorderLock
from storage.store import Store
from storage.writer import Writer

from .config import Config


class _Retention:
    """Deletes recordings older than ``retention_days``: at start, then once a day."""

    def __init__(self, store: Store, days: int | None, echo):
        self.store, self.days, self.echo = store, days, echo
        self._stop = threading.Event()

    def purge(self) -> int:
        import time

        cutoff = time.time() - self.days * 86400
        return self.store.forget(0.0, cutoff)

    def start(self) -> "_Retention":
        if self.days:
            def loop():
                while True:
                    try:
                        n = self.purge()
                        if n:
                            self.echo(f"onlooker: deleted {n} rows older than {self.days} days",
                                      err=True)
                    except Exception as exc:  # a busy database: try again tomorrow
                        self.echo(f"onlooker: retention purge postponed ({exc})", err=True)
                    if self._stop.wait(86400):
                        return
            threading.Thread(target=loop, name="onlooker-retention", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()


def _quietly(step) -> None:
    try:
        step()
    except Exception:
        pass


def _thread_died(args) -> None:
    """pynput's listener threads die with the X connection; say so in one line, no traceback."""
    if args.exc_type is not SystemExit:
        print(f"onlooker: input listener stopped ({args.exc_type.__name__})", file=sys.stderr)


def watch(db_path: Path, config: Config, *, echo=print) -> int:
    """Record until SIGINT/SIGTERM; returns the exit code. Everything acknowledged is flushed."""
    backend = backends.load(backends.choose())
    threading.excepthook = _thread_died
    lock = RecorderLock(db_path).acquire()
    stop = threading.Event()
    try:
        store = Store(connect(db_path))
        retention = _Retention(store, config.retention_days, echo)
        desktop = None
        writer = Writer(store, on_error=lambda exc: echo(f"onlooker: cannot write yet ({exc}); "
                                                         "keeping it and retrying", err=True),
                        on_resume=lambda: desktop and desktop.snapshot())
        counter = InputCounter(on_first=writer.poke)
        writer.drain_from(counter.drain)
        desktop = backend.Desktop(writer.put, classifier=config.classifier,
                                  keep_titles=config.keep_titles, title_deny=config.title_deny,
                                  on_exit=stop.set)
        writer.start()
        desktop.start()
        desktop.ready.wait(10)
        listener = backend.InputListener(counter).start()
        locks = backend.LockWatcher(writer.put).start()
        previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
        signal.signal(signal.SIGUSR1, lambda *_: writer.poke())  # 'pause' / 'resume' nudge us
        echo(f"onlooker: recording into {db_path} (Ctrl-C to stop)", err=True)
        retention.start()
        while not stop.is_set():
            stop.wait(3600)  # woken by a signal handler or the desktop thread ending
        for step in (retention.stop, locks.stop, listener.stop, desktop.stop):
            _quietly(step)  # with the X server gone, these may fail; the data is what matters
        writer.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
        if desktop.error is not None:
            echo(f"onlooker: {desktop.error}", err=True)
            return 1
        if writer.last_error is not None:
            echo(f"onlooker: the last batch could not be written ({writer.last_error})", err=True)
            return 1
        echo("onlooker: stopped; everything recorded is saved", err=True)
        return 0
    except ShimError as exc:
        echo(f"onlooker: {exc}", err=True)
        return 1
    finally:
        lock.release()
