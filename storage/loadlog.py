"""Put an observation log into the store, as if it had been recorded (demo and classroom use)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from onlooker.shim.model import Event, LogHeader, Observation

from .store import Store


def load_log(store: Store, header: LogHeader, events: Iterable[Event], start: float) -> int:
    """Write events with t=0 at epoch ``start``; returns how many rows were written."""
    obs = []
    n = 0
    lo = hi = 0.0  # the log observed from its start (t=0) to its last moment
    with store.immediate():
        for e in events:
            lo, hi = min(lo, e.t), max(hi, e.end)
            if e.event == "input":
                a = math.floor(start + e.t)
                b = max(a + 1, math.ceil(start + e.end))
                store.add_span(a, b, e.keys or 0, e.pointer or 0)  # as yes/no
                n += 1
            elif e.event != "end":
                data = dict(e.extra or {})
                if e.url:
                    data["url"] = e.url
                if e.state:
                    data["state"] = e.state
                obs.append(Observation(ts=start + e.t, kind=e.event, app=e.app,
                                       category="meeting" if e.event == "meeting_start" else None,
                                       data=data or None))
        n += store.add_events(obs)
        # recorded: the log's whole span but what its header says was not
        spans, edge = [], lo
        for a, b in header.not_recorded:
            if min(a, hi) > edge:
                spans.append((edge, min(a, hi)))
            edge = max(edge, b)
        if hi > edge:
            spans.append((edge, hi))
        for a, b in spans or [(hi, hi)]:  # none of it recorded: an empty span still says so
            store.add_recorded(start + a, start + b, "log")
    return n
