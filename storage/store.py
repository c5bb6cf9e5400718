"""Reading and writing recorded observations. Every write is one ``BEGIN IMMEDIATE`` transaction."""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from operator import attrgetter, itemgetter
from typing import Any

import orjson

from onlooker.shim.model import (EARLIEST, LATEST, TAB_STATES, Event, InputSecond, LogHeader,
                                 Observation, check_moment, union)

from .errors import DatabaseBusy, describe

log = logging.getLogger(__name__)

# Kinds that are marks of Onlooker itself, not part of the observation log.
INTERNAL_KINDS = ("pause", "resume")
_CARRY = {  # state that a range inherits from before its start: kind pairs (on, off)
    "meeting": ("meeting_start", "meeting_end"),
    "share": ("share_start", "share_end"),
    "lock": ("lock", "unlock"),
}


# Spans never overlap (writes merge them), so the spans touching [lo, hi) are those starting
# inside it plus at most one that starts before and reaches in. Both halves use the start index.
_SPANS_TOUCHING = """
    SELECT id, start, end, keys, pointer FROM input_spans WHERE start >= :lo AND start < :hi
    UNION ALL
    SELECT * FROM (SELECT id, start, end, keys, pointer FROM input_spans WHERE start < :lo
                   ORDER BY start DESC LIMIT 1) WHERE end > :lo
"""


# The rows _readable_span accepts, in SQL (for bounds, which needs only the first and last).
_READABLE = """typeof(start) IN ('integer', 'real') AND typeof(end) IN ('integer', 'real')
    AND end > start AND typeof(keys) = 'integer' AND keys >= 0
    AND typeof(pointer) = 'integer' AND pointer >= 0"""
_SPAN_INSIDE = f"SELECT start, end FROM input_spans WHERE start >= :lo AND start < :hi AND {_READABLE} "
_SPAN_VALID = (f"SELECT start, end FROM input_spans WHERE start >= :lo AND start <= :hi "
               f"AND end <= :hi AND {_READABLE} ")
_SPAN_BEFORE = f"""SELECT start, end FROM (SELECT * FROM input_spans WHERE start < :lo
    ORDER BY start DESC LIMIT 1) WHERE end > :lo AND {_READABLE}"""
_START = itemgetter(1)


def _readable_span(row: tuple) -> bool:
    """A span row another program or damage left malformed is skipped (and said so), so one bad
    row never makes a whole range unreadable."""
    _id, a, b, keys, pointer = row
    ok = (all(isinstance(x, (int, float)) for x in (a, b)) and b > a
          and all(isinstance(x, int) and x >= 0 for x in (keys, pointer)))
    if not ok:
        log.warning("skipped an unreadable input span (id %r)", _id)
    return ok


def _flags(row: tuple) -> tuple:
    """(id, start, end, keyboard, pointer) with the flags as 0/1, whatever a row holds (a count
    another program wrote reads as "yes")."""
    return (row[0], row[1], row[2], int(row[3] > 0), int(row[4] > 0))


_NAMED_KINDS = frozenset(("focus", "minimize", "restore", "meeting_start"))  # "unknown" if no app
_ROWS = ("SELECT ts, kind, app, title, data FROM events WHERE ts >= ? AND ts < ? AND kind NOT IN "
         f"({','.join('?' * len(INTERNAL_KINDS))}) ORDER BY ts, id")
_T = attrgetter("t")


def _ours(ts: Any, kind: Any, app: Any, title: Any, data: Any) -> bool:
    """Whether an events row has the types we write: integer ts, text kind, text or NULL app,
    title and data. Anything else (another program's row, or damage) is read carefully."""
    return (ts.__class__ is int and kind.__class__ is str
            and (app is None or app.__class__ is str) and (title is None or title.__class__ is str)
            and (data is None or data.__class__ is str))


