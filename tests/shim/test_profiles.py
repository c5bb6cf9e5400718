"""Each profile's thresholds at their boundaries, and what profiles say when signals are absent."""

import pytest

from onlooker.shim.profiles import PROFILES
from tests.shim.helpers import ev, meeting, run


# --- Zoom 2020 -------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["focus", "minimize", "lock"])
def test_zoom_no_icon_at_29_9_seconds_out_of_focus(how):
    """29.9 s away (another app, minimized, or locked) never shows the clock icon."""
    assert run("zoom-2020", meeting(29.9, how=how)).observations == []


@pytest.mark.parametrize("how", ["focus", "minimize", "lock"])
def test_zoom_icon_from_the_30th_second_at_30_1_seconds(how):
    """30.1 s away shows the icon from 30 s after leaving until focus returns."""
    flags = run("zoom-2020", meeting(30.1, how=how)).observations
    assert len(flags) == 1
    assert flags[0].at == pytest.approx(130.0)
    assert flags[0].until == pytest.approx(130.1)


def test_zoom_only_counts_while_someone_shares():
    """Sharing marked off (a share that ended before): nothing as marked, and no worst case."""
    events = meeting(200, sharing=False) + [ev(5, "share_start"), ev(6, "share_end")]
    result = run("zoom-2020", events)
    assert result.observations == []
    assert result.metrics["icons_shown"] == 0 and result.metrics["icons_if_shared_throughout"] == 0


def test_zoom_stretch_is_clipped_to_the_share():
    """Away since before the share started: the 30 s count from the share's start."""
    events = [ev(0, "meeting_start", app="zoom"), ev(0, "focus", app="mail"),
              ev(50, "share_start"), ev(70, "share_end"), ev(100, "share_start"),
              ev(140, "focus", app="zoom"), ev(200, "meeting_end")]
    flags = run("zoom-2020", events).observations
    assert [(f.at, f.until) for f in flags] == [(130.0, 140.0)]


def test_zoom_attentive_pct_is_in_focus_share_time():
    result = run("zoom-2020", meeting(49))
    # share 10..500 = 490 s, 49 s away
    assert result.metrics["attentive_pct"] == pytest.approx(90.0)
    assert result.metrics["out_of_focus_s"] == pytest.approx(49)


def test_zoom_without_meeting_says_so():
    result = run("zoom-2020", [ev(0, "focus", app="zoom"), ev(100, "input")])
    assert result.metrics == {"applies": False, "missing": "no meeting in this log (meeting_start events)"}


def test_zoom_focus_on_another_window_of_the_meeting_app_counts_as_focus():
    """Focus comes back via restore: restoring brings the meeting window to the front."""
    flags = run("zoom-2020", meeting(45, how="minimize")).observations
    assert [(f.at, f.until) for f in flags] == [(130.0, 145.0)]


# --- GoTo ------------------------------------------------------------------------------------

def test_goto_not_attentive_at_once_and_percent_of_meeting():
    events = [ev(0, "meeting_start", app="goto"), ev(0, "focus", app="goto"),
              ev(10, "focus", app="mail"), ev(12, "focus", app="goto"), ev(100, "meeting_end")]
    result = run("gotowebinar", events)
    assert [(f.at, f.until) for f in result.observations] == [(10, 12)]
    assert result.metrics["attentiveness_pct"] == 98.0


# --- Canvas ----------------------------------------------------------------------------------

def test_canvas_throttles_each_kind_to_once_per_5_seconds_leading_edge():
    u = "https://quiz"
    events = [ev(0, "page_blur", url=u), ev(1, "page_focus", url=u), ev(4.9, "page_blur", url=u),
              ev(5.0, "page_focus", url=u), ev(5.0, "page_blur", url=u), ev(6, "page_focus", url=u)]
    result = run("canvas-quiz-log", events)
    texts = [(f.at, f.what.split(" (")[0]) for f in result.observations]
    assert texts == [(0, "00:00 Stopped viewing the Canvas quiz-taking page..."),
                     (1, "00:01 Resumed."),
                     (5.0, "00:05 Stopped viewing the Canvas quiz-taking page..."),
                     (6, "00:06 Resumed.")]
    assert result.metrics["dropped_by_throttle"] == 2


