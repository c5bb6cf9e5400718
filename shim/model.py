"""The observation data model shared by observers, the log format, profiles and storage.

An ``Event`` is one thing the desktop or browser did, at ``t`` seconds from the log's start (what
profiles read). An ``Observation`` is what an observer reports, at an absolute time, and an
``InputSecond`` the input activity of one second (what the recorder stores). Every layer speaks
these types; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Event name -> fields it must carry. The names are the public log format (version 1).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "focus": ("app",),
    "minimize": ("app",),
    "restore": ("app",),
    "input": (),
    "lock": (),
    "unlock": (),
    "meeting_start": ("app",),
    "meeting_end": (),
    "share_start": (),
    "share_end": (),
    "tab": ("url", "state"),
    "page_blur": ("url",),
    "page_focus": ("url",),
    # optional browser events (the extension and the probe page record them; older logs lack them)
    "fullscreen_enter": ("url",),
    "fullscreen_exit": ("url",),
    "pointer_leave": ("url",),
    "pointer_enter": ("url",),
    "end": (),
}
EVENT_NAMES = frozenset(REQUIRED_FIELDS)
TAB_STATES = ("visible", "hidden")

# Window classifications stored instead of titles.
MEETING = "meeting"
BROWSER = "browser"
OTHER = "other"


@dataclass(slots=True)
class Event:
    """One observation; ``t`` is seconds since the log's start (fractions allowed).

    Treated as immutable. Not ``frozen``: frozen dataclasses are five times slower to create,
    and a year's log holds a million of these."""

    t: float
    event: str
    app: str | None = None
    title: str | None = None
    until: float | None = None  # input spans: input in every second of [t, until)
    keys: int | None = None       # input: 1 if some second had keyboard input (old logs: a count)
    pointer: int | None = None    # input: 1 if some second had pointer input (old logs: a count)
    url: str | None = None
    state: str | None = None
    extra: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def end(self) -> float:
        """The latest moment this event speaks about."""
        return self.until if self.until is not None else self.t

    def in_ms(self) -> Event:
        """The same event in integer milliseconds (what profiles read)."""
        return Event(round(self.t * 1000), self.event, self.app, self.title,
                     None if self.until is None else round(self.until * 1000), self.keys,
                     self.pointer, self.url, self.state, self.extra)

    def in_seconds(self) -> Event:
        """An event in milliseconds back in seconds."""
        return Event(self.t / 1000, self.event, self.app, self.title,
                     None if self.until is None else self.until / 1000, self.keys,
                     self.pointer, self.url, self.state, self.extra)


@dataclass(frozen=True, slots=True)
class LogHeader:
    """The optional first line of an observation log."""

    start: float | None = None  # epoch seconds (UTC); None when the log only has relative times
    title: str | None = None
    version: int = 1
    # the person's wall clock at the start: seconds east of UTC (from the start's "+05:45");
    # None when unknown (then rules that follow the wall clock use UTC and say so)
    utc_offset_s: int | None = None
    # [a, b) seconds since the start when nothing was recording (no recorder ran, or it was
    # paused): neither idle, away nor active, but unknown
    not_recorded: tuple[tuple[float, float], ...] = ()

@dataclass(frozen=True, slots=True)
class Observation:
    """A desktop happening. ``kind`` is a log event name (focus, minimize, restore, lock, unlock,
    meeting_start, meeting_end, share_start, share_end, ...) at ``ts`` epoch seconds (UTC)."""

    ts: float
    kind: str
    app: str | None = None
    window: str | None = None     # stable id of the window for its lifetime, e.g. "x11:0x1c00007"
    category: str | None = None   # meeting / browser / other
    title: str | None = None      # only when the user turned keep_titles on (already redacted)
    data: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class InputSecond:
    """Whether one whole second (epoch second) had keyboard and/or pointer input: yes or no.

    Never which key, never where, and never how many: a count per second gives away the length
    of a typed password. Counts passed in (an old log, a per-second total) become yes/no here.
    Both False still means the second had input, of a kind the source could not tell."""

    second: int
    keyboard: bool
    pointer: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "keyboard", bool(self.keyboard))
        object.__setattr__(self, "pointer", bool(self.pointer))


# --- valid times ------------------------------------------------------------------------------
# One notion of a valid time for the log parser, the command line, the store and the dashboard:
# a moment between 1970 and 2100, and a period (a log, a report, an import's duration) of at most
# MAX_SPAN_S. Costs then depend on what was observed, never on a number someone typed or a file
# carried: 400 days of 10-minute slots is 57,600 slots.
EARLIEST = 0.0                     # 1970-01-01T00:00:00Z
LATEST = 4_102_444_800.0           # 2100-01-01T00:00:00Z
MAX_SPAN_S = 400 * 86_400          # a little more than a year
VALID_RANGE_TEXT = "1970-01-01 to 2100-01-01"


class InvalidTime(ValueError):
    """A time outside the valid range; the message names it and says what is allowed."""


def check_moment(epoch: float, what: str = "time") -> float:
    """``epoch`` if it is a finite moment from 1970 to 2100, else InvalidTime."""
    if not isinstance(epoch, (int, float)) or isinstance(epoch, bool) or not (
            EARLIEST <= epoch <= LATEST):  # NaN fails every comparison
        raise InvalidTime(f"{what} is outside {VALID_RANGE_TEXT}")
    return float(epoch)


def check_span(seconds: float, what: str = "period") -> float:
    """``seconds`` if it is a finite length from 0 to MAX_SPAN_S, else InvalidTime."""
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not (
            0 <= seconds <= MAX_SPAN_S):
        raise InvalidTime(f"{what} must be from 0 to {MAX_SPAN_S // 86_400} days long")
    return float(seconds)


def check_range(start: float, end: float, what: str = "range") -> tuple[float, float]:
    """A period [start, end): both valid moments, start before end, at most MAX_SPAN_S long."""
    check_moment(start, f"the start of the {what}")
    check_moment(end, f"the end of the {what}")
    if end <= start:
        raise InvalidTime(f"the end of the {what} must be after its start")
    check_span(end - start, f"a {what}")
    return float(start), float(end)


def union(*span_lists: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Periods merged where they overlap or touch, sorted; nothing of zero length."""
    spans = sorted(s for lst in span_lists for s in lst if s[1] > s[0])
    out: list[tuple[float, float]] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
