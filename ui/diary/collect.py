"""Where a diary's facts come from (the edge with effects): per-day replays of the store, or of
an observation log loaded into a temporary database, exactly as ``report`` and ``demo`` make
them."""

from __future__ import annotations

import gc
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from onlooker.shim.classify import Classifier
from onlooker.shim.obslog import parse, read_lines
from onlooker.shim.replay import pick
from onlooker.storage.db import connect
from onlooker.storage.loadlog import load_log
from onlooker.storage.store import Store

from ..service import Service
from . import build
from .zone import Zone


def make(service: Service, first: date, last: date, zone: Zone, profiles: Sequence[str] | None,
         *, source: str = "recorded", title: str | None = None,
         stored: dict[str, Any] | None = None, anonymize: bool = False,
         classifier: Classifier | None = None,
         clip: tuple[float, float] | None = None) -> dict[str, Any]:
    """The diary of the days ``first``..``last`` (inclusive). A day is replayed as ``report
    --date DAY`` replays it (its observed part), turned into its entry and let go, so a year
    costs one day's memory plus the entries. ``clip``: a log's own span (its days start and end
    with it: the hours around a demonstration were never meant to be recorded)."""
    ids = pick(profiles)
    start, end = zone.midnight(first), zone.midnight(last) + 1
    classifier = classifier or Classifier()

    def days() -> Iterator[dict[str, Any]]:
        # Python's cyclic GC would walk a day's thousands of events again and again while they
        # are replayed, and every kept entry (a year: millions of objects) every few days: a
        # third of a year's time, for garbage that reference counting frees anyway. So it does
        # not run by itself while a diary is made: each day's cycles, if any, are collected once
        # the day is done, and the kept entry is put out of its sight (given back at the end).
        automatic = gc.isenabled()
        gc.disable()
        try:
            for day, a, b in zone.days(start, end):
                if clip:
                    a, b = max(a, clip[0]), min(b, clip[1])
                period = service.replay_observed(a, b, ids)
                yield build.day_entry(build.DayFacts(day, a, b, period), zone,
                                      anonymize=anonymize, classifier=classifier)
                del period
                gc.collect(1)
                gc.freeze()
        finally:
            gc.unfreeze()
            if automatic:
                gc.enable()

    return build.diary(days(), ids, zone, source=source, title=title, stored=stored,
                       anonymized=anonymize, first_day=first, last_day=last)


@dataclass
class LogSource:
    service: Service
    first: date
    last: date
    title: str | None
    zone: Zone
    span: tuple[float, float]


@contextmanager
def log_service(path: Path) -> Iterator[LogSource]:
    """An observation log stored in a throw-away database (as ``onlooker demo`` does), with the
    person's zone (the log's own offset; UTC when it has none). Raises LogError for a bad log,
    before anything is stored."""
    with open(path, "rb") as fh:
        header, events = parse(read_lines(fh))
    events = list(events)
    zone = Zone.of_offset(header.utc_offset_s)
    start = header.start if header.start is not None else 0.0
    end = start + max((e.end for e in events), default=0.0)
    with tempfile.TemporaryDirectory(prefix="onlooker-diary-") as tmp:
        db = Path(tmp) / "log.db"
        store = Store(connect(db))
        try:
            load_log(store, header, events, start)
            first = zone.at(start).date()
            last = zone.at(max(start, end - 0.001)).date()
            yield LogSource(Service(store, db), first, last, header.title, zone, (start, end))
        finally:
            store.conn.close()
