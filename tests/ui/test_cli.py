"""The command line: marks, log, report, forget, import, replay and their errors."""

import json
import re
import time

import click
import pytest
from click.testing import CliRunner

from onlooker.shim.model import InputSecond, Observation
from onlooker.storage.db import connect
from onlooker.storage.store import Store
from onlooker.ui.cli import cli


@pytest.fixture
def run(db_path):
    runner = CliRunner()

    def invoke(*args, input=None):
        # a short busy timeout (the seam the CLI offers tests) so lock tests don't wait 5 s
        return runner.invoke(cli, ["--db", str(db_path), *args], input=input, catch_exceptions=False,
                             obj={"busy_timeout_ms": 300})
    return invoke


def test_meeting_and_sharing_marks_feed_the_zoom_rule(run, db_path):
    """Hand-made marks (--at earlier times) around recorded focus changes give the Zoom clock
    icon in the report, exactly where the rule says."""
    now = time.time()
    t = lambda s: time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(int(now) + s))  # noqa: E731
    assert run("meeting", "start", "--app", "zoom", "--sharing", "--at", t(-100)).exit_code == 0
    store = Store(connect(db_path))
    base = int(now)
    store.record([Observation(base - 99, "focus", app="zoom"), Observation(base - 80, "focus", app="mail"),
                  Observation(base - 40, "focus", app="zoom")], [])
    assert run("sharing", "off", "--at", t(-20)).exit_code == 0
    assert run("meeting", "stop", "--at", t(-10)).exit_code == 0
    res = run("report", "--from", t(-100), "--to", t(0), "--json", "--profile", "zoom-2020")
    assert res.exit_code == 0, res.output
    zoom = json.loads(res.output)["profiles"][0]
    assert [(o["at"], o["until"]) for o in zoom["observations"]] == [(50.0, 60.0)]
    assert "clock icon" in zoom["observations"][0]["what"]
    kinds = [r[0] for r in store.conn.execute("SELECT kind FROM events ORDER BY ts, id")]
    assert kinds == ["meeting_start", "share_start", "focus", "focus", "focus", "share_end",
                     "meeting_end"]


def test_log_writes_a_replayable_observation_log(run, db_path, tmp_path):
    store = Store(connect(db_path))
    t0 = 1795856400.0
    store.record([Observation(t0, "focus", app="zoom"), Observation(t0 + 5, "minimize", app="zoom"),
                  Observation(t0 + 6, "pause")],
                 [InputSecond(int(t0) + i, 2, 3) for i in range(3)])
    out = tmp_path / "out.jsonl"
    res = run("log", "--from", "2026-11-28T09:00:00Z", "--to", "2026-11-28T10:00:00Z", "-o", str(out))
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    # the pause (with no end) is not recorded; the log ends where the range does
    assert lines[0] == {"onlooker": "log", "version": 1, "start": "2026-11-28T09:00:00.000Z",
                        "not_recorded": [[6.0, 3600.0]]}
    assert lines[1:] == [{"at": 0.0, "event": "focus", "app": "zoom"},
                         {"at": 0.0, "event": "input", "keys": 1, "pointer": 1, "until": 3.0},
                         {"at": 5.0, "event": "minimize", "app": "zoom"},
                         {"at": 3600.0, "event": "end"}]
    res = run("replay", str(out), "--json", "--profile", "hubstaff")
    assert res.exit_code == 0
    assert json.loads(res.output)["profiles"][0]["metrics"]["active_s"] == 3


def test_forget_needs_a_range_or_all_and_confirmation(run, db_path):
    Store(connect(db_path)).record([Observation(time.time(), "focus", app="MARKER-APP")], [])
    assert run("forget").exit_code == 2
    res = run("forget", "--all", input="n\n")
    assert res.exit_code == 1 and "nothing deleted" in res.output
    res = run("forget", "--all", "--yes")
    assert res.exit_code == 0
    for suffix in ("", "-wal"):
        p = db_path.parent / (db_path.name + suffix)
        assert not p.exists() or b"MARKER-APP" not in p.read_bytes()


