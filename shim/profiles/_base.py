"""What every tracker profile is made of, and the small state trackers several share.

A profile is a pure fold over time-sorted events: ``machine()`` makes a fresh state machine, each
event is fed in order, and ``finish(end)`` returns the result. No clocks, no I/O.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..model import Event, union


# What an observation is, so pages and reports need not guess from its sentence:
# "stretch" a state that held from ``at`` to ``until``; "moment" a one-off entry (no ``until``);
# "slot" a measurement period (Hubstaff's 10 minutes), reported whether or not anything was wrong.
FLAG_KINDS = ("stretch", "moment", "slot")
MEASURE_KINDS = frozenset(("slot",))  # kinds that measure a period rather than flag the person

# Units a metric is counted in: a number of things, a percentage (0-100), a duration in seconds,
# or a moment given as seconds since the log's start.
METRIC_UNITS = ("count", "%", "s", "at")


@dataclass(frozen=True, slots=True)
class Flag:
    """One thing the product would have shown: from ``at`` (until ``until``, or a moment), in
    seconds since the log's start.

    ``kind`` defaults to "moment" without ``until`` and "stretch" with one. ``data`` holds the
    figures the sentence states (a slot's active seconds, the meeting it belongs to, ...), so
    exports and diaries need not parse ``what``."""

    at: float
    until: float | None
    what: str
    kind: str = ""
    data: dict[str, Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", "moment" if self.until is None else "stretch")
        elif self.kind not in FLAG_KINDS:
            raise ValueError(f"flag kind must be one of {', '.join(FLAG_KINDS)}, not {self.kind!r}")
        if self.until is not None and self.until <= self.at:
            raise ValueError(f"a flag lasts: until ({self.until}) must be after at ({self.at})")

    @property
    def is_measure(self) -> bool:
        return self.kind in MEASURE_KINDS


def flag_ms(a: int, b: int | None, what: str, kind: str = "", **data: Any) -> Flag:
    """A flag from integer milliseconds (the profiles' own resolution)."""
    return Flag(a / 1000, None if b is None else b / 1000, what, kind, data or None)


@dataclass
class Result:
    id: str
    name: str
    seen_by: str
    observations: list[Flag]
    metrics: dict[str, Any]
    sources: list[str]
    assumptions: list[str]
    sessions: list[dict[str, Any]] | None = None  # per-meeting figures (meeting profiles)

    def to_json(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "name": self.name,
            "seen_by": self.seen_by,
            "observations": [_flag_json(f) for f in self.observations],
            "metrics": self.metrics,
            "sources": list(self.sources),
            "assumptions": list(self.assumptions),
        }
        if self.sessions is not None:
            out["sessions"] = self.sessions
        return out


def _flag_json(f: Flag) -> dict[str, Any]:
    out = {"at": _r(f.at), "until": None if f.until is None else _r(f.until), "what": f.what,
           "kind": f.kind}
    if f.data:
        out["data"] = f.data
    return out


def _r(x: float) -> float:
    return round(x, 3)


class Machine(Protocol):
    """Fed normalised events (implied states written out, see ``Normaliser``); ``finish(end)``
    returns flags and metrics (and, optionally, sessions). A machine with ``in_ms = True``
    gets times and ``end`` as integer milliseconds (all shipped profiles: thresholds exact);
    any other gets seconds, as before. A machine may keep the state it feeds in a ``shared``
    part that it only reads at ``finish``; a replay gives every machine with a part of the same
    class one instance, fed once."""

    handles: frozenset[str]

    def feed(self, event: Event) -> None: ...

    def finish(self, end: int) -> tuple: ...


@dataclass(frozen=True)
class Metric:
    """How a person reads one metric: ``label`` is plain words after the number."""

    key: str
    label: str
    unit: str = "count"

    def __post_init__(self) -> None:
        if self.unit not in METRIC_UNITS:
            raise ValueError(f"metric {self.key!r}: unit must be one of {', '.join(METRIC_UNITS)}")

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "label": self.label, "unit": self.unit}


@dataclass(frozen=True)
class Presentation:
    """How a profile presents itself everywhere (dashboard, notifications, terminal, exports).

    ``metrics`` words every metric the profile reports, in reading order; ``headline`` names the
    one or two a card leads with, ``trend`` the one charted per day (durations as minutes,
    percentages on a fixed 0-100 scale, counts as they are). ``live`` is the sentence telling a
    person, while one of its flags holds, what the product would show now; None when its flags
    are not states one could be told about as they happen.
    """

    short: str
    metrics: tuple[Metric, ...]
    headline: tuple[str, ...]
    trend: str
    live: str | None = None

    def __post_init__(self) -> None:
        keys = [m.key for m in self.metrics]
        for key in (*self.headline, self.trend):
            if key not in keys:
                raise ValueError(f"{self.short}: {key!r} is not one of its metrics {keys}")

    def metric(self, key: str) -> Metric | None:
        return next((m for m in self.metrics if m.key == key), None)

    @property
    def trend_unit(self) -> str:
        """The trend chart's unit: "min", "%" (0-100) or "count"."""
        unit = self.metric(self.trend).unit  # type: ignore[union-attr]
        return {"s": "min", "%": "%"}.get(unit, "count")

    def to_json(self) -> dict[str, Any]:
        trend = self.metric(self.trend)
        return {
            "short": self.short,
            "metrics": [m.to_json() for m in self.metrics],
            "headlines": [self.metric(k).to_json() for k in self.headline],  # type: ignore[union-attr]
            "trend": {**trend.to_json(), "scale": self.trend_unit},  # type: ignore[union-attr]
            "live": self.live,
        }


@dataclass(frozen=True)
class Profile:
    """A product's documented rule set. ``id`` is part of the public interface."""

    id: str
    name: str
    seen_by: str
    sources: tuple[str, ...]
    assumptions: tuple[str, ...]
    machine: Callable[["LogInfo"], Machine] = field(repr=False)
    presentation: Presentation = field(repr=False)

    def describe(self) -> dict[str, Any]:
        """Who it is and how it presents itself, for pages that show profiles."""
        return {"id": self.id, "name": self.name, "seen_by": self.seen_by,
                **self.presentation.to_json()}

    def run(self, events: Iterable[Event], info: "LogInfo | None" = None,
            end: float | None = None) -> Result:
        """Evaluate over time-sorted events (a convenience for one profile at a time)."""
        info = info or LogInfo()
        m = make_machine(self, info)
        norm = Normaliser()
        last = 0.0
        for ev in events:
            last = max(last, ev.end)
            for e in norm.feed(ev):
                if e.event in m.handles:
                    m.feed(e)
        return self.result(*m.finish(ms(last if end is None else max(end, last))))

    def result(self, flags: list[Flag], metrics: dict[str, Any],
               sessions: list[dict[str, Any]] | None = None) -> Result:
        flags.sort(key=lambda f: (f.at, f.until is None, f.until or 0.0))  # stable for ties
        return Result(self.id, self.name, self.seen_by, flags, metrics,
                      list(self.sources), list(self.assumptions), sessions)


@dataclass(frozen=True)
class LogInfo:
    """Facts about the log a rule may need.

    ``start``: its wall-clock start (epoch s), if known. ``utc_offset_s``: the offset of the
    person's wall clock at the start (seconds east of UTC), if known. ``unobserved``: periods
    (seconds since the start, [a, b)) when nothing was recording; profiles count them as neither
    idle, away nor active, and never flag inside them."""

    start: float | None = None
    utc_offset_s: int | None = None
    unobserved: tuple[tuple[float, float], ...] = ()

    def unobserved_ms(self) -> list[tuple[int, int]]:
        return union([(ms(a), ms(b)) for a, b in self.unobserved])


def ms(seconds: float) -> int:
    """Seconds -> integer milliseconds, the log's own resolution. Every threshold is compared
    in these, so 130.002 - 100.002 is exactly 30 000 and never a hair more."""
    return round(seconds * 1000)


# --- implied states ---------------------------------------------------------------------------
# Browsers and desktops report changes, so a change also says what the state was before it. When
# the state before a change is unknown (nothing has set it since its scope began), the change
# implies the opposite state since that scope's start: the log's start, or for sharing the
# meeting's start. Only changes *out of* a non-default state need it (a first 'lock' already says
# "unlocked before", which is what an unknown lock state is taken to be).

def _state_key(e: Event):
    kind = e.event
    if kind in ("lock", "unlock"):
        return "lock"
    if kind in ("share_start", "share_end"):
        return "share"
    if kind == "tab":
        return ("hidden", e.url)
    if kind in ("page_blur", "page_focus"):
        return ("blurred", e.url)
    return None


class Normaliser:
    """Every profile's input goes through this: times become integer milliseconds, and each
    state a transition implies is written out as the event it implies (at the scope's start,
    right before the transition). Profiles keep per-state histories, so such an event, earlier
    than those before it, lands where it belongs; the result equals that of the log with the
    implied event written in it.

    ``feed`` takes events in seconds; ``implied`` takes events already in milliseconds (a log
    read by ``LogReader(in_ms=True)``), so a year's replay builds no second Event per line and
    no list per event. What it keeps is one entry per state (app, page), never per event."""

    def __init__(self) -> None:
        self.known: set = set()
        self.apps: set = set()  # apps whose minimized state is known (the commonest key)
        self.share_scope = 0  # sharing is unknown from each meeting's start

    def feed(self, e: Event) -> list[Event]:
        out = e.in_ms()
        implied = self.implied(out)
        return [out] if implied is None else [implied, out]

    def implied(self, e: Event) -> Event | None:
        """The earlier state ``e`` (in ms) implies, to be fed before it, or None."""
        kind = e.event
        if kind == "focus" or kind == "minimize":
            self.apps.add(e.app)
            return None
        if kind == "input" or kind == "end":
            return None
        if kind == "restore":
            if e.app in self.apps:
                return None
            self.apps.add(e.app)
            return Event(0, "minimize", e.app)
        if kind == "meeting_start":
            self.share_scope = e.t
            return None
        if kind == "meeting_end":
            self.known.discard("share")
            self.share_scope = e.t
            return None
        key = _state_key(e)
        if key is None or key in self.known:
            return None
        self.known.add(key)
        if kind == "unlock":
            return Event(0, "lock")
        if kind == "share_end":
            return Event(self.share_scope, "share_start")
        if kind == "tab" and e.state == "visible":
            return Event(0, "tab", url=e.url, state="hidden")
        if kind == "page_focus":
            return Event(0, "page_blur", url=e.url)
        return None


class _InSeconds:
    """Hands a machine written for seconds the normalised events in seconds."""

    def __init__(self, machine) -> None:
        self.machine = machine
        self.handles = machine.handles

    def feed(self, e: Event) -> None:
        self.machine.feed(Event(e.t / 1000, e.event, e.app, e.title,
                                None if e.until is None else e.until / 1000, e.keys, e.pointer,
                                e.url, e.state, e.extra))

    def finish(self, end: int):
        return self.machine.finish(end / 1000)


def make_machine(profile: "Profile", info: "LogInfo"):
    m = profile.machine(info)
    return m if getattr(m, "in_ms", False) else _InSeconds(m)


def push(changes: list[tuple[int, Any]], t: int, value: Any) -> None:
    """Append a state change to its history; an implied (earlier) one is put in its place."""
    if not changes or changes[-1][0] <= t:
        changes.append((t, value))
    else:
        changes.insert(bisect_right(changes, t, key=lambda c: c[0]), (t, value))


def absent(why: str) -> dict[str, Any]:
    """Metrics for a profile whose signals are not in the log: say so, invent nothing."""
    return {"applies": False, "missing": why}


def pct(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(100.0 * min(max(part / whole, 0.0), 1.0), 1)


def secs(milliseconds: int) -> float:
    """Integer ms -> seconds for metrics (exact to the millisecond)."""
    return milliseconds / 1000


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


def ms_text(milliseconds: int) -> str:
    return duration_text(milliseconds / 1000)


class Activity:
    """Turns input events into idle gaps: stretches with no keyboard/mouse input.

    An input at ``t`` is activity at that instant; with ``until`` it covers [t, until]. Touching
    or overlapping spans merge, so splitting a span in two changes nothing. The log's start
    counts as the last input before the first one (the observer started with the user there),
    and so does the end of each unobserved period.

    Only gaps longer than ``keep_over`` (ms) are kept: a rule that acts after N minutes needs no
    shorter one (cutting out unobserved time only shortens a gap), and a year of short pauses
    would otherwise be held to the end.
    """

    def __init__(self, info: LogInfo | None = None, keep_over: int = 0) -> None:
        self.seen = False
        self._last = 0  # end of the activity seen so far
        self.keep_over = keep_over
        self.gaps: list[tuple[int, int]] = []
        self.unobserved = info.unobserved_ms() if info else []

    def touch(self, t: int) -> None:
        """Activity that is not an input event (an unlock: the password was typed)."""
        if t > self._last:
            if t - self._last > self.keep_over:
                self.gaps.append((self._last, t))
            self._last = t

    def feed(self, event: Event) -> None:
        start = event.t
        last = self._last
        if start > last:
            if start - last > self.keep_over:
                self.gaps.append((last, start))
            last = start
        stop = event.until
        if stop is not None and stop > last:
            last = stop
        self._last = last
        self.seen = True

    def finish(self, end: int) -> list[tuple[int, int]]:
        if end > self._last:
            if end - self._last > self.keep_over:
                self.gaps.append((self._last, end))
            self._last = end
        if self.unobserved:
            self.gaps = subtract(self.gaps, self.unobserved)
        return self.gaps


def beyond(gaps: Iterable[tuple[int, int]], threshold: int) -> list[tuple[int, int]]:
    """Parts of idle gaps past ``threshold`` ms: [gap start + threshold, gap end), for gaps of
    more than the threshold (a gap of exactly it ends the instant it is reached: nothing lasts)."""
    return [(a + threshold, b) for a, b in gaps if b - a > threshold]


def total(spans: Iterable[tuple[int, int]]) -> int:
    return sum(b - a for a, b in spans)


def subtract(spans: Iterable[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``spans`` outside ``holes`` (merged, sorted); nothing of zero length."""
    out = []
    for a, b in spans:
        for u, v in holes:
            if v <= a or u >= b:
                continue
            if u > a:
                out.append((a, u))
            a = max(a, v)
            if a >= b:
                break
        if b > a:
            out.append((a, b))
    return out


class Locks:
    """Locked intervals (ms) from lock/unlock events (a lock with no unlock lasts to the end)."""

    def __init__(self) -> None:
        self.since: int | None = None
        self.spans: list[tuple[int, int]] = []

    def feed(self, event: Event) -> None:
        if event.event == "lock" and self.since is None:
            self.since = event.t
        elif event.event == "unlock" and self.since is not None:
            if event.t > self.since:
                self.spans.append((self.since, event.t))
            self.since = None

    def finish(self, end: int) -> list[tuple[int, int]]:
        if self.since is not None:
            if end > self.since:
                self.spans.append((self.since, end))
            self.since = None
        return self.spans
