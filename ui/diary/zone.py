"""The person's wall clock: days, times and the zone's name, DST included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from math import floor
from time import localtime


@cache
def _fixed(offset_s: int, name: str) -> timezone:
    return timezone(timedelta(seconds=offset_s), name)


@dataclass(frozen=True)
class Zone:
    """``tz`` None is this machine's zone (the TZ rules, so a DST change moves the offset);
    otherwise a fixed zone (an observation log's own offset)."""

    tz: tzinfo | None = None

    @classmethod
    def of_offset(cls, offset_s: int | None) -> "Zone":
        return cls(timezone(timedelta(seconds=offset_s or 0)))

    def at(self, epoch: float) -> datetime:
        if self.tz is None:  # as .astimezone() would, without its second lookup (a year: 300k)
            local = localtime(floor(epoch))
            return datetime.fromtimestamp(epoch, _fixed(local.tm_gmtoff, local.tm_zone))
        return datetime.fromtimestamp(epoch, self.tz)

    def midnight(self, day: date) -> float:
        if self.tz is None:
            return datetime.combine(day, time()).astimezone().timestamp()
        return datetime.combine(day, time(), tzinfo=self.tz).timestamp()

    def name(self, epoch: float) -> str:
        return self.at(epoch).tzname() or "UTC"

    def days(self, start: float, end: float) -> list[tuple[date, float, float]]:
        """The calendar days [start, end) touches: (day, its midnight, the next midnight)."""
        out = []
        day = self.at(start).date()
        while True:
            a = self.midnight(day)
            if a >= end:
                break
            b = self.midnight(day + timedelta(days=1))
            out.append((day, a, b))
            day += timedelta(days=1)
        return out

    def iso(self, epoch: float) -> str:
        """An exact moment to cite: ISO-8601 with the offset, to the millisecond."""
        return self.at(epoch).isoformat(timespec="milliseconds")


class Names:
    """Reads the diary's ISO moments back as a person says them, with the zone named: a
    renderer has only the diary, so the zone's names travel in it (``zone_names``: offset ->
    name, two of them on a day the clocks change)."""

    def __init__(self, names: dict[str, str]):
        self.names = names

    @classmethod
    def of(cls, zone: Zone, moments) -> "Names":
        return cls({zone.iso(t)[-6:]: zone.name(t) for t in moments})

    def _dt(self, iso: str) -> datetime:
        return datetime.fromisoformat(iso)

    def zone(self, iso: str) -> str:
        return self.names.get(iso[-6:], "UTC" + iso[-6:])

    def clock(self, iso: str) -> str:
        """10:37:12 CET"""
        return f"{self._dt(iso).strftime('%H:%M:%S')} {self.zone(iso)}"

    def hm(self, iso: str) -> str:
        return self._dt(iso).strftime("%H:%M")

    @staticmethod
    def day_text(day_iso: str) -> str:
        """Tuesday 24 November 2026"""
        d = date.fromisoformat(day_iso[:10])
        return f"{d.strftime('%A')} {d.day} {d.strftime('%B %Y')}"

    def moment_text(self, iso: str, *, with_day: bool) -> str:
        dt = self._dt(iso)
        at = f"at {dt.strftime('%H:%M')} {self.zone(iso)}"
        if not with_day:
            return at
        return f"on {dt.strftime('%A')} {dt.day} {dt.strftime('%B')} {at}"
