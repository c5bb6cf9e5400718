"""Terse builders for event lists in profile tests."""

from onlooker.shim.model import Event
from onlooker.shim.profiles import PROFILES, LogInfo


def ev(t, event, **kw):
    return Event(t=float(t), event=event, **kw)


def run(profile_id, events, start=None, end=None):
    events = sorted(events, key=lambda e: e.t)
    return PROFILES[profile_id].run(events, LogInfo(start=start), end=end)


def meeting(out_for, *, sharing=True, how="focus"):
    """A shared Zoom meeting where the user looks away at t=100 for ``out_for`` seconds."""
    events = [ev(0, "focus", app="zoom"), ev(1, "meeting_start", app="zoom")]
    if sharing:
        events.append(ev(10, "share_start"))
    if how == "focus":
        events += [ev(100, "focus", app="mail"), ev(100 + out_for, "focus", app="zoom")]
    elif how == "minimize":
        events += [ev(100, "minimize", app="zoom"), ev(100 + out_for, "restore", app="zoom")]
    elif how == "lock":
        events += [ev(100, "lock"), ev(100 + out_for, "unlock")]
    events += [ev(500, "share_end"), ev(600, "meeting_end")]
    return events
