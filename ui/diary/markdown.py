"""The diary as Markdown, for notes: the same facts as the HTML, in text."""

from __future__ import annotations

from typing import Any

from . import text, words
from .zone import Names


# Recorded text (app names, addresses, log titles) is data, never markup: a name such as
# "<img src=x onerror=...>" must stay text when the Markdown is rendered to HTML.
_MARKUP = str.maketrans({c: "\\" + c for c in "\\`*_[]|"} | {
    "<": "&lt;", ">": "&gt;", "&": "&amp;", "\n": " ", "\r": " "})


def _esc(s: str) -> str:
    return str(s).translate(_MARKUP)


def _cell(s: str) -> str:
    return _esc(s)


def render(diary: dict[str, Any]) -> str:
    names = Names(diary["zone_names"])
    notes = {p["id"]: p for p in diary["profiles"]}
    out = [f"# Privacy diary: {text.period_name(diary)}", ""]
    if diary["period"]["title"]:
        out += [f"*{_esc(diary['period']['title'])}*", ""]
    out += [f"{text.zone_sentence(diary)} {text.source_sentence(diary)}", "", "## At a glance", ""]
    out += [f"- {_esc(s)}" for s in diary["first_page"]] + [""]
    for day in diary["days"]:
        out += _day(day, names, notes)
    out += _summary(diary, notes)
    out += ["## What Onlooker stored", ""]
    out += [f"- {_esc(k)}: {_esc(v)}" for k, v in text.stored_rows(diary["stored"], names)] + [""]
    out += ["## Sources and assumptions", ""]
    for p in diary["profiles"]:
        out.append(f"[^{p['id']}]: **{p['name']}**, seen by {words.audience(p['seen_by'])}. "
                   "Sources: " + ", ".join(p["sources"]) + ". Assumptions: " +
                   " ".join(p["assumptions"]))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _day(day: dict[str, Any], names: Names, notes: dict) -> list[str]:
    out = [f"## {Names.day_text(day['date'])}", ""]
    if day["empty"]:
        return out + ["Nothing was recorded this day.", ""]
    obs = day["observed"]
    out.append(f"Observed from {names.clock(obs['from'])} to {names.clock(obs['until'])}; "
               f"recorded {words.duration(day['recorded_s'])}.")
    if day["not_recorded"]:
        out.append("Not recorded: " + "; ".join(
            f"{names.clock(n['from'])} to {names.clock(n['until'])}" for n in day["not_recorded"])
            + ".")
    out.append("")
    if day["meetings"]:
        out += ["### Meetings", "", "| app | start | end | sharing |", "|---|---|---|---|"]
        for m in day["meetings"]:
            sharing = (f"marked, {words.duration(m['shared_s'])}" if m["sharing"] == "marked"
                       else "unknown (not marked)")
            out.append(f"| {_cell(m['app'])} | {names.clock(m['from'])} | "
                       f"{names.clock(m['until'])} | {sharing} |")
        out.append("")
    for p in day["profiles"]:
        note = notes[p["id"]]
        out += [f"### {note['short']} (seen by {words.audience(note['seen_by'])})[^{p['id']}]", ""]
        if not p["applies"]:
            out += [f"Does not apply: {p['missing']}.", ""]
            continue
        for f in p["flags"]:
            until = f" to {names.clock(f['until'])}" if f["until"] else ""
            out.append(f"- {names.clock(f['at'])}{until}: {_cell(f['what'])}")
        if not p["flags"]:
            out.append("- Nothing flagged.")
        out.append("")
        out.append("Metrics: " + "; ".join(
            f"{m['label']} {text.metric_value(p['metrics'].get(m['key']), m['unit'], p['metric_times'].get(m['key']), names)}"
            for m in note["metrics"] if m["key"] in p["metrics"]) + ".")
        out.append("")
    return out


def _summary(diary: dict[str, Any], notes: dict) -> list[str]:
    s = diary["summary"]
    out = ["## Summary", "",
           f"{words.plural(s['days_with_data'], 'day')} with data of {s['days']}; recorded "
           f"{words.duration(s['recorded_s'])}, not recorded {words.duration(s['not_recorded_s'])}; "
           f"{words.plural(s['meetings'], 'meeting')}.", "",
           "| tracker | metric | period total | days |", "|---|---|---|---|"]
    for p in s["profiles"]:
        for m in p["metrics"]:
            total = text.period_total(m)
            out.append(f"| {_cell(notes[p['id']]['short'])} | {_cell(m['label'])} | {total} | "
                       f"{len(m['per_day'])} |")
    return out + [""]
