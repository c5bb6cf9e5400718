"""Lanes of a timeline (foreground app, meeting window, input, idle, lock, tabs): pure, for display."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .model import Event
from .profiles._base import Activity, Locks, beyond, subtract
from .profiles.meetings import MeetingWindow

# page events -> (span kind in the tabs lane, whether the event starts the span)
_PAGE_LANE = {"tab": ("hidden", True), "page_blur": ("blurred", True),
              "page_focus": ("blurred", False), "fullscreen_exit": ("windowed", True),
              "fullscreen_enter": ("windowed", False), "pointer_leave": ("pointer_out", True),
              "pointer_enter": ("pointer_out", False)}
IDLE_SHOWN_AFTER_S = 60.0  # the shortest idle any page could learn of (Idle Detection's minimum)


def lanes(events: Iterable[Event], end: float,
          unobserved: Iterable[tuple[float, float]] = ()) -> dict[str, list[dict[str, Any]]]:
    """Time-sorted events over [0, end) -> lanes of segments ``{"a", "b", ...}`` in seconds.
    ``unobserved``: [a, b) periods nothing was recording; they get a lane of their own and are
    never shown as idle."""
    unobserved = sorted((a, b) for a, b in unobserved if b > a)
    window = MeetingWindow()
    activity, locks = Activity(), Locks()
    fg: list[dict] = []
    meeting: list[dict] = []
    inputs: list[dict] = []
    tabs: dict[tuple[str, str], float] = {}
    tab_spans: list[dict] = []
    cur_fg: tuple[float, Any] = (0.0, None)
    cur_meet: tuple[float, Any] = (0.0, None)

    def fg_state():
        if window.locked or window.foreground is None:
            return None
        return {"app": window.foreground}

    def meet_state():
        if window.meeting is None:
            return None
        return {"focus": "in" if window.in_focus else "out", "sharing": window.sharing,
                "app": window.meeting}

    def close(lst, since, fields, t):
        """End a segment at t; one that continues the previous identical segment extends it."""
        if fields is not None and t > since:
            if lst and lst[-1]["b"] == since and all(lst[-1][k] == v for k, v in fields.items()):
                lst[-1]["b"] = t
            else:
                lst.append({"a": since, "b": t, **fields})
    for e in events:
        if e.event == "input":
            activity.feed(e)
            b = e.end if e.until is not None else e.t + 1.0
            if inputs and e.t <= inputs[-1]["b"]:
                inputs[-1]["b"] = max(inputs[-1]["b"], b)
                inputs[-1]["keys"] |= 1 if e.keys else 0  # yes/no: some second had keyboard input
                inputs[-1]["pointer"] |= 1 if e.pointer else 0
            else:
                inputs.append({"a": e.t, "b": b, "keys": 1 if e.keys else 0,
                               "pointer": 1 if e.pointer else 0})
            continue
        if e.event in _PAGE_LANE:
            kind, on = _PAGE_LANE[e.event]
            key = (e.url or "", kind)
            if e.event == "tab":
                on = e.state == "hidden"
            if on and key not in tabs:
                tabs[key] = e.t
            elif not on and key in tabs:
                tab_spans.append({"a": tabs.pop(key), "b": e.t, "url": key[0], "kind": kind})
            continue
        if e.event in ("lock", "unlock"):
            locks.feed(e)
        before_fg, before_meet = fg_state(), meet_state()
        window.feed(e)
        if fg_state() != before_fg:
            close(fg, cur_fg[0], cur_fg[1], e.t)
            cur_fg = (e.t, fg_state())
        if meet_state() != before_meet:
            close(meeting, cur_meet[0], cur_meet[1], e.t)
            cur_meet = (e.t, meet_state())
    close(fg, cur_fg[0], cur_fg[1], end)
    close(meeting, cur_meet[0], cur_meet[1], end)
    for (url, kind), a in tabs.items():
        tab_spans.append({"a": a, "b": end, "url": url, "kind": kind})
    idle = [{"a": a, "b": b}
            for a, b in subtract(beyond(activity.finish(end), IDLE_SHOWN_AFTER_S), unobserved)] \
        if activity.seen else []
    return {
        "foreground": fg,
        "meeting": meeting,
        "input": inputs,
        "idle": idle,
        "lock": [{"a": a, "b": b} for a, b in locks.finish(end)],
        "tabs": sorted(tab_spans, key=lambda s: s["a"]),
        "not_recorded": [{"a": a, "b": b} for a, b in unobserved],
    }
