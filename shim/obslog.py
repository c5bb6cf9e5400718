"""The observation log, a public JSON Lines format (version 1): parse and serialise.

Parsing is strict: an unknown event, a missing field, a bad time or a line that is not JSON
raises ``LogError`` naming the line, so a caller can refuse the whole file.
"""

from __future__ import annotations

import json
import math
from math import isfinite as _isfinite

import orjson  # 4-5x faster than json for a million small lines; same strictness
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO

from .model import (EARLIEST, EVENT_NAMES, LATEST, MAX_SPAN_S, REQUIRED_FIELDS, TAB_STATES,
                    VALID_RANGE_TEXT, Event, InvalidTime, LogHeader, check_moment, union)

# Bounds that keep a hostile or broken file from costing memory: a longer line is refused, and
# fields this version does not know are kept (for a round trip) only while they are small.
MAX_LINE_BYTES = 64 * 1024
MAX_UNKNOWN_BYTES = 1024

KNOWN_KEYS = frozenset(
    ("at", "ts", "event", "app", "title", "until", "keys", "pointer", "url", "state")
)


class OutOfOrder(Exception):
    """An event earlier than the line before it (``LogReader.events(in_order=True)``)."""


class LogError(ValueError):
    """A problem in an observation log, with the 1-based line number it is on."""

    def __init__(self, line: int, problem: str):
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def parse_time(text: str) -> float:
    """ISO-8601 with a zone (``Z`` or an offset) -> epoch seconds."""
    if not isinstance(text, str) or len(text) > 64:
        raise ValueError("a time must be an ISO-8601 string")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:  # Python's own wording ("offset must be a timedelta ...") helps nobody
        raise ValueError(f"time {text!r} is not an ISO-8601 time (e.g. "
                         "2026-11-28T09:00:00+01:00)") from None
    if value.tzinfo is None:
        raise ValueError(f"time {text!r} has no zone (add Z or +HH:MM)")
    try:
        return check_moment(value.timestamp(), f"time {text!r}")
    except OverflowError:
        raise InvalidTime(f"time {text!r} is outside {VALID_RANGE_TEXT}") from None


def utc_offset(text: str) -> int:
    """The zone of an ISO-8601 time, as seconds east of UTC ("+05:45" -> 20700, "Z" -> 0)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return int(value.utcoffset().total_seconds()) if value.tzinfo else 0


def format_time(epoch: float, offset_s: int | None = None) -> str:
    """Epoch seconds -> ISO-8601 with milliseconds: UTC (2026-11-28T09:00:00.250Z), or in the
    zone ``offset_s`` seconds east of UTC when given (2026-11-28T14:45:00.250+05:45)."""
    if offset_s:
        zone = timezone(timedelta(seconds=offset_s))
        return datetime.fromtimestamp(epoch, tz=zone).isoformat(timespec="milliseconds")
    stamp = datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"'{name}' must be a number of seconds, not {json.dumps(value)}")
    return float(value)


def _flag(value: Any, name: str) -> int | None:
    """An input span's ``keys`` / ``pointer``: 1 or 0 (true/false also read). Older logs held
    counts; any whole number is accepted and read as yes (> 0) or no, so no count survives."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"'{name}' must be 1 or 0 (older logs: a whole number >= 0)")
    return 1 if value else 0


