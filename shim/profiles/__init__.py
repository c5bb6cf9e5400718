"""The tracker profiles, by their public ids."""

from ._base import MEASURE_KINDS, Flag, LogInfo, Metric, Presentation, Profile, Result, duration_text
from .browser import CANVAS, PROCTORIO, WEB_PAGE
from .idle import ACTIVTRAK, HUBSTAFF, SLACK, TEAMS, TIME_DOCTOR
from .meetings import GOTO, ZOOM

PROFILES: dict[str, Profile] = {
    p.id: p
    for p in (ZOOM, GOTO, CANVAS, PROCTORIO, HUBSTAFF, ACTIVTRAK, TIME_DOCTOR, TEAMS, SLACK,
              WEB_PAGE)
}

__all__ = ["PROFILES", "Profile", "Presentation", "Metric", "Result", "Flag", "LogInfo",
           "MEASURE_KINDS", "duration_text"]