def test_pause_for_a_while_then_resume_shows_in_status(run):
    assert run("pause", "--for", "30m").exit_code == 0
    assert "paused: until" in run("status").output
    assert run("resume").exit_code == 0
    out = run("status").output
    assert "paused" not in out and "recording: no" in out
    assert run("pause", "--for", "soon").exit_code == 2


@pytest.mark.parametrize("content, message", [
    ("{bad json\n", "line 1: not JSON"),
    ('{"onlooker":"log","version":1,"start":"2026-11-28T09:00:00Z"}\n{"at":1,"event":"nope"}\n',
     "line 2: unknown event 'nope'"),
    ('{"at":1,"event":"focus"}\n', "line 1: focus needs 'app'"),
])
def test_replay_errors_name_the_line_and_replay_nothing(run, tmp_path, content, message):
    f = tmp_path / "bad.jsonl"
    f.write_text(content)
    res = run("replay", str(f))
    assert res.exit_code == 2
    assert message in res.output and "nothing was replayed" in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_replay_binary_file_and_unknown_profile(run, tmp_path):
    f = tmp_path / "bin.jsonl"
    f.write_bytes(b"\xff\xfe\x00garbage")
    assert run("replay", str(f)).exit_code == 2
    res = run("replay", "--example", "quiz-tab-switches", "--profile", "nope")
    assert res.exit_code == 2 and "unknown profile 'nope'" in res.output


def test_every_bundled_example_replays(run):
    names = run("replay", "--list-examples").output.split()
    assert {"attentive-student", "email-during-lecture", "phone-break", "quiz-tab-switches",
            "remote-worker-day"} <= set(names)
    for name in names:
        res = run("replay", "--example", name, "--json")
        assert res.exit_code == 0
        assert len(json.loads(res.output)["profiles"]) == 10


AW_EXPORT = {"buckets": {
    "aw-watcher-window_host": {"id": "aw-watcher-window_host", "type": "currentwindow", "events": [
        {"id": 2, "timestamp": "2026-01-05T09:00:12Z", "duration": 60.0,
         "data": {"app": "zoom.us", "title": "Zoom Meeting"}},
        {"id": 1, "timestamp": "2026-01-05T09:00:00Z", "duration": 12.0,
         "data": {"app": "firefox", "title": "Inbox"}}]},
    "aw-watcher-afk_host": {"id": "aw-watcher-afk_host", "type": "afkstatus", "events": [
        {"timestamp": "2026-01-05T09:00:00+00:00", "duration": 42.5, "data": {"status": "not-afk"}},
        {"timestamp": "2026-01-05T09:00:42.5+00:00", "duration": 100, "data": {"status": "afk"}}]}}}


def test_import_activitywatch_file_is_idempotent(run, db_path, tmp_path):
    f = tmp_path / "aw.json"
    f.write_text(json.dumps(AW_EXPORT))
    said = "2 window changes, 1 meeting and 1 active period"
    res = run("import", "activitywatch", str(f))
    assert res.exit_code == 0 and res.output.strip() == f"imported {said}"
    res = run("import", "activitywatch", str(f))  # the same again: replaced, not added twice
    assert res.exit_code == 0 and res.output.strip() == (
        f"stored {said}; they replace what an earlier import of the same range brought")
    conn = connect(db_path)
    assert conn.execute("SELECT kind, app, category FROM events ORDER BY ts, id").fetchall() == [
        ("focus", "firefox", "browser"), ("focus", "zoom.us", "meeting"),
        ("meeting_start", "zoom.us", "meeting"), ("meeting_end", None, None)]
    assert conn.execute("SELECT end - start FROM input_spans").fetchall() == [(43,)]
    assert conn.execute("SELECT count(*) FROM events WHERE title IS NOT NULL").fetchone() == (0,)


