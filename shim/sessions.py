"""When a meeting starts and ends, decided from a stream of window facts (pure: no I/O).

Any backend feeds ``MeetingSessions`` with what it learns about windows, already classified
(``shim/classify.py``): a window was seen (appeared, focused, or its classification changed)
or is gone (closed, or left the window list). It answers with the observations to record.

The policy: a meeting session starts with the first meeting window and ends when no meeting
window is left. While one meeting window goes and another stays, the session continues in the
one that stays (no end, no new start), so a meeting app that replaces its window (Zoom's
waiting room becoming the meeting) is one meeting. A session that starts records the app and
window that started it; neither event carries a title.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import MEETING, Observation

SEEN = "seen"
GONE = "gone"


@dataclass(frozen=True, slots=True)
class WindowFact:
    """One thing a backend learnt about a window at ``ts`` (epoch seconds)."""

    ts: float
    window: str            # the backend's stable id for the window, e.g. "x11:0x1c00007"
    app: str | None = None
    category: str | None = None
    event: str = SEEN      # SEEN or GONE


class MeetingSessions:
    """Feed window facts in time order; get meeting_start / meeting_end observations back."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[str | None, str | None]] = {}  # id -> (app, category)
        self.current: str | None = None  # the window the running session is in

    @property
    def in_meeting(self) -> bool:
        return self.current is not None

    def feed(self, fact: WindowFact) -> list[Observation]:
        if fact.event == GONE:
            self._windows.pop(fact.window, None)
        elif fact.event == SEEN:
            self._windows[fact.window] = (fact.app, fact.category)
        else:
            raise ValueError(f"unknown window event {fact.event!r} (known: {SEEN}, {GONE})")
        return self._decide(fact)

    def _decide(self, fact: WindowFact) -> list[Observation]:
        meetings = [w for w, (_, category) in self._windows.items() if category == MEETING]
        if self.current is None:
            if fact.event == SEEN and fact.category == MEETING:
                self.current = fact.window
                return [Observation(ts=fact.ts, kind="meeting_start", app=fact.app,
                                    window=fact.window, category=MEETING)]
            return []
        if self.current in meetings:
            return []
        if meetings:  # the session carries on in another meeting window
            self.current = meetings[0]
            return []
        self.current = None
        return [Observation(ts=fact.ts, kind="meeting_end")]
