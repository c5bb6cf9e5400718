"""What an observer reports: one desktop happening at an absolute time, plus input counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    """Input counts for one whole second (epoch second). Never which key, never where."""

    second: int
    keys: int
    pointer: int
