"""The diary as CSV: one row per flag and one per metric per day, exact figures."""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = ["date", "row", "profile", "at", "until", "duration_s", "metric", "value", "unit",
           "text"]


def render(diary: dict[str, Any]) -> str:
    units = {p["id"]: {m["key"]: m["unit"] for m in p["metrics"]} for p in diary["profiles"]}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for day in diary["days"]:
        for p in day["profiles"]:
            for f in p["flags"]:
                w.writerow([day["date"], "flag", p["id"], f["at"], f["until"] or "",
                            "" if f["duration_s"] is None else f["duration_s"], "", "", "",
                            f["what"]])
            if not p["applies"]:
                continue
            for key, unit in units[p["id"]].items():
                value = p["metrics"].get(key)
                if isinstance(value, bool) or key not in p["metrics"]:
                    continue
                at = p["metric_times"].get(key, "")
                w.writerow([day["date"], "metric", p["id"], at, "", "", key,
                            "" if value is None else value, unit, ""])
    return buf.getvalue()
