"""Issue 9: each class of error fixed at its root, tested for the class (hypothesis where the
class is a property of every log): thresholds exact to the millisecond, states implied by a
transition, unknown is not a state, per session, the products' own clocks, unlocking is input,
words, and structured fields."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onlooker.shim.model import LogHeader
from onlooker.shim.obslog import dump_lines, parse
from onlooker.shim.profiles import PROFILES
from onlooker.shim.replay import replay_events, replay_lines
from tests.shim.helpers import ev, run
from tests.shim.test_properties import logs

START = datetime(2026, 11, 28, 9, 3, tzinfo=timezone.utc)


def lines(events, start="2026-11-28T09:03:00Z"):
    head = {"onlooker": "log", "version": 1, "start": start}
    return [json.dumps(head)] + [json.dumps(e) for e in events]


def replay(events, profiles=None, start="2026-11-28T09:03:00Z"):
    return replay_lines(lines(events, start), profiles).to_json()


def profile(out, pid):
    return next(p for p in out["profiles"] if p["id"] == pid)


def stretches(p):
    return [o for o in p["observations"] if o["until"] is not None and o["kind"] != "slot"]


# --- 1. thresholds in the log's own resolution ------------------------------------------------

def _s(ms):
    return ms / 1000


def _zoom_away(x, length):
    return [{"at": 0, "event": "focus", "app": "zoom"},
            {"at": 0, "event": "meeting_start", "app": "zoom"},
            {"at": 0, "event": "share_start"},
            {"at": _s(x), "event": "focus", "app": "mail"},
            {"at": _s(x + length), "event": "focus", "app": "zoom"},
            {"at": _s(x + length + 60_000), "event": "meeting_end"}]


def _idle(x, length):
    """Input all along until x, then none for ``length`` ms, then input again."""
    return [{"at": 0, "event": "input", "until": _s(x)},
            {"at": _s(x + length), "event": "input", "until": _s(x + length + 1000)}]


# (profile, threshold ms, log builder, "did it flag?")
IDLE_RULES = [
    ("activtrak", 120_000, lambda p: bool(stretches(p))),
    ("time-doctor", 840_000, lambda p: bool(stretches(p))),  # the countdown before the timeout
    ("time-doctor", 900_000, lambda p: p["metrics"]["timeouts"] > 0),
    ("hubstaff", 1_200_000, lambda p: p["metrics"]["idle_prompts"] > 0),
    ("teams-presence", 300_000, lambda p: p["metrics"]["away_s_5min"] > 0),
    ("teams-presence", 900_000, lambda p: p["metrics"]["away_s_15min"] > 0),
    ("slack-presence", 600_000, lambda p: p["metrics"]["away_s_10min"] > 0),
    ("slack-presence", 1_800_000, lambda p: p["metrics"]["away_s_30min"] > 0),
    ("web-page", 60_000, lambda p: p["metrics"]["idle_s"] > 0),
]
offsets = st.integers(1, 20_000_000)


@settings(max_examples=60, deadline=None)
@given(offsets)
def test_threshold_exact_at_millisecond_resolution_zoom(x):
    """Exactly 30.000 s away (e.g. 100.002 -> 130.002) never shows the icon; 30.001 s does."""
    at = profile(replay(_zoom_away(x, 30_000), ["zoom-2020"]), "zoom-2020")
    assert at["observations"] == [] and at["metrics"]["icons_shown"] == 0
    more = profile(replay(_zoom_away(x, 30_001), ["zoom-2020"]), "zoom-2020")
    assert [(o["at"], o["until"]) for o in more["observations"]] == [(_s(x + 30_000), _s(x + 30_001))]


@settings(max_examples=60, deadline=None)
@given(offsets, st.integers(1, 14_999), st.sampled_from([("moderate", 15_000), ("lenient", 30_000)]))
def test_threshold_exact_at_millisecond_resolution_proctorio(x, first, setting):
    """Away in two stretches adding up to exactly the limit (10.325 s + 4.675 s): not removed;
    one millisecond more: removed at the crossing."""
    name, limit = setting
    first = first * limit // 15_000

    def log(extra):
        u = "https://exam"
        second = limit - first + extra
        return [{"at": _s(x), "event": "page_blur", "url": u},
                {"at": _s(x + first), "event": "page_focus", "url": u},
                {"at": _s(x + 50_000), "event": "page_blur", "url": u},
                {"at": _s(x + 50_000 + second), "event": "page_focus", "url": u}]

    at = profile(replay(log(0), ["proctorio"]), "proctorio")
    assert at["metrics"][f"removed_at_{name}"] is None
    more = profile(replay(log(1), ["proctorio"]), "proctorio")
    assert more["metrics"][f"removed_at_{name}"] == _s(x + 50_000 + limit - first)


@pytest.mark.parametrize("pid,threshold,flagged", IDLE_RULES, ids=[f"{r[0]}-{r[1]}" for r in IDLE_RULES])
@settings(max_examples=25, deadline=None)
@given(x=offsets)
def test_threshold_exact_at_millisecond_resolution_idle_rules(pid, threshold, flagged, x):
    assert not flagged(profile(replay(_idle(x, threshold), [pid]), pid))
    assert flagged(profile(replay(_idle(x, threshold + 1), [pid]), pid))


def _ts(ms):
    return (START + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds")


def _as_ts(events, shift):
    out = []
    for e in events:
        e = dict(e)
        at = round(e.pop("at") * 1000) + shift
        e["ts"] = _ts(at)
        if "until" in e:
            e["until"] = _ts(round(e["until"] * 1000) + shift)
        out.append(e)
    return out


@st.composite
def ms_logs(draw):
    """Logs with times in whole milliseconds, some fractional seconds."""
    events = draw(logs())
    return [dict(e, at=e["at"] + draw(st.integers(0, 249)) / 1000) for e in events]


@settings(max_examples=80, deadline=None)
@given(ms_logs(), st.integers(0, 10**10))
def test_threshold_exact_at_millisecond_resolution_results_do_not_move_with_the_clock(events, shift):
    """The same log written with absolute times shifted by any number of milliseconds gives the
    same results (Hubstaff's slots follow the wall clock, so it is compared when the shift
    keeps the 10-minute grid)."""
    base = json.loads(json.dumps(replay_lines(
        [json.dumps({"onlooker": "log", "version": 1, "start": _ts(0)})] +
        [json.dumps(e) for e in _as_ts(events, 0)]).to_json()["profiles"]))
    moved = json.loads(json.dumps(replay_lines(
        [json.dumps({"onlooker": "log", "version": 1, "start": _ts(shift)})] +
        [json.dumps(e) for e in _as_ts(events, shift)]).to_json()["profiles"]))
    for a, b in zip(base, moved):
        if a["id"] == "hubstaff" and shift % 86_400_000:  # its slots are named by the clock
            assert a["metrics"].get("active_s") == b["metrics"].get("active_s")
            if shift % 600_000 == 0:  # the same grid: the same figures
                assert a["metrics"] == b["metrics"]
            continue
        assert a == b, (a["id"], a["metrics"], b["metrics"], [o for o in a["observations"] if o not in b["observations"]][:2], [o for o in b["observations"] if o not in a["observations"]][:2])


@settings(max_examples=150, deadline=None)
@given(ms_logs())
def test_threshold_exact_at_millisecond_resolution_no_flag_is_zero_length(events):
    for p in replay(events)["profiles"]:
        for o in p["observations"]:
            assert o["until"] is None or o["until"] > o["at"], (p["id"], o)


# --- 2. states implied by a transition ---------------------------------------------------------

def written_out(events):
    """The same log with each implied state written out as the event it implies (the rule in
    README's "The observation log", restated independently of the code)."""
    known, out, share_scope = set(), [], 0.0
    front = []  # implied events at the log's start
    for e in events:
        kind, key, implied = e["event"], None, None
        if kind == "meeting_start":
            share_scope = e["at"]
        elif kind == "meeting_end":
            known.discard("share")
            share_scope = e["at"]
        elif kind in ("lock", "unlock"):
            key, implied = "lock", ({"at": 0, "event": "lock"} if kind == "unlock" else None)
        elif kind in ("focus", "minimize", "restore"):
            key = ("min", e["app"])
            implied = {"at": 0, "event": "minimize", "app": e["app"]} if kind == "restore" else None
        elif kind in ("share_start", "share_end"):
            key = "share"
            implied = {"at": share_scope, "event": "share_start"} if kind == "share_end" else None
        elif kind == "tab":
            key = ("tab", e["url"])
            implied = ({"at": 0, "event": "tab", "url": e["url"], "state": "hidden"}
                       if e["state"] == "visible" else None)
        elif kind in ("page_blur", "page_focus"):
            key = ("page", e["url"])
            implied = {"at": 0, "event": "page_blur", "url": e["url"]} if kind == "page_focus" else None
        if key is not None and key not in known:
            known.add(key)
            if implied is not None and implied["at"] == 0:
                front.append(implied)
            elif implied is not None:  # right after the meeting_start / _end it dates from
                i = max(i for i, x in enumerate(out) if x["event"] in ("meeting_start", "meeting_end"))
                out.insert(i + 1, implied)
        out.append(e)
    return front + out


@settings(max_examples=200, deadline=None)
@given(ms_logs())
def test_implied_state_same_result_as_the_log_with_the_implied_event_written_out(events):
    assert replay(written_out(events)) == replay(events)


def test_implied_state_first_visible_means_hidden_since_the_start():
    u = "https://exam"
    result = run("proctorio", [ev(40, "tab", url=u, state="visible"), ev(100, "end")])
    assert [(f.at, f.until) for f in result.observations if f.until] == [(0, 40)]
    assert result.metrics["removed_at_lenient"] == 30.0
    page = run("web-page", [ev(12, "page_focus", url=u), ev(100, "end")])
    assert page.metrics["blurred_s"] == 12


def test_implied_state_page_focus_means_blurred_and_canvas_logged_it():
    result = run("canvas-quiz-log", [ev(8, "page_focus", url="q")])
    assert [f.what.split(" (")[0] for f in result.observations] == [
        "00:00 Stopped viewing the Canvas quiz-taking page...", "00:08 Resumed."]


def test_implied_state_unlock_means_locked_since_the_start():
    result = run("teams-presence", [ev(0, "input"), ev(50, "unlock"), ev(60, "input")])
    assert result.metrics["away_s_5min"] == 50
    assert run("web-page", [ev(0, "input"), ev(50, "unlock")]).metrics["locked_s"] == 50


def test_implied_state_restore_means_minimized_since_the_start():
    """A meeting window first restored 100 s in was minimized all along: out of focus."""
    events = [ev(0, "meeting_start", app="zoom"), ev(0, "share_start"),
              ev(100, "restore", app="zoom"), ev(200, "meeting_end")]
    flags = run("zoom-2020", events).observations
    assert [(f.at, f.until) for f in flags] == [(30, 100)]


def test_implied_state_share_end_means_someone_shared_since_the_meeting_began():
    events = [ev(0, "focus", app="mail"), ev(10, "meeting_start", app="zoom"),
              ev(100, "share_end"), ev(200, "meeting_end")]
    result = run("zoom-2020", events)
    assert [(f.at, f.until) for f in result.observations] == [(40, 100)]
    assert result.metrics["sharing_s"] == 90 and result.metrics["sharing_unmarked_s"] == 0


# --- 3. unknown is not a state ------------------------------------------------------------------

def test_unknown_focus_never_yields_a_clock_icon():
    """No focus event before or during the meeting: which window was in front is unknown."""
    events = [ev(0, "meeting_start", app="zoom"), ev(0, "share_start"), ev(600, "meeting_end")]
    result = run("zoom-2020", events)
    assert result.observations == []
    assert result.metrics["focus_unknown_s"] == 600 and result.metrics["attentive_pct"] is None
    goto = run("gotowebinar", events)
    assert goto.observations == [] and goto.metrics["focus_unknown_s"] == 600
    assert goto.metrics["attentiveness_pct"] is None


def test_unknown_sharing_reports_as_marked_and_labels_the_worst_case_apart():
    events = [ev(0, "focus", app="zoom"), ev(0, "meeting_start", app="zoom"),
              ev(100, "focus", app="mail"), ev(150, "focus", app="zoom"), ev(300, "meeting_end")]
    result = run("zoom-2020", events)
    assert result.metrics["icons_shown"] == 0  # as marked: nobody marked sharing
    assert result.metrics["icons_if_shared_throughout"] == 1
    assert result.metrics["sharing_unmarked_s"] == 300 and result.metrics["sharing_s"] == 0
    (flag,) = result.observations
    assert (flag.at, flag.until) == (130, 150)
    assert flag.data["variant"] == "shared-throughout"
    assert flag.what.startswith("If someone had been sharing a screen throughout")
    assert result.sessions[0]["sharing"] == "unknown"


def test_unknown_unobserved_periods_are_neither_idle_away_nor_active():
    """[100 s, 2000 s) unrecorded: no idle there, no flag inside, the clock restarts after."""
    header = LogHeader(start=0.0)
    events = [e for e in parse([json.dumps(x) for x in [
        {"at": 0, "event": "focus", "app": "zoom"}, {"at": 0, "event": "meeting_start", "app": "zoom"},
        {"at": 0, "event": "share_start"}, {"at": 0, "event": "input", "until": 100},
        {"at": 50, "event": "focus", "app": "mail"}, {"at": 2100, "event": "end"}]])[1]]
    out = replay_events(header, events, unobserved=[(100, 2000)]).to_json()
    zoom = profile(out, "zoom-2020")
    assert [(o["at"], o["until"]) for o in zoom["observations"]] == [(80, 100), (2030, 2100)]
    teams = profile(out, "teams-presence")
    assert teams["metrics"]["away_s_5min"] == 0  # 100 s idle before, 100 s after: never 5 min
    activ = profile(out, "activtrak")
    assert activ["metrics"]["active_s"] + activ["metrics"]["passive_s"] + \
        activ["metrics"]["inactive_s"] == 200
    hub = profile(out, "hubstaff")
    assert hub["metrics"]["active_s"] == 100
    assert sum(o["data"]["tracked_s"] for o in hub["observations"] if o["kind"] == "slot") == 200
    for p in out["profiles"]:  # slots measure a period (their tracked seconds exclude the gap)
        for o in p["observations"]:
            if o["kind"] != "slot":
                assert o["until"] is None or o["until"] <= 100 or o["at"] >= 2000, (p["id"], o)


# --- 4. per session -----------------------------------------------------------------------------

def test_per_session_goto_reports_each_meeting_not_their_average():
    events = [ev(0, "focus", app="goto"), ev(0, "meeting_start", app="goto"),
              ev(600, "meeting_end"), ev(1000, "focus", app="mail"),
              ev(1000, "meeting_start", app="goto"), ev(1600, "meeting_end")]
    result = run("gotowebinar", events)
    assert [(s["session"], s["attentiveness_pct"], s["meeting_s"]) for s in result.sessions] == \
        [(1, 100.0, 600), (2, 0.0, 600)]
    assert result.metrics["meetings"] == 2
    assert [f.data["session"] for f in result.observations] == [2]
    assert PROFILES["gotowebinar"].presentation.metric("attentiveness_pct").label == \
        "attentiveness, all meetings together"


def test_per_session_zoom_icons_belong_to_their_meeting():
    events = [ev(0, "focus", app="zoom"), ev(0, "meeting_start", app="zoom"), ev(0, "share_start"),
              ev(100, "meeting_end"), ev(200, "meeting_start", app="zoom"), ev(200, "share_start"),
              ev(250, "focus", app="mail"), ev(300, "focus", app="zoom"), ev(400, "meeting_end")]
    result = run("zoom-2020", events)
    assert [s["icons_shown"] for s in result.sessions] == [0, 1]
    assert result.observations[0].data["session"] == 2
    assert replay_events(LogHeader(), events).to_json()["profiles"][0]["sessions"][1]["start"] == 200


# --- 5. the product's own clock and slots -------------------------------------------------------

@pytest.mark.parametrize("at,shown", [(0, "00:00"), (59.999, "00:59"), (754, "12:34"),
                                      (3600, "60:00"), (3600.5, "60:00"), (3601, "01:00:01"),
                                      (7230, "02:00:30")])
def test_product_clock_canvas_writes_seconds_to_time(at, shown):
    result = run("canvas-quiz-log", [ev(at, "page_blur", url="q")])
    assert result.observations[0].what.startswith(f"{shown} Stopped viewing")
    assert result.observations[0].data["elapsed"] == shown


def test_product_clock_hubstaff_slots_follow_the_persons_wall_clock():
    head = {"onlooker": "log", "version": 1, "start": "2026-11-28T09:00:00+05:45"}
    out = replay_lines([json.dumps(head), json.dumps({"at": 0, "event": "input", "until": 60}),
                        json.dumps({"at": 1200, "event": "end"})], ["hubstaff"]).to_json()
    slots = [o for o in out["profiles"][0]["observations"] if o["kind"] == "slot"]
    assert [(o["at"], o["until"], o["data"]["slot"]) for o in slots] == [
        (0, 600, "09:00-09:10"), (600, 1200, "09:10-09:20")]
    assert parse([json.dumps(head)])[0].utc_offset_s == 5 * 3600 + 45 * 60
    assert "+05:45" in next(dump_lines(parse([json.dumps(head)])[0], []))
    assert any("wall clock" in a for a in out["profiles"][0]["assumptions"])


def test_product_clock_a_log_without_header_takes_its_zone_from_the_first_time():
    header, _ = parse([json.dumps({"ts": "2026-11-28T09:00:00+05:45", "event": "focus", "app": "a"})])
    assert header.utc_offset_s == 20700
    assert parse([json.dumps({"at": 0, "event": "focus", "app": "a"})])[0].utc_offset_s is None


@pytest.mark.parametrize("frac", [0.001, 0.4, 0.5, 0.999])
def test_product_clock_hubstaff_fractional_start_makes_no_sliver_and_no_601_seconds(frac):
    start = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc) + timedelta(seconds=frac)
    head = {"onlooker": "log", "version": 1, "start": start.isoformat(timespec="milliseconds")}
    out = replay_lines([json.dumps(head), json.dumps({"at": 0, "event": "input", "until": 600}),
                        json.dumps({"at": 600, "event": "end"})], ["hubstaff"]).to_json()
    slots = [o for o in out["profiles"][0]["observations"] if o["kind"] == "slot"]
    assert len(slots) == 1
    assert slots[0]["data"]["active_s"] == slots[0]["data"]["tracked_s"] == 600
    assert out["profiles"][0]["metrics"]["activity_pct"] == 100.0


