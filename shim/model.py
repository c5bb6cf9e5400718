"""The observation data model shared by observers, the log format, profiles and storage.

An ``Event`` is one thing the desktop or browser did, at ``t`` seconds from the log's start.
Every layer speaks this type; nothing here does I/O.
"""

from __future__ import annotations

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
    keys: int | None = None
    pointer: int | None = None
    url: str | None = None
    state: str | None = None
    extra: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def end(self) -> float:
        """The latest moment this event speaks about."""
        return self.until if self.until is not None else self.t


@dataclass(frozen=True, slots=True)
class LogHeader:
    """The optional first line of an observation log."""

    start: float | None = None  # epoch seconds (UTC); None when the log only has relative times
    title: str | None = None
    version: int = 1
