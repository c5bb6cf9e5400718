"""What the dashboard can ask and do, transport-free: every method takes and returns JSON-able
values and validates its input. The HTTP server only routes to these."""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from onlooker.shim.profiles import MEASURE_KINDS, PROFILES
from onlooker.shim.timeline import lanes
from onlooker.storage.export import metrics_csv

from .. import config as configmod
from ..service import Service
from ..timeparse import day_range


log = logging.getLogger(__name__)


class BadRequest(ValueError):
    """A request the dashboard itself would never send; the message is safe to show."""


def _day_of(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().date().isoformat()


class DashboardAPI:
    def __init__(self, service: Service, config_path: Path, *, title: str | None = None,
                 default_range: tuple[float, float] | None = None, demo: bool = False,
                 scenarios: dict[str, Path] | None = None, scenario: str | None = None,
                 clock: Callable[[], float] | None = None):
        self.service = service
        self.store = service.store
        self.db_path = service.db_path
        self.clock = clock or service.clock
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
        recording = bool(self.service.recording())
        if self.default_range:
            default = _day_of(self.default_range[0])
        elif bounds and not recording:
            default = _day_of(bounds[1])  # the latest day with data, not an empty today
        else:
            default = _day_of(self.clock())
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

    def profiles(self) -> dict[str, Any]:
        """Every profile and how it presents itself (labels, headline and trend metrics, live
        sentence), and which observation kinds measure rather than flag; the page asks once."""
        return {"profiles": [p.describe() for p in PROFILES.values()],
                "measure_kinds": sorted(MEASURE_KINDS)}

    def _range(self, day: str | None) -> tuple[float, float]:
        if self.default_range and (day is None or day == _day_of(self.default_range[0])):
            return self.default_range
        try:
            return day_range(day or "today")
        except ValueError as exc:
            raise BadRequest(str(exc)) from None

    def day(self, day: str | None = None) -> dict[str, Any]:
        """Timeline lanes and every profile's result for one day (or the demo's range)."""
        day_start, day_end = self._range(day)
        with self._lock:
            if self.default_range and (day_start, day_end) == self.default_range:
                a, b = self.default_range  # the demonstration's own period
                if self.service.recording():  # played live: only what has happened so far
                    seen = self.store.bounds(a, b + 0.001)
                    b = max(a + 1, seen[1]) if seen else a + 1
                period = self.service.replay_range(a, b)
            else:
                period = self.service.replay_observed(day_start, day_end)
        return {
            "day": _day_of(day_start),
            "start": period.start,
            "end": day_end,
            "observed_until": period.until,
            "empty": period.empty,
            "lanes": lanes(period.events, period.span, period.replay.not_recorded),
            "profiles": [r.to_json() for r in period.replay.results],
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
        try:
            last = date.fromisoformat(until_day or _day_of(bounds[1]))
        except ValueError:
            raise BadRequest("until_day must be a date like 2026-11-28") from None
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
                try:
                    cached = (fingerprint, self._day_metrics(start, end))
                except Exception:  # one unreadable day must not take the other days with it
                    log.exception("trends: could not replay %s", key)
                    out.append({"day": key, "metrics": {}, "error": "this day could not be read"})
                    d += timedelta(days=1)
                    continue
                self._trend_cache[key] = cached
            if cached[1]:
                out.append({"day": key, "metrics": cached[1]})
            d += timedelta(days=1)
        return {"days": out}

    def _day_metrics(self, day_start: float, day_end: float) -> dict[str, dict]:
        with self._lock:
            period = self.service.replay_observed(day_start, day_end)
        if period.empty:
            return {}
        result = period.replay
        return {r.id: {k: v for k, v in r.metrics.items()
                       if isinstance(v, (int, float)) and not isinstance(v, bool)}
                for r in result.results if r.metrics.get("applies")}

    def data(self) -> dict[str, Any]:
        """What is stored: tables, rows, size, oldest record, whether titles are kept."""
        version = self.version()["v"]
        if self._data_cache and self._data_cache[0] == version:  # counting a year takes a while
            return self._data_cache[1]
        with self._lock:
            inventory = self.service.inventory()  # the diary's "What Onlooker stored" too
            browser_rows = self.store.browser_rows()
        out = {"path": str(self.db_path), **inventory, "keep_titles": self._config().keep_titles,
               "browser_rows": browser_rows}
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
            "browser": self._browser(),
        }

    def _browser(self) -> dict[str, Any]:
        """Whether the browser extension is connected, when it last spoke, which pages it watches."""
        from ..browser_host import load_rules, read_status

        status = read_status() or {}
        return {"connected": bool(status.get("connected")), "browser": status.get("browser"),
                "last_message": status.get("last_message"),
                "origins": list(load_rules(self.config_path).origins)}

    def _config(self) -> configmod.Config:
        try:
            return configmod.load(self.config_path)
        except configmod.ConfigError:
            return configmod.Config(path=self.config_path)

    def export(self, fmt: str) -> tuple[str, str, bytes]:
        """(file name, content type, body) of the diary: the observation log or daily metrics."""
        if fmt == "jsonl":
            with self._lock:
                text = "\n".join(self.service.log_lines()) + "\n"
            return "onlooker-diary.jsonl", "application/x-ndjson", text.encode()
        if fmt == "csv":
            labels = {p.id: {m.key: (m.label, m.unit) for m in p.presentation.metrics}
                      for p in PROFILES.values()}
            text = metrics_csv(self.trends(days=366)["days"], labels)
            return "onlooker-diary-metrics.csv", "text/csv", text.encode()
        raise BadRequest("format must be jsonl or csv")

    def diary(self, fmt: str, first: str | None, last: str | None,
              anonymize: str | None = None) -> tuple[str, str, bytes]:
        """(file name, content type, body) of the privacy diary, the same file as ``onlooker
        diary``: days ``first``..``last`` (dates, both included; default the day shown)."""
        from ..diary import build, collect, output
        from ..diary.pdf import PdfUnavailable
        from ..diary.period import MAX_DAYS
        from ..diary.zone import Zone

        if fmt not in output.MEDIA:
            raise BadRequest(f"format must be one of {', '.join(output.MEDIA)}")
        if anonymize not in (None, "0", "1"):
            raise BadRequest("anonymize must be 0 or 1")
        default = _day_of(self.default_range[0] if self.default_range else self.clock())
        try:
            a = date.fromisoformat(first or last or default)
            b = date.fromisoformat(last or first or default)
        except ValueError:
            raise BadRequest("from and to must be dates like 2026-11-28") from None
        if not (date(1970, 1, 2) <= a <= b < date(2100, 1, 1)) or (b - a).days >= MAX_DAYS:
            raise BadRequest(f"from must not be after to, and a diary covers at most {MAX_DAYS} days")
        zone = Zone()
        with self._lock:
            stored = build.stored(self.service.inventory(), zone, self._config().keep_titles)
            diary = collect.make(self.service, a, b, zone, None, stored=stored,
                                 anonymize=anonymize == "1", title=self.title if self.demo else None)
        try:
            body = output.render(diary, fmt)
        except PdfUnavailable as exc:
            raise BadRequest(str(exc)) from None
        return output.file_name(diary, fmt), output.MEDIA[fmt][0], body

    # --- changing ------------------------------------------------------------------------
    # Bodies arrive already checked against their schema (schemas.py): types and ranges are
    # not checked again here; only what needs the state (a scenario's name, a rule's pattern).

    def pause(self, body: dict) -> dict[str, Any]:
        minutes = body.get("minutes")
        with self._lock:
            self.service.pause(minutes * 60 if minutes else None)
        self._changed()
        return {"paused": True}

    def resume(self, body: dict) -> dict[str, Any]:
        with self._lock:
            self.service.resume()
        self._changed()
        return {"paused": False}

    def forget(self, body: dict) -> dict[str, Any]:
        if body.get("all") is True:
            with self._lock:
                n = self.service.forget()
        else:
            with self._lock:
                n = self.service.forget(float(body["from"]), float(body["to"]))
        self._trend_cache.clear()
        self._changed()
        return {"deleted": n}

    def select_scenario(self, body: dict) -> dict[str, Any]:
        """Demonstrations only: replace the stored scenario with another bundled one."""
        name = body.get("name")
        if not self.demo or name not in self.scenarios:
            raise BadRequest("no such demonstration scenario")
        with self._lock:
            start, end, title = self.service.replace_scenario(self.scenarios[name])
        self.default_range, self.title, self.scenario = (start, end), title, name
        self._trend_cache.clear()
        self._changed()
        return self.overview()

    def set_settings(self, body: dict) -> dict[str, Any]:
        self._changed()
        if "profiles_shown" in body:
            with self._lock:
                self.store.set_setting("profiles_shown", json.dumps(body["profiles_shown"]))
        if "notify" in body:
            with self._lock:
                self.store.set_setting("notify", "1" if body["notify"] else "0")
        if "keep_titles" in body:
            configmod.set_value(self.config_path, "keep_titles", body["keep_titles"])
        if "add_rule" in body:
            rule = body["add_rule"]
            try:
                configmod.add_meeting_rule(self.config_path, str(rule.get("name") or "my rule"),
                                           rule["app"], rule.get("title") or None)
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
        return self.settings()

    # --- the probe page ------------------------------------------------------------------

    probe_record = False  # 'onlooker probe --record' turns it on for its own server
    PROBE_URL = "http://127.0.0.1/probe"  # the probe's events are stored under this address

    def probe(self) -> dict[str, Any]:
        return {"record": self.probe_record}

    def probe_event(self, body: dict) -> dict[str, Any]:
        """One thing the probe page observed, stored like the extension's when recording."""
        from onlooker.shim.model import BROWSER, Observation

        if not self.probe_record:
            return {"recorded": False}
        ts = body["time"] / 1000
        if abs(ts - self.clock()) > 60:
            raise BadRequest("'time' must be within a minute of now")
        data = {"url": self.PROBE_URL, **({"state": body["state"]} if "state" in body else {})}
        with self._lock:
            self.store.record([Observation(ts=ts, kind=body["event"], app="probe",
                                           window="probe", category=BROWSER, data=data)], [])
            self._changed()
        return {"recorded": True}

    def live(self) -> dict[str, Any]:
        """Flags that hold right now (today, from what the recorder stored)."""
        now = self.clock()
        with self._lock:  # from today's first record: unrecorded hours are not idle
            period = self.service.replay_observed(*day_range("today"))
        if period.empty:
            return {"now": now, "active": []}
        start, result, t = period.start, period.replay, period.span
        active = []
        for r in result.results:
            sentence = PROFILES[r.id].presentation.live  # None: not a state to be told about
            if sentence is None:
                continue
            for f in r.observations:
                if f.data and f.data.get("variant"):  # a what-if (e.g. sharing assumed), not a fact
                    continue
                # an ongoing flag ends where the data ends, i.e. now (give the writer 1.5 s)
                if f.until is not None and f.at <= t <= f.until + 1.5:
                    active.append({"profile": r.id, "name": r.name, "what": f.what,
                                   "sentence": sentence, "since": start + f.at})
        return {"now": now, "active": active}