# --- 6. unlocking is input ----------------------------------------------------------------------

@pytest.mark.parametrize("pid,key", [("teams-presence", "away_s_5min"),
                                     ("slack-presence", "away_s_10min"), ("web-page", "idle_s")])
def test_unlock_is_input_for_the_os_idle_timer(pid, key):
    """Idle from 0 to 1000 s but for an unlock at 500 s (the password was typed)."""
    base = [ev(0, "input"), ev(1000, "input")]
    with_unlock = base + [ev(499, "lock"), ev(500, "unlock")]
    away = run(pid, with_unlock).metrics[key]
    plain = run(pid, base).metrics[key]
    assert away < plain
    if pid == "slack-presence":
        assert away == 0  # neither 499 s nor 500 s reach 10 min


def test_unlock_is_not_input_for_monitors_that_hook_the_keyboard():
    base = [ev(0, "input"), ev(1000, "input")]
    assert run("activtrak", base + [ev(500, "unlock")]).metrics == run("activtrak", base).metrics


# --- 7. words -----------------------------------------------------------------------------------

def test_words_an_icon_still_showing_at_the_end_says_so():
    events = [ev(0, "focus", app="zoom"), ev(0, "meeting_start", app="zoom"), ev(0, "share_start"),
              ev(100, "focus", app="mail"), ev(200, "end")]
    (flag,) = run("zoom-2020", events).observations
    assert "still showing when the recording ended" in flag.what and "stayed" not in flag.what
    assert flag.data["still_showing_at_end"] is True


