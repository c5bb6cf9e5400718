"""Time when no recorder ran (or recording was paused) is not recorded: unknown, never idle, away
or active. The report says so in its JSON, the dashboard draws it, and no profile counts it."""

import json

from click.testing import CliRunner

from onlooker.shim.model import InputSecond, Observation
from onlooker.storage.db import connect
from onlooker.storage.store import Store
from onlooker.ui.cli import cli
from onlooker.ui.dashboard.api import DashboardAPI
from onlooker.ui.service import Service

NINE = 1795424400.0  # 2026-11-23T09:00:00Z


def _two_sessions(db_path, *, pause=False):
    """A recorder 09:00-10:00 and another 11:00-12:00, idle after five minutes in each."""
    store = Store(connect(db_path))
    for start, app in ((NINE, "zoom"), (NINE + 7200, "mail")):
        rid = store.open_recording(start)
        store.record([Observation(start, "focus", app=app)],
                     [InputSecond(int(start) + i, 1, 1) for i in range(300)])
        with store.immediate():
            store.extend_recording(rid, start + 3600)
    if pause:
        with store.immediate():
            store.add_events([Observation(NINE + 9000, "pause", data={"until": NINE + 9600})])
    return store


def _report(db_path):
    res = CliRunner().invoke(cli, ["--db", str(db_path), "report", "--date", "2026-11-23", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def _inside(obs, a, b):
    end = obs["until"] if obs["until"] is not None else obs["at"]
    return obs["at"] < b and end > a


def test_a_gap_between_recorders_is_not_recorded_and_no_profile_counts_it(db_path):
    _two_sessions(db_path)
    out = _report(db_path)
    assert out["log"]["start"] == "2026-11-23T09:00:00.000Z"
    assert out["log"]["duration_s"] == 3 * 3600
    assert out["log"]["not_recorded"] == [[3600, 7200]]
    for profile in out["profiles"]:
        assert not [o for o in profile["observations"] if _inside(o, 3600, 7200)], profile["id"]
    teams = next(p for p in out["profiles"] if p["id"] == "teams-presence")["metrics"]
    away = [v for k, v in teams.items() if k.startswith("away") and isinstance(v, (int, float))]
    assert away and max(away) <= 2 * 3300  # idle 09:05-10:00 and 11:05-12:00 at most, not the hour between


def test_a_pause_is_not_recorded_either(db_path):
    _two_sessions(db_path, pause=True)
    assert _report(db_path)["log"]["not_recorded"] == [[3600, 7200], [9000, 9600]]


def test_the_dashboard_draws_the_gap_and_shows_no_idle_inside_it(db_path, tmp_path):
    store = _two_sessions(db_path)
    day = DashboardAPI(Service(store, db_path), tmp_path / "c.toml").day("2026-11-23")
    assert day["lanes"]["not_recorded"] == [{"a": 3600, "b": 7200}]
    assert not [s for s in day["lanes"]["idle"] if s["a"] < 7200 and s["b"] > 3600]


def test_data_from_before_recording_spans_counts_from_first_to_last_record(db_path):
    """A database written before Onlooker kept recording spans (or marks made by hand) reads as
    it did: observed from its first record to its last, nothing shown as not recorded."""
    store = Store(connect(db_path))
    store.record([Observation(NINE, "focus", app="zoom"), Observation(NINE + 600, "focus", app="x")], [])
    out = _report(db_path)
    assert out["log"]["duration_s"] == 600 and out["log"]["not_recorded"] == []


def test_a_recorder_run_leaves_the_span_it_observed(tmp_path):
    """A real recorder (the fake backend replaying a log) records its own span: from its start
    to its last commit, covering everything it stored; the time between two runs is a gap."""
    import os
    import time

    from onlooker.ui.config import Config
    from onlooker.ui.watch import watch
    from tests.ui.test_watch_fake import SCENARIO, write_log

    db = tmp_path / "w.db"
    log = write_log(tmp_path / "s.jsonl", SCENARIO)
    env = {**os.environ, "ONLOOKER_BACKEND": "fake", "ONLOOKER_FAKE_LOG": str(log),
           "ONLOOKER_FAKE_SPEED": "40"}
    before = time.time()
    for _ in range(2):
        assert watch(db, Config(), env=env, echo=lambda *a, **k: None) == 0
    store = Store(connect(db, readonly=True))
    spans = store.conn.execute("SELECT start, end, source FROM recording ORDER BY start").fetchall()
    assert [s[2] for s in spans] == ["recorder", "recorder"]
    first, last = store.conn.execute("SELECT min(ts), max(ts) FROM events").fetchone()
    assert spans[0][0] >= before * 1000 - 1 and spans[0][0] <= first
    assert spans[-1][1] >= last  # the last commit extended the span over what it wrote
    gaps = store.unobserved(spans[0][0] / 1000, spans[-1][1] / 1000)
    assert gaps == [(spans[0][1] / 1000, spans[1][0] / 1000)] or spans[0][1] >= spans[1][0]


def test_a_quiet_recorder_still_says_it_was_running(tmp_path, monkeypatch):
    """With nothing to write, the writer's heartbeat extends the recording span (so a recorder
    that dies after a quiet hour is known to have run until its last heartbeat)."""
    import time

    from onlooker.storage import writer as writer_mod
    from onlooker.storage.writer import Writer

    monkeypatch.setattr(writer_mod, "HEARTBEAT_S", 0.2)
    store = Store(connect(tmp_path / "h.db"))
    w = Writer(store)
    w.recording_id = store.open_recording(time.time())
    w.start()
    try:
        reader = Store(connect(tmp_path / "h.db", readonly=True))
        start_ms = reader.conn.execute("SELECT start FROM recording").fetchone()[0]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            end_ms = reader.conn.execute("SELECT end FROM recording").fetchone()[0]
            if end_ms >= start_ms + 500:
                break
            time.sleep(0.05)
        assert end_ms >= start_ms + 500
    finally:
        w.stop()


def test_the_page_greys_out_what_was_not_recorded(chromium, db_path, tmp_path):
    """In a real browser: the gap is veiled across the lanes, on its own lane, in the legend."""
    from onlooker.ui.dashboard.server import DashboardServer
    from tests.browser_support import shot

    store = _two_sessions(db_path, pause=True)
    server = DashboardServer(DashboardAPI(Service(store, db_path), tmp_path / "c.toml")).start()
    ctx = chromium.new_context(viewport={"width": 1300, "height": 700}, timezone_id="UTC")
    try:
        page = ctx.new_page()
        page.goto(server.url())
        page.wait_for_selector("#timeline svg rect.not-recorded")
        assert page.locator("#timeline svg rect.not-recorded").count() == 2  # the gap, the pause
        assert page.locator("#timeline rect[data-lane='not_recorded']").count() == 2
        assert "not recorded: unknown, never counted as idle" in page.inner_text("body")
        shot(page, "dashboard-not-recorded")
    finally:
        ctx.close()
        server.stop()


def test_an_exported_log_carries_what_was_not_recorded_to_its_replay(db_path, tmp_path):
    """``log --from`` an hour before recording began, then ``replay`` of that file: the hour
    before, the gap and the pause are not recorded there either (the header says so), so the
    replay flags nothing in them and counts as ``report`` does; a diary of the log agrees."""
    _two_sessions(db_path, pause=True)
    run = CliRunner()
    log = tmp_path / "m.jsonl"
    res = run.invoke(cli, ["--db", str(db_path), "log", "--from", "2026-11-23T08:00:00Z",
                           "--to", "2026-11-23T12:00:00Z", "-o", str(log)])
    assert res.exit_code == 0, res.output
    header = json.loads(log.read_text().splitlines()[0])
    assert header["not_recorded"] == [[0, 3600], [7200, 10800], [12600, 13200]]
    res = run.invoke(cli, ["replay", str(log), "--json"])
    assert res.exit_code == 0, res.output
    replayed = json.loads(res.output)
    assert replayed["log"]["not_recorded"] == header["not_recorded"]
    for profile in replayed["profiles"]:
        for a, b in header["not_recorded"]:
            assert not [o for o in profile["observations"] if _inside(o, a, b)], profile["id"]
    reported = {p["id"]: p["metrics"] for p in _report(db_path)["profiles"]}
    teams = next(p for p in replayed["profiles"] if p["id"] == "teams-presence")["metrics"]
    assert teams == reported["teams-presence"]  # the hour before recording is not idle
    res = run.invoke(cli, ["--db", str(tmp_path / "d.db"), "diary", "--log", str(log),
                           "--format", "json"])
    assert res.exit_code == 0, res.output
    unrecorded = json.loads(res.output)["days"][0]["not_recorded"]
    assert [(n["from"][11:19], n["until"][11:19]) for n in unrecorded][:3] == [
        ("08:00:00", "09:00:00"), ("10:00:00", "11:00:00"), ("11:30:00", "11:40:00")]


def test_a_header_not_recorded_that_makes_no_sense_is_one_line(tmp_path):
    log = tmp_path / "bad.jsonl"
    for bad in ([[5, 1]], "x", [[0, "a"]], [[-1, 2]], [[0, 1, 2]]):
        log.write_text(json.dumps({"onlooker": "log", "version": 1,
                                   "start": "2026-11-23T09:00:00Z", "not_recorded": bad}) + "\n")
        res = CliRunner().invoke(cli, ["replay", str(log)])
        assert res.exit_code == 2 and "not_recorded" in res.output, res.output
        assert res.output.count("\n") == 1
