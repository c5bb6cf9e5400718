"""Replay results as text a person reads in a terminal."""

from __future__ import annotations

from datetime import datetime

from shim.replay import Replay


def clock(at: float, start: float | None) -> str:
    """Wall-clock local time when the log's start is known, else +h:mm:ss from the start."""
    if start is not None:
        return datetime.fromtimestamp(start + at).astimezone().strftime("%H:%M:%S")
    h, rest = divmod(int(at), 3600)
    return f"+{h}:{rest // 60:02d}:{rest % 60:02d}"


def metric_text(metrics: dict) -> str:
    shown = [f"{k.replace('_', ' ')} {v:g}{' %' if k.endswith('_pct') else ''}"
             for k, v in metrics.items()
             if isinstance(v, (int, float)) and not isinstance(v, bool)]
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
        text = metric_text({k: v for k, v in r.metrics.items() if k != "applies"})
        if text:
            lines.append(f"  {text}")
    return "\n".join(lines)
