"""Exports of the diary: daily metrics as CSV (the observation log is written by the log format's
own ``dump_lines``; storage does not speak the log format)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any


def metrics_csv(days: Iterable[dict[str, Any]],
                labels: Mapping[str, Mapping[str, tuple[str, str]]] | None = None) -> str:
    """Rows of ``{"day", "metrics": {profile: {name: value}}}`` as long-format CSV. ``labels``
    (profile -> metric -> (plain words, unit)) fills the last two columns, so a reader of the
    file need not decode metric keys; the first four columns never change."""
    labels = labels or {}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["day", "profile", "metric", "value", "label", "unit"])
    for row in days:
        for pid, metrics in row["metrics"].items():
            words = labels.get(pid, {})
            for name, value in metrics.items():
                w.writerow([row["day"], pid, name, value, *words.get(name, ("", ""))])
    return buf.getvalue()
