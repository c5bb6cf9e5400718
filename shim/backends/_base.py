"""What every backend provides: the contract ``ui/watch.py`` (and only it) relies on.

A backend observes one desktop and reports raw facts; it never decides "inattentive" (that is
the profiles' job) and never decides meetings by its own rules (``shim/sessions.py`` does).
Each backend module exports a class named ``Backend`` that subclasses ``BaseBackend`` (the
pynput shape: one ``_base.py`` documented once, one ``_<platform>.py`` per platform, one
selector in ``__init__.py``).

The contract:

- ``__init__(sink, counter, *, classifier, keep_titles, title_deny, on_exit, env)`` does no
  I/O that can block; it may raise ``BackendUnavailable`` (one line saying what to do).
- ``start()`` begins observing from the backend's own thread(s) and returns once the starting
  state (what is in front now) has been reported, then ``ready`` is set. It raises
  ``BackendUnavailable`` when the desktop cannot be observed after all (a missing package, no
  display), with nothing left running.
- Every happening becomes one ``Observation`` passed to ``sink`` (from any backend thread, with
  absolute UTC epoch times). Input activity goes only through ``counter`` (an
  ``InputCounter``): that a key or the pointer was used, never which key or where.
- When the backend ends by itself (the X server went away, a replayed log ran out) it sets
  ``error`` (None for a normal end), sets ``done`` and calls ``on_exit()`` once.
- ``stop()`` ends observing and returns within a few seconds; safe to call after it ended by
  itself, and more than once. Failures while stopping are logged, not raised.
- ``snapshot()`` reports the current state again (what is in front), from cached state, from any
  thread: called when recording resumes after a pause, so the record starts whole.
- ``capabilities`` says what it can observe, so a report can tell "not seen" from "did not
  happen"; ``input_resolution_s`` is the granularity of its input activity (None: no input).
- ``input_source`` (set by ``start()``) is the ``InputSource`` in use, or None: which source
  tells the ``InputCounter`` about input, and whether input events reach the process at all.
  A backend prefers a source that never sees an event (an idle counter of the display server)
  and falls back to one that does (pynput) only where there is none.
"""

from __future__ import annotations

import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import ClassVar

from ..classify import Classifier
from ..counter import InputCounter
from ..errors import BackendUnavailable
from ..model import Observation

log = logging.getLogger(__name__)

# What a backend may declare it observes (names used in ``capabilities``).
CAPABILITIES = frozenset({"focus", "minimize", "lock", "input", "meeting", "share", "tab"})


class InputSource(ABC):
    """Where a backend learns *that* there was keyboard or pointer input, feeding an
    ``InputCounter``: either each event (``key()`` / ``pointer()``) or activity periods from a
    counter the display server keeps (``active()`` / ``idle()``), which never hands the process
    a single key press. ``start()`` raises ``BackendUnavailable`` when it cannot work here."""

    name: ClassVar[str] = "none"             # stable id, e.g. "xsync", "pynput"
    sees_input_events: ClassVar[bool] = True  # False: no key press or motion reaches the process
    resolution_s: ClassVar[float] = 1.0       # the granularity of what it reports
    description: ClassVar[str] = ""           # one line for `status` and the log

    @abstractmethod
    def start(self) -> "InputSource":
        """Begin reporting to the counter; returns once it does."""

    @abstractmethod
    def stop(self) -> None:
        """Stop reporting (closing any open activity period); idempotent."""

    def summary(self) -> dict:
        """What ``status`` shows about the source in use."""
        return {"source": self.name, "resolution_s": self.resolution_s,
                "sees_input_events": self.sees_input_events, "description": self.description}


class BaseBackend(ABC):
    """The contract above, with the shared plumbing (events, exit once) filled in."""

    name: ClassVar[str] = "base"
    capabilities: ClassVar[frozenset[str]] = frozenset()
    input_resolution_s: ClassVar[float | None] = None
    input_source: InputSource | None = None  # set by start(); see the contract above

    def __init__(self, sink: Callable[[Observation], None], counter: InputCounter, *,
                 classifier: Classifier | None = None, keep_titles: bool = False,
                 title_deny=None, on_exit: Callable[[], None] | None = None,
                 env: Mapping[str, str] | None = None):
        self.sink = sink
        self.counter = counter
        self.classifier = classifier or Classifier()
        self.keep_titles = keep_titles
        self.title_deny = title_deny
        self.env = os.environ if env is None else env
        self._on_exit = on_exit or (lambda: None)
        self._exited = threading.Lock()
        self.ready = threading.Event()  # the starting state has been reported
        self.done = threading.Event()   # the backend ended (by stop() or by itself)
        self.error: BaseException | None = None

    @abstractmethod
    def start(self) -> "BaseBackend":
        """Begin observing; return once the starting state is reported (``ready`` set)."""

    @abstractmethod
    def stop(self) -> None:
        """End observing within a few seconds; idempotent; never raises."""

    @abstractmethod
    def snapshot(self) -> None:
        """Report the current state again (after a pause)."""

    def _stop_parts(self, parts: list) -> None:
        """Stop the parts a backend started, newest first. A part may fail once its desktop is
        gone; the data is what matters, so each failure is logged with its cause and the rest
        still stop."""
        for part in reversed(parts):
            try:
                part.stop()
            except Exception:  # noqa: BLE001 (logged with its cause, not silenced)
                log.warning("stopping %s failed", type(part).__name__, exc_info=True)
        parts.clear()

    def _ended(self, error: BaseException | None = None) -> None:
        """Record how the backend ended and tell the runner, once."""
        if not self._exited.acquire(blocking=False):
            return
        self.error = error
        self.ready.set()  # nobody waits forever for a start that will not come
        self.done.set()
        self._on_exit()


def missing_package(backend: str, exc: ImportError, packages: Mapping[str, str]) -> BackendUnavailable:
    """A one-line error naming the pip package for a module that could not be imported, e.g.
    'the X11 backend needs python-xlib: pip install python-xlib'."""
    module = (getattr(exc, "name", None) or "").split(".")[0]
    package = packages.get(module, module or "its dependencies")
    return BackendUnavailable(f"the {backend} backend needs {package}: pip install {package}")
