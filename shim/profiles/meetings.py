"""Meeting-host attention indicators: Zoom (2020) and GoTo Webinar."""

from __future__ import annotations

from typing import Any

from ..model import Event
from ._base import Flag, LogInfo, Profile, absent, duration_text, pct

ZOOM_AWAY_THRESHOLD_S = 30.0  # "not in focus for more than 30 seconds" (Zoom support 115000538083)

MEETING_EVENTS = frozenset(
    ("focus", "minimize", "restore", "lock", "unlock", "meeting_start", "meeting_end",
     "share_start", "share_end")
)


class MeetingWindow:
    """Is the meeting window the foreground window? Is someone sharing?

    A minimized meeting window, another app in front, or a locked screen all mean out of focus.
    Restoring a window brings it to the front, as window managers do.
    """

    def __init__(self) -> None:
        self.foreground: str | None = None
        self.minimized: set[str] = set()
        self.locked = False
        self.meeting: str | None = None
        self.sharing = False
        self.any_meeting = False

    def feed(self, e: Event) -> None:
        kind = e.event
        if kind == "focus":
            self.foreground = e.app
            self.minimized.discard(e.app)
        elif kind == "minimize":
            self.minimized.add(e.app)
            if self.foreground == e.app:
                self.foreground = None
        elif kind == "restore":
            self.minimized.discard(e.app)
            self.foreground = e.app
        elif kind == "lock":
            self.locked = True
        elif kind == "unlock":
            self.locked = False
        elif kind == "meeting_start":
            self.meeting = e.app
            self.any_meeting = True
        elif kind == "meeting_end":
            self.meeting = None
            self.sharing = False
        elif kind == "share_start":
            self.sharing = True
        elif kind == "share_end":
            self.sharing = False

    @property
    def in_focus(self) -> bool:
        return (self.meeting is not None and self.foreground == self.meeting
                and self.meeting not in self.minimized and not self.locked)


class _Segments:
    """Cuts time into maximal segments of one state and hands each to ``on_segment``.

    Several events at the same instant can flip the state back and forth; such zero-length
    segments are dropped and the segments on either side joined, so they never split a stretch.
    """

    def __init__(self, state_of) -> None:
        self.window = MeetingWindow()
        self._state_of = state_of
        self._since = 0.0
        self._state = state_of(self.window)
        self._pending: list = []  # [state, a, b] of the last closed segment, not yet handed on

    def feed(self, e: Event) -> None:
        self.window.feed(e)
        new = self._state_of(self.window)
        if new != self._state:
            self._close(self._state, self._since, e.t)
            self._state, self._since = new, e.t

    def _close(self, state, a: float, b: float) -> None:
        if b <= a:
            return
        if self._pending and self._pending[0] == state and self._pending[2] == a:
            self._pending[2] = b
            return
        if self._pending:
            self.on_segment(*self._pending)
        self._pending = [state, a, b]

    def close(self, end: float) -> None:
        self._close(self._state, self._since, end)
        self._since = max(self._since, end)
        if self._pending:
            self.on_segment(*self._pending)
            self._pending = []

    def on_segment(self, state, a: float, b: float) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


def _zoom_state(w: MeetingWindow) -> str:
    if w.meeting is None or not w.sharing:
        return "off"
    return "focused" if w.in_focus else "away"


class ZoomMachine(_Segments):
    handles = MEETING_EVENTS

    def __init__(self, info: LogInfo) -> None:
        super().__init__(_zoom_state)
        self.flags: list[Flag] = []
        self.focused_s = 0.0
        self.away_s = 0.0
        self.shared_any = False
        self._away_start: float | None = None

    def on_segment(self, state: str, a: float, b: float) -> None:
        if state == "off":
            return
        self.shared_any = True
        if state == "focused":
            self.focused_s += b - a
        else:
            self.away_s += b - a
            stretch = b - a
            if stretch > ZOOM_AWAY_THRESHOLD_S:
                self.flags.append(Flag(
                    a + ZOOM_AWAY_THRESHOLD_S, b,
                    "The host would see the clock icon next to your name; it stayed "
                    f"{duration_text(b - a - ZOOM_AWAY_THRESHOLD_S)}."))

    def finish(self, end: float) -> tuple[list[Flag], dict[str, Any]]:
        self.close(end)
        if not self.window.any_meeting:
            return [], absent("no meeting in this log (meeting_start events)")
        if not self.shared_any:
            return [], absent("nobody shared a screen during the meeting (share_start events); "
                              "Zoom only tracked attention while someone shared")
        return self.flags, {
            "applies": True,
            "icons_shown": len(self.flags),
            "attentive_pct": pct(self.focused_s, self.focused_s + self.away_s),
            "attentive_pct_is_model": True,
            "sharing_s": round(self.focused_s + self.away_s, 3),
            "out_of_focus_s": round(self.away_s, 3),
        }


