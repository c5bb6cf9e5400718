"""A backend that replays an observation log as if it were happening now (tests, classroom).

Select it with ``ONLOOKER_BACKEND=fake``; ``ONLOOKER_FAKE_LOG`` names the log (a file, or a
bundled example such as ``email-during-lecture``) and ``ONLOOKER_FAKE_SPEED`` speeds it up
(default 1: real time). Or construct it with ``log=`` and ``speed=``.

The contract it fakes is the one in ``_base.py``, and it keeps every part of it:

- ``start()`` parses the log (a bad log is ``BackendUnavailable`` naming the line), reports
  everything at the log's time 0 (the starting state), sets ``ready`` and returns; the rest is
  reported from its own thread as the scenario's time comes.
- Times are absolute: log time ``t`` is stamped ``started + t``, where ``started`` is the
  moment ``start()`` was called; it is delivered at ``started + t / speed`` of the wall clock
  (so with a speed above 1, stamps run ahead of the wall clock, as a fast-forward would).
- Each log event becomes the ``Observation`` a real backend would report: ``focus``,
  ``minimize`` and ``restore`` with the app, a window id ``fake:<app>`` and the classifier's
  category (the title only with ``keep_titles``, redacted); ``lock``/``unlock`` with source
  ``fake``; meetings, sharing, tabs and page focus as written in the log (it does not run the
  meeting policy: the log says when meetings start, as a hand mark would).
- ``input`` spans go through the ``InputCounter`` one second at a time, as each second comes,
  with the span's counts spread over its seconds (a second with no counts left still counts
  as a second with input).
- At the log's ``end`` (or its last event) it ends by itself: ``error`` None, ``done`` set,
  ``on_exit()`` called. ``stop()`` ends it sooner; ``snapshot()`` reports the app in front.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from ..errors import BackendUnavailable
from ..model import MEETING, Event, Observation
from ..obslog import LogError, parse
from ..redact import redact_title
from ._base import BaseBackend

log = logging.getLogger(__name__)

WINDOW_EVENTS = ("focus", "minimize", "restore")


def example_logs() -> dict[str, Path]:
    """Bundled scenario name -> path (shim/examples/*.jsonl)."""
    folder = resources.files(__name__.rsplit(".", 2)[0]).joinpath("examples")
    return {p.name[:-6]: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".jsonl")}


def resolve_log(source: str | Path) -> Path:
    """A log file path, or a bundled example's name; BackendUnavailable if neither."""
    path = Path(source)
    if path.is_file():
        return path
    examples = example_logs()
    if str(source) in examples:
        return examples[str(source)]
    raise BackendUnavailable(f"ONLOOKER_FAKE_LOG={source}: no such file or bundled example "
                             f"(examples: {', '.join(sorted(examples))})")


def parse_speed(text: str | float | None) -> float:
    try:
        speed = float(text) if text not in (None, "") else 1.0
    except ValueError:
        speed = math.nan
    if not (math.isfinite(speed) and speed > 0):
        raise BackendUnavailable(f"ONLOOKER_FAKE_SPEED={text}: give a number above 0 "
                                 "(1 is real time, 10 ten times faster)")
    return speed


def spread(total: int | None, n: int) -> list[int]:
    """``total`` counts over ``n`` seconds as evenly as whole numbers allow."""
    total = total or 0
    return [total // n + (1 if i < total % n else 0) for i in range(n)]


def plan(events: Iterable[Event]) -> tuple[list[tuple[float, str, object]], float]:
    """Log events -> (time-ordered steps (t, "event" | "input", payload), the log's end).
    Input spans become one step per second: (t, "input", (offset_s, keys, pointer))."""
    steps: list[tuple[float, str, object]] = []
    end = 0.0
    for e in events:
        end = max(end, e.end)
        if e.event == "end":
            continue
        if e.event == "input":
            n = max(1, math.ceil(e.end - e.t)) if e.until is not None else 1
            for i, (k, p) in enumerate(zip(spread(e.keys, n), spread(e.pointer, n))):
                steps.append((e.t + i, "input", (e.t + i, k, p)))
        else:
            steps.append((e.t, "event", e))
    steps.sort(key=lambda s: s[0])  # stable: log order within the same moment
    return steps, end


class Backend(BaseBackend):
    name = "fake"
    capabilities = frozenset({"focus", "minimize", "lock", "input", "meeting", "share", "tab"})
    input_resolution_s = 1.0

    def __init__(self, *args, log: str | Path | None = None, speed: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        source = log if log is not None else self.env.get("ONLOOKER_FAKE_LOG")
        if not source:
            raise BackendUnavailable("the fake backend replays a log: set ONLOOKER_FAKE_LOG to a "
                                     "log file or a bundled example (onlooker replay "
                                     "--list-examples)")
        self.source = source
        self.speed = parse_speed(speed if speed is not None else self.env.get("ONLOOKER_FAKE_SPEED"))
        self.started: float | None = None  # epoch of the log's time 0
        self._wall0 = 0.0                   # monotonic clock at the log's time 0
        self._front: Event | None = None
        self.end = 0.0            # the log's length in log seconds (known after start())
        self.title: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the contract ----------------------------------------------------------------------

    def start(self) -> "Backend":
        path = resolve_log(self.source)
        try:
            with open(path, encoding="utf-8") as fh:
                header, events = parse(fh)
        except (LogError, OSError, UnicodeDecodeError) as exc:
            raise BackendUnavailable(f"{path}: {exc}; fix the log to replay it") from None
        steps, self.end = plan(events)
        self.title = header.title or path.stem
        self.started, self._wall0 = time.time(), time.monotonic()
        log.info("replaying %s at %gx (%d steps, %.0f s of log time)", path, self.speed,
                 len(steps), self.end)
        first = 0
        while first < len(steps) and steps[first][0] <= 0:
            self._do(steps[first])
            first += 1
        self.ready.set()
        self._thread = threading.Thread(target=self._run, args=(steps[first:],),
                                        name="onlooker-fake", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self._ended(None)

    def snapshot(self) -> None:
        front = self._front
        if front is not None and self.started is not None:
            self.sink(self._observation(front, self.started + self.log_time()))

    # --- replaying ---------------------------------------------------------------------------

    def log_time(self) -> float:
        """Seconds of log time since the start (wall time times speed)."""
        return (time.monotonic() - self._wall0) * self.speed

    def _run(self, steps: list) -> None:
        try:
            for step in steps:
                if self._stop.wait(max(0.0, step[0] / self.speed - (time.monotonic() - self._wall0))):
                    return
                self._do(step)
            if not self._stop.wait(max(0.0, self.end / self.speed - (time.monotonic() - self._wall0))):
                log.info("the replayed log %s ended", self.source)
            self._ended(None)
        except Exception as exc:  # a sink that fails: reported to the runner through .error
            log.exception("the fake backend stopped")
            self._ended(exc)

    def _do(self, step: tuple[float, str, object]) -> None:
        t, kind, payload = step
        if kind == "input":
            offset, keys, pointer = payload
            self.counter.add(math.floor(self.started + offset), keys, pointer)
            return
        event: Event = payload
        if event.event in ("focus", "restore"):
            self._front = event  # restoring brings a window to the front
        self.sink(self._observation(event, self.started + t))

    def _observation(self, e: Event, ts: float) -> Observation:
        data = dict(e.extra or {})
        if e.url:
            data["url"] = e.url
        if e.state:
            data["state"] = e.state
        if e.event in WINDOW_EVENTS:
            title = redact_title(e.title, self.title_deny) if (self.keep_titles and e.title) else None
            return Observation(ts=ts, kind=e.event, app=e.app, window=f"fake:{e.app}",
                               category=self.classifier.classify(e.app, e.title), title=title,
                               data=data or None)
        if e.event in ("lock", "unlock"):
            data.setdefault("source", "fake")
        if e.event == "meeting_start":
            return Observation(ts=ts, kind=e.event, app=e.app, window=f"fake:{e.app}",
                               category=MEETING, data=data or None)
        return Observation(ts=ts, kind=e.event, app=e.app, data=data or None)


if __name__ == "__main__":  # a probe: python -m onlooker.shim.backends._fake NAME [SPEED]
    import sys

    from ..counter import InputCounter

    finished = threading.Event()
    Backend(lambda o: print(o, flush=True), InputCounter(), log=sys.argv[1],
            speed=float(sys.argv[2]) if len(sys.argv) > 2 else 1.0, on_exit=finished.set).start()
    finished.wait()
