"""What the dashboard can ask and do, transport-free: every method takes and returns JSON-able
values and validates its input. The HTTP server only routes to these."""

from __future__ import annotations

import json
import math
import os
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from shim.profiles import PROFILES
from shim.replay import replay_events
from shim.timeline import lanes
from storage.export import log_lines, metrics_csv
from storage.lockfile import holder, nudge_recorder
from storage.store import Store

from .. import config as configmod
from ..timeparse import day_range


# Profiles whose flags are states a person could be told about while they hold.
LIVE_PROFILES = ("zoom-2020", "gotowebinar", "teams-presence", "slack-presence", "time-doctor")


class BadRequest(ValueError):
    """A request the dashboard itself would never send; the message is safe to show."""


def _day_of(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().date().isoformat()


class DashboardAPI:
    def __init__(self, store: Store, db_path: Path, config_path: Path, *, title: str | None = None,
                 default_range: tuple[float, float] | None = None, demo: bool = False,
                 scenarios: dict[str, Path] | None = None, scenario: str | None = None):
        self.store = store
        self.db_path = Path(db_path)
        self.config_path = Path(config_path)
        self.title = title
        self.default_range = default_range
        self.demo = demo
        self.scenarios = scenarios or {}  # demonstration logs a teacher can switch between
        self.scenario = scenario
        self._lock = threading.RLock()  # one connection, many request threads
        self._trend_cache: dict[str, tuple[str, dict]] = {}
        self._changes = 0
        self._data_cache: tuple[str, dict] | None = None
        self._trends_last: tuple[tuple, dict] | None = None

    # --- reading -------------------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        """Changes whenever anything is recorded or deleted (the page polls this for live view):
        SQLite's data_version covers other processes' commits, ``_changes`` our own. O(1)."""
        with self._lock:
            return {"v": f"{self.store.data_version()}.{self._changes}"}

    def _changed(self) -> None:
        self._changes += 1

    def overview(self) -> dict[str, Any]:
        with self._lock:
            bounds = self.store.bounds()
            paused = self.store.paused_until()
        recording = bool(holder(self.db_path))
        if self.default_range:
            default = _day_of(self.default_range[0])
        elif bounds and not recording:
            default = _day_of(bounds[1])  # the latest day with data, not an empty today
        else:
            default = _day_of(time.time())
        return {
            "title": self.title or "Your day as trackers would see it",
            "demo": self.demo,
            "recording": recording,
            "paused": paused is not None,
            "paused_until": None if paused in (None, math.inf) else paused,
            "first_day": _day_of(bounds[0]) if bounds else None,
            "last_day": _day_of(bounds[1]) if bounds else None,
            "default_day": default,
            "profiles": [{"id": p.id, "name": p.name, "seen_by": p.seen_by} for p in PROFILES.values()],
            "scenarios": sorted(self.scenarios),
            "scenario": self.scenario,
        }

    def _range(self, day: str | None) -> tuple[float, float]:
        if self.default_range and (day is None or day == _day_of(self.default_range[0])):
            return self.default_range
        try:
            return day_range(day or "today")
        except ValueError as exc:
            raise BadRequest(str(exc)) from None

    def _observed(self, day_start: float, day_end: float) -> tuple[float, float] | None:
        with self._lock:
            return self.store.observed(day_start, day_end, live=bool(holder(self.db_path)))

    def day(self, day: str | None = None) -> dict[str, Any]:
        """Timeline lanes and every profile's result for one day (or the demo's range)."""
        day_start, day_end = self._range(day)
        if self.default_range and (day_start, day_end) == self.default_range:
            observed = self.default_range  # the demonstration's own period
        else:
            observed = self._observed(day_start, day_end)
        start, until = observed or (day_start, day_start + 1)
        with self._lock:
            header, events = self.store.events(start, until + 0.001)
            events = list(events)
        span = until - start
        result = replay_events(header, events, until=span)
        return {
            "day": _day_of(day_start),
            "start": start,
            "end": day_end,
            "observed_until": until,
            "empty": observed is None,
            "lanes": lanes(events, span),
            "profiles": [r.to_json() for r in result.results],
            "shown": self.settings()["profiles_shown"],
        }

    def trends(self, days: int = 28, until_day: str | None = None) -> dict[str, Any]:
        """Per-profile headline metrics for each of the last ``days`` days with data."""
        if not (1 <= days <= 366):
            raise BadRequest("days must be 1-366")
        key = (self.version()["v"], days, until_day)
        if self._trends_last and self._trends_last[0] == key:  # nothing changed since last time
            return self._trends_last[1]
        out = self._trends(days, until_day)
        self._trends_last = (key, out)
        return out

    def _trends(self, days: int, until_day: str | None) -> dict[str, Any]:
        with self._lock:
            bounds = self.store.bounds()
        if not bounds:
            return {"days": []}
        last = date.fromisoformat(until_day) if until_day else date.fromisoformat(_day_of(bounds[1]))
        first = max(date.fromisoformat(_day_of(bounds[0])), last - timedelta(days=days - 1))
        out = []
        d = first
        while d <= last:
            key = d.isoformat()
            start, end = day_range(key)
            with self._lock:
                fingerprint = json.dumps(self.store.counts(start, end), sort_keys=True)
            cached = self._trend_cache.get(key)
            if cached is None or cached[0] != fingerprint:  # a day is replayed again only if it changed
                cached = (fingerprint, self._day_metrics(start, end))
                self._trend_cache[key] = cached
            if cached[1]:
                out.append({"day": key, "metrics": cached[1]})
            d += timedelta(days=1)
        return {"days": out}

    def _day_metrics(self, day_start: float, day_end: float) -> dict[str, dict]:
        observed = self._observed(day_start, day_end)
        if observed is None:
            return {}
        start, end = observed
        with self._lock:
            header, events = self.store.events(start, end + 0.001)
            events = list(events)
        result = replay_events(header, events, until=end - start)
        return {r.id: {k: v for k, v in r.metrics.items()
                       if isinstance(v, (int, float)) and not isinstance(v, bool)}
                for r in result.results if r.metrics.get("applies")}

    def data(self) -> dict[str, Any]:
        """What is stored: tables, rows, size, oldest record, whether titles are kept."""
        version = self.version()["v"]
        if self._data_cache and self._data_cache[0] == version:  # counting a year takes a while
            return self._data_cache[1]
        with self._lock:
            counts = self.store.table_counts()
            bounds = self.store.bounds()
            titles = self.store.titles_stored()
        size = sum(os.path.getsize(str(self.db_path) + s) for s in ("", "-wal")
                   if os.path.exists(str(self.db_path) + s))
        out = {
            "path": str(self.db_path),
            "size_bytes": size,
            "tables": counts,
            "oldest": bounds[0] if bounds else None,
            "newest": bounds[1] if bounds else None,
            "keep_titles": self._config().keep_titles,
            "titles_stored": titles,
            "never_stored": ["which key was pressed", "typed characters", "pointer coordinates",
                             "window titles (unless you turn keep_titles on)"],
        }
        self._data_cache = (version, out)
        return out

    def settings(self) -> dict[str, Any]:
        cfg = self._config()
        with self._lock:
            shown = self.store.get_setting("profiles_shown")
            notify = self.store.get_setting("notify") == "1"
        return {
            "keep_titles": cfg.keep_titles,
            "config_path": str(self.config_path),
            "meeting_rules": [{"name": r.name, "app": r.app.pattern,
                               "title": r.title.pattern if r.title else None}
                              for r in cfg.classifier.rules],
            "profiles_shown": json.loads(shown) if shown else list(PROFILES),
            "notify": notify,
        }

    def _config(self) -> configmod.Config:
        try:
            return configmod.load(self.config_path)
        except configmod.ConfigError:
            return configmod.Config(path=self.config_path)

    def export(self, fmt: str) -> tuple[str, str, bytes]:
        """(file name, content type, body) of the diary: the observation log or daily metrics."""
        if fmt == "jsonl":
            with self._lock:
                text = "\n".join(log_lines(self.store)) + "\n"
            return "onlooker-diary.jsonl", "application/x-ndjson", text.encode()
        if fmt == "csv":
            text = metrics_csv(self.trends(days=366)["days"])
            return "onlooker-diary-metrics.csv", "text/csv", text.encode()
        raise BadRequest("format must be jsonl or csv")

    # --- changing ------------------------------------------------------------------------

    def pause(self, body: dict) -> dict[str, Any]:
        minutes = body.get("minutes")
        if minutes is not None and (not isinstance(minutes, (int, float)) or isinstance(minutes, bool)
                                    or not 0 < minutes <= 24 * 60):
            raise BadRequest("minutes must be a number from 1 to 1440, or null")
        until = time.time() + minutes * 60 if minutes else math.inf
        with self._lock:
            self.store.set_setting("paused_until", repr(until))
            self.store.mark("pause")
        self._changed()
        self._nudge()
        return {"paused": True}

    def resume(self, body: dict) -> dict[str, Any]:
        with self._lock:
            self.store.set_setting("paused_until", None)
            self.store.mark("resume")
        self._changed()
        self._nudge()
        return {"paused": False}

    def _nudge(self) -> None:
        nudge_recorder(self.db_path)

    def forget(self, body: dict) -> dict[str, Any]:
        if body.get("all") is True:
            with self._lock:
                n = self.store.forget()
        else:
            a, b = body.get("from"), body.get("to")
            if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)) or b <= a:
                raise BadRequest("give 'from' < 'to' as epoch seconds, or 'all': true")
            with self._lock:
                n = self.store.forget(float(a), float(b))
        self._trend_cache.clear()
        self._changed()
        return {"deleted": n}

    def select_scenario(self, body: dict) -> dict[str, Any]:
        """Demonstrations only: replace the stored scenario with another bundled one."""
        name = body.get("name")
        if not self.demo or name not in self.scenarios:
            raise BadRequest("no such demonstration scenario")
        from ..demo import load_scenario

        with self._lock:
            self.store.forget()
            start, end, title = load_scenario(self.store, self.scenarios[name])
        self.default_range, self.title, self.scenario = (start, end), title, name
        self._trend_cache.clear()
        self._changed()
        return self.overview()

    def set_settings(self, body: dict) -> dict[str, Any]:
        self._changed()
        if "profiles_shown" in body:
            shown = body["profiles_shown"]
            if not isinstance(shown, list) or not all(p in PROFILES for p in shown):
                raise BadRequest("profiles_shown must list known profile ids")
            with self._lock:
                self.store.set_setting("profiles_shown", json.dumps(shown))
        if "notify" in body:
            if not isinstance(body["notify"], bool):
                raise BadRequest("notify must be true or false")
            with self._lock:
                self.store.set_setting("notify", "1" if body["notify"] else "0")
        if "keep_titles" in body:
            if not isinstance(body["keep_titles"], bool):
                raise BadRequest("keep_titles must be true or false")
            configmod.set_value(self.config_path, "keep_titles", body["keep_titles"])
        if "add_rule" in body:
            rule = body["add_rule"]
            if not isinstance(rule, dict) or not isinstance(rule.get("app"), str):
                raise BadRequest("a rule needs an 'app' pattern")
            try:
                configmod.add_meeting_rule(self.config_path, str(rule.get("name") or "my rule"),
                                           rule["app"], rule.get("title") or None)
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
        return self.settings()

    def live(self) -> dict[str, Any]:
        """Flags that hold right now (today, from what the recorder stored)."""
        now = time.time()
        observed = self._observed(*day_range("today"))
        if observed is None:
            return {"now": now, "active": []}
        start, until = observed  # from today's first record: unrecorded hours are not idle
        with self._lock:
            header, events = self.store.events(start, until + 0.001)
            events = list(events)
        result = replay_events(header, events, until=until - start)
        t = until - start
        active = []
        for r in result.results:
            if r.id not in LIVE_PROFILES:
                continue
            for f in r.observations:
                # an ongoing flag ends where the data ends, i.e. now (give the writer 1.5 s)
                if f.until is not None and f.at <= t <= f.until + 1.5:
                    active.append({"profile": r.id, "name": r.name, "what": f.what,
                                   "since": start + f.at})
        return {"now": now, "active": active}