ZOOM = Profile(
    id="zoom-2020",
    name="Zoom attendee attention tracking (until April 2020)",
    seen_by="meeting host",
    sources=(
        "https://support.zoom.us/hc/en-us/articles/115000538083-Attendee-attention-tracking",
        "https://www.pcgamer.com/psa-zoom-will-narc-to-your-boss-if-youre-tabbed-out-during-a-meeting/",
        "https://www.howtogeek.com/664624/does-zoom-really-monitor-which-apps-youre-using-on-a-call/",
        "https://www.medianama.com/2020/04/223-zoom-privacy-ios-facebook-attention-tracking/",
    ),
    assumptions=(
        "The meeting app in the log stands in for the Zoom desktop client (>= 4.0); the web client "
        "was most likely never tracked.",
        "Out of focus means another app in front, the meeting window minimized, or the screen locked.",
        "The 30 s are one continuous stretch, not a running total; the icon shows from the 30th "
        "second and is assumed to clear when focus returns (Zoom never said).",
        "How often the client checked is unknown, so times are approximate (about a second).",
        "attentive_pct is a model (share of screen-sharing time in focus): Zoom never published "
        "how attentiveness_score was computed.",
        "The host had turned the setting on (it was off by default); attendees were not told.",
    ),
    machine=ZoomMachine,
)


def _goto_state(w: MeetingWindow) -> str:
    if w.meeting is None:
        return "off"
    return "focused" if w.in_focus else "away"


class GoToMachine(_Segments):
    handles = MEETING_EVENTS

    def __init__(self, info: LogInfo) -> None:
        super().__init__(_goto_state)
        self.flags: list[Flag] = []
        self.focused_s = 0.0
        self.away_s = 0.0

    def on_segment(self, state: str, a: float, b: float) -> None:
        if state == "focused":
            self.focused_s += b - a
        elif state == "away":
            self.away_s += b - a
            self.flags.append(Flag(a, b, "The organizer's attendee list would show you as "
                                         f"'not attentive' for {duration_text(b - a)}."))

    def finish(self, end: float) -> tuple[list[Flag], dict[str, Any]]:
        self.close(end)
        if not self.window.any_meeting:
            return [], absent("no meeting in this log (meeting_start events)")
        return self.flags, {
            "applies": True,
            "not_attentive_times": len(self.flags),
            "attentiveness_pct": pct(self.focused_s, self.focused_s + self.away_s),
            "meeting_s": round(self.focused_s + self.away_s, 3),
        }


GOTO = Profile(
    id="gotowebinar",
    name="GoTo Webinar attentiveness",
    seen_by="webinar organizer",
    sources=(
        "https://support.goto.com/webinar/help/how-do-i-view-and-manage-attendees-desktop-app",
        "https://support.goto.com/webinar/help/how-is-the-attendee-interest-rating-calculated",
        "https://docslib.org/doc/1936049/gototraining-user-guide",
    ),
    assumptions=(
        "The meeting app in the log stands in for the GoTo viewer / control panel.",
        "No delay before 'not attentive' is documented; it is shown at once.",
        "A locked screen or a minimized viewer counts as another application at the forefront.",
        "attentiveness_pct is GoTo's documented 'Attentiveness' input, which makes up half of the "
        "Interest Rating; the other inputs (polls, questions, surveys) are not observed here.",
    ),
    machine=GoToMachine,
)
