"""Small wordings every renderer shares: a metric's value, a period's name."""

from __future__ import annotations

from typing import Any

from . import words
from .zone import Names


def metric_value(value: Any, unit: str, moment: str | None, names: Names) -> str:
    if isinstance(value, bool) or value is None:
        return "not known"
    if unit == "at":
        return names.clock(moment) if moment else "not known"
    if unit == "%":
        return f"{value:g} %"
    if unit == "s":
        return words.duration(value)
    return f"{value:g}"


def period_name(diary: dict[str, Any]) -> str:
    p = diary["period"]
    if p["from"] == p["to"]:
        return Names.day_text(p["from"])
    return f"{Names.day_text(p['from'])} to {Names.day_text(p['to'])}"


def zone_sentence(diary: dict[str, Any]) -> str:
    zones = diary["period"]["zones"]
    return ("Times are in " + " and ".join(zones) +
            (" (the clocks changed in this period)." if len(zones) > 1 else "."))


def source_sentence(diary: dict[str, Any]) -> str:
    src = ("what Onlooker recorded on this computer" if diary["period"]["source"] == "recorded"
           else "an observation log (a demonstration or an import), not a recording")
    out = f"Made by Onlooker from {src}, replayed through the documented rules of each product."
    if diary["anonymized"]:
        out += " Anonymised: app names are replaced by their kind, addresses by their kind."
    return out + " Window titles are not included."


def stored_rows(stored: dict[str, Any] | None, names: Names) -> list[tuple[str, str]]:
    """"What Onlooker stored", as the dashboard's "Your data" view lists it."""
    if stored is None:
        return [("Stored", "Nothing. This diary was made from an observation log, in a "
                           "temporary database deleted afterwards.")]
    tables = stored.get("tables", {})
    titles = stored.get("keep_titles")
    return [
        ("Size", f"{stored['size_bytes'] / 1024:.1f} KiB"),
        ("Desktop events (focus, minimize, lock, meetings)", f"{tables.get('events', 0)} rows"),
        ("Input activity (spans of seconds with input; keyboard and pointer as yes/no only)",
         f"{tables.get('input_spans', 0)} rows"),
        ("Oldest record", names.clock(stored["oldest"]) if stored.get("oldest") else "none"),
        ("Newest record", names.clock(stored["newest"]) if stored.get("newest") else "none"),
        ("Window titles kept", f"yes ({stored.get('titles_stored', 0)} stored)" if titles
         else "no"),
        ("Never stored", "; ".join(stored.get("never_stored", []))),
    ]


def period_total(m: dict[str, Any]) -> str:
    """A summary metric's figure for the period: its total, or the range of its days' values
    (a percentage is not summed)."""
    if m["total"] is not None:
        return words.duration(m["total"]) if m["unit"] == "s" else f"{m['total']:g}"
    values = [x["value"] for x in m["per_day"] if x["value"] is not None]
    if not values:
        return "not known"
    low, high = min(values), max(values)
    if len(values) == 1:
        return f"{low:g} %"
    return f"{low:g} % each day" if low == high else f"per day {low:g} to {high:g} %"
