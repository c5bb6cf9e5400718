"""Replay results as text a person reads in a terminal."""

from __future__ import annotations

from datetime import datetime

from onlooker.shim.profiles import PROFILES, Metric, duration_text
from onlooker.shim.replay import Replay


# Control characters (C0, DEL, C1) in recorded text would reach the terminal as escape
# sequences: an app named "\x1b]52;c;..." could write the clipboard. Shown as \xNN instead.
_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7f, 0xa0)] if c != 0x0a}


def printable(text: str) -> str:
    """Text safe to print to a terminal: every control character but newline made visible."""
    return str(text).translate(_CONTROL)


def clock(at: float, start: float | None) -> str:
    """Wall-clock local time when the log's start is known, else +h:mm:ss from the start."""
    if start is not None:
        return datetime.fromtimestamp(start + at).astimezone().strftime("%H:%M:%S")
    h, rest = divmod(int(at), 3600)
    return f"+{h}:{rest // 60:02d}:{rest % 60:02d}"


def value_text(metric: Metric, value: float, start: float | None) -> str:
    if metric.unit == "%":
        return f"{value:g} %"
    if metric.unit == "s":
        return duration_text(value)
    if metric.unit == "at":
        return clock(value, start)
    return f"{value:g}"


def undeclared(key: str) -> Metric:
    """Words for a metric the profile does not describe: its key, with the unit its suffix
    names, so a duration still reads "4 s" and never as a bare float."""
    for suffix, unit in (("_s", "s"), ("_pct", "%")):
        if key.endswith(suffix):
            return Metric(key, key[:-len(suffix)].replace("_", " "), unit)
    return Metric(key, key.replace("_", " "))


def metric_text(pid: str, metrics: dict, start: float | None = None) -> str:
    """The profile's metrics in its own words ("shown Away (5-min rule): 8 min"); a metric it
    does not describe reads as its key."""
    declared = PROFILES[pid].presentation.metrics if pid in PROFILES else ()
    words = {m.key: m for m in declared}
    order = [m.key for m in declared if m.key in metrics] + [k for k in metrics if k not in words]
    shown = []
    for k in order:
        v = metrics[k]
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        m = words.get(k) or undeclared(k)
        shown.append(f"{m.label}: {value_text(m, v, start)}")
    return "; ".join(shown)


def table(replay: Replay, *, limit: int = 12) -> str:
    start = replay.header.start
    lines = []
    title = replay.header.title or "observation log"
    lines.append(f"{title} — {replay.duration_s / 60:.1f} min" +
                 (f" from {datetime.fromtimestamp(start).astimezone():%Y-%m-%d %H:%M}" if start else ""))
    for r in replay.results:
        lines.append("")
        lines.append(f"{r.name}  [{r.id}]  — seen by: {r.seen_by}")
        if r.metrics.get("applies") is False:
            lines.append(f"  does not apply: {r.metrics['missing']}")
            continue
        if not r.observations:
            lines.append("  nothing to flag")
        for f in r.observations[:limit]:
            span = f"–{clock(f.until, start)}" if f.until is not None and f.until != f.at else ""
            lines.append(f"  {clock(f.at, start)}{span}  {f.what}")
        if len(r.observations) > limit:
            lines.append(f"  … and {len(r.observations) - limit} more (use --json for all)")
        text = metric_text(r.id, {k: v for k, v in r.metrics.items() if k != "applies"}, start)
        if text:
            lines.append(f"  {text}")
        for s in (r.sessions or []) if len(r.sessions or []) > 1 else []:  # per meeting
            # the meeting's own length goes with its times, in words ("4 s"), not as a figure
            figures = metric_text(r.id, {k: v for k, v in s.items()
                                         if k not in ("session", "start", "end", "meeting_s")},
                                  start)
            figures = figures.replace(", all meetings together", "")  # this one meeting's
            length = duration_text(s["meeting_s"]) if "meeting_s" in s else None
            lines.append(f"  meeting {s['session']} {clock(s['start'], start)}–"
                         f"{clock(s['end'], start)} ({s['app']}"
                         + (f", {length}" if length else "") + f"): {figures}")
    return printable("\n".join(lines))