class LogReader:
    """Parses lines one at a time; holds the header (if any) and the time origin.

    With ``in_ms`` the events come out as the profiles read them, times in integer
    milliseconds (see ``profiles.Normaliser``): a replay then builds one Event per line, not two.
    """

    def __init__(self, in_ms: bool = False) -> None:
        self.header = LogHeader()
        self.in_ms = in_ms
        self._origin: float | None = None  # epoch of t == 0
        self._relative_seen = False
        self.origin_offset: int | None = None  # zone of the first ISO time, without a header
        self._lo = 0.0  # the earliest and latest moment seen (t=0 included), for the span check
        self._hi = 0.0
        self._previous = float("-inf")  # the last event's time, for ``ordered``
        self.ordered = True  # every event so far at or after the one before it

    @property
    def origin(self) -> float | None:
        return self._origin

    @property
    def latest(self) -> float:
        """The latest moment any event so far speaks about, in seconds (0 when none is later)."""
        return self._hi

    def _seconds(self, obj: dict[str, Any], key_at: str, key_ts: str) -> float | None:
        value = obj.get(key_at)
        if value is not None:
            self._relative_seen = True
            # fast path: plain finite numbers (the common case, a year holds a million lines)
            if type(value) is int or (type(value) is float and math.isfinite(value)):
                return float(value)
            return _number(value, key_at)
        value = obj.get(key_ts)
        if value is not None:
            epoch = parse_time(value)
            if self._origin is None:
                if self._relative_seen:
                    raise ValueError("an ISO 'ts' after 'at' times needs a header with 'start'")
                self._origin = epoch
                self.origin_offset = utc_offset(value)  # the first time's zone
            return epoch - self._origin
        return None

    def events(self, lines: Iterable[str], in_order: bool = False) -> Iterator[Event]:
        """Events of ``lines`` in file order; LogError at the first bad line, and with
        ``in_order`` OutOfOrder at the first event earlier than the one before it (a caller
        that streams can then sort instead)."""
        parse_line = self.parse_line
        for number, text in enumerate(lines, start=1):
            event = parse_line(number, text)
            if event is not None:
                if in_order and not self.ordered:
                    raise OutOfOrder(number)
                yield event

    def parse_line(self, number: int, text: str) -> Event | None:
        """One line -> an Event, or None for a blank line or the header."""
        if not text or text.isspace():  # no copy per line, unlike strip()
            return None
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise LogError(number, f"not JSON ({str(exc).split(':')[0]})") from None
        if not isinstance(obj, dict):
            raise LogError(number, "a line must be a JSON object")
        try:
            if "onlooker" in obj:
                return self._parse_header(number, obj)
            return self._parse_event(obj)
        except ValueError as exc:
            raise LogError(number, str(exc)) from None

    def _parse_header(self, number: int, obj: dict[str, Any]) -> None:
        if number != 1 and not (self._origin is None and not self._relative_seen):
            raise ValueError("the header must be the first line")
        if obj.get("onlooker") != "log":
            raise ValueError('a header needs "onlooker": "log"')
        if obj.get("version", 1) != 1:
            raise ValueError(f"unsupported log version {obj.get('version')!r}; this reads version 1")
        start = parse_time(obj["start"]) if obj.get("start") is not None else None
        title = obj.get("title")
        if title is not None and not isinstance(title, str):
            raise ValueError("'title' must be text")
        # the start's own zone is the person's wall clock (Hubstaff's slots follow it)
        offset = utc_offset(obj["start"]) if start is not None else None
        self.header = LogHeader(start=start, title=title, utc_offset_s=offset,
                                not_recorded=_not_recorded(obj.get("not_recorded")))
        self._origin = start
        return None

    def _parse_event(self, obj: dict[str, Any]) -> Event:
        # The hot path of a year's replay (a million lines): plain locals, no helper calls for
        # the usual values; anything unusual goes through the checks that name the problem.
        name = obj.get("event")
        required = REQUIRED_FIELDS.get(name) if type(name) is str else None
        if required is None:
            if not isinstance(name, str):
                raise ValueError("missing 'event'")
            raise ValueError(f"unknown event {name!r} (known: {', '.join(sorted(EVENT_NAMES))})")
        t = obj.get("at")
        if type(t) is int or (type(t) is float and _isfinite(t)):
            t = float(t)
            self._relative_seen = True
        else:
            t = self._seconds(obj, "at", "ts")
            if t is None:
                raise ValueError("missing time: give 'at' (seconds) or 'ts' (ISO-8601 with zone)")
        for key in required:
            value = obj.get(key)
            if type(value) is not str or not value:
                raise ValueError(f"{name} needs '{key}' (text)")
        until = obj.get("until")
        if until is not None:
            # 'until' follows the line's own time form: seconds with 'at', ISO with 'ts'.
            if type(until) is str:
                until = parse_time(until) - (self._origin or 0.0)
            elif type(until) is int or (type(until) is float and _isfinite(until)):
                until = float(until)
            else:
                until = _number(until, "until")
            if until < t:
                raise ValueError("'until' is before the event's time")
            end = until
        else:
            end = t
        if t < self._lo:
            self._lo = t
        if end > self._hi:
            self._hi = end
        if self._hi - self._lo > MAX_SPAN_S:
            raise ValueError(f"the log would span more than {MAX_SPAN_S // 86400} days; split it "
                             "into shorter logs")
        origin = self._origin
        if origin is not None and not (origin + t >= EARLIEST and origin + end <= LATEST):
            raise ValueError(f"this time is outside {VALID_RANGE_TEXT}")
        state = obj.get("state")
        if name == "tab":
            if state not in TAB_STATES:
                raise ValueError("tab 'state' must be 'visible' or 'hidden'")
        else:
            state = None
        title = obj.get("title")
        if title is not None and type(title) is not str:
            raise ValueError("'title' must be text")
        keys, pointer = obj.get("keys"), obj.get("pointer")
        if keys is not None:
            keys = (1 if keys else 0) if type(keys) is int and keys >= 0 else _flag(keys, "keys")
        if pointer is not None:
            pointer = ((1 if pointer else 0) if type(pointer) is int and pointer >= 0
                       else _flag(pointer, "pointer"))
        app, url = obj.get("app"), obj.get("url")
        extra = None
        if not KNOWN_KEYS.issuperset(obj):  # no set built per line, as keys() - KNOWN would
            extra = {k: v for k, v in obj.items() if k not in KNOWN_KEYS}
            if len(orjson.dumps(extra)) > MAX_UNKNOWN_BYTES:
                extra = None  # too large to carry along; nothing reads unknown fields
        if t < self._previous:
            self.ordered = False
        self._previous = t
        if self.in_ms:
            t = round(t * 1000)
            if until is not None:
                until = round(until * 1000)
        return Event(t, name, app if type(app) is str else None, title, until, keys, pointer,
                     url if type(url) is str else None, state, extra)