def test_an_imported_meeting_window_makes_a_meeting_the_zoom_rule_reads(run, db_path, tmp_path):
    """ActivityWatch never says a meeting began: a meeting window in front is taken as one,
    from its first stretch in front to the end of its last, looking away included."""
    ev = lambda t, d, app, title: {"timestamp": f"2026-01-05T09:{t}Z", "duration": d,  # noqa: E731
                                   "data": {"app": app, "title": title}}
    export = {"buckets": {"w": {"id": "aw-watcher-window_h", "type": "currentwindow", "events": [
        ev("00:00", 60, "zoom", "Zoom Meeting"), ev("01:00", 45, "thunderbird", "Inbox"),
        ev("01:45", 120, "zoom", "Zoom Meeting")]}}}
    f = tmp_path / "aw.json"
    f.write_text(json.dumps(export))
    assert run("import", "activitywatch", str(f)).exit_code == 0
    run("sharing", "on", "--at", "2026-01-05T09:00:00Z")
    res = run("report", "--date", "2026-01-05", "--json", "--profile", "zoom-2020")
    zoom = json.loads(res.output)["profiles"][0]
    assert zoom["metrics"]["applies"] is True
    icons = [o for o in zoom["observations"] if "clock icon" in o["what"]
             and not (o.get("data") or {}).get("variant")]
    assert [(o["at"], o["until"]) for o in icons] == [(90.0, 105.0)]  # away 45 s: icon after 30 s


def test_an_export_that_cannot_be_imported_creates_no_database(run, db_path, tmp_path):
    f = tmp_path / "empty.json"
    f.write_text(json.dumps({"buckets": {}}))
    res = run("import", "activitywatch", str(f))
    assert res.exit_code == 2 and "nothing was imported" in res.output, res.output
    assert not db_path.exists()


def test_import_activitywatch_from_a_local_server_only(run, db_path):
    from tests.http_stub import serving

    with serving(json.dumps(AW_EXPORT).encode(), "application/json", "/api/0/export") as port:
        res = run("import", "activitywatch", "--server", f"http://127.0.0.1:{port}")
        assert res.exit_code == 0, res.output
    res = run("import", "activitywatch", "--server", "http://example.com:5600")
    assert res.exit_code == 2 and "only an aw-server on this machine" in res.output


def test_import_rejects_what_is_not_an_export(run, tmp_path):
    f = tmp_path / "x.json"
    f.write_text('{"hello": 1}')
    res = run("import", "activitywatch", str(f))
    assert res.exit_code == 2 and "not an ActivityWatch export" in res.output