def test_canvas_ignores_tab_visibility():
    result = run("canvas-quiz-log", [ev(0, "tab", url="u", state="hidden")])
    assert result.metrics["applies"] is False


# --- Proctorio -------------------------------------------------------------------------------

def _away(*stretches, url="https://exam"):
    out = []
    for a, d in stretches:
        out += [ev(a, "page_blur", url=url), ev(a + d, "page_focus", url=url)]
    return out


def test_proctorio_cumulative_15_seconds_is_not_yet_removal():
    result = run("proctorio", _away((10, 5), (100, 5), (200, 5)))
    assert result.metrics["removed_at_moderate"] is None
    assert result.metrics["removed_at_severe"] == 10
    assert result.metrics["navigating_away_flags"] == 3


def test_proctorio_cumulative_past_15_seconds_removes_at_the_crossing():
    result = run("proctorio", _away((10, 5), (100, 5), (200, 5.1)))
    assert result.metrics["removed_at_moderate"] == pytest.approx(205.0)
    assert result.metrics["removed_at_lenient"] is None
    assert result.metrics["away_s"] == pytest.approx(15.1)


def test_proctorio_hidden_tab_counts_as_away_once_with_blur():
    u = "https://exam"
    events = [ev(0, "page_blur", url=u), ev(0.1, "tab", url=u, state="hidden"),
              ev(31, "tab", url=u, state="visible"), ev(31.2, "page_focus", url=u)]
    result = run("proctorio", events)
    assert result.metrics["navigating_away_flags"] == 1
    assert result.metrics["removed_at_lenient"] == pytest.approx(30.0)


# --- Hubstaff --------------------------------------------------------------------------------

def test_hubstaff_slots_are_wall_clock_and_count_active_seconds():
    """Log starts at 09:05 UTC: the first slot is the partial 09:05-09:10."""
    start = 1795856400.0 + 300  # 2026-11-28T09:05:00Z
    events = [ev(0, "input", until=30), ev(299.5, "input"), ev(300, "input", until=360),
              ev(1500, "end")]
    result = run("hubstaff", events, start=start)
    slots = [f for f in result.observations if "slot" in f.what]
    assert [(f.at, f.until) for f in slots] == [(0, 300), (300, 900), (900, 1500)]
    assert "(31 of 300 s" in slots[0].what  # seconds 0-29 and 299
    assert "Activity 10 %" in slots[1].what  # 60 of 600 s
    assert "0 %" in slots[2].what


def test_hubstaff_second_with_any_input_is_active_once():
    events = [ev(0.1, "input"), ev(0.9, "input"), ev(1.0, "input"), ev(600, "end")]
    assert run("hubstaff", events).metrics["active_s"] == 2


def test_hubstaff_idle_prompt_after_20_minutes():
    assert run("hubstaff", [ev(0, "input"), ev(1200, "input")]).metrics["idle_prompts"] == 0
    result = run("hubstaff", [ev(0, "input"), ev(1200.5, "input")])
    prompts = [f for f in result.observations if "idle" in f.what.lower()]
    assert [(f.at, f.until) for f in prompts] == [(1200, 1200.5)]


# --- ActivTrak, Time Doctor, Teams, Slack ----------------------------------------------------

def test_activtrak_passive_after_2_min_inactive_after_5_more():
    result = run("activtrak", [ev(0, "input"), ev(1000, "input")])
    spans = [(f.at, f.until, f.what.split(":")[0]) for f in result.observations]
    assert spans == [(120, 420, "Passive"), (420, 1000, "Inactive")]
    assert run("activtrak", [ev(0, "input"), ev(120, "input")]).observations == []


def test_time_doctor_countdown_then_stop_at_15_minutes():
    result = run("time-doctor", [ev(0, "input"), ev(1000, "input")])
    assert [(f.at, f.until) for f in result.observations] == [(840, 900), (900, 1000)]
    assert result.metrics["stopped_s"] == 100
    assert run("time-doctor", [ev(0, "input"), ev(900, "input")]).metrics["timeouts"] == 0


def test_teams_away_at_once_on_lock_and_after_5_and_15_min_variants():
    result = run("teams-presence", [ev(0, "input"), ev(10, "lock"), ev(20, "unlock"),
                                    ev(20, "input"), ev(1000, "input")])
    five = [(f.at, f.until) for f in result.observations if "(5 min" in f.what]
    fifteen = [(f.at, f.until) for f in result.observations if "(15 min" in f.what]
    assert five == [(10, 20), (320, 1000)]
    assert fifteen == [(10, 20), (920, 1000)]