def _app_of(kind: str, app: Any) -> str | None:
    """A row's app as text ("unknown" where a window event names none)."""
    if app is not None and not isinstance(app, str):
        app = str(app)
    return "unknown" if not app and kind in _NAMED_KINDS else app


def _careful_event(ts: Any, kind: Any, app: Any, title: Any, data: Any,
                   origin: float) -> Event | None:
    """An event row with extra data, or one another program wrote (or damage left): it degrades
    to what can be read of it, or None (skipped, and said so), so one bad row never makes a
    whole day unreadable."""
    if not isinstance(ts, (int, float)) or not isinstance(kind, str):
        log.warning("skipped an unreadable event row (ts %r, kind %r)", ts, kind)
        return None
    if title is not None and not isinstance(title, str):
        title = None
    return _event_with_data(ts / 1000 - origin, kind, _app_of(kind, app), title, data)


def _event_with_data(t: float, kind: str, app: str | None, title: str | None,
                     data: Any) -> Event | None:
    """A row with extra data (a page's url and state), at ``t``. A url must be text and a
    tab's state one the log format knows, as a log's line must (``shim.obslog``): a tab row
    without one says nothing and is skipped (said so); anything else is kept as extra."""
    extra = _extra(data)
    url, state = extra.pop("url", None), extra.pop("state", None)
    if kind == "tab" and state not in TAB_STATES:
        log.warning("skipped a tab row with no readable state (%r)", state)
        return None
    return Event(t, kind, app, title, url=url if isinstance(url, str) else None,
                 state=state if kind == "tab" else None, extra=extra or None)


def _extra(data: Any) -> dict[str, Any]:
    """A row's JSON ``data`` as a dict ({} when absent or unreadable)."""
    if not data:
        return {}
    try:
        extra = orjson.loads(data)
    except (TypeError, ValueError):
        try:  # what orjson refuses and json reads (NaN, huge integers)
            extra = json.loads(data)
        except (TypeError, ValueError, RecursionError):  # nested deeper than Python recurses
            return {}
    return extra if isinstance(extra, dict) else {}


def _merge(first: Iterable[Event], then: Iterable[Event],
           lead: list[Event] | None = None) -> Iterator[Event]:
    """Two time-sorted streams as one, ``first``'s event first on a tie; ``lead`` (events at 0,
    the state carried in) goes before both from 0 on. heapq.merge's order of (lead, first, then),
    at a fraction of its cost per event."""
    then = iter(then)
    nxt = next(then, None)
    for event in first:
        t = event.t
        if lead and t >= 0.0:
            while nxt is not None and nxt.t < 0.0:
                yield nxt
                nxt = next(then, None)
            yield from lead
            lead = None
        while nxt is not None and nxt.t < t:
            yield nxt
            nxt = next(then, None)
        yield event
    if lead:
        while nxt is not None and nxt.t < 0.0:
            yield nxt
            nxt = next(then, None)
        yield from lead
    if nxt is not None:
        yield nxt
        yield from then


