"""Small inline SVG pictures for the HTML diary: a day's timeline and a metric per day.
Text only ever goes in through ``escape``; nothing is loaded from anywhere."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from .zone import Names

W, LABEL, LANE, RIGHT = 1000, 170, 20, 30
STEPS_MIN = (5, 10, 15, 30, 60, 120, 180, 360)


def _t(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def timeline(day: dict[str, Any], shorts: dict[str, str], names: Names) -> str:
    """Lanes over the observed part of a day: not recorded, meetings, one per tracker."""
    a, b = _t(day["observed"]["from"]), _t(day["observed"]["until"])
    span = max(b - a, 1.0)

    def x(iso: str) -> float:
        return LABEL + (W - LABEL - RIGHT) * min(max((_t(iso) - a) / span, 0.0), 1.0)

    lanes: list[tuple[str, str, list[tuple]]] = []
    gaps = [n for n in day["not_recorded"] if _t(n["until"]) > a and _t(n["from"]) < b]
    lanes.append(("Not recorded", "gap", [(x(n["from"]), x(n["until"]), "gap",
                                           f"not recorded {names.clock(n['from'])} to {names.clock(n['until'])}")
                                          for n in gaps]))
    lanes.append(("Meetings", "meet", [(x(m["from"]), x(m["until"]), "meet",
                                        f"{m['app']} {names.clock(m['from'])} to {names.clock(m['until'])}")
                                       for m in day["meetings"]]))
    for p in day["profiles"]:
        if not p["applies"]:
            continue
        marks = []
        for f in p["flags"]:
            tip = f"{names.clock(f['at'])} {f['what']}"
            marks.append((x(f["at"]), x(f["until"]) if f["until"] else None, "flag", tip))
        lanes.append((shorts.get(p["id"], p["id"]), "flag", marks))
    height = 22 + LANE * len(lanes)
    parts = [f'<svg class="timeline" viewBox="0 0 {W} {height}" role="img" '
             f'aria-label="Timeline of {escape(Names.day_text(day["date"]))}">']
    for i, (label, _, marks) in enumerate(lanes):
        y = 4 + i * LANE
        parts.append(f'<rect class="lane" x="{LABEL}" y="{y}" width="{W - LABEL - RIGHT}" height="{LANE - 6}"/>')
        parts.append(f'<text class="lbl" x="{LABEL - 6}" y="{y + 11}">{escape(label)}</text>')
        parts += [_rect(left, right, cls, tips, y) for left, right, cls, tips in _drawn(marks)]
    parts += _ticks(day["observed"]["from"], a, span, names, 4 + LANE * len(lanes))
    parts.append("</svg>")
    return "".join(parts)


def _drawn(marks: list[tuple]) -> list[tuple[float, float, str, list[str]]]:
    """Marks as the rectangles drawn: a stretch at least 1.5 wide, a moment a 2.5-wide tick;
    those of one colour that overlap or touch become one rectangle (the same pixels), keeping
    every tooltip. A busy day has hundreds of marks in 800 pixels; a month's PDF, thousands."""
    shapes = sorted((x0, x0 + max(x1 - x0, 1.5), cls, tip) if x1 is not None
                    else (x0 - 1, x0 + 1.5, "mark", tip) for x0, x1, cls, tip in marks)
    out: list[tuple[float, float, str, list[str]]] = []
    for left, right, cls, tip in shapes:
        fill = _FILL.get(cls, cls)
        if out and _FILL.get(out[-1][2], out[-1][2]) == fill and left <= out[-1][1]:
            last = out[-1]
            out[-1] = (last[0], max(last[1], right), last[2], last[3] + [tip])
        else:
            out.append((left, right, cls, [tip]))
    return out


_FILL = {"mark": "flag"}  # the same red: a tick touching a stretch is one shape


def _rect(left: float, right: float, cls: str, tips: list[str], y: int) -> str:
    tip = tips[0] if len(tips) == 1 else f"{len(tips)} marks: " + "; ".join(tips[:3]) + (
        " ..." if len(tips) > 3 else "")
    return (f'<rect class="{cls}" x="{left:.1f}" y="{y}" width="{right - left:.1f}" '
            f'height="{LANE - 6}"><title>{escape(tip)}</title></rect>')


def _ticks(from_iso: str, a: float, span: float, names: Names, y: int) -> list[str]:
    step = next((s for s in STEPS_MIN if span / (s * 60) <= 8), 720)
    start = datetime.fromisoformat(from_iso)  # its own offset: the day's clock
    minute = start.hour * 60 + start.minute
    first = start.replace(second=0, microsecond=0) + timedelta(minutes=(-minute) % step)
    if first < start:
        first += timedelta(minutes=step)
    out, t = [], first
    while t.timestamp() <= a + span:
        xx = LABEL + (W - LABEL - RIGHT) * (t.timestamp() - a) / span
        out.append(f'<line class="tick" x1="{xx:.1f}" x2="{xx:.1f}" y1="4" y2="{y}"/>'
                   f'<text class="tl" x="{xx:.1f}" y="{y + 13}">{t.strftime("%H:%M")}</text>')
        t += timedelta(minutes=step)
    return out


def bars(per_day: list[dict[str, Any]], unit: str, label: str) -> str:
    """One metric's value per day as bars (percentages on 0-100, others from 0 to the most)."""
    values = [v["value"] for v in per_day]
    top = 100.0 if unit == "%" else max([v for v in values if v is not None] + [0]) or 1.0
    w, h = 300, 60
    n = max(len(values), 1)
    bw = w / n
    parts = [f'<svg class="chart" viewBox="0 0 {w} {h + 14}" role="img" aria-label="{escape(label)}, per day">']
    for i, (d, v) in enumerate(zip(per_day, values)):
        if v is None:
            continue
        bh = h * v / top
        parts.append(f'<rect class="bar" x="{i * bw + bw * 0.1:.2f}" y="{h - bh:.2f}" '
                     f'width="{max(bw * 0.8, 0.6):.2f}" height="{max(bh, 0.5):.2f}">'
                     f'<title>{escape(d["date"])}: {v:g}</title></rect>')
    parts.append(f'<line class="axis" x1="0" x2="{w}" y1="{h}" y2="{h}"/>')
    if per_day:
        parts.append(f'<text class="tl" x="0" y="{h + 12}" text-anchor="start">{escape(per_day[0]["date"])}</text>')
        parts.append(f'<text class="tl" x="{w}" y="{h + 12}" text-anchor="end">{escape(per_day[-1]["date"])}</text>')
    parts.append("</svg>")
    return "".join(parts)
