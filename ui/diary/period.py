"""Which days a diary covers, from the command line's words (pure but for "today")."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from onlooker.shim.model import MAX_SPAN_S

from .. import timeparse

MAX_DAYS = MAX_SPAN_S // 86400
OUT_OF_RANGE = "the period must lie between 1970 and 2100"


def _today() -> date:
    return datetime.now().astimezone().date()


def _day(text: str, option: str) -> date:
    try:
        return datetime.fromtimestamp(timeparse.moment(text)).astimezone().date()
    except ValueError as exc:
        raise ValueError(f"--{option}: {exc}") from None


def week(text: str, today: date) -> tuple[date, date]:
    t = text.strip().lower()
    if t in ("this", "last"):
        monday = today - timedelta(days=today.weekday() + (7 if t == "last" else 0))
    else:
        try:
            if not (len(t) in (7, 8) and t[4:6] == "-w"):
                raise ValueError
            monday = date.fromisoformat(t.upper() + "-1")
        except ValueError:
            raise ValueError(f"--week: {text!r} is not a week (try 2026-W48, this, last)") from None
    try:
        return monday, monday + timedelta(days=6)
    except OverflowError:  # the last weeks of year 9999
        raise ValueError(OUT_OF_RANGE) from None


def month(text: str, today: date) -> tuple[date, date]:
    t = text.strip().lower()
    if t in ("this", "last"):
        first = today.replace(day=1)
        if t == "last":
            first = (first - timedelta(days=1)).replace(day=1)
    else:
        try:
            first = date.fromisoformat(t + "-01")
        except ValueError:
            raise ValueError(f"--month: {text!r} is not a month (try 2026-11, this, last)") from None
    try:
        nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    except OverflowError:  # December 9999
        raise ValueError(OUT_OF_RANGE) from None
    return first, nxt - timedelta(days=1)


def days(*, date_: str | None = None, from_: str | None = None, to: str | None = None,
         week_: str | None = None, month_: str | None = None,
         today: date | None = None) -> tuple[date, date]:
    """(first, last) day, both included. One way of naming the period at a time."""
    today = today or _today()
    given = [n for n, v in (("--date", date_), ("--from/--to", from_ or to), ("--week", week_),
                            ("--month", month_)) if v]
    if len(given) > 1:
        raise ValueError(f"give one of {', '.join(given)}, not several")
    if week_:
        first, last = week(week_, today)
    elif month_:
        first, last = month(month_, today)
    elif from_ or to:
        last = _day(to, "to") if to else today
        first = _day(from_, "from") if from_ else last
        if last < first:
            raise ValueError("--from/--to: the last day must not be before the first")
    else:
        try:
            a, _ = timeparse.day_range(date_ or "today")
        except ValueError as exc:
            raise ValueError(f"--date: {exc}") from None
        first = last = datetime.fromtimestamp(a).astimezone().date()
    if (last - first).days + 1 > MAX_DAYS:
        raise ValueError(f"a diary covers at most {MAX_DAYS} days; choose a shorter period")
    if not (date(1970, 1, 2) <= first and last < date(2100, 1, 1)):
        raise ValueError(OUT_OF_RANGE)
    return first, last
