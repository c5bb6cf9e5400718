"""The observation log, a public JSON Lines format (version 1): parse and serialise.

Parsing is strict: an unknown event, a missing field, a bad time or a line that is not JSON
raises ``LogError`` naming the line, so a caller can refuse the whole file.
"""

from __future__ import annotations

import json
import math

import orjson  # 4-5x faster than json for a million small lines; same strictness
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

from .model import EVENT_NAMES, REQUIRED_FIELDS, TAB_STATES, Event, LogHeader

KNOWN_KEYS = frozenset(
    ("at", "ts", "event", "app", "title", "until", "keys", "pointer", "url", "state")
)


class LogError(ValueError):
    """A problem in an observation log, with the 1-based line number it is on."""

    def __init__(self, line: int, problem: str):
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def parse_time(text: str) -> float:
    """ISO-8601 with a zone (``Z`` or an offset) -> epoch seconds."""
    if not isinstance(text, str):
        raise ValueError("a time must be an ISO-8601 string")
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"time {text!r} has no zone (add Z or +HH:MM)")
    return value.timestamp()


def format_time(epoch: float) -> str:
    """Epoch seconds -> ISO-8601 UTC with milliseconds, e.g. 2026-11-28T09:00:00.250Z."""
    stamp = datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"'{name}' must be a number of seconds, not {json.dumps(value)}")
    return float(value)


def _count(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"'{name}' must be a whole number >= 0")
    return value


class LogReader:
    """Parses lines one at a time; holds the header (if any) and the time origin."""

    def __init__(self) -> None:
        self.header = LogHeader()
        self._origin: float | None = None  # epoch of t == 0
        self._relative_seen = False

    @property
    def origin(self) -> float | None:
        return self._origin

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
            return epoch - self._origin
        return None

    def parse_line(self, number: int, text: str) -> Event | None:
        """One line -> an Event, or None for a blank line or the header."""
        if not text.strip():
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
        self.header = LogHeader(start=start, title=title)
        self._origin = start
        return None

    def _parse_event(self, obj: dict[str, Any]) -> Event:
        name = obj.get("event")
        required = REQUIRED_FIELDS.get(name) if type(name) is str else None
        if required is None:
            if not isinstance(name, str):
                raise ValueError("missing 'event'")
            raise ValueError(f"unknown event {name!r} (known: {', '.join(sorted(EVENT_NAMES))})")
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
            elif type(until) is int or (type(until) is float and math.isfinite(until)):
                until = float(until)
            else:
                until = _number(until, "until")
            if until < t:
                raise ValueError("'until' is before the event's time")
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
        if keys is not None and (type(keys) is not int or keys < 0):
            keys = _count(keys, "keys")
        if pointer is not None and (type(pointer) is not int or pointer < 0):
            pointer = _count(pointer, "pointer")
        app, url = obj.get("app"), obj.get("url")
        unknown = obj.keys() - KNOWN_KEYS
        return Event(t, name, app if type(app) is str else None, title, until, keys, pointer,
                     url if type(url) is str else None, state,
                     {k: obj[k] for k in unknown} if unknown else None)


def iter_events(lines: Iterable[str], reader: LogReader | None = None) -> Iterator[Event]:
    """Events in file order; raises LogError at the first bad line."""
    reader = reader or LogReader()
    for number, text in enumerate(lines, start=1):
        event = reader.parse_line(number, text)
        if event is not None:
            yield event


def parse(lines: Iterable[str]) -> tuple[LogHeader, list[Event]]:
    """Whole log -> (header, events sorted by time, stable). Raises LogError."""
    reader = LogReader()
    events = list(iter_events(lines, reader))
    events.sort(key=lambda e: e.t)
    return header_of(reader), events


def header_of(reader: LogReader) -> LogHeader:
    """The header, with ``start`` filled from the first ISO time when there was no header line."""
    header = reader.header
    if header.start is None and reader.origin is not None:
        return LogHeader(start=reader.origin, title=header.title)
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
        head["start"] = format_time(header.start)
    if header.title is not None:
        head["title"] = header.title
    yield json.dumps(head, ensure_ascii=False)
    for event in events:
        yield json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))
