"""Meeting-host attention indicators: Zoom (2020) and GoTo Webinar."""

from __future__ import annotations

from typing import Any

from ..model import Event
from ._base import (Flag, LogInfo, Metric, Presentation, Profile, absent, flag_ms, ms_text, pct,
                    push, secs)

ZOOM_AWAY_THRESHOLD_MS = 30_000  # "not in focus for more than 30 seconds" (Zoom support 115000538083)

MEETING_EVENTS = frozenset(
    ("focus", "minimize", "restore", "lock", "unlock", "meeting_start", "meeting_end",
     "share_start", "share_end")
)

class MeetingWindow:
    """The meeting window's state as events stream in (the timeline's lanes use it): is it the
    foreground window, is someone sharing? The profiles use ``MeetingHistory`` instead, which
    also knows what is unknown and takes implied earlier states.
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


UNKNOWN = "?unknown"  # no focus event yet: which window is in front is not known
GAP = "gap"           # nothing was recording


class MeetingHistory:
    """Each state a meeting rule reads, kept as its own history of changes (ms): which meeting
    runs, which window is in front (only while a meeting runs), the lock, each app's
    minimized state, whether someone shares. An implied earlier state lands in its place.
    Only changes are kept: while a meeting runs, a focus change is kept only when it changes
    whether the meeting app is in front, so a year of app switching is not held to the end.

    ``segments(end)`` cuts the meetings into maximal stretches of one state: (session, a, b,
    focus, sharing), focus True/False/None (unknown)/GAP, sharing True/False/None (unknown).
    A minimized meeting window, another app in front, or a locked screen all mean out of focus;
    restoring a window brings it to the front, as window managers do.
    """

    handles = MEETING_EVENTS
    in_ms = True

    def __init__(self, info: LogInfo) -> None:
        self.unobserved = info.unobserved_ms()
        self.front: str | None = UNKNOWN
        self.meeting: str | None = None
        self.meetings: list[tuple[int, str | None]] = []
        self.fronts: list[tuple[int, str | None]] = []
        self._in_front: bool | str = UNKNOWN  # the last kept front: the meeting app or not
        self.locks: list[tuple[int, bool]] = []
        self.minimized: dict[str, list[tuple[int, bool]]] = {}
        self.shares: list[tuple[int, bool | None]] = []

    def _front(self, t: int, app: str | None) -> None:
        self.front = app
        if self.meeting is not None:  # outside meetings only the latest matters
            in_front = app == self.meeting  # (never UNKNOWN: that is only the first state)
            if in_front is not self._in_front:
                self._in_front = in_front
                self.fronts.append((t, app))

    def _minimized(self, t: int, app: str, value: bool) -> None:
        changes = self.minimized.setdefault(app, [])
        if not (changes and changes[-1][0] <= t and changes[-1][1] == value):
            push(changes, t, value)

    def feed(self, e: Event) -> None:
        kind, t = e.event, e.t
        if kind == "focus":  # most events of a day: _front inlined, and _minimized's no-op case
            app = self.front = e.app
            if self.meeting is not None and (app == self.meeting) is not self._in_front:
                self._in_front = app == self.meeting
                self.fronts.append((t, app))
            changes = self.minimized.get(app)
            # no history: never minimized, and an implied earlier minimize cannot come any
            # more (this focus made the app's state known), so "not minimized" needs no entry
            if changes and (changes[-1][1] or changes[-1][0] > t):
                push(changes, t, False)
        elif kind == "minimize":
            self._minimized(t, e.app, True)
            if self.front == e.app:
                self._front(t, None)
        elif kind == "restore":
            self._minimized(t, e.app, False)
            self._front(t, e.app)
        elif kind == "lock" or kind == "unlock":
            push(self.locks, t, kind == "lock")
        elif kind == "meeting_start":
            self.meeting = e.app
            self.meetings.append((t, e.app))
            self.fronts.append((t, self.front))
            self._in_front = UNKNOWN if self.front == UNKNOWN else self.front == e.app
        elif kind == "meeting_end":
            self.meeting = None
            self.meetings.append((t, None))
            push(self.shares, t, None)  # the next meeting's sharing is unknown again
        elif kind == "share_start" or kind == "share_end":
            push(self.shares, t, kind == "share_start")

    def segments(self, end: int) -> tuple[list[tuple], list[dict[str, Any]]]:
        changes: list[tuple[int, Any, Any]] = []
        changes += [(t, "meeting", v) for t, v in self.meetings]
        changes += [(t, "front", v) for t, v in self.fronts]
        changes += [(t, "lock", v) for t, v in self.locks]
        changes += [(t, "share", v) for t, v in self.shares]
        for app, lst in self.minimized.items():
            changes += [(t, ("minimized", app), v) for t, v in lst]
        for u, v in self.unobserved:
            changes += [(u, GAP, True), (v, GAP, False)]
        changes.sort(key=lambda c: c[0])  # stable: each history keeps its own order
        meeting = None
        front, locked, sharing, gap = UNKNOWN, False, None, False
        mins: dict[str, bool] = {}
        sessions: list[dict[str, Any]] = []
        out: list[tuple] = []
        prev = 0

        def close(b: int) -> None:
            if meeting is None or b <= prev:
                return
            if gap:
                focus: Any = GAP
            elif locked or mins.get(meeting):
                focus = False
            elif front == UNKNOWN:
                focus = None
            else:
                focus = front == meeting
            out.append((len(sessions) - 1, prev, b, focus, sharing))

        for t, what, value in changes:
            if t >= end:
                break
            close(t)
            prev = max(prev, t)
            if what == "meeting":
                if sessions and meeting is not None:
                    sessions[-1]["end"] = t
                if value is not None:
                    sessions.append({"session": len(sessions) + 1, "app": value, "start": t,
                                     "end": end, "share_marked": sharing is not None})
                meeting = value
            elif what == "front":
                front = value
            elif what == "lock":
                locked = value
            elif what == "share":
                sharing = value
                if value is not None and meeting is not None:
                    sessions[-1]["share_marked"] = True
            elif what == GAP:
                gap = value
            else:
                mins[what[1]] = value
        close(end)
        # A meeting with any share event knows its sharing throughout (a first share_end implies
        # sharing since the meeting began; a first share_start, nobody sharing before it).
        out = [(i, a, b, f, (False if s is None and sessions[i]["share_marked"] else s))
               for i, a, b, f, s in out]
        return out, sessions


def _runs(segments, state_of):
    """Join adjacent segments of one session whose state (``state_of``) is the same."""
    runs: list[list] = []
    for i, a, b, focus, sharing in segments:
        state = state_of(focus, sharing)
        if runs and runs[-1][0] == i and runs[-1][1] == state and runs[-1][3] == a:
            runs[-1][3] = b
        else:
            runs.append([i, state, a, b])
    return runs


def _session_json(s: dict[str, Any], **figures: Any) -> dict[str, Any]:
    return {"session": s["session"], "app": s["app"], "start": secs(s["start"]),
            "end": secs(s["end"]), "meeting_s": secs(s["end"] - s["start"]), **figures}


def _zoom_state(focus, sharing) -> str:
    if focus is GAP:
        return "unobserved"
    if sharing is False:
        return "not shared"
    share = "shared" if sharing else "share unknown"
    if focus is None:
        return f"{share}, focus unknown"
    return f"{share}, {'focused' if focus else 'away'}"


def _icon_text(b: int, end: int, stayed: int, variant: bool) -> str:
    lead = ("If someone had been sharing a screen throughout (this meeting has no sharing "
            "marked), the host would have seen" if variant else "The host would see")
    if b >= end:
        return f"{lead} the clock icon next to your name; it was still showing when the recording ended."
    return f"{lead} the clock icon next to your name; it stayed {ms_text(stayed)}."


class _MeetingRule:
    """A rule read off the meeting history. Both meeting profiles read the same history, so a
    replay running both builds it once (``shared``: see ``replay._Run``)."""

    handles = MEETING_EVENTS
    in_ms = True

    def __init__(self, info: LogInfo) -> None:
        self.shared = MeetingHistory(info)

    def feed(self, e: Event) -> None:
        self.shared.feed(e)


class ZoomMachine(_MeetingRule):
    def finish(self, end: int):
        segments, sessions = self.shared.segments(end)
        if not sessions:
            return [], absent("no meeting in this log (meeting_start events)")
        flags: list[Flag] = []
        per = [{"shared": 0, "away": 0, "focus_unknown": 0, "icons": 0, "variant_icons": 0,
                "variant_away": 0, "variant_time": 0} for _ in sessions]
        for i, state, a, b in _runs(segments, _zoom_state):
            n = per[i]
            if state.startswith("shared"):
                n["shared"] += b - a
            if state == "shared, focus unknown":
                n["focus_unknown"] += b - a
            if state.startswith("share unknown"):
                n["variant_time"] += b - a
            if state.endswith(", away"):
                variant = state.startswith("share unknown")
                n["variant_away" if variant else "away"] += b - a
                if b - a > ZOOM_AWAY_THRESHOLD_MS:  # "more than 30 seconds"
                    n["variant_icons" if variant else "icons"] += 1
                    icon = a + ZOOM_AWAY_THRESHOLD_MS
                    data = {"session": i + 1, "out_of_focus_s": secs(b - a),
                            "icon_s": secs(b - icon), "still_showing_at_end": b >= end}
                    if variant:
                        data["variant"] = "shared-throughout"
                    flags.append(flag_ms(icon, b, _icon_text(b, end, b - icon, variant), **data))
        rows = []
        for s, n in zip(sessions, per):
            rows.append(_session_json(
                s, sharing="marked" if s["share_marked"] else "unknown",
                icons_shown=n["icons"], sharing_s=secs(n["shared"]),
                out_of_focus_s=secs(n["away"]), focus_unknown_s=secs(n["focus_unknown"]),
                attentive_pct=pct(n["shared"] - n["away"] - n["focus_unknown"],
                                  n["shared"] - n["focus_unknown"]),
                icons_if_shared_throughout=n["variant_icons"]))
        add = lambda k: sum(n[k] for n in per)  # noqa: E731
        known = add("shared") - add("focus_unknown")
        return flags, {
            "applies": True,
            "icons_shown": add("icons"),
            "attentive_pct": pct(known - add("away"), known),
            "attentive_pct_is_model": True,
            "sharing_s": secs(add("shared")),
            "out_of_focus_s": secs(add("away")),
            "focus_unknown_s": secs(add("focus_unknown")),
            "sharing_unmarked_s": secs(add("variant_time")),
            "icons_if_shared_throughout": add("variant_icons"),
            "meetings": len(sessions),
        }, rows


ZOOM = Profile(
    id="zoom-2020",
    name="Zoom attendee attention tracking (until April 2020)",
    seen_by="meeting host",
    sources=(
        "https://support.zoom.us/hc/en-us/articles/115000538083-Attendee-attention-tracking",
        "https://www.pcgamer.com/psa-zoom-will-narc-to-your-boss-if-youre-tabbed-out-during-a-meeting/",
        "https://www.howtogeek.com/664624/does-zoom-really-monitor-which-apps-youre-using-on-a-call/",
        "https://www.medianama.com/2020/04/223-zoom-privacy-ios-facebook-attention-tracking/",
        "https://digitaldepost.com/verfolgen-der-aufmerksamkeit-des-teilnehmers-eye-tracking-in-der-zoom-app/",
        "https://drupalst.com/1061-how-does-zoom-attention-tracking-works",
    ),
    assumptions=(
        "The meeting app in the log stands in for the Zoom desktop client (>= 4.0); the web client "
        "was most likely never tracked.",
        "Out of focus means another app in front, the meeting window minimized, or the screen locked.",
        "The 30 s are one continuous stretch, not a running total; the icon shows once the stretch "
        "is more than 30.000 s long (to the millisecond) and is assumed to clear when focus "
        "returns (Zoom never said).",
        "How often the client checked is unknown, so real times may differ by about a second.",
        "Sharing is as marked (share_start / share_end). A meeting with no sharing marked has "
        "unknown sharing: the rule says nothing there, and a separate, labelled variant shows "
        "what the host would have seen had someone shared throughout (the worst case).",
        "Before the first focus event the window in front is unknown: no icon is claimed then.",
        "attentive_pct is a model (share of screen-sharing time in focus): Zoom never published "
        "how attentiveness_score was computed.",
        "The host had turned the setting on (it was off by default); attendees were not told.",
    ),
    machine=ZoomMachine,
    presentation=Presentation(
        short="Zoom host (2020)",
        metrics=(Metric("icons_shown", "clock icons"),
                 Metric("attentive_pct", "attentive (model)", "%"),
                 Metric("sharing_s", "someone shared a screen", "s"),
                 Metric("out_of_focus_s", "out of focus while shared", "s"),
                 Metric("focus_unknown_s", "shared, window in front not observed", "s"),
                 Metric("sharing_unmarked_s", "in meetings with no sharing marked", "s"),
                 Metric("icons_if_shared_throughout",
                        "clock icons had someone shared throughout (worst case)"),
                 Metric("meetings", "meetings")),
        headline=("icons_shown", "attentive_pct"),
        trend="attentive_pct",
        live="A 2020 Zoom host would now see the clock icon next to your name",
    ),
)


def _goto_state(focus, sharing) -> str:
    if focus is GAP:
        return "unobserved"
    return "unknown" if focus is None else ("focused" if focus else "away")


class GoToMachine(_MeetingRule):
    def finish(self, end: int):
        segments, sessions = self.shared.segments(end)
        if not sessions:
            return [], absent("no meeting in this log (meeting_start events)")
        flags: list[Flag] = []
        per = [{"focused": 0, "away": 0, "unknown": 0, "times": 0} for _ in sessions]
        for i, state, a, b in _runs(segments, _goto_state):
            if state in per[i]:
                per[i][state] += b - a
            if state == "away":
                per[i]["times"] += 1
                flags.append(flag_ms(a, b, "The organizer's attendee list would show you as "
                                           f"'not attentive' for {ms_text(b - a)}.",
                                     session=i + 1, not_attentive_s=secs(b - a)))
        rows = [_session_json(s, not_attentive_times=n["times"],
                              attentiveness_pct=pct(n["focused"], n["focused"] + n["away"]),
                              focus_unknown_s=secs(n["unknown"]))
                for s, n in zip(sessions, per)]
        add = lambda k: sum(n[k] for n in per)  # noqa: E731
        return flags, {
            "applies": True,
            "not_attentive_times": add("times"),
            "attentiveness_pct": pct(add("focused"), add("focused") + add("away")),
            "meeting_s": secs(sum(s["end"] - s["start"] for s in sessions)),
            "focus_unknown_s": secs(add("unknown")),
            "meetings": len(sessions),
        }, rows


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
        "Attentiveness is GoTo's documented 'Attentiveness' input, per session (each meeting's "
        "figures are in 'sessions'); it makes up half of the Interest Rating, whose other inputs "
        "(polls, questions, surveys) are not observed here. attentiveness_pct is the day's "
        "meetings taken together, a figure GoTo itself does not report.",
        "Time before the first focus event is not counted either way (the window in front is "
        "unknown).",
    ),
    machine=GoToMachine,
    presentation=Presentation(
        short="GoTo organizer",
        metrics=(Metric("not_attentive_times", "times 'not attentive'"),
                 Metric("attentiveness_pct", "attentiveness, all meetings together", "%"),
                 Metric("meeting_s", "in meetings", "s"),
                 Metric("focus_unknown_s", "window in front not observed", "s"),
                 Metric("meetings", "meetings")),
        headline=("not_attentive_times", "attentiveness_pct"),
        trend="attentiveness_pct",
        live="A GoTo Webinar organizer would now see you as 'not attentive'",
    ),
)
