"""Exports of the diary: the observation log (JSON Lines, format v1) and daily metrics (CSV)."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Iterator
from typing import Any

from shim.obslog import dump_lines

from .store import Store


def log_lines(store: Store, start: float | None = None, end: float | None = None) -> Iterator[str]:
    """The recorded observations in [start, end) as log lines; everything when not given."""
    bounds = store.bounds()
    if start is None:
        start = bounds[0] if bounds else time.time()
    if end is None:
        end = (bounds[1] + 1) if bounds else start
    header, events = store.events(start, end)
    return dump_lines(header, events)


def metrics_csv(days: Iterable[dict[str, Any]]) -> str:
    """Rows of ``{"day", "metrics": {profile: {name: value}}}`` as long-format CSV."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["day", "profile", "metric", "value"])
    for row in days:
        for pid, metrics in row["metrics"].items():
            for name, value in metrics.items():
                w.writerow([row["day"], pid, name, value])
    return buf.getvalue()
