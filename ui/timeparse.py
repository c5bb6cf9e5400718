"""Times and durations typed on the command line."""

from __future__ import annotations

import re
from datetime import date, datetime, time as dtime, timedelta

from onlooker.shim.model import (MAX_SPAN_S, VALID_RANGE_TEXT, InvalidTime, check_moment,
                                 check_span)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?\s*$", re.I)
_UNIT = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400, None: 60}


def duration(text: str) -> float:
    """'30m', '2h', '90s', '1.5h' -> seconds (a bare number is minutes)."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration (try 30m, 2h, 90s)")
    seconds = float(m.group(1)) * _UNIT[(m.group(2) or "").lower() or None]
    try:
        return check_span(seconds, f"{text!r}")
    except InvalidTime:
        raise ValueError(f"{text!r} is longer than {MAX_SPAN_S // 86400} days") from None


def moment(text: str, now: datetime | None = None) -> float:
    """A point in time -> epoch seconds, from 1970 to 2100 (see ``_moment``)."""
    try:
        return check_moment(_moment(text, now), repr(text.strip()))
    except OverflowError:
        raise InvalidTime(f"{text.strip()!r} is outside {VALID_RANGE_TEXT}") from None


def _moment(text: str, now: datetime | None = None) -> float:
    """A point in time -> epoch seconds. Accepts ISO-8601 (local time if no zone), a date
    (its local midnight), HH:MM[:SS] today, 'now', 'today', 'yesterday', and '-2h' style."""
    now = now or datetime.now().astimezone()
    t = text.strip().lower()
    if t == "now":
        return now.timestamp()
    if t in ("today", "yesterday"):
        day = now.date() - timedelta(days=1 if t == "yesterday" else 0)
        return day_start(day)
    if t.startswith("-"):
        try:
            return now.timestamp() - duration(t[1:])
        except ValueError:
            raise ValueError(f"{text.strip()!r} is not a time back from now within "
                             f"{MAX_SPAN_S // 86400} days (try -2h, or a date)") from None
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", t):
        parts = [int(x) for x in t.split(":")]
        try:
            return datetime.combine(now.date(), dtime(*parts)).astimezone().timestamp()
        except ValueError:  # 25:00, 09:61
            raise ValueError(f"{text!r} is not a time of day (try 09:30)") from None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time (try 2026-11-28T09:00, 09:30, yesterday, -2h)") from None
    if value.tzinfo is None:
        value = value.astimezone()  # naive means local time
    return value.timestamp()


def day_start(day: date) -> float:
    return datetime.combine(day, dtime()).astimezone().timestamp()


def day_range(text: str) -> tuple[float, float]:
    """'2026-11-28' / 'today' / 'yesterday' -> [local midnight, next local midnight)."""
    t = text.strip().lower()
    today = datetime.now().astimezone().date()
    if t in ("today", "yesterday"):
        day = today - timedelta(days=1 if t == "yesterday" else 0)
    else:
        try:
            day = date.fromisoformat(t)
        except ValueError:
            raise ValueError(f"{text!r} is not a date (try 2026-11-28, today, yesterday)") from None
    if not date(1970, 1, 2) <= day < date(2100, 1, 1):  # a whole local day inside the range
        raise InvalidTime(f"{text!r} is not a day Onlooker can show (1970-01-02 to 2099-12-31)")
    return day_start(day), day_start(day + timedelta(days=1))
