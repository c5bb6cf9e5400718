"""What every tracker profile is made of, and the small state trackers several share.

A profile is a pure fold over time-sorted events: ``machine()`` makes a fresh state machine, each
event is fed in order, and ``finish(end)`` returns the result. No clocks, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..model import Event


@dataclass(frozen=True, slots=True)
class Flag:
    """One thing the product would have shown: from ``at`` (until ``until``, or a moment)."""

    at: float
    until: float | None
    what: str


@dataclass
class Result:
    id: str
    name: str
    seen_by: str
    observations: list[Flag]
    metrics: dict[str, Any]
    sources: list[str]
    assumptions: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "seen_by": self.seen_by,
            "observations": [
                {"at": _r(f.at), "until": None if f.until is None else _r(f.until), "what": f.what}
                for f in self.observations
            ],
            "metrics": self.metrics,
            "sources": list(self.sources),
            "assumptions": list(self.assumptions),
        }


def _r(x: float) -> float:
    return round(x, 3)


class Machine(Protocol):
    handles: frozenset[str]

    def feed(self, event: Event) -> None: ...

    def finish(self, end: float) -> tuple[list[Flag], dict[str, Any]]: ...


@dataclass(frozen=True)
class Profile:
    """A product's documented rule set. ``id`` is part of the public interface."""

    id: str
    name: str
    seen_by: str
    sources: tuple[str, ...]
    assumptions: tuple[str, ...]
    machine: Callable[["LogInfo"], Machine] = field(repr=False)

    def run(self, events: Iterable[Event], info: "LogInfo | None" = None,
            end: float | None = None) -> Result:
        """Evaluate over time-sorted events (a convenience for one profile at a time)."""
        info = info or LogInfo()
        m = self.machine(info)
        last = 0.0
        for ev in events:
            last = max(last, ev.end)
            if ev.event in m.handles:
                m.feed(ev)
        flags, metrics = m.finish(last if end is None else max(end, last))
        return self.result(flags, metrics)

    def result(self, flags: list[Flag], metrics: dict[str, Any]) -> Result:
        return Result(self.id, self.name, self.seen_by, flags, metrics,
                      list(self.sources), list(self.assumptions))


@dataclass(frozen=True)
class LogInfo:
    """Facts about the log a rule may need: its wall-clock start (epoch s), if known."""

    start: float | None = None


def absent(why: str) -> dict[str, Any]:
    """Metrics for a profile whose signals are not in the log: say so, invent nothing."""
    return {"applies": False, "missing": why}


def pct(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(100.0 * min(max(part / whole, 0.0), 1.0), 1)


def duration_text(seconds: float) -> str:
    """Plain words: 72 -> '1 min 12 s'."""
    seconds = max(0, round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h} h"] if h else []
    if m:
        parts.append(f"{m} min")
    if s or not parts:
        parts.append(f"{s} s")
    return " ".join(parts)


class Activity:
    """Turns input events into idle gaps: stretches with no keyboard/mouse input.

    An input at ``t`` is activity at that instant; with ``until`` it covers [t, until]. Touching
    or overlapping spans merge, so splitting a span in two changes nothing. The log's start
    counts as the last input before the first one (the observer started with the user there).
    """

    def __init__(self) -> None:
        self.seen = False
        self._last = 0.0  # end of the activity seen so far
        self.gaps: list[tuple[float, float]] = []

    def feed(self, event: Event) -> None:
        start = event.t
        stop = start if event.until is None else event.until
        if start > self._last:
            self.gaps.append((self._last, start))
        if stop > self._last:
            self._last = stop
        self.seen = True

    def finish(self, end: float) -> list[tuple[float, float]]:
        if end > self._last:
            self.gaps.append((self._last, end))
            self._last = end
        return self.gaps


def beyond(gaps: Iterable[tuple[float, float]], threshold: float) -> list[tuple[float, float]]:
    """Parts of idle gaps past ``threshold`` seconds: [gap start + threshold, gap end)."""
    return [(a + threshold, b) for a, b in gaps if b - a > threshold]


def total(spans: Iterable[tuple[float, float]]) -> float:
    return sum(b - a for a, b in spans)


def union(*span_lists: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Merge overlapping or touching spans."""
    spans = sorted(s for lst in span_lists for s in lst if s[1] > s[0])
    out: list[tuple[float, float]] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class Locks:
    """Locked intervals from lock/unlock events (a lock with no unlock lasts to the end)."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.spans: list[tuple[float, float]] = []

    def feed(self, event: Event) -> None:
        if event.event == "lock" and self.since is None:
            self.since = event.t
        elif event.event == "unlock" and self.since is not None:
            self.spans.append((self.since, event.t))
            self.since = None

    def finish(self, end: float) -> list[tuple[float, float]]:
        if self.since is not None:
            self.spans.append((self.since, end))
            self.since = None
        return self.spans


def floor_s(x: float) -> int:
    return math.floor(x + 1e-9)
