"""What Onlooker does with a store, once: the CLI and the dashboard are thin surfaces over this.

It composes the pure parts (``shim``: the log format, the profiles) with the store (``storage``)
and the few effects around them (the recorder's lock and nudge, the clock), which are injected so
tests can hold them still. No SQL here: every query is a ``Store`` method.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from itertools import chain
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from onlooker.shim.model import Event, LogHeader
from onlooker.shim.obslog import dump_lines, parse, read_lines
from onlooker.shim.replay import Replay, replay_events
from onlooker.storage.loadlog import load_log
from onlooker.storage.lockfile import holder, nudge_recorder
from onlooker.storage.store import Store

Clock = Callable[[], float]


@dataclass
class Period:
    """What one range of the store holds: the replayed results and the events they came from.

    ``start``..``until`` is the observed part (times before the first and after the last record
    are unknown, not idle); ``empty`` says nothing was recorded in the asked range at all."""

    start: float
    until: float
    events_ms: list[Event]  # integer milliseconds since ``start``, as the profiles read them
    replay: Replay
    empty: bool = False

    @property
    def span(self) -> float:
        return self.until - self.start

    @cached_property
    def events(self) -> list[Event]:
        """The events in seconds since ``start`` (the timeline's unit)."""
        return [e.in_seconds() for e in self.events_ms]


class Service:
    def __init__(self, store: Store, db_path: Path, *, clock: Clock = time.time):
        self.store = store
        self.db_path = Path(db_path)
        self.clock = clock

    # --- reading ---------------------------------------------------------------------------

    def recording(self) -> int | None:
        """The pid of the recorder writing this database, or None."""
        return holder(self.db_path)

    def observed(self, start: float, end: float) -> tuple[float, float] | None:
        """The observed part of [start, end) (to now while a recorder runs); None: nothing."""
        return self.store.observed(start, end, live=bool(self.recording()), now=self.clock())

    def replay_range(self, start: float, until: float, profiles=None, *,
                     title: str | None = None) -> Period:
        """Replay [start, until] of the store (``until`` inclusive: a record at the very end
        counts) through the profiles."""
        # to the millisecond, the store's resolution: the replay's origin is exactly its events'
        start, until = round(start * 1000) / 1000, round(until * 1000) / 1000
        header, events = self.store.events_ms(start, until)
        if title is not None:
            header = LogHeader(start=header.start, title=title)
        live = bool(self.recording()) and until >= self.clock() - 2
        gaps = [(a - start, b - start) for a, b in self.store.unobserved(start, until, live=live)]
        result = replay_events(header, events, profiles, until=until - start, unobserved=gaps,
                               in_ms=True)
        return Period(start, until, events, result)

    def replay_observed(self, start: float, end: float, profiles=None) -> Period:
        """Replay only the observed part of [start, end): unrecorded hours are not idle."""
        observed = self.observed(start, end)
        a, b = observed or (start, start + 1)
        period = self.replay_range(a, b, profiles)
        period.empty = observed is None
        return period

    def recent_apps(self, seconds: float = 86400) -> list[str]:
        """App names focus events gave in the last ``seconds`` (most recent first)."""
        now = self.clock()
        return self.store.app_names(now - seconds, now + 1)

    def in_meeting(self, at: float | None = None) -> bool:
        return self.store.meeting_at(self.clock() if at is None else at)

    def size_bytes(self) -> int:
        """The database and its WAL on disk."""
        return sum(os.path.getsize(p) for p in (str(self.db_path), f"{self.db_path}-wal")
                   if os.path.exists(p))

    def inventory(self) -> dict:
        """What is stored, as "Your data" and the diary list it: size, rows per table, the
        oldest and newest record (epoch s), titles stored, and what never is. No path: the
        diary leaves the machine, the path stays (the dashboard adds it)."""
        bounds = self.store.bounds()
        return {
            "size_bytes": self.size_bytes(),
            "tables": self.store.table_counts(),
            "oldest": bounds[0] if bounds else None,
            "newest": bounds[1] if bounds else None,
            "titles_stored": self.store.titles_stored(),
            "never_stored": ["which key was pressed", "typed characters", "pointer coordinates",
                             "window titles (unless you turn keep_titles on)"],
        }

    def log_lines(self, start: float | None = None, end: float | None = None) -> Iterator[str]:
        """The recorded observations in [start, end) as observation-log lines (format v1);
        everything when not given."""
        bounds = self.store.bounds()
        if start is None:
            start = bounds[0] if bounds else self.clock()
        if end is None:
            end = (bounds[1] + 1) if bounds else start
        header, events = self.store.events(start, end)
        # What was not recorded travels with the log, so its replay says unknown there too, and
        # so does where it ends (idle time after the last event counts); never in the future.
        upto = max(start, min(end, self.clock()))
        live = bool(self.recording()) and upto >= self.clock() - 2
        gaps = tuple((a - start, b - start) for a, b in self.store.unobserved(start, upto, live=live))
        return dump_lines(LogHeader(start=header.start, not_recorded=gaps),
                          chain(events, (Event(upto - start, "end"),)))

    # --- changing --------------------------------------------------------------------------

    def pause(self, seconds: float | None = None) -> float:
        """Stop recording (for ``seconds``, or until resumed); returns when it resumes."""
        until = math.inf if seconds is None else self.clock() + seconds
        self.store.set_paused(until)
        nudge_recorder(self.db_path)
        return until

    def resume(self) -> None:
        self.store.set_paused(None)
        nudge_recorder(self.db_path)

    def forget(self, start: float | None = None, end: float | None = None) -> int:
        return self.store.forget(start, end)

    def meeting_start(self, app: str, *, sharing: bool = False, at: float | None = None) -> None:
        ts = self.clock() if at is None else at
        self.store.mark("meeting_start", app=app, ts=ts, data={"source": "manual"})
        if sharing:
            self.store.mark("share_start", ts=ts, data={"source": "manual"})

    def meeting_stop(self, at: float | None = None) -> None:
        ts = self.clock() if at is None else at
        if self.store.sharing_at(ts):
            self.store.mark("share_end", ts=ts, data={"source": "manual"})
        self.store.mark("meeting_end", ts=ts, data={"source": "manual"})

    def sharing(self, on: bool, at: float | None = None) -> None:
        self.store.mark("share_start" if on else "share_end",
                        ts=self.clock() if at is None else at, data={"source": "manual"})

    def import_activitywatch(self, translated) -> dict[str, int]:
        """Store an ActivityWatch export as ``shim.aw.translate`` gives it (translated first,
        so nothing is opened or created before an export proves readable; a re-import of the
        same range replaces the earlier one): how many window changes, meetings and active
        periods it holds, and how many rows an earlier import of the same range had brought."""
        observations, spans = translated
        replaced = self.store.replace_import(
            "activitywatch", observations,
            [(int(s.start), max(int(s.start) + 1, math.ceil(s.end))) for s in spans])
        return {"window_changes": sum(o.kind == "focus" for o in observations),
                "meetings": sum(o.kind == "meeting_start" for o in observations),
                "active_periods": len(spans), "replaced": replaced}

    def load_scenario(self, log_path: Path) -> tuple[float, float, str]:
        """Store a log as if it had been recorded, with t=0 at its header's start (or the
        epoch); (start, end, title)."""
        with open(log_path, "rb") as fh:
            header, events = parse(read_lines(fh))
        start = header.start if header.start is not None else 0.0
        load_log(self.store, header, events, start)
        end = start + max((e.end for e in events), default=0.0)
        return start, end, header.title or Path(log_path).stem

    def replace_scenario(self, log_path: Path) -> tuple[float, float, str]:
        """Demonstrations: forget what is stored and load another scenario."""
        self.store.forget()
        return self.load_scenario(log_path)