class Store:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def spans(self, lo: float, hi: float, *, touching: bool = False) -> list[tuple]:
        """(id, start, end, keyboard, pointer) of input spans overlapping [lo, hi), by start; the
        last two are 0/1 (some second of the span had keyboard / pointer input). With
        ``touching``, also those that end exactly at lo or start exactly at hi."""
        if touching:
            lo, hi = lo - 1e-9, hi + 1e-9
            rows = self.conn.execute(_SPANS_TOUCHING.replace("WHERE end > :lo", "WHERE end >= :lo"),
                                     {"lo": lo, "hi": hi}).fetchall()
        else:
            rows = self.conn.execute(_SPANS_TOUCHING, {"lo": lo, "hi": hi}).fetchall()
        out = []
        for row in rows:
            _id, a, b, keys, pointer = row
            # Ours: integer seconds and 0/1 flags (column affinity keeps them integers); anything
            # else is checked and read as well as it can be.
            if (a.__class__ is int and b.__class__ is int and b > a and keys.__class__ is int
                    and pointer.__class__ is int and 0 <= keys <= 1 and 0 <= pointer <= 1):
                out.append(row)
            elif _readable_span(row):
                out.append(_flags(row))
        out.sort(key=_START)
        return out

    # --- writing -------------------------------------------------------------------------

    @contextmanager
    def immediate(self):
        """A write transaction that takes the write lock up front (no BUSY_SNAPSHOT surprises).
        All or nothing: on any failure it is rolled back and the first error is what is raised
        (a full disk or read-only file as a one-line ``StorageError``)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseBusy("the database stayed locked; another program holds it - close "
                                   "it and try again") from None
            raise describe(exc) or exc from None
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # SQLite already rolled back (a full disk does): keep the real error
            if isinstance(exc, sqlite3.OperationalError) and describe(exc):
                raise describe(exc) from None
            raise

    def add_events(self, observations: Iterable[Observation]) -> int:
        """Insert observations; a time outside the valid range (shim.model) is refused before
        anything is written, so one bad time cannot break every later read."""
        observations = list(observations)
        for o in observations:
            check_moment(o.ts, f"the time of a {o.kind} observation")
        rows = [(round(o.ts * 1000), o.kind, o.app, o.category, o.window, o.title,
                 json.dumps(o.data, separators=(",", ":")) if o.data else None)
                for o in observations]
        self.conn.executemany(
            "INSERT INTO events (ts, kind, app, category, window, title, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def add_input(self, seconds: Iterable[InputSecond]) -> None:
        """Merge seconds with input into spans: a second that continues the newest span extends
        it, and the span's flags become "some second in it had keyboard / pointer input". Only
        0 and 1 are ever written, so no row can tell how many keys were pressed (or a password's
        length); a second written twice (two batches) changes nothing."""
        for s in sorted(seconds, key=lambda x: x.second):
            last = self.conn.execute(
                "SELECT id, start, end FROM input_spans WHERE start <= ? ORDER BY start DESC "
                "LIMIT 1", (s.second,)).fetchone()
            if last and last[2] >= s.second:
                self.conn.execute(
                    "UPDATE input_spans SET end = max(end, ?), keys = max(keys > 0, ?), "
                    "pointer = max(pointer > 0, ?) WHERE id = ?",
                    (s.second + 1, int(s.keyboard), int(s.pointer), last[0]))
            else:
                self.conn.execute(
                    "INSERT INTO input_spans (start, end, keys, pointer) VALUES (?, ?, ?, ?)",
                    (s.second, s.second + 1, int(s.keyboard), int(s.pointer)))

    def add_span(self, start: int, end: int, keys: int = 0, pointer: int = 0) -> None:
        """Merge a whole span of active seconds [start, end) with any it overlaps or touches
        (imports, logs; idempotent). ``keys`` / ``pointer``: whether some second had keyboard /
        pointer input (a count is taken as yes/no)."""
        keys, pointer = int(keys > 0), int(pointer > 0)
        for row in self.spans(start, end, touching=True):
            start, end = min(start, row[1]), max(end, row[2])
            keys, pointer = keys | row[3], pointer | row[4]
            self.conn.execute("DELETE FROM input_spans WHERE id = ?", (row[0],))
        self.conn.execute("INSERT INTO input_spans (start, end, keys, pointer) VALUES (?, ?, ?, ?)",
                          (start, end, keys, pointer))

    def record(self, observations: list[Observation], seconds: list[InputSecond],
               settings: dict[str, str] | None = None,
               recording: tuple[int, float] | None = None) -> None:
        """One commit of the recorder: observations, input seconds and settings it notes, and
        (``recording``: its span's id and now) that it was running until now."""
        with self.immediate():
            self.add_events(observations)
            self.add_input(seconds)
            for key, value in (settings or {}).items():
                self._put_setting(key, value)
            if recording is not None:
                self.extend_recording(*recording)

    def replace_import(self, source: str, observations: list[Observation],
                       spans: Iterable[tuple[int, int]]) -> int:
        """Store imported window changes and active periods [start, end) in one transaction;
        what an earlier import from the same source brought over the same range is replaced.
        Returns how many event rows were replaced."""
        tag = json.dumps({"source": source}, separators=(",", ":"))
        replaced = 0
        with self.immediate():
            if observations:
                replaced = self.conn.execute(
                    "DELETE FROM events WHERE data = ? AND ts >= ? AND ts <= ?",
                    (tag, round(observations[0].ts * 1000),
                     round(observations[-1].ts * 1000))).rowcount
            self.add_events(observations)
            spans = list(spans)
            for a, b in spans:
                self.add_span(a, b)
            # ActivityWatch watched from its first event to its last (its gaps are not known)
            moments = [o.ts for o in observations] + [x for s in spans for x in s]
            if moments:
                self.add_recorded(min(moments), max(moments), source)
        return replaced

    def set_paused(self, until: float | None) -> None:
        """Pause recording until ``until`` (inf: until resumed), or resume (None); the pause or
        resume is marked in the record in the same transaction."""
        with self.immediate():
            if until is None:
                self.conn.execute("DELETE FROM settings WHERE key = 'paused_until'")
            else:
                self._put_setting("paused_until", repr(until))
            finite = until is not None and math.isfinite(until)
            self.add_events([Observation(ts=time.time(), kind="resume" if until is None
                                         else "pause", data={"until": until} if finite else None)])

    # --- when it was recording -----------------------------------------------------------

    def open_recording(self, ts: float, source: str = "recorder") -> int:
        """A recorder starts: a span [ts, ts] it extends as it writes; returns its id."""
        with self.immediate():
            ms = round(check_moment(ts) * 1000)
            return self.conn.execute("INSERT INTO recording (start, end, source) VALUES (?, ?, ?)",
                                     (ms, ms, source)).lastrowid

    def drop_recording(self, rid: int) -> None:
        """A recorder that never started observing leaves no span."""
        with self.immediate():
            self.conn.execute("DELETE FROM recording WHERE id = ?", (rid,))

    def extend_recording(self, rid: int, ts: float) -> None:
        """The recorder ``rid`` was running until ``ts`` (within the caller's transaction)."""
        self.conn.execute("UPDATE recording SET end = max(end, ?) WHERE id = ?",
                          (round(ts * 1000), rid))

    def add_recorded(self, start: float, end: float, source: str) -> None:
        """[start, end] was observed (a loaded log, an import), within the caller's transaction."""
        self.conn.execute("INSERT INTO recording (start, end, source) VALUES (?, ?, ?)",
                          (round(check_moment(start) * 1000), round(check_moment(end) * 1000),
                           source))

    def recorded(self, start: float, end: float) -> list[tuple[float, float]] | None:
        """Merged [a, b] spans (epoch seconds, clipped) when something was observing within
        [start, end); None when no span touches the range at all (data stored by hand or before
        Onlooker kept this: then the records themselves are all that is known)."""
        lo, hi = round(start * 1000), round(end * 1000)
        rows = self.conn.execute(
            "SELECT start, end FROM recording WHERE start < ? AND end >= ? ORDER BY start",
            (hi, lo)).fetchall()
        spans: list[list[float]] = []
        for a, b in rows:
            if not (isinstance(a, int) and isinstance(b, int) and b >= a):
                continue
            a, b = max(a, lo) / 1000, min(b, hi) / 1000
            if spans and a <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], b)
            else:
                spans.append([a, b])
        return [(a, b) for a, b in spans] or None

    def paused(self, start: float, end: float) -> list[tuple[float, float]]:
        """[a, b) periods within [start, end) when recording was paused (epoch seconds)."""
        lo, hi = round(start * 1000), round(end * 1000)
        before = self.conn.execute(
            "SELECT ts, kind, data FROM events WHERE kind IN ('pause', 'resume') AND ts < ? "
            "AND ts >= 0 ORDER BY ts DESC, id DESC LIMIT 1", (lo,)).fetchall()
        rows = before + self.conn.execute(
            "SELECT ts, kind, data FROM events WHERE kind IN ('pause', 'resume') AND ts >= ? "
            "AND ts < ? ORDER BY ts, id", (lo, hi)).fetchall()
        out: list[tuple[float, float]] = []
        since: float | None = None
        until = math.inf
        for ts, kind, data in rows:
            t = ts / 1000
            if since is not None:  # a pause in force: it ends here or at its own end
                out.append((since, min(t, until)))
                since = None
            if kind == "pause":
                since = t
                try:
                    until = float(json.loads(data)["until"]) if data else math.inf
                except (TypeError, ValueError, KeyError, RecursionError):
                    until = math.inf
        if since is not None:
            out.append((since, until))
        return [(max(a, start), min(b, end)) for a, b in out if min(b, end) > max(a, start)]

    def unobserved(self, start: float, end: float, *,
                   live: bool = False) -> list[tuple[float, float]]:
        """[a, b) periods within [start, end) when nothing was observing: outside every
        recording span, or paused. Epoch seconds, merged. ``live``: a recorder runs now, so its
        span reaches ``end`` though it last wrote a little before."""
        gaps = list(self.paused(start, end))
        spans = self.recorded(start, end)
        if spans is not None:
            if live:
                spans[-1] = (spans[-1][0], end)
            edge = start
            for a, b in spans:
                if a > edge:
                    gaps.append((edge, a))
                edge = max(edge, b)
            if edge < end:
                gaps.append((edge, end))
        return union(gaps)

    def mark(self, kind: str, *, app: str | None = None, ts: float | None = None,
             data: dict | None = None) -> None:
        """A hand-made mark (meeting, sharing, pause) from the CLI."""
        with self.immediate():
            self.add_events([Observation(ts=time.time() if ts is None else ts, kind=kind, app=app,
                                         category="meeting" if kind == "meeting_start" else None,
                                         data=data)])

    # --- settings ------------------------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str | None) -> None:
        with self.immediate():
            if value is None:
                self.conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                self._put_setting(key, value)

    def _put_setting(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) "
                          "DO UPDATE SET value = excluded.value", (key, value))

    def paused_until(self, now: float | None = None) -> float | None:
        """None when recording; else the epoch second recording resumes (inf: until resumed)."""
        value = self.get_setting("paused_until")
        if value is None:
            return None
        until = float(value)
        return until if until > (time.time() if now is None else now) else None

    # --- reading -------------------------------------------------------------------------

    def last_state(self, kind_on: str, kind_off: str, before_ms: int) -> sqlite3.Row | None:
        row = self.conn.execute(
            "SELECT kind, app FROM events WHERE kind IN (?, ?) AND ts < ? AND ts >= 0 ORDER BY ts DESC, id DESC "
            "LIMIT 1", (kind_on, kind_off, before_ms)).fetchone()
        return row if row and row[0] == kind_on else None

    def bounds(self, start: float | None = None, end: float | None = None
               ) -> tuple[float, float] | None:
        """(first, last) recorded moment, epoch seconds, within [start, end) if given; None if
        nothing was recorded there."""
        if start is None:
            # Two queries: SQLite answers a lone min() or max() from the index, not both at once.
            # Only valid times count, so a row written by hand with an impossible time (year 1,
            # year 9999) cannot drag every view into a range nothing can show.
            # Both ends bound every query: SQLite sorts text and blobs above any number, so
            # an open "ts >= ?" would let another program's text time become the first moment.
            p = {"lo": EARLIEST, "hi": LATEST, "lo_ms": round(EARLIEST * 1000),
                 "hi_ms": round(LATEST * 1000)}
            a = (self.conn.execute("SELECT min(ts) FROM events WHERE ts >= :lo_ms AND ts <= :hi_ms",
                                   p).fetchone()[0],
                 self.conn.execute("SELECT max(ts) FROM events WHERE ts >= :lo_ms AND ts <= :hi_ms",
                                   p).fetchone()[0])
            first = self.conn.execute(_SPAN_VALID + "ORDER BY start LIMIT 1", p).fetchone()
            last = self.conn.execute(_SPAN_VALID + "ORDER BY start DESC LIMIT 1",
                                     p).fetchone()  # disjoint: the last to start ends last
            b = (first[0], last[1]) if first else (None, None)
        else:
            a = self.conn.execute("SELECT min(ts), max(ts) FROM events WHERE ts >= ? AND ts < ?",
                                  (round(start * 1000), round(end * 1000))).fetchone()
            b = self._span_bounds(start, end)
        lows = [x for x in (a[0] / 1000 if a[0] is not None else None, b[0]) if x is not None]
        highs = [x for x in (a[1] / 1000 if a[1] is not None else None, b[1]) if x is not None]
        return (min(lows), max(highs)) if lows else None

    def _span_bounds(self, start: float, end: float) -> tuple[float | None, float | None]:
        """First and last moment of input in [start, end) from the first and last readable span
        alone (the span list of a day costs far more), as ``spans`` would give them."""
        p = {"lo": start, "hi": end}
        before = self.conn.execute(_SPAN_BEFORE, p).fetchone()
        first = before or self.conn.execute(_SPAN_INSIDE + "ORDER BY start LIMIT 1", p).fetchone()
        last = self.conn.execute(_SPAN_INSIDE + "ORDER BY start DESC LIMIT 1", p).fetchone() or before
        if first is None:
            return None, None
        return max(first[0], start), min(last[1], end)

    def app_names(self, start: float, end: float) -> list[str]:
        """Distinct app names of focus events in [start, end), the most recent first."""
        rows = self.conn.execute(
            "SELECT app, max(ts) AS last FROM events WHERE kind = 'focus' AND ts >= ? AND ts < ? "
            "AND app IS NOT NULL GROUP BY app ORDER BY last DESC LIMIT 50",
            (round(start * 1000), round(end * 1000))).fetchall()
        return [r[0] for r in rows if isinstance(r[0], str)]

    def meeting_at(self, ts: float) -> bool:
        """Was a meeting going on just after ``ts`` (started at or before it, not yet ended)?"""
        return self.last_state("meeting_start", "meeting_end", round(ts * 1000) + 1) is not None

    def sharing_at(self, ts: float) -> bool:
        """Was someone marked as sharing a screen just before ``ts``?"""
        return self.last_state("share_start", "share_end", round(ts * 1000) + 1) is not None

    def observed(self, start: float, end: float, *, live: bool = False,
                 now: float | None = None) -> tuple[float, float] | None:
        """The observed part of [start, end): from when observing began to when it ended (to
        now, if a recorder is running now); where no recording span says, from the first record
        to the last. Time before and after is unknown, not idle. None: nothing."""
        bounds = self.bounds(start, end)
        spans = self.recorded(start, end)
        if bounds is None and spans is None:
            return None
        if spans is None:
            first, last = bounds
        else:
            first, last = spans[0][0], spans[-1][1]
            if bounds:  # a record outside the spans (a mark made by hand) still shows
                first, last = min(first, bounds[0]), max(last, bounds[1])
        now = time.time() if now is None else now
        if live and start <= now < end:
            last = now
        return first, max(last, first + 1)

    def events(self, start: float, end: float) -> tuple[LogHeader, Iterator[Event]]:
        """The observation log for [start, end): header + time-sorted events relative to start,
        beginning with the state carried in from before (focused app, meeting, share, lock).
        Streams: a year's export holds a million events."""
        start_ms, end_ms = round(start * 1000), round(end * 1000)
        return LogHeader(start=start), _merge(self._event_rows(start_ms, end_ms, start),
                                              self._input_rows(start, end), self._carried(start_ms))

    def events_ms(self, start: float, until: float) -> tuple[LogHeader, list[Event]]:
        """What a replay of [start, until] reads: ``events``' log, with an event at the very
        end included and input cut at ``until``, as one list in the profiles' integer
        milliseconds since ``start`` (both taken to the millisecond, the store's resolution).
        When every row has the types we write (checked in Python as they arrive: a separate
        SQLite scan for strangers cost as much again), each becomes its Event in one step (only
        rows with extra data are parsed), and the three sorted runs (carried state, rows,
        input) are merged by one stable sort, which keeps ``events``' order on a tie (carried
        state, then the row, then input). A range with a stranger is read as ``events`` reads
        it, row by careful row."""
        start_ms, until_ms = round(start * 1000), round(until * 1000)
        start, until = start_ms / 1000, until_ms / 1000
        header = LogHeader(start=start)
        fetched = self.conn.execute(_ROWS, (start_ms, until_ms + 1, *INTERNAL_KINDS)).fetchall()
        spans = self.spans(start, until)
        # a span starting between milliseconds (not ours: we write whole seconds) would sort
        # differently once rounded, so it takes the careful path too
        if not (all(_ours(*row) for row in fetched)
                and all(a.__class__ is int for _id, a, *_ in spans)):
            return header, [e.in_ms() for e in _merge(
                self._event_rows(start_ms, until_ms + 1, start), self._input_rows(start, until),
                self._carried(start_ms))]
        named, skipped = _NAMED_KINDS, []

        def with_data(t: int, kind: str, app: str | None, title: str | None, data: str):
            event = _event_with_data(t, kind, _app_of(kind, app), title, data)
            if event is None:
                skipped.append(t)
            return event

        rows = [Event(ts - start_ms, kind, app if app or kind not in named else "unknown", title)
                if data is None else with_data(ts - start_ms, kind, app, title, data)
                for ts, kind, app, title, data in fetched]
        if skipped:
            rows = [e for e in rows if e is not None]
        out = [e.in_ms() for e in self._carried(start_ms)]
        out += rows
        out += [Event(round((max(a, start) - start) * 1000), "input", None, None,
                      round((min(b, until) - start) * 1000), keys, pointer)
                for _id, a, b, keys, pointer in spans]
        out.sort(key=_T)
        return header, out

    def _carried(self, start_ms: int) -> list[Event]:
        out = []
        focus = self.conn.execute("SELECT app FROM events WHERE kind = 'focus' AND ts < ? AND ts >= 0 "
                                  "ORDER BY ts DESC, id DESC LIMIT 1", (start_ms,)).fetchone()
        if focus:
            out.append(Event(0.0, "focus", app=_app_of("focus", focus[0])))
        for on, off in _CARRY.values():
            row = self.last_state(on, off, start_ms)
            if row:
                app = _app_of(on, row[1]) if row[1] else None
                out.append(Event(0.0, on, app=app or ("meeting" if on == "meeting_start" else None)))
        return out

    def _event_rows(self, start_ms: int, end_ms: int, origin: float) -> Iterator[Event]:
        cur = self.conn.execute(_ROWS, (start_ms, end_ms, *INTERNAL_KINDS))
        for ts, kind, app, title, data in cur:
            # The common row (ours: integer ts, text or NULL columns, no data) is built directly;
            # a year holds a million of them. Anything else takes the careful path.
            if data is None and _ours(ts, kind, app, title, data):
                yield Event(ts / 1000 - origin, kind, app if app or kind not in _NAMED_KINDS
                            else "unknown", title)
            else:
                event = _careful_event(ts, kind, app, title, data, origin)
                if event is not None:
                    yield event

    def _input_rows(self, start: float, end: float) -> list[Event]:
        return [Event(max(a, start) - start, "input", None, None, min(b, end) - start, keys, pointer)
                for _id, a, b, keys, pointer in self.spans(start, end)]

    def counts(self, start: float, end: float) -> dict[str, int]:
        """What happened in [start, end): events by kind, seconds with input, and how many of
        those lay in stretches of input that included the keyboard / the pointer (a stretch's
        flags say only that some second in it had such input; never how much)."""
        by_kind = dict(self.conn.execute(
            "SELECT kind, count(*) FROM events WHERE ts >= ? AND ts < ? GROUP BY kind",
            (round(start * 1000), round(end * 1000))).fetchall())
        lengths = [(min(r[2], end) - max(r[1], start), r[3], r[4]) for r in self.spans(start, end)]
        return {"focus_changes": by_kind.get("focus", 0), "minimizes": by_kind.get("minimize", 0),
                "locks": by_kind.get("lock", 0), "meetings": by_kind.get("meeting_start", 0),
                "active_seconds": int(sum(n for n, _, _ in lengths)),
                "active_seconds_keyboard": int(sum(n for n, k, _ in lengths if k)),
                "active_seconds_pointer": int(sum(n for n, _, p in lengths if p))}

    def data_version(self) -> int:
        """Changes whenever another connection commits (SQLite's data_version)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def titles_stored(self) -> int:
        return self.conn.execute("SELECT count(*) FROM events INDEXED BY events_titled "
                                 "WHERE title IS NOT NULL").fetchone()[0]

    def browser_rows(self) -> int:
        """Rows the browser extension or the probe page wrote (their windows are tabs / the probe)."""
        return self.conn.execute("SELECT count(*) FROM events WHERE window LIKE 'tab:%' "
                                 "OR window = 'probe'").fetchone()[0]

    def table_counts(self) -> dict[str, int]:
        return {t: self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("events", "input_spans")}

    # --- forgetting ----------------------------------------------------------------------

    def forget(self, start: float | None = None, end: float | None = None) -> int:
        """Delete [start, end) (everything when both are None), then checkpoint the WAL and
        truncate it: with secure_delete on, the bytes are gone from the database and the WAL."""
        with self.immediate():
            if start is None and end is None:
                n = self.conn.execute("DELETE FROM events").rowcount
                n += self.conn.execute("DELETE FROM input_spans").rowcount
            else:
                n = self.conn.execute("DELETE FROM events WHERE ts >= ? AND ts < ?",
                                      (round(start * 1000), round(end * 1000))).rowcount
                # input is kept in whole seconds: every second the range touches goes
                lo, hi = math.floor(start), math.ceil(end)
                self._trim_spans(lo, hi)
                n += self.conn.execute("DELETE FROM input_spans WHERE start >= ? AND end <= ?",
                                       (lo, hi)).rowcount
        self.scrub()
        return n

    def _trim_spans(self, lo: int, hi: int) -> None:
        """Spans cut by [lo, hi) keep their outside parts, with the span's flags (which second
        had which kind of input is not known, so each part keeps both)."""
        rows = [r for r in self.spans(lo, hi) if not (r[1] >= lo and r[2] <= hi)]
        for rid, a, b, k, p in rows:
            parts = [(a, min(b, lo)), (max(a, hi), b)]
            parts = [(x, y) for x, y in parts if y > x]
            self.conn.execute("DELETE FROM input_spans WHERE id = ?", (rid,))
            for x, y in parts:
                self.conn.execute("INSERT INTO input_spans (start, end, keys, pointer) "
                                  "VALUES (?, ?, ?, ?)", (x, y, k, p))

    def scrub(self, attempts: int = 50) -> None:
        """Checkpoint and truncate the WAL so deleted bytes leave it too; retries while a reader
        holds an old snapshot."""
        for _ in range(attempts):
            busy, _log, _done = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.1)
        raise DatabaseBusy("another process kept reading the database, so the WAL could not be "
                           "truncated; close other Onlooker windows and run forget again")
