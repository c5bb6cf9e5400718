"""Facts -> the diary model (a JSON-able dict, docs/diary.schema.json). Pure: no clock, no I/O.

Each day is the replay ``onlooker report --date DAY`` makes (its metrics are copied as they
are, so the two never disagree); times become ISO moments in the person's zone, the summary adds
the days up, and the first page picks the most telling facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from onlooker.shim.classify import Classifier
from onlooker.shim.profiles import MEASURE_KINDS, PROFILES

from ..service import Period
from . import words
from .zone import Names, Zone

SCHEMA_VERSION = 1
SUMMED_UNITS = ("count", "s")  # a period's total is the sum of its days; a % or a moment is not


@dataclass
class DayFacts:
    """One calendar day: [start, end) from midnight to midnight, and its replay."""

    day: date
    start: float
    end: float
    period: Period


def _r(x: float) -> float:
    return round(x, 3)


_MEETING_KINDS = frozenset(("meeting_start", "meeting_end", "share_start", "share_end"))


def _meetings(events_ms, span: float) -> list[dict[str, Any]]:
    """Meetings in a day's events (milliseconds since its observed start; the meetings' times
    in seconds), with the sharing marked in them: "marked" when a share_start/share_end says
    when, else "unknown"."""
    out: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    share_from: float | None = None
    for e in events_ms:
        if e.event not in _MEETING_KINDS:
            continue
        t = e.t / 1000
        if e.event == "meeting_start" and cur is None:
            cur = {"app": e.app or "meeting", "a": t, "b": None, "sharing": "unknown", "shared": 0.0}
            share_from = None
        elif cur is None:
            continue
        elif e.event == "share_start":
            cur["sharing"] = "marked"
            share_from = t if share_from is None else share_from
        elif e.event == "share_end":
            if cur["sharing"] == "unknown" and share_from is None:  # implied: since the start
                share_from = cur["a"]
            cur["sharing"] = "marked"
            if share_from is not None:
                cur["shared"] += t - share_from
            share_from = None
        elif e.event == "meeting_end":
            cur["b"] = t
            if share_from is not None:
                cur["shared"] += t - share_from
            out.append(cur)
            cur, share_from = None, None
    if cur is not None:
        cur["b"] = span
        if share_from is not None:
            cur["shared"] += span - share_from
        out.append(cur)
    return [m for m in out if m["b"] > m["a"]]


def day_entry(facts: DayFacts, zone: Zone, *, anonymize: bool = False,
              classifier: Classifier | None = None) -> dict[str, Any]:
    """One day of the diary."""
    classifier = classifier or Classifier()
    p, day_from, day_to = facts.period, facts.start, facts.end
    entry: dict[str, Any] = {
        "date": facts.day.isoformat(),
        "weekday": facts.day.strftime("%A"),
        "from": zone.iso(day_from),
        "to": zone.iso(day_to),
        "zones": sorted({zone.name(day_from), zone.name(day_to - 1)}),
        "empty": bool(p.empty),
    }
    if p.empty:
        return {**entry, "observed": None, "recorded_s": 0.0,
                "not_recorded": [_stretch(zone, day_from, day_to)], "meetings": [],
                "profiles": []}
    origin = p.start
    gaps = [(origin + a, origin + b) for a, b in p.replay.not_recorded]
    missing = ([(day_from, p.start)] if p.start > day_from else []) + gaps + \
              ([(p.until, day_to)] if day_to > p.until else [])
    entry["observed"] = {"from": zone.iso(p.start), "until": zone.iso(p.until),
                         "span_s": _r(p.until - p.start)}
    entry["recorded_s"] = _r(p.until - p.start - sum(b - a for a, b in gaps))
    entry["not_recorded"] = [_stretch(zone, a, b) for a, b in missing if b > a]
    entry["meetings"] = [
        {"app": "meeting app" if anonymize else m["app"],
         "from": zone.iso(origin + m["a"]), "until": zone.iso(origin + m["b"]),
         "at_s": _r(m["a"]), "until_s": _r(m["b"]), "duration_s": _r(m["b"] - m["a"]),
         "sharing": m["sharing"],
         "shared_s": _r(m["shared"]) if m["sharing"] == "marked" else None}
        for m in _meetings(p.events_ms, p.span)]
    entry["profiles"] = [_profile_day(r.to_json(), zone, origin, anonymize, classifier)
                         for r in p.replay.results]
    return entry


def _stretch(zone: Zone, a: float, b: float) -> dict[str, Any]:
    return {"from": zone.iso(a), "until": zone.iso(b), "duration_s": _r(b - a)}


def _profile_day(res: dict[str, Any], zone: Zone, origin: float, anonymize: bool,
                 classifier: Classifier) -> dict[str, Any]:
    urls = [o["data"]["url"] for o in res["observations"]
            if isinstance((o.get("data") or {}).get("url"), str)] if anonymize else []

    def obs(o: dict[str, Any]) -> dict[str, Any]:
        out = {"at": zone.iso(origin + o["at"]),
               "until": None if o["until"] is None else zone.iso(origin + o["until"]),
               "at_s": o["at"], "until_s": o["until"],
               "duration_s": None if o["until"] is None else _r(o["until"] - o["at"]),
               "kind": o["kind"],
               "what": words.scrub_text(o["what"], urls) if anonymize else o["what"]}
        if o.get("data"):
            out["data"] = words.scrub_data(o["data"], classifier) if anonymize else o["data"]
        return out

    metrics = res["metrics"]
    profile = PROFILES.get(res["id"])
    moments = {m.key: zone.iso(origin + metrics[m.key])
               for m in (profile.presentation.metrics if profile else ())
               if m.unit == "at" and isinstance(metrics.get(m.key), (int, float))
               and not isinstance(metrics.get(m.key), bool)}
    out = {"id": res["id"], "applies": metrics.get("applies", True) is not False,
           "missing": metrics.get("missing"), "metrics": metrics, "metric_times": moments,
           "flags": [obs(o) for o in res["observations"] if o["kind"] not in MEASURE_KINDS],
           "measures": [obs(o) for o in res["observations"] if o["kind"] in MEASURE_KINDS]}
    if "sessions" in res:
        out["sessions"] = [dict(s, app="meeting app")
                           if anonymize and isinstance(s.get("app"), str) else s
                           for s in res["sessions"]]
    return out


# --- the whole period ----------------------------------------------------------------------------

def summary(days: Sequence[dict[str, Any]], ids: Sequence[str]) -> dict[str, Any]:
    """Totals across the period; each equals the sum of the per-day figures it comes from."""
    profiles = []
    for pid in ids:
        entries = [(d["date"], p) for d in days for p in d["profiles"] if p["id"] == pid]
        applied = [(day, p) for day, p in entries if p["applies"]]
        metrics = []
        for m in PROFILES[pid].presentation.metrics if pid in PROFILES else ():
            if m.unit == "at":
                continue
            per_day = [{"date": day, "value": _number(p["metrics"].get(m.key))} for day, p in applied]
            values = [x["value"] for x in per_day if x["value"] is not None]
            metrics.append({"key": m.key, "label": m.label, "unit": m.unit, "per_day": per_day,
                            "total": _r(sum(values)) if m.unit in SUMMED_UNITS else None})
        profiles.append({"id": pid, "days_applied": len(applied),
                         "flags": sum(len(p["flags"]) for _, p in applied),
                         "metrics": metrics})
    with_data = [d for d in days if not d["empty"]]
    recorded = _r(sum(d["recorded_s"] for d in days))
    return {"days": len(days), "days_with_data": len(with_data),
            "recorded_s": recorded,
            "not_recorded_s": _r(sum(n["duration_s"] for d in days for n in d["not_recorded"])),
            "meetings": sum(len(d["meetings"]) for d in days),
            "profiles": profiles}


def _number(v: Any) -> float | int | None:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def highlights(days: Sequence[dict[str, Any]], ids: Sequence[str], zone_words,
               limit: int = 3) -> list[dict[str, Any]]:
    """The most telling facts: for each product, on how many days and how often it would have
    flagged the person, and the longest time; those flagging on the most days first."""
    found = []
    for order, pid in enumerate(ids):
        hits = [(d, f) for d in days for p in d["profiles"] if p["id"] == pid
                for f in p["flags"] if words.counts_towards_highlight(pid, f)]
        if not hits:
            continue
        n_days = len({d["date"] for d, _ in hits})
        timed = [(f["duration_s"], d, f) for d, f in hits if f["duration_s"] is not None]
        longest = max(timed, key=lambda x: x[0]) if timed else None
        first = hits[0]
        found.append((-n_days, -len(hits), order, pid, n_days, len(hits), longest, first))
    found.sort(key=lambda x: x[:3])
    out = []
    for *_, pid, n_days, n, longest, first in found[:limit]:
        profile = PROFILES.get(pid)
        phrase = words.highlight_phrase(pid, profile.presentation.short if profile else pid,
                                        profile.seen_by if profile else "someone")
        if n_days == 1:
            when = f"On {zone_words.day_text(first[0]['date'])} {phrase}, {words.times(n)}"
        else:
            when = f"On {n_days} days {phrase}, {n} times in all"
        if longest is not None:
            _, d, f = longest
            at = zone_words.moment_text(f["at"], with_day=n_days > 1)
            what = "it lasted" if n == 1 else "the longest was"
            sentence = f"{when}; {what} {words.duration(longest[0])}, {at}."
        else:
            at = zone_words.moment_text(first[1]["at"], with_day=n_days > 1)
            sentence = f"{when}; the first was {at}."
        out.append({"profile": pid, "sentence": sentence, "days": n_days, "count": n,
                    "longest_s": longest[0] if longest else None,
                    "longest_at": longest[2]["at"] if longest else None})
    return out


def recorded_sentence(days: Sequence[dict[str, Any]]) -> str:
    with_data = [d for d in days if not d["empty"]]
    total = sum(d["recorded_s"] for d in days)
    missing = sum(n["duration_s"] for d in days for n in d["not_recorded"])
    if not with_data:
        return (f"Nothing was recorded in these {words.plural(len(days), 'day')}: there is "
                "nothing a tracker could have concluded from Onlooker's records.")
    out = f"Recorded: {words.duration(total)} on {len(with_data)} of {words.plural(len(days), 'day')}."
    if missing <= 0:
        return out + " Nothing in the period went unrecorded."
    return (f"{out} Not recorded: {words.duration(missing)}; that time is shown as not "
            "recorded, never as idle or away.")


def diary(days: Iterable[dict[str, Any]], ids: Sequence[str], zone: Zone, *, source: str,
          title: str | None, stored: dict[str, Any] | None, anonymized: bool,
          first_day: date, last_day: date) -> dict[str, Any]:
    """The whole diary from its days (``day_entry``), in the order of the schema."""
    days = list(days)
    names = Names.of(zone, [t for d in days for t in (_epoch(d["from"]), _epoch(d["to"]) - 1)])
    tops = highlights(days, ids, names)
    first_page = [recorded_sentence(days)] + [h["sentence"] for h in tops]
    if not tops and any(not d["empty"] for d in days):
        first_page.append("None of the trackers modelled here would have flagged you in this "
                          "period.")
    return {
        "schema_version": SCHEMA_VERSION,
        "period": {"from": first_day.isoformat(), "to": last_day.isoformat(),
                   "days": len(days), "zones": sorted({z for d in days for z in d["zones"]}),
                   "source": source, "title": None if anonymized else title},
        "zone_names": names.names,
        "anonymized": anonymized,
        "titles": "not included",
        "first_page": first_page,
        "highlights": tops,
        "days": days,
        "summary": summary(days, ids),
        "stored": stored,
        "profiles": [_profile_note(pid) for pid in ids],
    }


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _profile_note(pid: str) -> dict[str, Any]:
    p = PROFILES[pid]
    return {"id": p.id, "name": p.name, "short": p.presentation.short, "seen_by": p.seen_by,
            "metrics": [m.to_json() for m in p.presentation.metrics],
            "sources": list(p.sources), "assumptions": list(p.assumptions)}


def stored(inventory: dict[str, Any], zone: Zone, keep_titles: bool) -> dict[str, Any]:
    """The store's inventory (``Service.inventory``) with its moments in the person's zone."""
    out = dict(inventory, keep_titles=keep_titles)
    for key in ("oldest", "newest"):
        if out.get(key) is not None:
            out[key] = zone.iso(out[key])
    out.pop("path", None)  # never in a diary
    return out
