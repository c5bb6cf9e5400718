"""ActivityWatch export JSON (Python and Rust aw-server) -> Onlooker observations.

Window events become ``focus``; ``not-afk`` periods become input spans. What is lost: AW never
records minimize, lock or tab visibility; its afk watcher calls up to 3 minutes without input
"not-afk", so idle rules see less idle time than there was; there are no input counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .classify import Classifier
from .obslog import parse_time
from .observation import Observation


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
        yield from buckets.values()
    elif isinstance(buckets, list):  # the old schema's array form
        yield from buckets
    else:
        raise AWFormatError("'buckets' must be an object or a list")


def _events(bucket: dict) -> Iterator[tuple[float, float, dict]]:
    for i, e in enumerate(bucket.get("events") or []):
        try:
            ts = parse_time(e["timestamp"])
            duration = float(e.get("duration") or 0)
            data = e.get("data") or {}
        except (KeyError, TypeError, ValueError) as exc:
            raise AWFormatError(f"bucket {bucket.get('id', '?')}: event {i + 1} is malformed ({exc})") from None
        yield ts, duration, data


def translate(export: Any, classifier: Classifier | None = None
              ) -> tuple[list[Observation], list[Span]]:
    """-> (focus observations, active spans), each sorted by time."""
    classifier = classifier or Classifier()
    focus: list[Observation] = []
    active: list[Span] = []
    seen_any = False
    for bucket in _buckets(export):
        btype = bucket.get("type") or ""
        bid = str(bucket.get("id") or "")
        if btype == "currentwindow" or bid.startswith("aw-watcher-window"):
            seen_any = True
            for ts, _dur, data in _events(bucket):
                app = str(data.get("app") or "unknown")
                focus.append(Observation(ts=ts, kind="focus", app=app,
                                         category=classifier.classify(app, data.get("title")),
                                         data={"source": "activitywatch"}))
        elif btype == "afkstatus" or bid.startswith("aw-watcher-afk"):
            seen_any = True
            for ts, dur, data in _events(bucket):
                if data.get("status") == "not-afk" and dur > 0:
                    active.append(Span(ts, ts + dur))
    if not seen_any:
        raise AWFormatError("the export has no window or afk bucket (aw-watcher-window, aw-watcher-afk)")
    focus.sort(key=lambda o: o.ts)
    active.sort(key=lambda s: s.start)
    return focus, active