def read_lines(fh: BinaryIO, block: int = 1 << 20) -> Iterator[str]:
    """Lines of a log opened in binary mode (without their line ends): a line longer than
    MAX_LINE_BYTES or not UTF-8 raises LogError naming it, and no line is held whole in memory
    before it is known to be small. Read a block at a time and decoded a block at a time: per
    line, readline() and decode() cost as much as parsing the JSON."""
    number = 0
    rest = b""
    while True:
        chunk = fh.read(block)
        if not chunk:
            if rest:
                yield _decoded(number + 1, rest)
            return
        data = rest + chunk if rest else chunk
        cut = data.rfind(b"\n") + 1
        rest = data[cut:]
        if len(rest) > MAX_LINE_BYTES:  # no end in sight: refuse before reading more of it
            raise LogError(number + data.count(b"\n", 0, cut) + 1, _TOO_LONG)
        if not cut:
            continue
        lines = data[:cut - 1].split(b"\n")
        if max(map(len, lines)) > MAX_LINE_BYTES:
            long = next(i for i, line in enumerate(lines) if len(line) > MAX_LINE_BYTES)
            raise LogError(number + long + 1, _TOO_LONG)
        try:
            text = data[:cut - 1].decode("utf-8").split("\n")
        except UnicodeDecodeError:
            for i, line in enumerate(lines):  # which line it is
                _decoded(number + i + 1, line)
            raise
        number += len(text)
        yield from text


_TOO_LONG = (f"longer than {MAX_LINE_BYTES // 1024} KiB; an observation line is far shorter - "
             "is this an observation log?")


def _decoded(number: int, raw: bytes) -> str:
    if len(raw) > MAX_LINE_BYTES:
        raise LogError(number, _TOO_LONG)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LogError(number, "not UTF-8 text") from None


def iter_events(lines: Iterable[str], reader: LogReader | None = None) -> Iterator[Event]:
    """Events in file order; raises LogError at the first bad line."""
    return (reader or LogReader()).events(lines)


def parse(lines: Iterable[str]) -> tuple[LogHeader, list[Event]]:
    """Whole log -> (header, events sorted by time, stable). Raises LogError."""
    reader = LogReader()
    events = list(iter_events(lines, reader))
    events.sort(key=lambda e: e.t)
    return header_of(reader), events


MAX_NOT_RECORDED = 100_000  # periods in a header: a year of pauses, and bounded memory


def _not_recorded(value: Any) -> tuple[tuple[float, float], ...]:
    """The header's ``not_recorded``: [[a, b], ...], seconds since the start, 0 <= a < b;
    returned sorted and merged."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_NOT_RECORDED:
        raise ValueError(f"'not_recorded' must be a list of at most {MAX_NOT_RECORDED} [from, to] "
                         "pairs of seconds since the start")
    pairs = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2
                and all(type(x) in (int, float) and _isfinite(x) for x in pair)
                and 0 <= pair[0] < pair[1] <= MAX_SPAN_S):
            raise ValueError(f"'not_recorded' holds {json.dumps(pair)[:40]}: each period must be "
                             "[from, to], seconds since the start, from < to")
        pairs.append((float(pair[0]), float(pair[1])))
    return tuple(union(pairs))


def header_of(reader: LogReader) -> LogHeader:
    """The header, with ``start`` filled from the first ISO time when there was no header line."""
    header = reader.header
    if header.start is None and reader.origin is not None:
        return LogHeader(start=reader.origin, title=header.title,
                         utc_offset_s=reader.origin_offset, not_recorded=header.not_recorded)
    return header


def event_to_dict(event: Event) -> dict[str, Any]:
    """Event -> the JSON object of one log line (``at`` form)."""
    out: dict[str, Any] = {"at": round(event.t, 3), "event": event.event}
    for key in ("app", "title", "url", "state", "keys", "pointer"):
        value = getattr(event, key)
        if value is not None:
            out[key] = value
    if event.until is not None:
        out["until"] = round(event.until, 3)
    if event.extra:
        for key, value in event.extra.items():
            out.setdefault(key, value)
    return out


def dump_lines(header: LogHeader, events: Iterable[Event]) -> Iterator[str]:
    """Serialise a header and events as log lines (no trailing newlines)."""
    head: dict[str, Any] = {"onlooker": "log", "version": 1}
    if header.start is not None:
        head["start"] = format_time(header.start, header.utc_offset_s)
    if header.title is not None:
        head["title"] = header.title
    if header.not_recorded:
        head["not_recorded"] = [[round(a, 3), round(b, 3)] for a, b in header.not_recorded]
    yield json.dumps(head, ensure_ascii=False)
    for event in events:
        yield json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))
