"""Properties every profile keeps, over generated logs (hypothesis)."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from onlooker.shim.replay import replay_lines

APPS = ["zoom", "mail", "browser"]
URL = "https://quiz"


@st.composite
def logs(draw, max_events=40):
    """A log with distinct event times (so line order is the only thing a shuffle changes)."""
    n = draw(st.integers(1, max_events))
    times = sorted(draw(st.lists(st.integers(0, 4000), min_size=n, max_size=n, unique=True)))
    events = []
    for t in times:
        kind = draw(st.sampled_from(["focus", "minimize", "restore", "input", "input_span", "lock",
                                     "unlock", "meeting_start", "meeting_end", "share_start",
                                     "share_end", "tab", "page_blur", "page_focus"]))
        e = {"at": t / 4, "event": kind}
        if kind in ("focus", "minimize", "restore", "meeting_start"):
            e["app"] = draw(st.sampled_from(APPS))
        if kind == "input_span":
            e["event"] = "input"
            e["until"] = t / 4 + draw(st.integers(1, 900))
        if kind in ("tab", "page_blur", "page_focus"):
            e["url"] = URL
        if kind == "tab":
            e["state"] = draw(st.sampled_from(["visible", "hidden"]))
        events.append(e)
    return events


def replay(events, header_start="2026-11-28T09:03:00Z"):
    head = {"onlooker": "log", "version": 1, "start": header_start}
    return replay_lines([json.dumps(head)] + [json.dumps(e) for e in events]).to_json()


def percentages(obj):
    for p in obj["profiles"]:
        for key, value in p["metrics"].items():
            if key.endswith("_pct") and isinstance(value, (int, float)) and not isinstance(value, bool):
                yield p["id"], key, value


@settings(max_examples=150, deadline=None)
@given(logs())
def test_percentages_stay_within_0_and_100(events):
    for pid, key, value in percentages(replay(events)):
        assert 0 <= value <= 100, (pid, key, value)


@settings(max_examples=150, deadline=None)
@given(logs(), st.randoms(use_true_random=False))
def test_line_order_does_not_change_results(events, rnd):
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert replay(shuffled) == replay(events)


@settings(max_examples=150, deadline=None)
@given(logs(), st.data())
def test_splitting_an_input_span_changes_nothing(events, data):
    spans = [i for i, e in enumerate(events) if e["event"] == "input" and "until" in e]
    if not spans:
        return
    i = data.draw(st.sampled_from(spans))
    e = events[i]
    cut = data.draw(st.floats(e["at"], e["until"]))
    first, second = dict(e, until=cut), dict(e, at=cut)
    split = events[:i] + [first, second] + events[i + 1:]
    assert replay(split) == replay(events)


@settings(max_examples=100, deadline=None)
@given(logs())
def test_meeting_window_always_in_focus_gives_no_zoom_icon(events):
    """Keep only events that leave Zoom in front: no minimize/lock, focus only on zoom."""
    kept = [e for e in events if e["event"] not in ("focus", "minimize", "restore", "lock", "unlock",
                                                     "meeting_start")]
    kept = [{"at": 0, "event": "focus", "app": "zoom"},
            {"at": 0, "event": "meeting_start", "app": "zoom"}] + kept
    zoom = replay(kept)["profiles"][0]
    assert zoom["id"] == "zoom-2020"
    assert zoom["observations"] == []
    if zoom["metrics"]["applies"]:
        assert zoom["metrics"]["attentive_pct"] in (100.0, None)
