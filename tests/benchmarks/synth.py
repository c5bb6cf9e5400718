"""Synthetic but plausible data for benchmarks: a busy working day, a working year."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

APPS = ["code", "firefox", "thunderbird", "libreoffice", "slack", "xterm", "evince"]
DAY_START = 1767603600  # 2026-01-05T09:00:00Z, a Monday
URL = "https://lms.example.edu/quiz/1"


def busy_day(rnd: random.Random, t0: float, focus_per_hour: int = 300, hours: int = 8,
             input_share: float = 0.85) -> Iterator[tuple[float, dict]]:
    """(epoch, event) pairs of one day: focus changes, input seconds, a shared meeting, a lock,
    some tab and page events. Input: runs of active seconds with short pauses."""
    end = t0 + hours * 3600
    t = t0
    gap = 3600 / focus_per_hour
    while t < end:
        yield t, {"event": "focus", "app": rnd.choice(APPS)}
        t += rnd.expovariate(1 / gap)
    # meetings
    for m in (2 * 3600, 5 * 3600):
        a = t0 + m
        yield a, {"event": "meeting_start", "app": "zoom"}
        yield a + 60, {"event": "share_start"}
        yield a + 1700, {"event": "share_end"}
        yield a + 1800, {"event": "meeting_end"}
    yield t0 + 4 * 3600, {"event": "lock"}
    yield t0 + 4 * 3600 + 1800, {"event": "unlock"}
    for k in range(80):
        a = t0 + rnd.uniform(0, hours * 3600)
        yield a, {"event": "page_blur", "url": URL}
        yield a + 0.2, {"event": "tab", "url": URL, "state": "hidden"}
        yield a + 9, {"event": "tab", "url": URL, "state": "visible"}
        yield a + 9.1, {"event": "page_focus", "url": URL}
    # input: active runs of 5-120 s separated by pauses whose mean keeps ~input_share active
    s = t0
    while s < end:
        run = rnd.randint(3, 60)
        yield s, {"event": "input", "until": min(s + run, end), "keys": run * 3, "pointer": run * 5}
        pause = rnd.expovariate(1 / (run * (1 - input_share) / input_share)) + 1
        s += run + int(pause)


def year_lines(days: int = 250, seed: int = 1) -> Iterator[str]:
    rnd = random.Random(seed)
    yield json.dumps({"onlooker": "log", "version": 1, "start": "2026-01-05T09:00:00Z",
                      "title": "A synthetic working year"})
    day = 0
    cal = 0
    while day < days:
        if cal % 7 < 5:
            t0 = DAY_START + cal * 86400
            events = sorted(busy_day(rnd, t0, focus_per_hour=350), key=lambda x: x[0])
            for at, e in events:
                e = {"at": round(at - DAY_START, 3), **e}
                if "until" in e:
                    e["until"] = round(e["until"] - DAY_START, 3)
                yield json.dumps(e, separators=(",", ":"))
            day += 1
        cal += 1