def test_slack_away_after_10_and_30_minutes():
    result = run("slack-presence", [ev(0, "input"), ev(700, "input"), ev(2500, "input")])
    assert result.metrics == {"applies": True, "away_s_10min": 100 + 1200, "away_s_30min": 0}


@pytest.mark.parametrize("pid", ["hubstaff", "activtrak", "time-doctor", "teams-presence",
                                 "slack-presence"])
def test_input_profiles_say_so_when_the_log_has_no_input(pid):
    result = run(pid, [ev(0, "focus", app="x"), ev(3600, "end")])
    assert result.metrics["applies"] is False and "input" in result.metrics["missing"]
    assert result.observations == []


# --- web page --------------------------------------------------------------------------------

def test_web_page_sees_hidden_blur_idle_and_lock():
    u = "https://any"
    events = [ev(0, "input"), ev(5, "tab", url=u, state="hidden"), ev(8, "tab", url=u, state="visible"),
              ev(9, "page_blur", url=u), ev(12, "page_focus", url=u), ev(100, "lock"),
              ev(150, "unlock"), ev(150, "input")]
    result = run("web-page", events)
    assert result.metrics == {"applies": True, "hidden_s": 3, "blurred_s": 3, "idle_s": 90,
                              "locked_s": 50}


def test_every_profile_documents_sources_and_assumptions():
    for profile in PROFILES.values():
        assert profile.sources and all(s.startswith("https://") for s in profile.sources)
        assert profile.assumptions and profile.seen_by


def _example_results():
    from importlib import resources

    from onlooker.shim.replay import replay_file

    for entry in resources.files("onlooker.shim.examples").iterdir():
        if entry.name.endswith(".jsonl"):
            yield from replay_file(str(entry)).results


def test_every_metric_a_profile_reports_has_words_and_a_unit():
    """What each profile declares about its metrics is exactly what it reports (so labels,
    headlines and trends cannot drift from the rules)."""
    reported = {}
    for r in _example_results():
        if r.metrics.get("applies"):
            reported.setdefault(r.id, set()).update(
                k for k, v in r.metrics.items() if k != "applies" and not isinstance(v, bool))
    assert set(reported) == set(PROFILES)  # the bundled scenarios exercise every profile
    for pid, keys in reported.items():
        look = PROFILES[pid].presentation
        assert {m.key for m in look.metrics} == keys, pid
        assert all(m.label and "_" not in m.label for m in look.metrics), pid
        assert look.short and 1 <= len(look.headline) <= 2


def test_observations_say_what_kind_they_are():
    hub = run("hubstaff", [ev(0, "input", until=30), ev(1300, "input")], start=0)
    assert {f.kind for f in hub.observations} == {"slot", "stretch"}  # slots and the idle prompt
    canvas = run("canvas-quiz-log", [ev(5, "page_blur", url="q"), ev(9, "page_focus", url="q")])
    assert [f.kind for f in canvas.observations] == ["moment", "moment"]
    zoom = run("zoom-2020", meeting(40))
    assert [f.kind for f in zoom.observations] == ["stretch"]
    assert zoom.to_json()["observations"][0] == {
        "at": 130, "until": 140, "kind": "stretch", "what": zoom.observations[0].what,
        "data": {"session": 1, "out_of_focus_s": 40.0, "icon_s": 10.0,
                 "still_showing_at_end": False}}


def test_live_profiles_are_those_whose_flags_hold_as_states():
    live = {pid for pid, p in PROFILES.items() if p.presentation.live}
    assert live == {"zoom-2020", "gotowebinar", "teams-presence", "slack-presence", "time-doctor"}
    assert all(" would now " in PROFILES[pid].presentation.live for pid in live)


def test_a_presentation_naming_an_unknown_metric_is_refused():
    from onlooker.shim.profiles import Metric, Presentation

    with pytest.raises(ValueError, match="'nope' is not one of its metrics"):
        Presentation(short="x", metrics=(Metric("a", "a thing"),), headline=("nope",), trend="a")
    with pytest.raises(ValueError, match="unit must be one of"):
        Metric("a", "a thing", "minutes")