def test_bad_config_is_one_clear_line(run, tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text("keep_titles = maybe\n")
    monkeypatch.setenv("ONLOOKER_CONFIG", str(cfg))
    res = run("watch")
    assert res.exit_code == 2
    assert "c.toml" in res.output and "line 1" in res.output
    assert len(res.output.strip().splitlines()) == 1


def _all_commands(group, path=()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _all_commands(command, (*path, name))


def test_help_has_examples_for_every_command_and_subcommand():
    """Every command's --help ends with a runnable example that names the command itself."""
    runner = CliRunner()
    commands = list(_all_commands(cli))
    assert len(commands) >= 17  # the groups' subcommands are walked too
    for path, _command in commands:
        res = runner.invoke(cli, [*path, "--help"])
        assert res.exit_code == 0, path
        assert "Example" in res.output, path
        assert re.search(rf"onlooker (--\S+ \S+ )*{' '.join(path)}\b", res.output), path


def test_watch_without_a_display_says_to_try_the_demo(run, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    res = run("watch")
    assert res.exit_code == 2
    assert res.output.strip() == ("onlooker: no display to observe (DISPLAY is not set); on a "
                                  "machine without a screen, try 'onlooker demo'")


def test_locked_database_is_a_clear_error_and_loses_nothing(run, db_path):
    """Another program holding the write lock: the write waits, then fails with one line."""
    import sqlite3

    store = Store(connect(db_path))
    store.record([Observation(time.time(), "focus", app="kept")], [])
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        res = run("pause")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert res.exit_code == 1
    assert "locked" in res.output and "try again" in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert store.conn.execute("SELECT app FROM events").fetchall() == [("kept",)]
    assert run("pause").exit_code == 0  # and works once the lock is gone


def test_report_for_a_day_counts_only_the_observed_part(run, db_path):
    """The lecture recorded from 10:00 to 10:45: the report finds its 4 Zoom icons, and the
    unrecorded hours since midnight are not called idle (Teams would not show Away)."""
    from tests.ui.conftest import seed

    seed(db_path)
    res = run("report", "--date", "2026-11-23", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    by_id = {p["id"]: p for p in out["profiles"]}
    assert out["log"]["start"] == "2026-11-23T10:00:00.000Z"
    assert out["log"]["duration_s"] == 2700
    assert by_id["zoom-2020"]["metrics"]["icons_shown"] == 4
    assert by_id["teams-presence"]["metrics"]["away_s_5min"] == 0
    text = run("report", "--date", "2026-11-23").output
    assert "10:03:47–10:04:02  The host would see the clock icon" in text


# --- ranges, prompts and the smaller things a person types --------------------------------------

def test_db_may_come_after_the_command(db_path):
    Store(connect(db_path)).record([Observation(time.time() - 5, "focus", app="zoom")], [])
    res = CliRunner().invoke(cli, ["status", "--db", str(db_path)])
    assert res.exit_code == 0, res.output
    assert f"database: {db_path}" in res.output
    res = CliRunner().invoke(cli, ["status", f"--db={db_path}"])
    assert f"database: {db_path}" in res.output


def test_forget_checks_its_range_before_asking(run):
    res = run("forget", "--from", "garbage", "--to", "23:00", input="y\n")
    assert res.exit_code == 2 and "Delete" not in res.output
    assert "'garbage' is not a time" in res.output
    res = run("forget", "--from", "2026-11-28T12:00Z", "--to", "2026-11-28T11:00Z", input="y\n")
    assert res.exit_code == 2 and "Delete" not in res.output
    assert "end of the range must be after its start" in res.output
    res = run("log", "--from", "2026-11-28T12:00Z", "--to", "2026-11-28T11:00Z")
    assert res.exit_code == 2 and "end of the range must be after its start" in res.output


def test_forget_of_a_range_with_nothing_in_it_says_so(run, db_path):
    Store(connect(db_path)).record([Observation(1795856400.0, "focus", app="zoom")], [])
    res = run("forget", "--from", "2026-01-01T00:00Z", "--to", "2026-01-02T00:00Z", "--yes")
    assert res.exit_code == 0
    assert res.output.strip() == "nothing was recorded in that range; nothing deleted"


def test_impossible_times_are_refused_and_nothing_is_stored(run, db_path):
    for at in ("0001-01-01T00:00Z", "9999-12-31T00:00Z", "-99999999999h"):
        res = run("meeting", "start", "--at", at)
        assert res.exit_code == 2, at
        assert len(res.output.strip().splitlines()) == 1 and "--at" in res.output
    assert not db_path.exists() or Store(connect(db_path)).table_counts()["events"] == 0
    res = run("report", "--from", "2000-01-01T00:00Z", "--json")
    assert res.exit_code == 2 and "400 days" in res.output
    res = run("report", "--date", "9999-12-31")
    assert res.exit_code == 2 and "not a day Onlooker can show" in res.output


def test_report_over_a_long_range_costs_what_was_recorded(run, db_path):
    """30 s of data and a range of 300 days: the report covers the 30 s (no empty slots)."""
    t0 = time.time() - 3600
    Store(connect(db_path)).record([Observation(t0, "focus", app="zoom"),
                                    Observation(t0 + 30, "focus", app="mail")],
                                   [InputSecond(int(t0) + i, 1, 1) for i in range(30)])
    res = run("report", "--from", "-300d", "--json", "--profile", "hubstaff")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["log"]["duration_s"] <= 31
    assert len(out["profiles"][0]["observations"]) <= 2


def test_meeting_app_matches_recorded_names_case_insensitively(run, db_path):
    Store(connect(db_path)).record([Observation(time.time() - 60, "focus", app="zoom")], [])
    assert "apps seen in the last day: zoom" in run("status").output
    assert run("meeting", "start", "--app", "ZOOM").exit_code == 0
    store = Store(connect(db_path))
    assert store.conn.execute("SELECT app FROM events WHERE kind = 'meeting_start'"
                              ).fetchone()[0] == "zoom"
    res = run("meeting", "start", "--app", "jitsi")
    assert "no window of 'jitsi' was recorded" in res.output and res.exit_code == 0


def test_sharing_outside_a_meeting_is_refused(run):
    res = run("sharing", "on")
    assert res.exit_code == 2 and "no meeting is marked" in res.output
    run("meeting", "start", "--app", "zoom")
    assert run("sharing", "on").exit_code == 0


def test_pause_for_more_than_today_names_the_day(run):
    out = run("pause", "--for", "30h").output
    assert time.strftime("%Y-%m-%d", time.localtime(time.time() + 30 * 3600)) in out
    out = run("pause", "--for", "1m").output
    later = time.localtime(time.time() + 60)
    assert (time.strftime("%Y-%m-%d", later) in out) == (later[:3] != time.localtime()[:3])


@pytest.mark.parametrize("export, named", [
    ({"buckets": {"aw-watcher-window_x": {"type": "currentwindow", "events": 5}}}, "'events' must be a list"),
    ({"buckets": {"b1": "aw-watcher-window"}}, "bucket 'b1' is not an object"),
    ({"buckets": {"b1": None}}, "bucket 'b1' is not an object"),
    ({"buckets": {"w": {"id": "aw-watcher-window_x", "events": [
        {"timestamp": "2026-11-28T09:00:00Z", "duration": 1, "data": ["zoom"]}]}}}, "event 1"),
    ({"buckets": {"w": {"id": "aw-watcher-window_x", "events": [
        {"timestamp": "2026-11-28T09:00:00Z", "duration": 1, "data": {"app": "a", "title": 7}}]}}},
     "'data.title' must be text"),
    ({"buckets": {"a": {"id": "aw-watcher-afk_x", "events": [
        {"timestamp": "2026-11-28T09:00:00Z", "duration": "inf", "data": {"status": "not-afk"}}]}}},
     "duration must be seconds"),
    ({"buckets": {"a": {"id": "aw-watcher-afk_x", "events": [
        {"timestamp": "2026-11-28T09:00:00Z", "duration": 1e12, "data": {"status": "not-afk"}}]}}},
     "duration must be seconds"),
])
def test_import_of_an_odd_export_is_one_line_naming_bucket_and_event(run, db_path, tmp_path,
                                                                     export, named):
    good = {"timestamp": "2026-11-28T08:00:00Z", "duration": 5, "data": {"app": "zoom"}}
    export["buckets"]["ok"] = {"id": "aw-watcher-window_ok", "events": [good]}  # would be stored
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    res = run("import", "activitywatch", str(path))
    assert res.exit_code == 2, res.output
    assert named in res.output and res.output.count("\n") == 1
    assert "nothing was imported" in res.output
    if db_path.exists():
        assert Store(connect(db_path)).table_counts() == {"events": 0, "input_spans": 0}


def test_import_of_deeply_nested_json_is_one_line(run, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    res = run("import", "activitywatch", str(path))
    assert res.exit_code == 2 and "not JSON" in res.output and res.output.count("\n") == 1


def test_sigterm_ends_a_served_demo_cleanly_and_removes_its_files(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "onlooker.ui", "demo", "--browser"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while "dashboard: http://127.0.0.1:" not in (line := proc.stdout.readline()):
            assert line, proc.stderr.read()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("onlooker-demo-")]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        proc.kill()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("onlooker-demo-")]
    assert "Traceback" not in proc.stderr.read()


def test_watch_with_an_unreachable_display_leaves_no_database(run, db_path, monkeypatch):
    monkeypatch.setenv("DISPLAY", ":99")  # no X server there
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.delenv("ONLOOKER_BACKEND", raising=False)
    res = run("watch")
    assert res.exit_code == 2
    assert "cannot open the X display :99" in res.output and res.output.count("\n") == 1
    assert not db_path.parent.exists() or list(db_path.parent.iterdir()) == []


@pytest.mark.parametrize("args, words", [
    (["diary", "--format", "docx"], "Invalid value for '--format'"),
    (["nope"], "No such command 'nope'"),
    (["desktop", "nope"], "No such command 'nope'"),
    (["report", "--bogus"], "No such option '--bogus'"),
])
def test_a_usage_mistake_is_one_line_that_says_where_help_is(run, args, words):
    res = run(*args)
    assert res.exit_code == 2
    assert words in res.output and "--help'" in res.output and res.output.count("\n") == 1, res.output
