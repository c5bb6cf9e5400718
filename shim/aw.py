"""ActivityWatch export JSON (Python and Rust aw-server) -> Onlooker observations.

Window events become ``focus``; ``not-afk`` periods become input spans. What is lost: AW never
records minimize, lock or tab visibility; its afk watcher calls up to 3 minutes without input
"not-afk", so idle rules see less idle time than there was; there are no input counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import math

from .classify import Classifier
from .model import LATEST, MAX_SPAN_S, MEETING, InvalidTime, Observation
from .obslog import parse_time


class AWFormatError(ValueError):
    pass


@dataclass(frozen=True)
class Span:
    start: float  # epoch seconds
    end: float


def _buckets(export: Any) -> Iterator[dict]:
    if not isinstance(export, dict) or "buckets" not in export:
        raise AWFormatError("not an ActivityWatch export: no 'buckets' at the top")
    buckets = export["buckets"]
    if isinstance(buckets, dict):  # both servers today: an object keyed by bucket id
        items = list(buckets.items())
    elif isinstance(buckets, list):  # the old schema's array form
        items = [(str(i + 1), b) for i, b in enumerate(buckets)]
    else:
        raise AWFormatError("'buckets' must be an object or a list")
    for key, bucket in items:
        if not isinstance(bucket, dict):
            raise AWFormatError(f"bucket {str(key)[:80]!r} is not an object")
        yield bucket


def _bucket_name(bucket: dict) -> str:
    return str(bucket.get("id") or "?")[:80]


def _check_event(e: Any, bucket: dict, i: int) -> tuple[float, float, dict]:
    """One event's (timestamp, duration, data), each of the type and range it must have."""
    if not isinstance(e, dict):
        raise ValueError("not an object")
    ts = parse_time(e.get("timestamp"))
    duration = e.get("duration", 0) or 0
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not (
            math.isfinite(duration) and 0 <= duration <= MAX_SPAN_S):
        raise ValueError(f"duration must be seconds from 0 to {MAX_SPAN_S // 86400} days")
    if ts + duration > LATEST:
        raise InvalidTime("it ends after 2100-01-01")
    data = e.get("data") or {}
    if not isinstance(data, dict):
        raise ValueError("'data' must be an object")
    for key in ("app", "title", "status"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise ValueError(f"'data.{key}' must be text")
    return ts, float(duration), data


def _events(bucket: dict) -> Iterator[tuple[float, float, dict]]:
    events = bucket.get("events") or []
    if not isinstance(events, list):
        raise AWFormatError(f"bucket {_bucket_name(bucket)!r}: 'events' must be a list")
    for i, e in enumerate(events):
        try:
            yield _check_event(e, bucket, i)
        except ValueError as exc:
            raise AWFormatError(f"bucket {_bucket_name(bucket)!r}: event {i + 1} is malformed "
                                f"({exc})") from None


# ActivityWatch knows only which window was in front, not which windows existed: a meeting is
# taken to run from the first time a meeting window was in front to the end of the last time,
# and two such stretches less than this far apart are one meeting (you looked away, it went on).
AW_MEETING_GAP_S = 600.0


def meetings_from_focus(stretches: list[tuple[float, float, str]]) -> list[Observation]:
    """meeting_start / meeting_end observations from (start, end, app) stretches in which a
    meeting window was in front, sorted by start."""
    out: list[Observation] = []
    session: list[float] | None = None  # [start, end]
    app = ""
    for a, b, name in stretches:
        if session is not None and a - session[1] <= AW_MEETING_GAP_S:
            session[1] = max(session[1], b)
            continue
        if session is not None:
            out.append(Observation(ts=session[1], kind="meeting_end", data={"source": "activitywatch"}))
        session, app = [a, b], name
        out.append(Observation(ts=a, kind="meeting_start", app=app, category=MEETING,
                               data={"source": "activitywatch"}))
    if session is not None:
        out.append(Observation(ts=session[1], kind="meeting_end", data={"source": "activitywatch"}))
    return out


def translate(export: Any, classifier: Classifier | None = None
              ) -> tuple[list[Observation], list[Span]]:
    """-> (observations: focus changes and the meetings they imply, active spans), each sorted
    by time."""
    classifier = classifier or Classifier()
    focus: list[Observation] = []
    meeting_stretches: list[tuple[float, float, str]] = []
    active: list[Span] = []
    seen_any = False
    for bucket in _buckets(export):
        btype = bucket.get("type") if isinstance(bucket.get("type"), str) else ""
        bid = bucket.get("id") if isinstance(bucket.get("id"), str) else ""
        if btype == "currentwindow" or bid.startswith("aw-watcher-window"):
            seen_any = True
            for ts, dur, data in _events(bucket):
                app = str(data.get("app") or "unknown")
                category = classifier.classify(app, data.get("title"))
                focus.append(Observation(ts=ts, kind="focus", app=app, category=category,
                                         data={"source": "activitywatch"}))
                if category == MEETING:
                    meeting_stretches.append((ts, ts + dur, app))
        elif btype == "afkstatus" or bid.startswith("aw-watcher-afk"):
            seen_any = True
            for ts, dur, data in _events(bucket):
                if data.get("status") == "not-afk" and dur > 0:
                    active.append(Span(ts, ts + dur))
    if not seen_any:
        raise AWFormatError("the export has no window or afk bucket (aw-watcher-window, aw-watcher-afk)")
    meeting_stretches.sort()
    observations = sorted(focus + meetings_from_focus(meeting_stretches),
                          key=lambda o: (o.ts, o.kind != "meeting_end"))
    active.sort(key=lambda s: s.start)
    return observations, active
