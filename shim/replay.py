"""Replay an observation log through tracker profiles in one streaming pass."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from dataclasses import dataclass
from typing import Any

from .model import Event, LogHeader
from .obslog import LogReader, OutOfOrder, format_time, header_of, iter_events, read_lines
from .profiles import PROFILES, LogInfo, Result
from .profiles._base import Normaliser, make_machine


class UnknownProfile(ValueError):
    pass


@dataclass
class Replay:
    header: LogHeader
    duration_s: float
    results: list[Result]
    not_recorded: tuple[tuple[float, float], ...] = ()  # [a, b) seconds since the start

    def to_json(self) -> dict[str, Any]:
        start = self.header.start
        return {
            "log": {"title": self.header.title,
                    "start": None if start is None else format_time(start),
                    "duration_s": round(self.duration_s, 3),
                    "not_recorded": [[round(a, 3), round(b, 3)] for a, b in self.not_recorded]},
            "profiles": [r.to_json() for r in self.results],
        }


def pick(ids: Sequence[str] | None) -> list[str]:
    """Profile ids to run, in registry order; all when none are named."""
    if not ids:
        return list(PROFILES)
    unknown = [i for i in ids if i not in PROFILES]
    if unknown:
        raise UnknownProfile(f"unknown profile {unknown[0]!r}; known: {', '.join(PROFILES)}")
    return [i for i in PROFILES if i in ids]


class _Run:
    """The profiles' state machines, fed event by event (through the one ``Normaliser``, so
    every profile sees integer milliseconds and the states transitions imply)."""

    def __init__(self, ids: list[str], info: LogInfo) -> None:
        self.machines = [(PROFILES[i], make_machine(PROFILES[i], info)) for i in ids]
        self.by_event: dict[str, tuple] = {}  # event name -> the bound feed methods to call
        parts: dict[type, Any] = {}
        for _, m in self.machines:
            # A machine's ``shared`` part (state it only reads, built from the same info and
            # fed the same events as any other of its class) is built and fed once per run.
            part = getattr(m, "shared", None)
            if part is not None:
                m.shared = part = parts.setdefault(type(part), part)
            feed = (part or m).feed
            for name in m.handles:
                fed = self.by_event.get(name, ())
                if feed not in fed:
                    self.by_event[name] = (*fed, feed)
        self.norm = Normaliser()
        self.end = 0.0  # the latest moment an event speaks about (an 'end' event's included)

    def feed(self, events: Iterable[Event]) -> None:
        """Events in seconds (a store's, a sorted log's)."""
        self.feed_ms(self._in_ms(events))

    def _in_ms(self, events: Iterable[Event]) -> Iterator[Event]:
        end = self.end
        for e in events:
            last = e.t if e.until is None else e.until
            if last > end:
                end = last
            yield e.in_ms()
        self.end = end

    def feed_ms(self, events: Iterable[Event]) -> None:
        """Events already in milliseconds (``LogReader(in_ms=True)``); the caller keeps ``end``.
        The hot loop of a year's replay: one call per machine and event, nothing allocated."""
        implied_by, by_event = self.norm.implied, self.by_event
        for e in events:
            implied = implied_by(e)
            if implied is not None:
                for feed in by_event.get(implied.event, ()):
                    feed(implied)
            for feed in by_event.get(e.event, ()):
                feed(e)

    def finish(self, until: float | None = None) -> tuple[float, list[Result]]:
        end = max(self.end, until or 0.0)
        end_ms = round(end * 1000)
        return end, [p.result(*m.finish(end_ms)) for p, m in self.machines]


def info_of(header: LogHeader, unobserved=None) -> LogInfo:
    """What the profiles know of a log; ``unobserved`` defaults to the header's ``not_recorded``."""
    return LogInfo(start=header.start, utc_offset_s=header.utc_offset_s,
                   unobserved=header.not_recorded if unobserved is None else tuple(unobserved))


def replay_events(header: LogHeader, events: Iterable[Event],
                  profiles: Sequence[str] | None = None, until: float | None = None,
                  unobserved: Iterable[tuple[float, float]] | None = None, *,
                  in_ms: bool = False) -> Replay:
    """Replay time-sorted events (sort them first if they may be out of order). ``until`` is
    the end of the observed period when it outlasts the last event (a report of a whole day).
    ``unobserved``: [a, b) periods, in seconds since the header's start, when no recorder ran;
    no profile counts them as idle, away or active, or flags inside them. ``in_ms``: the
    events' times are already integer milliseconds (``Store.events_ms``)."""
    unobserved = header.not_recorded if unobserved is None else tuple(unobserved)
    run = _Run(pick(profiles), info_of(header, unobserved))
    if in_ms:
        events = events if isinstance(events, Sequence) else list(events)
        run.feed_ms(events)
        run.end = max((e.t if e.until is None else e.until for e in events), default=0) / 1000
    else:
        run.feed(events)
    end, results = run.finish(until)
    return Replay(header, end, results, unobserved)


def _stream(lines: Iterable[str], ids: list[str]) -> Replay:
    reader = LogReader(in_ms=True)  # events come out as profiles read them
    events = reader.events(lines, in_order=True)
    first = next(events, None)  # the header (if any) has been read by now
    header = header_of(reader)
    run = _Run(ids, info_of(header))
    if first is not None:
        run.feed_ms(chain((first,), events))
    run.end = reader.latest
    end, results = run.finish()
    return Replay(header, end, results, header.not_recorded)


def replay_file(path: str, profiles: Sequence[str] | None = None) -> Replay:
    """Replay a log file. Streams when lines are in time order (the usual case); otherwise
    loads and sorts (stable) first. Raises LogError before any result exists."""
    ids = pick(profiles)
    try:
        with open(path, "rb") as fh:
            return _stream(read_lines(fh), ids)
    except OutOfOrder:
        pass
    reader = LogReader()
    with open(path, "rb") as fh:
        events = list(iter_events(read_lines(fh), reader))
    events.sort(key=lambda e: e.t)
    return replay_events(header_of(reader), events, ids)


def replay_lines(lines: Sequence[str], profiles: Sequence[str] | None = None) -> Replay:
    """Replay log lines held in memory."""
    ids = pick(profiles)
    try:
        return _stream(lines, ids)
    except OutOfOrder:
        reader = LogReader()
        events = sorted(iter_events(lines, reader), key=lambda e: e.t)
        return replay_events(header_of(reader), events, ids)