def test_words_attribute_each_number_to_its_source():
    teams = run("teams-presence", [ev(0, "input"), ev(1000, "input")])
    five = [f.what for f in teams.observations if "(5 min" in f.what]
    assert five and all("third parties" in w and "current rule" not in w for w in five)
    td = run("time-doctor", [ev(0, "input"), ev(1000, "input")])
    assert not any("still working" in f.what.lower() for f in td.observations)
    hub = run("hubstaff", [ev(0, "input"), ev(1300, "input")])
    assert not any("'" in f.what for f in hub.observations if f.kind != "slot")
    sources = {pid: " ".join(p.sources) for pid, p in PROFILES.items()}
    assert "OfficeDocs-SkypeForBusiness" in sources["teams-presence"]
    assert "wakaran.net" in sources["slack-presence"]
    assert "digitaldepost.com" in sources["zoom-2020"] and "drupalst.com" in sources["zoom-2020"]


def test_words_the_host_view_does_not_say_who_shared():
    from pathlib import Path

    import onlooker.ui as ui

    js = (Path(ui.__file__).parent / "static" / "app.js").read_text()
    assert "Rivera is sharing" not in js and "Someone is sharing a screen" in js


# --- 8. per-observation data --------------------------------------------------------------------

def test_structured_fields_carry_each_observations_figures():
    hub = run("hubstaff", [ev(0, "input", until=30), ev(600, "end")], start=0)
    slot = hub.observations[0]
    assert slot.data == {"slot": "00:00-00:10", "active_s": 30, "tracked_s": 600,
                         "activity_pct": 5.0}
    pro = run("proctorio", [ev(10, "page_blur", url="u"), ev(20, "page_focus", url="u"),
                            ev(30, "page_blur", url="u"), ev(36, "page_focus", url="u")])
    away = [f.data["cumulative_s"] for f in pro.observations if f.until]
    assert away == [10, 16]
    removal = [f for f in pro.observations if f.data.get("setting") == "moderate"]
    assert removal[0].at == 35 and removal[0].data["cumulative_s"] == 15


@settings(max_examples=60, deadline=None)
@given(ms_logs())
def test_structured_fields_keep_the_json_shape_backward_compatible(events):
    """Every observation keeps at/until/what/kind; fields are only ever added."""
    for p in replay(events)["profiles"]:
        assert {"id", "name", "seen_by", "observations", "metrics", "sources",
                "assumptions"} <= set(p)
        for o in p["observations"]:
            assert {"at", "until", "what", "kind"} <= set(o) <= {"at", "until", "what", "kind", "data"}
